import { describe, expect, it } from 'vitest';
import { parseDateFlag } from './dates.js';

describe('parseDateFlag', () => {
  it('reads a date as UTC midnight, or as the whole day for --end', () => {
    // 2025-01-01T00:00:00Z = 1735689600 s since the epoch.
    expect(parseDateFlag('--start', '2025-01-01', false)).toBe(1735689600n * 1_000_000_000n);
    expect(parseDateFlag('--end', '2025-01-01', true)).toBe(1735776000n * 1_000_000_000n - 1n);
  });

  it('reads date-times with or without a zone, keeping nanoseconds', () => {
    expect(parseDateFlag('--start', '2025-01-01T01:00:00Z', false)).toBe(
      1735693200n * 1_000_000_000n,
    );
    expect(parseDateFlag('--start', '2025-01-01T01:00:00', false)).toBe(
      1735693200n * 1_000_000_000n,
    );
    expect(parseDateFlag('--start', '2025-01-01T02:00:00+01:00', false)).toBe(
      1735693200n * 1_000_000_000n,
    );
    expect(parseDateFlag('--start', '2025-01-01T00:00:00.000000123Z', false)).toBe(
      1735689600n * 1_000_000_000n + 123n,
    );
  });

  it('rejects what is not a date, naming the flag', () => {
    expect(() => parseDateFlag('--start', '2025-02-30', false)).toThrow(
      '--start: "2025-02-30" has day 30 (month 2 of 2025 has 28)',
    );
    // A calendar date, but past the years whose instants fit 64-bit nanoseconds.
    expect(() => parseDateFlag('--start', '2262-01-01', false)).toThrow(
      /^--start: "2262-01-01" is out of range \(years 1678\.\.2261\)$/,
    );
    expect(() => parseDateFlag('--end', '1600-01-01', true)).toThrow(
      /^--end: "1600-01-01" is out of range \(years 1678\.\.2261\)$/,
    );
    expect(() => parseDateFlag('--end', 'yesterday', true)).toThrow(/^--end: expected a UTC date/);
  });
});
