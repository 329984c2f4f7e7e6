// The odds that a sweep's winner is luck: PBO by combinatorially symmetric cross-validation
// (Bailey, Borwein, Lopez de Prado and Zhu 2014) and the deflated Sharpe ratio (Bailey and
// Lopez de Prado 2014), on per-bar returns.
import { normalCdf, normalQuantile } from './normal.js';

/** Euler-Mascheroni constant. */
export const EULER_GAMMA = 0.5772156649015329;

/** r_t = E_t / E_{t-1} - 1 for t = 1..T, with E_0 the initial capital. */
export function returnsFromEquity(equity: ArrayLike<number>, initialCapital: number): Float64Array {
  const out = new Float64Array(equity.length);
  let previous = initialCapital;
  for (let t = 0; t < equity.length; t++) {
    const current = equity[t] as number;
    out[t] = current / previous - 1;
    previous = current;
  }
  return out;
}

/** Per-bar Sharpe: mean / standard deviation (ddof 1); 0 when the deviation is 0 or undefined. */
export function perBarSharpe(values: ArrayLike<number>, from = 0, to = values.length): number {
  const n = to - from;
  if (n < 2) return 0;
  let sum = 0;
  for (let t = from; t < to; t++) sum += values[t] as number;
  const mean = sum / n;
  let squares = 0;
  for (let t = from; t < to; t++) {
    const d = (values[t] as number) - mean;
    squares += d * d;
  }
  const std = Math.sqrt(squares / (n - 1));
  return std > 0 && Number.isFinite(std) ? mean / std : 0;
}

export interface PboResult {
  /** Share of the splits whose in-sample winner ranks in the lower half out of sample. */
  readonly pbo: number;
  readonly partitions: number;
  /** One logit per split, in lexicographic order of the in-sample block sets. */
  readonly logits: number[];
}

/** The k-subsets of {0..n-1} in lexicographic order. */
export function* lexicographicSubsets(n: number, k: number): Generator<number[]> {
  if (k < 0 || k > n) return;
  const subset = Array.from({ length: k }, (_, i) => i);
  for (;;) {
    yield subset.slice();
    let i = k - 1;
    while (i >= 0 && subset[i] === n - k + i) i--;
    if (i < 0) return;
    subset[i] = (subset[i] as number) + 1;
    for (let j = i + 1; j < k; j++) subset[j] = (subset[j - 1] as number) + 1;
  }
}

/** n choose k, exact for the sizes used here. */
export function binomial(n: number, k: number): number {
  let out = 1;
  for (let i = 1; i <= k; i++) out = (out * (n - k + i)) / i;
  return Math.round(out);
}

/** Rank of `value` among `values`, ascending from 1, ties sharing their average rank. */
export function averageRank(values: ArrayLike<number>, value: number): number {
  let below = 0;
  let equal = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v < value) below++;
    else if (v === value) equal++;
  }
  return below + (equal + 1) / 2;
}

/** Index of the highest value, the lowest index on ties; -1 when empty. */
export function argmaxFirst(values: ArrayLike<number>): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (best < 0 || v > bestValue) {
      best = i;
      bestValue = v;
    }
  }
  return best;
}

/**
 * PBO by CSCV over `columns` (one per-bar return series per combination, all of length T):
 * drop the first T mod S rows, cut the rest into S equal contiguous blocks; for each set
 * of S/2 blocks (lexicographic), the in-sample winner's out-of-sample rank r gives
 * w = r / (N + 1) and logit ln(w / (1 - w)); pbo = share of logits <= 0.
 */
export function probabilityOfOverfitting(
  columns: readonly ArrayLike<number>[],
  partitions: number,
): PboResult {
  const S = partitions;
  if (!Number.isInteger(S) || S < 2 || S % 2 !== 0) {
    throw new RangeError(`partitions must be an even integer >= 2, got ${S}`);
  }
  const N = columns.length;
  if (N === 0) return { pbo: 0, partitions: S, logits: [] };
  const T = columns[0]?.length ?? 0;
  for (const column of columns) {
    if (column.length !== T) throw new RangeError('every column must have the same length');
  }
  const size = Math.floor(T / S);
  if (size < 1) {
    throw new RangeError(`${T} rows cannot be cut into ${S} blocks (need at least ${S})`);
  }
  const offset = T % S;
  // Per column and block: the sum and sum of squares of the returns minus the column's
  // mean (centring keeps a constant column's deviation exactly 0).
  const sums = new Float64Array(N * S);
  const squares = new Float64Array(N * S);
  const centres = new Float64Array(N);
  for (let j = 0; j < N; j++) {
    const column = columns[j] as ArrayLike<number>;
    let total = 0;
    for (let t = offset; t < T; t++) total += column[t] as number;
    const centre = total / (T - offset);
    centres[j] = centre;
    for (let b = 0; b < S; b++) {
      let sum = 0;
      let square = 0;
      const from = offset + b * size;
      for (let t = from; t < from + size; t++) {
        const d = (column[t] as number) - centre;
        sum += d;
        square += d * d;
      }
      sums[j * S + b] = sum;
      squares[j * S + b] = square;
    }
  }
  const half = S / 2;
  const rows = half * size;
  const performance = (j: number, blocks: readonly number[]): number => {
    let sum = 0;
    let square = 0;
    for (const b of blocks) {
      sum += sums[j * S + b] as number;
      square += squares[j * S + b] as number;
    }
    if (rows < 2) return 0;
    const meanDeviation = sum / rows;
    const variance = Math.max(0, (square - sum * meanDeviation) / (rows - 1));
    const std = Math.sqrt(variance);
    return std > 0 ? ((centres[j] as number) + meanDeviation) / std : 0;
  };
  const logits: number[] = [];
  const inSample = new Float64Array(N);
  const outOfSample = new Float64Array(N);
  let overfit = 0;
  for (const blocks of lexicographicSubsets(S, half)) {
    const chosen = new Set(blocks);
    const others: number[] = [];
    for (let b = 0; b < S; b++) if (!chosen.has(b)) others.push(b);
    for (let j = 0; j < N; j++) {
      inSample[j] = performance(j, blocks);
      outOfSample[j] = performance(j, others);
    }
    const star = argmaxFirst(inSample);
    const rank = averageRank(outOfSample, outOfSample[star] as number);
    const w = rank / (N + 1);
    const logit = Math.log(w / (1 - w));
    logits.push(logit);
    if (logit <= 0) overfit++;
  }
  return { pbo: overfit / logits.length, partitions: S, logits };
}

export interface DeflatedSharpe {
  /** The best combination's per-bar Sharpe over all T rows. */
  readonly sharpe: number;
  /** The expected maximum Sharpe of `trials` unskilled trials. */
  readonly sharpe0: number;
  readonly trials: number;
  /** Population skewness and (non-excess) kurtosis of the best's returns; null when constant. */
  readonly skew: number | null;
  readonly kurtosis: number | null;
  readonly observations: number;
  /** Phi of the deflated statistic; null when it is undefined. */
  readonly dsr: number | null;
}

/** The expected maximum of N unskilled Sharpes with variance V (0 when N < 2). */
export function expectedMaxSharpe(variance: number, trials: number): number {
  if (trials < 2) return 0;
  return (
    Math.sqrt(variance) *
    ((1 - EULER_GAMMA) * normalQuantile(1 - 1 / trials) +
      EULER_GAMMA * normalQuantile(1 - 1 / (trials * Math.E)))
  );
}

/** Sample variance (ddof 1); 0 for fewer than two values. */
export function sampleVariance(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i] as number;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = (values[i] as number) - mean;
    squares += d * d;
  }
  return squares / (n - 1);
}

/** The deflated Sharpe ratio of column `best` among `columns` (per-bar returns). */
export function deflatedSharpeRatio(
  columns: readonly ArrayLike<number>[],
  best: number,
): DeflatedSharpe {
  const bestColumn = columns[best];
  if (bestColumn === undefined) throw new RangeError(`no column ${best}`);
  const T = bestColumn.length;
  const sharpes = columns.map((column) => perBarSharpe(column));
  const sharpe = sharpes[best] as number;
  const trials = columns.length;
  const sharpe0 = expectedMaxSharpe(sampleVariance(sharpes), trials);
  let mean = 0;
  for (let t = 0; t < T; t++) mean += bestColumn[t] as number;
  mean /= T;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let t = 0; t < T; t++) {
    const d = (bestColumn[t] as number) - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  m2 /= T;
  m3 /= T;
  m4 /= T;
  const skew = m2 > 0 ? m3 / m2 ** 1.5 : null;
  const kurtosis = m2 > 0 ? m4 / (m2 * m2) : null;
  let dsr: number | null = null;
  if (skew !== null && kurtosis !== null && T > 1) {
    const denominator = 1 - skew * sharpe + ((kurtosis - 1) / 4) * sharpe * sharpe;
    if (denominator > 0) {
      const value = normalCdf(((sharpe - sharpe0) * Math.sqrt(T - 1)) / Math.sqrt(denominator));
      dsr = Number.isFinite(value) ? value : null;
    }
  }
  return { sharpe, sharpe0, trials, skew, kurtosis, observations: T, dsr };
}
