// The result of a portfolio backtest: what the runner writes and the report reads.
import { z } from 'zod';
import { array, nullable, object, optional, plain, record } from './codec.js';
import type { WireForm } from './codec.js';
import { decodeWith, safeDecodeWith } from './contract.js';
import type { Result } from './errors.js';
import { BREAKER_REASONS, HALT_REASONS, RESUME_CAUSES } from './constants.js';
import { rebalancePlanShape } from './events.js';
import {
  finite,
  id,
  IdSchema,
  nonNegative,
  nonNegativeInt,
  text,
  timestampNs,
} from './primitives.js';

const maybe = nullable(finite);

/**
 * One breaker event of a run: a sleeve paused (`breaker`), the portfolio halted (`halt`), or
 * either resumed (`resume`; `strategy_id` null for the portfolio). `reason` is the breaker or
 * halt reason, or what resumed it (`timer`, `operator`); `drawdown` (negative) where a
 * drawdown limit tripped.
 */
export const breakerRecordCodec = object({
  timestamp_ns: timestampNs,
  type: plain(z.enum(['breaker', 'halt', 'resume'])),
  strategy_id: nullable(id),
  reason: plain(z.enum([...new Set([...BREAKER_REASONS, ...HALT_REASONS, ...RESUME_CAUSES])])),
  drawdown: maybe,
});

export const metricsCodec = object({
  total_return: maybe,
  cagr: maybe,
  volatility: maybe,
  sharpe: maybe,
  sortino: maybe,
  max_drawdown: maybe,
  max_drawdown_duration_bars: maybe,
  max_drawdown_duration_days: maybe,
  calmar: maybe,
  turnover: maybe,
  costs: maybe,
  rebalance_count: nonNegativeInt,
});

const byStrategy = record(IdSchema, finite);

export const equityPointCodec = object({
  timestamp_ns: timestampNs,
  equity: finite,
  cash: finite,
  unallocated: finite,
  strategies: byStrategy,
  targets: byStrategy,
  base_targets: optional(byStrategy),
  drift: byStrategy,
});

const equityOnlyPoint = object({ timestamp_ns: timestampNs, equity: finite });
const equityOnlyCurve = object({ equity_curve: array(equityOnlyPoint) });

export const rebalanceFillCodec = object({
  intent_id: plain(z.string().min(1)),
  fill_price: finite,
  commission: nonNegative,
  slippage: nonNegative,
});

export const rebalanceRecordCodec = object({
  ...rebalancePlanShape,
  fills: array(rebalanceFillCodec),
});

export const backtestResultCodec = object({
  portfolio_id: id,
  /** The portfolio config in its wire form (`encodePortfolioConfig(config).portfolio`). */
  config: plain(z.record(z.string(), z.json())),
  data: object({
    path: text,
    sha256: plain(z.string().regex(/^[0-9a-f]{64}$/)),
    symbols: array(id),
    bars: nonNegativeInt,
  }),
  versions: plain(z.record(z.string(), z.string())),
  start: timestampNs,
  end: timestampNs,
  initial_capital: finite,
  final_equity: finite,
  equity_curve: array(equityPointCodec),
  rebalances: array(rebalanceRecordCodec),
  /** Breaker trips, halts and resumes in time order (absent in results from before breakers). */
  breakers: optional(array(breakerRecordCodec)),
  metrics: object({
    portfolio: metricsCodec,
    baseline: metricsCodec,
    benchmark: metricsCodec,
    strategies: record(IdSchema, metricsCodec),
  }),
  contribution: byStrategy,
  baseline: equityOnlyCurve,
  benchmark: equityOnlyCurve,
  standalone: record(
    IdSchema,
    object({ equity_curve: array(equityOnlyPoint), metrics: metricsCodec }),
  ),
  stats: object({
    bars: nonNegativeInt,
    bar_events: nonNegativeInt,
    load_ms: nonNegative,
    run_ms: nonNegative,
    bar_events_per_second: nonNegative,
  }),
});

/**
 * Where a result's rebalances are when they did not fit in the result file (`rebalances_files`
 * in place of `rebalances`): NDJSON parts beside it, one rebalance (the same JSON text as an
 * entry of `rebalances`) per line, in order. `name` is a file name in the result's directory.
 */
export const rebalancePartsCodec = object({
  format: plain(z.literal('ndjson')),
  count: nonNegativeInt,
  files: array(
    object({
      name: plain(
        z
          .string()
          .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'a plain file name (no directory part)')
          .max(255),
      ),
      count: nonNegativeInt,
      bytes: nonNegativeInt,
    }),
  ),
});
export type RebalanceParts = z.output<typeof rebalancePartsCodec.schema>;
export type RebalancePartsWire = WireForm<z.output<typeof rebalancePartsCodec.schema>>;
export const encodeRebalanceParts = (value: RebalanceParts): RebalancePartsWire =>
  rebalancePartsCodec.encode(value) as RebalancePartsWire;
/** The `rebalances_files` member of a result whose rebalances are in parts (throws ContractError). */
export const decodeRebalanceParts = (raw: unknown): RebalanceParts =>
  decodeWith(rebalancePartsCodec, raw);

export type Metrics = z.output<typeof metricsCodec.schema>;
export type EquityPoint = z.output<typeof equityPointCodec.schema>;
export type RebalanceFill = z.output<typeof rebalanceFillCodec.schema>;
export type RebalanceRecord = z.output<typeof rebalanceRecordCodec.schema>;
export type BreakerRecord = z.output<typeof breakerRecordCodec.schema>;
export type PortfolioBacktestResult = z.output<typeof backtestResultCodec.schema>;
export type PortfolioBacktestResultWire = WireForm<z.output<typeof backtestResultCodec.schema>>;

export const PortfolioBacktestResultSchema = backtestResultCodec.schema;

export const encodeMetrics = (value: Metrics): WireForm<z.output<typeof metricsCodec.schema>> =>
  metricsCodec.encode(value) as WireForm<z.output<typeof metricsCodec.schema>>;
export const encodeEquityPoint = (
  value: EquityPoint,
): WireForm<z.output<typeof equityPointCodec.schema>> =>
  equityPointCodec.encode(value) as WireForm<z.output<typeof equityPointCodec.schema>>;
export type RebalanceFillWire = WireForm<z.output<typeof rebalanceFillCodec.schema>>;
export type RebalanceRecordWire = WireForm<z.output<typeof rebalanceRecordCodec.schema>>;
export const encodeRebalanceFill = (value: RebalanceFill): RebalanceFillWire =>
  rebalanceFillCodec.encode(value) as RebalanceFillWire;
export const encodeRebalanceRecord = (
  value: RebalanceRecord,
): WireForm<z.output<typeof rebalanceRecordCodec.schema>> =>
  rebalanceRecordCodec.encode(value) as WireForm<z.output<typeof rebalanceRecordCodec.schema>>;
export const encodeBreakerRecord = (
  value: BreakerRecord,
): WireForm<z.output<typeof breakerRecordCodec.schema>> =>
  breakerRecordCodec.encode(value) as WireForm<z.output<typeof breakerRecordCodec.schema>>;

/** One `equity_curve` entry from its wire form (throws ContractError). */
export const decodeEquityPoint = (raw: unknown): EquityPoint => decodeWith(equityPointCodec, raw);
/** One `{timestamp_ns, equity}` entry of a baseline, benchmark or stand-alone curve. */
export const decodeEquityOnlyPoint = (raw: unknown): { timestampNs: bigint; equity: number } =>
  decodeWith(equityOnlyPoint, raw);
/** One `rebalances` entry from its wire form (throws ContractError). */
export const decodeRebalanceRecord = (raw: unknown): RebalanceRecord =>
  decodeWith(rebalanceRecordCodec, raw);

export const encodePortfolioBacktestResult = (
  value: PortfolioBacktestResult,
): PortfolioBacktestResultWire => backtestResultCodec.encode(value) as PortfolioBacktestResultWire;
export const decodePortfolioBacktestResult = (raw: unknown): PortfolioBacktestResult =>
  decodeWith(backtestResultCodec, raw);
export const safeDecodePortfolioBacktestResult = (raw: unknown): Result<PortfolioBacktestResult> =>
  safeDecodeWith(backtestResultCodec, raw);
