// The service in-process against the real Redis: sleeves, a rebalance, dead letters.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JournalDamageError } from './adapters/journal-file.js';
import { redisKeys } from './adapters/streams.js';
import { readConfig } from './config.js';
import { PortfolioManager } from './service.js';
import {
  addEntries,
  connectTestRedis,
  readJournalLines,
  type TestPortfolio,
  waitFor,
  waitForDrained,
  writeConfigs,
  type WireFill,
  RECENT_NS,
} from './test-support.js';
import { useInProcessManager } from './test-support/fixtures.js';

const PORTFOLIO: TestPortfolio = {
  id: 'svc',
  totalCapital: 100_000,
  threshold: 0.05,
  weights: { a: 0.5, b: 0.3, c: 0.2 },
};

function fill(
  id: string,
  strategy: string,
  side: 'buy' | 'sell',
  quantity: number,
  price: number,
  fee: number,
): WireFill {
  return {
    fill_id: id,
    strategy_id: strategy,
    symbol: 'X',
    side,
    quantity,
    price,
    fee,
    timestamp_ns: String(RECENT_NS),
  };
}

describe('PortfolioManager (in-process, real Redis)', () => {
  const env = useInProcessManager('svc');
  const { log } = env;
  const stop = () => env.stop();

  async function start(
    options: {
      dryRun?: boolean;
      portfolio?: TestPortfolio;
      trustJournal?: boolean;
      extra?: readonly string[];
    } = {},
  ) {
    const files = writeConfigs(env.dir, {
      prefix: env.prefix,
      portfolio: options.portfolio ?? PORTFOLIO,
      ...(options.extra === undefined ? {} : { extra: options.extra }),
    });
    const manager = await env.start(files.basePath, {
      dryRun: options.dryRun ?? false,
      trustJournal: options.trustJournal ?? false,
    });
    return { files, keys: redisKeys(env.prefix, PORTFOLIO.id), manager };
  }

  /** A fills 400 X at 100, X marked 100 then 140: a threshold rebalance selling X in a. */
  async function triggerRebalance(keys: ReturnType<typeof redisKeys>) {
    await addEntries(env.redis, keys.fills, [JSON.stringify(fill('f1', 'a', 'buy', 400, 100, 0))]);
    await addEntries(env.redis, keys.prices, [
      JSON.stringify({ symbol: 'X', price: 100, timestamp_ns: '1' }),
    ]);
    await addEntries(env.redis, keys.prices, [
      JSON.stringify({ symbol: 'X', price: 140, timestamp_ns: '2' }),
    ]);
    await drained(keys);
  }

  async function drained(keys: ReturnType<typeof redisKeys>) {
    await waitForDrained(env.redis, keys, 5000);
  }

  it('applies fills of three strategies to their own sleeves, journaled then acked', async () => {
    const { files, keys, manager: m } = await start();
    await addEntries(env.redis, keys.fills, [
      JSON.stringify(fill('f1', 'a', 'buy', 100, 50, 1)),
      JSON.stringify(fill('f2', 'b', 'buy', 10, 50, 0.5)),
      JSON.stringify(fill('f3', 'c', 'sell', 4, 60, 0)),
      // Same id, same content: a duplicate, applied once.
      JSON.stringify(fill('f1', 'a', 'buy', 100, 50, 1)),
      // A strategy of another portfolio and a fill addressed to another portfolio: skipped quietly.
      JSON.stringify(fill('f4', 'zzz', 'buy', 1, 50, 0)),
      JSON.stringify({ ...fill('f5', 'a', 'buy', 1, 50, 0), portfolio_id: 'other' }),
    ]);
    await drained(keys);
    const tracker = m.state;
    // Funding at targets: a 50000, b 30000, c 20000 (weights 0.5/0.3/0.2 of 100000).
    // a: 50000 - 100 x 50 - 1 = 44999; b: 30000 - 10 x 50 - 0.5 = 29499.5; c: 20000 + 4 x 60 = 20240.
    expect(tracker.getSleeve('a').cash).toBe(44_999);
    expect(tracker.getSleeve('a').positions.X?.units).toBe(100);
    expect(tracker.getSleeve('a').fees).toBe(1);
    expect(tracker.getSleeve('b').cash).toBe(29_499.5);
    expect(tracker.getSleeve('b').positions.X?.units).toBe(10);
    expect(tracker.getSleeve('c').cash).toBe(20_240);
    expect(tracker.getSleeve('c').positions.X?.units).toBe(-4);
    expect(m.counters).toMatchObject({
      fills_applied: 3,
      fills_duplicate: 1,
      fills_unknown_strategy: 1,
      fills_other_portfolio: 1,
      dead_lettered: 0,
    });
    expect(await env.redis.xlen(keys.dead)).toBe(0);
    const fills = readJournalLines(files.journalPath, PORTFOLIO.id).filter(
      (line) => line.type === 'fill',
    );
    expect(fills.map((line) => (line.fill as WireFill).fill_id)).toEqual(['f1', 'f2', 'f3']);
  });

  it('a price move past the threshold publishes order intents and a snapshot', async () => {
    const { files, keys, manager: m } = await start();
    const subscriber = connectTestRedis();
    const snapshots: Record<string, unknown>[] = [];
    try {
      subscriber.on('message', (_channel: string, message: string) => {
        snapshots.push(JSON.parse(message) as Record<string, unknown>);
      });
      await subscriber.subscribe(keys.snapshotChannel);
      // a (target 50000) buys 400 X at 100: 10000 cash + 40000 in X.
      await addEntries(env.redis, keys.fills, [
        JSON.stringify(fill('f1', 'a', 'buy', 400, 100, 0)),
      ]);
      await addEntries(env.redis, keys.prices, [
        JSON.stringify({ symbol: 'X', price: 100, timestamp_ns: '1' }),
      ]);
      await drained(keys);
      expect(await env.redis.xlen(keys.orders)).toBe(0);
      // X +40% (inside max_mark_jump 0.5): a = 10000 + 400 x 140 = 66000, equity 116000,
      // targets 58000 / 34800 / 23200, drift a = 8000 / 58000 = 0.138 > 0.05.
      await addEntries(env.redis, keys.prices, [
        JSON.stringify({ symbol: 'X', price: 140, timestamp_ns: '2' }),
      ]);
      await drained(keys);
      const orders = await waitFor(
        async () => {
          const entries = await env.redis.xrange(keys.orders, '-', '+');
          return entries.length > 0 ? entries : undefined;
        },
        5000,
        'order intents',
      );
      expect(orders).toHaveLength(1);
      const intent = JSON.parse(orders[0]?.[1][1] ?? '{}') as Record<string, unknown>;
      // Scale a's X by k = 58000 / 66000: sell 400 x (1 - k) = 400 x 8000 / 66000 units.
      expect(intent).toMatchObject({
        portfolio_id: 'svc',
        strategy_id: 'a',
        symbol: 'X',
        side: 'sell',
        reference_price: 140,
      });
      expect(intent.quantity as number).toBeCloseTo((400 * 8000) / 66_000, 9);
      expect(intent.intent_id).toBe(`${String(intent.plan_id)}:0`);

      const after = await waitFor(
        () =>
          snapshots.find(
            (snapshot) => snapshot.needs_rebalance === false && snapshot.total_equity === 116_000,
          ),
        5000,
        'post-rebalance snapshot',
      );
      // Transfers put every sleeve on its target: 58000 / 34800 / 23200.
      const allocations = after.strategy_allocations as Record<string, number>;
      expect(allocations.a).toBeCloseTo(58_000, 6);
      expect(allocations.b).toBeCloseTo(34_800, 6);
      expect(allocations.c).toBeCloseTo(23_200, 6);
      expect(await env.redis.xlen(keys.snapshots)).toBeGreaterThanOrEqual(2);

      const journal = readJournalLines(files.journalPath, PORTFOLIO.id);
      const types = journal.map((line) => line.type);
      // The plan is journaled before it is marked published, and a snapshot follows.
      const planAt = types.indexOf('plan');
      const publishedAt = types.indexOf('published');
      expect(planAt).toBeGreaterThan(0);
      expect(publishedAt).toBeGreaterThan(planAt);
      expect(journal[publishedAt]).toMatchObject({
        plan_id: intent.plan_id,
        intents: 1,
        dry_run: false,
      });
      expect(types.slice(publishedAt).includes('snapshot')).toBe(true);
      const rebalanceLog = log.lines.find((line) => line.msg === 'rebalance planned');
      expect(rebalanceLog).toMatchObject({
        event: 'rebalance',
        reason: 'threshold',
        plan_id: intent.plan_id,
      });
      expect((rebalanceLog?.drift as Record<string, number>).a).toBeCloseTo(8000 / 58_000, 12);
      expect(m.counters.plans).toBe(1);
      // The intent is unfilled and younger than plan_timeout_seconds: no second plan on another move.
      await addEntries(env.redis, keys.prices, [
        JSON.stringify({ symbol: 'X', price: 180, timestamp_ns: '3' }),
      ]);
      await drained(keys);
      expect(m.counters.plans).toBe(1);
    } finally {
      subscriber.disconnect();
    }
  });

  it('dead-letters malformed entries and keeps going', async () => {
    const { files, keys, manager: m } = await start();
    const valid = fill('ok-1', 'a', 'buy', 1, 10, 0);
    const bad: [string, string][] = [
      ['not JSON', '{"fill_id": '],
      ['missing fields', JSON.stringify({ fill_id: 'm1', strategy_id: 'a', side: 'buy' })],
      ['negative quantity', JSON.stringify({ ...valid, fill_id: 'n1', quantity: -1 })],
      [
        'NaN price',
        JSON.stringify({ ...valid, fill_id: 'nan1' }).replace('"price":10', '"price":1e999'),
      ],
      ['unknown side', JSON.stringify({ ...valid, fill_id: 's1', side: 'hold' })],
      [
        'fractional timestamp',
        JSON.stringify({ ...valid, fill_id: 't1', timestamp_ns: '1700000000000000000.5' }),
      ],
    ];
    const badIds = await addEntries(env.redis, keys.fills, [
      JSON.stringify(valid),
      ...bad.map(([, data]) => data),
    ]);
    // The same fill id with another quantity: a conflicting duplicate.
    const conflictIds = await addEntries(env.redis, keys.fills, [
      JSON.stringify({ ...valid, quantity: 2 }),
    ]);
    await addEntries(env.redis, keys.prices, [
      JSON.stringify({ symbol: 'X', price: 10, timestamp_ns: '1' }),
    ]);
    // 10 -> 16 is a 60% jump > max_mark_jump 0.5.
    const jumpIds = await addEntries(env.redis, keys.prices, [
      JSON.stringify({ symbol: 'X', price: 16, timestamp_ns: '2' }),
    ]);
    const noDataIds = [(await env.redis.xadd(keys.fills, '*', 'other_field', 'x')) ?? undefined];
    // The service is still up: a later valid fill is applied.
    await addEntries(env.redis, keys.fills, [JSON.stringify(fill('ok-2', 'b', 'buy', 1, 10, 0))]);
    await drained(keys);

    const dead = (await env.redis.xrange(keys.dead, '-', '+')).map(
      ([, fields]) =>
        JSON.parse(fields[1] ?? '{}') as {
          data: string | null;
          error: string;
          source: string;
          entry_id: string;
        },
    );
    // 6 malformed fills + 1 conflict + 1 mark jump + 1 entry without data.
    expect(dead).toHaveLength(9);
    expect(dead.slice(0, 6).map((entry) => entry.entry_id)).toEqual(badIds.slice(1));
    expect(dead.slice(0, 6).map((entry) => entry.data)).toEqual(bad.map(([, data]) => data));
    expect(dead[0]?.error).toMatch(/^not JSON/);
    expect(dead[1]?.error).toContain('quantity: is required');
    expect(dead[2]?.error).toContain('quantity: must be > 0, got -1');
    expect(dead[3]?.error).toContain('price: must be a finite number');
    expect(dead[4]?.error).toContain('side: must be one of');
    expect(dead[5]?.error).toContain('timestamp_ns');
    // Entries of the two streams may share an id (same millisecond): find them by source and id.
    const find = (source: string, id: string | undefined) =>
      dead.find((entry) => entry.source === source && entry.entry_id === id);
    expect(find('fills', conflictIds[0])?.error).toMatch(/^fill_conflict/);
    expect(find('prices', jumpIds[0])?.error).toMatch(/^mark_jump/);
    expect(find('fills', noDataIds[0])).toMatchObject({
      data: null,
      error: 'entry has no data field',
    });
    expect(m.counters.fills_applied).toBe(2);
    expect(m.counters.dead_lettered).toBe(9);
    // The bad tick was not applied: X is still valued at 10.
    expect(m.state.getPrice('X')).toBe(10);
    const errors = readJournalLines(files.journalPath, PORTFOLIO.id).filter(
      (line) => line.type === 'error',
    );
    expect(errors).toHaveLength(9);
  });

  /** A run that made one plan (its one intent published), stopped: its journal's lines, the plan's index. */
  async function afterOnePlan() {
    const first = await start();
    await triggerRebalance(first.keys);
    await waitFor(
      async () => (await env.redis.xlen(first.keys.orders)) === 1,
      5000,
      'first intent',
    );
    await stop();
    const text = readFileSync(first.files.journalPath, 'utf8').split('\n');
    const planAt = text.findIndex((entry) => entry.includes('"type":"plan"'));
    expect(planAt).toBeGreaterThan(0);
    return { first, text, planAt };
  }

  it('republishes the intents of a plan journaled but not marked published', async () => {
    const { first, text, planAt } = await afterOnePlan();
    // Cut the journal right after the plan line, as if the manager died before publishing.
    writeFileSync(first.files.journalPath, `${text.slice(0, planAt + 1).join('\n')}\n`);

    // A dry run leaves it alone...
    await start({ dryRun: true });
    await stop();
    expect(await env.redis.xlen(first.keys.orders)).toBe(1);
    // ...the next real run publishes it again.
    await start();
    await waitFor(
      async () => (await env.redis.xlen(first.keys.orders)) === 2,
      5000,
      'republished intent',
    );
    const intents = (await env.redis.xrange(first.keys.orders, '-', '+')).map(
      ([, fields]) => JSON.parse(fields[1] ?? '{}') as Record<string, unknown>,
    );
    // The same intent again (consumers dedupe by intent_id).
    expect(intents[1]).toEqual(intents[0]);
    expect(
      log.lines.some(
        (line) => line.msg === 'republished the intents of a plan not marked published',
      ),
    ).toBe(true);
    const journal = readJournalLines(first.files.journalPath, PORTFOLIO.id);
    expect(journal.filter((line) => line.type === 'published')).toHaveLength(1);
    await stop();
  });

  it('refuses a journal that lost a plan whose intents went out; --trust-journal starts without it', async () => {
    const { first, text, planAt } = await afterOnePlan();
    const [[, fields] = ['', []]] = await env.redis.xrange(first.keys.orders, '-', '+');
    const planId = (JSON.parse(fields[1] ?? '{}') as { plan_id: string }).plan_id;
    // Cut the journal just before the plan line: the plan and what followed are gone.
    writeFileSync(first.files.journalPath, `${text.slice(0, planAt).join('\n')}\n`);

    const loaded = await readConfig(first.files.basePath);
    if (!loaded.success) throw loaded.error;
    const refused = new PortfolioManager({
      config: loaded.data,
      logger: log.logger,
      lock: { retryEveryMs: 50 },
    });
    const error = await refused.run().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(JournalDamageError);
    expect((error as JournalDamageError).code).toBe('lost_lines');
    expect((error as JournalDamageError).message).toContain(
      `plan ${planId} has intents on ${first.keys.orders}`,
    );
    expect((error as JournalDamageError).line).toBe(planAt + 1);
    // Nothing was written: the journal is as cut.
    expect(readFileSync(first.files.journalPath, 'utf8')).toBe(
      `${text.slice(0, planAt).join('\n')}\n`,
    );

    await start({ trustJournal: true });
    expect(log.lines.some((line) => String(line.msg).includes(`plan ${planId} has intents`))).toBe(
      true,
    );
    await stop();
  });

  it('starts when its newest plan was forgotten past the dedupe window (not a lost plan)', async () => {
    // A window of 1.8 s, a checkpoint after every line: the plan's id is forgotten once a
    // batch runs past the window, and the checkpoint after that batch no longer holds it.
    const extra = [
      'check_interval_seconds: 60',
      'snapshot_interval_seconds: 60',
      'dedupe_window_hours: 0.0005',
      'checkpoint_every: 1',
    ];
    const first = await start({ extra });
    const nowNs = () => String(BigInt(Date.now()) * 1_000_000n);
    await addEntries(env.redis, first.keys.fills, [
      JSON.stringify({ ...fill('f1', 'a', 'buy', 400, 100, 0), timestamp_ns: nowNs() }),
    ]);
    await addEntries(env.redis, first.keys.prices, [
      JSON.stringify({ symbol: 'X', price: 100, timestamp_ns: nowNs() }),
    ]);
    await addEntries(env.redis, first.keys.prices, [
      JSON.stringify({ symbol: 'X', price: 140, timestamp_ns: nowNs() }),
    ]);
    await waitFor(async () => (await env.redis.xlen(first.keys.orders)) === 1, 5000, 'the intent');
    const [[, fields] = ['', []]] = await env.redis.xrange(first.keys.orders, '-', '+');
    const planId = (JSON.parse(fields[1] ?? '{}') as { plan_id: string }).plan_id;
    expect(first.manager.state.hasPlan(planId)).toBe(true);
    // Past the window, one more mark: its batch moves the horizon past the plan.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await addEntries(env.redis, first.keys.prices, [
      JSON.stringify({ symbol: 'X', price: 139, timestamp_ns: nowNs() }),
    ]);
    await drained(first.keys);
    expect(first.manager.state.hasPlan(planId)).toBe(false);
    await stop();

    // The orders stream still names that plan as the newest; the journal's state forgot it
    // rightly, so the start goes on (before, this refused with lost_lines).
    const second = await start({ extra });
    expect(second.manager.state.hasPlan(planId)).toBe(false);
    expect(log.lines.some((line) => String(line.msg).includes(`plan ${planId} has intents`))).toBe(
      false,
    );
    await stop();
  });

  it('journals and applies a changed portfolio config on restart', async () => {
    const first = await start();
    await stop();
    const changed: TestPortfolio = { ...PORTFOLIO, weights: { a: 0.6, b: 0.4 } };
    const second = await start({ portfolio: changed });
    const configs = readJournalLines(first.files.journalPath, PORTFOLIO.id).filter(
      (line) => line.type === 'config',
    );
    expect(configs).toHaveLength(2);
    expect(configs[1]?.previous_hash).toBe(configs[0]?.hash);
    expect(configs[1]?.hash).not.toBe(configs[0]?.hash);
    // c left the config: its sleeve (20000 cash) is retired with target 0 until wound down.
    expect(second.manager.state.getSleeve('c').retired).toBe(true);
    expect(second.manager.state.getSnapshot(0n).targetAllocations.c ?? 0).toBe(0);
    await stop();
    // A third start with the same config journals no new config line.
    await start({ portfolio: changed });
    await stop();
    expect(
      readJournalLines(first.files.journalPath, PORTFOLIO.id).filter(
        (line) => line.type === 'config',
      ),
    ).toHaveLength(2);
  });

  it('--dry-run plans and journals but publishes no order intent', async () => {
    const { files, keys, manager: m } = await start({ dryRun: true });
    await triggerRebalance(keys);
    await waitFor(
      () =>
        m.counters.plans === 1 &&
        readJournalLines(files.journalPath).some((l) => l.type === 'published'),
      5000,
      'dry-run plan',
    );
    expect(await env.redis.xlen(keys.orders)).toBe(0);
    const published = readJournalLines(files.journalPath, PORTFOLIO.id).find(
      (line) => line.type === 'published',
    );
    expect(published).toMatchObject({ dry_run: true, intents: 0 });
  });
});
