// Public API of @njord/portfolio-risk: risk-adjusted weights, rolling window statistics, solvers,
// live return sampling, and the return statistics (also alone, as the `./stats` entry).
export { RiskAdjustedAllocator } from './risk-adjusted-allocator.js';
export type {
  PerformanceHistory,
  RiskAdjustedAllocatorOptions,
  RiskAdjustment,
  StrategyReturns,
  StrategyRiskStats,
} from './risk-adjusted-allocator.js';
export { RollingReturnStats } from './rolling-return-stats.js';
export type { RollingReturnStatsOptions } from './rolling-return-stats.js';
export {
  calculateDrawdownSeries,
  calculateFlowAdjustedReturn,
  calculateMaxDrawdown,
  calculateReturnDrawdown,
  calculateReturnMeanVariance,
  calculateReturnMoments,
  calculateReturnStats,
  calculateValueDrawdown,
  DEFAULT_PERIODS_PER_YEAR,
  DrawdownMeter,
  inferPeriodsPerYear,
  logGrowth,
  MAX_ABS_RETURN,
  MIN_VOLATILITY,
  periodRiskFreeRate,
  sanitizeReturn,
  statsFromMoments,
  valueLevel,
  WIPEOUT_LOG_GROWTH,
} from './stats.js';
export type {
  AnnualizationOptions,
  DrawdownSummary,
  ReturnMeanVariance,
  ReturnMoments,
  ReturnStats,
} from './stats.js';
export {
  calculateSharpeDrawdownScore,
  calculateSharpeDrawdownWeights,
  DEFAULT_DRAWDOWN_PENALTY,
  DEFAULT_SHARPE_CAP,
} from './sharpe-drawdown.js';
export type { SharpeDrawdownOptions, TiltInput } from './sharpe-drawdown.js';
export {
  equalRiskContributionWeights,
  inverseVolatilityWeights,
} from './equal-risk-contribution.js';
export type {
  EqualRiskContributionOptions,
  EqualRiskContributionResult,
} from './equal-risk-contribution.js';
export {
  calculateSampleCovariance,
  defaultShrinkageIntensity,
  shrinkCovarianceToDiagonal,
} from './covariance.js';
export { decodeReturnHistory, ReturnSampler } from './return-sampler.js';
export type {
  ReturnHistoryWire,
  ReturnSamplerJson,
  ReturnSamplerOptions,
} from './return-sampler.js';
export { RISK_ERROR_CODES, RiskError } from './errors.js';
export type { RiskErrorCode } from './errors.js';
export { encodeRiskAdjustment } from './encode-adjustment.js';
export type { RiskAdjustmentWire, StrategyRiskStatsWire } from './encode-adjustment.js';
