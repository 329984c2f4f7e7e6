// Public API of @njord/portfolio-tracker: sleeves from fills and marks, snapshots, plans, checkpoints,
// and the live input filters (the mark guard, the book of plans in flight).
export { DUST_TOLERANCE } from './book.js';
export { isTrackerError, TRACKER_ERROR_CODES, TrackerError } from './errors.js';
export type { TrackerErrorCode } from './errors.js';
export {
  appliedFillCount,
  checkTrackerState,
  TRACKER_CHAINED_STATE_VERSION,
  TRACKER_LISTED_CHAINED_STATE_VERSION,
  TRACKER_LISTED_STATE_VERSION,
  TRACKER_STATE_VERSION,
} from './state-json.js';
export type {
  AppliedFillJson,
  AppliedFillsJson,
  PackedFillsBytes,
  PackedFillsJson,
  PositionStateJson,
  SleeveStateJson,
  SymbolStateJson,
  TrackerStateJson,
} from './state-json.js';
export { MAX_AMOUNT, PortfolioTracker } from './tracker.js';
export type { FillOutcome, PositionReport, SleeveReport, TrackerOptions } from './tracker.js';
export { MarkGuard } from './mark-guard.js';
export type { MarkGuardJson, MarkVerdict } from './mark-guard.js';
export { PlanBook } from './plan-book.js';
export type { PlanBookJson } from './plan-book.js';
