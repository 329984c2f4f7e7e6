// Statistics of one strategy's returns over a window: mean, volatility, Sharpe, max drawdown.
import { calculateReturnDrawdown } from './drawdown.js';
import {
  type AnnualizationOptions,
  MIN_VOLATILITY,
  periodRiskFreeRate,
  sanitizeReturn,
} from './return-rules.js';

export {
  type AnnualizationOptions,
  logGrowth,
  MAX_ABS_RETURN,
  MIN_VOLATILITY,
  periodRiskFreeRate,
  sanitizeReturn,
  WIPEOUT_LOG_GROWTH,
} from './return-rules.js';

/** Statistics of the finite returns of a window; every number finite, null where undefined. */
export interface ReturnStats {
  /** Finite returns in the window (NaN and +-Infinity are missing values). */
  readonly count: number;
  /** Mean return per period (null when count is 0). */
  readonly mean: number | null;
  /** Annualized standard deviation, ddof 1: std x sqrt(P) (null when count < 2). */
  readonly volatility: number | null;
  /** Annualized `mean(r - rf_p) / std(r) x sqrt(P)` (null when count < 2 or at zero volatility). */
  readonly sharpe: number | null;
  /** min(W / running max W - 1) of the wealth index W over the window, starting at 1; in [-1, 0]. */
  readonly maxDrawdown: number | null;
}

/** Builds `ReturnStats` from window moments; `variance` is the ddof-1 variance per period. */
export function statsFromMoments(
  count: number,
  mean: number,
  variance: number,
  maxDrawdown: number,
  options: AnnualizationOptions,
): ReturnStats {
  if (count === 0) return { count, mean: null, volatility: null, sharpe: null, maxDrawdown: null };
  const drawdown = maxDrawdown === 0 ? 0 : maxDrawdown;
  if (count < 2) return { count, mean, volatility: null, sharpe: null, maxDrawdown: drawdown };
  const std = Math.sqrt(variance > 0 ? variance : 0);
  const root = Math.sqrt(options.periodsPerYear);
  const sharpe = std > MIN_VOLATILITY ? ((mean - periodRiskFreeRate(options)) / std) * root : null;
  return { count, mean, volatility: std * root, sharpe, maxDrawdown: drawdown };
}

/** Max drawdown of the wealth index of `returns` (non-finite returns skipped), in [-1, 0]. */
export function calculateMaxDrawdown(returns: ArrayLike<number>): number {
  return calculateReturnDrawdown(returns).maxDrawdown;
}

/** Count, mean and ddof-1 variance (0 below two returns) of the finite returns, two-pass. */
export interface ReturnMeanVariance {
  readonly count: number;
  readonly mean: number;
  readonly variance: number;
}

/** Count, mean, ddof-1 variance (0 below two returns) and max drawdown of the finite returns, two-pass. */
export interface ReturnMoments extends ReturnMeanVariance {
  readonly maxDrawdown: number;
}

/**
 * `calculateReturnMoments` without the max drawdown (a pass of a logarithm per return), for
 * a caller that has the drawdown already.
 */
export function calculateReturnMeanVariance(returns: ArrayLike<number>): ReturnMeanVariance {
  let count = 0;
  let sum = 0;
  for (let t = 0; t < returns.length; t++) {
    const r = sanitizeReturn(returns[t] as number);
    if (r === r) {
      count++;
      sum += r;
    }
  }
  const mean = count > 0 ? sum / count : 0;
  let squares = 0;
  for (let t = 0; t < returns.length; t++) {
    const r = sanitizeReturn(returns[t] as number);
    if (r === r) squares += (r - mean) * (r - mean);
  }
  return { count, mean, variance: count > 1 ? squares / (count - 1) : 0 };
}

export function calculateReturnMoments(returns: ArrayLike<number>): ReturnMoments {
  const { count, mean, variance } = calculateReturnMeanVariance(returns);
  return { count, mean, variance, maxDrawdown: calculateMaxDrawdown(returns) };
}

/** `ReturnStats` of a whole array of returns (non-finite values are missing, the rest clipped), two-pass. */
export function calculateReturnStats(
  returns: ArrayLike<number>,
  options: AnnualizationOptions,
): ReturnStats {
  const m = calculateReturnMoments(returns);
  return statsFromMoments(m.count, m.mean, m.variance, m.maxDrawdown, options);
}
