// Node-only entry of @njord/portfolio-backtest: reading price files and strategy modules from disk.
export { loadPriceCsv } from './load-price-csv.js';
export type { LoadedPriceData } from './load-price-csv.js';
export { loadStrategyModule } from './load-strategy-module.js';
