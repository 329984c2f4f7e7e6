import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  calculateDrawdownSeries,
  calculateReturnDrawdown,
  calculateValueDrawdown,
  DrawdownMeter,
} from './drawdown.js';
import { calculateMaxDrawdown } from './return-stats.js';

const DAY = 86_400_000_000_000n;
const days = (n: number, gaps: readonly number[] = []): bigint[] => {
  let t = 0n;
  return Array.from({ length: n }, (_, i) => (t += BigInt(gaps[i] ?? 1) * DAY));
};

/**
 * Brute force, straight from the definitions, O(n^2), in plain values: the peak before t is the
 * max of the start and every value up to t; a value at or below zero is a total loss (-1).
 */
function bruteForce(values: readonly number[], start: number, times?: readonly bigint[]) {
  const n = values.length;
  const peakUpTo = (t: number): number => Math.max(start, ...values.slice(0, t + 1));
  const drawdown = values.map((v, t) => (v > 0 ? v / peakUpTo(t) - 1 : -1));
  // Below the peak: strictly under the highest point before it (the start included).
  const below = values.map((v, t) => v < Math.max(start, ...values.slice(0, t)));
  let longestBars = 0;
  for (let a = 0; a < n; a++) {
    let b = a;
    while (b < n && below[b]) b++;
    longestBars = Math.max(longestBars, b - a);
  }
  let longestSpan = 0;
  if (times !== undefined) {
    for (let t = 0; t < n; t++) {
      if (!below[t]) continue;
      // The point that set the peak this t is under (the last one reaching it; the start is
      // timed at the first point), and the first later point back at or above it (or the end).
      const peak = Math.max(start, ...values.slice(0, t));
      let p = -1;
      for (let s = 0; s < t; s++) if ((values[s] as number) >= peak) p = s;
      let r = t;
      while (r < n - 1 && (values[r] as number) < peak) r++;
      const span = Number((times[r] as bigint) - (times[Math.max(p, 0)] as bigint));
      longestSpan = Math.max(longestSpan, span);
    }
  }
  return { drawdown, maxDrawdown: Math.min(0, ...drawdown), longestBars, longestSpan };
}

describe('one drawdown for values and returns', () => {
  it('matches a hand calculation', () => {
    // Start 100: 110 (peak), 99 (-10%), 108.9 (-1%), 121 (peak), 90.75 (-25%), 121 (recovered).
    const values = [110, 99, 108.9, 121, 90.75, 121];
    const times = days(6, [1, 1, 1, 3, 1, 1]); // days 1, 2, 3, 6, 7, 8
    const summary = calculateValueDrawdown(values, 100, times);
    expect(summary.maxDrawdown).toBeCloseTo(90.75 / 121 - 1, 14); // -0.25
    // Under water: points 2-3 (2 bars, from day 1 to day 6 = 5 days) and point 5 (1 bar, day 6
    // to day 8 = 2 days).
    expect(summary.longestBars).toBe(2);
    expect(summary.longestSpanNs).toBe(Number(5n * DAY));
    const series = calculateDrawdownSeries(values, 100);
    [0, 99 / 110 - 1, 108.9 / 110 - 1, 0, -0.25, 0].forEach((d, t) =>
      expect(series[t]).toBeCloseTo(d, 14),
    );
  });

  it('is -1 at or below zero wealth, never lower, and NaN only where a value is missing', () => {
    expect(calculateValueDrawdown([50, -20, 0, 80], 100).maxDrawdown).toBe(-1);
    expect(Array.from(calculateDrawdownSeries([120, Number.NaN, -5, 60], 100))).toEqual([
      0,
      Number.NaN,
      -1,
      60 / 120 - 1,
    ]);
    expect(calculateReturnDrawdown([0.1, -1.5, 0.2]).maxDrawdown).toBe(-1);
    expect(() => calculateValueDrawdown([1], 0)).toThrow(/start value must be finite and > 0/);
  });

  it('carries a missing return as no change, for the depth and the durations', () => {
    // 1 -> 0.9 -> (missing) -> 0.99 -> 1.089: under water for three points.
    const summary = calculateReturnDrawdown([-0.1, Number.NaN, 0.1, 0.1]);
    expect(summary.maxDrawdown).toBeCloseTo(-0.1, 14);
    expect(summary.longestBars).toBe(3);
    expect(calculateMaxDrawdown([-0.1, Number.NaN, 0.1, 0.1])).toBe(summary.maxDrawdown);
  });

  const positive = fc.double({ min: 1, max: 1000, noNaN: true });

  test.prop(
    [
      fc.array(fc.oneof(positive, positive, positive, fc.constantFrom(0, -3)), { maxLength: 60 }),
      positive,
      fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 60 }),
    ],
    { numRuns: 200 },
  )('agrees with the brute force on value paths', (values, start, gaps) => {
    // The meter compares log levels: a value within a few ulps of its running peak (say
    // 999.9999999999976 under 999.9999999999977) may round to the peak's level, a tie the
    // brute force (plain values) breaks the other way. Durations are compared without such ties.
    let peak = start;
    for (const v of values) {
      fc.pre(!(v !== peak && Math.abs(v / peak - 1) < 1e-12));
      peak = Math.max(peak, v);
    }
    const times = days(values.length, gaps);
    const expected = bruteForce(values, start, times);
    const summary = calculateValueDrawdown(values, start, times);
    expect(summary.maxDrawdown).toBeCloseTo(expected.maxDrawdown, 12);
    expect(summary.longestBars).toBe(expected.longestBars);
    expect(summary.longestSpanNs).toBe(expected.longestSpan);
    const series = calculateDrawdownSeries(values, start);
    expected.drawdown.forEach((d, t) => expect(series[t]).toBeCloseTo(d, 12));
  });

  test.prop([fc.array(fc.double({ min: -0.5, max: 0.5, noNaN: true }), { maxLength: 60 })], {
    numRuns: 200,
  })('gives returns the drawdown of the wealth they compound to', (returns) => {
    // The wealth path 1 x (1 + r_1) x ... as plain values, by brute force.
    const wealth: number[] = [];
    returns.reduce((w, r) => (wealth.push(w * (1 + r)), w * (1 + r)), 1);
    const expected = bruteForce(wealth, 1);
    const summary = calculateReturnDrawdown(returns);
    expect(summary.maxDrawdown).toBeCloseTo(expected.maxDrawdown, 12);
    expect(calculateMaxDrawdown(returns)).toBe(summary.maxDrawdown);
    // Values and returns of the same path agree with each other (ties aside, which rounding of
    // a product and of a sum of logs may break differently: hence the depth only).
    expect(calculateValueDrawdown(wealth, 1).maxDrawdown).toBeCloseTo(summary.maxDrawdown, 12);
  });

  it('meters points one at a time with the same result', () => {
    const meter = new DrawdownMeter();
    const levels = [0.1, -0.2, Number.NaN, 0.05, 0.3];
    const seen = levels.map((level) => meter.push(level));
    // Peak 0.1; -0.2 is e^-0.3 - 1 below it; the missing point repeats -0.2; 0.05 is e^-0.05 - 1.
    expect(seen[0]).toBe(0);
    expect(seen[1]).toBeCloseTo(Math.expm1(-0.3), 15);
    expect(seen[2]).toBe(seen[1]);
    expect(seen[3]).toBeCloseTo(Math.expm1(-0.05), 15);
    expect(seen[4]).toBe(0);
    expect(meter.summary()).toEqual({
      maxDrawdown: seen[1],
      longestBars: 3,
      longestSpanNs: 0,
    });
  });
});
