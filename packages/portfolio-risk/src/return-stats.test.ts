import { describe, expect, it } from 'vitest';
import {
  calculateMaxDrawdown,
  calculateReturnMeanVariance,
  calculateReturnStats,
  MAX_ABS_RETURN,
  periodRiskFreeRate,
  sanitizeReturn,
} from './return-stats.js';

const daily = { periodsPerYear: 252 };

describe('calculateReturnStats', () => {
  it('computes the README example for strategy A by hand', () => {
    // r = 1.1%, -0.9%, 0.1%: mean 0.001; deviations +0.01, -0.01, 0 -> variance 0.0002 / 2 = 1e-4,
    // std 0.01; Sharpe = 0.001 / 0.01 x sqrt(252) = 0.1 x 15.8745079 = 1.58745079.
    // Wealth 1.011, 1.011 x 0.991 = 1.001901, x 1.001 = 1.002903: peak 1.011, lowest after it
    // 1.001901 -> drawdown 1.001901 / 1.011 - 1 = -0.009.
    const s = calculateReturnStats([0.011, -0.009, 0.001], daily);
    expect(s.count).toBe(3);
    expect(s.mean).toBeCloseTo(0.001, 15);
    expect(s.volatility).toBeCloseTo(0.01 * Math.sqrt(252), 12);
    expect(s.sharpe).toBeCloseTo(1.58745079, 7);
    expect(s.maxDrawdown).toBeCloseTo(-0.009, 12);
  });

  it('gives strategy B of the README a negative Sharpe and a 1.2% drawdown', () => {
    // r = -1.2%, +0.8%, -0.2%: mean -0.002, deviations -0.01, +0.01, 0 -> std 0.01;
    // Sharpe = -0.2 x 15.8745079 = -3.17490157. Wealth 0.988 (the low), 0.995904, 0.993912.
    const s = calculateReturnStats([-0.012, 0.008, -0.002], daily);
    expect(s.sharpe).toBeCloseTo(-3.17490157, 7);
    expect(s.maxDrawdown).toBeCloseTo(-0.012, 12);
  });

  it('reports a null Sharpe at zero volatility (constant returns) and no drawdown when rising', () => {
    const s = calculateReturnStats([0.002, 0.002, 0.002], daily);
    expect(s.sharpe).toBeNull();
    expect(s.volatility).toBeLessThan(1e-12 * Math.sqrt(252));
    expect(s.maxDrawdown).toBe(0);
    expect(s.mean).toBeCloseTo(0.002, 15);
  });

  it('gives count, mean and variance alone by calculateReturnMeanVariance (README example A)', () => {
    // As above by hand: mean 0.001, variance 1e-4 (ddof 1); NaN skipped, 1e9 clipped.
    const m = calculateReturnMeanVariance([0.011, Number.NaN, -0.009, 0.001]);
    expect(m.count).toBe(3);
    expect(m.mean).toBeCloseTo(0.001, 15);
    expect(m.variance).toBeCloseTo(1e-4, 15);
    expect(calculateReturnMeanVariance([0.5])).toEqual({ count: 1, mean: 0.5, variance: 0 });
    const clipped = calculateReturnMeanVariance([1e9, 0]);
    expect(clipped.mean).toBe(sanitizeReturn(1e9) / 2);
  });

  it('skips NaN and infinite returns as missing', () => {
    const withGaps = calculateReturnStats([0.011, Number.NaN, -0.009, Infinity, 0.001], daily);
    const clean = calculateReturnStats([0.011, -0.009, 0.001], daily);
    expect(withGaps).toEqual(clean);
  });

  it('leaves undefined statistics null for empty and single-return windows', () => {
    expect(calculateReturnStats([], daily)).toEqual({
      count: 0,
      mean: null,
      volatility: null,
      sharpe: null,
      maxDrawdown: null,
    });
    // One return of -5%: mean -0.05, drawdown -5%, no volatility.
    const one = calculateReturnStats([-0.05], daily);
    expect(one.count).toBe(1);
    expect(one.volatility).toBeNull();
    expect(one.sharpe).toBeNull();
    expect(one.maxDrawdown).toBeCloseTo(-0.05, 15);
  });

  it('subtracts the per-period risk-free rate from the mean', () => {
    // rf = 1.01^4 - 1 per year, so rf_p = (1 + rf)^(1/4) - 1 = 0.01 per quarter.
    const rfAnnual = 1.01 ** 4 - 1;
    expect(periodRiskFreeRate({ periodsPerYear: 4, riskFreeRate: rfAnnual })).toBeCloseTo(0.01, 14);
    // returns 0.01, 0.03, 0.02: mean 0.02, std 0.01 -> (0.02 - 0.01) / 0.01 x sqrt(4) = 2.
    const s = calculateReturnStats([0.01, 0.03, 0.02], {
      periodsPerYear: 4,
      riskFreeRate: rfAnnual,
    });
    expect(s.sharpe).toBeCloseTo(2, 10);
  });
});

describe('calculateMaxDrawdown', () => {
  it('is -1 after a total loss and stays finite afterwards', () => {
    expect(calculateMaxDrawdown([0.1, -1, 0.5])).toBe(-1);
    expect(calculateMaxDrawdown([0.1, -3])).toBe(-1);
  });

  it('measures the drop from the running peak, counting the starting wealth of 1', () => {
    // 1 -> 0.9 (-10%) -> 1.08 (new peak) -> 0.81 (-25% from 1.08).
    expect(calculateMaxDrawdown([-0.1, 0.2, -0.25])).toBeCloseTo(-0.25, 14);
  });
});

describe('sanitizeReturn', () => {
  it('maps non-finite to NaN and clips huge returns', () => {
    expect(sanitizeReturn(Number.NaN)).toBeNaN();
    expect(sanitizeReturn(-Infinity)).toBeNaN();
    expect(sanitizeReturn(1e300)).toBe(MAX_ABS_RETURN);
    expect(sanitizeReturn(-1e300)).toBe(-MAX_ABS_RETURN);
    expect(sanitizeReturn(0.5)).toBe(0.5);
  });
});
