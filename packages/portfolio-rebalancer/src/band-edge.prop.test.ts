// Properties of band-edge rebalancing: after the plan every sleeve is inside its band (or the
// plan says it fell back, and every sleeve is at target), and the transfers sum to zero.
import { AllocationCalculator } from '@njord/portfolio-allocator';
import { parsePortfolioConfig, type PortfolioStateView } from '@njord/portfolio-contracts';
import { PositionSizer } from '@njord/portfolio-sizer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rebalancer } from './rebalancer.js';
import { applyPlan, sleeveCapital } from './plan.test-util.js';

const settings = { numRuns: 150, seed: 20261202 };
const NOW = 1_000_000_000n;
const SYMBOLS = ['P', 'Q'] as const;

const cents = (max: number, min = 0) =>
  fc.integer({ min: min * 100, max: max * 100 }).map((c) => c / 100);

/**
 * 2-5 sleeves, weights summing to 1, bounds that never bind, no unallocated cash (so the
 * sleeves hold all the equity and transfers net to zero), zero costs and fractional units (so
 * an applied plan lands exactly on its goal). Sleeves are drawn around their targets so that
 * some are inside their bands and some outside.
 */
const scenarioArb = fc
  .record({
    raw: fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 2, maxLength: 5 }),
    threshold: fc.integer({ min: 1, max: 40 }).map((x) => x / 100),
    absolute: fc.option(
      fc.integer({ min: 1, max: 20 }).map((x) => x / 100),
      { nil: undefined },
    ),
    equity: cents(1_000_000, 1_000),
    prices: fc.array(cents(500, 1), { minLength: 2, maxLength: 2 }),
    // Each sleeve's capital as target x (1 + d), d drawn in [-0.6, 0.6]; the last sleeve
    // takes what is left so the sleeves sum to the equity.
    deviations: fc.array(
      fc.integer({ min: -60, max: 60 }).map((d) => d / 100),
      { minLength: 5, maxLength: 5 },
    ),
    invested: fc.array(
      fc.integer({ min: 0, max: 100 }).map((x) => x / 100),
      {
        minLength: 5,
        maxLength: 5,
      },
    ),
  })
  .map((r) => {
    const total = r.raw.reduce((a, b) => a + b, 0);
    const weights = r.raw.map((w) => w / total);
    // Weights that sum to 1 within the config's tolerance: the last takes the remainder.
    weights[weights.length - 1] = 1 - weights.slice(0, -1).reduce((a, b) => a + b, 0);
    const n = weights.length;
    const capital = weights.map((w, i) => w * r.equity * (1 + r.deviations[i]!));
    const others = capital.slice(0, -1).reduce((a, b) => a + b, 0);
    capital[n - 1] = r.equity - others;
    const config = parsePortfolioConfig({
      portfolio: {
        id: 'band',
        total_capital: r.equity,
        rebalance_threshold: r.threshold,
        ...(r.absolute === undefined ? {} : { absolute_drift_threshold: r.absolute }),
        rebalance_to: 'band_edge',
        min_trade_value: 0,
        allocations: weights.map((w, i) => ({
          strategy_id: `s${i}`,
          target_weight: w,
          min_capital: 0,
          max_capital: 1e12,
        })),
      },
    });
    // A share of each sleeve is held in one symbol, the rest in cash (which may be negative
    // for the last sleeve when the others took more than the equity).
    const state: PortfolioStateView = {
      portfolioId: 'band',
      sleeves: capital.map((c, i) => {
        const symbol = SYMBOLS[i % 2]!;
        const price = r.prices[i % 2]!;
        const held = c > 0 ? c * r.invested[i]! : 0;
        return {
          strategyId: `s${i}`,
          cash: c - held,
          positions: held > 0 ? { [symbol]: held / price } : {},
        };
      }),
      unallocatedCash: 0,
      lastRebalanceNs: 0n,
    };
    const prices = { P: r.prices[0]!, Q: r.prices[1]! };
    const allocator = new AllocationCalculator(config);
    return {
      config,
      state,
      prices,
      rebalancer: new Rebalancer(allocator, new PositionSizer(config)),
      threshold: r.threshold,
      absolute: r.absolute,
      equity: r.equity,
      weights,
    };
  });

describe('band-edge rebalance properties', () => {
  it('every sleeve ends inside its band (or at target on fallback); transfers sum to zero', () => {
    let fellBack = 0;
    let moved = 0;
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const result = s.rebalancer.createRebalancePlan(s.state, s.prices, NOW);
        if (!result.success) throw result.error;
        const plan = result.data;
        const tol = 1e-7 * s.equity;
        const sum = Object.values(plan.transfers).reduce((a, b) => a + b, 0);
        expect(Math.abs(sum)).toBeLessThanOrEqual(tol);
        expect(typeof plan.fallback).toBe('boolean');
        const after = applyPlan(s.state, plan);
        after.sleeves.forEach((sleeve, i) => {
          // Independently: bounds never bind, so target = weight x equity; the band is
          // target +/- min(threshold x target, absolute x equity).
          const target = s.weights[i]! * s.equity;
          let half = s.threshold * target;
          if (s.absolute !== undefined) half = Math.min(half, s.absolute * s.equity);
          const capital = sleeveCapital(sleeve, s.prices);
          if (plan.fallback) {
            expect(Math.abs(capital - target)).toBeLessThanOrEqual(tol);
          } else {
            expect(capital).toBeGreaterThanOrEqual(target - half - tol);
            expect(capital).toBeLessThanOrEqual(target + half + tol);
          }
        });
        if (plan.fallback) fellBack++;
        else if (plan.trades.length > 0) moved++;
      }),
      settings,
    );
    // The generator reaches both outcomes (else the property would say little).
    expect(fellBack).toBeGreaterThan(0);
    expect(moved).toBeGreaterThan(0);
  });

  it('never moves more capital than a rebalance to target', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const edge = s.rebalancer.createRebalancePlan(s.state, s.prices, NOW);
        const full = new Rebalancer(
          new AllocationCalculator({ ...s.config, rebalanceTo: 'target' }),
          new PositionSizer(s.config),
        ).createRebalancePlan(s.state, s.prices, NOW);
        if (!edge.success) throw edge.error;
        if (!full.success) throw full.error;
        const moved = (t: Readonly<Record<string, number>>) =>
          Object.values(t).reduce((a, b) => a + Math.abs(b), 0);
        expect(moved(edge.data.transfers)).toBeLessThanOrEqual(
          moved(full.data.transfers) + 1e-7 * s.equity,
        );
      }),
      settings,
    );
  });
});
