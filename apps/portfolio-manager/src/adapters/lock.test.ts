import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import {
  connectTestRedis,
  deleteKeys,
  silentLogger,
  sleep,
  uniquePrefix,
  waitFor,
} from '../test-support.js';
import { systemClock } from './clock.js';
import { parseLockToken, PortfolioLock } from './lock.js';

describe('PortfolioLock (real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  const locks: PortfolioLock[] = [];

  beforeEach(() => {
    redis = connectTestRedis();
    prefix = uniquePrefix('lock');
  });
  afterEach(async () => {
    for (const lock of locks.splice(0)) lock.stopRenewal();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  const make = (options = {}) => {
    const lock = new PortfolioLock(
      redis,
      `${prefix}:portfolio:p:lock`,
      systemClock,
      silentLogger(),
      options,
    );
    locks.push(lock);
    return lock;
  };

  it('gives the lock to one manager; the other waits until it is released', async () => {
    const first = make();
    const second = make({ retryEveryMs: 20 });
    expect(await first.acquire()).toBe(true);
    expect(first.isValid()).toBe(true);
    expect(await redis.get(first.key)).toBe(first.token);
    const ttl = await redis.pttl(first.key);
    expect(ttl).toBeGreaterThan(9000);
    expect(ttl).toBeLessThanOrEqual(10_000);

    let acquired = false;
    const waiting = second.acquire().then((ok) => {
      acquired = ok;
    });
    await sleep(100);
    expect(acquired).toBe(false);
    await first.release();
    await waiting;
    expect(acquired).toBe(true);
    expect(await redis.get(first.key)).toBe(second.token);
  });

  it('stops waiting when asked to', async () => {
    const first = make();
    await first.acquire();
    let stop = false;
    const waiting = make({ retryEveryMs: 10 }).acquire(() => stop);
    await sleep(50);
    stop = true;
    expect(await waiting).toBe(false);
  });

  it('renews the TTL and reports a lock taken by another token', async () => {
    const lock = make({ ttlMs: 1000, renewEveryMs: 200, marginMs: 100 });
    await lock.acquire();
    let lostReason: string | undefined;
    lock.startRenewal((reason) => {
      lostReason = reason;
    });
    await sleep(1500);
    // Without renewal a 1000 ms TTL would have expired by now.
    expect(await redis.get(lock.key)).toBe(lock.token);
    expect(lostReason).toBeUndefined();
    await redis.set(lock.key, 'someone-else');
    await waitFor(() => lostReason, 3000, 'lost lock');
    expect(lostReason).toBe('lock is held by another manager');
    expect(lock.isValid()).toBe(false);
    // A lost lock is not released: the key stays the other holder's.
    await lock.release();
    expect(await redis.get(lock.key)).toBe('someone-else');
  });

  it('takes over at once from a dead holder on this host', async () => {
    const { spawnSync } = await import('node:child_process');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(dead.stdout.toString());
    const { hostname } = await import('node:os');
    const token = `${hostname()}:${deadPid}:00000000-0000-4000-8000-000000000000`;
    expect(parseLockToken(token)).toEqual({ host: hostname(), pid: deadPid });
    const key = `${prefix}:portfolio:p:lock`;
    await redis.set(key, token, 'PX', 10_000);
    const lock = make({ retryEveryMs: 10_000 });
    const started = Date.now();
    expect(await lock.acquire()).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('waits for a live holder on this host', async () => {
    const { hostname } = await import('node:os');
    const key = `${prefix}:portfolio:p:lock`;
    // The test process itself is alive: its token must be respected.
    await redis.set(
      key,
      `${hostname()}:${process.ppid}:00000000-0000-4000-8000-000000000000`,
      'PX',
      300,
    );
    const lock = make({ retryEveryMs: 50 });
    const started = Date.now();
    expect(await lock.acquire()).toBe(true);
    // It got the lock only once the 300 ms TTL ran out.
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });
});
