import { AllocationCalculator } from '@njord/portfolio-allocator';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configOf } from './config.test-util.js';
import { RiskAdjustedAllocator, type PerformanceHistory } from './risk-adjusted-allocator.js';
import { calculateMaxDrawdown } from './return-stats.js';

const DAY = 86_400_000_000_000n;
const START = 1_735_776_000_000_000_000n;
const METHODS = ['sharpe_drawdown', 'inverse_volatility', 'equal_risk_contribution'] as const;

/** Returns with the awkward cases mixed in: missing, constant, total loss, huge. */
/** Returns spread evenly over [min, max] in basis points (fc.double favours tiny values). */
const basisPoints = (min: number, max: number) => fc.integer({ min, max }).map((bp) => bp / 10_000);

const anyReturn = fc.oneof(
  { weight: 8, arbitrary: basisPoints(-3000, 3000) },
  { weight: 2, arbitrary: fc.double({ min: -0.3, max: 0.3, noNaN: true }) },
  { weight: 2, arbitrary: fc.constant(Number.NaN) },
  { weight: 2, arbitrary: fc.constant(0.001) },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, -2, 40, Infinity, -Infinity, 1e300) },
);

/** n strategies with weights summing to 1 and bounds, a daily history, a method and a sensitivity. */
const portfolio = (returnArb: fc.Arbitrary<number>) =>
  fc.integer({ min: 1, max: 5 }).chain((n) =>
    fc.record({
      raw: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: n, maxLength: n }),
      bounds: fc.array(
        fc.oneof(
          // Wide bounds: the weights decide.
          fc.integer({ min: 0, max: 50 }).map((min) => ({ min, max: 100_000 })),
          fc
            .tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 600 }))
            .map(([min, extra]) => ({
              min,
              max: min + extra,
            })),
        ),
        { minLength: n, maxLength: n },
      ),
      bars: fc.integer({ min: 0, max: 45 }),
      returns: fc.array(fc.array(returnArb, { minLength: 45, maxLength: 45 }), {
        minLength: n,
        maxLength: n,
      }),
      lengths: fc.array(fc.integer({ min: 0, max: 45 }), { minLength: n, maxLength: n }),
      method: fc.constantFrom(...METHODS),
      sensitivity: fc.oneof(
        fc.constant(0),
        fc.constant(0.1),
        fc.double({ min: 0, max: 20, noNaN: true }),
      ),
      lookbackDays: fc.constantFrom(1, 5, 30, 90),
      equityShare: fc.integer({ min: 0, max: 1000 }).map((k) => k / 1000),
    }),
  );

type Case = ReturnType<typeof portfolio> extends fc.Arbitrary<infer T> ? T : never;

function setUp(c: Case) {
  const total = c.raw.reduce((a, b) => a + b, 0);
  const weights =
    total === 0 ? c.raw.map((_, i) => (i === 0 ? 1 : 0)) : c.raw.map((w) => w / total);
  // Make the weights sum to 1 within the config's tolerance.
  weights[0] = 1 - weights.slice(1).reduce((a, b) => a + b, 0);
  const config = configOf(
    c.bounds.map((b, i) => ({ weight: Math.max(0, weights[i] as number), ...b })),
  );
  const base = new AllocationCalculator(config);
  const sumMin = c.bounds.reduce((a, b) => a + b.min, 0);
  const sumMax = c.bounds.reduce((a, b) => a + b.max, 0);
  const equity = sumMin + c.equityShare * (sumMax - sumMin);
  const baseTargets = base.calculateTargetsForEquity(equity).targets;
  // Strategy i has its last lengths[i] of the bars (a late start), one per day.
  const history: Record<string, { timestampsNs: bigint[]; returns: number[] }> = {};
  c.returns.forEach((series, i) => {
    const length = Math.min(c.bars, c.lengths[i] as number);
    const first = c.bars - length;
    history[`s${i}`] = {
      timestampsNs: Array.from({ length }, (_, k) => START + BigInt(first + k) * DAY),
      returns: series.slice(first, c.bars),
    };
  });
  return { config, base, baseTargets, history, equity, sumMin, sumMax };
}

describe('RiskAdjustedAllocator invariants (every method)', () => {
  it('keeps the total, the bounds and finiteness; sensitivity 0 returns the base', () => {
    fc.assert(
      fc.property(portfolio(anyReturn), (c) => {
        const { base, baseTargets, history, config } = setUp(c);
        const risk = new RiskAdjustedAllocator(base, {
          method: c.method,
          adjustmentSensitivity: c.sensitivity,
          lookbackPeriodDays: c.lookbackDays,
        });
        const result = risk.calculateAdjustedAllocations(history, baseTargets);
        const total = Object.values(baseTargets).reduce((a, b) => a + b, 0);
        const adjustedTotal = Object.values(result.targets).reduce((a, b) => a + b, 0);
        expect(Math.abs(adjustedTotal - total)).toBeLessThanOrEqual(1e-9 * Math.max(1, total));
        config.allocations.forEach((a) => {
          const target = result.targets[a.strategyId] as number;
          expect(Number.isFinite(target)).toBe(true);
          expect(target).toBeGreaterThanOrEqual(a.minCapital - 1e-9 * Math.max(1, total));
          expect(target).toBeLessThanOrEqual(a.maxCapital + 1e-9 * Math.max(1, total));
          expect(Number.isFinite(result.weights[a.strategyId] as number)).toBe(true);
          const stats = result.stats[a.strategyId];
          for (const value of [
            stats?.mean,
            stats?.volatility,
            stats?.sharpe,
            stats?.maxDrawdown,
            stats?.score,
          ]) {
            if (value !== null && value !== undefined) expect(Number.isFinite(value)).toBe(true);
          }
          if (c.sensitivity === 0) {
            expect(Math.abs(target - (baseTargets[a.strategyId] as number))).toBeLessThanOrEqual(
              1e-9 * Math.max(1, total),
            );
          }
        });
      }),
      { seed: 424242, numRuns: 250 },
    );
  });

  it('agrees between return records and a RollingReturnStats fed the same bars', () => {
    fc.assert(
      fc.property(portfolio(anyReturn), (c) => {
        const { base, baseTargets, history } = setUp(c);
        const risk = new RiskAdjustedAllocator(base, {
          method: c.method,
          adjustmentSensitivity: c.sensitivity,
          lookbackPeriodDays: c.lookbackDays,
        });
        // Bars on every day; a strategy before its start has NaN (missing).
        const ids = risk.strategyIds;
        const rolling = risk.createRollingStats({ initialCapacity: 2 });
        const records: PerformanceHistory = Object.fromEntries(
          ids.map((id) => [
            id,
            {
              timestampsNs: Array.from({ length: c.bars }, (_, k) => START + BigInt(k) * DAY),
              returns: Array.from({ length: c.bars }, (_, k) => {
                const h = history[id]!;
                const offset = c.bars - h.returns.length;
                return k < offset ? Number.NaN : (h.returns[k - offset] as number);
              }),
            },
          ]),
        );
        for (let k = 0; k < c.bars; k++) {
          rolling.push(
            START + BigInt(k) * DAY,
            ids.map((id) => records[id]!.returns[k] as number),
          );
        }
        const a = risk.calculateAdjustedAllocations(records, baseTargets);
        const b = risk.calculateAdjustedAllocations(rolling, baseTargets);
        const total = Math.max(
          1,
          Object.values(baseTargets).reduce((x, y) => x + y, 0),
        );
        for (const id of ids) {
          expect(
            Math.abs((a.targets[id] as number) - (b.targets[id] as number)),
          ).toBeLessThanOrEqual(1e-7 * total);
          expect(a.stats[id]?.adjusted).toBe(b.stats[id]?.adjusted);
        }
      }),
      { seed: 99, numRuns: 150 },
    );
  });
});

describe('RiskAdjustedAllocator sharpe_drawdown: all else equal', () => {
  const calm = basisPoints(-500, 500);

  it('never gives less capital to a strategy whose returns are all raised (higher Sharpe, shallower drawdown)', () => {
    fc.assert(
      fc.property(
        portfolio(calm),
        fc.nat(),
        fc.double({ min: 1e-4, max: 0.05, noNaN: true }),
        (c, pick, lift) => {
          const { base, baseTargets, history } = setUp(c);
          const k = `s${pick % c.raw.length}`;
          const risk = new RiskAdjustedAllocator(base, {
            adjustmentSensitivity: c.sensitivity,
            lookbackPeriodDays: 1000,
          });
          const lifted = {
            ...history,
            [k]: { ...history[k]!, returns: history[k]!.returns.map((r) => r + lift) },
          };
          const before = risk.calculateAdjustedAllocations(history, baseTargets).targets[
            k
          ] as number;
          const after = risk.calculateAdjustedAllocations(lifted, baseTargets).targets[k] as number;
          const total = Math.max(
            1,
            Object.values(baseTargets).reduce((x, y) => x + y, 0),
          );
          expect(after).toBeGreaterThanOrEqual(before - 1e-9 * total);
        },
      ),
      { seed: 5150, numRuns: 250 },
    );
  });

  it('never gives more capital to the ordering of the same returns with the deeper drawdown (same Sharpe)', () => {
    fc.assert(
      fc.property(portfolio(calm), fc.nat(), (c, pick) => {
        const { base, baseTargets, history } = setUp(c);
        const k = `s${pick % c.raw.length}`;
        const returns = history[k]!.returns;
        // The same multiset (same mean and volatility) with every loss first: the deepest
        // drawdown any ordering can have (every drawdown is a product of consecutive returns).
        const lossesFirst = [...returns].sort((x, y) => x - y);
        const deep = calculateMaxDrawdown(lossesFirst);
        const shallow = calculateMaxDrawdown(returns);
        expect(deep).toBeLessThanOrEqual(shallow + 1e-15);
        const risk = new RiskAdjustedAllocator(base, {
          adjustmentSensitivity: c.sensitivity,
          lookbackPeriodDays: 1000,
          periodsPerYear: 252,
        });
        const run = (r: number[]) =>
          risk.calculateAdjustedAllocations(
            { ...history, [k]: { ...history[k]!, returns: r } },
            baseTargets,
          ).targets[k] as number;
        const total = Math.max(
          1,
          Object.values(baseTargets).reduce((x, y) => x + y, 0),
        );
        expect(run(lossesFirst)).toBeLessThanOrEqual(run(returns) + 1e-9 * total);
      }),
      { seed: 6160, numRuns: 250 },
    );
  });

  it('keeps every strategy funded when all of them lose (no wipe-out)', () => {
    const losing = basisPoints(-800, -1);
    fc.assert(
      fc.property(portfolio(losing), (c) => {
        const { base, baseTargets, history, config } = setUp(c);
        const risk = new RiskAdjustedAllocator(base, {
          adjustmentSensitivity: Math.min(c.sensitivity, 1),
          lookbackPeriodDays: 1000,
        });
        const result = risk.calculateAdjustedAllocations(history, baseTargets);
        const total = Object.values(baseTargets).reduce((a, b) => a + b, 0);
        const adjustedTotal = Object.values(result.targets).reduce((a, b) => a + b, 0);
        expect(Math.abs(adjustedTotal - total)).toBeLessThanOrEqual(1e-9 * Math.max(1, total));
        config.allocations.forEach((a) => {
          if (a.targetWeight > 0) expect(result.weights[a.strategyId]).toBeGreaterThan(0);
        });
      }),
      { seed: 7170, numRuns: 200 },
    );
  });
});
