// Properties of rebalance plans: transfers balance, applied plans hit targets, replanning is a no-op.
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
import { doubleMagnitude } from '@njord/test-kit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REBALANCE_ERROR_CODES } from './errors.js';
import { Rebalancer } from './rebalancer.js';
import { applyPlan, portfolioCash, sleeveCapital } from './plan.test-util.js';

const settings = { numRuns: 200, seed: 20260612 };
const SYMBOLS = ['P', 'Q', 'R', 'S'] as const;
const NOW = 1_000_000_000n;

interface Scenario {
  readonly rebalancer: Rebalancer;
  readonly allocator: AllocationCalculator;
  readonly state: PortfolioStateView;
  readonly prices: PriceMap;
}

/** Amounts in cents and units in 1e-4: realistic inputs (raw doubles shrink to subnormals). */
const money = (max: number, min = 0) =>
  fc.integer({ min: min * 100, max: max * 100 }).map((c) => c / 100);
const units = (max: number, min = 0) =>
  fc.integer({ min: min * 1e4, max: max * 1e4 }).map((u) => u / 1e4);

/**
 * A random portfolio: 2-4 strategies with random weights and bounds, 4 symbols, sleeves
 * with cash and positions. `simple`: long only, cash >= 0, fractional units, zero costs,
 * min_trade_value 0 (the setting in which a rebalance is exact).
 */
function scenarioArb(simple: boolean, netting: boolean): fc.Arbitrary<Scenario> {
  return fc
    .integer({ min: 2, max: 4 })
    .chain((n) =>
      fc.record({
        weights: fc.array(
          fc.integer({ min: 1, max: 100 }).map((w) => w / 100),
          { minLength: n, maxLength: n },
        ),
        bounds: fc.array(
          fc
            .tuple(money(20_000), money(100_000))
            .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const),
          { minLength: n, maxLength: n },
        ),
        prices: fc.array(money(500, 1), { minLength: 4, maxLength: 4 }),
        lots: fc.array(fc.constantFrom(undefined, 1, 0.1, 5), { minLength: 4, maxLength: 4 }),
        sleeves: fc.array(
          fc.record({
            cash: simple ? money(20_000) : money(20_000, -5_000),
            units: fc.array(fc.oneof(fc.constant(0), simple ? units(300) : units(300, -100)), {
              minLength: 4,
              maxLength: 4,
            }),
          }),
          { minLength: n, maxLength: n },
        ),
        unallocated: money(10_000),
        costs: fc.record({
          commission_bps: units(20),
          commission_min: money(2),
          slippage_bps: units(10),
        }),
      }),
    )
    .map((r) => {
      const config = parsePortfolioConfig({
        portfolio: {
          id: 'prop',
          total_capital: 100_000,
          rebalance_threshold: 0.05,
          allocations: r.bounds.map(([min, max], i) => ({
            strategy_id: `s${i}`,
            target_weight: i === 0 ? 1 : 0,
            min_capital: min,
            max_capital: max,
          })),
          netting,
          ...(simple
            ? { min_trade_value: 0 }
            : {
                costs: r.costs,
                instruments: Object.fromEntries(
                  SYMBOLS.flatMap((s, i) =>
                    r.lots[i] === undefined ? [] : [[s, { lot_size: r.lots[i] }]],
                  ),
                ),
              }),
        },
      });
      const allocator = new AllocationCalculator(config, {
        weights: Object.fromEntries(r.weights.map((w, i) => [`s${i}`, w])),
      });
      const state: PortfolioStateView = {
        portfolioId: 'prop',
        sleeves: r.sleeves.map((s, i) => ({
          strategyId: `s${i}`,
          cash: s.cash,
          positions: Object.fromEntries(SYMBOLS.map((sym, j) => [sym, s.units[j]!])),
        })),
        unallocatedCash: r.unallocated,
        lastRebalanceNs: 0n,
      };
      const prices = Object.fromEntries(SYMBOLS.map((s, i) => [s, r.prices[i]!]));
      return {
        rebalancer: new Rebalancer(allocator, new PositionSizer(config)),
        allocator,
        state,
        prices,
      };
    });
}

function equityOf(s: Scenario): number {
  return s.state.sleeves.reduce(
    (sum, sleeve) => sum + sleeveCapital(sleeve, s.prices),
    s.state.unallocatedCash,
  );
}

function planFor(s: Scenario): RebalancePlan {
  const result = s.rebalancer.createRebalancePlan(s.state, s.prices, NOW);
  if (!result.success) throw result.error;
  return result.data;
}

const tol = (s: Scenario) => 1e-8 * Math.max(1, equityOf(s), portfolioCash(s.state) + 1e5);

describe('rebalance plan properties', () => {
  it('transfers sum to -(change in unallocated), which the allocator computes independently', () => {
    fc.assert(
      fc.property(scenarioArb(false, false), (s) => {
        fc.pre(equityOf(s) > 1);
        const plan = planFor(s);
        const capital = Object.fromEntries(
          s.state.sleeves.map((sl) => [sl.strategyId, sleeveCapital(sl, s.prices)]),
        );
        const { unallocated } = s.allocator.calculateTargets(capital, s.state.unallocatedCash);
        const sum = Object.values(plan.transfers).reduce((a, b) => a + b, 0);
        expect(Math.abs(sum + (unallocated - s.state.unallocatedCash))).toBeLessThanOrEqual(tol(s));
      }),
      settings,
    );
  });

  it('applied, each sleeve ends at its target minus its own costs; cash stays >= min(0, before)', () => {
    fc.assert(
      fc.property(scenarioArb(false, false), fc.boolean(), (raw, netting) => {
        fc.pre(equityOf(raw) > 1);
        const s = netting
          ? {
              ...raw,
              rebalancer: new Rebalancer(raw.allocator, new PositionSizer(raw.allocator.config), {
                netting: true,
              }),
            }
          : raw;
        const plan = planFor(s);
        const capital = Object.fromEntries(
          s.state.sleeves.map((sl) => [sl.strategyId, sleeveCapital(sl, s.prices)]),
        );
        const { targets } = s.allocator.calculateTargets(capital, s.state.unallocatedCash);
        const after = applyPlan(s.state, plan);
        let totalCosts = 0;
        for (const sleeve of after.sleeves) {
          const costs = plan.trades
            .filter((t) => t.strategyId === sleeve.strategyId)
            .reduce((sum, t) => sum + t.commission + t.slippage, 0);
          totalCosts += costs;
          const target = targets[sleeve.strategyId]!;
          expect(Math.abs(sleeveCapital(sleeve, s.prices) - (target - costs))).toBeLessThanOrEqual(
            tol(s),
          );
        }
        expect(Math.abs(plan.estimatedCosts - totalCosts)).toBeLessThanOrEqual(tol(s));
        expect(portfolioCash(after)).toBeGreaterThanOrEqual(
          Math.min(0, portfolioCash(s.state)) - tol(s),
        );
      }),
      settings,
    );
  });

  it('plans are valid on the wire: sells first, sequential ids, positive quantities', () => {
    fc.assert(
      fc.property(scenarioArb(false, true), (s) => {
        fc.pre(equityOf(s) > 1);
        const plan = planFor(s);
        const sides = plan.trades.map((t) => t.side);
        expect(sides).toEqual([
          ...sides.filter((x) => x === 'sell'),
          ...sides.filter((x) => x === 'buy'),
        ]);
        plan.trades.forEach((t, i) => expect(t.intentId).toBe(`${plan.planId}:${i}`));
        plan.internalFills!.forEach((f, i) => expect(f.fillId).toBe(`${plan.planId}:net:${i}`));
        const wire = JSON.parse(JSON.stringify(encodeRebalancePlan(plan))) as unknown;
        expect(decodeRebalancePlan(wire)).toEqual(plan);
      }),
      settings,
    );
  });

  it('with netting, no symbol goes out both bought and sold', () => {
    fc.assert(
      fc.property(scenarioArb(false, true), (s) => {
        fc.pre(equityOf(s) > 1);
        const plan = planFor(s);
        for (const symbol of SYMBOLS) {
          const sides = new Set(plan.trades.filter((t) => t.symbol === symbol).map((t) => t.side));
          expect(sides.size).toBeLessThanOrEqual(1);
        }
      }),
      settings,
    );
  });

  it('rebalancing twice changes nothing (zero costs, fractional units, min_trade_value 0)', () => {
    fc.assert(
      fc.property(scenarioArb(true, false), (s) => {
        fc.pre(equityOf(s) > 1);
        const first = planFor(s);
        expect(first.skipped).toEqual([]);
        const again = planFor({ ...s, state: applyPlan(s.state, first) });
        expect(again.trades).toEqual([]);
        expect(again.skipped).toEqual([]);
        for (const amount of Object.values(again.transfers))
          expect(Math.abs(amount)).toBeLessThanOrEqual(tol(s));
      }),
      settings,
    );
  });

  it('netting ends in the same positions as no netting (zero costs, fractional units)', () => {
    fc.assert(
      fc.property(scenarioArb(true, true), (s) => {
        fc.pre(equityOf(s) > 1);
        const netted = applyPlan(s.state, planFor(s));
        const plain = new Rebalancer(s.allocator, new PositionSizer(s.allocator.config), {
          netting: false,
        });
        const result = plain.createRebalancePlan(s.state, s.prices, NOW);
        if (!result.success) throw result.error;
        const unnetted = applyPlan(s.state, result.data);
        netted.sleeves.forEach((sleeve, i) => {
          for (const symbol of SYMBOLS) {
            const a = sleeve.positions[symbol] ?? 0;
            const b = unnetted.sleeves[i]!.positions[symbol] ?? 0;
            expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
          }
        });
      }),
      settings,
    );
  });
});

describe('numbers at the edges', () => {
  const magnitude = doubleMagnitude();
  const amount = fc.oneof(
    fc.constant(0),
    magnitude,
    magnitude.map((x) => -x),
  );

  it('any finite state and prices: a plan with finite numbers or a named failure, never a throw', () => {
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 1, max: 3 }),
          prices: fc.array(magnitude, { minLength: 2, maxLength: 2 }),
          sleeves: fc.array(
            fc.record({ cash: amount, units: fc.array(amount, { minLength: 2, maxLength: 2 }) }),
            { minLength: 3, maxLength: 3 },
          ),
          unallocated: amount,
          netting: fc.boolean(),
          bandEdge: fc.boolean(),
          maxCapital: magnitude,
        }),
        (r) => {
          const config = parsePortfolioConfig({
            portfolio: {
              id: 'edge',
              total_capital: 1,
              rebalance_threshold: 0.05,
              min_trade_value: 0,
              netting: r.netting,
              rebalance_to: r.bandEdge ? 'band_edge' : 'target',
              allocations: Array.from({ length: r.n }, (_, i) => ({
                strategy_id: `s${i}`,
                target_weight: 1 / r.n,
                min_capital: 0,
                max_capital: r.maxCapital,
              })),
            },
          });
          const rebalancer = new Rebalancer(
            new AllocationCalculator(config),
            new PositionSizer(config),
          );
          const state: PortfolioStateView = {
            portfolioId: 'edge',
            unallocatedCash: r.unallocated,
            lastRebalanceNs: 0n,
            sleeves: Array.from({ length: r.n }, (_, i) => ({
              strategyId: `s${i}`,
              cash: r.sleeves[i]!.cash,
              positions: { P: r.sleeves[i]!.units[0]!, Q: r.sleeves[i]!.units[1]! },
            })),
          };
          const result = rebalancer.createRebalancePlan(
            state,
            { P: r.prices[0]!, Q: r.prices[1]! },
            NOW,
          );
          if (!result.success) {
            expect(REBALANCE_ERROR_CODES).toContain(result.error.code);
            return;
          }
          for (const trade of result.data.trades) {
            expect(trade.quantity).toBeGreaterThan(0);
            expect(Number.isFinite(trade.quantity * trade.referencePrice)).toBe(true);
            expect(Number.isFinite(trade.commission + trade.slippage)).toBe(true);
          }
          for (const id in result.data.transfers) {
            expect(Number.isFinite(result.data.transfers[id])).toBe(true);
          }
        },
      ),
      { numRuns: 2000, seed: 20261204 },
    );
  });
});
