import { fc, test } from '@fast-check/vitest';
import { calculateReturnStats } from '@njord/portfolio-risk';
import { describe, expect, it } from 'vitest';
import {
  calculateContribution,
  calculateMetrics,
  calculateReturns,
  inferPeriodsPerYear,
} from './metrics.js';

const DAY = 86_400_000_000_000n;
const T0 = 946_857_600_000_000_000n; // 2000-01-03
const daily = (n: number): bigint[] => Array.from({ length: n }, (_, t) => T0 + BigInt(t) * DAY);

describe('calculateMetrics on a hand-worked 5-bar series', () => {
  // E_0 = 100, then +10%, -10%, +10%, +10%, -10%: E = 110, 99, 108.9, 119.79, 107.811 on days 0..4.
  const equity = [110, 99, 108.9, 119.79, 107.811];
  const base = { equity, timestamps: daily(5), initialCapital: 100, periodsPerYear: 252 };
  // r = 0.1, -0.1, 0.1, 0.1, -0.1; mean 0.02; deviations 0.08, -0.12, 0.08, 0.08, -0.12;
  // Σ squares = 3 x 0.0064 + 2 x 0.0144 = 0.048; sd (ddof 1) = sqrt(0.048 / 4) = sqrt(0.012).
  const sd = Math.sqrt(0.012);
  const m = calculateMetrics({ ...base, tradedNotional: 500, costs: 1.5, rebalanceCount: 2 });

  it('total return and CAGR', () => {
    expect(m.totalReturn).toBeCloseTo(107.811 / 100 - 1, 12); // 0.07811
    // t_N - t_1 = 4 days: (1.07811)^(365.25 / 4) - 1.
    expect(m.cagr).toBeCloseTo(1.07811 ** (365.25 / 4) - 1, 6);
  });

  it('volatility, Sharpe and Sortino (P = 252, rf 0)', () => {
    expect(m.volatility).toBeCloseTo(sd * Math.sqrt(252), 12); // 1.7390
    expect(m.sharpe).toBeCloseTo((0.02 / sd) * Math.sqrt(252), 12); // 2.8983
    // Downside: min(r, 0)^2 = 0, 0.01, 0, 0, 0.01 -> mean 0.004 -> sqrt 0.063246.
    expect(m.sortino).toBeCloseTo((0.02 / Math.sqrt(0.004)) * Math.sqrt(252), 12); // 5.0200
  });

  it('drawdown, its duration, Calmar', () => {
    // Peaks: 110 (bar 1), then 99/110 - 1 = -0.1; 119.79 (bar 4), then 107.811/119.79 - 1 = -0.1.
    expect(m.maxDrawdown).toBeCloseTo(-0.1, 12);
    // Under water: bars 2-3 (recovered at bar 4) and bar 5 (never): longest 2 bars. In days: day 0 (peak)
    // to day 3 (recovery) = 3, and day 3 to day 4 (end) = 1: longest 3.
    expect(m.maxDrawdownDurationBars).toBe(2);
    expect(m.maxDrawdownDurationDays).toBe(3);
    expect(m.calmar).toBeCloseTo((1.07811 ** (365.25 / 4) - 1) / 0.1, 4);
  });

  it('turnover, costs, rebalance count', () => {
    // mean E = (110 + 99 + 108.9 + 119.79 + 107.811) / 5 = 109.1002; 500 / (2 x 109.1002) = 2.29147.
    expect(m.turnover).toBeCloseTo(500 / (2 * 109.1002), 12);
    expect(m.costs).toBe(1.5);
    expect(m.rebalanceCount).toBe(2);
  });

  it('a risk-free rate lowers Sharpe by its per-period rate', () => {
    // rf_p = 1.05^(1/252) - 1 = 0.00019363.
    const rf = 1.05 ** (1 / 252) - 1;
    const withRf = calculateMetrics({ ...base, riskFreeRate: 0.05 });
    expect(withRf.sharpe).toBeCloseTo(((0.02 - rf) / sd) * Math.sqrt(252), 12); // 2.8702
    // Downside: (r - rf) < 0 only for the two -0.1 bars: mean of 2 x (0.1 + rf)^2 over 5.
    expect(withRf.sortino).toBeCloseTo(
      ((0.02 - rf) / Math.sqrt((2 * (0.1 + rf) ** 2) / 5)) * Math.sqrt(252),
      12,
    );
    expect(withRf.volatility).toBeCloseTo(sd * Math.sqrt(252), 12);
  });

  it('infers P = 252 from daily bars', () => {
    const inferred = calculateMetrics({ equity, timestamps: daily(5), initialCapital: 100 });
    expect(inferred.volatility).toBeCloseTo(sd * Math.sqrt(252), 12);
  });
});

describe('calculateMetrics edge cases', () => {
  it('gives null, never NaN, where a metric is undefined', () => {
    // Flat equity: every return is 0 -> sd 0 -> no Sharpe; no downside -> no Sortino; no drawdown -> no Calmar.
    const flat = calculateMetrics({
      equity: [100, 100, 100],
      timestamps: daily(3),
      initialCapital: 100,
    });
    expect(flat).toMatchObject({
      totalReturn: 0,
      cagr: 0,
      volatility: 0,
      sharpe: null,
      sortino: null,
      maxDrawdown: 0,
      maxDrawdownDurationBars: 0,
      calmar: null,
      turnover: null,
      costs: null,
      rebalanceCount: 0,
    });
    // One bar: one return, no time span -> no CAGR, volatility or Sharpe.
    const one = calculateMetrics({ equity: [90], timestamps: daily(1), initialCapital: 100 });
    expect(one).toMatchObject({ cagr: null, volatility: null, sharpe: null });
    expect(one.totalReturn).toBeCloseTo(-0.1, 12);
    expect(one.maxDrawdown).toBeCloseTo(-0.1, 12);
    const none = calculateMetrics({ equity: [], timestamps: [], initialCapital: 100 });
    expect(Object.values(none).filter((v) => v !== null)).toEqual([0]); // only rebalanceCount
    // Wiped out: growth 0 -> CAGR -1.
    expect(
      calculateMetrics({ equity: [50, 0], timestamps: daily(2), initialCapital: 100 }).cagr,
    ).toBe(-1);
  });

  it("adjusts a sleeve's returns for transfers", () => {
    // E_0 = 100; bar 1: +10% -> 110; bar 2: 50 transferred in, no gain -> 160, r = (160 - 50) / 110 - 1 = 0;
    // bar 3: +10% -> 176. Time-weighted: 1.1 x 1 x 1.1 - 1 = 0.21 (E_N / E_0 - 1 would be 0.76).
    const transfers = [0, 50, 0];
    const sleeve = calculateMetrics({
      equity: [110, 160, 176],
      transfers,
      timestamps: daily(3),
      initialCapital: 100,
    });
    expect(
      [...calculateReturns([110, 160, 176], 100, transfers)].map(
        (r) => Math.round(r * 1e12) / 1e12,
      ),
    ).toEqual([0.1, 0, 0.1]);
    expect(sleeve.totalReturn).toBeCloseTo(0.21, 12);
    expect(sleeve.maxDrawdown).toBe(0);
    // A transfer out is not a loss: 110 -> 60 after moving 50 out with no gain: r = (60 + 50) / 110 - 1 = 0.
    const out = calculateMetrics({
      equity: [110, 60],
      transfers: [0, -50],
      timestamps: daily(2),
      initialCapital: 100,
    });
    expect(out.maxDrawdown).toBe(0);
    expect(out.totalReturn).toBeCloseTo(0.1, 12);
  });

  it('takes a sleeve that starts with nothing (weight 0, max_capital 0), not a portfolio', () => {
    // Funded with 100 at bar 1: returns NaN (nothing held), NaN (the transfer alone), then
    // 110 / 100 - 1 = 0.1 and 55 / 110 - 1 = -0.5. Growth 1.1 x 0.5 = 0.55: -45%; the wealth
    // path 1 -> 1.1 -> 0.55 falls 0.55 / 1.1 - 1 = -50% from its peak.
    const late = calculateMetrics({
      equity: [0, 100, 110, 55],
      transfers: [0, 100, 0, 0],
      timestamps: daily(4),
      initialCapital: 0,
      periodsPerYear: 252,
    });
    expect(late.totalReturn).toBeCloseTo(-0.45, 12);
    expect(late.maxDrawdown).toBeCloseTo(-0.5, 12);
    // Never funded: no return at all.
    const never = calculateMetrics({
      equity: [0, 0, 0],
      transfers: [0, 0, 0],
      timestamps: daily(3),
      initialCapital: 0,
      periodsPerYear: 252,
    });
    expect([never.totalReturn, never.maxDrawdown, never.volatility]).toEqual([0, 0, null]);
    expect(() =>
      calculateMetrics({ equity: [0, 0], timestamps: daily(2), initialCapital: 0 }),
    ).toThrow(/initialCapital must be finite and > 0/);
  });
});

describe('inferPeriodsPerYear', () => {
  const spaced = (n: number, step: bigint, start = T0): bigint[] =>
    Array.from({ length: n }, (_, t) => start + BigInt(t) * step);

  it('classifies bar spacings', () => {
    // Weekdays only: spacings 1,1,1,1,3 -> median 1 day -> daily.
    const weekdays = Array.from(
      { length: 20 },
      (_, t) => T0 + BigInt(Math.floor(t / 5) * 7 + (t % 5)) * DAY,
    );
    expect(inferPeriodsPerYear(weekdays)).toBe(252);
    expect(inferPeriodsPerYear(spaced(10, 7n * DAY))).toBe(52);
    expect(inferPeriodsPerYear(spaced(10, 30n * DAY))).toBe(12);
    expect(inferPeriodsPerYear(spaced(10, 91n * DAY))).toBe(4); // round(365.25 / 91) = 4
    expect(inferPeriodsPerYear(spaced(3, 365n * DAY))).toBe(1);
    expect(inferPeriodsPerYear([T0])).toBeNull();
  });

  it('counts bars per trading day for intraday data', () => {
    // 5-minute bars from 14:30 to 20:55 UTC (78 a day) on 3 days: 252 x 78.
    const bars: bigint[] = [];
    for (let d = 0n; d < 3n; d++) {
      for (let k = 0n; k < 78n; k++)
        bars.push(T0 + d * DAY + 52_200_000_000_000n + k * 300_000_000_000n);
    }
    expect(inferPeriodsPerYear(bars)).toBe(252 * 78);
    // Hourly around the clock: 24 a day.
    expect(inferPeriodsPerYear(spaced(24 * 5, 3_600_000_000_000n))).toBe(252 * 24);
  });
});

describe('calculateContribution', () => {
  it('matches a hand calculation', () => {
    // Portfolio E_0 = 200: sleeve A 100 -> 110 -> 160 (50 in) -> 176; B 100 -> 95 -> 45 (50 out) -> 45.
    // A: (110 - 100) + (160 - 50 - 110) + (176 - 160) = 26 -> 0.13; B: -5 + (45 + 50 - 95) + 0 = -5 -> -0.025.
    const contribution = calculateContribution({
      initialCapital: 200,
      sleeves: {
        A: { initial: 100, equity: [110, 160, 176], transfers: [0, 50, 0] },
        B: { initial: 100, equity: [95, 45, 45], transfers: [0, -50, 0] },
      },
    });
    expect(contribution.A).toBeCloseTo(0.13, 12);
    expect(contribution.B).toBeCloseTo(-0.025, 12);
    // Portfolio: 200 -> 221, total return 0.105 = 0.13 - 0.025.
    expect(contribution.A! + contribution.B!).toBeCloseTo(221 / 200 - 1, 12);
  });
});

/** A portfolio of k sleeves plus unallocated cash with random P&L and transfers summing to zero. */
const portfolio = fc
  .record({
    sleeves: fc.integer({ min: 1, max: 4 }),
    bars: fc.integer({ min: 1, max: 40 }),
    seed: fc.integer(),
  })
  .map(({ sleeves, bars, seed }) => {
    let state = seed >>> 0;
    const uniform = (): number => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 4294967296;
    };
    const initial = Array.from({ length: sleeves }, () => 100 + 900 * uniform());
    let unallocated = 50 * uniform();
    const e0 = initial.reduce((s, v) => s + v, 0) + unallocated;
    const equity = initial.map(() => new Float64Array(bars));
    const transfers = initial.map(() => new Float64Array(bars));
    const total = new Float64Array(bars);
    const current = [...initial];
    for (let t = 0; t < bars; t++) {
      let net = 0;
      for (let i = 0; i < sleeves; i++) {
        const gain = current[i]! * (uniform() * 0.2 - 0.1);
        // Move at most a tenth of the sleeve, so capital stays positive.
        const flow = uniform() < 0.3 ? current[i]! * (uniform() * 0.2 - 0.1) : 0;
        current[i] = current[i]! + gain + flow;
        net += flow;
        equity[i]![t] = current[i]!;
        transfers[i]![t] = flow;
      }
      unallocated -= net; // unallocated cash funds the transfers and earns nothing
      total[t] = current.reduce((s, v) => s + v, 0) + unallocated;
    }
    return { initial, equity, transfers, total, e0, bars };
  });

describe('metric properties', () => {
  test.prop([portfolio], { numRuns: 200, seed: 71 })(
    'contributions sum to the portfolio total return (sleeves + unallocated cash)',
    ({ initial, equity, transfers, total, e0, bars }) => {
      const sleeves = Object.fromEntries(
        initial.map((v, i) => [
          `s${i}`,
          { initial: v, equity: equity[i]!, transfers: transfers[i]! },
        ]),
      );
      const contribution = calculateContribution({ initialCapital: e0, sleeves });
      const sum = Object.values(contribution).reduce((s, v) => s + v, 0);
      const metrics = calculateMetrics({
        equity: total,
        timestamps: daily(bars),
        initialCapital: e0,
      });
      expect(Math.abs(sum - metrics.totalReturn!)).toBeLessThan(1e-12);
    },
  );

  test.prop(
    [
      fc.array(fc.double({ min: 1e-3, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 60 }),
      fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
    ],
    { numRuns: 300, seed: 72 },
  )(
    'max drawdown is in [-1, 0] and nothing is NaN for positive equity',
    (equity, initialCapital) => {
      const m = calculateMetrics({
        equity,
        timestamps: daily(equity.length),
        initialCapital,
        tradedNotional: 10,
        costs: 0,
      });
      expect(m.maxDrawdown!).toBeGreaterThanOrEqual(-1);
      expect(m.maxDrawdown!).toBeLessThanOrEqual(0);
      for (const value of Object.values(m))
        expect(value === null || Number.isFinite(value)).toBe(true);
      // Brute force: the largest fall from any earlier peak (E_0 included).
      let worst = 0;
      const path = [initialCapital, ...equity];
      for (let j = 1; j < path.length; j++) {
        for (let i = 0; i < j; i++) worst = Math.min(worst, path[j]! / path[i]! - 1);
      }
      expect(m.maxDrawdown!).toBeCloseTo(worst, 12);
    },
  );

  test.prop([fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 30 })], {
    numRuns: 300,
    seed: 73,
  })('never returns NaN or Infinity, whatever the equity (zeros and negatives too)', (equity) => {
    const m = calculateMetrics({
      equity,
      timestamps: daily(equity.length),
      initialCapital: 100,
      tradedNotional: 5,
    });
    for (const value of Object.values(m))
      expect(value === null || Number.isFinite(value)).toBe(true);
  });

  test.prop(
    [
      fc.array(fc.double({ min: 1, max: 1e4, noNaN: true }), { minLength: 2, maxLength: 30 }),
      fc.double({ min: 0.01, max: 100, noNaN: true }),
    ],
    { numRuns: 200, seed: 74 },
  )('scaling every amount leaves the ratios unchanged', (equity, scale) => {
    const a = calculateMetrics({
      equity,
      timestamps: daily(equity.length),
      initialCapital: 500,
      tradedNotional: 300,
    });
    const b = calculateMetrics({
      equity: equity.map((e) => e * scale),
      timestamps: daily(equity.length),
      initialCapital: 500 * scale,
      tradedNotional: 300 * scale,
    });
    for (const key of [
      'totalReturn',
      'volatility',
      'sharpe',
      'sortino',
      'maxDrawdown',
      'turnover',
    ] as const) {
      if (a[key] === null) expect(b[key]).toBeNull();
      else expect(b[key]!).toBeCloseTo(a[key], 6);
    }
  });

  test.prop([portfolio], { numRuns: 100, seed: 75 })(
    'flow-adjusted returns without transfers are the plain returns',
    ({ total, e0, bars }) => {
      const plain = calculateMetrics({
        equity: total,
        timestamps: daily(bars),
        initialCapital: e0,
      });
      const adjusted = calculateMetrics({
        equity: total,
        timestamps: daily(bars),
        initialCapital: e0,
        transfers: new Float64Array(bars),
      });
      expect(adjusted.totalReturn!).toBeCloseTo(plain.totalReturn!, 10);
      expect(adjusted.maxDrawdown!).toBeCloseTo(plain.maxDrawdown!, 10);
      expect(adjusted.maxDrawdownDurationBars).toBe(plain.maxDrawdownDurationBars);
    },
  );
});

describe('one return-statistics rule with the risk package', () => {
  it('reports the Sharpe and volatility the risk package computes from the same returns', () => {
    // A small seeded curve: equity after each bar, daily timestamps (P = 252).
    const equity: number[] = [];
    const timestamps: bigint[] = [];
    let value = 1000;
    let seed = 12345;
    for (let t = 0; t < 300; t++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      value *= 1 + (seed / 2147483648 - 0.5) * 0.04;
      equity.push(value);
      timestamps.push(BigInt(t) * 86_400_000_000_000n);
    }
    const metrics = calculateMetrics({ equity, timestamps, initialCapital: 1000 });
    const returns = calculateReturns(equity, 1000);
    const stats = calculateReturnStats(returns, { periodsPerYear: 252 });
    expect(metrics.sharpe).toBe(stats.sharpe);
    expect(metrics.volatility).toBe(stats.volatility);
  });

  it('gives no Sharpe for a flat curve, as the risk package does (zero volatility)', () => {
    const equity = [1000, 1000, 1000, 1000];
    const timestamps = [0n, 1n, 2n, 3n].map((d) => d * 86_400_000_000_000n);
    const metrics = calculateMetrics({ equity, timestamps, initialCapital: 1000 });
    const stats = calculateReturnStats(calculateReturns(equity, 1000), { periodsPerYear: 252 });
    expect(metrics.sharpe).toBeNull();
    expect(stats.sharpe).toBeNull();
  });
});
