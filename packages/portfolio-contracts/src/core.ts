// `@njord/portfolio-contracts/core`: the parts of the contracts with no dependency (no zod,
// no YAML parser): the errors, the tagged-error factory, the fixed lists, deepFreeze,
// createIdRecord.
// Everything here is also exported from the main entry.
export { ContractError, CONTRACT_ERROR_CODES, isContractError } from './errors.js';
export type { ContractErrorCode, ContractIssue, Result } from './errors.js';
export { isTaggedError, taggedError } from './tagged-error.js';
export type { TaggedError, TaggedErrorClass } from './tagged-error.js';
export { deepFreeze } from './freeze.js';
export { createIdRecord, setId } from './id-record.js';
export { spanNs } from './span.js';
export type { DeepReadonly } from './freeze.js';
export {
  BREAKER_REASONS,
  FILL_MODELS,
  HALT_REASONS,
  ID_PATTERN,
  MANAGER_COMMANDS,
  REBALANCE_REASONS,
  RESUME_CAUSES,
  RISK_ADJUSTMENT_METHODS,
  SKIP_REASONS,
  WEIGHT_SUM_TOLERANCE,
} from './constants.js';
export type {
  BreakerReason,
  FillModel,
  HaltReason,
  ManagerCommand,
  RebalanceReason,
  ResumeCause,
  RiskAdjustmentMethod,
  SkipReason,
} from './constants.js';
