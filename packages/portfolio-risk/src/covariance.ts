// Sample covariance of aligned return rows and its shrinkage toward the diagonal.
import { RiskError } from './errors.js';

/**
 * The default shrinkage intensity for `n` strategies estimated from `rows` observations:
 * `n / (n + rows)`. Short histories (rows not much larger than n, where the sample covariance
 * is noisy or singular) shrink hard toward the diagonal; long ones keep the sample correlations
 * (the intensity falls like n / rows, the rate at which the sample's error falls).
 */
export function defaultShrinkageIntensity(n: number, rows: number): number {
  return n + rows > 0 ? n / (n + rows) : 1;
}

/**
 * In place: `cov <- (1 - intensity) * cov + intensity * diag(cov)`, i.e. every off-diagonal
 * entry times (1 - intensity) (correlations shrunk toward 0, variances kept). With intensity > 0
 * and a positive diagonal, a positive semi-definite `cov` becomes positive definite.
 */
export function shrinkCovarianceToDiagonal(
  cov: Float64Array,
  n: number,
  intensity: number,
): Float64Array {
  if (!(intensity >= 0 && intensity <= 1)) {
    throw new RiskError(
      'invalid_options',
      `shrinkage intensity must be in [0, 1], got ${String(intensity)}`,
    );
  }
  const keep = 1 - intensity;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) if (i !== j) cov[i * n + j] = keep * (cov[i * n + j] as number);
  }
  return cov;
}

/**
 * ddof-1 sample covariance (n x n, row-major) of `rows` observations stored row-major in
 * `data` (row t at [t*n, t*n+n)); non-finite entries count as 0. Two-pass. Needs rows >= 2.
 */
export function calculateSampleCovariance(
  data: Float64Array,
  rows: number,
  n: number,
): Float64Array {
  if (rows < 2)
    throw new RiskError('invalid_history', `covariance needs at least 2 rows, got ${rows}`);
  const mean = new Float64Array(n);
  const value = (k: number): number => {
    const v = data[k] as number;
    return Number.isFinite(v) ? v : 0;
  };
  for (let t = 0; t < rows; t++)
    for (let i = 0; i < n; i++) mean[i] = (mean[i] as number) + value(t * n + i);
  for (let i = 0; i < n; i++) mean[i] = (mean[i] as number) / rows;
  const cov = new Float64Array(n * n);
  const d = new Float64Array(n);
  for (let t = 0; t < rows; t++) {
    for (let i = 0; i < n; i++) d[i] = value(t * n + i) - (mean[i] as number);
    for (let i = 0; i < n; i++) {
      const di = d[i] as number;
      for (let j = i; j < n; j++)
        cov[i * n + j] = (cov[i * n + j] as number) + di * (d[j] as number);
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const c = (cov[i * n + j] as number) / (rows - 1);
      cov[i * n + j] = c;
      cov[j * n + i] = c;
    }
  }
  return cov;
}
