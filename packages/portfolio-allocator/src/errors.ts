// The allocator's error: inputs that break its invariants (bad weights, non-finite capital).
export const ALLOCATOR_ERROR_CODES = ['invalid_weights', 'non_finite_input'] as const;
export type AllocatorErrorCode = (typeof ALLOCATOR_ERROR_CODES)[number];

export class AllocatorError extends Error {
  readonly _tag = 'AllocatorError' as const;
  readonly code: AllocatorErrorCode;

  constructor(code: AllocatorErrorCode, message: string) {
    super(message);
    this.name = 'AllocatorError';
    this.code = code;
  }
}
