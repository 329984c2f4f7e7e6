// The sizer's error type: inputs a caller must never pass (a non-positive price, NaN, an unknown strategy).
export const SIZER_ERROR_CODES = ['invalid_price', 'invalid_input', 'unknown_strategy'] as const;
export type SizerErrorCode = (typeof SIZER_ERROR_CODES)[number];

export class SizerError extends Error {
  readonly _tag = 'SizerError' as const;
  readonly code: SizerErrorCode;

  constructor(code: SizerErrorCode, message: string) {
    super(message);
    this.name = 'SizerError';
    this.code = code;
  }
}

export function isSizerError(value: unknown): value is SizerError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { _tag?: unknown })._tag === 'SizerError'
  );
}
