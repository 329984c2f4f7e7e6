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
import { Redis as RedisClient } from 'ioredis';
import { freePort } from '../test-support.js';
import { startRedisServer } from '../test-support/redis-server.js';
import { systemClock } from './clock.js';
import { FencedWriteError } from './fence.js';
import { PortfolioLock } from './lock.js';
import { createOutbox, flushOutbox, publishOrders, publishSnapshot, redisKeys } from './streams.js';

describe('PortfolioLock (real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  const locks: PortfolioLock[] = [];

  beforeEach(() => {
    redis = connectTestRedis();
    prefix = uniquePrefix('live-lock');
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

  it('never takes over from a holder it presumes dead (same host name, pid gone)', async () => {
    // A container on host networking shares the host name, and its pids are not ours: a
    // token naming this host and a pid that does not exist here proves nothing.
    const { spawnSync } = await import('node:child_process');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(dead.stdout.toString());
    const { hostname } = await import('node:os');
    const token = `${hostname()}:${deadPid}:00000000-0000-4000-8000-000000000000`;
    const key = `${prefix}:portfolio:p:lock`;
    await redis.set(key, token, 'PX', 600);
    const lock = make({ retryEveryMs: 50 });
    const started = Date.now();
    expect(await lock.acquire()).toBe(true);
    // Only once Redis expired the 600 ms lease.
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  });

  it('fences every write: a holder whose key was taken writes nothing', async () => {
    const keys = redisKeys(prefix, 'p');
    const lock = make();
    expect(await lock.acquire()).toBe(true);
    let lostReason: string | undefined;
    lock.startRenewal((reason) => {
      lostReason = reason;
    });
    // While held, fenced writes go through.
    await publishOrders(redis, keys, ['{"n":1}']);
    await publishSnapshot(redis, keys, '{"s":1}');
    expect(await redis.xlen(keys.orders)).toBe(1);
    expect(await redis.xlen(keys.snapshots)).toBe(1);
    // Another manager holds the key now (the lease ran out while this one was paused).
    await redis.set(keys.lock, 'other-manager');
    await expect(publishOrders(redis, keys, ['{"n":2}'])).rejects.toBeInstanceOf(FencedWriteError);
    expect(lostReason).toContain('refused');
    expect(lock.isValid()).toBe(false);
    await expect(publishSnapshot(redis, keys, '{"s":2}')).rejects.toBeInstanceOf(FencedWriteError);
    const outbox = createOutbox();
    outbox.dead.push({ source: 'fills', entryId: '1-0', data: 'x', error: 'e' });
    await expect(flushOutbox(redis, keys, outbox)).rejects.toBeInstanceOf(FencedWriteError);
    expect(await redis.xlen(keys.orders)).toBe(1);
    expect(await redis.xlen(keys.snapshots)).toBe(1);
    expect(await redis.xlen(keys.dead)).toBe(0);
    // And the key stays the other manager's.
    await lock.release();
    expect(await redis.get(keys.lock)).toBe('other-manager');
  });

  it('acknowledges and dead-letters in one fenced script', async () => {
    const keys = redisKeys(prefix, 'p');
    await redis.xgroup('CREATE', keys.fills, keys.group, '0', 'MKSTREAM');
    await redis.xgroup('CREATE', keys.prices, keys.group, '0', 'MKSTREAM');
    const ids: string[] = [];
    for (let i = 0; i < 1200; i++)
      ids.push((await redis.xadd(keys.fills, '*', 'data', '{}')) ?? '');
    const priceId = (await redis.xadd(keys.prices, '*', 'data', '{}')) ?? '';
    await redis.xreadgroup(
      'GROUP',
      keys.group,
      'manager',
      'COUNT',
      2000,
      'STREAMS',
      keys.fills,
      keys.prices,
      '>',
      '>',
    );
    const lock = make();
    await lock.acquire();
    const outbox = createOutbox();
    outbox.ack.fills.push(...ids);
    outbox.ack.prices.push(priceId);
    outbox.dead.push({ source: 'prices', entryId: priceId, data: null, error: 'bad' });
    await flushOutbox(redis, keys, outbox);
    // 1200 fills (more than one XACK chunk of 500) and the price: nothing left pending.
    const pendingFills = (await redis.xpending(keys.fills, keys.group)) as [number, ...unknown[]];
    const pendingPrices = (await redis.xpending(keys.prices, keys.group)) as [number, ...unknown[]];
    expect(pendingFills[0]).toBe(0);
    expect(pendingPrices[0]).toBe(0);
    const dead = await redis.xrange(keys.dead, '-', '+');
    expect(dead.length).toBe(1);
    expect(JSON.parse(dead[0]?.[1][1] ?? '{}')).toEqual({
      data: null,
      error: 'bad',
      source: 'prices',
      entry_id: priceId,
    });
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

  it('counts the lease from the grant, not from a request queued while Redis was away', async () => {
    // A private redis-server, stopped while the manager starts and back 1.5 s later: with
    // a 1,000 ms TTL, a lease counted from the queued request would be over at the grant.
    const port = await freePort();
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ];
    let server = await startRedisServer(args, { port }, 'private redis-server');
    const client = new RedisClient({ port, maxRetriesPerRequest: null, retryStrategy: () => 100 });
    client.on('error', () => undefined);
    try {
      await client.ping();
      await server.stop();
      const lock = new PortfolioLock(client, 'live-lease:lock', systemClock, silentLogger(), {
        ttlMs: 1000,
        renewEveryMs: 300,
        retryEveryMs: 50,
        marginMs: 200,
      });
      const acquiring = lock.acquire();
      await sleep(1500);
      server = await startRedisServer(args, { port }, 'private redis-server again');
      expect(await acquiring).toBe(true);
      // Valid for about ttl - margin = 800 ms from the grant (less the reply's round trip).
      expect(lock.isValid()).toBe(true);
      expect(lock.remainingMs()).toBeGreaterThan(500);
      let lost: string | undefined;
      lock.startRenewal((reason) => {
        lost = reason;
      });
      await sleep(1500);
      expect(lost).toBeUndefined();
      expect(await client.get('live-lease:lock')).toBe(lock.token);
      await lock.release();
    } finally {
      client.disconnect();
      await server.stop();
    }
  });
});
