// The live loop's wiring around the kernel: input batches -> admitLiveEntry -> journal -> XACK;
// the kernel's decisions (halt, risk adjustment, plan) journaled, applied and published;
// snapshots (each a risk sample), checkpoints; recovery at start and the final lines at stop.
import { dirname, join } from 'node:path';
import {
  createIdRecord,
  spanNs,
  decodeManagerCommand,
  encodeOrderIntent,
  encodePortfolioConfig,
  encodePortfolioSnapshot,
  encodeRebalancePlan,
  type PortfolioSnapshot,
  type RebalancePlan,
} from '@njord/portfolio-contracts';
import {
  type AdjustmentDecision,
  type BreakerEvent,
  type HaltEvent,
  type ResumeEvent,
  admitLiveEntry,
  beginLiveBatch,
  calculateClockPeriodsPerYear,
  type LiveEntry,
  type LiveInputRules,
  type LiveOutcome,
  type PortfolioKernel,
} from '@njord/portfolio-kernel';
import { encodeRiskAdjustment } from '@njord/portfolio-risk';
import { performance } from 'node:perf_hooks';
import { type Clock, isEventClock, latestInputNs } from './adapters/clock.js';
import {
  currentSegment,
  FileJournal,
  JournalDamageError,
  lineNumberInFile,
  scanJournal,
  segmentName,
} from './adapters/journal-file.js';
import {
  createOutbox,
  type Outbox,
  type RedisKeys,
  type StreamEntry,
  streamOf,
} from './adapters/streams.js';
import type { LoadedConfig } from './config.js';
import type { ManagerObserver } from './http/observer.js';
import {
  CheckpointChain,
  FencedJournal,
  type LeaseCheck,
  JournalWriter,
  segmentPruner,
} from './journal.js';
import type { Logger } from './logger.js';
import {
  addChainedCheckpoint,
  hashPortfolioConfig,
  liveKernelOptions,
  recoverFromScan,
} from './recovery.js';
import { LockLostError } from './session.js';
import { planRestore, type RestorePlan, type StreamPositions } from './recovery-streams.js';
import type { PublishedIntent, StreamGroupState } from './adapters/streams.js';

/** What the start knows of the consumer group, to check the journal against it. */
export interface RecoveryStreams {
  readonly groups: readonly StreamGroupState[];
  /** `--fresh`: a missing journal may start fresh although the group delivered entries. */
  readonly fresh: boolean;
  /** `--trust-journal`: lines lost beyond what the streams hold are accepted as lost. */
  readonly trustJournal: boolean;
  /** This portfolio's newest intent on the orders stream (its plan must be in the journal). */
  readonly newestIntent?: PublishedIntent | null;
}

export interface ManagerCounters {
  fills_applied: number;
  fills_duplicate: number;
  fills_other_portfolio: number;
  fills_unknown_strategy: number;
  marks_applied: number;
  marks_stale: number;
  /** Entries applied that carried keys the contract does not know (a newer producer's): ignored. */
  entries_with_unknown_keys: number;
  dead_lettered: number;
  plans: number;
  adjustments: number;
  intents_published: number;
  snapshots: number;
  checkpoints: number;
  groups_recreated: number;
  /** Operators' commands applied, breaker trips, halts and resumes journaled. */
  commands: number;
  breakers: number;
  halts: number;
  resumes: number;
}

export function createCounters(): ManagerCounters {
  return {
    fills_applied: 0,
    fills_duplicate: 0,
    fills_other_portfolio: 0,
    fills_unknown_strategy: 0,
    marks_applied: 0,
    marks_stale: 0,
    entries_with_unknown_keys: 0,
    dead_lettered: 0,
    plans: 0,
    adjustments: 0,
    intents_published: 0,
    snapshots: 0,
    checkpoints: 0,
    groups_recreated: 0,
    commands: 0,
    breakers: 0,
    halts: 0,
    resumes: 0,
  };
}

/**
 * Where the loop's writes go besides the journal (Redis, fenced and retried, in the manager):
 * each resolves once written, or rejects when the manager must stop writing.
 */
export interface LoopOutput {
  /** A batch's dead letters and acknowledgements. */
  commit(outbox: Outbox): Promise<void>;
  /** The order intents of one plan (JSON payloads). */
  publishOrders(payloads: readonly string[]): Promise<void>;
  /** One snapshot (JSON payload). */
  publishSnapshot(payload: string): Promise<void>;
}

/** What the loop is wired to: config, clock, its output, instrumentation. */
export interface LoopContext {
  readonly config: LoadedConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly dryRun: boolean;
  /** Stream keys, named in journal lines (`source`). */
  readonly keys: RedisKeys;
  readonly output: LoopOutput;
  readonly counters: ManagerCounters;
  readonly observer: ManagerObserver | undefined;
  /**
   * A batch acknowledged (at `atMs` on the clock): it was read at `readAtMs`, and the loop was
   * done with it at `sentAtMs`, when it sent the acknowledgement and went on.
   */
  readonly onCommitted:
    | ((entries: readonly StreamEntry[], atMs: number, readAtMs: number, sentAtMs: number) => void)
    | undefined;
}

type SnapshotReason = 'start' | 'interval' | 'rebalance' | 'stop';

export class LiveLoop {
  private toPublish: RebalancePlan[] = [];
  /** The last batch's acknowledgement while it is in flight (see processBatch). */
  private committing: Promise<void> | null = null;
  private nextCheckMs = 0;
  private nextSnapshotMs = 0;
  private readonly lastLogMs = new Map<string, number>();
  /** Per input stream key: every entry up to this id is processed (journaled, or skipped). */
  private positions: StreamPositions = new Map();
  /** Entries to read again from the streams before the loop starts (lines the journal lost). */
  restorePlan: RestorePlan | null = null;
  private recovery: {
    startedMs: number;
    fresh: boolean;
    fromCheckpointSeq: number | null;
    replayed: number;
  } | null = null;

  private constructor(
    private readonly ctx: LoopContext,
    readonly kernel: PortfolioKernel,
    private readonly journal: FencedJournal,
    private configHash: string,
    private readonly chain: CheckpointChain,
  ) {}

  /**
   * Recovery: the kernel rebuilt from the journal (or funded at targets on a first start), a
   * changed config put in force, a checkpoint; the journal open for appending behind `lease`.
   */
  static recover(
    ctx: LoopContext,
    lease: LeaseCheck,
    onLost: (reason: string) => void,
    streams?: RecoveryStreams,
  ): LiveLoop {
    const { config, logger, clock, observer } = ctx;
    const started = clock.nowMs();
    const segmentBytes = config.manager.journalSegmentBytes;
    // Segmented: the newest segment (the last checkpoint is its first line), else the one file.
    const current =
      segmentBytes === null
        ? { path: config.journalPath, segment: undefined }
        : currentSegment(config.journalPath, config.portfolio.id);
    const journalPath = current.path;
    const scan = scanJournal(journalPath, config.portfolio.id);
    // Before anything is written: a journal that lost lines is restored or refused.
    const restorePlan =
      streams === undefined
        ? null
        : planRestore(scan, streams.groups, {
            journalPath: journalPath,
            portfolioId: config.portfolio.id,
            group: ctx.keys.group,
            fresh: streams.fresh,
            trustJournal: streams.trustJournal,
          });
    for (const warning of restorePlan?.warnings ?? [])
      logger.warn({ journal: journalPath }, `journal: ${warning}`);
    if (scan.tornLastLine) logger.warn({ journal: journalPath }, 'journal: torn last line dropped');
    if (scan.corruptLines > 0) {
      logger.warn(
        { journal: journalPath, lines: scan.corruptLines },
        'journal: unreadable lines skipped',
      );
    }
    const nowNs = clock.nowNs();
    // The last checkpoint may be a link of a chain: the earlier links hold the older fill ids.
    const { recovered, links } = recoverFromScan(
      journalPath,
      scan,
      config.portfolio,
      liveKernelOptions(config.manager),
      nowNs,
      { segment: current.segment, oneFile: config.journalPath },
    );
    for (const warning of recovered.warnings)
      logger.warn({ journal: journalPath }, `journal: ${warning}`);
    // A plan whose intents went out but whose line is gone: its transfers would be lost and
    // the next plan would trade again for the same drift.
    const intent = streams?.newestIntent;
    // A plan stamped before the dedupe horizon is forgotten with the fill ids: its absence
    // says nothing then.
    const horizon = recovered.kernel.tracker.dedupeHorizonNs;
    const forgettable =
      horizon !== undefined && intent?.timestampNs !== undefined && intent.timestampNs < horizon;
    if (intent != null && !forgettable && !recovered.kernel.tracker.hasPlan(intent.planId)) {
      const detail = `plan ${intent.planId} has intents on ${ctx.keys.orders} (entry ${intent.entryId}, intent ${intent.intentId}) but no line of the journal holds it: the lines that held it were lost`;
      if (streams?.fresh !== true && streams?.trustJournal !== true)
        throw new JournalDamageError(
          'lost_lines',
          journalPath,
          lineNumberInFile(journalPath, scan.fileBytes),
          scan.fileBytes,
          detail,
        );
      logger.warn(
        { journal: journalPath, plan_id: intent.planId },
        `journal: ${detail}; started anyway (--fresh or --trust-journal): that plan's transfers between sleeves are lost`,
      );
    }
    // A segmented journal's first line goes to its first segment, not to the one file.
    const appendPath =
      segmentBytes !== null && current.segment === undefined && scan.lines.length === 0
        ? join(dirname(config.journalPath), segmentName(config.portfolio.id, recovered.lastSeq + 1))
        : journalPath;
    const file = FileJournal.open(appendPath, config.manager.journalFsync);
    if (observer?.fsync) file.onFsync = (seconds) => observer.fsync?.(seconds);
    const writer = new JournalWriter(
      file,
      config.portfolio.id,
      recovered.lastSeq,
      segmentBytes === null ? null : { maxBytes: segmentBytes },
    );
    const journal = new FencedJournal(file, writer, lease, onLost);
    const kernel = recovered.kernel;
    const loop = new LiveLoop(
      ctx,
      kernel,
      journal,
      recovered.configHash,
      new CheckpointChain(links),
    );
    if (segmentBytes !== null) {
      // Segments no checkpoint link reaches any more are removed once the checkpoint is written.
      journal.onCommitted = segmentPruner(
        dirname(config.journalPath),
        config.portfolio.id,
        loop.chain,
        (removed) => logger.info({ removed }, 'journal: old segments removed'),
      );
    }
    if (restorePlan !== null) {
      loop.positions = new Map(restorePlan.positions);
      if (restorePlan.restores.length > 0) loop.restorePlan = restorePlan;
    }

    if (recovered.fresh) {
      journal.add('config', nowNs, {
        hash: recovered.configHash,
        previous_hash: null,
        config: encodePortfolioConfig(kernel.config).portfolio,
      });
      const snapshot = kernel.tracker.getSnapshot(nowNs);
      journal.add('funding', nowNs, {
        allocations: snapshot.strategyAllocations,
        unallocated_cash: snapshot.unallocatedCash,
        total_capital: kernel.config.totalCapital,
      });
      logger.info(
        { allocations: snapshot.strategyAllocations },
        'first start: sleeves funded at their targets',
      );
    }
    loop.recovery = {
      startedMs: started,
      fresh: recovered.fresh,
      fromCheckpointSeq: recovered.fromCheckpointSeq,
      replayed: recovered.replayed,
    };
    // Entries the journal lost are applied first (the manager does it), under the journaled config.
    if (loop.restorePlan === null) loop.settle(0);
    return loop;
  }

  /**
   * The end of recovery, after any entries read again from the streams (`restored` of them):
   * a changed config put in force, a checkpoint, the log line.
   */
  settle(restored: number): void {
    const recovery = this.recovery;
    if (recovery === null) return;
    this.recovery = null;
    this.restorePlan = null;
    const { config, logger, clock } = this.ctx;
    const nowNs = clock.nowNs();
    const journal = this.journal;
    const kernel = this.kernel;
    const newHash = hashPortfolioConfig(config.portfolio);
    if (newHash !== this.configHash) {
      // New targets apply, removed strategies wind down; an earlier adjustment no longer
      // applies, the return samples carry over.
      kernel.apply({ type: 'config', config: config.portfolio });
      journal.add('config', nowNs, {
        hash: newHash,
        previous_hash: this.configHash,
        config: encodePortfolioConfig(config.portfolio).portfolio,
      });
      logger.warn(
        { previous_hash: this.configHash, hash: newHash },
        'portfolio config changed since the journal: new targets apply, removed strategies wind down',
      );
      this.configHash = newHash;
    }
    if (journal.pending > 0 || recovery.replayed > 0 || restored > 0) this.addCheckpoint(nowNs);
    journal.commit();
    const risk = kernel.risk;
    logger.info(
      {
        fresh: recovery.fresh,
        from_checkpoint_seq: recovery.fromCheckpointSeq,
        replayed_lines: recovery.replayed,
        restored_entries: restored,
        last_seq: journal.seq,
        applied_fills: kernel.tracker.appliedFillCount,
        plans_in_flight: kernel.plans.size,
        ...(risk === null
          ? {}
          : {
              risk_adjustment: {
                weights: kernel.allocator.weightsById(),
                last_adjustment_ns: risk.lastAdjustmentNs?.toString() ?? null,
                samples: risk.samples,
              },
            }),
        ms: Math.round(clock.nowMs() - recovery.startedMs),
      },
      'state recovered from the journal',
    );
  }

  /** The first snapshot (and the trigger when it adjusted), then the timers. */
  async begin(): Promise<void> {
    const { manager } = this.ctx.config;
    if (await this.snapshot('start')) await this.check();
    const now = this.ctx.clock.nowMs();
    this.nextCheckMs = now + manager.checkIntervalSeconds * 1000;
    this.nextSnapshotMs = now + manager.snapshotIntervalSeconds * 1000;
  }

  /** When the next timer is due (ms on the clock): a blocking read waits no longer. */
  get wakeAtMs(): number {
    return Math.min(this.nextCheckMs, this.nextSnapshotMs);
  }

  // --- input ----------------------------------------------------------------------------

  /**
   * Applies and journals one batch, decides after it, sends its acknowledgement (waited for by
   * the next batch or write; see drain) and publishes its plans.
   */
  async processBatch(entries: readonly StreamEntry[]): Promise<void> {
    const { clock, output } = this.ctx;
    await this.drain();
    // clock: event: the batch happens at its latest input's time.
    if (isEventClock(clock))
      clock.advanceTo(
        latestInputNs(entries.map((e) => (typeof e.data === 'string' ? e.data : undefined))),
      );
    const readAtMs = clock.nowMs();
    const startedAt = performance.now();
    const nowNs = clock.nowNs();
    const rules = this.inputRules(nowNs);
    beginLiveBatch(this.kernel, rules);
    const outbox = createOutbox();
    let changed = false;
    const positions = this.positions;
    const { keys } = this.ctx;
    for (const entry of entries) {
      outbox.ack[entry.source].push(entry.id);
      positions.set(streamOf(keys, entry.source), entry.id);
      if (!isLiveEntry(entry)) {
        // A command, in its place in the input's order: applied and decided on at once.
        this.command(entry, nowNs, outbox);
        continue;
      }
      const outcome = admitLiveEntry(this.kernel, entry, rules);
      if (this.record(entry, outcome, nowNs, outbox)) changed = true;
    }
    if (changed) this.decide(nowNs, false);
    this.maybeCheckpoint(nowNs);
    this.journal.commit();
    // The acknowledgement is sent, not waited for: its round trip overlaps the next read. The
    // next batch (and every other write to Redis) waits for it first (drain), so one at most
    // is in flight, Redis sees the writes in the loop's order, and nothing more is journaled
    // once an acknowledgement failed.
    const observer = this.ctx.observer;
    const sentAt = performance.now();
    const sentAtMs = clock.nowMs();
    const committed = output.commit(outbox).then(() => {
      const now = performance.now();
      observer?.ack?.((now - sentAt) / 1000);
      observer?.batch?.(entries.length, (now - startedAt) / 1000);
      this.ctx.onCommitted?.(entries, clock.nowMs(), readAtMs, sentAtMs);
    });
    // Its failure (the manager must stop writing) is met by the next drain.
    committed.catch(() => undefined);
    this.committing = committed;
    if (this.toPublish.length > 0) await this.publishPlans(this.toPublish.splice(0), false);
  }

  /**
   * Waits for the batch acknowledgement in flight, if any; rejects as it did (the manager
   * must stop writing). Every write to Redis but a batch's acknowledgement comes after one.
   */
  async drain(): Promise<void> {
    const committing = this.committing;
    if (committing === null) return;
    await committing;
    if (this.committing === committing) this.committing = null;
  }

  /**
   * A write to Redis other than a batch's acknowledgement: sent once the acknowledgement in
   * flight is answered (drain), so Redis sees the writes in the loop's order.
   */
  private async afterAck(write: () => Promise<unknown>): Promise<void> {
    await this.drain();
    await write();
  }

  /** The live input rules at `nowNs` (no future limit under an event clock: time is the inputs'). */
  private inputRules(nowNs: bigint): LiveInputRules {
    const { manager } = this.ctx.config;
    return {
      nowNs,
      maxFutureNs: isEventClock(this.ctx.clock) ? null : spanNs(manager.maxFutureSeconds, 1e9),
      dedupeWindowNs: spanNs(manager.dedupeWindowHours, 3600e9),
    };
  }

  /** Counts and journals what the kernel did with an entry; true when the state changed. */
  private record(entry: StreamEntry, outcome: LiveOutcome, nowNs: bigint, outbox: Outbox): boolean {
    const { counters, keys } = this.ctx;
    switch (outcome.kind) {
      case 'fill':
        if (outcome.status === 'duplicate') {
          counters.fills_duplicate++;
          return false;
        }
        counters.fills_applied++;
        if (outcome.unknownKeys.length > 0) counters.entries_with_unknown_keys++;
        this.journal.addFill(nowNs, keys.fills, entry.id, outcome.wire);
        return true;
      case 'mark':
        counters.marks_applied++;
        if (outcome.unknownKeys.length > 0) counters.entries_with_unknown_keys++;
        this.journal.add('mark', nowNs, {
          source: { stream: keys.prices, id: entry.id },
          mark: outcome.wire,
        });
        return true;
      case 'skip':
        if (outcome.reason === 'stale') counters.marks_stale++;
        else if (outcome.reason === 'unknown_strategy') counters.fills_unknown_strategy++;
        else counters.fills_other_portfolio++;
        return false;
      case 'dead': {
        const mark = outcome.rejectedMark?.wire;
        this.deadLetter(outbox, entry, nowNs, outcome.reason, outcome.error, mark);
        return false;
      }
    }
  }

  /**
   * An operator's command from the commands stream: journaled (`command`, with its source),
   * then applied: `halt` halts the portfolio (with `strategy_id`, pauses that sleeve),
   * `resume` lifts the halt (with `strategy_id`, resumes that sleeve), `check` prunes timed-out
   * plans; after each the kernel decides at once. A command that would change nothing (a
   * resume of a sleeve not paused) is journaled and changes nothing. An invalid command, or
   * one naming a strategy the portfolio lacks, is dead-lettered.
   */
  private command(entry: StreamEntry, nowNs: bigint, outbox: Outbox): void {
    const { keys, counters, logger } = this.ctx;
    const kernel = this.kernel;
    const decoded =
      entry.data === undefined
        ? { success: false as const, error: new Error('the entry has no data field') }
        : decodeManagerCommand(entry.data);
    if (!decoded.success) {
      this.deadLetter(outbox, entry, nowNs, 'invalid_command', decoded.error.message, undefined);
      return;
    }
    const { command, strategyId } = decoded.data.value;
    if (strategyId !== undefined && kernel.allocator.indexOf(strategyId) === undefined) {
      const error = `command ${command} names strategy ${strategyId}, which portfolio ${kernel.portfolioId} lacks`;
      this.deadLetter(outbox, entry, nowNs, 'unknown_strategy', error, undefined);
      return;
    }
    counters.commands++;
    this.journal.add('command', nowNs, {
      command,
      ...(strategyId === undefined ? {} : { strategy_id: strategyId }),
      source: { stream: keys.commands, id: entry.id },
    });
    logger.info(
      { command, strategy_id: strategyId ?? null, entry_id: entry.id },
      'operator command',
    );
    switch (command) {
      case 'halt':
        if (strategyId === undefined) {
          if (!kernel.halted)
            this.applyHalt(
              { type: 'halt', timestampNs: nowNs, reason: 'operator' },
              'halted by an operator',
            );
        } else if (!kernel.isPaused(strategyId)) {
          this.applyBreaker(
            { type: 'breaker', timestampNs: nowNs, strategyId, reason: 'operator' },
            `${strategyId} paused by an operator`,
          );
        }
        break;
      case 'resume':
        if (strategyId === undefined ? kernel.halted : kernel.isPaused(strategyId))
          this.applyResume({
            type: 'resume',
            timestampNs: nowNs,
            ...(strategyId === undefined ? {} : { strategyId }),
            by: 'operator',
          });
        break;
      case 'check':
        kernel.prunePlans(nowNs);
        break;
    }
    this.decide(nowNs, false);
  }

  /** Journals a halt, applies it, tells the observer. */
  private applyHalt(event: HaltEvent, message: string): void {
    this.journal.add('halt', event.timestampNs, {
      reason: event.reason,
      message,
      ...(event.drawdown === undefined ? {} : { drawdown: event.drawdown }),
    });
    this.kernel.apply(event);
    this.ctx.counters.halts++;
    this.ctx.logger.warn({ reason: event.reason, drawdown: event.drawdown ?? null }, message);
    this.ctx.observer?.breaker?.({
      kind: 'halt',
      strategyId: null,
      detail: `${event.reason}${event.drawdown === undefined ? '' : ` ${formatDrawdown(event.drawdown)}`}`,
    });
  }

  /** Journals a sleeve's pause, applies it (its target is 0, a plan is due), tells the observer. */
  private applyBreaker(event: BreakerEvent, message: string): void {
    this.journal.add('breaker', event.timestampNs, {
      strategy_id: event.strategyId,
      reason: event.reason,
      ...(event.drawdown === undefined ? {} : { drawdown: event.drawdown }),
      message,
    });
    this.kernel.apply(event);
    this.ctx.counters.breakers++;
    this.ctx.logger.warn(
      { strategy_id: event.strategyId, reason: event.reason, drawdown: event.drawdown ?? null },
      message,
    );
    this.ctx.observer?.breaker?.({
      kind: 'breaker',
      strategyId: event.strategyId,
      detail: `${event.reason}${event.drawdown === undefined ? '' : ` ${formatDrawdown(event.drawdown)}`}`,
    });
  }

  /** Journals a resume (a sleeve's, or the portfolio's), applies it, tells the observer. */
  private applyResume(event: ResumeEvent): void {
    this.journal.add('resume', event.timestampNs, {
      ...(event.strategyId === undefined ? {} : { strategy_id: event.strategyId }),
      ...(event.by === undefined ? {} : { by: event.by }),
    });
    this.kernel.apply(event);
    this.ctx.counters.resumes++;
    this.ctx.logger.info(
      { strategy_id: event.strategyId ?? null, by: event.by ?? null },
      event.strategyId === undefined ? 'portfolio resumed' : 'sleeve resumed',
    );
    this.ctx.observer?.breaker?.({
      kind: 'resume',
      strategyId: event.strategyId ?? null,
      detail: event.by ?? '',
    });
  }

  private deadLetter(
    outbox: Outbox,
    entry: StreamEntry,
    nowNs: bigint,
    reason: string,
    error: string,
    mark: Readonly<Record<string, unknown>> | undefined,
  ): void {
    const { counters, keys, observer } = this.ctx;
    counters.dead_lettered++;
    const data = entry.data;
    outbox.dead.push({
      source: entry.source,
      entryId: entry.id,
      // Bytes that are not UTF-8: their lossy text (U+FFFD for each bad sequence).
      data:
        data === undefined
          ? null
          : typeof data === 'string'
            ? data
            : Buffer.from(data).toString('utf8'),
      error,
    });
    this.journal.add('error', nowNs, {
      source: { stream: streamOf(keys, entry.source), id: entry.id },
      error,
      ...(mark === undefined ? {} : { mark: mark }),
    });
    observer?.deadLetter?.({ source: entry.source, entryId: entry.id, reason, error });
    this.logThrottled(
      'dead',
      'warn',
      { source: entry.source, entry_id: entry.id, error },
      'input dead-lettered',
    );
  }

  // --- decisions ------------------------------------------------------------------------

  /**
   * Asks the kernel what is due and journals and applies it: a halt, a risk adjustment, then
   * a plan (queued for publishing). `adjustOnly` (at a snapshot) stops before planning: the
   * snapshot line comes first. True when a risk adjustment was made.
   */
  private decide(nowNs: bigint, adjustOnly: boolean): boolean {
    const kernel = this.kernel;
    let adjusted = false;
    for (let due = kernel.decide(nowNs); due !== null; due = kernel.decide(nowNs)) {
      switch (due.type) {
        case 'halt':
          this.applyHalt(due, due.message);
          continue;
        case 'breaker':
          this.applyBreaker(due, due.message);
          continue;
        case 'resume':
          this.applyResume(due);
          continue;
        case 'adjustment':
          this.adjust(nowNs, due);
          adjusted = true;
          continue;
        case 'plan':
          if (!adjustOnly) this.plan(nowNs, due.plan);
          return adjusted;
        case 'blocked':
          if (!adjustOnly)
            this.logThrottled(
              'blocked',
              'info',
              { plan_id: due.planId },
              'rebalance due but an earlier plan is still unfilled',
            );
          return adjusted;
        case 'plan_failed':
          if (!adjustOnly)
            this.logThrottled(
              `plan-${due.code}`,
              'warn',
              { code: due.code, error: due.message },
              'rebalance due but no plan can be made',
            );
          return adjusted;
        case 'rebalance_due':
          return adjusted;
      }
    }
    return adjusted;
  }

  private plan(nowNs: bigint, plan: RebalancePlan): void {
    const { counters, observer, logger, dryRun } = this.ctx;
    const before = this.kernel.tracker.getSnapshot(nowNs);
    this.journal.add('plan', nowNs, { plan: encodeRebalancePlan(plan) });
    this.kernel.apply({ type: 'plan', plan });
    counters.plans++;
    observer?.plan?.(plan);
    this.toPublish.push(plan);
    logger.info(
      {
        event: 'rebalance',
        plan_id: plan.planId,
        reason: plan.reason,
        drift: before.driftFromTarget,
        targets: before.targetAllocations,
        transfers: plan.transfers,
        trades: plan.trades.length,
        skipped: plan.skipped.length,
        estimated_costs: plan.estimatedCosts,
        dry_run: dryRun,
      },
      'rebalance planned',
    );
  }

  /** Journals a due risk adjustment with what went into it, then puts its weights in force. */
  private adjust(nowNs: bigint, due: AdjustmentDecision): void {
    const kernel = this.kernel;
    const risk = kernel.risk;
    // The live kernel samples by the clock (liveKernelOptions): a decision has its history.
    if (risk === null || risk.sampling.kind !== 'clock' || due.history === null)
      throw new Error('a risk adjustment without clock sampling in the live manager');
    const targetsBefore = kernel.tracker.getSnapshot(nowNs).targetAllocations;
    const adjustEveryHours = kernel.config.riskAdjustment?.adjustEveryHours;
    this.journal.add('adjustment', nowNs, {
      inputs: {
        method: risk.risk.method,
        lookback_period_days: risk.risk.lookbackPeriodDays,
        adjustment_sensitivity: risk.risk.adjustmentSensitivity,
        adjust_every_hours: adjustEveryHours ?? null,
        periods_per_year: calculateClockPeriodsPerYear(risk.sampling),
        return_sample_seconds: risk.sampling.sampleSeconds,
        base_targets: { ...due.baseTargets },
        history: due.history,
      },
      previous_weights: due.previousWeights,
      adjustment: { ...encodeRiskAdjustment(due.adjustment) },
      input_latest_ns: due.inputLatestNs,
    });
    kernel.apply(due);
    this.ctx.counters.adjustments++;
    const stats = createIdRecord<unknown>();
    for (const [id, s] of Object.entries(due.adjustment.stats)) {
      stats[id] = { count: s.count, sharpe: s.sharpe, max_drawdown: s.maxDrawdown, score: s.score };
    }
    this.ctx.logger.info(
      {
        event: 'adjustment',
        method: due.adjustment.method,
        samples: due.history.timestamps_ns.length,
        weights_before: due.previousWeights,
        weights_after: due.adjustment.weights,
        targets_before: targetsBefore,
        targets_after: due.adjustment.targets,
        stats,
      },
      'risk adjustment applied',
    );
  }

  /**
   * After a crash: plans journaled but not marked published are published again. A dry run
   * leaves them for the next real run rather than marking them published unpublished.
   */
  async republishPlans(): Promise<void> {
    const plans = this.kernel.plans.unpublished();
    if (plans.length === 0) return;
    if (this.ctx.dryRun) {
      this.ctx.logger.warn(
        { plan_ids: plans.map((plan) => plan.planId) },
        'dry run: plans journaled but never published are left for the next run without --dry-run',
      );
      return;
    }
    await this.publishPlans(plans, true);
  }

  /** Publishes the intents of journaled plans (not in a dry run), then journals `published`. */
  private async publishPlans(plans: readonly RebalancePlan[], recovering: boolean): Promise<void> {
    const { dryRun, output, counters, clock, logger } = this.ctx;
    if (plans.length === 0) return;
    for (const plan of plans) {
      if (!dryRun && plan.trades.length > 0) {
        this.journal.assertHeld();
        const payloads = plan.trades.map((trade) => JSON.stringify(encodeOrderIntent(trade)));
        await this.afterAck(() => output.publishOrders(payloads));
        counters.intents_published += payloads.length;
      }
      this.journal.add('published', clock.nowNs(), {
        plan_id: plan.planId,
        intents: dryRun ? 0 : plan.trades.length,
        dry_run: dryRun,
      });
      this.kernel.apply({ type: 'published', planId: plan.planId });
      if (recovering) {
        logger.warn(
          { plan_id: plan.planId, intents: plan.trades.length },
          'republished the intents of a plan not marked published',
        );
      }
    }
    this.journal.commit();
    if (!recovering) await this.snapshot('rebalance');
  }

  // --- timers, snapshots, checkpoints ---------------------------------------------------

  async runTimers(): Promise<void> {
    const { manager } = this.ctx.config;
    const now = this.ctx.clock.nowMs();
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

  /** The trigger check: plans past their timeout pruned, then what the kernel says is due. */
  private async check(): Promise<void> {
    const nowNs = this.ctx.clock.nowNs();
    this.kernel.prunePlans(nowNs);
    this.decide(nowNs, false);
    this.journal.commit();
    if (this.toPublish.length > 0) await this.publishPlans(this.toPublish.splice(0), false);
  }

  /**
   * Journals and publishes a snapshot. Every snapshot is a risk return sample; at a `start`
   * or `interval` snapshot an adjustment that is due is made first (journaled before the
   * snapshot line). True when it adjusted.
   */
  private async snapshot(reason: SnapshotReason): Promise<boolean> {
    const { clock, output, counters, observer, logger } = this.ctx;
    const nowNs = clock.nowNs();
    let snapshot = this.kernel.getSnapshot(nowNs);
    this.kernel.apply({
      type: 'sample',
      timestampNs: nowNs,
      capitals: snapshot.strategyAllocations,
    });
    const adjusted = (reason === 'start' || reason === 'interval') && this.decide(nowNs, true);
    if (adjusted) snapshot = this.kernel.getSnapshot(nowNs);
    const wire = encodePortfolioSnapshot(snapshot);
    this.journal.add('snapshot', nowNs, {
      reason,
      snapshot: wire,
      positions: this.positionsWire(),
    });
    this.maybeCheckpoint(nowNs);
    this.journal.commit();
    this.journal.assertHeld();
    await this.afterAck(() => output.publishSnapshot(JSON.stringify(wire)));
    counters.snapshots++;
    observer?.snapshot?.(snapshot);
    if (reason !== 'rebalance') {
      logger.info(
        {
          event: 'status',
          reason,
          equity: snapshot.totalEquity,
          needs_rebalance: snapshot.needsRebalance,
          stale_symbols: snapshot.staleSymbols,
          counters,
        },
        'portfolio status',
      );
    }
    return adjusted;
  }

  /**
   * A checkpoint after `checkpoint_every` lines. Each is a link of a chain holding only the fill
   * ids applied since the previous one, so its cost follows the lines since the last, not the
   * manager's age; a start reads the links back to the dedupe window and at most
   * `checkpoint_every` lines after the last.
   */
  private maybeCheckpoint(nowNs: bigint): void {
    if (this.journal.linesSinceCheckpoint >= this.ctx.config.manager.checkpointEvery)
      this.addCheckpoint(nowNs);
  }

  private addCheckpoint(nowNs: bigint): void {
    const started = performance.now();
    addChainedCheckpoint(
      this.journal,
      this.chain,
      this.kernel,
      this.configHash,
      nowNs,
      this.positionsWire(),
    );
    this.ctx.counters.checkpoints++;
    this.ctx.observer?.checkpoint?.((performance.now() - started) / 1000);
  }

  /** The stream positions as a journal line carries them. */
  private positionsWire(): Record<string, string> {
    return Object.fromEntries(this.positions);
  }

  /**
   * The final snapshot and checkpoint in the journal. Returns the snapshot's payload for
   * Redis, or null when the lock turned out lost (nothing was written).
   */
  finish(): string | null {
    const nowNs = this.ctx.clock.nowNs();
    const snapshot = this.kernel.getSnapshot(nowNs);
    this.kernel.apply({
      type: 'sample',
      timestampNs: nowNs,
      capitals: snapshot.strategyAllocations,
    });
    const wire = encodePortfolioSnapshot(snapshot);
    this.journal.add('snapshot', nowNs, {
      reason: 'stop',
      snapshot: wire,
      positions: this.positionsWire(),
    });
    this.addCheckpoint(nowNs);
    try {
      this.journal.commit();
    } catch (error) {
      if (error instanceof LockLostError) return null;
      throw error;
    }
    this.journal.close();
    return JSON.stringify(wire);
  }

  /** The seq of the last journal line. */
  get lastSeq(): number {
    return this.journal.seq;
  }

  /** Closes the journal file (idempotent). */
  close(): void {
    this.journal.close();
  }

  /** The latest state. */
  currentSnapshot(): PortfolioSnapshot {
    return this.kernel.getSnapshot(this.ctx.clock.nowNs());
  }

  private logThrottled(
    key: string,
    level: 'info' | 'warn',
    fields: Record<string, unknown>,
    message: string,
    everyMs = 1000,
  ): void {
    const now = this.ctx.clock.nowMs();
    if (now - (this.lastLogMs.get(key) ?? -Infinity) < everyMs) return;
    this.lastLogMs.set(key, now);
    this.ctx.logger[level]({ ...fields, counters: this.ctx.counters }, message);
  }
}

/** An input entry (fills or prices), as the kernel's live input takes it. */
function isLiveEntry(entry: StreamEntry): entry is StreamEntry & LiveEntry {
  return entry.source !== 'commands';
}

/** A drawdown as a percentage for a short detail (`-21.00%`). */
function formatDrawdown(drawdown: number): string {
  return `${(drawdown * 100).toFixed(2)}%`;
}
