// Hand-calculated band-edge rebalances: sleeves beyond their band go to its nearest edge, the
// sleeves inside absorb the rest in proportion to their targets, or the plan falls back.
import { AllocationCalculator } from '@njord/portfolio-allocator';
import {
  decodeRebalancePlan,
  encodeRebalancePlan,
  parsePortfolioConfig,
  type PortfolioStateView,
  type PriceMap,
  type RebalancePlan,
} from '@njord/portfolio-contracts';
import { PositionSizer } from '@njord/portfolio-sizer';
import { describe, expect, it } from 'vitest';
import { bandEdgeCapital, bandOf } from './band-edge.js';
import { Rebalancer } from './rebalancer.js';
import { applyPlan, sleeveCapital } from './plan.test-util.js';

const NOW = 1_750_000_000_000_000_000n;

function close(actual: number | undefined, expected: number, tolerance = 1e-9) {
  expect(actual).toBeDefined();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(
    tolerance * Math.max(1, Math.abs(expected)),
  );
}

function rebalancerFor(portfolio: Record<string, unknown>): Rebalancer {
  const config = parsePortfolioConfig({
    portfolio: { id: 'band', total_capital: 100_000, min_trade_value: 0, ...portfolio },
  });
  return new Rebalancer(new AllocationCalculator(config), new PositionSizer(config));
}

function planOf(rebalancer: Rebalancer, state: PortfolioStateView, prices: PriceMap) {
  const result = rebalancer.createRebalancePlan(state, prices, NOW);
  if (!result.success) throw result.error;
  return result.data;
}

function quantities(plan: RebalancePlan): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of plan.trades)
    out[`${t.strategyId}:${t.symbol}`] = t.side === 'buy' ? t.quantity : -t.quantity;
  return out;
}

// ---------------------------------------------------------------------------------------
// The seed's weights .40/.35/.25, bounds never binding, threshold 0.1, zero costs,
// fractional units, min_trade_value 0. Equity 100,000 -> targets 40,000 / 35,000 / 25,000;
// bands target x (1 +/- 0.1): A [36,000, 44,000], B [31,500, 38,500], C [22,500, 27,500].
//   A: X 200 @ 200 + cash 6,000 = 46,000  drift +6,000/40,000 = +0.15    above its band
//   B: Y 250 @ 100 + cash 4,000 = 29,000  drift -6,000/35,000 = -0.1714  below its band
//   C: Z 100 @ 200 + cash 5,000 = 25,000  drift 0                         inside
// band_edge: A -> 44,000 (upper edge), B -> 31,500 (lower edge); C, the only sleeve
// inside, absorbs 100,000 - 44,000 - 31,500 - 25,000 = -500 (all of it: 25/25) -> 24,500,
// inside [22,500, 27,500]: no fallback.
// Transfers: A 44,000 - 46,000 = -2,000; B 31,500 - 29,000 = +2,500; C -500. Sum 0.
// Trades, units x (goal / capital - 1):
//   A X 200 x (44/46 - 1) = -200 x 2/46 = -8.695652...   (sell)
//   B Y 250 x (31.5/29 - 1) = 250 x 2.5/29 = +21.551724... (buy)
//   C Z 100 x (24.5/25 - 1) = -100 x 0.02 = -2            (sell)
// Expected drift reduction |before| - |after| (after against the targets):
//   A 0.15 - 4,000/40,000 = 0.05; B 6/35 - 3,500/35,000 = 6/35 - 0.1; C 0 - 500/25,000 = -0.02.
// To target instead: A -6,000, B +6,000, C 0; X 200 x -6/46, Y 250 x 6/29, no C trade.
// ---------------------------------------------------------------------------------------
const seedAllocations = [
  { strategy_id: 'A', target_weight: 0.4, min_capital: 0, max_capital: 1_000_000 },
  { strategy_id: 'B', target_weight: 0.35, min_capital: 0, max_capital: 1_000_000 },
  { strategy_id: 'C', target_weight: 0.25, min_capital: 0, max_capital: 1_000_000 },
];
const prices: PriceMap = { X: 200, Y: 100, Z: 200 };
const state: PortfolioStateView = {
  portfolioId: 'band',
  sleeves: [
    { strategyId: 'A', cash: 6_000, positions: { X: 200 } },
    { strategyId: 'B', cash: 4_000, positions: { Y: 250 } },
    { strategyId: 'C', cash: 5_000, positions: { Z: 100 } },
  ],
  unallocatedCash: 0,
  lastRebalanceNs: 0n,
};

describe('band_edge on three sleeves: one above, one below, one inside', () => {
  const bandEdge = rebalancerFor({
    rebalance_threshold: 0.1,
    rebalance_to: 'band_edge',
    allocations: seedAllocations,
  });

  it('moves the two outside sleeves to their nearest edge; the inside one absorbs the rest', () => {
    const plan = planOf(bandEdge, state, prices);
    expect(plan.reason).toBe('threshold');
    expect(plan.fallback).toBe(false);
    close(plan.transfers.A, -2_000);
    close(plan.transfers.B, 2_500);
    close(plan.transfers.C, -500);
    close(
      Object.values(plan.transfers).reduce((a, b) => a + b, 0),
      0,
    );
    const q = quantities(plan);
    expect(Object.keys(q).sort()).toEqual(['A:X', 'B:Y', 'C:Z']);
    close(q['A:X'], (-200 * 2) / 46);
    close(q['B:Y'], (250 * 2.5) / 29);
    close(q['C:Z'], -2);
    close(plan.expectedDriftReduction.A, 0.05);
    close(plan.expectedDriftReduction.B, 6 / 35 - 0.1);
    close(plan.expectedDriftReduction.C, -0.02);
    // Applied: A 44,000, B 31,500, C 24,500 (zero costs).
    const after = applyPlan(state, plan);
    const capital = after.sleeves.map((s) => sleeveCapital(s, prices));
    close(capital[0], 44_000);
    close(capital[1], 31_500);
    close(capital[2], 24_500);
    // The wire form carries the flag.
    const wire = JSON.parse(JSON.stringify(encodeRebalancePlan(plan))) as Record<string, unknown>;
    expect(wire.fallback).toBe(false);
    expect(decodeRebalancePlan(wire)).toEqual(plan);
  });

  it('rebalance_to target (the default) goes all the way and has no fallback key', () => {
    const toTarget = rebalancerFor({ rebalance_threshold: 0.1, allocations: seedAllocations });
    const plan = planOf(toTarget, state, prices);
    expect('fallback' in plan).toBe(false);
    close(plan.transfers.A, -6_000);
    close(plan.transfers.B, 6_000);
    close(plan.transfers.C, 0);
    const q = quantities(plan);
    expect(Object.keys(q).sort()).toEqual(['A:X', 'B:Y']);
    close(q['A:X'], (-200 * 6) / 46);
    close(q['B:Y'], (250 * 6) / 29);
  });

  it('absolute_drift_threshold narrows the bands to +/- 2,000 (0.02 x 100,000)', () => {
    // Half-widths min(0.1 x target, 2,000) = 2,000 for all three:
    // A [38,000, 42,000], B [33,000, 37,000], C [23,000, 27,000].
    // A -> 42,000, B -> 33,000; C absorbs 100,000 - 42,000 - 33,000 - 25,000 = 0.
    const narrow = rebalancerFor({
      rebalance_threshold: 0.1,
      absolute_drift_threshold: 0.02,
      rebalance_to: 'band_edge',
      allocations: seedAllocations,
    });
    const plan = planOf(narrow, state, prices);
    expect(plan.fallback).toBe(false);
    close(plan.transfers.A, -4_000);
    close(plan.transfers.B, 4_000);
    close(plan.transfers.C, 0);
    expect(plan.trades.map((t) => t.strategyId).sort()).toEqual(['A', 'B']);
  });

  it("a sleeve's max_capital narrows its band: never rebalanced to above its bound", () => {
    // A max 43,000 (its target 40,000 stays below it): band [36,000, 43,000], A -> 43,000;
    // B -> 31,500; C absorbs 100,000 - 43,000 - 31,500 - 25,000 = +500 -> 25,500.
    const capped = rebalancerFor({
      rebalance_threshold: 0.1,
      rebalance_to: 'band_edge',
      allocations: [{ ...seedAllocations[0], max_capital: 43_000 }, ...seedAllocations.slice(1)],
    });
    const plan = planOf(capped, state, prices);
    close(plan.transfers.A, -3_000);
    close(plan.transfers.B, 2_500);
    close(plan.transfers.C, 500);
  });
});

// ---------------------------------------------------------------------------------------
// A case that must fall back. Weights .1/.1/.8, threshold 0.1, equity 100,000 in cash:
// targets 10,000 / 10,000 / 80,000; bands A [9,000, 11,000], B [9,000, 11,000],
// C [72,000, 88,000].
//   A 12,000 (drift +0.2, above) -> 11,000: 1,000 to hand to the sleeves inside.
//   B 10,900 (+0.09, inside) and C 77,100 (-0.036, inside) absorb +1,000 by target:
//   B + 1,000 x 10/90 = 11,011.11 > 11,000 = B's upper edge -> the plan goes to target:
//   transfers A -2,000, B -900, C +2,900, fallback true.
// ---------------------------------------------------------------------------------------
describe('band_edge fallback', () => {
  const rebalancer = rebalancerFor({
    rebalance_threshold: 0.1,
    rebalance_to: 'band_edge',
    allocations: [
      { strategy_id: 'A', target_weight: 0.1, min_capital: 0, max_capital: 1_000_000 },
      { strategy_id: 'B', target_weight: 0.1, min_capital: 0, max_capital: 1_000_000 },
      { strategy_id: 'C', target_weight: 0.8, min_capital: 0, max_capital: 1_000_000 },
    ],
  });
  const cashOnly = (a: number, b: number, c: number): PortfolioStateView => ({
    portfolioId: 'band',
    sleeves: [
      { strategyId: 'A', cash: a, positions: {} },
      { strategyId: 'B', cash: b, positions: {} },
      { strategyId: 'C', cash: c, positions: {} },
    ],
    unallocatedCash: 0,
    lastRebalanceNs: 0n,
  });

  it('falls back to target when absorbing would push an inside sleeve past its edge', () => {
    const plan = planOf(rebalancer, cashOnly(12_000, 10_900, 77_100), {});
    expect(plan.fallback).toBe(true);
    close(plan.transfers.A, -2_000);
    close(plan.transfers.B, -900);
    close(plan.transfers.C, 2_900);
  });

  it('does not fall back when the inside sleeves have room', () => {
    // B 10,000 + 111.11 = 10,111.11 <= 11,000; C 78,000 + 888.89 = 78,888.89 inside.
    const plan = planOf(rebalancer, cashOnly(12_000, 10_000, 78_000), {});
    expect(plan.fallback).toBe(false);
    close(plan.transfers.A, -1_000);
    close(plan.transfers.B, 1_000 / 9);
    close(plan.transfers.C, 8_000 / 9);
  });
});

describe('bandEdgeCapital and bandOf', () => {
  it('a sleeve exactly on its edge is inside; a target of 0 has the band [0, 0]', () => {
    expect(bandOf(0, { threshold: 0.1, equity: 1_000 })).toEqual({ low: 0, high: 0 });
    // Targets 500 / 500, bands [450, 550]: 550 is on the edge, so nothing moves.
    const bands = new Map([
      ['a', bandOf(500, { threshold: 0.1, equity: 1_000 })],
      ['b', bandOf(500, { threshold: 0.1, equity: 1_000 })],
    ]);
    const same = bandEdgeCapital(
      new Map([
        ['a', 550],
        ['b', 450],
      ]),
      { a: 500, b: 500 },
      bands,
      1e-9,
    );
    expect(same).toEqual({
      fallback: false,
      capital: new Map([
        ['a', 550],
        ['b', 450],
      ]),
    });
  });

  it('with no sleeve inside and an amount left over, it falls back', () => {
    // Targets 500 / 500, bands [450, 550]. a 560 and b 240 are both outside: their edges
    // 550 + 450 = 1,000 are the targets' sum, so nothing is left over and nothing falls back.
    const bands = new Map([
      ['a', { low: 450, high: 550 }],
      ['b', { low: 450, high: 550 }],
    ]);
    const edges = bandEdgeCapital(
      new Map([
        ['a', 560],
        ['b', 240],
      ]),
      { a: 500, b: 500 },
      bands,
      1e-9,
    );
    expect(edges).toEqual({
      fallback: false,
      capital: new Map([
        ['a', 550],
        ['b', 450],
      ]),
    });
    // Both below: edges 450 + 450 = 900 < 1,000 of targets, nobody inside to take 100.
    const none = bandEdgeCapital(
      new Map([
        ['a', 400],
        ['b', 400],
      ]),
      { a: 500, b: 500 },
      bands,
      1e-9,
    );
    expect(none).toEqual({ fallback: true });
  });
});
