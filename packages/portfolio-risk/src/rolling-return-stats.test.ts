import { describe, expect, it } from 'vitest';
import { RollingReturnStats } from './rolling-return-stats.js';

const DAY = 86_400_000_000_000n;
const T0 = 1_735_776_000_000_000_000n;

describe('RollingReturnStats', () => {
  it('keeps the bars with timestamp > latest - window (calendar time)', () => {
    // 3-day window, daily bars: after the bar of day 3 the window holds days 1, 2, 3 (day 0 is at
    // exactly latest - window and leaves).
    const rolling = new RollingReturnStats(['a'], { windowNs: 3n * DAY });
    [0.01, 0.02, -0.01, 0.03].forEach((r, k) => rolling.push(T0 + BigInt(k) * DAY, [r]));
    expect(rolling.size).toBe(3);
    expect(Array.from(rolling.windowReturns(0))).toEqual([0.02, -0.01, 0.03]);
    // mean (0.02 - 0.01 + 0.03) / 3 = 0.04 / 3; drawdown: 1.02 -> 1.0098 = -1%.
    expect(rolling.mean(0)).toBeCloseTo(0.04 / 3, 15);
    expect(rolling.maxDrawdown(0)).toBeCloseTo(-0.01, 14);
    // A clock 2 days later leaves only day 3 in (latest = day 5, window (day 2, day 5]).
    rolling.advanceTo(T0 + 5n * DAY);
    expect(rolling.size).toBe(1);
    expect(rolling.variance(0)).toBeNull();
    rolling.advanceTo(T0 + 10n * DAY);
    expect(rolling.size).toBe(0);
    expect(rolling.mean(0)).toBeNull();
    expect(rolling.maxDrawdown(0)).toBeNull();
  });

  it('infers P from the window and annualizes the Sharpe with it', () => {
    const rolling = new RollingReturnStats(['a'], { windowNs: 30n * DAY });
    // 0.01, 0.03, 0.02: mean 0.02, std 0.01 -> Sharpe 2 x sqrt(252) for daily bars.
    [0.01, 0.03, 0.02].forEach((r, k) => rolling.push(T0 + BigInt(k) * DAY, [r]));
    expect(rolling.inferPeriodsPerYear()).toBe(252);
    expect(rolling.sharpe(0, { periodsPerYear: 252 })).toBeCloseTo(2 * Math.sqrt(252), 10);
  });

  it('rejects timestamps that do not increase, rows of the wrong length, bad indices', () => {
    const rolling = new RollingReturnStats(['a', 'b'], { windowNs: DAY, covariance: false });
    rolling.push(T0, [0, 0]);
    expect(() => rolling.push(T0, [0, 0])).toThrow(
      expect.objectContaining({ code: 'invalid_history' }),
    );
    expect(() => rolling.push(T0 + 1n, [0])).toThrow(
      expect.objectContaining({ code: 'invalid_history' }),
    );
    expect(() => rolling.mean(2)).toThrow(expect.objectContaining({ code: 'unknown_strategy' }));
    expect(() => rolling.covarianceInto(new Float64Array(4))).toThrow(
      expect.objectContaining({ code: 'invalid_options' }),
    );
    expect(() => new RollingReturnStats(['a'], { windowNs: 0n })).toThrow(
      expect.objectContaining({ code: 'invalid_options' }),
    );
    expect(() => new RollingReturnStats(['a', 'a'], { windowNs: DAY })).toThrow(
      expect.objectContaining({ code: 'invalid_options' }),
    );
    expect(rolling.indexOf('b')).toBe(1);
  });
});
