// The live path reproduces a backtest: the golden monthly portfolio (threshold only, zero
// costs, fractional units) is backtested with --tape; the tape is played through the manager
// (clock: event) and the paper broker on the real Redis, settling after each bar's check.
// Same rebalance times, plans and final sleeves as the backtest, to 1e-9.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJournalLines } from './test-support.js';
import {
  backtestWithTape,
  closeTo,
  playThroughManager,
  REPO_ROOT,
  useInProcessManager,
  type WirePlan,
  type WireTrade,
} from './test-support/fixtures.js';

const DATA = join(REPO_ROOT, 'data', 'stocks-monthly.csv');

// The golden test's sleeves (packages/portfolio-backtest/src/engine/golden.test.ts).
const GOLDEN_YAML = [
  'portfolio:',
  '  id: golden',
  '  total_capital: 1000000',
  '  rebalance_threshold: 0.05',
  '  min_trade_value: 0',
  '  allocations:',
  '    - strategy_id: tech_hold',
  '      target_weight: 0.5',
  '      min_capital: 0',
  '      max_capital: 1000000000000',
  '      strategy: {kind: buy_and_hold, params: {weights: {AAPL: 0.5, MSFT: 0.5}}}',
  '    - strategy_id: mix',
  '      target_weight: 0.3',
  '      min_capital: 0',
  '      max_capital: 1000000000000',
  '      strategy: {kind: fixed_weights, params: {weights: {IBM: 0.6, AMZN: 0.4}}}',
  '    - strategy_id: apple_ibm',
  '      target_weight: 0.2',
  '      min_capital: 0',
  '      max_capital: 1000000000000',
  '      strategy: {kind: fixed_weights, params: {weights: {AAPL: 0.3, IBM: 0.7}}}',
  '',
].join('\n');

function expectPlansEqual(live: WirePlan[], backtest: WirePlan[]): void {
  expect(live.map((p) => [p.timestamp_ns, p.reason])).toEqual(
    backtest.map((p) => [p.timestamp_ns, p.reason]),
  );
  live.forEach((plan, i) => {
    const other = backtest[i] as WirePlan;
    expect(Object.keys(plan.transfers).sort()).toEqual(Object.keys(other.transfers).sort());
    for (const [id, amount] of Object.entries(plan.transfers))
      expect(closeTo(amount, other.transfers[id] as number), `plan ${i} transfer ${id}`).toBe(true);
    const key = (t: WireTrade) => `${t.strategy_id}/${t.symbol}/${t.side}`;
    expect(plan.trades.map(key).sort()).toEqual(other.trades.map(key).sort());
    for (const trade of plan.trades) {
      const match = other.trades.find((t) => key(t) === key(trade)) as WireTrade;
      expect(closeTo(trade.quantity, match.quantity), `plan ${i} ${key(trade)}`).toBe(true);
    }
  });
}

describe('the live path reproduces the golden backtest', () => {
  const env = useInProcessManager('ops-parity');

  it('same rebalance times, plans and final sleeves through a tape, the manager and the paper broker', async () => {
    const { tapePath, result } = backtestWithTape(env.dir, 'golden', GOLDEN_YAML, DATA);
    expect(result.rebalances.length).toBeGreaterThan(0);

    const { manager, broker, files } = await playThroughManager(env, {
      portfolioId: 'golden',
      portfolioText: GOLDEN_YAML,
      tapePath,
      // Monthly closes move more than the default 50% guard now and then (a backtest has none).
      extra: ['max_mark_jump: 1000'],
    });
    await env.stop();

    const livePlans = readJournalLines(files.journalPath, 'golden')
      .filter((line) => line.type === 'plan')
      .map((line) => line.plan as WirePlan);
    expectPlansEqual(livePlans, result.rebalances);
    // Every rebalance trade was filled on paper, once.
    const intents = result.rebalances.reduce((n, plan) => n + plan.trades.length, 0);
    expect(broker.counters.filled).toBe(intents);
    expect(manager.counters.fills_duplicate).toBe(0);
    expect(manager.counters.dead_lettered).toBe(0);

    const final = manager.state.getSnapshot(0n).strategyAllocations;
    const last = result.equity_curve[result.equity_curve.length - 1];
    expect(last).toBeDefined();
    for (const [id, capital] of Object.entries(last?.strategies ?? {}))
      expect(closeTo(final[id] as number, capital), `final sleeve ${id}`).toBe(true);
  }, 180_000);
});
