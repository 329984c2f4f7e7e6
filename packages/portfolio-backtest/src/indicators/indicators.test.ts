import { fc, test } from '@fast-check/vitest';
import { BollingerBands, RSI, TEMA } from 'trading-signals';
import { describe, expect, it } from 'vitest';
import { BollingerBandsWindow } from './bollinger-bands.js';
import { RollingTrendline } from './rolling-trendline.js';
import { TripleEma } from './triple-ema.js';
import { WilderRsi } from './wilder-rsi.js';

/** A random walk of positive prices (no flat steps, so RSI is never 0/0). */
const walk = (length: number) =>
  fc
    .array(
      fc.double({ min: -0.05, max: 0.05, noNaN: true }).filter((r) => Math.abs(r) > 1e-6),
      {
        minLength: length,
        maxLength: length,
      },
    )
    .map((returns) => {
      let price = 100;
      return returns.map((r) => (price *= 1 + r));
    });

const close = (a: number, b: number, tolerance = 1e-9): boolean =>
  Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(b));

// Brute-force references: each recomputes from the whole prefix, with no state carried.
function bruteRsi(prices: readonly number[], period: number): number {
  if (prices.length <= period) return Number.NaN;
  const changes = prices.slice(1).map((p, i) => p - (prices[i] as number));
  let gain = changes.slice(0, period).reduce((s, c) => s + Math.max(c, 0), 0) / period;
  let loss = changes.slice(0, period).reduce((s, c) => s + Math.max(-c, 0), 0) / period;
  for (const c of changes.slice(period)) {
    gain = (gain * (period - 1) + Math.max(c, 0)) / period;
    loss = (loss * (period - 1) + Math.max(-c, 0)) / period;
  }
  if (loss === 0) return gain === 0 ? 50 : 100;
  return (100 * gain) / (gain + loss);
}

function bruteBands(
  prices: readonly number[],
  period: number,
  k: number,
): [number, number, number] {
  if (prices.length < period) return [Number.NaN, Number.NaN, Number.NaN];
  const window = prices.slice(-period);
  const mean = window.reduce((s, p) => s + p, 0) / period;
  const sd = Math.sqrt(window.reduce((s, p) => s + (p - mean) ** 2, 0) / period);
  return [mean - k * sd, mean, mean + k * sd];
}

function bruteTrendline(values: readonly number[], length: number): number {
  if (values.length < length) return Number.NaN;
  const ys = values.slice(-length);
  const xMean = (length - 1) / 2;
  const yMean = ys.reduce((s, y) => s + y, 0) / length;
  let sxy = 0;
  let sxx = 0;
  ys.forEach((y, x) => {
    sxy += (x - xMean) * (y - yMean);
    sxx += (x - xMean) ** 2;
  });
  const slope = sxy / sxx;
  return yMean + slope * (length - xMean);
}

describe('WilderRsi', () => {
  it('matches a hand calculation', () => {
    // period 2, prices 10, 11, 13, 12: changes +1, +2, -1.
    // After 13: avg gain (1 + 2) / 2 = 1.5, avg loss 0 -> RSI 100.
    // After 12: gain 1.5 + (0 - 1.5) / 2 = 0.75, loss 0 + (1 - 0) / 2 = 0.5, RS 1.5 -> 100 - 100 / 2.5 = 60.
    const rsi = new WilderRsi(2);
    expect([10, 11, 13, 12].map((p) => rsi.update(p))).toEqual([Number.NaN, Number.NaN, 100, 60]);
    const flat = new WilderRsi(2);
    expect([5, 5, 5].map((p) => flat.update(p))[2]).toBe(50);
  });

  test.prop([walk(120), fc.integer({ min: 1, max: 30 })], { numRuns: 100, seed: 51 })(
    'equals a brute-force recomputation and trading-signals RSI at every step',
    (prices, period) => {
      const ours = new WilderRsi(period);
      const theirs = new RSI(period);
      prices.forEach((price, t) => {
        const value = ours.update(price);
        const reference = theirs.add(price);
        const brute = bruteRsi(prices.slice(0, t + 1), period);
        if (t < period) {
          expect(value).toBeNaN();
          if (period >= 2) expect(reference).toBeNull();
        } else {
          expect(close(value, brute)).toBe(true);
          // trading-signals 8.3.0 keeps only `period` prices, so RSI(1) never yields a value there.
          if (period >= 2) expect(close(value, reference as number)).toBe(true);
        }
      });
    },
  );
});

describe('BollingerBandsWindow', () => {
  it('matches a hand calculation', () => {
    // period 3, k 2, prices 1, 2, 3: mean 2, population variance (1 + 0 + 1) / 3 = 2/3.
    const bands = new BollingerBandsWindow(3, 2);
    [1, 2, 3].forEach((p) => bands.update(p));
    expect(bands.middle).toBe(2);
    expect(bands.upper).toBeCloseTo(2 + 2 * Math.sqrt(2 / 3), 12);
    expect(bands.lower).toBeCloseTo(2 - 2 * Math.sqrt(2 / 3), 12);
  });

  test.prop(
    [walk(80), fc.integer({ min: 1, max: 25 }), fc.double({ min: 0.5, max: 3, noNaN: true })],
    {
      numRuns: 100,
      seed: 52,
    },
  )(
    'equals a brute-force recomputation and trading-signals BollingerBands',
    (prices, period, k) => {
      const ours = new BollingerBandsWindow(period, k);
      const theirs = new BollingerBands(period, k);
      prices.forEach((price, t) => {
        ours.update(price);
        const reference = theirs.add(price);
        const [lower, middle, upper] = bruteBands(prices.slice(0, t + 1), period, k);
        if (t + 1 < period) {
          expect(ours.isReady).toBe(false);
          expect(reference).toBeNull();
          return;
        }
        expect(
          close(ours.middle, middle) && close(ours.upper, upper) && close(ours.lower, lower),
        ).toBe(true);
        expect(close(ours.upper, reference!.upper) && close(ours.lower, reference!.lower)).toBe(
          true,
        );
      });
    },
  );
});

describe('TripleEma', () => {
  it('matches a hand calculation', () => {
    // period 2, alpha 2/3. EMA1: 3, then 6·2/3 + 3·1/3 = 5 (settled), then 9·2/3 + 5/3 = 23/3.
    // EMA2 starts at 5 (EMA1's settled value), then 23/3·2/3 + 5/3 = 61/9 (settled).
    // EMA3 starts at 61/9 and settles after 2 of its inputs: after a 4th price of 12,
    // EMA1 = 12·2/3 + 23/9 = 95/9, EMA2 = 95/9·2/3 + 61/27 = 251/27, EMA3 = 251/27·2/3 + 61/27 = 685/81.
    // TEMA = 3·95/9 - 3·251/27 + 685/81 = (2565 - 2259 + 685) / 81 = 991/81.
    const tema = new TripleEma(2);
    const values = [3, 6, 9, 12].map((p) => tema.update(p));
    expect(values.slice(0, 3)).toEqual([Number.NaN, Number.NaN, Number.NaN]);
    expect(values[3]).toBeCloseTo(991 / 81, 12);
  });

  test.prop([walk(150), fc.integer({ min: 1, max: 30 })], { numRuns: 100, seed: 53 })(
    'equals trading-signals TEMA at every step',
    (prices, period) => {
      const ours = new TripleEma(period);
      const theirs = new TEMA(period);
      for (const price of prices) {
        const value = ours.update(price);
        const reference = theirs.add(price);
        if (reference === null) expect(value).toBeNaN();
        else expect(close(value, reference)).toBe(true);
      }
    },
  );
});

describe('RollingTrendline', () => {
  it('matches hand calculations', () => {
    // 1, 2, 3 lie on y = 1 + x: at x = 3 the line is 4.
    const line = new RollingTrendline(3);
    [1, 2, 3].forEach((y) => line.push(y));
    expect(line.extrapolate()).toBeCloseTo(4, 12);
    // Window 2, 3, 5 (after pushing 5): x̄ = 1, ȳ = 10/3, Σ(x-x̄)(y-ȳ) = -1·(-4/3) + 0 + 1·(5/3) = 3,
    // Σ(x-x̄)² = 2: slope 1.5, at x = 3: 10/3 + 1.5·2 = 19/3.
    line.push(5);
    expect(line.extrapolate()).toBeCloseTo(19 / 3, 12);
  });

  test.prop([walk(300), fc.integer({ min: 2, max: 40 })], { numRuns: 100, seed: 54 })(
    'equals a brute-force fit of the last window at every step',
    (values, length) => {
      const line = new RollingTrendline(length);
      values.forEach((y, t) => {
        line.push(y);
        const brute = bruteTrendline(values.slice(0, t + 1), length);
        if (t + 1 < length) expect(line.extrapolate()).toBeNaN();
        else expect(close(line.extrapolate(), brute, 1e-8)).toBe(true);
      });
    },
  );
});
