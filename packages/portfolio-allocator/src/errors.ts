// The allocator's error: inputs that break its invariants (bad weights, non-finite capital).
import { taggedError } from '@njord/portfolio-contracts/core';

export const ALLOCATOR_ERROR_CODES = ['invalid_weights', 'non_finite_input'] as const;
export type AllocatorErrorCode = (typeof ALLOCATOR_ERROR_CODES)[number];

/** Thrown with a `code` from `ALLOCATOR_ERROR_CODES`; `_tag` is `'AllocatorError'`. */
export class AllocatorError extends taggedError('AllocatorError', ALLOCATOR_ERROR_CODES) {}
