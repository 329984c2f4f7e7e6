// Min-max downsampling: hand-worked cases and, as properties, a brute-force check of its promise.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { downsampleMinMax } from './downsample.js';

/** The promise, checked the slow way: every bucket's min and max of every series is kept. */
function bruteForceViolations(
  length: number,
  series: readonly (number | null)[][],
  maxPoints: number,
  keep: readonly number[],
  kept: readonly number[],
): string[] {
  const problems: string[] = [];
  const keptSet = new Set(kept);
  if (length <= maxPoints) {
    if (kept.length !== length) problems.push('short series not kept whole');
    return problems;
  }
  const buckets = Math.floor(maxPoints / 2);
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * length) / buckets);
    const to = Math.floor(((b + 1) * length) / buckets);
    series.forEach((values, s) => {
      const present: { i: number; v: number }[] = [];
      for (let i = from; i < to; i++) {
        const v = values[i];
        if (v !== null && v !== undefined) present.push({ i, v });
      }
      if (present.length === 0) return;
      const min = Math.min(...present.map((p) => p.v));
      const max = Math.max(...present.map((p) => p.v));
      const keptValues = present.filter((p) => keptSet.has(p.i)).map((p) => p.v);
      if (!keptValues.includes(min)) problems.push(`series ${s} bucket ${b}: min ${min} lost`);
      if (!keptValues.includes(max)) problems.push(`series ${s} bucket ${b}: max ${max} lost`);
    });
  }
  for (const index of keep) if (!keptSet.has(index)) problems.push(`pinned ${index} lost`);
  if (!keptSet.has(0) || !keptSet.has(length - 1)) problems.push('an end was lost');
  return problems;
}

describe('downsampleMinMax', () => {
  it('keeps every index at or below maxPoints', () => {
    expect(downsampleMinMax(5, [[1, 2, 3, 4, 5]], { maxPoints: 5 })).toEqual([0, 1, 2, 3, 4]);
    expect(downsampleMinMax(0, [[]], { maxPoints: 16 })).toEqual([]);
  });

  it('keeps each bucket’s first min and max, the ends and the pinned bars (worked by hand)', () => {
    // 10 values, maxPoints 4 -> 2 buckets: [0, 5) and [5, 10).
    // values      3 1 4 1 5 | 9 2 6 5 3
    // bucket 0: min 1 first at 1, max 5 at 4; bucket 1: min 2 at 6, max 9 at 5.
    // Ends 0 and 9; pinned 7.  -> {0, 1, 4, 5, 6, 7, 9}
    const values = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3];
    expect(downsampleMinMax(10, [values], { maxPoints: 4, keep: [7] })).toEqual([
      0, 1, 4, 5, 6, 7, 9,
    ]);
  });

  it('ignores missing values when it looks for extremes', () => {
    // 8 values, maxPoints 2 -> 1 bucket; min -1 at 2, max 7 at 6; ends 0 and 7.
    const values = [null, 4, -1, null, 3, Number.NaN, 7, null];
    expect(downsampleMinMax(8, [values], { maxPoints: 2 })).toEqual([0, 2, 6, 7]);
  });

  it('refuses a maxPoints below 2 or a negative length', () => {
    expect(() => downsampleMinMax(10, [], { maxPoints: 1 })).toThrow(RangeError);
    expect(() => downsampleMinMax(-1, [], { maxPoints: 10 })).toThrow(RangeError);
  });

  const caseArb = fc
    .record({
      length: fc.integer({ min: 0, max: 400 }),
      seriesCount: fc.integer({ min: 1, max: 4 }),
      maxPoints: fc.integer({ min: 2, max: 120 }),
    })
    .chain(({ length, seriesCount, maxPoints }) =>
      fc.record({
        length: fc.constant(length),
        maxPoints: fc.constant(maxPoints),
        series: fc.array(
          fc.array(fc.option(fc.integer({ min: -50, max: 50 }), { freq: 8, nil: null }), {
            minLength: length,
            maxLength: length,
          }),
          { minLength: seriesCount, maxLength: seriesCount },
        ),
        keep:
          length === 0
            ? fc.constant([])
            : fc.array(fc.integer({ min: 0, max: length - 1 }), { maxLength: 10 }),
      }),
    );

  it('keeps every bucket’s extremes of every series and every pinned bar (brute force)', () => {
    fc.assert(
      fc.property(caseArb, ({ length, series, maxPoints, keep }) => {
        const kept = downsampleMinMax(length, series, { maxPoints, keep });
        expect(bruteForceViolations(length, series, maxPoints, keep, kept)).toEqual([]);
      }),
      { numRuns: 400, seed: 42 },
    );
  });

  it('returns sorted distinct indices within bounds, no more than 2 per bucket and series plus ends and pins', () => {
    fc.assert(
      fc.property(caseArb, ({ length, series, maxPoints, keep }) => {
        const kept = downsampleMinMax(length, series, { maxPoints, keep });
        for (let k = 1; k < kept.length; k++)
          expect(kept[k]).toBeGreaterThan(kept[k - 1] as number);
        for (const index of kept) expect(index >= 0 && index < length).toBe(true);
        if (length > maxPoints) {
          const bound = 2 * Math.floor(maxPoints / 2) * series.length + 2 + keep.length;
          expect(kept.length).toBeLessThanOrEqual(bound);
        }
      }),
      { numRuns: 400, seed: 43 },
    );
  });
});
