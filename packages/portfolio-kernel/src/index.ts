// Public API of @njord/portfolio-kernel: the decision state, its events and decisions, and the
// rule for when a risk adjustment is due.
export { DEFAULT_MAX_MARK_JUMP, DEFAULT_PLAN_TIMEOUT_NS, PortfolioKernel } from './kernel.js';
export type { DecideOptions, KernelOptions } from './kernel.js';
export { isAppliedDecision } from './events.js';
export type {
  AdjustmentDecision,
  AdjustmentEvent,
  BlockedDecision,
  BreakerDecision,
  BreakerEvent,
  ConfigEvent,
  FillAppliedEvent,
  FundingEvent,
  HaltDecision,
  HaltEvent,
  KernelDecision,
  KernelEvent,
  KernelEventType,
  MarkAppliedEvent,
  MarkRejectedEvent,
  PlanDecision,
  PlanEvent,
  PlanFailedDecision,
  PublishedEvent,
  RebalanceDueDecision,
  ResumeDecision,
  ResumeEvent,
  SampleEvent,
} from './events.js';
export {
  calculateClockPeriodsPerYear,
  DEFAULT_CLOCK_SAMPLING,
  isRiskAdjustmentDue,
  RiskState,
} from './risk-state.js';
export type { AdjustmentTiming, RiskSampling } from './risk-state.js';
export {
  checkpointKernel,
  journalLineEvents,
  replayJournal,
  replayJournalStream,
} from './replay.js';
export type { KernelCheckpoint, Replayed, ReplayOptions } from './replay.js';
export type { BreakersJson, HaltState, PausedSleeve } from './breakers.js';
export {
  admitLiveEntry,
  beginLiveBatch,
  classifyLiveEntry,
  LIVE_DEAD_LETTER_REASONS,
} from './live-input.js';
export type {
  LiveDead,
  LiveDeadLetterReason,
  LiveEntry,
  LiveFill,
  LiveInput,
  LiveInputRules,
  LiveMark,
  LiveOutcome,
  LiveSkip,
  LiveSource,
} from './live-input.js';
