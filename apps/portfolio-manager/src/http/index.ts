// Wiring of the HTTP side: the manager's view, its own Redis connection, metrics, the live
// feed and the server, created before the manager (which reports to their observer).
import { performance } from 'node:perf_hooks';
import type { PortfolioSnapshot } from '@njord/portfolio-contracts';
import { redisKeys } from '../adapters/streams.js';
import type { HttpConfig, LoadedConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { LiveFeed } from './live-feed.js';
import { ManagerMetrics } from './metrics.js';
import { fanOut, type ManagerObserver } from './observer.js';
import { createRedisView } from './redis-view.js';
import { type RunningHttpServer, startHttpServer } from './server.js';
import { writeManagerCommand } from '../command.js';
import type { CommandSender, CounterView, ManagerView } from './view.js';

export { HttpConfigError, isLoopback, startHttpServer, tokenMatches } from './server.js';
export type { RunningHttpServer } from './server.js';
export { ManagerMetrics } from './metrics.js';
export { LiveFeed } from './live-feed.js';
export { fanOut } from './observer.js';
export type { ManagerObserver } from './observer.js';

/** What the HTTP side reads of the running manager (the service's public face). */
export interface ObservedManager {
  readonly counters: CounterView;
  readonly recovered: boolean;
  readonly lockHeld: boolean;
  currentSnapshot(): PortfolioSnapshot | null;
  /** Present once the manager can halt (false and [] until then). */
  readonly halted?: boolean;
  readonly pausedStrategies?: readonly string[];
}

export interface HttpSide {
  readonly observer: ManagerObserver;
  readonly metrics: ManagerMetrics;
  readonly feed: LiveFeed;
  /** Starts serving for `manager`; resolves once listening. */
  start(manager: ObservedManager): Promise<RunningHttpServer>;
  /** The manager's loop ended (healthz turns 503). */
  markStopped(): void;
  close(): Promise<void>;
}

export function createHttpSide(options: {
  readonly config: LoadedConfig;
  readonly http: HttpConfig;
  readonly token: string | null;
  readonly logger: Logger;
  /** Nanoseconds since the epoch, for a command's `timestamp_ns` (the wall clock by default). */
  readonly nowNs?: () => bigint;
}): HttpSide {
  const { config, logger } = options;
  let manager: ObservedManager | undefined;
  let live = true;
  const keys = redisKeys(config.manager.redis.prefix, config.portfolio.id);
  const redis = createRedisView(
    config.manager.redis.url,
    keys,
    `njord-pm-${config.portfolio.id}-http`,
  );
  const zero: CounterView = {
    fills_applied: 0,
    fills_duplicate: 0,
    marks_applied: 0,
    marks_stale: 0,
    dead_lettered: 0,
    plans: 0,
    intents_published: 0,
  };
  const view: ManagerView = {
    portfolioId: config.portfolio.id,
    rebalanceThreshold: config.portfolio.rebalanceThreshold,
    counters: () => manager?.counters ?? zero,
    snapshot: () => manager?.currentSnapshot() ?? null,
    isLive: () => live,
    isRecovered: () => manager?.recovered ?? false,
    isLockHeld: () => manager?.lockHeld ?? false,
    isHalted: () => manager?.halted ?? false,
    pausedStrategies: () => manager?.pausedStrategies ?? [],
  };
  const nowNs = options.nowNs ?? (() => BigInt(Date.now()) * 1_000_000n);
  // The dashboard's halt and resume: the CLI's writer, on the HTTP side's own connection.
  const commands: CommandSender = {
    strategyIds: config.portfolio.allocations.map((a) => a.strategyId),
    async send(command, strategyId) {
      const entryId = await writeManagerCommand(redis.client, keys.commands, {
        command,
        ...(strategyId === undefined ? {} : { strategyId }),
        timestampNs: nowNs(),
      });
      return { stream: keys.commands, entryId };
    },
  };
  const metrics = new ManagerMetrics(view, redis);
  const feed = new LiveFeed(view, redis, {
    nowMs: () => performance.timeOrigin + performance.now(),
  });
  let running: RunningHttpServer | undefined;
  return {
    observer: fanOut(metrics, feed),
    metrics,
    feed,
    async start(observed) {
      manager = observed;
      try {
        running = await startHttpServer({
          listen: options.http.listen,
          token: options.token,
          view,
          redis,
          metrics,
          feed,
          logger,
          commands,
        });
      } catch (error) {
        redis.close();
        throw error;
      }
      return running;
    },
    markStopped() {
      live = false;
    },
    async close() {
      await running?.close();
      redis.close();
    },
  };
}
