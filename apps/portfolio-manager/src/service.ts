// The live loop: inputs from the consumer group -> tracker -> journal -> XACK; the trigger,
// plans and order intents; snapshots; the lock; recovery at start and a clean stop.
import {
  encodeOrderIntent,
  encodePortfolioConfig,
  encodePortfolioSnapshot,
  encodeRebalancePlan,
  type PortfolioConfig,
  type PortfolioSnapshot,
  type PriceMap,
  type RebalancePlan,
  safeDecodeFillEvent,
  safeDecodePriceMark,
} from '@njord/portfolio-contracts';
import { Rebalancer } from '@njord/portfolio-rebalancer';
import { PositionSizer } from '@njord/portfolio-sizer';
import type { MarkGuard, PlanBook, PortfolioTracker } from '@njord/portfolio-tracker';
import { performance } from 'node:perf_hooks';
import { type Clock, isEventClock, latestInputNs, systemClock } from './adapters/clock.js';
import { FileJournal, scanJournal } from './adapters/journal-file.js';
import { type LockOptions, PortfolioLock } from './adapters/lock.js';
import { createRedisClient, type Redis } from './adapters/redis.js';
import {
  claimPending,
  CONSUMER_NAME,
  createOutbox,
  ensureGroup,
  flushOutbox,
  isNoGroupError,
  type Outbox,
  publishOrders,
  publishSnapshot,
  readEntries,
  type RedisKeys,
  redisKeys,
  type StreamEntry,
} from './adapters/streams.js';
import { type LoadedConfig, redactRedisUrl } from './config.js';
import { JournalWriter } from './journal.js';
import type { Logger } from './logger.js';
import { checkpointBody, hashPortfolioConfig, replayJournal } from './recovery.js';
import { LiveRiskAdjuster, type ReturnSamplingOptions } from './risk-adjustment.js';
import { deadLetterReason, type ManagerObserver } from './http/observer.js';

export interface ManagerOptions {
  readonly config: LoadedConfig;
  readonly logger: Logger;
  /**
   * Event time, timers, snapshots and risk samples (default the system clock). The lock's
   * lease is always measured by the system clock: Redis expires it in real time.
   */
  readonly clock?: Clock;
  /** Plan and journal, but publish no order intents. */
  readonly dryRun?: boolean;
  /** Entries per XREADGROUP and stream (default 1000). */
  readonly batchSize?: number;
  readonly lock?: LockOptions;
  /**
   * Instrumentation (benchmarks, metrics): called after each batch of entries is applied,
   * journaled and acknowledged, with the clock's time in ms then and when the batch was read.
   */
  readonly onCommitted?: (entries: readonly StreamEntry[], atMs: number, readAtMs: number) => void;
  /** Operational events for metrics and the dashboard (plans, dead letters, timings). */
  readonly observer?: ManagerObserver;
}

export type ManagerOutcome = 'stopped' | 'lost_lock';

export interface ManagerCounters {
  fills_applied: number;
  fills_duplicate: number;
  fills_other_portfolio: number;
  fills_unknown_strategy: number;
  marks_applied: number;
  marks_stale: number;
  dead_lettered: number;
  plans: number;
  adjustments: number;
  intents_published: number;
  snapshots: number;
  checkpoints: number;
  groups_recreated: number;
}

/** Thrown inside the loop when the lock lease is gone: nothing more may be written. */
export class LockLostError extends Error {
  readonly _tag = 'LockLostError' as const;
  readonly code = 'lost_lock' as const;
}

const MAX_BLOCK_MS = 500;
const SHUTDOWN_REDIS_TIMEOUT_MS = 3_000;
/** How long a stop waits for Redis to take the acks (and intents) of the batch in hand. */
const STOP_GRACE_MS = 5_000;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

export class PortfolioManager {
  readonly counters: ManagerCounters = {
    fills_applied: 0,
    fills_duplicate: 0,
    fills_other_portfolio: 0,
    fills_unknown_strategy: 0,
    marks_applied: 0,
    marks_stale: 0,
    dead_lettered: 0,
    plans: 0,
    adjustments: 0,
    intents_published: 0,
    snapshots: 0,
    checkpoints: 0,
    groups_recreated: 0,
  };
  readonly keys: RedisKeys;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly dryRun: boolean;
  private readonly batchSize: number;
  private readonly portfolioId: string;
  private readonly planTimeoutNs: bigint;
  private readonly cmd: Redis;
  private readonly reader: Redis;
  private readonly lock: PortfolioLock;

  private stopping = false;
  private abandoned = false;
  private graceTimer: NodeJS.Timeout | undefined;
  /**
   * Set when the manager must give up on Redis (lost lock, shutdown grace over); every Redis
   * wait is raced against it, because a disconnected ioredis client can leave a queued
   * command pending forever. One listener per wait, removed when the wait ends (a
   * long-lived promise raced again and again would keep every wait's reaction alive).
   */
  private interruption: Error | undefined;
  private readonly interruptListeners = new Set<(error: Error) => void>();
  private lostLock = false;
  private running = false;
  private needPendingRead = true;
  /** Counts the reader's (re)connections, so a read that spanned a reconnect can be told. */
  private readerConnections = 0;
  private stopWaiters: (() => void)[] = [];
  private tracker!: PortfolioTracker;
  private plans!: PlanBook;
  private marks!: MarkGuard;
  /** Risk adjustment under a config with `risk_adjustment`, else null. */
  private risk: LiveRiskAdjuster | null = null;
  private readonly sampling: ReturnSamplingOptions;
  private portfolioConfig!: PortfolioConfig;
  private configHash = '';
  private rebalancer!: Rebalancer;
  private journalFile: FileJournal | undefined;
  private writer!: JournalWriter;
  private toPublish: RebalancePlan[] = [];
  private nextCheckMs = 0;
  private nextSnapshotMs = 0;
  private readonly lastLogMs = new Map<string, number>();

  constructor(private readonly options: ManagerOptions) {
    const { manager, portfolio } = options.config;
    this.portfolioId = portfolio.id;
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.dryRun = options.dryRun ?? false;
    this.batchSize = options.batchSize ?? 1000;
    this.planTimeoutNs = BigInt(Math.round(manager.planTimeoutSeconds * 1e9));
    this.sampling = {
      sampleSeconds: manager.returnSampleSeconds,
      snapshotIntervalSeconds: manager.snapshotIntervalSeconds,
    };
    this.keys = redisKeys(manager.redis.prefix, portfolio.id);
    this.cmd = createRedisClient({
      url: manager.redis.url,
      logger: this.logger,
      name: `njord-pm-${portfolio.id}-cmd`,
    });
    this.reader = createRedisClient({
      url: manager.redis.url,
      logger: this.logger,
      name: `njord-pm-${portfolio.id}-read`,
    });
    this.reader.on('ready', () => {
      // A read in flight when the connection dropped may have been delivered and lost: re-read pending entries.
      this.needPendingRead = true;
      this.readerConnections++;
    });
    this.lock = new PortfolioLock(this.cmd, this.keys.lock, systemClock, this.logger, options.lock);
  }

  /** Waits for a Redis operation unless the manager is interrupted first. */
  private untilInterrupted<T>(operation: Promise<T>): Promise<T> {
    if (this.interruption) {
      operation.catch(() => undefined);
      return Promise.reject(this.interruption);
    }
    return new Promise<T>((resolve, reject) => {
      const listener = (error: Error) => reject(error);
      this.interruptListeners.add(listener);
      operation.then(
        (value) => {
          this.interruptListeners.delete(listener);
          resolve(value);
        },
        (error: unknown) => {
          this.interruptListeners.delete(listener);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  private interruptWith(error: Error): void {
    this.interruption ??= error;
    for (const listener of this.interruptListeners) listener(error);
    this.interruptListeners.clear();
  }

  /**
   * Asks the loop to stop after the entry in hand; `run()` then resolves 'stopped'. Work
   * still waiting for Redis after `STOP_GRACE_MS` is abandoned (its entries are journaled,
   * so a restart acknowledges them as duplicates).
   */
  stop(reason = 'signal'): void {
    if (this.stopping) return;
    this.stopping = true;
    this.logger.info({ reason }, 'stopping');
    for (const wake of this.stopWaiters.splice(0)) wake();
    if (!this.running) {
      // Still connecting, waiting for the lock or recovering: abandon what waits for Redis.
      this.abandon();
      return;
    }
    this.graceTimer = setTimeout(() => {
      this.logger.warn(
        { grace_ms: STOP_GRACE_MS },
        'Redis did not answer during shutdown; abandoning the work in hand',
      );
      this.abandon();
    }, STOP_GRACE_MS);
  }

  private abandon(): void {
    this.abandoned = true;
    this.interruptWith(new StopSignal('abandoned'));
    this.cmd.disconnect();
    this.reader.disconnect();
  }

  /** Runs until stopped (resolves 'stopped') or the lock is lost (resolves 'lost_lock'). */
  async run(): Promise<ManagerOutcome> {
    const { manager } = this.options.config;
    this.logger.info(
      {
        redis: redactRedisUrl(manager.redis.url),
        prefix: manager.redis.prefix,
        journal: this.options.config.journalPath,
        journal_fsync: manager.journalFsync,
        dry_run: this.dryRun,
      },
      'starting portfolio manager',
    );
    try {
      try {
        const acquired = await this.untilInterrupted(this.lock.acquire(() => this.stopping));
        if (!acquired) return 'stopped';
        this.logger.info({ lock: this.keys.lock }, 'lock acquired');
        this.lock.startRenewal((reason) => this.onLockLost(reason));
        this.recover();
        await this.untilInterrupted(this.ensureGroups());
        const claimed = await this.untilInterrupted(
          claimPending(this.cmd, this.keys, CONSUMER_NAME),
        );
        if (claimed > 0)
          this.logger.info({ claimed }, 'claimed pending entries of other consumers');
        await this.republishPlans();
        if (this.stopping) throw new StopSignal('stopped while starting');
        this.running = true;
        if (await this.snapshot('start')) await this.check();
        const now = this.clock.nowMs();
        this.nextCheckMs = now + manager.checkIntervalSeconds * 1000;
        this.nextSnapshotMs = now + manager.snapshotIntervalSeconds * 1000;
        while (!this.stopping) await this.step();
      } catch (error) {
        if (this.lostLock) return 'lost_lock';
        const expected = error instanceof StopSignal || this.abandoned || !this.running;
        if (!this.stopping || !expected) throw error;
      }
      if (this.lostLock) return 'lost_lock';
      if (this.running) await this.shutdown();
      return this.lostLock ? 'lost_lock' : 'stopped';
    } finally {
      if (this.graceTimer) clearTimeout(this.graceTimer);
      this.lock.stopRenewal();
      this.journalFile?.close();
      this.journalFile = undefined;
      this.cmd.disconnect();
      this.reader.disconnect();
    }
  }

  private onLockLost(reason: string): void {
    this.lostLock = true;
    this.logger.error(
      { lock: this.keys.lock, reason },
      'lost the portfolio lock; stopping without writing',
    );
    this.stopping = true;
    for (const wake of this.stopWaiters.splice(0)) wake();
    // Break any command waiting on Redis so the loop unwinds now.
    this.interruptWith(new LockLostError(reason));
    this.cmd.disconnect();
    this.reader.disconnect();
  }

  // --- recovery -------------------------------------------------------------------------

  private recover(): void {
    const { config, logger } = this.options;
    const started = this.clock.nowMs();
    const scan = scanJournal(config.journalPath, this.portfolioId);
    if (scan.tornLastLine)
      logger.warn({ journal: config.journalPath }, 'journal: torn last line dropped');
    if (scan.corruptLines > 0) {
      logger.warn(
        { journal: config.journalPath, lines: scan.corruptLines },
        'journal: unreadable lines skipped',
      );
    }
    const nowNs = this.clock.nowNs();
    const recovered = replayJournal(
      scan.lines,
      config.portfolio,
      config.manager.maxMarkJump,
      nowNs,
      this.sampling,
    );
    for (const warning of recovered.warnings)
      logger.warn({ journal: config.journalPath }, `journal: ${warning}`);
    this.tracker = recovered.tracker;
    this.plans = recovered.plans;
    this.marks = recovered.marks;
    this.risk = recovered.risk;
    this.portfolioConfig = recovered.config;
    this.configHash = recovered.configHash;
    this.journalFile = FileJournal.open(config.journalPath, config.manager.journalFsync);
    if (this.options.observer?.fsync)
      this.journalFile.onFsync = (seconds) => this.options.observer?.fsync?.(seconds);
    this.writer = new JournalWriter(this.journalFile, this.portfolioId, recovered.lastSeq);

    if (recovered.fresh) {
      this.writer.add('config', nowNs, {
        hash: this.configHash,
        previous_hash: null,
        config: encodePortfolioConfig(this.portfolioConfig).portfolio,
      });
      const snapshot = this.tracker.getSnapshot(nowNs);
      this.writer.add('funding', nowNs, {
        allocations: snapshot.strategyAllocations,
        unallocated_cash: snapshot.unallocatedCash,
        total_capital: this.portfolioConfig.totalCapital,
      });
      logger.info(
        { allocations: snapshot.strategyAllocations },
        'first start: sleeves funded at their targets',
      );
    }
    const newHash = hashPortfolioConfig(config.portfolio);
    if (newHash !== this.configHash) {
      this.tracker.reconfigure(config.portfolio);
      // New bounds or weights: an earlier adjustment no longer applies; the samples carry over.
      this.risk = LiveRiskAdjuster.create(config.portfolio, this.sampling, this.risk);
      this.writer.add('config', nowNs, {
        hash: newHash,
        previous_hash: this.configHash,
        config: encodePortfolioConfig(config.portfolio).portfolio,
      });
      logger.warn(
        { previous_hash: this.configHash, hash: newHash },
        'portfolio config changed since the journal: new targets apply, removed strategies wind down',
      );
      this.portfolioConfig = config.portfolio;
      this.configHash = newHash;
    }
    this.rebalancer = new Rebalancer(
      this.tracker.allocator,
      new PositionSizer(this.portfolioConfig),
    );
    if (this.writer.pending > 0 || recovered.replayed > 0) this.addCheckpoint(nowNs);
    this.commit();
    logger.info(
      {
        fresh: recovered.fresh,
        from_checkpoint_seq: recovered.fromCheckpointSeq,
        replayed_lines: recovered.replayed,
        last_seq: this.writer.seq,
        applied_fills: this.tracker.appliedFillCount,
        plans_in_flight: this.plans.size,
        ...(this.risk === null
          ? {}
          : {
              risk_adjustment: {
                weights: this.tracker.allocator.weightsById(),
                last_adjustment_ns: this.risk.lastAdjustmentNs?.toString() ?? null,
                samples: this.risk.sampler.size,
              },
            }),
        ms: Math.round(this.clock.nowMs() - started),
      },
      'state recovered from the journal',
    );
  }

  private async ensureGroups(): Promise<void> {
    for (const stream of [this.keys.fills, this.keys.prices]) {
      if (await ensureGroup(this.cmd, stream, this.keys.group)) {
        this.logger.info({ stream, group: this.keys.group }, 'consumer group created at 0');
      }
    }
  }

  // --- the loop -------------------------------------------------------------------------

  private async step(): Promise<void> {
    let entries: StreamEntry[];
    const connection = this.readerConnections;
    try {
      if (this.needPendingRead) {
        entries = await this.untilInterrupted(
          readEntries(this.reader, this.keys, CONSUMER_NAME, {
            count: this.batchSize,
            pending: true,
          }),
        );
        if (entries.length === 0) this.needPendingRead = false;
      } else {
        // Event time stands still while no input arrives: its timers cannot shorten a wait.
        const blockMs = isEventClock(this.clock)
          ? MAX_BLOCK_MS
          : Math.max(
              1,
              Math.min(
                MAX_BLOCK_MS,
                Math.min(this.nextCheckMs, this.nextSnapshotMs) - this.clock.nowMs(),
              ),
            );
        entries = await this.untilInterrupted(
          readEntries(this.reader, this.keys, CONSUMER_NAME, {
            count: this.batchSize,
            blockMs: Math.ceil(blockMs),
          }),
        );
        // ioredis resends a read that was in flight when the connection dropped: its `>`
        // then skips the entries the lost reply delivered (now pending). Its own entries
        // are pending too: leave them, and read everything pending in stream order first.
        if (this.readerConnections !== connection) return;
        // A blocked read is served with the one stream that woke it: under an event clock the
        // rest of what was written with it (a tape's bar: marks and fills) joins the batch.
        if (isEventClock(this.clock) && entries.length > 0 && entries.length < this.batchSize) {
          const rest = await this.untilInterrupted(
            readEntries(this.reader, this.keys, CONSUMER_NAME, { count: this.batchSize }),
          );
          if (this.readerConnections !== connection) return;
          entries = entries.concat(rest);
        }
      }
    } catch (error) {
      if (this.stopping) return;
      if (isNoGroupError(error)) {
        this.counters.groups_recreated++;
        this.logger.warn(
          { group: this.keys.group },
          'consumer group missing (Redis lost it); recreating at 0',
        );
        await this.untilInterrupted(this.ensureGroups());
        this.needPendingRead = false;
        return;
      }
      // The failed read may have been delivered: its entries are pending, read them first.
      this.needPendingRead = true;
      this.logger.warn(
        { error: errorMessage(error) },
        'reading the input streams failed; retrying',
      );
      await this.pause(200);
      return;
    }
    if (entries.length > 0) await this.processBatch(entries);
    await this.runTimers();
  }

  private async processBatch(entries: readonly StreamEntry[]): Promise<void> {
    // clock: event: the batch happens at its latest input's time.
    if (isEventClock(this.clock)) this.clock.advanceTo(latestInputNs(entries.map((e) => e.data)));
    const readAtMs = this.clock.nowMs();
    const startedAt = performance.now();
    const nowNs = this.clock.nowNs();
    const outbox = createOutbox();
    let changed = false;
    for (const entry of entries) {
      if (this.handleEntry(entry, nowNs, outbox)) changed = true;
    }
    if (changed) this.maybeRebalance(nowNs);
    this.maybeCheckpoint(nowNs);
    this.commit();
    await this.retry('acknowledge entries', () => flushOutbox(this.cmd, this.keys, outbox));
    this.options.onCommitted?.(entries, this.clock.nowMs(), readAtMs);
    this.options.observer?.batch?.(entries.length, (performance.now() - startedAt) / 1000);
    if (this.toPublish.length > 0) await this.publishPlans(this.toPublish.splice(0), false);
  }

  /** Applies one entry; true when the state changed. Acks it (through the outbox) in every case. */
  private handleEntry(entry: StreamEntry, nowNs: bigint, outbox: Outbox): boolean {
    outbox.ack[entry.source].push(entry.id);
    if (entry.data === undefined) {
      this.deadLetter(outbox, entry, nowNs, 'entry has no data field');
      return false;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(entry.data);
    } catch (error) {
      this.deadLetter(outbox, entry, nowNs, `not JSON: ${errorMessage(error)}`);
      return false;
    }
    return entry.source === 'fills'
      ? this.handleFill(entry, raw, nowNs, outbox)
      : this.handleMark(entry, raw, nowNs, outbox);
  }

  private handleFill(entry: StreamEntry, raw: unknown, nowNs: bigint, outbox: Outbox): boolean {
    const decoded = safeDecodeFillEvent(raw);
    if (!decoded.success) {
      this.deadLetter(outbox, entry, nowNs, decoded.error.message);
      return false;
    }
    const fill = decoded.data;
    if (fill.portfolioId !== undefined && fill.portfolioId !== this.portfolioId) {
      this.counters.fills_other_portfolio++;
      return false;
    }
    let result: ReturnType<PortfolioTracker['onFill']>;
    try {
      result = this.tracker.onFill(fill);
    } catch (error) {
      this.deadLetter(outbox, entry, nowNs, errorMessage(error));
      return false;
    }
    if (result.success) {
      if (result.data.status === 'duplicate') {
        this.counters.fills_duplicate++;
        return false;
      }
      this.counters.fills_applied++;
      this.writer.add('fill', nowNs, {
        source: { stream: this.keys.fills, id: entry.id },
        fill: raw,
      });
      this.plans.onFill(fill);
      return true;
    }
    switch (result.error.code) {
      case 'unknown_strategy':
        // Another portfolio's strategy on a shared stream: skipped quietly.
        this.counters.fills_unknown_strategy++;
        return false;
      case 'portfolio_mismatch':
        this.counters.fills_other_portfolio++;
        return false;
      default:
        this.deadLetter(outbox, entry, nowNs, `${result.error.code}: ${result.error.message}`);
        return false;
    }
  }

  private handleMark(entry: StreamEntry, raw: unknown, nowNs: bigint, outbox: Outbox): boolean {
    const decoded = safeDecodePriceMark(raw);
    if (!decoded.success) {
      this.deadLetter(outbox, entry, nowNs, decoded.error.message);
      return false;
    }
    const mark = decoded.data;
    const verdict = this.marks.check(mark.symbol, mark.price, mark.timestampNs);
    if (verdict.kind === 'stale') {
      this.counters.marks_stale++;
      return false;
    }
    if (verdict.kind === 'jump') {
      this.marks.reject(mark.symbol, mark.price);
      const limit = this.options.config.manager.maxMarkJump;
      this.deadLetter(
        outbox,
        entry,
        nowNs,
        `mark_jump: ${mark.symbol} moved ${String(verdict.jump)} from ${String(verdict.lastPrice)} (max_mark_jump ${String(limit)})`,
        { mark: raw },
      );
      return false;
    }
    this.tracker.onPrice(mark);
    this.marks.accept(mark.symbol, mark.price, mark.timestampNs);
    this.counters.marks_applied++;
    this.writer.add('mark', nowNs, {
      source: { stream: this.keys.prices, id: entry.id },
      mark: raw,
    });
    return true;
  }

  private deadLetter(
    outbox: Outbox,
    entry: StreamEntry,
    nowNs: bigint,
    error: string,
    extra: Record<string, unknown> = {},
  ): void {
    this.counters.dead_lettered++;
    outbox.dead.push({ source: entry.source, entryId: entry.id, data: entry.data ?? null, error });
    this.writer.add('error', nowNs, {
      source: {
        stream: entry.source === 'fills' ? this.keys.fills : this.keys.prices,
        id: entry.id,
      },
      error,
      ...extra,
    });
    this.options.observer?.deadLetter?.({
      source: entry.source,
      entryId: entry.id,
      reason: deadLetterReason(error),
      error,
    });
    this.logThrottled(
      'dead',
      'warn',
      { source: entry.source, entry_id: entry.id, error },
      'input dead-lettered',
    );
  }

  // --- rebalancing ----------------------------------------------------------------------

  private priceMap(): PriceMap {
    const prices: Record<string, number> = {};
    for (const sleeve of this.tracker.getState().sleeves) {
      for (const symbol of Object.keys(sleeve.positions)) {
        const price = this.tracker.getPrice(symbol);
        if (price !== undefined) prices[symbol] = price;
      }
    }
    return prices;
  }

  /** Checks the trigger; when it fires (and nothing blocks), plans, applies and journals. */
  private maybeRebalance(nowNs: bigint): RebalancePlan | null {
    const snapshot = this.tracker.getSnapshot(nowNs);
    if (!snapshot.needsRebalance) return null;
    const blocking = this.plans.blockingPlan(nowNs, this.planTimeoutNs);
    if (blocking !== null) {
      this.logThrottled(
        'blocked',
        'info',
        { plan_id: blocking },
        'rebalance due but an earlier plan is still unfilled',
      );
      return null;
    }
    const result = this.rebalancer.createRebalancePlan(
      this.tracker.getState(),
      this.priceMap(),
      nowNs,
      {
        allocator: this.tracker.allocator,
        ...(snapshot.rebalanceReason === null ? {} : { reason: snapshot.rebalanceReason }),
      },
    );
    if (!result.success) {
      this.logThrottled(
        `plan-${result.error.code}`,
        'warn',
        { code: result.error.code, error: result.error.message },
        'rebalance due but no plan can be made',
      );
      return null;
    }
    const plan = result.data;
    this.tracker.applyPlan(plan);
    this.plans.add(plan);
    this.risk?.sampler.onTransfers(plan.transfers);
    this.writer.add('plan', nowNs, { plan: encodeRebalancePlan(plan) });
    this.counters.plans++;
    this.options.observer?.plan?.(plan);
    this.toPublish.push(plan);
    this.logger.info(
      {
        event: 'rebalance',
        plan_id: plan.planId,
        reason: plan.reason,
        drift: snapshot.driftFromTarget,
        targets: snapshot.targetAllocations,
        transfers: plan.transfers,
        trades: plan.trades.length,
        skipped: plan.skipped.length,
        estimated_costs: plan.estimatedCosts,
        dry_run: this.dryRun,
      },
      'rebalance planned',
    );
    return plan;
  }

  /**
   * After a crash: plans journaled but not marked published are published again. A dry run
   * leaves them for the next real run rather than marking them published unpublished.
   */
  private async republishPlans(): Promise<void> {
    const plans = this.plans.unpublished();
    if (plans.length === 0) return;
    if (this.dryRun) {
      this.logger.warn(
        { plan_ids: plans.map((plan) => plan.planId) },
        'dry run: plans journaled but never published are left for the next run without --dry-run',
      );
      return;
    }
    await this.publishPlans(plans, true);
  }

  /** Publishes the intents of journaled plans (not in a dry run), then journals `published`. */
  private async publishPlans(plans: readonly RebalancePlan[], recovering: boolean): Promise<void> {
    if (plans.length === 0) return;
    for (const plan of plans) {
      if (!this.dryRun && plan.trades.length > 0) {
        this.assertLock();
        const payloads = plan.trades.map((trade) => JSON.stringify(encodeOrderIntent(trade)));
        await this.retry('publish order intents', () =>
          publishOrders(this.cmd, this.keys, payloads),
        );
        this.counters.intents_published += payloads.length;
      }
      this.writer.add('published', this.clock.nowNs(), {
        plan_id: plan.planId,
        intents: this.dryRun ? 0 : plan.trades.length,
        dry_run: this.dryRun,
      });
      this.plans.markPublished(plan.planId);
      if (recovering) {
        this.logger.warn(
          { plan_id: plan.planId, intents: plan.trades.length },
          'republished the intents of a plan not marked published',
        );
      }
    }
    this.commit();
    if (!recovering) await this.snapshot('rebalance');
  }

  // --- timers, snapshots, checkpoints ---------------------------------------------------

  private async runTimers(): Promise<void> {
    const { manager } = this.options.config;
    const now = this.clock.nowMs();
    if (now >= this.nextCheckMs) {
      this.nextCheckMs = now + manager.checkIntervalSeconds * 1000;
      await this.check();
    }
    if (now >= this.nextSnapshotMs) {
      this.nextSnapshotMs = now + manager.snapshotIntervalSeconds * 1000;
      // An adjustment moved the targets: the trigger measures drift against them at once.
      if (await this.snapshot('interval')) await this.check();
    }
  }

  /** The trigger check of the timer: plans past their timeout pruned, then maybe a rebalance. */
  private async check(): Promise<void> {
    const nowNs = this.clock.nowNs();
    this.plans.prune(nowNs, this.planTimeoutNs);
    if (this.maybeRebalance(nowNs)) {
      this.commit();
      await this.publishPlans(this.toPublish.splice(0), false);
    }
  }

  /**
   * Risk adjustment at a snapshot: every snapshot is a return sample; at a `start` or
   * `interval` snapshot an adjustment that is due is made, journaled (before the snapshot
   * line) and put in force. True when it adjusted.
   */
  private sampleAndAdjust(nowNs: bigint, snapshot: PortfolioSnapshot, mayAdjust: boolean): boolean {
    const risk = this.risk;
    if (risk === null) return false;
    risk.sampler.onSnapshot(nowNs, snapshot.strategyAllocations);
    if (!mayAdjust || !risk.isAdjustmentDue(nowNs)) return false;
    const before = this.tracker.allocator.weightsById();
    const { adjustment, body } = risk.adjust(
      nowNs,
      snapshot.strategyAllocations,
      snapshot.unallocatedCash,
    );
    this.tracker.setAllocator(risk.allocator);
    this.writer.add('adjustment', nowNs, {
      ...body,
      inputs: { ...body.inputs },
      adjustment: { ...body.adjustment },
      input_latest_ns: risk.sampler.latestNs,
    });
    this.counters.adjustments++;
    const stats: Record<string, unknown> = {};
    for (const [id, s] of Object.entries(adjustment.stats)) {
      stats[id] = { count: s.count, sharpe: s.sharpe, max_drawdown: s.maxDrawdown, score: s.score };
    }
    this.logger.info(
      {
        event: 'adjustment',
        method: adjustment.method,
        samples: body.inputs.history.timestamps_ns.length,
        weights_before: before,
        weights_after: adjustment.weights,
        targets_before: snapshot.targetAllocations,
        targets_after: adjustment.targets,
        stats,
      },
      'risk adjustment applied',
    );
    return true;
  }

  /** Journals and publishes a snapshot; true when a risk adjustment was made with it. */
  private async snapshot(reason: 'start' | 'interval' | 'rebalance' | 'stop'): Promise<boolean> {
    const nowNs = this.clock.nowNs();
    let snapshot = this.tracker.getSnapshot(nowNs);
    const adjusted = this.sampleAndAdjust(
      nowNs,
      snapshot,
      reason === 'start' || reason === 'interval',
    );
    if (adjusted) snapshot = this.tracker.getSnapshot(nowNs);
    const wire = encodePortfolioSnapshot(snapshot);
    this.writer.add('snapshot', nowNs, { reason, snapshot: wire });
    this.maybeCheckpoint(nowNs);
    this.commit();
    this.assertLock();
    await this.retry('publish the snapshot', () =>
      publishSnapshot(this.cmd, this.keys, JSON.stringify(wire)),
    );
    this.counters.snapshots++;
    this.options.observer?.snapshot?.(snapshot);
    if (reason !== 'rebalance') {
      this.logger.info(
        {
          event: 'status',
          reason,
          equity: snapshot.totalEquity,
          needs_rebalance: snapshot.needsRebalance,
          stale_symbols: snapshot.staleSymbols,
          counters: this.counters,
        },
        'portfolio status',
      );
    }
    return adjusted;
  }

  /**
   * A checkpoint after `checkpoint_every` lines, or after as many lines as there are applied
   * fills if that is more: a checkpoint holds every applied fill id (the tracker's dedupe
   * ledger), so its cost stays amortized (about one ledger entry per journal line) and a
   * replay reads at most that many lines.
   */
  private maybeCheckpoint(nowNs: bigint): void {
    const every = Math.max(
      this.options.config.manager.checkpointEvery,
      this.tracker.appliedFillCount,
    );
    if (this.writer.linesSinceCheckpoint >= every) this.addCheckpoint(nowNs);
  }

  private addCheckpoint(nowNs: bigint): void {
    const started = performance.now();
    this.writer.add(
      'checkpoint',
      nowNs,
      checkpointBody(
        this.portfolioConfig,
        this.configHash,
        this.tracker,
        this.plans,
        this.marks,
        this.risk,
      ) as unknown as Record<string, unknown>,
    );
    this.counters.checkpoints++;
    this.options.observer?.checkpoint?.((performance.now() - started) / 1000);
  }

  // --- writes, fenced by the lock -------------------------------------------------------

  private assertLock(): void {
    if (!this.lock.isValid()) {
      this.writer.discard();
      if (!this.lostLock) this.onLockLost('lock lease ran out');
      throw new LockLostError('the portfolio lock is no longer held');
    }
  }

  /** Writes the buffered journal lines (one write) if this manager still holds the lock. */
  private commit(): void {
    if (this.writer.pending === 0) return;
    this.assertLock();
    this.writer.flush();
  }

  /** Retries a Redis write until it succeeds, or the manager must stop writing or gives up on Redis. */
  private async retry(what: string, action: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      this.assertMayContinue();
      try {
        await this.untilInterrupted(action());
        return;
      } catch (error) {
        this.assertMayContinue();
        this.logger.warn(
          { attempt, error: errorMessage(error) },
          `redis: failed to ${what}; retrying`,
        );
        await this.pause(Math.min(100 * attempt, 2000));
      }
    }
  }

  private assertMayContinue(): void {
    if (this.lostLock) throw new LockLostError('the portfolio lock is no longer held');
    if (this.abandoned) throw new StopSignal('abandoned at shutdown');
  }

  /** Final snapshot and checkpoint in the journal, then (best effort) on Redis; releases the lock. */
  private async shutdown(): Promise<void> {
    if (this.lostLock) return;
    const nowNs = this.clock.nowNs();
    const snapshot = this.tracker.getSnapshot(nowNs);
    this.sampleAndAdjust(nowNs, snapshot, false);
    const wire = encodePortfolioSnapshot(snapshot);
    this.writer.add('snapshot', nowNs, { reason: 'stop', snapshot: wire });
    this.addCheckpoint(nowNs);
    try {
      this.commit();
    } catch (error) {
      if (error instanceof LockLostError) return;
      throw error;
    }
    this.journalFile?.close();
    this.journalFile = undefined;
    if (!this.abandoned) {
      const published = await withTimeout(
        publishSnapshot(this.cmd, this.keys, JSON.stringify(wire)).then(
          () => true,
          () => false,
        ),
        SHUTDOWN_REDIS_TIMEOUT_MS,
      );
      if (!published) this.logger.warn('final snapshot not published: Redis did not answer');
      await withTimeout(
        this.lock.release().catch(() => undefined),
        SHUTDOWN_REDIS_TIMEOUT_MS,
      );
    }
    this.logger.info({ counters: this.counters, last_seq: this.writer.seq }, 'stopped');
  }

  // --- small helpers --------------------------------------------------------------------

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const waiters = this.stopWaiters;
      function done() {
        clearTimeout(timer);
        const index = waiters.indexOf(done);
        if (index >= 0) waiters.splice(index, 1);
        resolve();
      }
      waiters.push(done);
    });
  }

  private logThrottled(
    key: string,
    level: 'info' | 'warn',
    fields: Record<string, unknown>,
    message: string,
    everyMs = 1000,
  ): void {
    const now = this.clock.nowMs();
    if (now - (this.lastLogMs.get(key) ?? -Infinity) < everyMs) return;
    this.lastLogMs.set(key, now);
    this.logger[level]({ ...fields, counters: this.counters }, message);
  }

  /** Recovery is done and the loop reads input. */
  get recovered(): boolean {
    return this.running && !this.stopping;
  }

  /** This manager holds a valid lease on the portfolio lock. */
  get lockHeld(): boolean {
    return this.lock.isValid();
  }

  /** The latest state, or null before recovery. */
  currentSnapshot(): PortfolioSnapshot | null {
    return this.running ? this.tracker.getSnapshot(this.clock.nowNs()) : null;
  }

  /** For tests: the live tracker. */
  get state(): PortfolioTracker {
    return this.tracker;
  }
}

class StopSignal extends Error {
  readonly _tag = 'StopSignal' as const;
}
