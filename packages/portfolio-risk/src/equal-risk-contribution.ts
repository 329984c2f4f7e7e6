// Equal risk contribution (risk parity) and inverse-volatility weights from a covariance matrix.
import { RiskError } from './errors.js';

export interface EqualRiskContributionOptions {
  /** Stop when every |RC_i / (b_i x total risk) - 1| <= tolerance; default 1e-10. */
  readonly tolerance?: number;
  /** Give up after this many sweeps plus Newton steps (the result then has `converged: false`); default 10,000. */
  readonly maxSweeps?: number;
  /** Risk budgets b_i > 0 (normalized to sum 1); default 1/n each (equal risk contribution). */
  readonly budgets?: ArrayLike<number>;
}

export interface EqualRiskContributionResult {
  /** Long-only weights summing to 1, every one > 0. */
  readonly weights: Float64Array;
  /** Full coordinate-descent sweeps done. */
  readonly sweeps: number;
  /** Newton steps done (the solver switches to Newton when the sweeps converge slowly). */
  readonly newtonSteps: number;
  readonly converged: boolean;
  /** max_i |RC_i / (b_i x sum RC) - 1| at the returned weights (RC_i = w_i (Sigma w)_i). */
  readonly maxRelativeError: number;
}

/** Checks an n x n row-major covariance: finite entries, positive diagonal. */
function checkCovariance(cov: ArrayLike<number>, n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1)
    throw new RiskError(
      'invalid_covariance',
      `${what}: n must be an integer >= 1, got ${String(n)}`,
    );
  if (cov.length < n * n)
    throw new RiskError(
      'invalid_covariance',
      `${what}: expected ${n * n} entries, got ${cov.length}`,
    );
  for (let k = 0; k < n * n; k++) {
    if (!Number.isFinite(cov[k])) {
      throw new RiskError(
        'invalid_covariance',
        `${what}: entry [${Math.floor(k / n)}, ${k % n}] is ${String(cov[k])}`,
      );
    }
  }
  for (let i = 0; i < n; i++) {
    if (!((cov[i * n + i] as number) > 0)) {
      throw new RiskError(
        'invalid_covariance',
        `${what}: variance [${i}, ${i}] must be > 0, got ${String(cov[i * n + i])}`,
      );
    }
  }
}

/** max_i |x_i u_i / b_i - 1| with u = Sigma x and budgets summing to 1 (needs x'Sigma x = 1 scale-free form). */
function relativeError(x: Float64Array, u: Float64Array, budgets: Float64Array, n: number): number {
  let total = 0;
  for (let i = 0; i < n; i++) total += (x[i] as number) * (u[i] as number);
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.abs(
      ((x[i] as number) * (u[i] as number)) / ((budgets[i] as number) * total) - 1,
    );
    if (!(e <= worst)) worst = e;
  }
  return worst;
}

function multiply(cov: ArrayLike<number>, x: Float64Array, u: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    const row = i * n;
    for (let j = 0; j < n; j++) s += (cov[row + j] as number) * (x[j] as number);
    u[i] = s;
  }
}

/** One cyclical coordinate-descent sweep: each x_i solves its 1-D problem exactly; u = Sigma x kept. */
function coordinateSweep(
  cov: ArrayLike<number>,
  n: number,
  budgets: Float64Array,
  x: Float64Array,
  u: Float64Array,
): void {
  for (let i = 0; i < n; i++) {
    const row = i * n;
    const a = cov[row + i] as number;
    const xi = x[i] as number;
    const b = budgets[i] as number;
    const c = (u[i] as number) - a * xi;
    const root = Math.sqrt(c * c + 4 * a * b);
    // The positive root of a x^2 + c x - b = 0, in the form that does not cancel.
    const next = c > 0 ? (2 * b) / (c + root) : (root - c) / (2 * a);
    const delta = next - xi;
    if (delta === 0) continue;
    x[i] = next;
    for (let j = 0; j < n; j++) u[j] = (u[j] as number) + delta * (cov[row + j] as number);
  }
}

interface NewtonWorkspace {
  readonly factor: Float64Array;
  readonly gradient: Float64Array;
  readonly step: Float64Array;
  readonly trial: Float64Array;
  readonly trialU: Float64Array;
  /** The budgets scaled to a smallest budget of 1 (f is then self-concordant). */
  readonly budgets: Float64Array;
  /** sqrt of that scale: the minimizer for the scaled budgets is x times it. */
  readonly rootScale: number;
}

function createNewtonWorkspace(n: number, budgets: Float64Array): NewtonWorkspace {
  let smallest = Infinity;
  for (let i = 0; i < n; i++)
    if ((budgets[i] as number) < smallest) smallest = budgets[i] as number;
  const scaled = new Float64Array(n);
  for (let i = 0; i < n; i++) scaled[i] = (budgets[i] as number) / smallest;
  return {
    factor: new Float64Array(n * n),
    gradient: new Float64Array(n),
    step: new Float64Array(n),
    trial: new Float64Array(n),
    trialU: new Float64Array(n),
    budgets: scaled,
    rootScale: Math.sqrt(1 / smallest),
  };
}

function objective(x: Float64Array, u: Float64Array, budgets: Float64Array, n: number): number {
  let quadratic = 0;
  let barrier = 0;
  for (let i = 0; i < n; i++) {
    quadratic += (x[i] as number) * (u[i] as number);
    barrier += (budgets[i] as number) * Math.log(x[i] as number);
  }
  return 0.5 * quadratic - barrier;
}

/** trial = x - t d; false when a coordinate would not stay positive. */
function tryStep(
  x: Float64Array,
  d: Float64Array,
  t: number,
  trial: Float64Array,
  n: number,
): boolean {
  for (let i = 0; i < n; i++) {
    const v = (x[i] as number) - t * (d[i] as number);
    if (!(v > 0)) return false;
    trial[i] = v;
  }
  return true;
}

function scale(x: Float64Array, u: Float64Array, factor: number, n: number): void {
  for (let i = 0; i < n; i++) {
    x[i] = (x[i] as number) * factor;
    u[i] = (u[i] as number) * factor;
  }
}

/**
 * One damped Newton step (Nesterov; Spinu 2013) on f(x) = 1/2 x'Sigma x - b'log x with budgets
 * b_i >= 1, where f is self-concordant: H = Sigma + diag(b/x^2) factored by Cholesky, Newton
 * decrement lambda = sqrt(g'H^-1 g), step 1/(1 + lambda) while lambda > 1/4 (it stays inside the
 * Dikin ellipsoid, so x stays positive; a longer step passing an Armijo test is taken when there
 * is one), the full step once lambda <= 1/4 (quadratic convergence).
 * Updates x and u = Sigma x; false when H is not numerically positive definite.
 */
function newtonStep(
  cov: ArrayLike<number>,
  n: number,
  budgets: Float64Array,
  x: Float64Array,
  u: Float64Array,
  work: NewtonWorkspace,
): boolean {
  const { factor: l, gradient: g, step: d } = work;
  for (let i = 0; i < n; i++) g[i] = (u[i] as number) - (budgets[i] as number) / (x[i] as number);
  // Cholesky H = L L' (lower triangle of `l`, row-major), rows as contiguous dot products.
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = cov[ri + j] as number;
      if (i === j) s += (budgets[i] as number) / ((x[i] as number) * (x[i] as number));
      for (let k = 0; k < j; k++) s -= (l[ri + k] as number) * (l[rj + k] as number);
      if (i === j) {
        if (!(s > 0)) return false;
        l[ri + i] = Math.sqrt(s);
      } else l[ri + j] = s / (l[rj + j] as number);
    }
  }
  // Solve L y = g, then L' d = y.
  for (let i = 0; i < n; i++) {
    let s = g[i] as number;
    const ri = i * n;
    for (let k = 0; k < i; k++) s -= (l[ri + k] as number) * (d[k] as number);
    d[i] = s / (l[ri + i] as number);
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = d[i] as number;
    for (let k = i + 1; k < n; k++) s -= (l[k * n + i] as number) * (d[k] as number);
    d[i] = s / (l[i * n + i] as number);
  }
  let decrement = 0;
  for (let i = 0; i < n; i++) decrement += (g[i] as number) * (d[i] as number);
  if (!(decrement >= 0)) return false;
  const lambda = Math.sqrt(decrement);
  const damped = 1 / (1 + lambda);
  const { trial, trialU } = work;
  if (lambda > 0.25) {
    // Far from the minimizer: the longest of t = 1, 1/2, 1/4, ... above the damped step that
    // keeps x positive and decreases f enough (Armijo), else the damped step itself.
    const current = objective(x, u, budgets, n);
    for (let t = 1; t > damped; t *= 0.5) {
      if (!tryStep(x, d, t, trial, n)) continue;
      multiply(cov, trial, trialU, n);
      if (objective(trial, trialU, budgets, n) <= current - 0.25 * t * decrement) {
        x.set(trial);
        u.set(trialU);
        return true;
      }
    }
  }
  for (let t = lambda > 0.25 ? damped : 1, attempt = 0; attempt < 60; attempt++, t *= 0.5) {
    if (!tryStep(x, d, t, trial, n)) continue;
    x.set(trial);
    multiply(cov, x, u, n);
    return true;
  }
  return false;
}

/**
 * Risk-budgeting (default: equal risk contribution) weights of a symmetric positive-definite
 * covariance `cov` (n x n, row-major): long-only `w` summing to 1 with
 * `w_i (Sigma w)_i = b_i w'Sigma w`. Cyclical coordinate descent (Griveau-Billion, Richard and
 * Roncalli 2013) on Spinu's convex problem `min 1/2 x'Sigma x - sum b_i log x_i`, whose
 * minimizer satisfies `x_i (Sigma x)_i = b_i`: each coordinate step solves
 * `Sigma_ii x_i^2 + c_i x_i - b_i = 0` exactly (c_i = (Sigma x)_i - Sigma_ii x_i) and updates
 * `Sigma x` in O(n), so a sweep is O(n^2). Starts from inverse volatility. When the sweeps'
 * observed linear rate predicts more than ~n/2 further sweeps (strong correlations), it switches
 * to damped Newton steps (Cholesky, O(n^3/3) each, quadratic convergence). Converges for any
 * positive semi-definite matrix with a positive diagonal; throws `RiskError`
 * (`invalid_covariance`) for non-finite entries or a non-positive variance.
 */
export function equalRiskContributionWeights(
  cov: ArrayLike<number>,
  n: number,
  options: EqualRiskContributionOptions = {},
): EqualRiskContributionResult {
  checkCovariance(cov, n, 'equalRiskContributionWeights');
  const tolerance = options.tolerance ?? 1e-10;
  const maxSweeps = options.maxSweeps ?? 10_000;
  const budgets = new Float64Array(n);
  if (options.budgets !== undefined) {
    if (options.budgets.length !== n)
      throw new RiskError(
        'invalid_options',
        `budgets: expected ${n}, got ${options.budgets.length}`,
      );
    let total = 0;
    for (let i = 0; i < n; i++) {
      const b = options.budgets[i] as number;
      if (!(b > 0) || !Number.isFinite(b))
        throw new RiskError(
          'invalid_options',
          `budget ${i} must be finite and > 0, got ${String(b)}`,
        );
      total += b;
    }
    for (let i = 0; i < n; i++) budgets[i] = (options.budgets[i] as number) / total;
  } else budgets.fill(1 / n);

  const x = new Float64Array(n);
  const u = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = 1 / Math.sqrt(cov[i * n + i] as number);
  multiply(cov, x, u, n);
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (x[i] as number) * (u[i] as number);
  if (variance > 0) {
    // Scale to x'Sigma x = 1, where the solution lies (sum_i x_i (Sigma x)_i = sum b_i = 1).
    const scale = 1 / Math.sqrt(variance);
    for (let i = 0; i < n; i++) {
      x[i] = (x[i] as number) * scale;
      u[i] = (u[i] as number) * scale;
    }
  }

  let sweeps = 0;
  let newtonSteps = 0;
  let error = relativeError(x, u, budgets, n);
  let converged = error <= tolerance;
  let previous = error;
  let newton: NewtonWorkspace | null = null;
  let newtonFailed = false;
  while (!converged && sweeps + newtonSteps < maxSweeps) {
    // A sweep costs ~n^2 and a Newton step ~n^3/3: switch to Newton once the sweeps' observed
    // linear rate says more than ~n sweeps remain (strongly correlated matrices, large n).
    const rate = sweeps >= 2 ? error / previous : 0;
    const remaining =
      rate > 0 && rate < 1
        ? Math.log(tolerance / error) / Math.log(rate)
        : rate >= 1
          ? Infinity
          : 0;
    if (newton !== null || (!newtonFailed && sweeps >= 3 && remaining > Math.max(8, n / 2))) {
      if (newton === null) {
        newton = createNewtonWorkspace(n, budgets);
        scale(x, u, newton.rootScale, n);
      }
      newtonSteps++;
      if (!newtonStep(cov, n, newton.budgets, x, u, newton)) {
        // Not numerically positive definite: back to the sweeps, which need no factorization.
        multiply(cov, x, u, n);
        scale(x, u, 1 / newton.rootScale, n);
        newton = null;
        newtonFailed = true;
      }
    } else {
      sweeps++;
      coordinateSweep(cov, n, budgets, x, u);
    }
    previous = error;
    error = relativeError(x, u, budgets, n);
    if (error <= tolerance) {
      // Confirm on an exact Sigma x (the incremental one carries rounding).
      multiply(cov, x, u, n);
      error = relativeError(x, u, budgets, n);
      converged = error <= tolerance;
    }
  }
  let total = 0;
  for (let i = 0; i < n; i++) total += x[i] as number;
  for (let i = 0; i < n; i++) x[i] = (x[i] as number) / total;
  return { weights: x, sweeps, newtonSteps, converged, maxRelativeError: error };
}

/**
 * Inverse-volatility weights `w_i = (1/sigma_i) / sum_j (1/sigma_j)` from the diagonal of `cov`
 * (n x n, row-major; only the diagonal is read). Throws `RiskError` (`invalid_covariance`) for a
 * non-finite or non-positive variance.
 */
export function inverseVolatilityWeights(cov: ArrayLike<number>, n: number): Float64Array {
  if (!Number.isInteger(n) || n < 1)
    throw new RiskError(
      'invalid_covariance',
      `inverseVolatilityWeights: n must be an integer >= 1, got ${String(n)}`,
    );
  if (cov.length < n * n)
    throw new RiskError(
      'invalid_covariance',
      `inverseVolatilityWeights: expected ${n * n} entries, got ${cov.length}`,
    );
  const w = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = cov[i * n + i] as number;
    if (!(v > 0) || !Number.isFinite(v)) {
      throw new RiskError(
        'invalid_covariance',
        `inverseVolatilityWeights: variance [${i}, ${i}] must be finite and > 0, got ${String(v)}`,
      );
    }
    w[i] = 1 / Math.sqrt(v);
    total += w[i] as number;
  }
  for (let i = 0; i < n; i++) w[i] = (w[i] as number) / total;
  return w;
}
