// The fixed lists and limits of the contracts, with no dependency: importing them (from
// `@njord/portfolio-contracts/core`) loads neither zod nor a YAML parser.

/** Ids (portfolio, strategy, symbol, ...): letters, digits, `_ . -`, 1 to 64 characters. */
export const ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** How far the target weights' sum may be from 1. */
export const WEIGHT_SUM_TOLERANCE = 1e-9;

/** When a backtest's trades fill: at the bar's close, or at the next bar's open. */
export const FILL_MODELS = ['close', 'next_open'] as const;
export type FillModel = (typeof FILL_MODELS)[number];

/** The risk package's weighting methods (`risk_adjustment.method`). */
export const RISK_ADJUSTMENT_METHODS = [
  'sharpe_drawdown',
  'inverse_volatility',
  'equal_risk_contribution',
] as const;
export type RiskAdjustmentMethod = (typeof RISK_ADJUSTMENT_METHODS)[number];

/**
 * Why a rebalance ran: drift past the threshold, the maximum time between rebalances, or a
 * breaker that paused or resumed a sleeve (its target changed at once).
 */
export const REBALANCE_REASONS = ['threshold', 'frequency', 'breaker'] as const;
export type RebalanceReason = (typeof REBALANCE_REASONS)[number];

/**
 * Why a sleeve was paused: its flow-adjusted index fell past its `max_drawdown`, or an
 * operator paused it.
 */
export const BREAKER_REASONS = ['max_drawdown', 'operator'] as const;
export type BreakerReason = (typeof BREAKER_REASONS)[number];

/** Why the portfolio halted: equity at or below 0, its `max_drawdown`, or an operator. */
export const HALT_REASONS = ['equity_depleted', 'max_drawdown', 'operator'] as const;
export type HaltReason = (typeof HALT_REASONS)[number];

/** Who lifted a pause or a halt: the `resume_after_hours` timer or an operator. */
export const RESUME_CAUSES = ['timer', 'operator'] as const;
export type ResumeCause = (typeof RESUME_CAUSES)[number];

/** Commands an operator sends the live manager (its commands stream). */
export const MANAGER_COMMANDS = ['halt', 'resume', 'check'] as const;
export type ManagerCommand = (typeof MANAGER_COMMANDS)[number];

/** Why a planned trade was left out of a plan. */
export const SKIP_REASONS = [
  'below_min_trade_value',
  'rounded_to_zero',
  'below_min_notional',
  'cash',
  'no_bar',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];
