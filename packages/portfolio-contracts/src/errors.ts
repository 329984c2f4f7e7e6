// The one error type of the contracts: every rule broken, each with a field path.
export interface ContractIssue {
  /** Field path such as `portfolio.allocations[2].max_capital` (wire names). */
  readonly path: string;
  /** What is wrong, without the path: `must be >= min_capital (10000), got 5000`. */
  readonly message: string;
}

export const CONTRACT_ERROR_CODES = ['invalid_input', 'yaml_syntax', 'io'] as const;
export type ContractErrorCode = (typeof CONTRACT_ERROR_CODES)[number];

export class ContractError extends Error {
  readonly _tag = 'ContractError' as const;
  readonly code: ContractErrorCode;
  readonly issues: readonly ContractIssue[];

  constructor(issues: readonly ContractIssue[], code: ContractErrorCode = 'invalid_input') {
    super(
      issues
        .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
        .join('\n'),
    );
    this.name = 'ContractError';
    this.code = code;
    this.issues = Object.freeze(issues.map((issue) => Object.freeze({ ...issue })));
  }
}

export function isContractError(value: unknown): value is ContractError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { _tag?: unknown })._tag === 'ContractError'
  );
}

/** Expected outcomes are values, not exceptions. */
export type Result<T, E = ContractError> =
  { readonly success: true; readonly data: T } | { readonly success: false; readonly error: E };
