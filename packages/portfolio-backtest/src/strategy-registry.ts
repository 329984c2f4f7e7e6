// Strategy kinds and ids by name: the built-ins, user registrations, and allocation -> Strategy.
import {
  ContractError,
  type ContractIssue,
  type PortfolioConfig,
  type Result,
  type StrategyAllocation,
} from '@njord/portfolio-contracts';
import type { Strategy } from './strategy.js';
import {
  paramNames,
  type StrategyParamsSchema,
  strategyParamErrorMap,
  toParamIssues,
} from './strategy-params.js';
import { MomentumParamsSchema, MomentumStrategy } from './strategies/momentum.js';
import { RsiTemaBbParamsSchema, RsiTemaBbStrategy } from './strategies/rsi-tema-bb.js';
import {
  TrendlineBreakParamsSchema,
  TrendlineBreakStrategy,
} from './strategies/trendline-break.js';
import {
  BuyAndHoldStrategy,
  FixedWeightsStrategy,
  WeightsParamsSchema,
  weightsInOrder,
} from './strategies/weights.js';

/** What a factory receives: the sleeve id, its symbols and its params as the kind's schema parsed them. */
export interface StrategyFactoryInput<Params = Readonly<Record<string, unknown>>> {
  readonly id: string;
  /** The name it was resolved through (`strategy.kind`, or the `strategy_id`). */
  readonly kind: string;
  readonly symbols: readonly string[];
  readonly params: Params;
}

export type StrategyFactory<Params = Readonly<Record<string, unknown>>> = (
  input: StrategyFactoryInput<Params>,
) => Strategy;

export interface StrategyDefinition<Params = Readonly<Record<string, unknown>>> {
  readonly description?: string;
  /**
   * The accepted params as a zod schema, usually `z.strictObject({...})`: unknown names are
   * errors, `.default(x)` fills a missing one, rules across params go in `.superRefine`.
   * The factory gets the parsed output. Left out = the raw params, unchecked.
   */
  readonly params?: StrategyParamsSchema<Params>;
  /**
   * The strategy trades exactly the symbols its `weights` param names (a Map or a record of
   * symbol -> exposure): the registry checks them against the data and passes them in data order.
   */
  readonly symbolsFromWeights?: boolean;
  readonly create: StrategyFactory<Params>;
}

/**
 * A definition with its params type inferred from the schema, so `create` reads typed params:
 * `defineStrategy({ params: z.strictObject({ size: z.number().default(1) }), create: ({ params }) => ... })`.
 */
export function defineStrategy<Params>(
  definition: StrategyDefinition<Params>,
): StrategyDefinition<Params> {
  return definition;
}

// The weights kinds get `symbols` as the data-ordered symbols of their weights.
const BUY_AND_HOLD = defineStrategy({
  description: "params.weights (symbol -> exposure) targeted on each symbol's first bar, then held",
  params: WeightsParamsSchema,
  symbolsFromWeights: true,
  create: ({ id, symbols, params }) =>
    new BuyAndHoldStrategy(id, weightsInOrder(symbols, params.weights)),
});

const FIXED_WEIGHTS = defineStrategy({
  description: 'params.weights re-targeted on every bar (a constant-mix sleeve)',
  params: WeightsParamsSchema,
  symbolsFromWeights: true,
  create: ({ id, symbols, params }) =>
    new FixedWeightsStrategy(id, weightsInOrder(symbols, params.weights)),
});

const TRENDLINE_BREAK = defineStrategy({
  description:
    "close above the least-squares line of the previous highs -> long; below the lows' line -> flat",
  params: TrendlineBreakParamsSchema,
  create: ({ id, symbols, params }) => new TrendlineBreakStrategy(id, symbols, params),
});

const RSI_TEMA_BB = defineStrategy({
  description:
    'long when RSI < oversold, close <= lower band and TEMA rising; flat when RSI > overbought or close >= upper band',
  params: RsiTemaBbParamsSchema,
  create: ({ id, symbols, params }) => new RsiTemaBbStrategy(id, symbols, params),
});

const MOMENTUM = defineStrategy({
  description:
    'every rebalance_every bars, equal weight over the top half by lookback-bar return (positive only)',
  params: MomentumParamsSchema,
  create: ({ id, symbols, params }) => new MomentumStrategy(id, symbols, params),
});

/**
 * A definition with its params type forgotten, as the registry keeps it. Sound because the
 * registry hands `create` only what `params` parsed (or the raw params when there is no schema).
 */
function erase<Params>(definition: StrategyDefinition<Params>): StrategyDefinition {
  return definition as unknown as StrategyDefinition;
}

/** The built-in kinds and the registered ids (the kinds with their default params). */
export const BUILT_IN_STRATEGIES: Readonly<Record<string, StrategyDefinition>> = Object.freeze({
  buy_and_hold: erase(BUY_AND_HOLD),
  fixed_weights: erase(FIXED_WEIGHTS),
  trendline_break: erase(TRENDLINE_BREAK),
  rsi_tema_bb: erase(RSI_TEMA_BB),
  momentum: erase(MOMENTUM),
  trendline_break_v1: erase(TRENDLINE_BREAK),
  rsi_tema_bb_v1: erase(RSI_TEMA_BB),
  momentum_v1: erase(MOMENTUM),
});

/** The default of every param that has one (a param whose schema accepts nothing and gives a value). */
export function defaultParams(definition: {
  readonly params?: StrategyParamsSchema<unknown>;
}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const shape = (definition.params as { shape?: Record<string, StrategyParamsSchema> } | undefined)
    ?.shape;
  for (const name of definition.params === undefined ? [] : (paramNames(definition.params) ?? [])) {
    const parsed = shape?.[name]?.safeParse(undefined);
    if (parsed?.success === true && parsed.data !== undefined) out[name] = parsed.data;
  }
  return out;
}

function isSchema(value: unknown): value is StrategyParamsSchema {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { safeParse?: unknown }).safeParse === 'function'
  );
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
   * Registers a kind or id. A bare factory gets its params unchecked; a definition's
   * `params` must be a zod schema. Throws when the name is taken (unless `replace`), is
   * not an id (`^[A-Za-z0-9_.-]{1,64}$`), or `params` is not a schema (such as the
   * `{type, min, max}` records of earlier versions).
   */
  register<Params = Readonly<Record<string, unknown>>>(
    name: string,
    definition: StrategyDefinition<Params> | StrategyFactory<Params>,
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
    if (typeof definition !== 'function' && definition.params !== undefined) {
      if (!isSchema(definition.params)) {
        throw new Error(
          `register: the params of ${name} must be a zod schema such as z.strictObject({ size: z.number().min(0).default(0.5) }); records of {type, min, max} are no longer read`,
        );
      }
    }
    this.#definitions.set(
      name,
      erase(typeof definition === 'function' ? { create: definition } : definition),
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
    const rawParams: unknown = spec?.params ?? {};
    const known = new Set(dataSymbols);
    let params: unknown = rawParams;
    if (definition.params !== undefined) {
      const parsed = definition.params.safeParse(rawParams, { error: strategyParamErrorMap });
      if (parsed.success) params = parsed.data;
      else
        issues.push(...toParamIssues(parsed.error, definition.params, rawParams, paramsPath, name));
    }

    let symbols: readonly string[] = dataSymbols;
    if (definition.symbolsFromWeights === true) {
      // The raw weights when the schema refused them, so unknown symbols show at once too.
      const weights = weightSymbols(params);
      const named = new Set(weights ?? []);
      for (const symbol of weights ?? []) {
        if (!known.has(symbol)) {
          issues.push({
            path: `${paramsPath}.weights.${symbol}`,
            message: `unknown symbol (the data has: ${listNames(dataSymbols)})`,
          });
        }
      }
      // Data order, so the strategy's symbols do not depend on how the YAML was written.
      symbols = dataSymbols.filter((s) => named.has(s));
      if (spec?.symbols !== undefined && weights !== undefined && issues.length === 0) {
        const same =
          spec.symbols.length === symbols.length && spec.symbols.every((s) => named.has(s));
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
    if (issues.length > 0) return { success: false, error: new ContractError(issues) };

    let strategy: Strategy;
    try {
      strategy = definition.create({
        id: allocation.strategyId,
        kind: name,
        symbols: Object.freeze([...symbols]),
        params: (typeof params === 'object' && params !== null
          ? Object.freeze(params)
          : params) as Readonly<Record<string, unknown>>,
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

/** The symbols a weights param names: the keys of a Map or of a plain record. */
function weightSymbols(params: unknown): string[] | undefined {
  const weights = (params as { weights?: unknown } | null | undefined)?.weights;
  if (weights instanceof Map) return [...(weights as Map<unknown, unknown>).keys()].map(String);
  if (typeof weights === 'object' && weights !== null && !Array.isArray(weights)) {
    return Object.keys(weights);
  }
  return undefined;
}

/** A registry holding the built-in kinds and the ids trendline_break_v1, rsi_tema_bb_v1, momentum_v1. */
export function createStrategyRegistry(): StrategyRegistry {
  return new StrategyRegistry();
}
