// The live manager: the lock, then recovery, then the loop (loop.ts) reading the consumer
// group until a stop or the lock is lost; a clean stop writes the final lines.
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { PortfolioSnapshot } from '@njord/portfolio-contracts';
import type { PortfolioTracker } from '@njord/portfolio-tracker';
import { type Clock, systemClock } from './adapters/clock.js';
import { InputReader } from './adapters/input.js';
import { JournalFileLock, journalLockPath } from './adapters/journal-lock.js';
import { type LockOptions, PortfolioLock } from './adapters/lock.js';
import {
  claimPending,
  CONSUMER_NAME,
  flushOutbox,
  inspectGroup,
  newestOwnIntent,
  publishOrders,
  publishSnapshot,
  type RedisKeys,
  redisKeys,
} from './adapters/streams.js';
import { type LoadedConfig, redactRedisUrl } from './config.js';
import type { ManagerObserver } from './http/observer.js';
import type { Logger } from './logger.js';
import {
  createCounters,
  LiveLoop,
  type LoopContext,
  type LoopOutput,
  type ManagerCounters,
} from './loop.js';
import { restoreFromStreams } from './recovery-streams.js';
import { RedisSession, StopSignal, withTimeout } from './session.js';

export type { ManagerCounters } from './loop.js';
export { LockLostError } from './session.js';

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
   * Instrumentation (benchmarks): called after each batch of entries is applied, journaled
   * and acknowledged, with the clock's time in ms then, when the batch was read and when the
   * loop sent its acknowledgement and went on to the next read.
   */
  readonly onCommitted?: LoopContext['onCommitted'];
  /** Operational events for metrics and the dashboard (plans, dead letters, timings). */
  readonly observer?: ManagerObserver;
  /** `--fresh`: start without a journal although the consumer group delivered entries. */
  readonly fresh?: boolean;
  /** `--trust-journal`: start on the journal although it lost lines the streams no longer hold. */
  readonly trustJournal?: boolean;
}

export type ManagerOutcome = 'stopped' | 'lost_lock';

/** How long a stop waits for Redis to take the acks (and intents) of the batch in hand. */
const STOP_GRACE_MS = 5_000;
const SHUTDOWN_REDIS_TIMEOUT_MS = 3_000;

export class PortfolioManager {
  readonly counters: ManagerCounters = createCounters();
  readonly keys: RedisKeys;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly session: RedisSession;
  private readonly lock: PortfolioLock;
  private readonly journalLock: JournalFileLock;
  private readonly input: InputReader;
  private running = false;
  private graceTimer: NodeJS.Timeout | undefined;
  /** The loop, once recovery made it. */
  private loop: LiveLoop | null = null;

  constructor(private readonly options: ManagerOptions) {
    const { manager, portfolio } = options.config;
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.keys = redisKeys(manager.redis.prefix, portfolio.id);
    this.session = new RedisSession({
      url: manager.redis.url,
      logger: this.logger,
      name: `njord-pm-${portfolio.id}`,
    });
    this.lock = new PortfolioLock(
      this.session.cmd,
      this.keys.lock,
      systemClock,
      this.logger,
      options.lock,
    );
    this.journalLock = new JournalFileLock(
      journalLockPath(dirname(options.config.journalPath), portfolio.id),
      this.logger,
    );
    this.input = new InputReader({
      session: this.session,
      keys: this.keys,
      logger: this.logger,
      clock: this.clock,
      batchSize: options.batchSize ?? 1000,
      onGroupRecreated: () => this.counters.groups_recreated++,
    });
  }

  /**
   * Asks the loop to stop after the entry in hand; `run()` then resolves 'stopped'. Work
   * still waiting for Redis after `STOP_GRACE_MS` is abandoned (its entries are journaled,
   * so a restart acknowledges them as duplicates).
   */
  stop(reason = 'signal'): void {
    if (!this.session.beginStop()) return;
    this.logger.info({ reason }, 'stopping');
    if (!this.running) {
      // Still connecting, waiting for the lock or recovering: abandon what waits for Redis.
      this.session.abandon();
      return;
    }
    this.graceTimer = setTimeout(() => {
      this.logger.warn(
        { grace_ms: STOP_GRACE_MS },
        'Redis did not answer during shutdown; abandoning the work in hand',
      );
      this.session.abandon();
    }, STOP_GRACE_MS);
  }

  /** Runs until stopped (resolves 'stopped') or the lock is lost (resolves 'lost_lock'). */
  async run(): Promise<ManagerOutcome> {
    const { manager, journalPath } = this.options.config;
    const session = this.session;
    this.logger.info(
      {
        redis: redactRedisUrl(manager.redis.url),
        prefix: manager.redis.prefix,
        journal: journalPath,
        journal_fsync: manager.journalFsync,
        dry_run: this.options.dryRun ?? false,
      },
      'starting portfolio manager',
    );
    try {
      try {
        const acquired = await session.untilInterrupted(this.lock.acquire(() => session.stopping));
        if (!acquired) return 'stopped';
        this.logger.info({ lock: this.keys.lock }, 'lock acquired');
        this.lock.startRenewal((reason) => this.onLockLost(reason));
        // The journal's own lock (the kernel's): a holder on this host that lost the lease
        // while paused still has it, and no line of this manager's lands among its lines.
        const journalLocked = await session.untilInterrupted(
          this.journalLock.acquire(
            () => session.stopping,
            (reason) => {
              if (!session.lostLock) this.onLockLost(reason);
            },
          ),
        );
        if (!journalLocked) return 'stopped';
        // What the group delivered, to check the journal against before anything is written.
        const groups = await session.untilInterrupted(inspectGroup(session.cmd, this.keys));
        // ...and the newest intent it published, whose plan the journal must hold.
        const newestIntent = await session.untilInterrupted(
          newestOwnIntent(session.cmd, this.keys, this.options.config.portfolio.id),
        );
        const loop = LiveLoop.recover(
          {
            config: this.options.config,
            logger: this.logger,
            clock: this.clock,
            dryRun: this.options.dryRun ?? false,
            keys: this.keys,
            output: this.output(),
            counters: this.counters,
            observer: this.options.observer,
            onCommitted: this.options.onCommitted,
          },
          this.lock,
          (reason) => {
            if (!session.lostLock) this.onLockLost(reason);
          },
          {
            groups,
            fresh: this.options.fresh ?? false,
            trustJournal: this.options.trustJournal ?? false,
            newestIntent,
          },
        );
        this.loop = loop;
        await this.input.ensureGroups();
        const claimed = await session.untilInterrupted(
          claimPending(session.cmd, this.keys, CONSUMER_NAME),
        );
        if (claimed > 0)
          this.logger.info({ claimed }, 'claimed pending entries of other consumers');
        await this.restoreLostLines(loop);
        await loop.republishPlans();
        if (session.stopping) throw new StopSignal('stopped while starting');
        this.running = true;
        await loop.begin();
        while (!session.stopping) {
          const entries = await this.input.read(loop.wakeAtMs);
          if (entries.length > 0) await loop.processBatch(entries);
          await loop.runTimers();
        }
      } catch (error) {
        if (session.lostLock) return 'lost_lock';
        const expected = error instanceof StopSignal || session.abandoned || !this.running;
        if (!session.stopping || !expected) {
          // A start refused (a damaged journal) frees the lock at once, not at its lease's end
          // (waiting at most 3 s: Redis may be gone, and then the lease frees it).
          if (!this.running)
            await Promise.race([
              this.lock.release().catch(() => undefined),
              delay(3000, undefined, { ref: false }),
            ]);
          throw error;
        }
      }
      if (session.lostLock) return 'lost_lock';
      if (this.running && this.loop !== null) await this.shutdown(this.loop);
      return session.lostLock ? 'lost_lock' : 'stopped';
    } finally {
      if (this.graceTimer) clearTimeout(this.graceTimer);
      this.lock.stopRenewal();
      this.loop?.close();
      await this.journalLock.release();
      session.disconnect();
    }
  }

  /**
   * Lines the journal lost (a cut tail, a truncated file): the entries the group delivered
   * after the journal's positions, read again from the streams and applied in the same order;
   * then the end of recovery.
   */
  private async restoreLostLines(loop: LiveLoop): Promise<void> {
    const plan = loop.restorePlan;
    if (plan === null) return;
    const { session, keys } = this;
    const restored = await restoreFromStreams(
      session.cmd,
      keys,
      plan,
      {
        journalPath: this.options.config.journalPath,
        portfolioId: this.options.config.portfolio.id,
        group: keys.group,
        fresh: false,
        trustJournal: this.options.trustJournal ?? false,
      },
      (entries) => loop.processBatch(entries),
    );
    this.logger.warn(
      { restored_entries: restored, ranges: plan.restores },
      'journal: lines it lost restored from the entries the streams still hold',
    );
    loop.settle(restored);
  }

  /** The loop's writes on Redis: fenced by the lock (see the lock's fence), retried. */
  private output(): LoopOutput {
    const { session, keys } = this;
    return {
      commit: (outbox) =>
        session.retry('acknowledge entries', () => flushOutbox(session.cmd, keys, outbox)),
      publishOrders: (payloads) =>
        session.retry('publish order intents', () => publishOrders(session.cmd, keys, payloads)),
      publishSnapshot: (payload) =>
        session.retry('publish the snapshot', () => publishSnapshot(session.cmd, keys, payload)),
    };
  }

  /** The final lines in the journal, then (best effort) the snapshot on Redis; the lock released. */
  private async shutdown(loop: LiveLoop): Promise<void> {
    // The last batch's acknowledgement first; one given up on (Redis gone past the grace) is
    // journaled, so a restart acknowledges its entries as duplicates.
    await loop.drain().catch(() => undefined);
    const payload = loop.finish();
    if (payload === null) return;
    if (!this.session.abandoned) await this.publishFinal(payload);
    this.logger.info({ counters: this.counters, last_seq: loop.lastSeq }, 'stopped');
  }

  private async publishFinal(payload: string): Promise<void> {
    const published = await withTimeout(
      publishSnapshot(this.session.cmd, this.keys, payload).then(
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

  private onLockLost(reason: string): void {
    this.logger.error(
      { lock: this.keys.lock, reason },
      'lost the portfolio lock; stopping without writing',
    );
    // Breaks any command waiting on Redis so the loop unwinds now.
    this.session.loseLock(reason);
  }

  /** Recovery is done and the loop reads input. */
  get recovered(): boolean {
    return this.running && !this.session.stopping;
  }

  /**
   * This manager holds a valid lease on the portfolio lock and the journal's lock (a successor
   * still waiting for a stopped holder's journal does not count).
   */
  get lockHeld(): boolean {
    return this.lock.isValid() && this.journalLock.guarding;
  }

  /** True while the portfolio is halted (no new plan). */
  get halted(): boolean {
    return this.loop?.kernel.halted ?? false;
  }

  /** Sleeves paused by a breaker. */
  get pausedStrategies(): readonly string[] {
    return this.loop === null ? [] : this.loop.kernel.pausedIds();
  }

  /** The latest state, or null before recovery. */
  currentSnapshot(): PortfolioSnapshot | null {
    return this.running && this.loop !== null ? this.loop.currentSnapshot() : null;
  }

  /** For tests: the live tracker. */
  get state(): PortfolioTracker {
    if (this.loop === null) throw new Error('the manager has not recovered yet');
    return this.loop.kernel.tracker;
  }
}
