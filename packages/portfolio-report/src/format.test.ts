// Formatting of the report's static text, checked against values worked out by hand.
import { describe, expect, it } from 'vitest';
import {
  formatNumber,
  formatPercent,
  formatPlain,
  formatSpan,
  formatTimestamp,
  NONE,
} from './format.js';

describe('formatting', () => {
  it('groups thousands, uses a true minus sign and never shows -0', () => {
    expect(formatNumber(1234567.891, 2)).toBe('1,234,567.89');
    expect(formatNumber(-1234.5, 1)).toBe('\u22121,234.5');
    expect(formatNumber(-0.001, 2)).toBe('0.00');
    expect(formatPlain(0.35)).toBe('0.35');
  });

  it('shows numbers from 1e15 on in scientific notation, below it grouped', () => {
    // 999,999,999,999,999 < 1e15 keeps its digits; 3e305 would be 306 of them.
    expect(formatNumber(999_999_999_999_999, 2)).toBe('999,999,999,999,999.00');
    expect(formatNumber(1e15, 2)).toBe('1.00e+15');
    expect(formatNumber(3e305, 2)).toBe('3.00e+305');
    expect(formatNumber(-1.5e20, 1)).toBe('\u22121.5e+20');
    expect(formatPlain(2.5e300)).toBe('2.5e+300');
    expect(formatPlain(-1e20)).toBe('\u22121e+20');
    // 3e303 x 100 = 3e305 percent.
    expect(formatPercent(3e303)).toBe('3.00e+305%');
  });

  it('shows null, undefined and non-finite values as an em dash', () => {
    expect(NONE).toBe('\u2014');
    expect(formatNumber(null)).toBe(NONE);
    expect(formatPercent(undefined)).toBe(NONE);
    expect(formatNumber(Number.NaN)).toBe(NONE);
  });

  it('shows fractions as percentages, signed on request', () => {
    // 0.1234 x 100 = 12.34; -0.0567 x 100 = -5.67; 0.00001 rounds to 0.00 and gets no sign.
    expect(formatPercent(0.1234, 2, true)).toBe('+12.34%');
    expect(formatPercent(-0.0567)).toBe('\u22125.67%');
    expect(formatPercent(0.00001, 2, true)).toBe('0.00%');
  });

  it('prints UTC dates, with the time for intraday bars', () => {
    // 2005-03-04T14:30:00Z = 1,109,946,600 s.
    expect(formatTimestamp(1_109_946_600_000_000_000n, false)).toBe('2005-03-04');
    expect(formatTimestamp(1_109_946_600_000_000_000n, true)).toBe('2005-03-04 14:30 UTC');
    expect(formatTimestamp(1_109_946_615_000_000_000n, true)).toBe('2005-03-04 14:30:15 UTC');
  });

  it('picks a unit for a span', () => {
    // 3 days = 259,200 s; 36 hours = 1.5 days -> hours; 3652.5 days = 10 years.
    const day = 86_400_000_000_000n;
    expect(formatSpan(3n * day)).toBe('3 days');
    expect(formatSpan((3n * day) / 2n)).toBe('36.0 hours');
    expect(formatSpan((36_525n * day) / 10n)).toBe('10.0 years');
  });
});

describe('formatPlain rounding to zero', () => {
  it('shows a negative value that rounds to zero as 0, like formatNumber', () => {
    // -0.0000001 to 6 decimals is "-0" in Intl; the report shows "0".
    expect(formatPlain(-0.0000001, 6)).toBe('0');
    expect(formatPlain(-0.4, 0)).toBe('0'); // Intl gives "-0"
    expect(formatPlain(-1.25, 2)).toBe('\u22121.25');
  });
});
