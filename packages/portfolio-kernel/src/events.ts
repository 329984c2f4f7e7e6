// What changes a kernel's state (events, applied in order) and what it says is due (decisions).
import type {
  BreakerReason,
  FillEvent,
  HaltReason,
  PortfolioConfig,
  PriceMark,
  RebalancePlan,
  RebalanceReason,
  ResumeCause,
} from '@njord/portfolio-contracts';
import type { ReturnHistoryWire, RiskAdjustment } from '@njord/portfolio-risk';

/** The sleeves were funded at their targets (the kernel funds them when created; a marker). */
export interface FundingEvent {
  readonly type: 'funding';
  readonly timestampNs: bigint;
}

export interface FillAppliedEvent {
  readonly type: 'fill';
  readonly fill: FillEvent;
}

export interface MarkAppliedEvent {
  readonly type: 'mark';
  readonly mark: PriceMark;
}

/** A mark refused by the mark guard: the guard remembers the price it refused. */
export interface MarkRejectedEvent {
  readonly type: 'mark_rejected';
  readonly symbol: string;
  readonly price: number;
}

export interface PlanEvent {
  readonly type: 'plan';
  readonly plan: RebalancePlan;
}

export interface PublishedEvent {
  readonly type: 'published';
  readonly planId: string;
}

/** New weights in force, from a risk adjustment at `timestampNs`. */
export interface AdjustmentEvent {
  readonly type: 'adjustment';
  readonly timestampNs: bigint;
  readonly weights: Readonly<Record<string, number>>;
  /** The newest return sample the adjustment saw (null: none); the due rule compares against it. */
  readonly inputLatestNs: bigint | null;
}

/** A new portfolio config: new targets apply, removed strategies wind down to target 0. */
export interface ConfigEvent {
  readonly type: 'config';
  readonly config: PortfolioConfig;
}

/**
 * A return sample for the risk state when it samples by the clock (live): the sleeves' capital
 * at `timestampNs` (the kernel's own capital when omitted).
 */
export interface SampleEvent {
  readonly type: 'sample';
  readonly timestampNs: bigint;
  readonly capitals?: Readonly<Record<string, number>>;
}

/**
 * A sleeve paused (a drawdown breaker, or an operator): its target is 0 and a rebalance
 * (reason `breaker`) is due at once; in a backtest its strategy's trades are refused.
 */
export interface BreakerEvent {
  readonly type: 'breaker';
  readonly timestampNs: bigint;
  readonly strategyId: string;
  readonly reason: BreakerReason;
  /** The sleeve's flow-adjusted index below its peak when it tripped (negative). */
  readonly drawdown?: number;
}

/** The portfolio halts: no new plan until resumed. */
export interface HaltEvent {
  readonly type: 'halt';
  readonly timestampNs: bigint;
  readonly reason: HaltReason;
  /** Equity below its peak when `max_drawdown` halted it (negative). */
  readonly drawdown?: number;
}

/**
 * A paused sleeve resumes (`strategyId`; its index starts again at 1 and a rebalance, reason
 * `breaker`, is due at once) or, without `strategyId`, the halted portfolio resumes.
 */
export interface ResumeEvent {
  readonly type: 'resume';
  readonly timestampNs: bigint;
  readonly strategyId?: string;
  readonly by?: ResumeCause;
}

/** Everything `apply` accepts, tagged by `type`. */
export type KernelEvent =
  | FundingEvent
  | FillAppliedEvent
  | MarkAppliedEvent
  | MarkRejectedEvent
  | PlanEvent
  | PublishedEvent
  | AdjustmentEvent
  | ConfigEvent
  | SampleEvent
  | BreakerEvent
  | HaltEvent
  | ResumeEvent;

export type KernelEventType = KernelEvent['type'];

/** A risk adjustment that is due: an `adjustment` event plus what went into it, for the journal. */
export interface AdjustmentDecision extends AdjustmentEvent {
  readonly adjustment: RiskAdjustment;
  readonly previousWeights: Readonly<Record<string, number>>;
  /** Base target capital (the config's weights) per strategy id at the adjustment. */
  readonly baseTargets: Readonly<Record<string, number>>;
  /** The window of samples (clock sampling only; a backtest's window is its bars). */
  readonly history: ReturnHistoryWire | null;
}

/** Equity <= 0, or equity past the portfolio's `max_drawdown`: the portfolio halts. */
export interface HaltDecision extends HaltEvent {
  readonly message: string;
}

/** A sleeve's flow-adjusted index fell past its `max_drawdown`: it is paused. */
export interface BreakerDecision extends BreakerEvent {
  readonly drawdown: number;
  readonly message: string;
}

/** A paused sleeve's `resume_after_hours` have passed since its breaker tripped. */
export interface ResumeDecision extends ResumeEvent {
  readonly strategyId: string;
  readonly by: 'timer';
}

/** The trigger fired and a plan was made. */
export type PlanDecision = PlanEvent;

/** The trigger fired but no plan is made now (`planNow: false`): the caller plans later. */
export interface RebalanceDueDecision {
  readonly type: 'rebalance_due';
  readonly timestampNs: bigint;
  readonly reason: RebalanceReason;
}

/** The trigger fired but an earlier plan's intents are unfilled and younger than the timeout. */
export interface BlockedDecision {
  readonly type: 'blocked';
  readonly timestampNs: bigint;
  readonly planId: string;
}

/** The trigger fired but the rebalancer could not plan (e.g. an unvalued symbol). */
export interface PlanFailedDecision {
  readonly type: 'plan_failed';
  readonly timestampNs: bigint;
  readonly reason: RebalanceReason;
  readonly code: string;
  readonly message: string;
}

/**
 * What `decide` returns: the first thing due. The first five are events to journal and apply.
 */
export type KernelDecision =
  | HaltDecision
  | ResumeDecision
  | BreakerDecision
  | AdjustmentDecision
  | PlanDecision
  | RebalanceDueDecision
  | BlockedDecision
  | PlanFailedDecision;

/** Whether a decision is an event the caller journals and then applies (and decides again). */
export function isAppliedDecision(
  decision: KernelDecision,
): decision is HaltDecision | ResumeDecision | BreakerDecision | AdjustmentDecision | PlanDecision {
  return (
    decision.type === 'halt' ||
    decision.type === 'resume' ||
    decision.type === 'breaker' ||
    decision.type === 'adjustment' ||
    decision.type === 'plan'
  );
}
