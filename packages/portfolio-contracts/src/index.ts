// Public API of @njord/portfolio-contracts: schemas, types, codecs and errors. YAML text is
// parsed by the `./yaml` entry; `./core` holds the dependency-free part (errors, lists).
export { ContractError, CONTRACT_ERROR_CODES, isContractError } from './errors.js';
export type { ContractErrorCode, ContractIssue, Result } from './errors.js';
export { isTaggedError, taggedError } from './tagged-error.js';
export type { TaggedError, TaggedErrorClass } from './tagged-error.js';
export { deepFreeze } from './freeze.js';
export type { DeepReadonly } from './freeze.js';
export { formatPath, toContractIssues } from './issues.js';
export { ID_PATTERN, IdSchema, timestampFromDate, timestampToIso } from './primitives.js';
export { BREAKER_REASONS, HALT_REASONS, MANAGER_COMMANDS, RESUME_CAUSES } from './constants.js';
export type { BreakerReason, HaltReason, ManagerCommand, ResumeCause } from './constants.js';
export {
  encodePortfolioConfig,
  FILL_MODELS,
  parsePortfolioConfig,
  PortfolioConfigFileSchema,
  PortfolioConfigSchema,
  portfolioConfigJsonSchema,
  REBALANCE_TO,
  RISK_ADJUSTMENT_METHODS,
  safeParsePortfolioConfig,
  StrategyAllocationSchema,
  WEIGHT_SUM_TOLERANCE,
} from './portfolio-config.js';
export { YAML_MAX_ALIAS_COUNT, YAML_MAX_CHARS, YAML_MAX_DEPTH } from './yaml-limits.js';
export type {
  CostModel,
  FillModel,
  InstrumentSpec,
  PortfolioConfig,
  PortfolioLimits,
  RebalanceTo,
  RiskAdjustmentConfig,
  RiskAdjustmentMethod,
  StrategyAllocation,
  StrategySpec,
} from './portfolio-config.js';
export {
  BarSchema,
  decodeBar,
  decodeFillEvent,
  decodeOrderIntent,
  decodePortfolioSnapshot,
  decodePriceMark,
  decodeRebalancePlan,
  encodeBar,
  encodeManagerCommand,
  ManagerCommandSchema,
  encodeFillEvent,
  encodeOrderIntent,
  encodePortfolioSnapshot,
  encodePriceMark,
  encodeRebalancePlan,
  FillEventSchema,
  OrderIntentSchema,
  PortfolioSnapshotSchema,
  PriceMarkSchema,
  REBALANCE_REASONS,
  RebalancePlanSchema,
  safeDecodeBar,
  safeDecodeFillEvent,
  safeDecodeOrderIntent,
  safeDecodePortfolioSnapshot,
  safeDecodePriceMark,
  safeDecodeRebalancePlan,
  SKIP_REASONS,
} from './events.js';
export type {
  Bar,
  BarWire,
  ManagerCommandEvent,
  ManagerCommandEventWire,
  FillEvent,
  FillEventWire,
  OrderIntent,
  OrderIntentWire,
  PlannedTrade,
  PortfolioSnapshot,
  PortfolioSnapshotWire,
  PriceMarkWire,
  PriceMark,
  RebalancePlan,
  RebalancePlanWire,
  RebalanceReason,
  SkippedTrade,
  SkipReason,
} from './events.js';
export {
  decodeEquityOnlyPoint,
  decodeEquityPoint,
  decodePortfolioBacktestResult,
  decodeRebalanceRecord,
  encodeBreakerRecord,
  encodeEquityPoint,
  encodeMetrics,
  encodePortfolioBacktestResult,
  encodeRebalanceFill,
  encodeRebalanceParts,
  encodeRebalanceRecord,
  decodeRebalanceParts,
  PortfolioBacktestResultSchema,
  safeDecodePortfolioBacktestResult,
} from './backtest-result.js';
export type {
  BreakerRecord,
  EquityPoint,
  Metrics,
  PortfolioBacktestResult,
  PortfolioBacktestResultWire,
  RebalanceFill,
  RebalanceFillWire,
  RebalanceParts,
  RebalancePartsWire,
  RebalanceRecord,
  RebalanceRecordWire,
} from './backtest-result.js';
export type { PortfolioStateView, PriceMap, SleeveView } from './state.js';
export type { WireForm } from './codec.js';
export { crc32, crc32Hex, crc32String } from './crc32.js';
export {
  CheckpointLedgerSchema,
  decodeJournalLine,
  formatFillLine,
  formatJournalLine,
  isJournalPartName,
  JOURNAL_PART_SEQ_DIGITS,
  journalPartName,
  JOURNAL_FAULTS,
  JOURNAL_LINE_TYPES,
  JOURNAL_VERSION,
  JournalLineError,
  JournalLineSchema,
  JournalSourceSchema,
  journalLineOpen,
  safeDecodeJournalLine,
} from './journal.js';
export type {
  CheckpointLedger,
  JournalBodyWire,
  JournalFault,
  JournalLine,
  JournalLineOf,
  JournalLineType,
  JournalSource,
  StringCrc32,
} from './journal.js';
export {
  decodeFillEventBytes,
  decodeFillEventText,
  decodeManagerCommand,
  decodePriceMarkBytes,
  decodePriceMarkText,
  decodeUtf8,
} from './stream-input.js';
export type { StreamEventDecoded } from './stream-input.js';
export { createIdRecord, setId } from './id-record.js';
export { spanNs } from './span.js';
