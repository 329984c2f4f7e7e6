// Node-only entry of @njord/portfolio-backtest: reading price files and strategy modules from disk.
export { loadPriceCsv, PRICE_CSV_MAX_BYTES } from './load-price-csv.js';
export type { LoadedPriceData, LoadPriceCsvOptions } from './load-price-csv.js';
export { loadStrategyModule } from './load-strategy-module.js';
export { ChunkedFileWriter, writeJsonFile } from './json-stream.js';
export {
  isRebalancePartName,
  rebalancePartName,
  writeBacktestResult,
  writeResultText,
} from './write-result.js';
export type { PartsOptions, ResultFileOptions } from './write-result.js';
export { openBacktestResult, RESULT_SUMMARY_MAX_BYTES } from './read-result.js';
export type { BacktestResultReader, EquityOnlyPoint, OpenResultOptions } from './read-result.js';
export {
  RebalanceSpill,
  type RebalanceSpillOptions,
  SPILL_AT_ONCE_BAR_EVENTS,
  spillOptionsFor,
} from './rebalance-spill.js';
