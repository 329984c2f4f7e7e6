import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { daysFromCivil, formatTimestampNs, parseTimestamp } from './timestamp-text.js';

const ns = (text: string): bigint => {
  const result = parseTimestamp(text);
  if (!result.success) throw new Error(result.error);
  return result.data.ns;
};

describe('parseTimestamp', () => {
  it('reads an ISO date as UTC midnight', () => {
    // 1970-01-01 .. 2000-01-01: 30 years x 365 days + 7 leap days (72, 76, 80, 84, 88, 92, 96)
    // = 10957 days; 2000-01-03 is 10959 days = 946,857,600 s.
    expect(ns('2000-01-03')).toBe(946_857_600n * 1_000_000_000n);
    expect(parseTimestamp('2000-01-03')).toMatchObject({ success: true, data: { dateOnly: true } });
    expect(ns('1970-01-01')).toBe(0n);
  });

  it('reads date-times with Z, offsets, no zone (UTC) and fractions to the nanosecond', () => {
    const midnight = 946_857_600n * 1_000_000_000n;
    // 14:30:15 = 52,215 s after midnight.
    expect(ns('2000-01-03T14:30:15Z')).toBe(midnight + 52_215n * 1_000_000_000n);
    expect(ns('2000-01-03 14:30:15')).toBe(midnight + 52_215n * 1_000_000_000n);
    // +02:00 is two hours ahead of UTC: 14:30:15+02:00 = 12:30:15Z = 45,015 s.
    expect(ns('2000-01-03T14:30:15+02:00')).toBe(midnight + 45_015n * 1_000_000_000n);
    expect(ns('2000-01-03T14:30:15+0200')).toBe(midnight + 45_015n * 1_000_000_000n);
    // -05 is five hours behind: 14:30 local = 19:30Z = 70,200 s.
    expect(ns('2000-01-03T14:30-05')).toBe(midnight + 70_200n * 1_000_000_000n);
    expect(ns('2000-01-03T00:00:00.000000001Z')).toBe(midnight + 1n);
    expect(ns('2000-01-03T00:00:00.5Z')).toBe(midnight + 500_000_000n);
    expect(parseTimestamp('2000-01-03T00:00Z')).toMatchObject({
      success: true,
      data: { dateOnly: false },
    });
  });

  it('reads integer epoch nanoseconds, negative ones included', () => {
    expect(ns('1700000000123456789')).toBe(1_700_000_000_123_456_789n);
    expect(ns('-1')).toBe(-1n);
    expect(ns('-1000000001')).toBe(-1_000_000_001n);
    expect(ns('0')).toBe(0n);
    expect(ns('9223372036854775807')).toBe(9_223_372_036_854_775_807n);
    expect(ns('-9223372036854775808')).toBe(-9_223_372_036_854_775_808n);
  });

  it('explains what is wrong', () => {
    const bad: [string, RegExp][] = [
      ['2000-13-01', /month 13/],
      ['2001-02-29', /day 29 \(month 2 of 2001 has 28\)/],
      ['2000-01-03T24:00Z', /time out of range/],
      ['2000-01-03T10:00:61Z', /time out of range/],
      ['2000-01-03T10:00+25:00', /invalid UTC offset/],
      ['2000-01-03T10:00:00.1234567891Z', /more than 9 fraction digits/],
      ['2000-1-3', /not a valid date/],
      ['Jan 1 2000', /not a valid timestamp/],
      ['9223372036854775808', /out of the range/],
      ['2300-01-01', /out of range/],
      ['', /is empty/],
    ];
    for (const [text, reason] of bad) {
      const result = parseTimestamp(text);
      expect(result.success, text).toBe(false);
      if (!result.success) expect(result.error).toMatch(reason);
    }
  });

  test.prop(
    [
      fc.date({
        min: new Date('1678-01-01T00:00:00Z'),
        max: new Date('2261-12-31T23:59:59Z'),
        noInvalidDate: true,
      }),
    ],
    { numRuns: 500, seed: 21 },
  )('agrees with Date on ISO text (reference: Date.getTime)', (date) => {
    const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
    expect(ns(iso)).toBe(BigInt(date.getTime()) * 1_000_000n);
    expect(ns(iso.slice(0, 10))).toBe(
      BigInt(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate())) * 1_000_000n,
    );
  });

  test.prop([fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })], { numRuns: 500, seed: 22 })(
    'round-trips epoch nanoseconds as decimal text',
    (value) => {
      expect(ns(value.toString())).toBe(value);
    },
  );
});

describe('daysFromCivil', () => {
  it('counts days from 1970-01-01 (reference: Date.UTC)', () => {
    for (const [y, m, d] of [
      [1970, 1, 1],
      [2000, 2, 29],
      [1900, 3, 1],
      [1678, 1, 1],
      [2261, 12, 31],
    ] as const) {
      expect(daysFromCivil(y, m, d)).toBe(Date.UTC(y, m - 1, d) / 86_400_000);
    }
  });
});

describe('formatTimestampNs', () => {
  it('keeps sub-millisecond digits and handles times before 1970', () => {
    expect(formatTimestampNs(946_857_600_000_000_001n)).toBe('2000-01-03T00:00:00.000000001Z');
    expect(formatTimestampNs(-1n)).toBe('1969-12-31T23:59:59.999999999Z');
    expect(formatTimestampNs(0n)).toBe('1970-01-01T00:00:00Z');
  });
});
