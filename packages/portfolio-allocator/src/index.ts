// Public API of @njord/portfolio-allocator: targets under bounds, drift and the rebalance trigger.
export { AllocationCalculator } from './allocation-calculator.js';
export type {
  AllocationOptions,
  DriftScale,
  RebalanceTiming,
  TargetAllocation,
} from './allocation-calculator.js';
export { ALLOCATOR_ERROR_CODES, AllocatorError } from './errors.js';
export type { AllocatorErrorCode } from './errors.js';
export {
  ALLOCATION_BOUNDS_VIOLATED,
  ALLOCATION_CAPPED,
  ALLOCATION_WITHIN_BOUNDS,
  allocatePreparedInto,
  allocateTargetsInto,
  calculateDriftInto,
  prepareAllocation,
} from './water-filling.js';
export type { AllocationStatus, PreparedAllocation } from './water-filling.js';
