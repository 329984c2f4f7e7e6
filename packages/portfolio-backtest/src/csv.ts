// `@njord/portfolio-backtest/csv`: price CSV text to columnar PriceData and back, kept out of
// the main entry so code that only needs the engines or metrics does not load the parser.
export {
  formatPriceCsv,
  parsePriceCsv,
  PRICE_CSV_COLUMNS,
  PRICE_CSV_HEADER,
  PRICE_CSV_MAX_LINE_LENGTH,
  PriceCsvParser,
  PriceCsvRowCounter,
  quoteValue,
} from './price-csv.js';
