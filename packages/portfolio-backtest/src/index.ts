// Public API of @njord/portfolio-backtest: price data, strategies and metrics.
export { createPriceData, PriceData } from './price-data.js';
export type { PriceDataColumns, SymbolColumnsInput } from './price-data.js';
export { isPriceDataError, PRICE_DATA_ERROR_CODES, PriceDataError } from './price-data-error.js';
export type { PriceDataErrorCode } from './price-data-error.js';
export {
  formatPriceCsv,
  parsePriceCsv,
  PRICE_CSV_COLUMNS,
  PRICE_CSV_HEADER,
  PriceCsvParser,
} from './price-csv.js';
export { formatTimestampNs, parseTimestamp } from './timestamp-text.js';
export { generateSyntheticData, SYNTHETIC_REGIMES } from './synthetic-data.js';
export type { SyntheticDataOptions } from './synthetic-data.js';
export { SeededRandom } from './random.js';
