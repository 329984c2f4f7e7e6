import { describe, expect, it } from 'vitest';
import { createPriceData, PriceData } from './price-data.js';

const N = Number.NaN;

describe('PriceData', () => {
  // Steps 0..4 at t = 10, 20, 30, 40, 50; A trades at 0, 1, 3, 4; B starts at step 2.
  const data = createPriceData({
    timestamps: [10n, 20n, 30n, 40n, 50n],
    bars: {
      A: { close: [1, 2, N, 4, 5] },
      B: { close: [N, N, 3, 3.5, N], volume: [N, N, 7, 8, N] },
    },
    source: 'crafted',
  });

  it('knows where each symbol has bars', () => {
    expect(data.symbols).toEqual(['A', 'B']);
    expect(data.steps).toBe(5);
    expect([...data.firstStep]).toEqual([0, 2]);
    expect([...data.lastStep]).toEqual([4, 3]);
    expect([...data.barCounts]).toEqual([4, 2]);
    expect(data.barEvents).toBe(6);
    expect(data.isAligned).toBe(false);
    expect([0, 1, 2, 3, 4].map((t) => data.hasBar(0, t))).toEqual([true, true, false, true, true]);
    expect([0, 1, 2, 3, 4].map((t) => data.exists(1, t))).toEqual([false, false, true, true, true]);
    expect(data.lastBarStep(0, 2)).toBe(1);
    expect(data.lastBarStep(1, 1)).toBe(-1);
    expect(data.lastBarStep(1, 4)).toBe(3);
    expect(data.symbolIndex('B')).toBe(1);
    expect(data.symbolIndex('Z')).toBe(-1);
    expect([...data.volume[1]!]).toEqual([N, N, 7, 8, N]);
    expect([...data.open[0]!]).toEqual([1, 2, N, 4, 5]);
    // Steps 1..3: A at 1 and 3, B at 2 and 3 -> 4; all steps: 4 + 2 = 6.
    expect(data.countBarEvents(1, 3)).toBe(4);
    expect(data.countBarEvents(0, 99)).toBe(6);
  });

  it('copies its columns onto shared memory, equal and independent', () => {
    const columns = data.sharedColumns();
    const copy = new PriceData(columns);
    for (const name of ['open', 'high', 'low', 'close', 'volume'] as const) {
      columns[name].forEach((column, s) => {
        expect(column.buffer).toBeInstanceOf(SharedArrayBuffer);
        expect(Buffer.from(column.buffer).equals(Buffer.from(data[name][s]!.buffer))).toBe(true);
      });
    }
    expect(columns.timestamps.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect([...copy.timestamps]).toEqual([...data.timestamps]);
    expect(copy.barEvents).toBe(data.barEvents);
    expect(copy.source).toBe('crafted');
    // A copy: writing to it leaves the original as it was.
    columns.close[0]![0] = 99;
    expect(data.close[0]![0]).toBe(1);
  });

  it('finds steps by time (binary search; reference: a linear scan)', () => {
    for (const ts of [0n, 10n, 15n, 20n, 50n, 51n]) {
      const linearAfter = [...data.timestamps].findIndex((t) => t >= ts);
      const linearBefore = [...data.timestamps].map((t) => t <= ts).lastIndexOf(true);
      expect(data.stepAtOrAfter(ts)).toBe(linearAfter === -1 ? data.steps : linearAfter);
      expect(data.stepAtOrBefore(ts)).toBe(linearBefore);
    }
  });

  it('refuses broken invariants', () => {
    const one = (values: number[]): Float64Array => Float64Array.from(values);
    const base = {
      symbols: ['A'],
      timestamps: BigInt64Array.from([1n, 2n]),
      open: [one([1, 1])],
      high: [one([1, 1])],
      low: [one([1, 1])],
      close: [one([1, 1])],
      volume: [one([0, 0])],
    };
    expect(() => new PriceData(base)).not.toThrow();
    // Prices near the largest double are prices: their sum (2e308) overflows, each does not.
    const big = one([5e307, 5e307]);
    expect(
      () => new PriceData({ ...base, open: [big], high: [big], low: [big], close: [big] }),
    ).not.toThrow();
    expect(() => new PriceData({ ...base, high: [one([1, Infinity])] })).toThrow(/finite/);
    expect(() => new PriceData({ ...base, timestamps: BigInt64Array.from([2n, 2n]) })).toThrow(
      /strictly increasing/,
    );
    expect(() => new PriceData({ ...base, symbols: ['A B'] })).toThrow(/invalid symbol/);
    expect(() => new PriceData({ ...base, close: [one([1, 0])] })).toThrow(/> 0/);
    expect(() => new PriceData({ ...base, volume: [one([0, -1])] })).toThrow(/volume/);
    expect(() => new PriceData({ ...base, close: [one([1])] })).toThrow(/values/);
    expect(() => new PriceData({ ...base, close: [one([N, 1])] })).toThrow(
      /no close but other values/,
    );
  });
});
