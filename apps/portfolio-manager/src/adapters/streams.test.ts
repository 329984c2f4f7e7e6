import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { connectTestRedis, deleteKeys, uniquePrefix } from '../test-support.js';
import {
  claimPending,
  compareIdMs,
  compareIds,
  createOutbox,
  DEAD_DATA_MAX_CHARS,
  deadPayload,
  ensureGroup,
  flushOutbox,
  isNoGroupError,
  newestOwnIntent,
  publishSnapshot,
  readEntries,
  redisKeys,
} from './streams.js';

describe('compareIds, compareIdMs', () => {
  // The order as read off split parts: ms by length then text, seq as a number.
  function splitCompare(a: string, b: string): number {
    const [aMs = '0', aSeq = '0'] = a.split('-');
    const [bMs = '0', bSeq = '0'] = b.split('-');
    if (aMs.length !== bMs.length) return aMs.length - bMs.length;
    if (aMs !== bMs) return aMs < bMs ? -1 : 1;
    return Number(aSeq) - Number(bSeq);
  }
  function splitCompareMs(a: string, b: string): number {
    const aMs = a.split('-', 1)[0] ?? '0';
    const bMs = b.split('-', 1)[0] ?? '0';
    if (aMs.length !== bMs.length) return aMs.length - bMs.length;
    return aMs === bMs ? 0 : aMs < bMs ? -1 : 1;
  }
  const digits = fc.stringMatching(/^[0-9]{0,20}$/);
  const id = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(digits, digits).map(([ms, seq]) => `${ms}-${seq}`) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
    { weight: 1, arbitrary: fc.constantFrom('5', '5-', '-5', '5-1-2', '5- 1', '5-1e3', '') },
  );

  it('order ids as the split parts do, without the copies (property)', () => {
    fc.assert(
      fc.property(id, id, (a, b) => {
        expect(compareIds(a, b)).toBe(splitCompare(a, b));
        expect(compareIdMs(a, b)).toBe(splitCompareMs(a, b));
      }),
      { numRuns: 2000 },
    );
    expect(compareIds('1700000000000-10', '1700000000000-9')).toBeGreaterThan(0);
    expect(compareIds('999-5', '1000-0')).toBeLessThan(0);
  });
});

describe('deadPayload', () => {
  it('keeps a short input whole, and of a huge one its first 64 Ki characters and its length', () => {
    const base = { source: 'fills', entryId: '1-0', error: 'not_json: x' } as const;
    expect(JSON.parse(deadPayload({ ...base, data: 'abc' }))).toEqual({
      data: 'abc',
      error: 'not_json: x',
      source: 'fills',
      entry_id: '1-0',
    });
    expect((JSON.parse(deadPayload({ ...base, data: null })) as { data: unknown }).data).toBeNull();
    const exact = 'x'.repeat(DEAD_DATA_MAX_CHARS);
    expect(JSON.parse(deadPayload({ ...base, data: exact }))).not.toHaveProperty('data_chars');
    const huge = 'y'.repeat(50 * 1024 * 1024);
    const cut = JSON.parse(deadPayload({ ...base, data: huge })) as Record<string, unknown>;
    expect(cut.data).toBe(huge.slice(0, DEAD_DATA_MAX_CHARS));
    expect(cut.data_chars).toBe(huge.length);
    expect(cut.error).toBe('not_json: x');
    // A surrogate pair across the cut is not split: the cut falls before it.
    const emoji = `${'z'.repeat(DEAD_DATA_MAX_CHARS - 1)}\u{1F600}tail`;
    const around = JSON.parse(deadPayload({ ...base, data: emoji })) as { data: string };
    expect(around.data).toBe('z'.repeat(DEAD_DATA_MAX_CHARS - 1));
  });
});

describe('redisKeys', () => {
  it('follows the documented Redis key table', () => {
    expect(redisKeys('njord', 'P')).toEqual({
      fills: 'njord:fills',
      prices: 'njord:prices',
      orders: 'njord:orders',
      snapshotChannel: 'njord:portfolio:P:snapshot',
      snapshots: 'njord:portfolio:P:snapshots',
      dead: 'njord:portfolio:P:dead',
      lock: 'njord:portfolio:P:lock',
      commands: 'njord:portfolio:P:commands',
      group: 'portfolio-manager:P',
    });
  });
});

describe('stream adapter (real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  beforeEach(() => {
    redis = connectTestRedis();
    prefix = uniquePrefix('streams');
  });
  afterEach(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it("finds a portfolio's newest intent with its time, from a decimal string or an integer", async () => {
    const keys = redisKeys(prefix, 'P');
    const intent = (portfolio: string, plan: string, timestamp: unknown) =>
      JSON.stringify({
        intent_id: `${plan}:0`,
        plan_id: plan,
        portfolio_id: portfolio,
        timestamp_ns: timestamp,
      });
    await redis.xadd(keys.orders, '*', 'data', intent('P', 'old', '1700000000123456789'));
    await redis.xadd(keys.orders, '*', 'data', intent('P', 'new', 1_700_000_000_000_000));
    await redis.xadd(keys.orders, '*', 'data', intent('Q', 'other', '1800000000000000000'));
    await redis.xadd(keys.orders, '*', 'data', 'not json');
    const newest = await newestOwnIntent(redis, keys, 'P');
    expect(newest).toMatchObject({ planId: 'new', intentId: 'new:0' });
    // A JSON integer up to 2^53 is exact, and is read as written.
    expect(newest?.timestampNs).toBe(1_700_000_000_000_000n);
    await redis.xadd(keys.orders, '*', 'data', intent('P', 'latest', '1700000000123456789'));
    expect((await newestOwnIntent(redis, keys, 'P'))?.timestampNs).toBe(1700000000123456789n);
    // A time that is neither (or an integer past 2^53, already rounded when parsed) is left
    // out: the check then does not use it.
    await redis.xadd(keys.orders, '*', 'data', intent('P', 'big', 2 ** 60));
    expect((await newestOwnIntent(redis, keys, 'P'))?.timestampNs).toBeUndefined();
    await redis.xadd(keys.orders, '*', 'data', intent('P', 'odd', 'soon'));
    const odd = await newestOwnIntent(redis, keys, 'P');
    expect(odd?.planId).toBe('odd');
    expect(odd?.timestampNs).toBeUndefined();
    expect(await newestOwnIntent(redis, keys, 'nobody')).toBeNull();
  });

  it('creates the group at 0 so entries sent before the first start are read', async () => {
    const keys = redisKeys(prefix, 'p');
    await redis.xadd(keys.fills, '*', 'data', 'before');
    expect(await ensureGroup(redis, keys.fills, keys.group)).toBe(true);
    expect(await ensureGroup(redis, keys.fills, keys.group)).toBe(false);
    // The prices stream does not exist yet: MKSTREAM creates it.
    expect(await ensureGroup(redis, keys.prices, keys.group)).toBe(true);
    expect(await ensureGroup(redis, keys.commands, keys.group)).toBe(true);
    // Entry ids are per stream (`<ms>-<seq>`): a few ms apart, the two streams cannot tie
    // (on a tie, fills come first).
    await new Promise((resolve) => setTimeout(resolve, 3));
    await redis.xadd(keys.prices, '*', 'data', 'mark');
    await new Promise((resolve) => setTimeout(resolve, 3));
    await redis.xadd(keys.fills, '*', 'other', 'x');
    const entries = await readEntries(redis, keys, 'c', { count: 10 });
    // Merged in arrival order across both streams; a missing `data` field is undefined.
    expect(entries.map((e) => [e.source, e.data])).toEqual([
      ['fills', 'before'],
      ['prices', 'mark'],
      ['fills', undefined],
    ]);
    // Pending until acked: the id-0 read returns them again.
    expect(await readEntries(redis, keys, 'c', { count: 10, pending: true })).toHaveLength(3);

    const outbox = createOutbox();
    for (const entry of entries) outbox.ack[entry.source].push(entry.id);
    outbox.dead.push({
      source: 'fills',
      entryId: entries[2]?.id ?? '',
      data: null,
      error: 'missing data',
    });
    await flushOutbox(redis, keys, outbox);
    expect(await readEntries(redis, keys, 'c', { count: 10, pending: true })).toEqual([]);
    const dead = await redis.xrange(keys.dead, '-', '+');
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0]?.[1][1] ?? '')).toEqual({
      data: null,
      error: 'missing data',
      source: 'fills',
      entry_id: entries[2]?.id,
    });
  });

  it('claims entries another consumer left pending', async () => {
    const keys = redisKeys(prefix, 'p');
    await ensureGroup(redis, keys.fills, keys.group);
    await ensureGroup(redis, keys.prices, keys.group);
    await ensureGroup(redis, keys.commands, keys.group);
    for (let i = 0; i < 5; i++) await redis.xadd(keys.fills, '*', 'data', String(i));
    await readEntries(redis, keys, 'old-name', { count: 3 });
    expect(await claimPending(redis, keys, 'manager')).toBe(3);
    const mine = await readEntries(redis, keys, 'manager', { count: 10, pending: true });
    expect(mine.map((e) => e.data)).toEqual(['0', '1', '2']);
  });

  it('reports NOGROUP when the group is gone', async () => {
    const keys = redisKeys(prefix, 'p');
    await ensureGroup(redis, keys.fills, keys.group);
    await ensureGroup(redis, keys.prices, keys.group);
    await ensureGroup(redis, keys.commands, keys.group);
    await redis.xgroup('DESTROY', keys.fills, keys.group);
    const error = await readEntries(redis, keys, 'c', { count: 1 }).catch((e: unknown) => e);
    expect(isNoGroupError(error)).toBe(true);
  });

  it('publishes a snapshot on the channel and the capped stream', async () => {
    const keys = redisKeys(prefix, 'p');
    const subscriber = connectTestRedis();
    try {
      const received: string[] = [];
      subscriber.on('message', (_channel: string, message: string) => received.push(message));
      await subscriber.subscribe(keys.snapshotChannel);
      await publishSnapshot(redis, keys, '{"x":1}');
      const deadline = Date.now() + 2000;
      while (received.length === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      expect(received).toEqual(['{"x":1}']);
      expect(await redis.xlen(keys.snapshots)).toBe(1);
    } finally {
      subscriber.disconnect();
    }
  });
});
