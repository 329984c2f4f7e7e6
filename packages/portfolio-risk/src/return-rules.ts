// The rules every return statistic follows: missing and extreme returns, total loss, zero
// volatility, the period risk-free rate.

/** A per-period standard deviation at or below this counts as zero volatility (Sharpe undefined). */
export const MIN_VOLATILITY = 1e-12;

/**
 * Log growth of a return <= -1 (a total loss): e^-800 underflows to 0, so the wealth index is
 * wiped out and the drawdown is exactly -1, while every sum stays finite.
 */
export const WIPEOUT_LOG_GROWTH = -800;

/** Returns are clipped to +-MAX_ABS_RETURN (1e8 %) so no sum or square can overflow. */
export const MAX_ABS_RETURN = 1e6;

/** A return as the statistics use it: NaN when missing (not finite), else clipped to +-MAX_ABS_RETURN. */
export function sanitizeReturn(r: number): number {
  if (!Number.isFinite(r)) return Number.NaN;
  return r > MAX_ABS_RETURN ? MAX_ABS_RETURN : r < -MAX_ABS_RETURN ? -MAX_ABS_RETURN : r;
}

/** log(1 + r), with a total loss (r <= -1) floored at `WIPEOUT_LOG_GROWTH`. */
export function logGrowth(r: number): number {
  return r > -1 ? Math.log1p(r) : WIPEOUT_LOG_GROWTH;
}

export interface AnnualizationOptions {
  /** P, periods per year (e.g. 252 for daily bars). */
  readonly periodsPerYear: number;
  /** Annual risk-free rate (default 0); rf_p = (1 + rf)^(1/P) - 1. */
  readonly riskFreeRate?: number;
}

/** rf_p = (1 + rf)^(1/P) - 1 (docs/metrics.md). */
export function periodRiskFreeRate(options: AnnualizationOptions): number {
  const rf = options.riskFreeRate ?? 0;
  return rf === 0 ? 0 : (1 + rf) ** (1 / options.periodsPerYear) - 1;
}
