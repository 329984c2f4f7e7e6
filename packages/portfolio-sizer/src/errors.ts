// The sizer's error type: inputs a caller must never pass (a non-positive price, NaN, an unknown strategy).
import { isTaggedError, taggedError } from '@njord/portfolio-contracts/core';

export const SIZER_ERROR_CODES = ['invalid_price', 'invalid_input', 'unknown_strategy'] as const;
export type SizerErrorCode = (typeof SIZER_ERROR_CODES)[number];

/** Thrown with a `code` from `SIZER_ERROR_CODES`; `_tag` is `'SizerError'`. */
export class SizerError extends taggedError('SizerError', SIZER_ERROR_CODES) {}

/** True for a SizerError, also one thrown by another copy of this package. */
export const isSizerError = isTaggedError(SizerError);
