// The risk package's error: inputs that break its invariants (bad options, histories, matrices).
export const RISK_ERROR_CODES = [
  'invalid_options',
  'invalid_history',
  'invalid_covariance',
  'unknown_strategy',
] as const;
export type RiskErrorCode = (typeof RISK_ERROR_CODES)[number];

export class RiskError extends Error {
  readonly _tag = 'RiskError' as const;
  readonly code: RiskErrorCode;

  constructor(code: RiskErrorCode, message: string) {
    super(message);
    this.name = 'RiskError';
    this.code = code;
  }
}
