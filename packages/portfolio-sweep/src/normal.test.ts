/* eslint-disable no-loss-of-precision -- reference values keep the digits they were computed to. */
import { describe, expect, it } from 'vitest';
import { erfc, normalCdf, normalQuantile } from './normal.js';

// Reference values computed with mpmath (mp.dps = 60 and 400) at the exact double nearest
// each decimal input: ncdf(mpf(float(x))) and sqrt(2) * erfinv(2 * mpf(float(p)) - 1).
const CDF: readonly [number, number][] = [
  [-37, 5.7255712225245768227e-300],
  [-20, 2.7536241186062336951e-89],
  [-10, 7.619853024160526066e-24],
  [-8.5, 9.4795348222033183542e-18],
  [-5, 2.8665157187919391167e-7],
  [-3, 0.0013498980316300945267],
  [-1.96, 0.024997895148220436213],
  [-1, 0.15865525393145705141],
  [-0.5, 0.30853753872598689636],
  [-0.1, 0.46017216272297101633],
  [0.3, 0.61791142218895263307],
  [0.46875, 0.68037582848288237396],
  [1, 0.84134474606854294859],
  [2.5, 0.99379033467422386483],
  [4, 0.99996832875816688008],
  [6, 0.99999999901341235496],
  [8, 0.9999999999999993779],
];
const QUANTILE: readonly [number, number][] = [
  [1e-300, -37.047096299361199237],
  [1e-100, -21.273453560965324294],
  [1e-20, -9.2623400897984075796],
  [1e-10, -6.3613409024040561991],
  [1e-5, -4.2648907939228246102],
  [0.001, -3.0902323061678135354],
  [0.01, -2.3263478740408410931],
  [0.025, -1.9599639845400542118],
  [0.1, -1.2815515655446004353],
  [0.3, -0.52440051270804081597],
  [0.7, 0.52440051270804065631],
  [0.9, 1.2815515655446005935],
  [0.975, 1.9599639845400538556],
  [0.99, 2.3263478740408407676],
  [0.999, 3.0902323061678132778],
  [0.999999, 4.7534243088170877657],
];

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

describe('normalCdf', () => {
  it.each(CDF)('Phi(%d) matches the 60-digit value', (x, expected) => {
    // x / sqrt(2) is rounded once, which costs up to x^2 * 2^-53 relative in the far tail.
    const tolerance = Math.max(4e-16, x * x * 2.3e-16);
    expect(relativeError(normalCdf(x), expected)).toBeLessThanOrEqual(tolerance);
  });

  it('is symmetric, monotone and saturates', () => {
    for (let x = -8; x <= 8; x += 0.0625) {
      expect(normalCdf(x) + normalCdf(-x)).toBeCloseTo(1, 15);
      expect(normalCdf(x + 0.0625)).toBeGreaterThanOrEqual(normalCdf(x));
    }
    expect(normalCdf(-40)).toBe(0);
    expect(normalCdf(40)).toBe(1);
    expect(normalCdf(0)).toBe(0.5);
    expect(Number.isNaN(normalCdf(Number.NaN))).toBe(true);
  });

  it('erfc(0) is 1 and erfc(-x) = 2 - erfc(x)', () => {
    expect(erfc(0)).toBe(1);
    for (const x of [0.2, 0.7, 2, 3.9, 4.1, 6]) expect(erfc(-x)).toBe(2 - erfc(x));
  });
});

describe('normalQuantile', () => {
  it.each(QUANTILE)('Phi^-1(%d) matches the 400-digit value', (p, expected) => {
    expect(relativeError(normalQuantile(p), expected)).toBeLessThanOrEqual(1e-15);
  });

  it('inverts normalCdf', () => {
    for (let x = -7; x <= 7; x += 0.25) {
      const back = normalQuantile(normalCdf(x));
      // Phi loses resolution near 1 (spacing 2^-53), so compare in the lower half only.
      if (x <= 0) expect(Math.abs(back - x)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(x)));
    }
  });

  it('handles the ends and bad input', () => {
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(normalQuantile(0.5)).toBe(0);
    expect(Number.isNaN(normalQuantile(-0.1))).toBe(true);
    expect(Number.isNaN(normalQuantile(1.1))).toBe(true);
  });
});
