// The paper broker on the real Redis: fills at the mark as of the intent with the portfolio's
// costs, once per intent across restarts and a crash between the fill and its ack.
import { readConfig } from '../config.js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  addEntries,
  connectTestRedis,
  deleteKeys,
  memoryLogger,
  tempDir,
  uniquePrefix,
  waitFor,
  writeConfigs,
} from '../test-support.js';
import { PaperBroker } from './broker.js';

const PORTFOLIO_TEXT = [
  'portfolio:',
  '  id: opspaper',
  '  total_capital: 100000',
  '  rebalance_threshold: 0.05',
  '  costs: {commission_bps: 10, commission_min: 2, slippage_bps: 5}',
  '  allocations:',
  '    - {strategy_id: a, target_weight: 0.6, min_capital: 0, max_capital: 1000000}',
  '    - {strategy_id: b, target_weight: 0.4, min_capital: 0, max_capital: 1000000}',
  '',
].join('\n');

const intent = (id: string, fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    intent_id: id,
    plan_id: 'p1',
    portfolio_id: 'opspaper',
    strategy_id: 'a',
    symbol: 'AAA',
    side: 'buy',
    quantity: 10,
    reference_price: 100,
    timestamp_ns: '2000',
    ...fields,
  });

describe('njord-paper-broker', () => {
  const redis = connectTestRedis();
  const prefix = uniquePrefix('ops-paper');
  const dir = tempDir('ops-paper');
  let broker: PaperBroker | undefined;
  let running: Promise<void> | undefined;

  afterEach(async () => {
    broker?.stop();
    await running;
    await deleteKeys(redis, prefix);
  });

  async function start() {
    const files = writeConfigs(dir, {
      prefix,
      portfolio: { id: 'opspaper', totalCapital: 1, threshold: 1, weights: {} },
      portfolioText: PORTFOLIO_TEXT,
    });
    const loaded = await readConfig(files.basePath);
    if (!loaded.success) throw loaded.error;
    broker = new PaperBroker(loaded.data, memoryLogger().logger, { blockMs: 100 });
    running = broker.run();
    return broker;
  }

  async function fills() {
    const entries = await redis.xrange(`${prefix}:fills`, '-', '+');
    return entries.map(([, fields]) => JSON.parse(fields[1] as string) as Record<string, unknown>);
  }

  it('fills at the mark as of the intent, with commission and slippage as the fee', async () => {
    await addEntries(redis, `${prefix}:prices`, [
      JSON.stringify({ symbol: 'AAA', price: 110, timestamp_ns: '1000' }),
      JSON.stringify({ symbol: 'AAA', price: 120, timestamp_ns: '2000' }),
      // Arrived before the broker looked, but stamped after the intent: not its price.
      JSON.stringify({ symbol: 'AAA', price: 999, timestamp_ns: '3000' }),
    ]);
    await addEntries(redis, `${prefix}:orders`, [
      intent('p1:0'),
      intent('p1:1', { symbol: 'BBB', side: 'sell', quantity: 4, reference_price: 50 }),
      intent('x:0', { portfolio_id: 'someone-else' }),
      '{"not": "an intent"}',
    ]);
    const started = await start();
    await waitFor(async () => (await fills()).length === 2, 5000, 'two fills');
    await waitFor(() => started.counters.invalid === 1, 5000, 'the invalid entry');
    const [first, second] = await fills();
    // AAA at 120 (the mark at 2000): notional 1200, commission max(2, 10 x 1200 / 1e4 = 1.2) = 2,
    // slippage 5 x 1200 / 1e4 = 0.6: fee 2.6.
    expect(first).toMatchObject({
      fill_id: 'paper:p1:0',
      intent_id: 'p1:0',
      portfolio_id: 'opspaper',
      strategy_id: 'a',
      symbol: 'AAA',
      side: 'buy',
      quantity: 10,
      price: 120,
      timestamp_ns: '2000',
    });
    expect(first?.fee).toBeCloseTo(2.6, 12);
    // BBB has no mark: its reference price 50; notional 200: commission 2, slippage 0.1.
    expect(second).toMatchObject({ fill_id: 'paper:p1:1', price: 50, side: 'sell', quantity: 4 });
    expect(second?.fee).toBeCloseTo(2.1, 12);
    expect(started.counters).toMatchObject({ filled: 2, other_portfolio: 1, invalid: 1 });
    // Everything acknowledged.
    const pending = (await redis.xpending(`${prefix}:orders`, 'paper-broker:opspaper')) as [number];
    expect(pending[0]).toBe(0);
  });

  it('fills each intent once across a restart, a resent intent and a crash before the ack', async () => {
    await addEntries(redis, `${prefix}:orders`, [intent('p1:0')]);
    const first = await start();
    await waitFor(async () => (await fills()).length === 1, 5000, 'the first fill');
    first.stop();
    await running;
    broker = undefined;

    // While it is down: the same intent resent, a new one, and one a crashed broker had
    // delivered and filled (its ledger entry and fill are in) but not acknowledged.
    await addEntries(redis, `${prefix}:orders`, [intent('p1:0'), intent('p1:1')]);
    const [crashedId] = await addEntries(redis, `${prefix}:orders`, [intent('p1:2')]);
    await redis.call(
      'XREADGROUP',
      'GROUP',
      'paper-broker:opspaper',
      'paper-broker',
      'COUNT',
      10,
      'STREAMS',
      `${prefix}:orders`,
      '>',
    );
    await redis.hset(`${prefix}:paper-broker:opspaper:filled`, 'p1:2', crashedId as string);
    await addEntries(redis, `${prefix}:fills`, [
      JSON.stringify({ fill_id: 'paper:p1:2', note: 'written by the crashed broker' }),
    ]);

    const second = await start();
    await waitFor(() => second.counters.duplicates === 2, 5000, 'the duplicates');
    await waitFor(() => second.counters.filled === 1, 5000, 'the new fill');
    const ids = (await fills()).map((fill) => fill.fill_id);
    // One fill per intent: p1:0 (first run), p1:2 (the crashed run), p1:1 (this run).
    expect(ids).toEqual(['paper:p1:0', 'paper:p1:2', 'paper:p1:1']);
    const pending = (await redis.xpending(`${prefix}:orders`, 'paper-broker:opspaper')) as [number];
    expect(pending[0]).toBe(0);
  });
});
