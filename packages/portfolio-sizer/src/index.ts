// Public API of @njord/portfolio-sizer: position sizing, lot rounding, trade rounding and trade costs.
export { calculateTradeCosts } from './costs.js';
export type { TradeCosts } from './costs.js';
export { isSizerError, SIZER_ERROR_CODES, SizerError } from './errors.js';
export type { SizerErrorCode } from './errors.js';
export { LOT_TOLERANCE, roundUnitsToLot } from './rounding.js';
export { PositionSizer } from './sizer.js';
export type { PositionSize, SizeLimit, SizeReason, SizingContext, TradeRounding } from './sizer.js';
