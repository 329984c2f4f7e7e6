// Strategy kinds and ids by name: the built-ins, user registrations, and allocation -> Strategy.
import {
  ContractError,
  type ContractIssue,
  type PortfolioConfig,
  type Result,
  type StrategyAllocation,
} from '@njord/portfolio-contracts';
import type { Strategy } from './strategy.js';
import { MomentumStrategy } from './strategies/momentum.js';
import { type RsiTemaBbParams, RsiTemaBbStrategy } from './strategies/rsi-tema-bb.js';
import { TrendlineBreakStrategy } from './strategies/trendline-break.js';
import { BuyAndHoldStrategy, FixedWeightsStrategy } from './strategies/weights.js';

/** How one parameter is checked (and defaulted). Integers and numbers must be finite. */
export type ParamSpec =
  | {
      readonly type: 'integer';
      readonly min: number;
      readonly max?: number;
      readonly default?: number;
      readonly description?: string;
    }
  | {
      readonly type: 'number';
      readonly min?: number;
      /** `min` is excluded (> instead of >=). */
      readonly exclusiveMin?: boolean;
      readonly max?: number;
      readonly default?: number;
      readonly description?: string;
    }
  | {
      /** Required: symbol -> finite exposure; every symbol must be in the data. */
      readonly type: 'weights';
      readonly description?: string;
    };

/** What a factory receives: the sleeve id, its symbols and validated params (defaults applied). */
export interface StrategyFactoryInput {
  readonly id: string;
  /** The name it was resolved through (`strategy.kind`, or the `strategy_id`). */
  readonly kind: string;
  readonly symbols: readonly string[];
  readonly params: Readonly<Record<string, unknown>>;
}

export type StrategyFactory = (input: StrategyFactoryInput) => Strategy;

/** A param issue found by a definition's own cross-field check. */
export interface StrategyParamIssue {
  readonly param: string;
  readonly message: string;
}

export interface StrategyDefinition {
  readonly description?: string;
  /**
   * The accepted params: unknown names are errors, missing ones take their default
   * (a param without a default is required). Left out = params passed through unchecked.
   */
  readonly params?: Readonly<Record<string, ParamSpec>>;
  /** The strategy trades exactly the symbols its `weights` param names. */
  readonly symbolsFromWeights?: boolean;
  /** Rules across params (run after each param passed its own check). */
  readonly check?: (params: Readonly<Record<string, unknown>>) => readonly StrategyParamIssue[];
  readonly create: StrategyFactory;
}

const lookback = (fallback: number, description: string): ParamSpec => ({
  type: 'integer',
  min: 2,
  max: 1_000_000,
  default: fallback,
  description,
});

const BUY_AND_HOLD: StrategyDefinition = {
  description: "params.weights (symbol -> exposure) targeted on each symbol's first bar, then held",
  params: {
    weights: { type: 'weights', description: 'symbol -> exposure (fraction of the sleeve)' },
  },
  symbolsFromWeights: true,
  create: ({ id, params }) => new BuyAndHoldStrategy(id, params.weights as Record<string, number>),
};

const FIXED_WEIGHTS: StrategyDefinition = {
  description: 'params.weights re-targeted on every bar (a constant-mix sleeve)',
  params: {
    weights: { type: 'weights', description: 'symbol -> exposure (fraction of the sleeve)' },
  },
  symbolsFromWeights: true,
  create: ({ id, params }) =>
    new FixedWeightsStrategy(id, params.weights as Record<string, number>),
};

const TRENDLINE_BREAK: StrategyDefinition = {
  description:
    "close above the least-squares line of the previous highs -> long; below the lows' line -> flat",
  params: { lookback: lookback(20, 'bars in the fitted line') },
  create: ({ id, symbols, params }) =>
    new TrendlineBreakStrategy(id, symbols, { lookback: params.lookback as number }),
};

const RSI_TEMA_BB: StrategyDefinition = {
  description:
    'long when RSI < oversold, close <= lower band and TEMA rising; flat when RSI > overbought or close >= upper band',
  params: {
    rsi_period: {
      type: 'integer',
      min: 2,
      max: 1_000_000,
      default: 14,
      description: 'Wilder RSI period',
    },
    oversold: {
      type: 'number',
      min: 0,
      max: 100,
      default: 30,
      description: 'RSI below this may enter',
    },
    overbought: {
      type: 'number',
      min: 0,
      max: 100,
      default: 70,
      description: 'RSI above this exits',
    },
    bb_period: {
      type: 'integer',
      min: 2,
      max: 1_000_000,
      default: 20,
      description: 'Bollinger window',
    },
    bb_k: {
      type: 'number',
      min: 0,
      exclusiveMin: true,
      default: 2,
      description: 'band width in standard deviations',
    },
    tema_period: {
      type: 'integer',
      min: 1,
      max: 1_000_000,
      default: 20,
      description: 'TEMA period',
    },
  },
  check: (params) =>
    (params.oversold as number) < (params.overbought as number)
      ? []
      : [
          {
            param: 'overbought',
            message: `must be > oversold (${String(params.oversold)}), got ${String(params.overbought)}`,
          },
        ],
  create: ({ id, symbols, params }) =>
    new RsiTemaBbStrategy(id, symbols, params as unknown as RsiTemaBbParams),
};

const MOMENTUM: StrategyDefinition = {
  description:
    'every rebalance_every bars, equal weight over the top half by lookback-bar return (positive only)',
  params: {
    lookback: {
      type: 'integer',
      min: 1,
      max: 1_000_000,
      default: 63,
      description: 'bars of the ranking return',
    },
    rebalance_every: {
      type: 'integer',
      min: 1,
      max: 1_000_000,
      default: 21,
      description: 'bars between rebalances',
    },
  },
  create: ({ id, symbols, params }) =>
    new MomentumStrategy(id, symbols, {
      lookback: params.lookback as number,
      rebalance_every: params.rebalance_every as number,
    }),
};

/** The built-in kinds and the registered ids (the kinds with their default params). */
export const BUILT_IN_STRATEGIES: Readonly<Record<string, StrategyDefinition>> = Object.freeze({
  buy_and_hold: BUY_AND_HOLD,
  fixed_weights: FIXED_WEIGHTS,
  trendline_break: TRENDLINE_BREAK,
  rsi_tema_bb: RSI_TEMA_BB,
  momentum: MOMENTUM,
  trendline_break_v1: TRENDLINE_BREAK,
  rsi_tema_bb_v1: RSI_TEMA_BB,
  momentum_v1: MOMENTUM,
});

/** The default params of each built-in kind (as in docs/semantics.md, strategies). */
export function defaultParams(definition: StrategyDefinition): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(definition.params ?? {})) {
    if (spec.type !== 'weights' && spec.default !== undefined) out[name] = spec.default;
  }
  return out;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return Array.isArray(value) ? 'a list' : 'an object';
}

function listNames(names: readonly string[]): string {
  return names.length > 12 ? `${names.slice(0, 12).join(', ')}, ...` : names.join(', ');
}

export interface ResolveOptions {
  /** The allocation's position in the config, for issue paths (`portfolio.allocations[i]`). */
  readonly allocationIndex?: number;
  /** Or the whole path prefix of the allocation. */
  readonly path?: string;
}

/**
 * Strategy kinds and ids by name. `createStrategyRegistry()` starts with the built-ins;
 * `register` adds user strategies. `resolveStrategy` makes a NEW strategy (fresh state)
 * on each call: call it once per run (portfolio, standalone, ...).
 */
export class StrategyRegistry {
  readonly #definitions = new Map<string, StrategyDefinition>();

  constructor(definitions: Readonly<Record<string, StrategyDefinition>> = BUILT_IN_STRATEGIES) {
    for (const [name, definition] of Object.entries(definitions))
      this.#definitions.set(name, definition);
  }

  /** Registered names (kinds and ids), sorted. */
  names(): string[] {
    return [...this.#definitions.keys()].sort();
  }

  has(name: string): boolean {
    return this.#definitions.has(name);
  }

  get(name: string): StrategyDefinition | undefined {
    return this.#definitions.get(name);
  }

  /**
   * Registers a kind or id. A bare factory gets its params unchecked. Throws when the
   * name is taken (unless `replace`) or is not an id (`^[A-Za-z0-9_.-]{1,64}$`).
   */
  register(
    name: string,
    definition: StrategyDefinition | StrategyFactory,
    options: { readonly replace?: boolean } = {},
  ): this {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
      throw new Error(
        `register: strategy name ${JSON.stringify(name)} must match ^[A-Za-z0-9_.-]{1,64}$`,
      );
    }
    if (this.#definitions.has(name) && options.replace !== true) {
      throw new Error(
        `register: a strategy named ${name} is already registered (pass {replace: true} to replace it)`,
      );
    }
    this.#definitions.set(
      name,
      typeof definition === 'function' ? { create: definition } : definition,
    );
    return this;
  }

  /**
   * Makes the strategy of one allocation. With `strategy: {kind, symbols, params}` the
   * kind is looked up; without it the `strategy_id` must be registered (defaults apply).
   * Without `symbols` a strategy trades every data symbol (weights kinds: exactly the
   * symbols their weights name). Unknown kinds, symbols and params are issues with a path.
   */
  resolveStrategy(
    allocation: StrategyAllocation,
    dataSymbols: readonly string[],
    options: ResolveOptions = {},
  ): Result<Strategy, ContractError> {
    const base = options.path ?? `portfolio.allocations[${options.allocationIndex ?? 0}]`;
    const issues: ContractIssue[] = [];
    const spec = allocation.strategy;
    const name = spec?.kind ?? allocation.strategyId;
    const definition = this.#definitions.get(name);
    if (definition === undefined) {
      const registered = listNames(this.names());
      issues.push(
        spec === undefined
          ? {
              path: `${base}.strategy_id`,
              message: `no strategy is registered as ${JSON.stringify(name)}: add strategy: {kind, symbols, params} or register it (registered: ${registered})`,
            }
          : {
              path: `${base}.strategy.kind`,
              message: `unknown strategy kind ${JSON.stringify(name)} (registered: ${registered})`,
            },
      );
      return { success: false, error: new ContractError(issues) };
    }
    const paramsPath = `${base}.strategy.params`;
    const rawParams: Readonly<Record<string, unknown>> = spec?.params ?? {};
    const known = new Set(dataSymbols);
    const params: Record<string, unknown> = {};
    if (definition.params === undefined) {
      Object.assign(params, rawParams);
    } else {
      const allowed = Object.keys(definition.params);
      for (const key of Object.keys(rawParams)) {
        if (!(key in definition.params)) {
          issues.push({
            path: `${paramsPath}.${key}`,
            message: `unknown parameter of ${name} (allowed: ${allowed.length > 0 ? allowed.join(', ') : 'none'})`,
          });
        }
      }
      for (const [key, paramSpec] of Object.entries(definition.params)) {
        const value = rawParams[key];
        const path = `${paramsPath}.${key}`;
        const checked = checkParam(paramSpec, value, path, known, dataSymbols, issues);
        if (checked !== undefined) params[key] = checked.value;
      }
    }

    let symbols: readonly string[] = dataSymbols;
    if (definition.symbolsFromWeights === true) {
      const weights = params.weights as Record<string, number> | undefined;
      symbols = weights === undefined ? [] : dataSymbols.filter((s) => s in weights);
      if (spec?.symbols !== undefined && weights !== undefined) {
        const same =
          spec.symbols.length === symbols.length && spec.symbols.every((s) => s in weights);
        if (!same) {
          issues.push({
            path: `${base}.strategy.symbols`,
            message: `must name exactly the symbols of params.weights (${symbols.join(', ')}) or be left out`,
          });
        }
      }
    } else if (spec?.symbols !== undefined) {
      const seen = new Set<string>();
      spec.symbols.forEach((symbol, i) => {
        if (!known.has(symbol)) {
          issues.push({
            path: `${base}.strategy.symbols[${i}]`,
            message: `unknown symbol ${JSON.stringify(symbol)} (the data has: ${listNames(dataSymbols)})`,
          });
        } else if (seen.has(symbol)) {
          issues.push({
            path: `${base}.strategy.symbols[${i}]`,
            message: `duplicate symbol ${JSON.stringify(symbol)}`,
          });
        }
        seen.add(symbol);
      });
      if (spec.symbols.length === 0)
        issues.push({ path: `${base}.strategy.symbols`, message: 'must name at least one symbol' });
      symbols = spec.symbols;
    }
    if (issues.length === 0 && definition.check !== undefined) {
      for (const issue of definition.check(params))
        issues.push({ path: `${paramsPath}.${issue.param}`, message: issue.message });
    }
    if (issues.length > 0) return { success: false, error: new ContractError(issues) };

    let strategy: Strategy;
    try {
      strategy = definition.create({
        id: allocation.strategyId,
        kind: name,
        symbols: Object.freeze([...symbols]),
        params: Object.freeze(params),
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return {
        success: false,
        error: new ContractError([
          {
            path: spec === undefined ? `${base}.strategy_id` : `${base}.strategy`,
            message: `${name} could not be created: ${message}`,
          },
        ]),
      };
    }
    if (strategy.id !== allocation.strategyId) {
      return {
        success: false,
        error: new ContractError([
          {
            path: `${base}.strategy_id`,
            message: `the factory of ${name} made a strategy with id ${JSON.stringify(strategy.id)} (expected ${JSON.stringify(allocation.strategyId)})`,
          },
        ]),
      };
    }
    const unknown = strategy.symbols.filter((s) => !known.has(s));
    if (unknown.length > 0) {
      return {
        success: false,
        error: new ContractError([
          {
            path: `${base}.strategy`,
            message: `${name} trades symbols not in the data: ${unknown.join(', ')}`,
          },
        ]),
      };
    }
    return { success: true, data: strategy };
  }

  /** Every allocation's strategy, in config order; all issues of all allocations at once. */
  resolveStrategies(
    config: PortfolioConfig,
    dataSymbols: readonly string[],
  ): Result<Strategy[], ContractError> {
    const strategies: Strategy[] = [];
    const issues: ContractIssue[] = [];
    config.allocations.forEach((allocation, allocationIndex) => {
      const result = this.resolveStrategy(allocation, dataSymbols, { allocationIndex });
      if (result.success) strategies.push(result.data);
      else issues.push(...result.error.issues);
    });
    if (issues.length > 0) return { success: false, error: new ContractError(issues) };
    return { success: true, data: strategies };
  }
}

/** Checks one param; pushes an issue and returns undefined, or returns the value (default applied). */
function checkParam(
  spec: ParamSpec,
  value: unknown,
  path: string,
  known: ReadonlySet<string>,
  dataSymbols: readonly string[],
  issues: ContractIssue[],
): { value: unknown } | undefined {
  if (spec.type === 'weights') {
    if (value === undefined) {
      issues.push({ path, message: 'is required (symbol -> exposure)' });
      return undefined;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      issues.push({
        path,
        message: `must be an object of symbol -> exposure, got ${describe(value)}`,
      });
      return undefined;
    }
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) {
      issues.push({ path, message: 'must name at least one symbol' });
      return undefined;
    }
    let ok = true;
    const weights: Record<string, number> = {};
    for (const [symbol, weight] of entries) {
      if (!known.has(symbol)) {
        issues.push({
          path: `${path}.${symbol}`,
          message: `unknown symbol (the data has: ${listNames(dataSymbols)})`,
        });
        ok = false;
      } else if (typeof weight !== 'number' || !Number.isFinite(weight)) {
        issues.push({
          path: `${path}.${symbol}`,
          message: `must be a finite number, got ${describe(weight)}`,
        });
        ok = false;
      }
    }
    if (!ok) return undefined;
    // Data order, so the strategy's symbols do not depend on how the YAML was written.
    for (const symbol of dataSymbols) {
      const weight = (value as Record<string, unknown>)[symbol];
      if (typeof weight === 'number') weights[symbol] = weight;
    }
    return { value: Object.freeze(weights) };
  }
  if (value === undefined) {
    if (spec.default !== undefined) return { value: spec.default };
    issues.push({ path, message: 'is required' });
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    issues.push({
      path,
      message: `must be ${spec.type === 'integer' ? 'an integer' : 'a finite number'}, got ${describe(value)}`,
    });
    return undefined;
  }
  if (spec.type === 'integer') {
    const range = spec.max === undefined ? `>= ${spec.min}` : `in ${spec.min}..${spec.max}`;
    if (
      !Number.isInteger(value) ||
      value < spec.min ||
      (spec.max !== undefined && value > spec.max)
    ) {
      issues.push({ path, message: `must be an integer ${range}, got ${String(value)}` });
      return undefined;
    }
    return { value };
  }
  if (
    spec.min !== undefined &&
    (spec.exclusiveMin === true ? value <= spec.min : value < spec.min)
  ) {
    issues.push({
      path,
      message: `must be ${spec.exclusiveMin === true ? '>' : '>='} ${spec.min}, got ${String(value)}`,
    });
    return undefined;
  }
  if (spec.max !== undefined && value > spec.max) {
    issues.push({ path, message: `must be <= ${spec.max}, got ${String(value)}` });
    return undefined;
  }
  return { value };
}

/** A registry holding the built-in kinds and the ids trendline_break_v1, rsi_tema_bb_v1, momentum_v1. */
export function createStrategyRegistry(): StrategyRegistry {
  return new StrategyRegistry();
}
