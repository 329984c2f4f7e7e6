// What the HTTP side may read of a running manager and of Redis: two narrow ports, so the
// server, the metrics and the dashboard do not depend on how the service is built.
import type { PortfolioSnapshot } from '@njord/portfolio-contracts';
import type { InputStream } from './observer.js';

/** The manager's counters, as the service keeps them (monotonic within one process). */
export interface CounterView {
  readonly fills_applied: number;
  readonly fills_duplicate: number;
  readonly marks_applied: number;
  readonly marks_stale: number;
  readonly dead_lettered: number;
  readonly plans: number;
  readonly intents_published: number;
}

export interface ManagerView {
  readonly portfolioId: string;
  /** Relative drift past which the trigger fires (`rebalance_threshold`). */
  readonly rebalanceThreshold: number;
  counters(): CounterView;
  /** The state now, or null before recovery. */
  snapshot(): PortfolioSnapshot | null;
  /** The process's loop is alive (starting, waiting for the lock or running). */
  isLive(): boolean;
  /** Recovery is done and the loop is reading input. */
  isRecovered(): boolean;
  /** This manager holds a valid lease on the portfolio lock. */
  isLockHeld(): boolean;
  isHalted(): boolean;
  pausedStrategies(): readonly string[];
}

export interface PendingEntries {
  /** Entries of the stream not yet acknowledged by the manager's group (undelivered + pending). */
  readonly fills: number | null;
  readonly prices: number | null;
}

export interface RedisView {
  /** True when Redis answers a PING within `timeoutMs`. */
  ping(timeoutMs: number): Promise<boolean>;
  pending(): Promise<PendingEntries>;
  /** `host:pid` of the lock's holder, or null when nobody holds it (the token is never shown). */
  lockHolder(): Promise<string | null>;
  close(): void;
}

export const INPUT_STREAMS: readonly InputStream[] = ['fills', 'prices'];

/** The operator commands the dashboard may send: halt or resume the portfolio or one sleeve. */
export type DashboardCommand = 'halt' | 'resume';

/** Sends an operator command to the running manager, as `njord-portfolio-manager halt|resume` does. */
export interface CommandSender {
  /** The portfolio's strategies (the only ids `strategyId` may be). */
  readonly strategyIds: readonly string[];
  /** XADDs the command to the commands stream; resolves to the stream and the entry id. */
  send(
    command: DashboardCommand,
    strategyId: string | undefined,
  ): Promise<{ readonly stream: string; readonly entryId: string }>;
}
