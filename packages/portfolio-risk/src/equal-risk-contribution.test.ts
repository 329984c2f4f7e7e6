import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  equalRiskContributionWeights,
  inverseVolatilityWeights,
} from './equal-risk-contribution.js';

/** Risk contributions w_i (Sigma w)_i, computed directly. */
function riskContributions(cov: ArrayLike<number>, w: ArrayLike<number>, n: number): number[] {
  return Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let j = 0; j < n; j++) s += (cov[i * n + j] as number) * (w[j] as number);
    return (w[i] as number) * s;
  });
}

/** Sigma = B B' + diag(d): positive definite for d > 0. */
function factorCovariance(
  loadings: readonly number[][],
  idiosyncratic: readonly number[],
): Float64Array {
  const n = idiosyncratic.length;
  const cov = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      const bi = loadings[i] as number[];
      const bj = loadings[j] as number[];
      for (let k = 0; k < bi.length; k++) s += (bi[k] as number) * (bj[k] as number);
      cov[i * n + j] = s + (i === j ? (idiosyncratic[i] as number) : 0);
    }
  }
  return cov;
}

describe('equalRiskContributionWeights', () => {
  it('is inverse volatility for a diagonal matrix', () => {
    // 1/sqrt(0.1) = 3.16227766, 1/sqrt(0.2) = 2.23606798; w_1 = 3.16227766 / 5.39834564 = 0.58578644
    // (= sqrt(2) / (1 + sqrt(2))).
    const { weights, converged } = equalRiskContributionWeights(Float64Array.of(0.1, 0, 0, 0.2), 2);
    expect(converged).toBe(true);
    expect(weights[0]).toBeCloseTo(Math.SQRT2 / (1 + Math.SQRT2), 12);
    expect(weights[1]).toBeCloseTo(1 / (1 + Math.SQRT2), 12);
  });

  it('is inverse volatility for two assets whatever their correlation', () => {
    // sigma 0.2 and 0.3, rho 0.2: cov 0.2 x 0.3 x 0.2 = 0.012; w = (1/0.2) / (1/0.2 + 1/0.3) = 5 / 8.333 = 0.6.
    const { weights } = equalRiskContributionWeights(Float64Array.of(0.04, 0.012, 0.012, 0.09), 2);
    expect(weights[0]).toBeCloseTo(0.6, 12);
    expect(weights[1]).toBeCloseTo(0.4, 12);
  });

  it('is inverse volatility under a constant correlation (Maillard, Roncalli, Teiletche)', () => {
    // sigma = 0.1, 0.2, 0.4 with rho 0.5 everywhere: w proportional to 10 : 5 : 2.5 = 4/7, 2/7, 1/7.
    const s = [0.1, 0.2, 0.4];
    const cov = new Float64Array(9);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++)
        cov[i * 3 + j] = (i === j ? 1 : 0.5) * (s[i] as number) * (s[j] as number);
    }
    const { weights } = equalRiskContributionWeights(cov, 3);
    expect(weights[0]).toBeCloseTo(4 / 7, 12);
    expect(weights[1]).toBeCloseTo(2 / 7, 12);
    expect(weights[2]).toBeCloseTo(1 / 7, 12);
  });

  it('gives one asset all the weight', () => {
    expect(Array.from(equalRiskContributionWeights(Float64Array.of(0.03), 1).weights)).toEqual([1]);
  });

  it('equalizes risk contributions of random positive-definite matrices (to 1e-9 relative)', () => {
    const matrices = fc.integer({ min: 2, max: 30 }).chain((n) =>
      fc.record({
        n: fc.constant(n),
        loadings: fc.array(
          fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
          {
            minLength: n,
            maxLength: n,
          },
        ),
        idiosyncratic: fc.array(fc.double({ min: 1e-3, max: 2, noNaN: true }), {
          minLength: n,
          maxLength: n,
        }),
        scale: fc.constantFrom(1e-6, 1e-4, 1, 100),
      }),
    );
    fc.assert(
      fc.property(matrices, ({ n, loadings, idiosyncratic, scale }) => {
        const cov = factorCovariance(loadings, idiosyncratic).map((v) => v * scale);
        const result = equalRiskContributionWeights(cov, n);
        expect(result.converged).toBe(true);
        const sum = result.weights.reduce((a, b) => a + b, 0);
        expect(sum).toBeCloseTo(1, 12);
        for (const w of result.weights) expect(w).toBeGreaterThan(0);
        const rc = riskContributions(cov, result.weights, n);
        const total = rc.reduce((a, b) => a + b, 0);
        for (const c of rc) expect(Math.abs(c / (total / n) - 1)).toBeLessThan(1e-9);
      }),
      { seed: 7, numRuns: 150 },
    );
  });

  it('switches to Newton steps on an ill-conditioned matrix and still equalizes', () => {
    // The sample covariance of 70 draws of 60 series: its smallest eigenvalues are near 0
    // (Marchenko-Pastur), which makes the coordinate sweeps crawl.
    const n = 60;
    const rows = 70;
    let state = 42;
    const uniform = (): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return (state + 0.5) / 2 ** 32;
    };
    const data = Array.from({ length: rows }, () =>
      Array.from({ length: n }, () => uniform() - 0.5),
    );
    const cov = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (const row of data) s += (row[i] as number) * (row[j] as number);
        cov[i * n + j] = s / rows;
      }
    }
    const result = equalRiskContributionWeights(cov, n);
    expect(result.converged).toBe(true);
    expect(result.newtonSteps).toBeGreaterThan(0);
    const rc = riskContributions(cov, result.weights, n);
    const total = rc.reduce((a, b) => a + b, 0);
    for (const c of rc) expect(Math.abs(c / (total / n) - 1)).toBeLessThan(1e-10);
  });

  it('honours risk budgets: RC_i proportional to b_i', () => {
    const cov = factorCovariance(
      [
        [0.3, 0.1],
        [0.2, -0.2],
        [0.1, 0.4],
      ],
      [0.05, 0.1, 0.02],
    );
    const budgets = [1, 2, 5];
    const { weights } = equalRiskContributionWeights(cov, 3, { budgets });
    const rc = riskContributions(cov, weights, 3);
    const total = rc.reduce((a, b) => a + b, 0);
    rc.forEach((c, i) => expect(c / total).toBeCloseTo((budgets[i] as number) / 8, 9));
  });

  it('rejects non-finite entries and non-positive variances', () => {
    expect(() =>
      equalRiskContributionWeights(Float64Array.of(1, Number.NaN, Number.NaN, 1), 2),
    ).toThrow(expect.objectContaining({ _tag: 'RiskError', code: 'invalid_covariance' }));
    expect(() => equalRiskContributionWeights(Float64Array.of(0, 0, 0, 1), 2)).toThrow(
      expect.objectContaining({ code: 'invalid_covariance' }),
    );
    expect(() => equalRiskContributionWeights(Float64Array.of(1, 0, 0), 2)).toThrow(
      expect.objectContaining({ code: 'invalid_covariance' }),
    );
  });

  it('returns finite positive weights even for an indefinite matrix', () => {
    // [[1, 2], [2, 1]] has eigenvalues 3 and -1: no ERC solution is promised, but no NaN either.
    const result = equalRiskContributionWeights(Float64Array.of(1, 2, 2, 1), 2, { maxSweeps: 50 });
    for (const w of result.weights) {
      expect(Number.isFinite(w)).toBe(true);
      expect(w).toBeGreaterThan(0);
    }
  });
});

describe('inverseVolatilityWeights', () => {
  it('weighs by 1 / sigma from the diagonal', () => {
    // variances 0.01, 0.04, 0.16 -> sigma 0.1, 0.2, 0.4 -> 10 : 5 : 2.5 -> 4/7, 2/7, 1/7.
    const cov = Float64Array.of(0.01, 0.5, 0.5, 0.5, 0.04, 0.5, 0.5, 0.5, 0.16);
    const w = inverseVolatilityWeights(cov, 3);
    expect(w[0]).toBeCloseTo(4 / 7, 14);
    expect(w[1]).toBeCloseTo(2 / 7, 14);
    expect(w[2]).toBeCloseTo(1 / 7, 14);
  });

  it('rejects a zero variance', () => {
    expect(() => inverseVolatilityWeights(Float64Array.of(0.01, 0, 0, 0), 2)).toThrow(
      expect.objectContaining({ code: 'invalid_covariance' }),
    );
  });
});
