// Hand-calculated rebalance plans: a three-strategy scenario, netting, and every edge case.
import { AllocationCalculator } from '@njord/portfolio-allocator';
import {
  createIdRecord,
  decodeRebalancePlan,
  encodeRebalancePlan,
  parsePortfolioConfig,
  type PortfolioStateView,
  type PriceMap,
  type RebalancePlan,
} from '@njord/portfolio-contracts';
import { PositionSizer } from '@njord/portfolio-sizer';
import { describe, expect, it } from 'vitest';
import { Rebalancer, type RebalanceOptions } from './rebalancer.js';
import { applyPlan, portfolioCash, sleeveCapital } from './plan.test-util.js';

const NOW = 1_750_000_000_000_000_000n;

function close(actual: number | undefined, expected: number, tolerance = 1e-9) {
  expect(actual).toBeDefined();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(
    tolerance * Math.max(1, Math.abs(expected)),
  );
}

function makeRebalancer(portfolio: Record<string, unknown>, options?: RebalanceOptions) {
  const config = parsePortfolioConfig({ portfolio: { rebalance_threshold: 0.05, ...portfolio } });
  return new Rebalancer(new AllocationCalculator(config), new PositionSizer(config), options);
}

function planOf(result: ReturnType<Rebalancer['createRebalancePlan']>): RebalancePlan {
  if (!result.success) throw result.error;
  return result.data;
}

function tradeSummary(plan: RebalancePlan) {
  return plan.trades.map((t) => [
    t.intentId,
    t.strategyId,
    t.symbol,
    t.side,
    t.quantity,
    t.referencePrice,
  ]);
}

// ---------------------------------------------------------------------------------------
// Scenario: three strategies, two symbols each, weights .5/.3/.2, bounds never binding.
// Costs: commission 10 bps (min 1), slippage 5 bps; lot size 1 everywhere; min_trade_value 10.
// After a price move the sleeves are worth
//   A: X 100 @ 250 + Y 200 @ 100 + cash 17,500 = 25,000 + 20,000 + 17,500 = 62,500
//   B: Y 150 @ 100 + Z 100 @ 180 + cash  4,500 = 15,000 + 18,000 +  4,500 = 37,500
//   C: W  50 @ 160 + V 100 @  90 + cash  3,000 =  8,000 +  9,000 +  3,000 = 20,000
// Equity 120,000 -> targets .5/.3/.2 = 60,000 / 36,000 / 24,000: A and B are over, C under.
// Transfers: A 60,000 - 62,500 = -2,500; B 36,000 - 37,500 = -1,500; C 24,000 - 20,000 = +4,000.
// k: A 60/62.5 = 0.96, B 36/37.5 = 0.96, C 24/20 = 1.2.
// Trades units x (k - 1):
//   A X 100 x -0.04 = -4 (1,000)   A Y 200 x -0.04 = -8 (800)
//   B Y 150 x -0.04 = -6 (600)     B Z 100 x -0.04 = -4 (720)
//   C W  50 x  0.2  = 10 (1,600)   C V 100 x  0.2  = 20 (1,800)
// Costs: commission max(1, N/1000), slippage N/2000:
//   A X 1 + 0.5; A Y 1 (min) + 0.4; B Y 1 (min) + 0.3; B Z 1 (min) + 0.36;
//   C W 1.6 + 0.8; C V 1.8 + 0.9.  Per sleeve: A 2.9, B 2.66, C 5.1; total 10.66.
// Cash 25,000 + sells 3,120 - buys 3,400 - costs 10.66 = 24,709.34 >= 0: no buy is scaled.
// Drift before: A 2.5/60 = 0.041667, B 1.5/36 = 0.041667, C -4/24 = -0.166667 -> `threshold`.
// Drift after = -costs/target; reduction = |before| - |after|:
//   A (2,500 - 2.9)/60,000, B (1,500 - 2.66)/36,000, C (4,000 - 5.1)/24,000.
// ---------------------------------------------------------------------------------------
const scenarioPortfolio = {
  id: 'scenario',
  total_capital: 120_000,
  allocations: [
    { strategy_id: 'A', target_weight: 0.5, min_capital: 0, max_capital: 1_000_000 },
    { strategy_id: 'B', target_weight: 0.3, min_capital: 0, max_capital: 1_000_000 },
    { strategy_id: 'C', target_weight: 0.2, min_capital: 0, max_capital: 1_000_000 },
  ],
  costs: { commission_bps: 10, commission_min: 1, slippage_bps: 5 },
  instruments: Object.fromEntries(['V', 'W', 'X', 'Y', 'Z'].map((s) => [s, { lot_size: 1 }])),
};
const scenarioPrices: PriceMap = { X: 250, Y: 100, Z: 180, W: 160, V: 90 };
const scenarioState: PortfolioStateView = {
  portfolioId: 'scenario',
  sleeves: [
    { strategyId: 'A', cash: 17_500, positions: { X: 100, Y: 200 } },
    { strategyId: 'B', cash: 4_500, positions: { Y: 150, Z: 100 } },
    { strategyId: 'C', cash: 3_000, positions: { W: 50, V: 100 } },
  ],
  unallocatedCash: 0,
  lastRebalanceNs: 0n,
};

describe('three-strategy scenario', () => {
  const plan = planOf(
    makeRebalancer(scenarioPortfolio).createRebalancePlan(scenarioState, scenarioPrices, NOW),
  );

  it('transfers target - capital', () => {
    close(plan.transfers['A'], -2_500);
    close(plan.transfers['B'], -1_500);
    close(plan.transfers['C'], 4_000);
  });

  it('scales positions pro rata, sells first, with sequential intent ids', () => {
    expect(tradeSummary(plan)).toEqual([
      ['scenario-1750000000000000000:0', 'A', 'X', 'sell', 4, 250],
      ['scenario-1750000000000000000:1', 'A', 'Y', 'sell', 8, 100],
      ['scenario-1750000000000000000:2', 'B', 'Y', 'sell', 6, 100],
      ['scenario-1750000000000000000:3', 'B', 'Z', 'sell', 4, 180],
      ['scenario-1750000000000000000:4', 'C', 'W', 'buy', 10, 160],
      ['scenario-1750000000000000000:5', 'C', 'V', 'buy', 20, 90],
    ]);
    expect(plan.skipped).toEqual([]);
    expect(plan.planId).toBe('scenario-1750000000000000000');
    expect(
      plan.trades.every(
        (t) => t.planId === plan.planId && t.timestampNs === NOW && t.portfolioId === 'scenario',
      ),
    ).toBe(true);
  });

  it('charges commission (with its minimum) and slippage per trade', () => {
    const costs = plan.trades.map((t) => [t.commission, t.slippage]);
    const expected = [
      [1, 0.5],
      [1, 0.4],
      [1, 0.3],
      [1, 0.36],
      [1.6, 0.8],
      [1.8, 0.9],
    ];
    costs.forEach(([commission, slippage], i) => {
      close(commission, expected[i]![0]!);
      close(slippage, expected[i]![1]!);
    });
    close(plan.estimatedCosts, 10.66);
  });

  it('reports the reason and the expected drift reduction', () => {
    expect(plan.reason).toBe('threshold');
    close(plan.expectedDriftReduction['A'], 2_497.1 / 60_000);
    close(plan.expectedDriftReduction['B'], 1_497.34 / 36_000);
    close(plan.expectedDriftReduction['C'], 3_994.9 / 24_000);
    expect(plan.internalFills).toBeUndefined();
  });

  it('applied, leaves each sleeve at target minus its costs', () => {
    const after = applyPlan(scenarioState, plan);
    const [a, b, c] = after.sleeves.map((s) => sleeveCapital(s, scenarioPrices));
    close(a, 60_000 - 2.9);
    close(b, 36_000 - 2.66);
    close(c, 24_000 - 5.1);
    // A's cash 17,500 - 2,500 + 1,000 + 800 - 2.9 = 16,797.1.
    close(after.sleeves[0]!.cash, 16_797.1);
    expect(after.sleeves[2]!.positions).toEqual({ W: 60, V: 120 });
  });

  it('is a valid RebalancePlan on the wire', () => {
    const wire = JSON.parse(JSON.stringify(encodeRebalancePlan(plan))) as unknown;
    expect(decodeRebalancePlan(wire)).toEqual(plan);
  });
});

describe('netting', () => {
  // The scenario with C holding Y instead of V: C: W 50 @ 160 + Y 90 @ 100 + 3,000 = 20,000, so
  // the targets and k are unchanged. Y: A sells 8, B sells 6, C buys 90 x 0.2 = 18.
  // Crossed: A -> C 8 (net:0 sell, net:1 buy), B -> C 6 (net:2, net:3); C buys the other 4 outside.
  // External: A X sell 4 (1 + 0.5), B Z sell 4 (1 + 0.36), C W buy 10 (1.6 + 0.8),
  //   C Y buy 4 = 400 (commission max(1, 0.4) = 1, slippage 0.2): total 6.46.
  // Without netting: A Y 1.4, B Y 1.3, C Y 1,800 -> 2.7 instead of C Y 400 -> 1.2:
  //   savings 1.4 + 1.3 + 2.7 - 1.2 = 4.2.
  const state: PortfolioStateView = {
    ...scenarioState,
    sleeves: [
      scenarioState.sleeves[0]!,
      scenarioState.sleeves[1]!,
      { strategyId: 'C', cash: 3_000, positions: { W: 50, Y: 90 } },
    ],
  };
  const plan = planOf(
    makeRebalancer(scenarioPortfolio, { netting: true }).createRebalancePlan(
      state,
      scenarioPrices,
      NOW,
      { planId: 'p1' },
    ),
  );

  it('crosses opposite intents between sleeves as internal fills at no cost', () => {
    expect(
      plan.internalFills!.map((f) => [
        f.fillId,
        f.strategyId,
        f.symbol,
        f.side,
        f.quantity,
        f.price,
        f.fee,
      ]),
    ).toEqual([
      ['p1:net:0', 'A', 'Y', 'sell', 8, 100, 0],
      ['p1:net:1', 'C', 'Y', 'buy', 8, 100, 0],
      ['p1:net:2', 'B', 'Y', 'sell', 6, 100, 0],
      ['p1:net:3', 'C', 'Y', 'buy', 6, 100, 0],
    ]);
  });

  it('sends only the net remainder out', () => {
    expect(tradeSummary(plan)).toEqual([
      ['p1:0', 'A', 'X', 'sell', 4, 250],
      ['p1:1', 'B', 'Z', 'sell', 4, 180],
      ['p1:2', 'C', 'W', 'buy', 10, 160],
      ['p1:3', 'C', 'Y', 'buy', 4, 100],
    ]);
    close(plan.estimatedCosts, 6.46);
    close(plan.nettingSavings, 4.2);
  });

  it('ends in the same positions as without netting', () => {
    const plain = planOf(
      makeRebalancer(scenarioPortfolio).createRebalancePlan(state, scenarioPrices, NOW),
    );
    const netted = applyPlan(state, plan);
    const unnetted = applyPlan(state, plain);
    netted.sleeves.forEach((sleeve, i) =>
      expect(sleeve.positions).toEqual(unnetted.sleeves[i]!.positions),
    );
  });
});

// ---------------------------------------------------------------------------------------
// A pair for edge cases: weights .5/.5; A: X 125 @ 100 = 12,500, B: Y 75 @ 100 = 7,500, no cash.
// Equity 20,000 -> targets 10,000 each; k_A = 0.8 -> sell 125 x 0.2 = 25 X (2,500);
// k_B = 10,000/7,500 -> buy 75 x 1/3 = 25 Y (2,500). Lot size 1 unless a test says otherwise.
// ---------------------------------------------------------------------------------------
function pair(extra: Record<string, unknown> = {}) {
  return {
    id: 'pair',
    total_capital: 20_000,
    allocations: [
      { strategy_id: 'A', target_weight: 0.5, min_capital: 0, max_capital: 100_000 },
      { strategy_id: 'B', target_weight: 0.5, min_capital: 0, max_capital: 100_000 },
    ],
    instruments: { X: { lot_size: 1 }, Y: { lot_size: 1 } },
    ...extra,
  };
}
const pairPrices: PriceMap = { X: 100, Y: 100 };
function pairState(
  a: { cash?: number; X?: number } = {},
  b: { cash?: number; Y?: number } = {},
): PortfolioStateView {
  return {
    portfolioId: 'pair',
    sleeves: [
      { strategyId: 'A', cash: a.cash ?? 0, positions: { X: a.X ?? 125 } },
      { strategyId: 'B', cash: b.cash ?? 0, positions: { Y: b.Y ?? 75 } },
    ],
    unallocatedCash: 0,
    lastRebalanceNs: 0n,
  };
}

describe('edge cases', () => {
  it('the base pair trades 25 X out and 25 Y in', () => {
    const plan = planOf(makeRebalancer(pair()).createRebalancePlan(pairState(), pairPrices, NOW));
    expect(tradeSummary(plan).map((t) => t.slice(1))).toEqual([
      ['A', 'X', 'sell', 25, 100],
      ['B', 'Y', 'buy', 25, 100],
    ]);
  });

  it('portfolio equity <= 0 halts', () => {
    // A: cash -12,600 + 125 x 100 = -100; B: 0 + 75 x 100 = 7,500 ... make B -7,500 too: equity -100.
    const negative = pairState({ cash: -12_600 }, { cash: -7_500 });
    const result = makeRebalancer(pair()).createRebalancePlan(negative, pairPrices, NOW);
    expect(result.success).toBe(false);
    if (!result.success)
      expect([result.error._tag, result.error.code]).toEqual([
        'RebalanceError',
        'portfolio_halted',
      ]);
    // Exactly 0: A -12,500 + 12,500, B -7,500 + 7,500.
    const zero = makeRebalancer(pair()).createRebalancePlan(
      pairState({ cash: -12_500 }, { cash: -7_500 }),
      pairPrices,
      NOW,
    );
    expect(!zero.success && zero.error.code).toBe('portfolio_halted');
  });

  it('a held symbol without a usable price fails with unvalued_symbol', () => {
    for (const prices of [{ X: 100 }, { X: 100, Y: 0 }, { X: 100, Y: Number.NaN }]) {
      const result = makeRebalancer(pair()).createRebalancePlan(pairState(), prices, NOW);
      expect(result.success).toBe(false);
      if (!result.success)
        expect([result.error.code, result.error.strategyId, result.error.symbol]).toEqual([
          'unvalued_symbol',
          'B',
          'Y',
        ]);
    }
    // A symbol with 0 units needs no price.
    const flat: PortfolioStateView = {
      ...pairState(),
      sleeves: [pairState().sleeves[0]!, { strategyId: 'B', cash: 7_500, positions: { Q: 0 } }],
    };
    expect(makeRebalancer(pair()).createRebalancePlan(flat, pairPrices, NOW).success).toBe(true);
  });

  it('a non-tradable symbol is skipped with no_bar, its desired quantity recorded', () => {
    // Without the sale of X the portfolio has no cash (0 before, floor 0) for B's 25 Y: the buy is
    // skipped for cash as well.
    const plan = planOf(
      makeRebalancer(pair()).createRebalancePlan(pairState(), pairPrices, NOW, {
        tradable: (s) => s !== 'X',
      }),
    );
    expect(plan.skipped.map((s) => [s.strategyId, s.symbol, s.reason])).toEqual([
      ['A', 'X', 'no_bar'],
      ['B', 'Y', 'cash'],
    ]);
    close(plan.skipped[0]!.quantity, -25);
    close(plan.skipped[1]!.quantity, 25);
    expect(plan.trades).toEqual([]);
    // The transfers do not depend on what trades: A still gives 2,500.
    close(plan.transfers['A'], -2_500);
    // With Y not tradable instead, A's sale goes through and B's buy is no_bar.
    const other = planOf(
      makeRebalancer(pair()).createRebalancePlan(pairState(), pairPrices, NOW, {
        tradable: (s) => s !== 'Y',
      }),
    );
    expect(tradeSummary(other).map((t) => t.slice(1))).toEqual([['A', 'X', 'sell', 25, 100]]);
    expect(other.skipped.map((s) => [s.symbol, s.reason])).toEqual([['Y', 'no_bar']]);
  });

  it('lot rounding to zero and min_notional skip with their reasons', () => {
    // Lot 50: -25 X is half a lot -> rounded_to_zero. Y min_notional 3,000 > 2,500 -> below_min_notional.
    const rebalancer = makeRebalancer(
      pair({ instruments: { X: { lot_size: 50 }, Y: { lot_size: 1, min_notional: 3_000 } } }),
    );
    const plan = planOf(rebalancer.createRebalancePlan(pairState(), pairPrices, NOW));
    expect(plan.trades).toEqual([]);
    expect(plan.skipped.map((s) => [s.strategyId, s.symbol, s.reason])).toEqual([
      ['A', 'X', 'rounded_to_zero'],
      ['B', 'Y', 'below_min_notional'],
    ]);
    close(plan.skipped[0]!.quantity, -25);
    close(plan.skipped[1]!.quantity, 25);
  });

  it('rounding keeps the residual as sleeve cash', () => {
    // Lot 10: -25 X -> -20 (toward zero), +25 Y -> +20. A's cash 0 - 2,500 + 2,000 = -500 is
    // the residual; capital still equals the target: -500 + 105 x 100 = 10,000.
    const rebalancer = makeRebalancer(
      pair({ instruments: { X: { lot_size: 10 }, Y: { lot_size: 10 } } }),
    );
    const plan = planOf(rebalancer.createRebalancePlan(pairState(), pairPrices, NOW));
    expect(tradeSummary(plan).map((t) => t.slice(2, 5))).toEqual([
      ['X', 'sell', 20],
      ['Y', 'buy', 20],
    ]);
    const after = applyPlan(pairState(), plan);
    close(after.sleeves[0]!.cash, -500);
    close(sleeveCapital(after.sleeves[0]!, pairPrices), 10_000);
  });

  it('min_trade_value: equal passes, below is skipped', () => {
    // Both trades are worth exactly 2,500.
    const at = planOf(
      makeRebalancer(pair(), { minTradeValue: 2_500 }).createRebalancePlan(
        pairState(),
        pairPrices,
        NOW,
      ),
    );
    expect(at.trades).toHaveLength(2);
    const above = planOf(
      makeRebalancer(pair(), { minTradeValue: 2_500.01 }).createRebalancePlan(
        pairState(),
        pairPrices,
        NOW,
      ),
    );
    expect(above.trades).toEqual([]);
    expect(above.skipped.map((s) => s.reason)).toEqual([
      'below_min_trade_value',
      'below_min_trade_value',
    ]);
    // The config's min_trade_value is the default.
    const fromConfig = planOf(
      makeRebalancer(pair({ min_trade_value: 3_000 })).createRebalancePlan(
        pairState(),
        pairPrices,
        NOW,
      ),
    );
    expect(fromConfig.trades).toEqual([]);
  });

  it('buys are scaled down when cash would go below 0 (lots)', () => {
    // Commission 10 bps, no cash. Sell 25 X: +2,500 - 2.5. Buy 25 Y would cost 2,500 + 2.5:
    // cash after -5 < min(0, 0). Budget 2,500 - 2.5 = 2,497.5; a buy of q lots costs 100.1 q,
    // q <= 24.95 -> 24 Y (2,400 + 2.4); 1 Y skipped for cash. Cash after 2,497.5 - 2,402.4 = 95.1.
    const rebalancer = makeRebalancer(pair({ costs: { commission_bps: 10 } }));
    const plan = planOf(rebalancer.createRebalancePlan(pairState(), pairPrices, NOW));
    expect(tradeSummary(plan).map((t) => t.slice(1, 5))).toEqual([
      ['A', 'X', 'sell', 25],
      ['B', 'Y', 'buy', 24],
    ]);
    expect(plan.skipped).toEqual([{ strategyId: 'B', symbol: 'Y', quantity: 1, reason: 'cash' }]);
    close(plan.estimatedCosts, 4.9);
    close(portfolioCash(applyPlan(pairState(), plan)), 95.1);
  });

  it('buys are scaled down exactly to the cash floor (fractional units)', () => {
    // As above without lots: buy q Y costs 100.1 q <= 2,497.5 -> q = 2,497.5 / 100.1 = 24.9500...
    const rebalancer = makeRebalancer(pair({ costs: { commission_bps: 10 }, instruments: {} }));
    const plan = planOf(rebalancer.createRebalancePlan(pairState(), pairPrices, NOW));
    close(plan.trades[1]!.quantity, 2_497.5 / 100.1);
    expect(plan.skipped.map((s) => [s.symbol, s.reason])).toEqual([['Y', 'cash']]);
    close(plan.skipped[0]!.quantity, 25 - 2_497.5 / 100.1);
    close(portfolioCash(applyPlan(pairState(), plan)), 0, 1e-6);
  });

  it('negative cash before is the floor: buys are not scaled while cash stays above it', () => {
    // A: X 135 @ 100 + cash -1,000 = 12,500. Sell 135 x 0.2 = 27 X; buy 25 Y. Commission 10 bps:
    // cash -1,000 + 2,700 - 2.7 - 2,500 - 2.5 = -805.2 >= min(0, -1,000): nothing scaled.
    const rebalancer = makeRebalancer(pair({ costs: { commission_bps: 10 } }));
    const state = pairState({ cash: -1_000, X: 135 });
    const plan = planOf(rebalancer.createRebalancePlan(state, pairPrices, NOW));
    expect(tradeSummary(plan).map((t) => t.slice(2, 5))).toEqual([
      ['X', 'sell', 27],
      ['Y', 'buy', 25],
    ]);
    expect(plan.skipped).toEqual([]);
    close(portfolioCash(applyPlan(state, plan)), -805.2);
  });

  it('a sleeve with capital <= 0 is closed out and funded in cash', () => {
    // B: cash 1,000 and short 20 Y @ 100 -> capital -1,000. Equity 12,500 - 1,000 = 11,500,
    // targets 5,750 each. A: k = 5,750/12,500 = 0.46, sell 125 x 0.54 = 67.5 -> 67 (lot 1).
    // B buys back all 20 Y; transfer 5,750 - (-1,000) = 6,750; A's -6,750.
    const state = pairState({}, { cash: 1_000, Y: -20 });
    const plan = planOf(makeRebalancer(pair()).createRebalancePlan(state, pairPrices, NOW));
    close(plan.transfers['A'], -6_750);
    close(plan.transfers['B'], 6_750);
    expect(tradeSummary(plan).map((t) => t.slice(1, 5))).toEqual([
      ['A', 'X', 'sell', 67],
      ['B', 'Y', 'buy', 20],
    ]);
    const after = applyPlan(state, plan);
    expect(after.sleeves[1]!.positions).toEqual({ Y: 0 });
    close(after.sleeves[1]!.cash, 5_750);
  });

  it('a zero-capital sleeve with no positions is funded by its transfer alone', () => {
    // A: 125 X = 12,500, B: nothing. Targets 6,250 each: A sells 125 x 0.5 = 62.5 -> 62 X.
    const state: PortfolioStateView = {
      ...pairState(),
      sleeves: [pairState().sleeves[0]!, { strategyId: 'B', cash: 0, positions: {} }],
    };
    const plan = planOf(makeRebalancer(pair()).createRebalancePlan(state, pairPrices, NOW));
    close(plan.transfers['B'], 6_250);
    expect(tradeSummary(plan).map((t) => t.slice(1, 5))).toEqual([['A', 'X', 'sell', 62]]);
  });

  it('transfers include the change in unallocated cash', () => {
    // Max 9,000 each: equity 20,000 + 1,000 unallocated = 21,000 > 18,000 -> targets 9,000,
    // unallocated 3,000. Transfers A -3,500, B +1,500; sum -2,000 = -(3,000 - 1,000).
    const state = { ...pairState(), unallocatedCash: 1_000 };
    const bounded = pair({
      allocations: [
        { strategy_id: 'A', target_weight: 0.5, min_capital: 0, max_capital: 9_000 },
        { strategy_id: 'B', target_weight: 0.5, min_capital: 0, max_capital: 9_000 },
      ],
    });
    const plan = planOf(makeRebalancer(bounded).createRebalancePlan(state, pairPrices, NOW));
    close(plan.transfers['A'], -3_500);
    close(plan.transfers['B'], 1_500);
    close(applyPlan(state, plan).unallocatedCash, 3_000);
  });

  it('a sleeve whose strategy left the config winds down to target 0', () => {
    // State also holds `old`: 20 X @ 100 = 2,000. Equity 22,000 -> A and B 11,000 each, old 0.
    // old sells all 20 X (k = 0) and transfers -2,000; A: k = 11,000/12,500 = 0.88, sell 125 x
    // 0.12 = 15 X; B: k = 11,000/7,500, buy 75 x 3,500/7,500 = 35 Y. Sells first in sleeve order.
    const base = pairState();
    const state: PortfolioStateView = {
      ...base,
      sleeves: [...base.sleeves, { strategyId: 'old', cash: 0, positions: { X: 20 } }],
    };
    const plan = planOf(makeRebalancer(pair()).createRebalancePlan(state, pairPrices, NOW));
    close(plan.transfers['old'], -2_000);
    close(plan.transfers['A'], -1_500);
    close(plan.transfers['B'], 3_500);
    expect(tradeSummary(plan).map((t) => t.slice(1, 5))).toEqual([
      ['A', 'X', 'sell', 15],
      ['old', 'X', 'sell', 20],
      ['B', 'Y', 'buy', 35],
    ]);
  });

  it('reason: the allocator, then frequency, then the option', () => {
    // Pair drift: A (12,500 - 10,000)/10,000 = 0.25 > 0.05.
    expect(
      planOf(makeRebalancer(pair()).createRebalancePlan(pairState(), pairPrices, NOW)).reason,
    ).toBe('threshold');
    // At target (A 100 X, B 100 Y) with 24 h passed since lastRebalanceNs: frequency.
    const calm = {
      ...pairState({ X: 100 }, { Y: 100 }),
      lastRebalanceNs: NOW - 86_400_000_000_000n,
    };
    const daily = makeRebalancer(pair({ rebalance_frequency_hours: 24 }));
    const plan = planOf(daily.createRebalancePlan(calm, pairPrices, NOW));
    expect(plan.reason).toBe('frequency');
    expect(plan.trades).toEqual([]);
    // Nothing fires: the default is threshold; an explicit reason wins.
    expect(planOf(makeRebalancer(pair()).createRebalancePlan(calm, pairPrices, NOW)).reason).toBe(
      'threshold',
    );
    expect(
      planOf(
        makeRebalancer(pair()).createRebalancePlan(pairState(), pairPrices, NOW, {
          reason: 'frequency',
        }),
      ).reason,
    ).toBe('frequency');
  });

  it('an allocator override changes the targets for one plan', () => {
    // Weights A .625 / B .375 of 20,000 = 12,500 / 7,500: already at target, no trades.
    const rebalancer = makeRebalancer(pair());
    const allocator = rebalancer.allocator.withWeights({ A: 0.625, B: 0.375 });
    const plan = planOf(
      rebalancer.createRebalancePlan(pairState(), pairPrices, NOW, { allocator }),
    );
    expect(plan.trades).toEqual([]);
    close(plan.transfers['A'], 0);
  });
});

describe('ids are data', () => {
  it('plans for symbol __proto__ exactly as for any other symbol', () => {
    // Sleeve A holds 100 units at 300 (30,000) + 40,000 cash = 70,000; B 30,000 cash.
    // Equity 100,000, weights .5/.5 -> targets 50,000 each: A sells 100 x (1 - 50/70) units.
    // A plain-object position map would drop the `__proto__` key and move cash instead.
    const plans = ['SPX', '__proto__', 'constructor'].map((symbol) => {
      const positions = createIdRecord<number>();
      positions[symbol] = 100;
      const prices = createIdRecord<number>();
      prices[symbol] = 300;
      const state: PortfolioStateView = {
        portfolioId: 'p',
        sleeves: [
          { strategyId: 'A', cash: 40000, positions },
          { strategyId: 'B', cash: 30000, positions: createIdRecord<number>() },
        ],
        unallocatedCash: 0,
        lastRebalanceNs: 0n,
      };
      const rebalancer = makeRebalancer({
        id: 'p',
        total_capital: 100000,
        allocations: [
          { strategy_id: 'A', target_weight: 0.5, min_capital: 0, max_capital: 1e9 },
          { strategy_id: 'B', target_weight: 0.5, min_capital: 0, max_capital: 1e9 },
        ],
      });
      return planOf(rebalancer.createRebalancePlan(state, prices, NOW));
    });
    const [spx, proto, ctor] = plans as [RebalancePlan, RebalancePlan, RebalancePlan];
    close(spx.transfers['A'], -20000);
    close(spx.transfers['B'], 20000);
    expect(spx.trades.length).toBe(1);
    close(spx.trades[0]?.quantity, 100 * (1 - 50 / 70));
    for (const plan of [proto, ctor]) {
      expect(plan.transfers).toEqual(spx.transfers);
      expect(plan.trades.length).toBe(1);
      expect(plan.trades[0]?.quantity).toBe(spx.trades[0]?.quantity);
      expect(plan.trades[0]?.side).toBe('sell');
    }
    expect(proto.trades[0]?.symbol).toBe('__proto__');
  });
});

describe('numbers at the edges', () => {
  // Sleeve a holds 1 X and no cash; b holds 20,000 cash. At price p: equity 20,000 + p,
  // targets 0.5 each, so a's scale is k = (10,000 + p / 2) / p and its trade (k - 1) units.
  const rebalancer = makeRebalancer({
    id: 'p',
    total_capital: 20_000,
    min_trade_value: 0,
    allocations: [
      { strategy_id: 'a', target_weight: 0.5, min_capital: 0, max_capital: 1e9 },
      { strategy_id: 'b', target_weight: 0.5, min_capital: 0, max_capital: 1e9 },
    ],
  });
  const state: PortfolioStateView = {
    portfolioId: 'p',
    unallocatedCash: 0,
    lastRebalanceNs: 0n,
    sleeves: [
      { strategyId: 'a', cash: 0, positions: { X: 1 } },
      { strategyId: 'b', cash: 20_000, positions: {} },
    ],
  };

  it('a sleeve worth a sliver of its target: no plan (overflow), not a trade of Infinity', () => {
    // p = 1e-306: k - 1 = 1e4 / 1e-306 = 1e310 > 1.8e308. p = 5e-324, the least double: the same.
    for (const price of [1e-306, 5e-324]) {
      const result = rebalancer.createRebalancePlan(state, { X: price }, NOW);
      expect(result.success).toBe(false);
      if (result.success) continue;
      expect(result.error.code).toBe('overflow');
      expect(result.error.strategyId).toBe('a');
      expect(result.error.symbol).toBe('X');
      expect(result.error.message).toMatch(/^a holds 1 X at .*beyond the largest number/);
    }
  });

  it('capital or equity past a double: no plan (overflow)', () => {
    // a and b with 1e308 cash each: each sleeve is finite, their sum 2e308 is not (equity).
    // a holding 1e300 X at 1e10: 1e310, past 1.8e308 (a's capital).
    /** a's cash and units of X, b's cash, planned at X's price. */
    const planWith = (aCash: number, aUnits: number, bCash: number, price: number) =>
      rebalancer.createRebalancePlan(
        {
          ...state,
          sleeves: [
            { strategyId: 'a', cash: aCash, positions: { X: aUnits } },
            { strategyId: 'b', cash: bCash, positions: {} },
          ],
        },
        { X: price },
        NOW,
      );
    const tooRich = planWith(1e308, 0, 1e308, 1);
    const bigA = planWith(0, 1e300, 0, 1e10);
    for (const [result, strategyId] of [
      [tooRich, undefined],
      [bigA, 'a'],
    ] as const) {
      expect(result.success).toBe(false);
      if (result.success) continue;
      expect(result.error.code).toBe('overflow');
      expect(result.error.strategyId).toBe(strategyId);
    }
  });

  it('just inside a double, the same sleeve is planned exactly', () => {
    // p = 1e-290: a buys k - 1 = (1e4 + 5e-291) / 1e-290 - 1 ~ 1e294 units, a notional of 1e4.
    const plan = planOf(rebalancer.createRebalancePlan(state, { X: 1e-290 }, NOW));
    expect(plan.trades.map((t) => [t.strategyId, t.symbol, t.side])).toEqual([['a', 'X', 'buy']]);
    close(plan.trades[0]!.quantity / 1e294, 1, 1e-12);
    close(plan.transfers['a'], 10_000 - 5e-291);
    close(plan.transfers['b'], -10_000 + 5e-291);
  });
});
