// Public API of @njord/portfolio-backtest: price data, strategies and metrics.
export { createPriceData, PriceData } from './price-data.js';
export type { PriceDataColumns, SymbolColumnsInput } from './price-data.js';
export { isPriceDataError, PRICE_DATA_ERROR_CODES, PriceDataError } from './price-data-error.js';
export type { PriceDataErrorCode } from './price-data-error.js';
// Price CSV text: the `@njord/portfolio-backtest/csv` entry (loadPriceCsv: `./node`).
export { formatTimestampNs, parseTimestamp } from './timestamp-text.js';
export {
  generateSyntheticData,
  planSyntheticCsv,
  SYNTHETIC_CALENDARS,
  SYNTHETIC_INTERVALS,
  SYNTHETIC_REGIMES,
  SyntheticBarGenerator,
  SyntheticCalendarClock,
  syntheticPriceCsv,
  syntheticSymbolNames,
} from './synthetic-data.js';
export type {
  SyntheticCalendar,
  SyntheticCsvOptions,
  SyntheticCsvPlan,
  SyntheticDataOptions,
  SyntheticInterval,
} from './synthetic-data.js';
export { SeededRandom } from './random.js';
export { createBarContext, StrategyBarContext } from './strategy.js';
export {
  callStrategy,
  callStrategyInto,
  DEFAULT_MAX_ABS_EXPOSURE,
  isStrategyFaultError,
  maxAbsExposureOf,
  STRATEGY_FAULT_CODES,
  StrategyFaultError,
} from './strategy-fault.js';
export type { StrategyFaultCode } from './strategy-fault.js';
export type { BarContext, Strategy, StrategyTargets } from './strategy.js';
export {
  BUILT_IN_STRATEGIES,
  createStrategyRegistry,
  defaultParams,
  defineStrategy,
  StrategyRegistry,
} from './strategy-registry.js';
export type {
  ResolveOptions,
  StrategyDefinition,
  StrategyFactory,
  StrategyFactoryInput,
} from './strategy-registry.js';
export { describeParamValue, strategyParamErrorMap, weightsParam } from './strategy-params.js';
export type { StrategyParamsSchema } from './strategy-params.js';
export {
  BuyAndHoldStrategy,
  FixedWeightsStrategy,
  WeightsParamsSchema,
  weightsInOrder,
} from './strategies/weights.js';
export type { WeightsParams } from './strategies/weights.js';
export {
  TrendlineBreakParamsSchema,
  TrendlineBreakStrategy,
} from './strategies/trendline-break.js';
export type { TrendlineBreakParams } from './strategies/trendline-break.js';
export { RsiTemaBbParamsSchema, RsiTemaBbStrategy } from './strategies/rsi-tema-bb.js';
export type { RsiTemaBbParams } from './strategies/rsi-tema-bb.js';
export { MomentumParamsSchema, MomentumStrategy } from './strategies/momentum.js';
export type { MomentumParams } from './strategies/momentum.js';
export { BollingerBandsWindow } from './indicators/bollinger-bands.js';
export { RollingTrendline } from './indicators/rolling-trendline.js';
export { TripleEma } from './indicators/triple-ema.js';
export { WilderRsi } from './indicators/wilder-rsi.js';
export { BacktestEngine } from './engine/backtest-engine.js';
export type { SingleBacktestResult } from './engine/backtest-engine.js';
export {
  BACKTEST_ERROR_CODES,
  BacktestError,
  isBacktestError,
  benchmarkCurve,
  PortfolioBacktestEngine,
  standaloneConfig,
} from './engine/portfolio-engine.js';
export type { BacktestPhase, PortfolioBacktestOptions } from './engine/portfolio-engine.js';
export { runSideRuns, runSideRunsTask, sideRunsTask } from './engine/side-runs.js';
export type {
  HoldRunOutput,
  SideRunsInput,
  SideRunsOutput,
  SideRunsTask,
  StrategyIdentity,
} from './engine/side-runs.js';
export { ColumnarBacktestResult } from './engine/columnar-result.js';
export type { BacktestCurves, RebalanceStore } from './engine/columnar-result.js';
export { createSignalTapes, simulate } from './engine/simulate.js';
export { SignalCache, SignalTape, signalIdentity, type RecordedTape } from './engine/signals.js';
export type {
  BacktestJournal,
  RebalanceSink,
  SimulationInput,
  SimulationMode,
  SimulationOutput,
} from './engine/simulate.js';
export {
  calculateContribution,
  calculateMetrics,
  calculateReturns,
  inferPeriodsPerYear,
} from './metrics.js';
export type { MetricsInput, SleeveCurve } from './metrics.js';
