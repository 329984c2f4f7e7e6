// The manager's Redis session: its two clients (commands, blocking reads), the stop and the
// interruption every Redis wait is raced against, and retried writes.
import type { Logger } from './logger.js';
import { createRedisClient, type Redis } from './adapters/redis.js';

/** Thrown inside the loop when the lock lease is gone: nothing more may be written. */
export class LockLostError extends Error {
  readonly _tag = 'LockLostError' as const;
  readonly code = 'lost_lock' as const;
}

/** Unwinds the loop on a stop that gave up on Redis (or came before the loop ran). */
export class StopSignal extends Error {
  readonly _tag = 'StopSignal' as const;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface RedisSessionOptions {
  readonly url: string;
  readonly logger: Logger;
  /** Connection names are `<name>-cmd` and `<name>-read`. */
  readonly name: string;
}

export class RedisSession {
  readonly cmd: Redis;
  readonly reader: Redis;
  /** A stop was asked for (a signal, or the lock was lost). */
  stopping = false;
  /** Work still waiting for Redis was given up (shutdown grace over, or a stop before the loop). */
  abandoned = false;
  lostLock = false;
  private readonly logger: Logger;
  /**
   * Set when the manager must give up on Redis (lost lock, shutdown grace over); every Redis
   * wait is raced against it, because a disconnected ioredis client can leave a queued
   * command pending forever. One listener per wait, removed when the wait ends (a
   * long-lived promise raced again and again would keep every wait's reaction alive).
   */
  private interruption: Error | undefined;
  private readonly interruptListeners = new Set<(error: Error) => void>();
  private readonly stopWaiters: (() => void)[] = [];

  constructor(options: RedisSessionOptions) {
    this.logger = options.logger;
    this.cmd = createRedisClient({
      url: options.url,
      logger: options.logger,
      name: `${options.name}-cmd`,
    });
    this.reader = createRedisClient({
      url: options.url,
      logger: options.logger,
      name: `${options.name}-read`,
    });
  }

  /** Waits for a Redis operation unless the session is interrupted first. */
  untilInterrupted<T>(operation: Promise<T>): Promise<T> {
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

  /** Breaks every wait with `error` and drops both connections. */
  private interruptWith(error: Error): void {
    this.interruption ??= error;
    for (const listener of this.interruptListeners) listener(error);
    this.interruptListeners.clear();
    this.disconnect();
  }

  /** Marks the session stopping and wakes every pause. False when it already was. */
  beginStop(): boolean {
    if (this.stopping) return false;
    this.stopping = true;
    for (const wake of this.stopWaiters.splice(0)) wake();
    return true;
  }

  /** Gives up on the work waiting for Redis. */
  abandon(): void {
    this.abandoned = true;
    this.interruptWith(new StopSignal('abandoned'));
  }

  /** The lock is gone: stop at once and break every wait. */
  loseLock(reason: string): void {
    this.lostLock = true;
    this.beginStop();
    this.interruptWith(new LockLostError(reason));
  }

  /** Throws when the manager must not write to Redis any more. */
  assertMayContinue(): void {
    if (this.lostLock) throw new LockLostError('the portfolio lock is no longer held');
    if (this.abandoned) throw new StopSignal('abandoned at shutdown');
  }

  /**
   * Retries a Redis write until it succeeds, or the manager must stop writing or gives up on
   * Redis.
   */
  async retry(what: string, action: () => Promise<void>): Promise<void> {
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

  /** Sleeps `ms`, or less when a stop comes first. */
  pause(ms: number): Promise<void> {
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

  disconnect(): void {
    this.cmd.disconnect();
    this.reader.disconnect();
  }
}

/** Resolves `promise`, or undefined after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
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
