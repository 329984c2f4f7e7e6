// Reads the result's portfolio config (its wire form, snake_case JSON) into what the header shows.

/** One allocation as the report shows it; a field missing or of the wrong type is null. */
export interface AllocationView {
  readonly strategyId: string;
  readonly targetWeight: number | null;
  readonly minCapital: number | null;
  readonly maxCapital: number | null;
  readonly riskMultiplier: number | null;
  readonly kind: string | null;
  readonly symbols: readonly string[] | null;
  readonly params: unknown;
  /** The sleeve's breaker: its drawdown limit, and the hours before it resumes by itself. */
  readonly maxDrawdown: number | null;
  readonly resumeAfterHours: number | null;
}

/** The config's `risk_adjustment` (docs/formats.md); a field missing or of the wrong type is null. */
export interface RiskAdjustmentView {
  readonly method: string | null;
  readonly lookbackPeriodDays: number | null;
  readonly adjustmentSensitivity: number | null;
  /** Null when absent: the backtest then adjusts at every bar. */
  readonly adjustEveryHours: number | null;
}

export interface ConfigView {
  readonly description: string | null;
  readonly totalCapital: number | null;
  readonly rebalanceThreshold: number | null;
  readonly rebalanceFrequencyHours: number | null;
  readonly allocations: readonly AllocationView[];
  readonly commissionBps: number | null;
  readonly commissionMin: number | null;
  readonly slippageBps: number | null;
  readonly minTradeValue: number | null;
  readonly netting: boolean | null;
  readonly fillModel: string | null;
  readonly riskFreeRate: number | null;
  readonly periodsPerYear: number | null;
  /** The portfolio's halt: its equity's drawdown limit. */
  readonly maxDrawdown: number | null;
  /** Null without `risk_adjustment` (or when it is not an object, then it is in `other`). */
  readonly riskAdjustment: RiskAdjustmentView | null;
  /** Every other key, shown as JSON text (limits, instruments, future keys). */
  readonly other: readonly (readonly [string, unknown])[];
}

const SHOWN_KEYS = new Set([
  'id',
  'description',
  'total_capital',
  'rebalance_threshold',
  'rebalance_frequency_hours',
  'allocations',
  'costs',
  'min_trade_value',
  'netting',
  'fill_model',
  'risk_free_rate',
  'periods_per_year',
  'max_drawdown',
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readNumber(source: unknown, key: string): number | null {
  if (!isRecord(source)) return null;
  const value = source[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function readString(source: unknown, key: string): string | null {
  if (!isRecord(source)) return null;
  const value = source[key];
  return typeof value === 'string' ? value : null;
}

function readAllocation(raw: unknown, index: number): AllocationView {
  const strategy = isRecord(raw) ? raw.strategy : undefined;
  const symbols = isRecord(strategy) ? strategy.symbols : undefined;
  return {
    strategyId: readString(raw, 'strategy_id') ?? `#${index + 1}`,
    targetWeight: readNumber(raw, 'target_weight'),
    minCapital: readNumber(raw, 'min_capital'),
    maxCapital: readNumber(raw, 'max_capital'),
    riskMultiplier: readNumber(raw, 'risk_multiplier'),
    kind: readString(strategy, 'kind'),
    symbols: Array.isArray(symbols)
      ? symbols.filter((s): s is string => typeof s === 'string')
      : null,
    params: isRecord(strategy) ? strategy.params : undefined,
    maxDrawdown: readNumber(raw, 'max_drawdown'),
    resumeAfterHours: readNumber(raw, 'resume_after_hours'),
  };
}

function readRiskAdjustment(raw: unknown): RiskAdjustmentView | null {
  if (!isRecord(raw)) return null;
  return {
    method: readString(raw, 'method'),
    lookbackPeriodDays: readNumber(raw, 'lookback_period_days'),
    adjustmentSensitivity: readNumber(raw, 'adjustment_sensitivity'),
    adjustEveryHours: readNumber(raw, 'adjust_every_hours'),
  };
}

/** Never throws: the config of a result is shown as it is, whatever it holds. */
export function describeConfig(config: Readonly<Record<string, unknown>>): ConfigView {
  const allocations = Array.isArray(config.allocations) ? config.allocations : [];
  const costs = config.costs;
  const netting = config.netting;
  const riskAdjustment = readRiskAdjustment(config.risk_adjustment);
  return {
    description: readString(config, 'description'),
    totalCapital: readNumber(config, 'total_capital'),
    rebalanceThreshold: readNumber(config, 'rebalance_threshold'),
    rebalanceFrequencyHours: readNumber(config, 'rebalance_frequency_hours'),
    allocations: allocations.map((raw: unknown, index) => readAllocation(raw, index)),
    commissionBps: readNumber(costs, 'commission_bps'),
    commissionMin: readNumber(costs, 'commission_min'),
    slippageBps: readNumber(costs, 'slippage_bps'),
    minTradeValue: readNumber(config, 'min_trade_value'),
    netting: typeof netting === 'boolean' ? netting : null,
    fillModel: readString(config, 'fill_model'),
    riskFreeRate: readNumber(config, 'risk_free_rate'),
    periodsPerYear: readNumber(config, 'periods_per_year'),
    maxDrawdown: readNumber(config, 'max_drawdown'),
    riskAdjustment,
    other: Object.keys(config)
      .filter(
        (key) => !SHOWN_KEYS.has(key) && !(key === 'risk_adjustment' && riskAdjustment !== null),
      )
      .sort()
      .map((key) => [key, config[key]] as const),
  };
}
