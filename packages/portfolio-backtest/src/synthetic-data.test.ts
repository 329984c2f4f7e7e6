import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { generateSyntheticData } from './synthetic-data.js';

describe('generateSyntheticData', () => {
  it('is deterministic for a seed', () => {
    const a = generateSyntheticData({ symbols: 3, bars: 50, seed: 1 });
    const b = generateSyntheticData({ symbols: 3, bars: 50, seed: 1 });
    const c = generateSyntheticData({ symbols: 3, bars: 50, seed: 2 });
    expect(a.close.map((x) => [...x])).toEqual(b.close.map((x) => [...x]));
    expect(a.close.map((x) => [...x])).not.toEqual(c.close.map((x) => [...x]));
    expect(a.symbols).toEqual(['S01', 'S02', 'S03']);
  });

  it('spaces bars by stepNs from startNs', () => {
    const data = generateSyntheticData({
      symbols: ['X'],
      bars: 3,
      seed: 1,
      startNs: 1000n,
      stepNs: 60n,
    });
    expect([...data.timestamps]).toEqual([1000n, 1060n, 1120n]);
  });

  it('refuses a range past 64-bit nanoseconds', () => {
    expect(() => generateSyntheticData({ symbols: 1, bars: 100_000, seed: 1 })).toThrow(/2262/);
  });

  test.prop([fc.integer(), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 300 })], {
    numRuns: 60,
    seed: 41,
  })(
    'makes valid OHLCV: high >= max(open, close), low <= min(open, close), prices > 0',
    (seed, symbols, bars) => {
      const data = generateSyntheticData({ symbols, bars, seed });
      expect(data.isAligned).toBe(true);
      for (let s = 0; s < symbols; s++) {
        for (let t = 0; t < bars; t++) {
          const o = data.open[s]![t]!;
          const h = data.high[s]![t]!;
          const l = data.low[s]![t]!;
          const c = data.close[s]![t]!;
          expect(h).toBeGreaterThanOrEqual(Math.max(o, c));
          expect(l).toBeLessThanOrEqual(Math.min(o, c));
          expect(l).toBeGreaterThan(0);
          expect(Number.isInteger(data.volume[s]![t]!)).toBe(true);
        }
      }
    },
  );

  it('has a realized volatility between the calmest and the wildest regime', () => {
    const data = generateSyntheticData({
      symbols: 2,
      bars: 20_000,
      seed: 5,
      stepNs: 3_600_000_000_000n,
    });
    for (const column of data.close) {
      let sum = 0;
      let sumSq = 0;
      for (let t = 1; t < column.length; t++) {
        const r = Math.log(column[t]! / column[t - 1]!);
        sum += r;
        sumSq += r * r;
      }
      const n = column.length - 1;
      const annualized = Math.sqrt((sumSq - (sum * sum) / n) / (n - 1)) * Math.sqrt(252);
      // Regime vols are 0.12..0.45 scaled by 0.8..1.2 per symbol: 0.096..0.54.
      expect(annualized).toBeGreaterThan(0.096);
      expect(annualized).toBeLessThan(0.54);
    }
  });

  test.prop([fc.integer()], { numRuns: 5, seed: 42 })(
    'stays finite and positive over 50,000 bars',
    (seed) => {
      const data = generateSyntheticData({ symbols: 1, bars: 50_000, seed });
      const close = data.close[0]!;
      let max = 0;
      let min = Infinity;
      for (const value of close) {
        max = Math.max(max, value);
        min = Math.min(min, value);
      }
      expect(min).toBeGreaterThan(0);
      expect(Number.isFinite(max)).toBe(true);
    },
  );
});
