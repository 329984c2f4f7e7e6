// The `@njord/portfolio-risk/stats` entry: the return statistics alone (drawdown, Sharpe,
// volatility, flow-adjusted return, periods per year), pure math that loads neither zod nor
// the contracts, for readers of results such as the report.
export {
  calculateDrawdownSeries,
  calculateReturnDrawdown,
  calculateValueDrawdown,
  DrawdownMeter,
  valueLevel,
} from './drawdown.js';
export type { DrawdownSummary } from './drawdown.js';
export {
  calculateMaxDrawdown,
  calculateReturnMeanVariance,
  calculateReturnMoments,
  calculateReturnStats,
  logGrowth,
  MAX_ABS_RETURN,
  MIN_VOLATILITY,
  periodRiskFreeRate,
  sanitizeReturn,
  statsFromMoments,
  WIPEOUT_LOG_GROWTH,
} from './return-stats.js';
export type {
  AnnualizationOptions,
  ReturnMeanVariance,
  ReturnMoments,
  ReturnStats,
} from './return-stats.js';
export { calculateFlowAdjustedReturn } from './flow-adjusted-return.js';
export { DEFAULT_PERIODS_PER_YEAR, inferPeriodsPerYear } from './periods-per-year.js';
