// The tracker's error type: fills, plans and states it cannot apply, each with a code from a fixed list.
import { isTaggedError, taggedError } from '@njord/portfolio-contracts/core';

export const TRACKER_ERROR_CODES = [
  'unknown_strategy',
  'fill_conflict',
  'portfolio_mismatch',
  'invalid_plan',
  'invalid_input',
  'invalid_state',
  'too_old',
  'out_of_range',
] as const;
export type TrackerErrorCode = (typeof TRACKER_ERROR_CODES)[number];

/** Thrown with a `code` from `TRACKER_ERROR_CODES`; `_tag` is `'TrackerError'`. */
export class TrackerError extends taggedError('TrackerError', TRACKER_ERROR_CODES) {}

/** True for a TrackerError, also one thrown by another copy of this package. */
export const isTrackerError = isTaggedError(TrackerError);
