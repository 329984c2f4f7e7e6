// The risk package's error: inputs that break its invariants (bad options, histories, matrices).
import { taggedError } from '@njord/portfolio-contracts/core';

export const RISK_ERROR_CODES = [
  'invalid_options',
  'invalid_history',
  'invalid_covariance',
  'unknown_strategy',
] as const;
export type RiskErrorCode = (typeof RISK_ERROR_CODES)[number];

/** Thrown with a `code` from `RISK_ERROR_CODES`; `_tag` is `'RiskError'`. */
export class RiskError extends taggedError('RiskError', RISK_ERROR_CODES) {}
