// Public API of @njord/portfolio-sizer: position sizing, lot rounding, trade admission and trade costs.
export { admitTradeInto, FRACTIONAL_RULE, NO_TRADE_RULES, TradeAdmission } from './admission.js';
export type { AdmissionReason, AdmissionRules, InstrumentRule } from './admission.js';
export { calculateTradeCosts } from './costs.js';
export type { TradeCosts } from './costs.js';
export { fillIntentAtMark, fillIntentOnPaper, MarkHistory, paperFillId } from './paper-fill.js';
export { isSizerError, SIZER_ERROR_CODES, SizerError } from './errors.js';
export type { SizerErrorCode } from './errors.js';
export { LOT_TOLERANCE, roundUnitsToLot } from './rounding.js';
export { PositionSizer } from './sizer.js';
export type { PositionSize, SizeLimit, SizeReason, SizingContext, TradeRounding } from './sizer.js';
