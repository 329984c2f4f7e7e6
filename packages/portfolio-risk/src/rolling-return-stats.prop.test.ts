import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIN_VOLATILITY, sanitizeReturn } from './return-stats.js';
import { RollingReturnStats } from './rolling-return-stats.js';

const DAY = 86_400_000_000_000n;

/** Brute-force window statistics, by other algorithms than the incremental ones. */
function bruteForce(rows: readonly (readonly number[])[], i: number) {
  const values = rows
    .map((row) => sanitizeReturn(row[i] as number))
    .filter((v) => !Number.isNaN(v));
  const count = values.length;
  const mean = count > 0 ? values.reduce((a, b) => a + b, 0) / count : null;
  let variance: number | null = null;
  if (count >= 2 && mean !== null) {
    variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (count - 1);
  }
  // Wealth as a product, floored at 0 (a loss of 100% or more wipes it out).
  let wealth = 1;
  let peak = 1;
  let drawdown = 0;
  for (const v of values) {
    wealth *= Math.max(0, 1 + v);
    peak = Math.max(peak, wealth);
    drawdown = Math.min(drawdown, wealth / peak - 1);
  }
  return { count, mean, variance, maxDrawdown: count > 0 ? drawdown : null };
}

function bruteCovariance(rows: readonly (readonly number[])[], n: number): Float64Array {
  const t = rows.length;
  const x = rows.map((row) =>
    row.map((v) => {
      const s = sanitizeReturn(v);
      return Number.isNaN(s) ? 0 : s;
    }),
  );
  const mean = Array.from(
    { length: n },
    (_, i) => x.reduce((a, row) => a + (row[i] as number), 0) / t,
  );
  const cov = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (const row of x)
        s +=
          ((row[i] as number) - (mean[i] as number)) * ((row[j] as number) - (mean[j] as number));
      cov[i * n + j] = s / (t - 1);
    }
  }
  return cov;
}

const closeTo = (actual: number, expected: number, scale: number): boolean =>
  Math.abs(actual - expected) <= 1e-9 * scale + 1e-13;

/** Returns mixing ordinary values with the awkward ones: missing, constant runs, total losses, huge. */
const returnValue = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -2000, max: 2000 }).map((bp) => bp / 10_000) },
  { weight: 2, arbitrary: fc.double({ min: -0.2, max: 0.2, noNaN: true }) },
  { weight: 2, arbitrary: fc.constant(Number.NaN) },
  { weight: 3, arbitrary: fc.constant(0.001) },
  { weight: 1, arbitrary: fc.constantFrom(-1, -1.5, 5, Infinity, 1e9) },
);

const scenario = fc.integer({ min: 1, max: 4 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    windowDays: fc.integer({ min: 1, max: 40 }),
    bars: fc.array(
      fc.record({
        gapHours: fc.constantFrom(1, 6, 24, 24, 24, 72, 24 * 9),
        returns: fc.array(returnValue, { minLength: n, maxLength: n }),
        advanceHours: fc.option(fc.integer({ min: 1, max: 24 * 20 }), { freq: 8 }),
      }),
      { minLength: 1, maxLength: 260 },
    ),
  }),
);

describe('RollingReturnStats against a brute-force recomputation of the window', () => {
  it('agrees on count, mean, variance, drawdown and covariance at every step', () => {
    fc.assert(
      fc.property(scenario, ({ n, windowDays, bars }) => {
        const windowNs = BigInt(windowDays) * DAY;
        const rolling = new RollingReturnStats(
          Array.from({ length: n }, (_, i) => `s${i}`),
          { windowNs, initialCapacity: 2 },
        );
        const pushed: { t: bigint; returns: number[] }[] = [];
        let t = 1_700_000_000_000_000_000n;
        let end = t;
        for (const bar of bars) {
          t += BigInt(bar.gapHours) * 3_600_000_000_000n;
          if (t <= end) t = end + 1n;
          rolling.push(t, bar.returns);
          pushed.push({ t, returns: bar.returns });
          end = t;
          if (bar.advanceHours !== null) {
            end = t + BigInt(bar.advanceHours) * 3_600_000_000_000n;
            rolling.advanceTo(end);
          }
          const window = pushed.filter((p) => p.t > end - windowNs).map((p) => p.returns);
          expect(rolling.size).toBe(window.length);
          for (let i = 0; i < n; i++) {
            const expected = bruteForce(window, i);
            expect(rolling.count(i)).toBe(expected.count);
            const mean = rolling.mean(i);
            if (expected.mean === null) expect(mean).toBeNull();
            else
              expect(closeTo(mean as number, expected.mean, 1 + Math.abs(expected.mean))).toBe(
                true,
              );
            const variance = rolling.variance(i);
            if (expected.variance === null) expect(variance).toBeNull();
            else {
              expect(closeTo(variance as number, expected.variance, 1 + expected.variance)).toBe(
                true,
              );
              // Zero volatility is decided the same way (exact recomputation near zero).
              expect(Math.sqrt(variance as number) <= MIN_VOLATILITY).toBe(
                Math.sqrt(expected.variance) <= MIN_VOLATILITY,
              );
            }
            const drawdown = rolling.maxDrawdown(i);
            if (expected.maxDrawdown === null) expect(drawdown).toBeNull();
            else expect(closeTo(drawdown as number, expected.maxDrawdown, 1)).toBe(true);
          }
          if (window.length >= 2) {
            const cov = new Float64Array(n * n);
            expect(rolling.covarianceInto(cov)).toBe(window.length);
            const expected = bruteCovariance(window, n);
            let scale = 1;
            for (let k = 0; k < n * n; k++)
              scale = Math.max(scale, Math.abs(expected[k] as number));
            for (let k = 0; k < n * n; k++) {
              expect(closeTo(cov[k] as number, expected[k] as number, scale)).toBe(true);
            }
          }
        }
      }),
      { seed: 20250601, numRuns: 120 },
    );
  });
});
