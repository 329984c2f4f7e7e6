// The one error type of the contracts: every rule broken, each with a field path.
import { isTaggedError, taggedError } from './tagged-error.js';

export interface ContractIssue {
  /** Field path such as `portfolio.allocations[2].max_capital` (wire names). */
  readonly path: string;
  /** What is wrong, without the path: `must be >= min_capital (10000), got 5000`. */
  readonly message: string;
}

export const CONTRACT_ERROR_CODES = ['invalid_input', 'yaml_syntax', 'io'] as const;
export type ContractErrorCode = (typeof CONTRACT_ERROR_CODES)[number];

/** Input that breaks a contract; `issues` lists every rule broken, each with its path. */
export class ContractError extends taggedError('ContractError', CONTRACT_ERROR_CODES) {
  readonly issues: readonly ContractIssue[];

  constructor(issues: readonly ContractIssue[], code: ContractErrorCode = 'invalid_input') {
    super(
      code,
      issues
        .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
        .join('\n'),
    );
    this.issues = Object.freeze(issues.map((issue) => Object.freeze({ ...issue })));
  }
}

/** True for a ContractError, also one thrown by another copy of this package. */
export const isContractError = isTaggedError(ContractError);

/** Expected outcomes are values, not exceptions. */
export type Result<T, E = ContractError> =
  { readonly success: true; readonly data: T } | { readonly success: false; readonly error: E };
