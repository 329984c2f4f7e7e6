import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { formatPriceCsv } from './price-csv.js';
import {
  generateSyntheticData,
  planSyntheticCsv,
  SyntheticCalendarClock,
  syntheticPriceCsv,
  syntheticSymbolNames,
} from './synthetic-data.js';

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

describe('syntheticPriceCsv', () => {
  it('names symbols zero-padded to the count, so text order is number order', () => {
    const names = syntheticSymbolNames(200);
    expect(names[0]).toBe('S001');
    expect(names[199]).toBe('S200');
    expect([...names].sort()).toEqual(names);
    expect(syntheticSymbolNames(3)).toEqual(['S01', 'S02', 'S03']);
  });

  it('writes the same rows as formatPriceCsv of generateSyntheticData (every-day calendar)', () => {
    // Same seed, same bars per year (365 on the every-day calendar), same daily spacing.
    const streamed = [
      ...syntheticPriceCsv({ symbols: 3, bars: 40, seed: 9, calendar: 'all' }, 100),
    ];
    expect(streamed.length).toBeGreaterThan(1);
    const whole = formatPriceCsv(
      generateSyntheticData({ symbols: 3, bars: 40, seed: 9, barsPerYear: 365 }),
    );
    expect(streamed.join('')).toBe(whole);
  });

  test.prop([fc.integer({ min: 0, max: 3000 }), fc.constantFrom('1d', '1h', '5m', '1m' as const)], {
    numRuns: 40,
    seed: 13,
  })('puts business-calendar bars on weekdays only, evenly inside each day', (k, interval) => {
    // 2000-01-01 is a Saturday: the business calendar starts on Monday 2000-01-03.
    const clock = new SyntheticCalendarClock(Date.UTC(2000, 0, 1) / 1000, interval, 'business');
    const at = clock.secondsAt(k);
    const next = clock.secondsAt(k + 1);
    const weekday = new Date(at * 1000).getUTCDay();
    expect(weekday).toBeGreaterThanOrEqual(1);
    expect(weekday).toBeLessThanOrEqual(5);
    expect(next).toBeGreaterThan(at);
    const step = { '1d': 86_400, '1h': 3600, '5m': 300, '1m': 60 }[interval];
    // Within a week the spacing is the interval; from a Friday's last bar, 2 days more.
    expect([step, step + 2 * 86_400]).toContain(next - at);
  });

  it('uses the business calendar for daily bars by default: 10 bars span two weeks', () => {
    const text = [...syntheticPriceCsv({ symbols: 1, bars: 10, seed: 1 })].join('');
    const dates = text
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.slice(0, 10));
    expect(dates).toEqual([
      '2000-01-03',
      '2000-01-04',
      '2000-01-05',
      '2000-01-06',
      '2000-01-07',
      '2000-01-10',
      '2000-01-11',
      '2000-01-12',
      '2000-01-13',
      '2000-01-14',
    ]);
    const hourly = [...syntheticPriceCsv({ symbols: 1, bars: 2, seed: 1, interval: '1h' })].join(
      '',
    );
    expect(hourly.split('\n')[2]?.slice(0, 20)).toBe('2000-01-03T01:00:00Z');
  });

  it('fits 100,000 daily bars by starting in 1700 when 2000 would pass 2261, and refuses what cannot fit', () => {
    const plan = planSyntheticCsv({ symbols: 10, bars: 100_000, seed: 1 });
    if (!plan.success) throw new Error(plan.error);
    // 1700-01-01 is a Friday. Bar 99,995 is the Friday 19,999 weeks on (139,993 days);
    // bar 99,999 is 4 business days later, the Thursday 6 days on: 139,999 days.
    expect(new Date(plan.firstSec * 1000).toISOString().slice(0, 10)).toBe('1700-01-01');
    expect(plan.lastSec - plan.firstSec).toBe(139_999 * 86_400);
    expect(plan.rows).toBe(1_000_000);
    const tooLong = planSyntheticCsv({ symbols: 1, bars: 300_000, seed: 1 });
    expect(tooLong.success).toBe(false);
    if (!tooLong.success) {
      expect(tooLong.error).toMatch(/past 2261/);
      expect(tooLong.error).toMatch(/use fewer --bars, a shorter --interval or an earlier --start/);
    }
    // An explicit start is kept, and checked.
    const given = planSyntheticCsv({
      symbols: 1,
      bars: 100_000,
      seed: 1,
      startSec: Date.UTC(2000, 0, 3) / 1000,
    });
    expect(given.success).toBe(false);
  });
});
