// The portfolio configuration: schema, cross-field rules and the wire codec (YAML text is
// parsed in yaml.ts, the `@njord/portfolio-contracts/yaml` entry).
import { z } from 'zod';
import { array, idRecordStandIn, object, optional, plain, record, withDefault } from './codec.js';
import {
  FILL_MODELS,
  type FillModel,
  RISK_ADJUSTMENT_METHODS,
  type RiskAdjustmentMethod,
  WEIGHT_SUM_TOLERANCE,
} from './constants.js';
import { ContractError, type ContractIssue, type Result } from './errors.js';
import { deepFreeze } from './freeze.js';
import { toContractIssues } from './issues.js';
import { bool, id, IdSchema, nonNegative, positive, text } from './primitives.js';

export { FILL_MODELS, RISK_ADJUSTMENT_METHODS, WEIGHT_SUM_TOLERANCE };
export type { FillModel, RiskAdjustmentMethod };

/** How far a rebalance moves a sleeve: all the way to its target, or to the edge of its band. */
export const REBALANCE_TO = ['target', 'band_edge'] as const;
export type RebalanceTo = (typeof REBALANCE_TO)[number];

/** A drawdown limit: a fraction strictly between 0 and 1. */
const drawdownLimit = plain(z.number().gt(0).lt(1));

const strategySpec = object({
  kind: id,
  symbols: optional(array(id)),
  params: optional(plain(z.record(z.string(), z.json()))),
});

const allocation = object({
  strategy_id: id,
  target_weight: plain(z.number().gte(0).lte(1)),
  min_capital: nonNegative,
  max_capital: nonNegative,
  risk_multiplier: withDefault(positive, 1),
  strategy: optional(strategySpec),
  /** Breaker: past this drawdown of the sleeve's flow-adjusted index the sleeve is paused. */
  max_drawdown: optional(drawdownLimit),
  /** A paused sleeve resumes by itself this many hours after its breaker tripped. */
  resume_after_hours: optional(positive),
});

const costs = object({
  commission_bps: withDefault(nonNegative, 0),
  commission_min: withDefault(nonNegative, 0),
  slippage_bps: withDefault(nonNegative, 0),
});

const limits = object({
  max_gross_leverage: optional(positive),
  max_symbol_notional: optional(positive),
});

const instrument = object({
  lot_size: optional(positive),
  min_notional: optional(nonNegative),
});

const riskAdjustment = object({
  method: plain(z.enum(RISK_ADJUSTMENT_METHODS)),
  lookback_period_days: withDefault(positive, 30),
  adjustment_sensitivity: withDefault(nonNegative, 0.1),
  adjust_every_hours: optional(positive),
});

const portfolio = object({
  id,
  description: optional(text),
  total_capital: positive,
  rebalance_threshold: positive,
  rebalance_frequency_hours: optional(positive),
  allocations: array(allocation, 1),
  costs: withDefault(costs, { commissionBps: 0, commissionMin: 0, slippageBps: 0 }),
  min_trade_value: withDefault(nonNegative, 10),
  netting: withDefault(bool, false),
  limits: optional(limits),
  instruments: withDefault(record(IdSchema, instrument), {}),
  fill_model: withDefault(plain(z.enum(FILL_MODELS)), 'close'),
  risk_free_rate: withDefault(plain(z.number().gt(-1)), 0),
  periods_per_year: optional(positive),
  risk_adjustment: optional(riskAdjustment),
  /** The trigger also fires when any |capital - target| / equity exceeds this (weight points). */
  absolute_drift_threshold: optional(positive),
  rebalance_to: withDefault(plain(z.enum(REBALANCE_TO)), 'target'),
  /** Halt: past this drawdown of portfolio equity no new plan is made until resumed. */
  max_drawdown: optional(drawdownLimit),
});

const portfolioFile = object({ portfolio });

export type StrategySpec = z.output<typeof strategySpec.schema>;
export type StrategyAllocation = z.output<typeof allocation.schema>;
export type CostModel = z.output<typeof costs.schema>;
export type PortfolioLimits = z.output<typeof limits.schema>;
export type InstrumentSpec = z.output<typeof instrument.schema>;
export type RiskAdjustmentConfig = z.output<typeof riskAdjustment.schema>;
export type PortfolioConfig = z.output<typeof portfolio.schema>;

/** The schema of the YAML/JSON file (`{portfolio: {...}}`), snake_case on input. */
export const PortfolioConfigFileSchema = portfolioFile.schema;
export const PortfolioConfigSchema = portfolio.schema;
export const StrategyAllocationSchema = allocation.schema;

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Rules across fields, checked on the raw input so they are reported with the rest. */
function crossFieldIssues(raw: unknown): ContractIssue[] {
  const issues: ContractIssue[] = [];
  const portfolioRaw = (raw as { portfolio?: unknown } | null)?.portfolio;
  const allocations = (portfolioRaw as { allocations?: unknown } | null | undefined)?.allocations;
  if (!Array.isArray(allocations)) return issues;
  let weightSum = 0;
  let weightsValid = allocations.length > 0;
  const seen = new Map<string, number>();
  allocations.forEach((entry: unknown, index) => {
    if (typeof entry !== 'object' || entry === null) {
      weightsValid = false;
      return;
    }
    const a = entry as Record<string, unknown>;
    if (isFiniteNumber(a.target_weight)) weightSum += a.target_weight;
    else weightsValid = false;
    if (
      isFiniteNumber(a.min_capital) &&
      isFiniteNumber(a.max_capital) &&
      a.max_capital < a.min_capital
    ) {
      issues.push({
        path: `portfolio.allocations[${index}].max_capital`,
        message: `must be >= min_capital (${String(a.min_capital)}), got ${String(a.max_capital)}`,
      });
    }
    if (a.resume_after_hours !== undefined && a.max_drawdown === undefined) {
      issues.push({
        path: `portfolio.allocations[${index}].resume_after_hours`,
        message: 'needs max_drawdown on the same allocation (only a tripped breaker resumes)',
      });
    }
    if (typeof a.strategy_id === 'string') {
      const first = seen.get(a.strategy_id);
      if (first === undefined) seen.set(a.strategy_id, index);
      else {
        issues.push({
          path: `portfolio.allocations[${index}].strategy_id`,
          message: `duplicate strategy_id ${JSON.stringify(a.strategy_id)} (first at portfolio.allocations[${first}])`,
        });
      }
    }
  });
  if (weightsValid && Math.abs(weightSum - 1) > WEIGHT_SUM_TOLERANCE) {
    issues.push({
      path: 'portfolio.allocations',
      message: `target_weight values must sum to 1 (tolerance ${String(WEIGHT_SUM_TOLERANCE)}), got ${String(weightSum)}`,
    });
  }
  return issues;
}

/**
 * Validates a portfolio config: the parsed file (`{portfolio: {...}}`, e.g. from
 * `JSON.parse`). Every broken rule is reported at once. For YAML text use the functions of
 * the same names from `@njord/portfolio-contracts/yaml` (this entry loads no YAML parser).
 */
export function safeParsePortfolioConfig(raw: unknown, fileName?: string): Result<PortfolioConfig> {
  const input = raw;
  if (typeof raw === 'string') {
    const message =
      'got text; parse YAML with parsePortfolioConfig from @njord/portfolio-contracts/yaml, or pass the parsed object';
    return {
      success: false,
      error: new ContractError([{ path: fileName ?? '', message }]),
    };
  }
  const result = portfolioFile.schema.safeParse(input);
  const issues = [
    ...(result.success ? [] : toContractIssues(result.error.issues, input)),
    ...crossFieldIssues(input),
  ];
  if (issues.length > 0 || !result.success) {
    return { success: false, error: new ContractError(issues) };
  }
  return { success: true, data: deepFreeze(result.data.portfolio) as PortfolioConfig };
}

/** Like `safeParsePortfolioConfig`, but throws the ContractError. */
export function parsePortfolioConfig(raw: unknown, fileName?: string): PortfolioConfig {
  const result = safeParsePortfolioConfig(raw, fileName);
  if (!result.success) throw result.error;
  return result.data;
}

/** The wire (snake_case) form of a config, as `{portfolio: {...}}`, with defaults written out. */
export function encodePortfolioConfig(config: PortfolioConfig): {
  portfolio: Record<string, unknown>;
} {
  return portfolioFile.encode({ portfolio: config }) as { portfolio: Record<string, unknown> };
}

/** JSON Schema of the portfolio file, for editors (shipped as config/portfolio.schema.json). */
export function portfolioConfigJsonSchema(): Record<string, unknown> {
  const options = { io: 'input', unrepresentable: 'any' } as const;
  return z.toJSONSchema(portfolioFile.schema, {
    ...options,
    // An id record's schema is a transform (it keeps `__proto__`): shown as zod's record.
    override: (ctx) => {
      const standIn = idRecordStandIn(ctx.zodSchema);
      if (standIn === undefined) return;
      const { $schema: _, ...shown } = z.toJSONSchema(standIn, options);
      Object.assign(ctx.jsonSchema, shown);
    },
  });
}
