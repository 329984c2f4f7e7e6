// Public API of @njord/portfolio-rebalancer: rebalance plans (transfers, order intents, costs, netting).
export { isRebalanceError, REBALANCE_ERROR_CODES, RebalanceError } from './errors.js';
export type { RebalanceErrorCode } from './errors.js';
export { Rebalancer, TARGET_TOLERANCE } from './rebalancer.js';
export type { RebalanceOptions, RebalancePlanOptions, RebalanceSizer } from './rebalancer.js';
export { bandEdgeCapital, bandOf } from './band-edge.js';
export type { Band, BandEdgeResult, BandRules } from './band-edge.js';
