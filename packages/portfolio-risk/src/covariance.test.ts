import { describe, expect, it } from 'vitest';
import {
  calculateSampleCovariance,
  defaultShrinkageIntensity,
  shrinkCovarianceToDiagonal,
} from './covariance.js';

describe('calculateSampleCovariance', () => {
  it('matches a hand calculation, with a missing value counted as 0', () => {
    // x = 1, 2, 3 (mean 2), y = 2, NaN -> 0, 4 (mean 2).
    // var x = (1 + 0 + 1) / 2 = 1; var y = (0 + 4 + 4) / 2 = 4; cov = ((-1)(0) + (0)(-2) + (1)(2)) / 2 = 1.
    const cov = calculateSampleCovariance(Float64Array.of(1, 2, 2, Number.NaN, 3, 4), 3, 2);
    expect(Array.from(cov)).toEqual([1, 1, 1, 4]);
  });

  it('needs two rows', () => {
    expect(() => calculateSampleCovariance(Float64Array.of(1, 2), 1, 2)).toThrow(
      expect.objectContaining({ code: 'invalid_history' }),
    );
  });
});

describe('shrinkCovarianceToDiagonal', () => {
  it('scales the off-diagonal entries by 1 - intensity and keeps the variances', () => {
    // intensity 0.25: 1 -> 0.75 off the diagonal.
    const cov = shrinkCovarianceToDiagonal(Float64Array.of(1, 1, 1, 4), 2, 0.25);
    expect(Array.from(cov)).toEqual([1, 0.75, 0.75, 4]);
  });

  it('rejects an intensity outside [0, 1]', () => {
    expect(() => shrinkCovarianceToDiagonal(new Float64Array(4), 2, 1.5)).toThrow(
      expect.objectContaining({ code: 'invalid_options' }),
    );
  });
});

describe('defaultShrinkageIntensity', () => {
  it('is n / (n + rows)', () => {
    // 3 strategies, 21 daily returns: 3 / 24 = 0.125; 500 strategies, 21 returns: 500 / 521.
    expect(defaultShrinkageIntensity(3, 21)).toBe(0.125);
    expect(defaultShrinkageIntensity(500, 21)).toBeCloseTo(0.95969, 5);
  });
});
