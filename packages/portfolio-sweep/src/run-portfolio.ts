// One combination's run: the portfolio's rebalancing run alone (no baseline, benchmark or
// standalone runs), with the same inputs and metrics as the portfolio line of a full backtest.
import type { Metrics, PortfolioConfig } from '@njord/portfolio-contracts';
import {
  calculateMetrics,
  inferPeriodsPerYear,
  maxAbsExposureOf,
  PortfolioBacktestEngine,
  type PriceData,
  type SignalCache,
  simulate,
  type StrategyRegistry,
} from '@njord/portfolio-backtest';

export interface PortfolioRun {
  readonly metrics: Metrics;
  /** Equity after each bar traded, E_1 .. E_T. */
  readonly equity: Float64Array;
  /** The capital before the first bar, E_0. */
  readonly initialCapital: number;
  /** Steps of the data traded, inclusive. */
  readonly firstStep: number;
  readonly lastStep: number;
}

/**
 * Periods per year inferred from a run's bar spacing, per data and range: every combination
 * of a sweep runs on the same few ranges, and the inference reads every timestamp.
 */
const inferred = new WeakMap<PriceData, Map<string, number | null>>();

function periodsPerYearOf(data: PriceData, firstStep: number, lastStep: number): number | null {
  let byRange = inferred.get(data);
  if (byRange === undefined) {
    byRange = new Map();
    inferred.set(data, byRange);
  }
  const key = `${firstStep}:${lastStep}`;
  let periods = byRange.get(key);
  if (periods === undefined) {
    periods = inferPeriodsPerYear(data.timestamps.subarray(firstStep, lastStep + 1));
    byRange.set(key, periods);
  }
  return periods;
}

/** `{periodsPerYear}` as inferred, or nothing when it cannot be (calculateMetrics' own rule then). */
function inferredPeriods(
  data: PriceData,
  firstStep: number,
  lastStep: number,
): { periodsPerYear?: number } {
  const periods = periodsPerYearOf(data, firstStep, lastStep);
  return periods === null ? {} : { periodsPerYear: periods };
}

export interface RunRange {
  /** First and last timestamps traded (ns), inclusive; bars before `start` feed indicators only. */
  readonly start?: bigint;
  readonly end?: bigint;
}

/**
 * Runs `config` on `data` over `range` like `njord-backtest --start/--end` does for its portfolio
 * line. With `signals` (a cache over the same `data`), a strategy the cache has seen before
 * (same id, kind, symbols, params) is not run again: its targets are read from its tape.
 */
export function runPortfolio(
  config: PortfolioConfig,
  data: PriceData,
  registry: StrategyRegistry,
  range: RunRange = {},
  signals?: SignalCache,
): PortfolioRun {
  const engine = new PortfolioBacktestEngine(config, registry, {
    ...(range.start === undefined ? {} : { start: range.start }),
    ...(range.end === undefined ? {} : { end: range.end }),
  });
  const { firstStep, lastStep } = engine.stepRange(data);
  const strategies = engine.resolveStrategies(config, data);
  const common = {
    config,
    data,
    firstStep,
    lastStep,
    mode: 'rebalance' as const,
    fillModel: config.fillModel,
    costs: config.costs,
    // Curves are read from `equity` (every bar); record as little as possible.
    curveEvery: Number.MAX_SAFE_INTEGER,
    // Only their count is read: each record is let go as it is made (kept, a long run's
    // records would outlive young collections and load the old generation).
    rebalanceSink: { add: () => undefined },
  };
  const main =
    signals === undefined
      ? simulate({ ...common, strategies })
      : simulate({
          ...common,
          signals: signals.tapesFor(strategies, maxAbsExposureOf(config.limits), lastStep),
        });
  const metrics = calculateMetrics({
    timestamps: data.timestamps.subarray(firstStep, lastStep + 1),
    equity: main.equity,
    initialCapital: config.totalCapital,
    tradedNotional: main.tradedNotional,
    costs: main.costs,
    rebalanceCount: main.rebalanceCount,
    riskFreeRate: config.riskFreeRate,
    ...(config.periodsPerYear === undefined
      ? inferredPeriods(data, firstStep, lastStep)
      : { periodsPerYear: config.periodsPerYear }),
  });
  return { metrics, equity: main.equity, initialCapital: config.totalCapital, firstStep, lastStep };
}
