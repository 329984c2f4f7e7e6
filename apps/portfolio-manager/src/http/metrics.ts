// The manager's Prometheus metrics (prom-client): counters read from the service's own at
// scrape time, labelled counters and timings from the observer, gauges from the state.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PortfolioSnapshot, RebalancePlan } from '@njord/portfolio-contracts';
import type { BreakerEvent, DeadLetterEvent, ManagerObserver } from './observer.js';
import { type CounterView, INPUT_STREAMS, type ManagerView, type RedisView } from './view.js';

const PENDING_TIMEOUT_MS = 500;

/** Seconds, for batches (sub-millisecond to a few seconds). */
const BATCH_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const FSYNC_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5];

async function withTimeout<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise.catch(() => fallback),
      new Promise<T>((resolve) => {
        timer = setTimeout(() => resolve(fallback), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

export class ManagerMetrics implements ManagerObserver {
  readonly registry = new Registry();
  private readonly deadLetters: Counter<'source' | 'reason'>;
  private readonly plans: Counter<'reason'>;
  private readonly batchSeconds: Histogram;
  private readonly fsyncSeconds: Histogram;
  private readonly ackSeconds: Histogram;
  private readonly checkpointSeconds: Gauge;
  private readonly breakers: Counter<'kind'>;

  constructor(view: ManagerView, redis: RedisView | null) {
    const registers = [this.registry];
    const fromCounter = (name: string, help: string, key: keyof CounterView) => {
      let seen = 0;
      new Counter({
        name,
        help,
        registers,
        collect() {
          const value = view.counters()[key];
          if (value > seen) {
            this.inc(value - seen);
            seen = value;
          }
        },
      });
    };
    fromCounter('njord_fills_applied_total', 'Fills applied to a sleeve.', 'fills_applied');
    fromCounter(
      'njord_fills_duplicate_total',
      'Fills skipped because their fill_id was already applied.',
      'fills_duplicate',
    );
    fromCounter(
      'njord_intents_published_total',
      'Order intents written to the orders stream.',
      'intents_published',
    );
    fromCounter('njord_marks_applied_total', 'Price marks applied.', 'marks_applied');
    fromCounter(
      'njord_marks_stale_total',
      "Price marks older than the symbol's last, skipped.",
      'marks_stale',
    );
    this.deadLetters = new Counter({
      name: 'njord_dead_letters_total',
      help: 'Input entries dead-lettered, by input stream and reason.',
      labelNames: ['source', 'reason'],
      registers,
    });
    this.plans = new Counter({
      name: 'njord_plans_total',
      help: 'Rebalance plans made, by trigger reason.',
      labelNames: ['reason'],
      registers,
    });
    const perSleeve = (name: string, help: string, pick: (s: PortfolioSnapshot) => object) =>
      new Gauge({
        name,
        help,
        labelNames: ['strategy'],
        registers,
        collect() {
          const snapshot = view.snapshot();
          this.reset();
          if (snapshot === null) return;
          for (const [strategy, value] of Object.entries(pick(snapshot))) {
            if (typeof value === 'number') this.set({ strategy }, value);
          }
        },
      });
    perSleeve(
      'njord_sleeve_capital',
      "A sleeve's capital (cash plus marked positions).",
      (s) => s.strategyAllocations,
    );
    perSleeve('njord_sleeve_target', "A sleeve's target capital.", (s) => s.targetAllocations);
    perSleeve(
      'njord_sleeve_drift',
      "A sleeve's relative drift from its target ((capital - target) / target).",
      (s) => s.driftFromTarget,
    );
    new Gauge({
      name: 'njord_portfolio_equity',
      help: 'Total equity of the portfolio (sleeves plus unallocated cash).',
      registers,
      collect() {
        const snapshot = view.snapshot();
        if (snapshot !== null) this.set(snapshot.totalEquity);
      },
    });
    new Gauge({
      name: 'njord_pending_entries',
      help: "Input entries not yet acknowledged by the manager's consumer group, by stream.",
      labelNames: ['stream'],
      registers,
      async collect() {
        this.reset();
        if (redis === null) return;
        const pending = await withTimeout(redis.pending(), PENDING_TIMEOUT_MS, null);
        if (pending === null) return;
        for (const stream of INPUT_STREAMS) {
          const value = pending[stream];
          if (value !== null) this.set({ stream }, value);
        }
      },
    });
    this.batchSeconds = new Histogram({
      name: 'njord_batch_seconds',
      help: 'Time to apply, journal and acknowledge one batch of input entries.',
      buckets: BATCH_BUCKETS,
      registers,
    });
    this.fsyncSeconds = new Histogram({
      name: 'njord_journal_fsync_seconds',
      help: 'Time of one fsync of the journal file.',
      buckets: FSYNC_BUCKETS,
      registers,
    });
    this.ackSeconds = new Histogram({
      name: 'njord_redis_ack_seconds',
      help: "Round trip of one batch's fenced acknowledgement to Redis.",
      buckets: FSYNC_BUCKETS,
      registers,
    });
    this.checkpointSeconds = new Gauge({
      name: 'njord_checkpoint_seconds',
      help: 'Time the last checkpoint line took to build and write.',
      registers,
    });
    new Gauge({
      name: 'njord_lock_held',
      help: '1 while this manager holds the portfolio lock, else 0.',
      registers,
      collect() {
        this.set(view.isLockHeld() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'njord_halted',
      help: '1 while the portfolio is halted (no new plans until resumed), else 0.',
      registers,
      collect() {
        this.set(view.isHalted() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'njord_paused_sleeves',
      help: 'Sleeves paused by a breaker or an operator (target 0 until resumed).',
      registers,
      collect() {
        this.set(view.pausedStrategies().length);
      },
    });
    new Gauge({
      name: 'njord_sleeve_paused',
      help: '1 while the strategy is paused (by its breaker or an operator), else 0.',
      labelNames: ['strategy'],
      registers,
      collect() {
        this.reset();
        const paused = new Set(view.pausedStrategies());
        const snapshot = view.snapshot();
        const ids = snapshot === null ? [...paused] : Object.keys(snapshot.targetAllocations);
        for (const id of ids) this.set({ strategy: id }, paused.has(id) ? 1 : 0);
      },
    });
    this.breakers = new Counter({
      name: 'njord_breaker_events_total',
      help: 'Breaker trips, halts and resumes the manager journaled, by kind.',
      labelNames: ['kind'],
      registers,
    });
  }

  breaker(event: BreakerEvent): void {
    this.breakers.inc({ kind: event.kind });
  }

  plan(plan: RebalancePlan): void {
    this.plans.inc({ reason: plan.reason });
  }

  deadLetter(event: DeadLetterEvent): void {
    this.deadLetters.inc({ source: event.source, reason: event.reason });
  }

  batch(_entries: number, seconds: number): void {
    this.batchSeconds.observe(seconds);
  }

  fsync(seconds: number): void {
    this.fsyncSeconds.observe(seconds);
  }

  ack(seconds: number): void {
    this.ackSeconds.observe(seconds);
  }

  checkpoint(seconds: number): void {
    this.checkpointSeconds.set(seconds);
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
