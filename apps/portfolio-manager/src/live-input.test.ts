// The live input rules, each against the manager in-process on the real Redis: one entry-id
// order across both streams, inputs from the future or too old for the dedupe window, a fill
// naming this portfolio with a strategy it lacks, numbers that would overflow (in an entry, or
// in the plan a price near zero would call for), a symbol's
// first mark, ids that are Object.prototype members, bytes that are not UTF-8, producers that
// write timestamp_ns as a JSON integer or add fields. Each: the dead letter (with its reason),
// the loop alive, later input applied, the sleeves exact.
import { describe, expect, it } from 'vitest';
import { type RedisKeys, redisKeys } from './adapters/streams.js';
import type { PortfolioManager } from './service.js';
import {
  addEntries,
  readJournalLines,
  type TestConfigFiles,
  type TestPortfolio,
  waitFor,
  waitForDrained,
  writeConfigs,
} from './test-support.js';
import { useInProcessManager } from './test-support/fixtures.js';

const PORTFOLIO: TestPortfolio = {
  id: 'rules',
  totalCapital: 100_000,
  threshold: 0.05,
  weights: { a: 0.5, b: 0.5 },
};

type Line = Record<string, unknown>;
interface DeadPayload {
  data: string | null;
  error: string;
  source: string;
  entry_id: string;
}

/** The manager's clock now, in ns (the system clock). */
const nowNs = () => BigInt(Date.now()) * 1_000_000n;

let fillNumber = 0;
function fill(fields: Record<string, unknown> = {}): string {
  fillNumber++;
  return JSON.stringify({
    fill_id: `r-${fillNumber}`,
    strategy_id: 'a',
    symbol: 'X',
    side: 'buy',
    quantity: 10,
    price: 100,
    fee: 0,
    timestamp_ns: String(nowNs()),
    ...fields,
  });
}

function mark(symbol: string, price: number, timestampNs = nowNs()): string {
  return JSON.stringify({ symbol, price, timestamp_ns: String(timestampNs) });
}

describe('live input rules (in-process, real Redis)', () => {
  const env = useInProcessManager('rules');

  async function start(
    extra: readonly string[] = [],
    portfolio: TestPortfolio = PORTFOLIO,
  ): Promise<{
    files: TestConfigFiles;
    keys: RedisKeys;
    manager: PortfolioManager;
  }> {
    const files = writeConfigs(env.dir, {
      prefix: env.prefix,
      portfolio,
      extra: ['check_interval_seconds: 60', 'snapshot_interval_seconds: 60', ...extra],
    });
    const manager = await env.start(files.basePath);
    return { files, keys: redisKeys(env.prefix, portfolio.id), manager };
  }

  async function drained(keys: RedisKeys) {
    await waitForDrained(env.redis, keys, 20_000);
  }

  async function deadLetters(keys: RedisKeys): Promise<DeadPayload[]> {
    const entries = await env.redis.xrange(keys.dead, '-', '+');
    return entries.map(([, fields]) => JSON.parse(fields[1] ?? '') as DeadPayload);
  }

  /** Adds `fills` then `marks`, waits for them to be read and for the first plan: its wire. */
  async function firstPlanAfter(
    manager: PortfolioManager,
    keys: RedisKeys,
    journalPath: string,
    portfolioId: string,
    fills: readonly string[],
    marks: readonly string[],
  ): Promise<{ transfers: Record<string, number>; trades: Record<string, unknown>[] }> {
    await addEntries(env.redis, keys.fills, fills);
    await addEntries(env.redis, keys.prices, marks);
    await drained(keys);
    await waitFor(() => manager.counters.plans === 1, 5000, 'the plan');
    const line = readJournalLines(journalPath, portfolioId).find((l) => l.type === 'plan');
    return line?.plan as { transfers: Record<string, number>; trades: Record<string, unknown>[] };
  }

  const reasonOf = (dead: DeadPayload) => /^([a-z0-9_]+):/.exec(dead.error)?.[1];

  it('applies 1,500 queued fills and then a mark in entry-id order across the streams', async () => {
    const files = writeConfigs(env.dir, { prefix: env.prefix, portfolio: PORTFOLIO });
    const keys = redisKeys(env.prefix, PORTFOLIO.id);
    // Queued before the manager starts: its first read takes 1,000 of each stream at most.
    await addEntries(
      env.redis,
      keys.fills,
      Array.from({ length: 1500 }, () => fill({ quantity: 1, price: 10 })),
    );
    await addEntries(env.redis, keys.prices, [mark('X', 14)]);
    const manager = await env.start(files.basePath);
    await drained(keys);
    await waitFor(() => manager.counters.plans === 1, 10_000, 'the plan');

    const lines = readJournalLines(files.journalPath, PORTFOLIO.id);
    const seqOf = (type: string) =>
      lines.filter((line) => line.type === type).map((line) => line.seq as number);
    const fills = seqOf('fill');
    const [markSeq] = seqOf('mark');
    const [planSeq] = seqOf('plan');
    expect(fills).toHaveLength(1500);
    expect(Math.max(...fills)).toBeLessThan(markSeq as number);
    expect(markSeq).toBeLessThan(planSeq as number);
    // The plan sees all 1,500 units at 14: a = 50,000 - 1,500 x 10 + 1,500 x 14 = 56,000,
    // b = 50,000, equity 106,000, targets 53,000 each (drift of a 5.7% > 5%).
    const plan = lines.find((line) => line.type === 'plan')?.plan as {
      transfers: Record<string, number>;
      trades: { strategy_id: string; side: string; quantity: number }[];
    };
    expect(plan.transfers.a).toBeCloseTo(-3_000, 9);
    expect(plan.transfers.b).toBeCloseTo(3_000, 9);
    // a's 1,500 X scaled to 53,000 / 56,000: sells 1,500 x 3,000 / 56,000.
    expect(plan.trades).toHaveLength(1);
    expect(plan.trades[0]).toMatchObject({ strategy_id: 'a', side: 'sell' });
    expect(plan.trades[0]?.quantity).toBeCloseTo((1500 * 3000) / 56_000, 9);
  });

  it('after a restart, a pending mark waits for the undelivered fills before it', async () => {
    const files = writeConfigs(env.dir, { prefix: env.prefix, portfolio: PORTFOLIO });
    const keys = redisKeys(env.prefix, PORTFOLIO.id);
    await addEntries(
      env.redis,
      keys.fills,
      Array.from({ length: 1500 }, () => fill({ quantity: 1, price: 10 })),
    );
    await addEntries(env.redis, keys.prices, [mark('X', 14)]);
    // A manager that died after one read: 1,000 fills and the mark delivered, none applied.
    for (const stream of [keys.fills, keys.prices])
      await env.redis.xgroup('CREATE', stream, keys.group, '0', 'MKSTREAM');
    await env.redis.xreadgroup(
      'GROUP',
      keys.group,
      'manager',
      'COUNT',
      1000,
      'STREAMS',
      keys.fills,
      keys.prices,
      '>',
      '>',
    );
    await env.start(files.basePath);
    await drained(keys);
    const lines = readJournalLines(files.journalPath, PORTFOLIO.id);
    const fills = lines.filter((line) => line.type === 'fill').map((line) => line.seq as number);
    const markLine = lines.find((line) => line.type === 'mark');
    expect(fills).toHaveLength(1500);
    expect(Math.max(...fills)).toBeLessThan(markLine?.seq as number);
  });

  it('dead-letters fills and marks stamped beyond max_future_seconds; later marks apply', async () => {
    const { keys, manager } = await start(['max_future_seconds: 60']);
    const ahead = nowNs() + 3_600_000_000_000n;
    await addEntries(env.redis, keys.fills, [fill({ timestamp_ns: String(ahead) })]);
    await addEntries(env.redis, keys.prices, [mark('X', 100, ahead)]);
    await drained(keys);
    // The frozen-price failure: real marks after a future one must not be counted stale.
    for (const price of [101, 102, 103])
      await addEntries(env.redis, keys.prices, [mark('X', price)]);
    await drained(keys);
    const dead = await deadLetters(keys);
    expect(dead.map(reasonOf)).toEqual(['future_timestamp', 'future_timestamp']);
    expect(dead.map((d) => d.source)).toEqual(['fills', 'prices']);
    expect(manager.counters).toMatchObject({ marks_applied: 3, marks_stale: 0, fills_applied: 0 });
  });

  it('dead-letters a fill naming this portfolio with a strategy it lacks; skips one naming none', async () => {
    const { keys, manager } = await start();
    await addEntries(env.redis, keys.fills, [
      fill({ strategy_id: 'A', portfolio_id: PORTFOLIO.id }),
      fill({ strategy_id: 'A' }),
      fill({ strategy_id: 'a', portfolio_id: 'another' }),
      fill(),
    ]);
    await drained(keys);
    const dead = await deadLetters(keys);
    expect(dead.map(reasonOf)).toEqual(['unknown_strategy']);
    expect(manager.counters).toMatchObject({
      fills_applied: 1,
      fills_unknown_strategy: 1,
      fills_other_portfolio: 1,
      dead_lettered: 1,
    });
  });

  it('dead-letters a 1e200 x 1e200 fill and a 1.7e308 first mark, goes on, and restarts', async () => {
    const { files, keys, manager } = await start();
    await addEntries(env.redis, keys.fills, [fill({ quantity: 1e200, price: 1e200 })]);
    await addEntries(env.redis, keys.prices, [mark('Y', 1.7e308)]);
    await addEntries(env.redis, keys.fills, [fill({ quantity: 3, price: 100, fee: 1 })]);
    await drained(keys);
    const dead = await deadLetters(keys);
    expect(dead.map(reasonOf)).toEqual(['out_of_range', 'out_of_range']);
    // 50,000 - 3 x 100 - 1.
    const expectedCash = 50_000 - 3 * 100 - 1;
    expect(manager.state.getCash('a')).toBe(expectedCash);
    expect(manager.currentSnapshot()?.totalEquity).toBe(100_000 - 1);
    await env.stop();
    // The poison is not pending: a restart recovers and runs.
    const restarted = await env.start(files.basePath);
    expect(restarted.state.getCash('a')).toBe(expectedCash);
    expect(restarted.state.getUnits('a', 'X')).toBe(3);
  });

  it('a held price fallen near zero: no plan (overflow), the loop goes on, plans once it is back', async () => {
    // No limit on jumps (from 1e-306 back to 50 is a jump of 5e307).
    const { files, keys, manager } = await start(['max_mark_jump: 1.7e308']);
    // a: 50,000 cash -> 500 X at 100. X at 1e-306: a = 5e-304, b = 50,000, a's target 25,000
    // scales its 500 X by 5e307: 2.5e310 units, past the largest double: no plan can be made.
    await addEntries(env.redis, keys.fills, [fill({ quantity: 500, price: 100 })]);
    await drained(keys);
    await addEntries(env.redis, keys.prices, [mark('X', 1e-306)]);
    await drained(keys);
    // Later input still applies: b buys 3 Y at 100 with a fee of 1.
    await addEntries(env.redis, keys.fills, [
      fill({ strategy_id: 'b', symbol: 'Y', quantity: 3, price: 100, fee: 1 }),
    ]);
    await drained(keys);
    expect(manager.counters.plans).toBe(0);
    expect(manager.state.getCash('b')).toBe(50_000 - 301);
    expect(manager.state.getUnits('a', 'X')).toBe(500);
    // X back at 50: a = 25,000, b = 49,699 + 3 x 100 = 49,999; targets 37,499.5 each.
    const plan = await firstPlanAfter(
      manager,
      keys,
      files.journalPath,
      PORTFOLIO.id,
      [],
      [mark('X', 50)],
    );
    expect(plan.transfers.a).toBeCloseTo(12_499.5, 6);
    expect(plan.transfers.b).toBeCloseTo(-12_499.5, 6);
    const before = manager.state.serialize();
    await env.stop();
    const again = await env.start(files.basePath);
    expect(again.state.serialize()).toEqual(before);
  });

  it("holds a symbol's first mark to max_mark_jump against its last fill price", async () => {
    const { files, keys, manager } = await start();
    await addEntries(env.redis, keys.fills, [fill({ quantity: 100, price: 100 })]);
    await drained(keys);
    await addEntries(env.redis, keys.prices, [mark('X', 1e8)]);
    await drained(keys);
    expect((await deadLetters(keys)).map(reasonOf)).toEqual(['mark_jump']);
    // Valued at the fill price still: 100,000 in all, no plan, no intent.
    expect(manager.currentSnapshot()?.totalEquity).toBe(100_000);
    expect(manager.counters.plans).toBe(0);
    expect(await env.redis.xlen(keys.orders)).toBe(0);
    const errors = readJournalLines(files.journalPath, PORTFOLIO.id).filter(
      (line: Line) => line.type === 'error',
    );
    expect(errors[0]?.mark).toMatchObject({ symbol: 'X', price: 1e8 });
  });

  it('treats __proto__ as an id like any other: applied, valued, rebalanced', async () => {
    const { files, keys, manager } = await start();
    const plan = await firstPlanAfter(
      manager,
      keys,
      files.journalPath,
      PORTFOLIO.id,
      [fill({ symbol: '__proto__', quantity: 200 })],
      [mark('__proto__', 140)],
    );
    // a = 50,000 - 200 x 100 + 200 x 140 = 58,000; b = 50,000; targets 54,000 each.
    expect(plan.transfers.a).toBeCloseTo(-4_000, 9);
    expect(plan.transfers.b).toBeCloseTo(4_000, 9);
    expect(plan.trades).toHaveLength(1);
    expect(plan.trades[0]).toMatchObject({ symbol: '__proto__', side: 'sell' });
    // 200 units scaled to 54,000 / 58,000.
    expect(plan.trades[0]?.quantity as number).toBeCloseTo((200 * 4000) / 58_000, 9);
    expect(manager.state.getUnits('a', '__proto__')).toBe(200);
  });

  it('runs a strategy named __proto__ like any other: planned, snapshotted, restarted exactly', async () => {
    const portfolio: TestPortfolio = {
      ...PORTFOLIO,
      id: 'proto',
      weights: Object.fromEntries([
        ['__proto__', 0.5],
        ['b', 0.5],
      ]),
    };
    const { files, keys, manager } = await start([], portfolio);
    const plan = await firstPlanAfter(
      manager,
      keys,
      files.journalPath,
      portfolio.id,
      [fill({ strategy_id: '__proto__', quantity: 200 })],
      [mark('X', 140)],
    );
    // __proto__ = 50,000 - 200 x 100 + 200 x 140 = 58,000; b = 50,000; targets 54,000 each.
    expect(Object.keys(plan.transfers)).toEqual(['__proto__', 'b']);
    expect(plan.transfers['__proto__']).toBeCloseTo(-4_000, 9);
    expect(plan.transfers['b']).toBeCloseTo(4_000, 9);
    expect(plan.trades[0]).toMatchObject({ strategy_id: '__proto__', symbol: 'X', side: 'sell' });
    const before = manager.state.serialize();
    expect(manager.state.getUnits('__proto__', 'X')).toBe(200);
    await env.stop();
    // The final snapshot names the sleeve; a restart recovers every sleeve as it was.
    const [last] = await env.redis.xrevrange(keys.snapshots, '+', '-', 'COUNT', 1);
    const snapshot = JSON.parse(last?.[1][1] ?? '{}') as Record<string, Record<string, number>>;
    expect(Object.keys(snapshot.strategy_allocations ?? {})).toEqual(['__proto__', 'b']);
    const again = await env.start(files.basePath);
    expect(again.state.serialize()).toEqual(before);
  });

  it('dead-letters bytes that are not UTF-8 instead of reading two ids as one', async () => {
    const { keys, manager } = await start();
    const text = fill({ fill_id: 'bad-X' });
    const [before, after] = text.split('X') as [string, string];
    for (const byte of [0xff, 0xfe]) {
      const bytes = Buffer.concat([Buffer.from(before), Buffer.from([byte]), Buffer.from(after)]);
      await env.redis.xadd(keys.fills, '*', 'data', bytes);
    }
    await drained(keys);
    const dead = await deadLetters(keys);
    expect(dead.map(reasonOf)).toEqual(['invalid_utf8', 'invalid_utf8']);
    expect(manager.counters).toMatchObject({ fills_applied: 0, fills_duplicate: 0 });
  });

  it('dedupe window: a fill older than dedupe_window_hours is too_old; a younger one dedupes', async () => {
    const { keys, manager } = await start(['dedupe_window_hours: 1']);
    const old = nowNs() - 2n * 3_600_000_000_000n;
    const young = fill();
    await addEntries(env.redis, keys.fills, [fill({ timestamp_ns: String(old) }), young, young]);
    await drained(keys);
    expect((await deadLetters(keys)).map(reasonOf)).toEqual(['too_old']);
    expect(manager.counters).toMatchObject({ fills_applied: 1, fills_duplicate: 1 });
  });

  it('reads timestamp_ns exactly from a JSON integer and ignores fields it does not know', async () => {
    const { files, keys, manager } = await start();
    const exact = nowNs() + 123_456_789n;
    // As a Python producer's json.dumps writes it: an integer wider than a double.
    const text = fill({ venue: 'XNYS' }).replace(
      /"timestamp_ns":"\d+"/,
      `"timestamp_ns":${String(exact)}`,
    );
    await addEntries(env.redis, keys.fills, [text]);
    await drained(keys);
    expect(manager.counters).toMatchObject({ fills_applied: 1, entries_with_unknown_keys: 1 });
    const line = readJournalLines(files.journalPath, PORTFOLIO.id).find((l) => l.type === 'fill');
    expect((line?.fill as Line).timestamp_ns).toBe(String(exact));
    expect((line?.fill as Line).venue).toBeUndefined();
  });
});
