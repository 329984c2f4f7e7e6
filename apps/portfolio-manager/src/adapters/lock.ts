// The portfolio lock (`<prefix>:portfolio:<P>:lock`): one active manager per portfolio,
// SET NX PX, renewed by compare-and-set, fenced by a local validity deadline.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { Clock } from './clock.js';

// 1: renewed; 2: the key was gone (Redis lost it) and is ours again; 0: another holder.
const RENEW_SCRIPT = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 2
end
return 0`;

const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

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

/** The token is `<host>:<pid>:<uuid>`, so a waiting manager on the same host can tell a dead holder. */
export function parseLockToken(token: string): LockHolder | null {
  const match = /^(.*):(\d+):[0-9a-f-]{36}$/.exec(token);
  if (!match) return null;
  return { host: match[1] as string, pid: Number(match[2]) };
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class PortfolioLock {
  readonly token: string;
  readonly ttlMs: number;
  readonly renewEveryMs: number;
  readonly retryEveryMs: number;
  readonly marginMs: number;
  private validUntilMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private lost = false;
  private renewing = false;
  private lastRenewSentMs = 0;

  constructor(
    private readonly redis: Redis,
    readonly key: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: LockOptions = {},
  ) {
    this.token = `${hostname()}:${process.pid}:${randomUUID()}`;
    this.ttlMs = options.ttlMs ?? 10_000;
    this.renewEveryMs = options.renewEveryMs ?? 3_000;
    this.retryEveryMs = options.retryEveryMs ?? 500;
    this.marginMs = options.marginMs ?? 2_000;
  }

  /** True while this manager may write: it held the lock at a renewal recent enough. */
  isValid(): boolean {
    return !this.lost && this.clock.nowMs() < this.validUntilMs;
  }

  private async tryAcquire(): Promise<boolean> {
    const sentAt = this.clock.nowMs();
    const reply = await this.redis.set(this.key, this.token, 'PX', this.ttlMs, 'NX');
    if (reply !== 'OK') return false;
    this.validUntilMs = sentAt + this.ttlMs - this.marginMs;
    this.lastRenewSentMs = sentAt;
    return true;
  }

  /** A holder on this host whose process is gone is released at once instead of waiting for the TTL. */
  private async releaseDeadHolder(holderToken: string): Promise<boolean> {
    const holder = parseLockToken(holderToken);
    if (!holder || holder.host !== hostname() || holder.pid === process.pid) return false;
    if (isProcessAlive(holder.pid)) return false;
    const deleted = (await this.redis.eval(RELEASE_SCRIPT, 1, this.key, holderToken)) as number;
    if (deleted === 1) {
      this.logger.warn(
        { lock: this.key, holder: holderToken },
        'lock holder on this host is dead; taking over',
      );
    }
    return deleted === 1;
  }

  /** Waits for the lock; resolves false if `shouldStop()` turns true first. */
  async acquire(shouldStop: () => boolean = () => false): Promise<boolean> {
    let waitingSince: number | undefined;
    let lastLogMs = 0;
    while (!shouldStop()) {
      if (await this.tryAcquire()) {
        if (waitingSince !== undefined) {
          this.logger.info(
            { lock: this.key, waited_ms: Math.round(this.clock.nowMs() - waitingSince) },
            'lock acquired after waiting',
          );
        }
        return true;
      }
      const holder = await this.redis.get(this.key);
      if (holder !== null && (await this.releaseDeadHolder(holder))) continue;
      const now = this.clock.nowMs();
      waitingSince ??= now;
      if (now - lastLogMs >= 30_000) {
        lastLogMs = now;
        this.logger.info(
          { lock: this.key, holder },
          'another manager holds this portfolio; waiting for its lock',
        );
      }
      await sleep(this.retryEveryMs);
    }
    return false;
  }

  /**
   * Renews every `renewEveryMs`; calls `onLost` once when the lock is taken by another
   * token or could not be renewed before its lease ran out.
   */
  startRenewal(onLost: (reason: string) => void): void {
    const fail = (reason: string) => {
      if (this.lost) return;
      this.lost = true;
      this.stopRenewal();
      onLost(reason);
    };
    this.timer = setInterval(
      () => {
        if (this.lost) return;
        if (this.clock.nowMs() >= this.validUntilMs) {
          fail('lock lease ran out before it could be renewed');
          return;
        }
        const sentAt = this.clock.nowMs();
        if (this.renewing || sentAt - this.lastRenewSentMs < this.renewEveryMs) return;
        this.renewing = true;
        this.lastRenewSentMs = sentAt;
        (this.redis.eval(RENEW_SCRIPT, 1, this.key, this.token, this.ttlMs) as Promise<number>)
          .then((renewed) => {
            if (renewed === 0) {
              fail('lock is held by another manager');
              return;
            }
            if (renewed === 2)
              this.logger.warn(
                { lock: this.key },
                'lock key was missing (Redis restarted empty?); set it again',
              );
            this.validUntilMs = sentAt + this.ttlMs - this.marginMs;
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
    this.stopRenewal();
    if (this.lost) return;
    this.lost = true;
    await this.redis.eval(RELEASE_SCRIPT, 1, this.key, this.token);
  }
}
