// The tracker's error type: fills, plans and states it cannot apply, each with a code from a fixed list.
export const TRACKER_ERROR_CODES = [
  'unknown_strategy',
  'fill_conflict',
  'portfolio_mismatch',
  'invalid_plan',
  'invalid_input',
  'invalid_state',
] as const;
export type TrackerErrorCode = (typeof TRACKER_ERROR_CODES)[number];

export class TrackerError extends Error {
  readonly _tag = 'TrackerError' as const;
  readonly code: TrackerErrorCode;

  constructor(code: TrackerErrorCode, message: string) {
    super(message);
    this.name = 'TrackerError';
    this.code = code;
  }
}

export function isTrackerError(value: unknown): value is TrackerError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { _tag?: unknown })._tag === 'TrackerError'
  );
}
