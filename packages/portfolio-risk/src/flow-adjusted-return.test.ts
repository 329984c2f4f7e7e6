import { describe, expect, it } from 'vitest';
import { calculateFlowAdjustedReturn } from './flow-adjusted-return.js';
import { inferPeriodsPerYear } from './periods-per-year.js';

describe('calculateFlowAdjustedReturn', () => {
  it('takes the transfer out of the capital change', () => {
    // 10,000 -> 12,100 with 2,000 moved in: (12,100 - 2,000) / 10,000 - 1 = +1%.
    expect(calculateFlowAdjustedReturn(10_000, 12_100, 2_000)).toBeCloseTo(0.01, 14);
    // 10,000 -> 7,000 with 3,000 moved out: (7,000 + 3,000) / 10,000 - 1 = 0.
    expect(calculateFlowAdjustedReturn(10_000, 7_000, -3_000)).toBe(0);
  });

  it('is missing (NaN) without positive previous capital or with non-finite input', () => {
    expect(calculateFlowAdjustedReturn(0, 100, 100)).toBeNaN();
    expect(calculateFlowAdjustedReturn(-5, 100)).toBeNaN();
    expect(calculateFlowAdjustedReturn(100, Number.NaN)).toBeNaN();
  });
});

describe('inferPeriodsPerYear', () => {
  const DAY = 86_400_000_000_000n;
  it('reads daily, weekly and intraday spacing', () => {
    expect(inferPeriodsPerYear([0n, DAY, 2n * DAY, 5n * DAY])).toBe(252);
    expect(inferPeriodsPerYear([0n, 7n * DAY, 14n * DAY])).toBe(52);
    // Hourly bars, 7 per UTC day over two days: 252 x 7.
    const hourly = [0, 1, 2, 3, 4, 5, 6].flatMap((h) => [
      BigInt(h) * 3_600_000_000_000n + 14n * 3_600_000_000_000n,
    ]);
    const twoDays = [...hourly, ...hourly.map((t) => t + DAY)];
    expect(inferPeriodsPerYear(twoDays)).toBe(252 * 7);
    expect(inferPeriodsPerYear([0n])).toBeNull();
  });
});
