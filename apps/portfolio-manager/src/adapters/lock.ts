// The portfolio lock (`<prefix>:portfolio:<P>:lock`): one active manager per portfolio.
// SET NX PX, renewed by compare-and-set, a local lease counted from the grant, and a fencing
// token that every write that matters carries (see fence.ts): a holder that lost the key,
// paused or cut off, can write nothing.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { Clock } from './clock.js';
import { attachFence, runScript, type Fence, type LuaScript, script } from './fence.js';

// 1: renewed; 2: the key was gone (Redis lost it) and is ours again; 0: another holder.
const RENEW_SCRIPT: LuaScript = script(`
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 2
end
return 0`);

const RELEASE_SCRIPT: LuaScript = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`);

export interface LockOptions {
  readonly ttlMs?: number;
  readonly renewEveryMs?: number;
  /** How often a waiting manager tries again. */
  readonly retryEveryMs?: number;
  /**
   * Safety margin: the holder stops writing this long before its lease could have
   * expired in Redis (clock drift, a slow round trip).
   */
  readonly marginMs?: number;
}

export interface LockHolder {
  readonly host: string;
  readonly pid: number;
}

/**
 * The host and pid a token names (`<host>:<pid>:<uuid>`), for display only: a pid is
 * meaningless across pid namespaces, so no manager decides anything from it.
 */
export function parseLockToken(token: string): LockHolder | null {
  const match = /^(.*):(\d+):[0-9a-f-]{36}$/.exec(token);
  if (!match) return null;
  return { host: match[1] as string, pid: Number(match[2]) };
}

/**
 * The lease: 10 s, or `NJORD_LOCK_TTL_MS` (1000 to 600000). A manager killed without a clean
 * stop holds its portfolio until the lease runs out, so its successor waits up to this long.
 */
export function defaultTtlMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.NJORD_LOCK_TTL_MS;
  if (raw === undefined || raw === '') return 10_000;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1000 || value > 600_000)
    throw new RangeError(`NJORD_LOCK_TTL_MS must be an integer from 1000 to 600000, got ${raw}`);
  return value;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class PortfolioLock {
  /**
   * `<host>:<pid>:<uuid>`: the host and pid are there for an operator reading the key; no
   * manager ever acts on them (containers share host names and pid numbers), only on the
   * whole token.
   */
  readonly token: string;
  readonly ttlMs: number;
  readonly renewEveryMs: number;
  readonly retryEveryMs: number;
  readonly marginMs: number;
  private validUntilMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private lost = false;
  private held = false;
  private renewing = false;
  private lastRenewSentMs = 0;
  private onLostCallback: ((reason: string) => void) | undefined;
  readonly fence: Fence;

  constructor(
    private readonly redis: Redis,
    readonly key: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: LockOptions = {},
  ) {
    this.token = `${hostname()}:${process.pid}:${randomUUID()}`;
    this.ttlMs = options.ttlMs ?? defaultTtlMs();
    this.renewEveryMs = options.renewEveryMs ?? Math.round(this.ttlMs * 0.3);
    this.retryEveryMs = options.retryEveryMs ?? Math.min(500, Math.round(this.ttlMs / 4));
    this.marginMs = options.marginMs ?? Math.round(this.ttlMs * 0.2);
    this.fence = {
      lockKey: key,
      token: this.token,
      onFenced: () => this.fail('a write was refused: the lock is held by another token'),
    };
    // Every fenced write through this client carries the token (see fence.ts).
    attachFence(redis, this.fence);
  }

  /** True while this manager may write: it held the lock at a renewal recent enough. */
  isValid(): boolean {
    return this.held && !this.lost && this.clock.nowMs() < this.validUntilMs;
  }

  /** Milliseconds of lease left as this manager counts it (0 when not valid). */
  remainingMs(): number {
    return this.isValid() ? this.validUntilMs - this.clock.nowMs() : 0;
  }

  /**
   * One SET NX PX. Sent only on a ready connection, so a command queued while Redis was
   * away cannot be granted long after the time the lease is counted from; a grant whose
   * reply took longer than a quarter of the TTL is re-anchored by a renewal at once.
   */
  private async tryAcquire(): Promise<boolean> {
    if (this.redis.status !== 'ready') return false;
    const sentAt = this.clock.nowMs();
    const reply = await this.redis.set(this.key, this.token, 'PX', this.ttlMs, 'NX');
    if (reply !== 'OK') return false;
    this.held = true;
    this.validUntilMs = sentAt + this.ttlMs - this.marginMs;
    this.lastRenewSentMs = sentAt;
    if (this.clock.nowMs() - sentAt > this.ttlMs / 4) {
      const renewed = await this.renewOnce();
      if (renewed === 0) {
        this.held = false;
        return false;
      }
    }
    return true;
  }

  /** A compare-and-set renewal; the lease is counted from when it was sent. */
  private async renewOnce(): Promise<number> {
    const sentAt = this.clock.nowMs();
    this.lastRenewSentMs = sentAt;
    const renewed = (await runScript(
      this.redis,
      RENEW_SCRIPT,
      [this.key],
      [this.token, this.ttlMs],
    )) as number;
    if (renewed !== 0) this.validUntilMs = sentAt + this.ttlMs - this.marginMs;
    return renewed;
  }

  /**
   * Waits for the lock; resolves false if `shouldStop()` turns true first. A holder is
   * never presumed dead: the key is taken only once Redis has expired or deleted it.
   */
  async acquire(shouldStop: () => boolean = () => false): Promise<boolean> {
    let waitingSince: number | undefined;
    let lastLogMs = 0;
    while (!shouldStop()) {
      let acquired = false;
      try {
        acquired = await this.tryAcquire();
      } catch (error) {
        this.logger.warn({ lock: this.key, error: String(error) }, 'lock request failed');
      }
      if (acquired) {
        if (waitingSince !== undefined) {
          this.logger.info(
            { lock: this.key, waited_ms: Math.round(this.clock.nowMs() - waitingSince) },
            'lock acquired after waiting',
          );
        }
        return true;
      }
      const now = this.clock.nowMs();
      waitingSince ??= now;
      if (now - lastLogMs >= 30_000) {
        lastLogMs = now;
        const holder =
          this.redis.status === 'ready' ? await this.redis.get(this.key).catch(() => null) : null;
        this.logger.info(
          { lock: this.key, holder, redis: this.redis.status },
          'another manager holds this portfolio; waiting for its lock',
        );
      }
      await sleep(this.retryEveryMs);
    }
    return false;
  }

  private fail(reason: string): void {
    if (this.lost) return;
    this.lost = true;
    this.stopRenewal();
    this.onLostCallback?.(reason);
  }

  /**
   * Renews every `renewEveryMs`; calls `onLost` once when the lock is taken by another
   * token, a fenced write was refused, or it could not be renewed before its lease ran out.
   */
  startRenewal(onLost: (reason: string) => void): void {
    this.onLostCallback = onLost;
    if (this.lost) {
      onLost('lock lost before renewal started');
      return;
    }
    this.timer = setInterval(
      () => {
        if (this.lost) return;
        if (this.clock.nowMs() >= this.validUntilMs) {
          this.fail('lock lease ran out before it could be renewed');
          return;
        }
        if (this.renewing || this.clock.nowMs() - this.lastRenewSentMs < this.renewEveryMs) return;
        this.renewing = true;
        this.renewOnce()
          .then((renewed) => {
            if (renewed === 0) {
              this.fail('lock is held by another manager');
              return;
            }
            if (renewed === 2)
              this.logger.warn(
                { lock: this.key },
                'lock key was missing (Redis restarted empty?); set it again',
              );
          })
          .catch((error: unknown) => {
            this.logger.warn({ lock: this.key, error: String(error) }, 'lock renewal failed');
          })
          .finally(() => {
            this.renewing = false;
          });
      },
      Math.min(this.renewEveryMs, 500),
    );
    this.timer.unref();
  }

  stopRenewal(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Deletes the key if it is still ours, so a waiting manager takes over at once. */
  async release(): Promise<void> {
    // The fence stays attached: a write after this is refused (the token is gone).
    this.stopRenewal();
    if (this.lost || !this.held) return;
    this.lost = true;
    await runScript(this.redis, RELEASE_SCRIPT, [this.key], [this.token]);
  }
}
