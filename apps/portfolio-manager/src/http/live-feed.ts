// The dashboard's feed: the latest status (state, counters, lock, backlog), equity since start,
// the last plans and dead letters, pushed as server-sent events at most every tick.
import type { ServerResponse } from 'node:http';
import {
  encodePortfolioSnapshot,
  type PortfolioSnapshotWire,
  type RebalancePlan,
} from '@njord/portfolio-contracts';
import type { BreakerEvent, DeadLetterEvent, ManagerObserver } from './observer.js';
import type { CounterView, ManagerView, PendingEntries, RedisView } from './view.js';

export const SSE_EVENTS = ['snapshot', 'plan', 'dead_letter', 'breaker'] as const;
export type SseEvent = (typeof SSE_EVENTS)[number];

const HISTORY_LIMIT = 4_000;
const RECENT_PLANS = 25;
const RECENT_DEAD = 25;
const DEAD_EVENTS_PER_TICK = 20;
const REDIS_REFRESH_MS = 1_000;
const IDLE_SAMPLE_MS = 5_000;
const KEEPALIVE_MS = 15_000;

export interface PlanSummary {
  readonly plan_id: string;
  readonly timestamp_ms: number;
  readonly reason: string;
  readonly trades: number;
  readonly skipped: number;
  readonly estimated_costs: number;
  readonly traded_notional: number;
  readonly transfers: [string, number][];
}

export interface DeadLetterSummary {
  readonly source: string;
  readonly entry_id: string;
  readonly reason: string;
  readonly error: string;
  readonly at_ms: number;
}

export interface LiveStatus {
  readonly portfolio_id: string;
  readonly at_ms: number;
  readonly snapshot: PortfolioSnapshotWire | null;
  readonly counters: CounterView;
  readonly rebalance_threshold: number;
  readonly lock: { readonly held: boolean; readonly holder: string | null };
  readonly pending: PendingEntries;
  readonly halted: boolean;
  readonly paused: readonly string[];
  readonly ready: boolean;
  readonly dead_letters: { source: string; reason: string; count: number }[];
}

export interface LiveFeedOptions {
  readonly tickMs?: number;
  readonly nowMs: () => number;
}

function summarizePlan(plan: RebalancePlan): PlanSummary {
  let notional = 0;
  for (const trade of plan.trades) notional += Math.abs(trade.quantity * trade.referencePrice);
  return {
    plan_id: plan.planId,
    timestamp_ms: Number(plan.timestampNs / 1_000_000n),
    reason: plan.reason,
    trades: plan.trades.length,
    skipped: plan.skipped.length,
    estimated_costs: plan.estimatedCosts,
    traded_notional: notional,
    transfers: Object.entries(plan.transfers),
  };
}

export class LiveFeed implements ManagerObserver {
  private readonly clients = new Set<ServerResponse>();
  private readonly history: [number, number][] = [];
  private readonly plans: PlanSummary[] = [];
  private readonly deadRecent: DeadLetterSummary[] = [];
  private readonly deadCounts = new Map<
    string,
    { source: string; reason: string; count: number }
  >();
  private deadQueue: DeadLetterSummary[] = [];
  private dirty = true;
  private lastSampleMs = -Infinity;
  private redisState: { pending: PendingEntries; holder: string | null; at: number } = {
    pending: { fills: null, prices: null },
    holder: null,
    at: -Infinity,
  };
  private refreshing = false;
  private ticker: NodeJS.Timeout | undefined;
  private keepalive: NodeJS.Timeout | undefined;
  private readonly tickMs: number;

  constructor(
    private readonly view: ManagerView,
    private readonly redis: RedisView | null,
    private readonly options: LiveFeedOptions,
  ) {
    this.tickMs = options.tickMs ?? 250;
  }

  start(): void {
    this.ticker = setInterval(() => this.tick(), this.tickMs);
    this.ticker.unref();
    this.keepalive = setInterval(() => {
      for (const client of this.clients) client.write(': keepalive\n\n');
    }, KEEPALIVE_MS);
    this.keepalive.unref();
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    if (this.keepalive) clearInterval(this.keepalive);
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  // --- observer ---------------------------------------------------------------------------

  plan(plan: RebalancePlan): void {
    const summary = summarizePlan(plan);
    this.plans.push(summary);
    if (this.plans.length > RECENT_PLANS) this.plans.shift();
    this.dirty = true;
    this.broadcast('plan', summary);
  }

  deadLetter(event: DeadLetterEvent): void {
    const key = `${event.source}\u0000${event.reason}`;
    const entry = this.deadCounts.get(key);
    if (entry) entry.count++;
    else this.deadCounts.set(key, { source: event.source, reason: event.reason, count: 1 });
    const summary: DeadLetterSummary = {
      source: event.source,
      entry_id: event.entryId,
      reason: event.reason,
      error: event.error.slice(0, 300),
      at_ms: this.options.nowMs(),
    };
    this.deadRecent.push(summary);
    if (this.deadRecent.length > RECENT_DEAD) this.deadRecent.shift();
    if (this.clients.size > 0 && this.deadQueue.length < DEAD_EVENTS_PER_TICK)
      this.deadQueue.push(summary);
    this.dirty = true;
  }

  breaker(event: BreakerEvent): void {
    this.dirty = true;
    this.broadcast('breaker', {
      kind: event.kind,
      strategy_id: event.strategyId,
      detail: event.detail,
      at_ms: this.options.nowMs(),
    });
  }

  snapshot(): void {
    this.dirty = true;
  }

  batch(): void {
    this.dirty = true;
  }

  // --- state ------------------------------------------------------------------------------

  status(): LiveStatus {
    const snapshot = this.view.snapshot();
    const wire = snapshot === null ? null : encodePortfolioSnapshot(snapshot);
    return {
      portfolio_id: this.view.portfolioId,
      at_ms: this.options.nowMs(),
      snapshot: wire,
      counters: { ...this.view.counters() },
      rebalance_threshold: this.view.rebalanceThreshold,
      lock: { held: this.view.isLockHeld(), holder: this.redisState.holder },
      pending: this.redisState.pending,
      halted: this.view.isHalted(),
      paused: [...this.view.pausedStrategies()],
      ready: this.view.isRecovered() && this.view.isLockHeld(),
      dead_letters: [...this.deadCounts.values()].map((d) => ({ ...d })),
    };
  }

  /** The first event a new client gets: the status with the history it missed. */
  private welcome() {
    return {
      ...this.status(),
      history: this.history,
      plans: this.plans,
      dead_recent: this.deadRecent,
    };
  }

  /** Takes a `GET /events` response over: headers, the welcome event, then the stream. */
  attach(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 1000\n\n');
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
    this.sample();
    void this.refreshRedis(true);
    res.write(frame('snapshot', this.welcome()));
  }

  private broadcast(event: SseEvent, data: unknown): void {
    if (this.clients.size === 0) return;
    const text = frame(event, data);
    for (const client of this.clients) client.write(text);
  }

  /** Records an equity point (at the snapshot's own time, so an event clock charts event time). */
  private sample(): { status: LiveStatus; point: [number, number] | null } {
    const status = this.status();
    let point: [number, number] | null = null;
    const wire = status.snapshot;
    if (wire !== null) {
      point = [Number(BigInt(wire.timestamp_ns) / 1_000_000n), wire.total_equity];
      const last = this.history[this.history.length - 1];
      if (last === undefined || last[0] !== point[0] || last[1] !== point[1]) {
        if (last !== undefined && point[0] < last[0]) point[0] = last[0];
        this.history.push(point);
        // Past the limit, keep every other point of the older half: the whole run stays in view.
        if (this.history.length > HISTORY_LIMIT) {
          const half = HISTORY_LIMIT >> 1;
          const older = this.history.splice(0, half).filter((_, i) => i % 2 === 0);
          this.history.unshift(...older);
        }
      }
    }
    this.lastSampleMs = this.options.nowMs();
    this.dirty = false;
    return { status, point };
  }

  private async refreshRedis(force = false): Promise<void> {
    if (this.redis === null || this.refreshing) return;
    const now = this.options.nowMs();
    if (!force && now - this.redisState.at < REDIS_REFRESH_MS) return;
    this.refreshing = true;
    try {
      const [pending, holder] = await Promise.all([
        this.redis.pending().catch(() => this.redisState.pending),
        this.redis.lockHolder().catch(() => this.redisState.holder),
      ]);
      const changed =
        pending.fills !== this.redisState.pending.fills ||
        pending.prices !== this.redisState.pending.prices ||
        holder !== this.redisState.holder;
      this.redisState = { pending, holder, at: this.options.nowMs() };
      if (changed) this.dirty = true;
    } finally {
      this.refreshing = false;
    }
  }

  private tick(): void {
    const now = this.options.nowMs();
    if (this.clients.size === 0) {
      // Nobody watching: still keep equity since start, at a slower pace.
      if (this.dirty && now - this.lastSampleMs >= IDLE_SAMPLE_MS) this.sample();
      return;
    }
    void this.refreshRedis();
    for (const dead of this.deadQueue.splice(0)) this.broadcast('dead_letter', dead);
    if (!this.dirty) return;
    const { status, point } = this.sample();
    this.broadcast('snapshot', { ...status, point });
  }
}

function frame(event: SseEvent, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
