// Performance metrics of an equity curve (docs/metrics.md) and per-strategy contributions.
import { createIdRecord } from '@njord/portfolio-contracts/core';
import {
  calculateFlowAdjustedReturn,
  calculateReturnDrawdown,
  calculateReturnMeanVariance,
  calculateValueDrawdown,
  inferPeriodsPerYear,
  MIN_VOLATILITY,
  periodRiskFreeRate,
  statsFromMoments,
} from '@njord/portfolio-risk';
import type { Metrics } from '@njord/portfolio-contracts';

type Numbers = Float64Array | readonly number[];
type Timestamps = BigInt64Array | readonly bigint[];

const DAY_NS = 86_400_000_000_000;
const DAYS_PER_YEAR = 365.25;

export interface MetricsInput {
  /** E_1 .. E_N: equity after each bar. */
  readonly equity: Numbers;
  /** t_1 .. t_N: each bar's timestamp (ns), same length as `equity`. */
  readonly timestamps: Timestamps;
  /** E_0: the capital before the first bar (> 0). */
  readonly initialCapital: number;
  /**
   * Per bar, capital moved into (+) or out of (-) this equity during the bar (a sleeve's
   * transfers); makes the returns flow-adjusted. Left out for a whole portfolio.
   */
  readonly transfers?: Numbers;
  /** P; inferred from the median bar spacing when left out. */
  readonly periodsPerYear?: number;
  /** Annual risk-free rate (default 0). */
  readonly riskFreeRate?: number;
  /** Σ |traded notional| over the run (turnover is null without it). */
  readonly tradedNotional?: number;
  /** Commission + slippage paid (null without it). */
  readonly costs?: number;
  readonly rebalanceCount?: number;
}

const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

/** P from the median bar spacing (the rule in docs/metrics.md); one implementation, in the risk package. */
export { inferPeriodsPerYear };

/**
 * The bar returns r_t = (E_t - transfer_t) / E_{t-1} - 1 (t = 1..N, E_0 = initial
 * capital); NaN where E_{t-1} <= 0 (no return is defined there).
 */
export function calculateReturns(
  equity: Numbers,
  initialCapital: number,
  transfers?: Numbers,
): Float64Array {
  const n = equity.length;
  const returns = new Float64Array(n);
  let previous = initialCapital;
  for (let t = 0; t < n; t++) {
    const e = equity[t] as number;
    const flow = transfers === undefined ? 0 : (transfers[t] as number);
    // The risk package's flow-adjusted return: the one definition live and backtest share.
    returns[t] = calculateFlowAdjustedReturn(previous, e, flow);
    previous = e;
  }
  return returns;
}

/**
 * the metrics of docs/metrics.md. Null where a metric is undefined, never NaN or Infinity:
 * fewer than two returns (volatility, sharpe), zero volatility (sharpe, sortino: a per-period deviation at or below the risk package's MIN_VOLATILITY), no downside
 * (sortino), no time span (cagr), no drawdown (calmar). With `transfers` every
 * return-based figure (total_return, cagr, drawdown) uses the flow-adjusted (time-
 * weighted) value V_t = E_0 × Π(1 + r); without, V_t = E_t exactly.
 */
export function calculateMetrics(input: MetricsInput): Metrics {
  const { equity, timestamps, initialCapital } = input;
  const n = equity.length;
  if (timestamps.length !== n) {
    throw new Error(`calculateMetrics: ${n} equity values but ${timestamps.length} timestamps`);
  }
  if (input.transfers !== undefined && input.transfers.length !== n) {
    throw new Error(`calculateMetrics: ${n} equity values but ${input.transfers.length} transfers`);
  }
  // A sleeve (with transfers) may start with nothing: a strategy parked at weight 0 and
  // max_capital 0. Its returns are missing until it holds capital.
  const sleeve = input.transfers !== undefined;
  if (!(sleeve ? initialCapital >= 0 : initialCapital > 0) || !Number.isFinite(initialCapital)) {
    throw new Error(
      `calculateMetrics: initialCapital must be finite and ${sleeve ? '>=' : '>'} 0, got ${initialCapital}`,
    );
  }
  const rebalanceCount = input.rebalanceCount ?? 0;
  const costs = input.costs === undefined ? null : finiteOrNull(input.costs);
  if (n === 0) {
    return {
      totalReturn: null,
      cagr: null,
      volatility: null,
      sharpe: null,
      sortino: null,
      maxDrawdown: null,
      maxDrawdownDurationBars: null,
      maxDrawdownDurationDays: null,
      calmar: null,
      turnover: null,
      costs,
      rebalanceCount,
    };
  }

  const flowAdjusted = input.transfers !== undefined;
  const periods = input.periodsPerYear ?? inferPeriodsPerYear(timestamps);
  const annualization = { periodsPerYear: periods ?? 1, riskFreeRate: input.riskFreeRate ?? 0 };
  const riskFree = periods === null ? 0 : periodRiskFreeRate(annualization);
  const returns = calculateReturns(equity, initialCapital, input.transfers);
  // One pass for what is summed in bar order: the growth of a sleeve's time-weighted value
  // (the product of 1 + r), the downside squares and the equity's sum (turnover). Each sum
  // takes its terms in the same order as a pass of its own would, so the figures are the
  // same to the last bit.
  let product = 1;
  let downside = 0;
  let equitySum = 0;
  for (let t = 0; t < n; t++) {
    equitySum += equity[t] as number;
    const r = returns[t] as number;
    if (r === r) {
      product *= 1 + r;
      const excess = r - riskFree;
      if (excess < 0) downside += excess * excess;
    }
  }
  // Growth of the value path: time-weighted for a sleeve, E_N / E_0 else.
  const growth = flowAdjusted ? product : (equity[n - 1] as number) / initialCapital;
  const totalReturn = finiteOrNull(growth - 1);

  const spanDays = Number((timestamps[n - 1] as bigint) - (timestamps[0] as bigint)) / DAY_NS;
  let cagr: number | null = null;
  if (n >= 2 && spanDays > 0) {
    if (growth > 0) cagr = finiteOrNull(growth ** (DAYS_PER_YEAR / spanDays) - 1);
    else if (growth === 0) cagr = -1;
  }

  // Drawdowns by the risk package's one definition, the running peak starting at E_0: of the
  // flow-adjusted wealth (the compounded returns) for a sleeve, of the equity itself else.
  const drawdown = flowAdjusted
    ? calculateReturnDrawdown(returns, timestamps)
    : calculateValueDrawdown(equity, initialCapital, timestamps);
  // Volatility and Sharpe by the risk package's statistics, so the Sharpe reported is the
  // Sharpe that tilts risk-adjusted weights (the same moments and zero-volatility rule;
  // they do not read the drawdown: the curve's own is passed on).
  const moments = calculateReturnMeanVariance(returns);
  const stats = statsFromMoments(
    moments.count,
    moments.mean,
    moments.variance,
    drawdown.maxDrawdown,
    annualization,
  );
  const volatility = periods === null ? null : finiteOrNull(stats.volatility ?? Number.NaN);
  const sharpe = periods === null ? null : finiteOrNull(stats.sharpe ?? Number.NaN);
  const downsideDeviation = moments.count > 0 ? Math.sqrt(downside / moments.count) : Number.NaN;
  const sortino =
    periods !== null && downsideDeviation > MIN_VOLATILITY
      ? finiteOrNull(((moments.mean - riskFree) / downsideDeviation) * Math.sqrt(periods))
      : null;

  const maxDrawdown = drawdown.maxDrawdown;
  const longestBars = drawdown.longestBars;
  const longestDays = drawdown.longestSpanNs / DAY_NS;
  const calmar =
    cagr !== null && maxDrawdown < 0 ? finiteOrNull(cagr / Math.abs(maxDrawdown)) : null;

  let turnover: number | null = null;
  if (input.tradedNotional !== undefined) {
    const meanEquity = equitySum / n;
    turnover = meanEquity > 0 ? finiteOrNull(input.tradedNotional / (2 * meanEquity)) : null;
  }

  return {
    totalReturn,
    cagr,
    volatility,
    sharpe,
    sortino,
    maxDrawdown: finiteOrNull(maxDrawdown),
    maxDrawdownDurationBars: longestBars,
    maxDrawdownDurationDays: finiteOrNull(longestDays),
    calmar,
    turnover,
    costs,
    rebalanceCount,
  };
}

export interface SleeveCurve {
  /** E_i,0: the sleeve's capital before the first bar (its initial funding). */
  readonly initial: number;
  /** E_i,1 .. E_i,N. */
  readonly equity: Numbers;
  /** Per bar, capital transferred into (+) or out of (-) the sleeve. */
  readonly transfers?: Numbers;
}

/**
 * contribution_i = Σ_t (E_i,t - transfer_i,t - E_i,t-1) / E_0 with E_0 the portfolio's
 * initial capital: each sleeve's profit in units of the starting portfolio. When the
 * sleeves plus unallocated cash (which earns nothing) make up the portfolio, the
 * contributions sum to its total return.
 */
export function calculateContribution(input: {
  readonly initialCapital: number;
  readonly sleeves: Readonly<Record<string, SleeveCurve>>;
}): Record<string, number> {
  if (!(input.initialCapital > 0)) {
    throw new Error(
      `calculateContribution: initialCapital must be > 0, got ${input.initialCapital}`,
    );
  }
  const out = createIdRecord<number>();
  for (const [id, sleeve] of Object.entries(input.sleeves)) {
    const { equity, transfers } = sleeve;
    if (transfers !== undefined && transfers.length !== equity.length) {
      throw new Error(
        `calculateContribution: ${id} has ${equity.length} equity values but ${transfers.length} transfers`,
      );
    }
    // The sum telescopes to E_i,N - E_i,0 - Σ transfers; summed term by term as written.
    let previous = sleeve.initial;
    let profit = 0;
    for (let t = 0; t < equity.length; t++) {
      const e = equity[t] as number;
      profit += e - (transfers === undefined ? 0 : (transfers[t] as number)) - previous;
      previous = e;
    }
    out[id] = profit / input.initialCapital;
  }
  return out;
}
