// A user strategy's faults caught where its targets are consumed: a throw in onBar, a
// target for a symbol it does not trade, a non-finite or absurd exposure.
import type { BarContext, Strategy, StrategyTargets } from './strategy.js';
import { formatTimestampNs } from './timestamp-text.js';

/** Largest |exposure| a strategy may ask for per symbol without `limits.max_gross_leverage`. */
export const DEFAULT_MAX_ABS_EXPOSURE = 10;

export const STRATEGY_FAULT_CODES = [
  'strategy_threw',
  'unknown_symbol',
  'invalid_exposure',
  'invalid_targets',
] as const;
export type StrategyFaultCode = (typeof STRATEGY_FAULT_CODES)[number];

/** A strategy misbehaved on a bar: which strategy, which bar, which symbol, what. */
export class StrategyFaultError extends Error {
  readonly _tag = 'StrategyFaultError' as const;
  readonly code: StrategyFaultCode;
  readonly strategyId: string;
  /** The symbol at fault, or (for a throw) the strategy's symbols. */
  readonly symbols: readonly string[];
  readonly timestampNs: bigint;
  readonly step: number;
  /** What went wrong, without the strategy and bar. */
  readonly detail: string;
  /** For a throw: the stack frames of the user's code (the engine's own frames removed). */
  readonly userFrames: readonly string[];

  constructor(fields: {
    code: StrategyFaultCode;
    strategyId: string;
    symbols: readonly string[];
    timestampNs: bigint;
    step: number;
    detail: string;
    userFrames?: readonly string[];
    cause?: unknown;
  }) {
    const shown =
      fields.symbols.length <= 5
        ? fields.symbols.join(', ')
        : `${fields.symbols.slice(0, 5).join(', ')} and ${fields.symbols.length - 5} more`;
    super(
      `strategy ${fields.strategyId} at ${formatTimestampNs(fields.timestampNs)} (step ${fields.step}${
        shown === '' ? '' : `, ${fields.symbols.length === 1 ? 'symbol' : 'symbols'} ${shown}`
      }): ${fields.detail}`,
      fields.cause === undefined ? undefined : { cause: fields.cause },
    );
    this.name = 'StrategyFaultError';
    this.code = fields.code;
    this.strategyId = fields.strategyId;
    this.symbols = fields.symbols;
    this.timestampNs = fields.timestampNs;
    this.step = fields.step;
    this.detail = fields.detail;
    this.userFrames = fields.userFrames ?? [];
  }
}

export function isStrategyFaultError(value: unknown): value is StrategyFaultError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { _tag?: unknown })._tag === 'StrategyFaultError'
  );
}

/** The frames of `stack` above the first frame of `boundary` (the engine calling the user). */
function framesAbove(stack: string | undefined, boundary: string): string[] {
  if (stack === undefined) return [];
  const frames: string[] = [];
  for (const line of stack.split('\n')) {
    const frame = line.trim();
    if (!frame.startsWith('at ')) continue;
    if (frame.includes(boundary)) break;
    if (frame.includes('node:internal')) continue;
    frames.push(frame);
  }
  return frames;
}

function cut(text: string): string {
  return text.length <= 200 ? text : `${text.slice(0, 200)}...`;
}

const symbolSets = new WeakMap<Strategy, ReadonlySet<string>>();

/** The strategy_threw fault of `error`, thrown by `strategy` at the context's bar. */
function threw(strategy: Strategy, ctx: BarContext, error: unknown, method: string): never {
  const detail =
    error instanceof Error
      ? `${method} threw ${error.name}: ${cut(error.message)}`
      : `${method} threw ${cut(String(error))}`;
  throw new StrategyFaultError({
    code: 'strategy_threw',
    strategyId: strategy.id,
    symbols: strategy.symbols,
    timestampNs: ctx.timestamps[ctx.step] as bigint,
    step: ctx.step,
    detail,
    userFrames: error instanceof Error ? framesAbove(error.stack, STACK_BOUNDARY) : [],
    cause: error,
  });
}

/** The engine's frames start at the first of these (the user's are above it). */
const STACK_BOUNDARY = 'callStrategy';

/** Throws invalid_exposure unless `exposure` is a finite number of at most `maxAbsExposure`. */
function checkExposure(
  strategy: Strategy,
  ctx: BarContext,
  symbol: string,
  exposure: unknown,
  maxAbsExposure: number,
): void {
  if (typeof exposure !== 'number' || !Number.isFinite(exposure)) {
    fault(
      strategy,
      ctx,
      'invalid_exposure',
      [symbol],
      `exposure ${cut(String(exposure))} is not a finite number`,
    );
  }
  if (Math.abs(exposure) > maxAbsExposure) {
    fault(
      strategy,
      ctx,
      'invalid_exposure',
      [symbol],
      `exposure ${String(exposure)} is beyond +-${maxAbsExposure} (the largest a sleeve may take: ${
        maxAbsExposure === DEFAULT_MAX_ABS_EXPOSURE
          ? `the default, ${DEFAULT_MAX_ABS_EXPOSURE}`
          : 'limits.max_gross_leverage'
      })`,
    );
  }
}

/**
 * Calls `strategy.onBar` and checks what it returns; every fault is a StrategyFaultError
 * naming the strategy, the bar and the symbol. Targets must name only the strategy's
 * symbols, with finite exposures of at most `maxAbsExposure` in absolute value.
 */
export function callStrategy(
  strategy: Strategy,
  ctx: BarContext,
  maxAbsExposure: number,
): StrategyTargets | undefined {
  let wanted: unknown;
  try {
    wanted = strategy.onBar(ctx);
  } catch (error) {
    threw(strategy, ctx, error, 'onBar');
  }
  if (wanted === undefined) return undefined;
  if (wanted === null || typeof wanted !== 'object' || Array.isArray(wanted)) {
    return fault(
      strategy,
      ctx,
      'invalid_targets',
      [],
      `onBar returned ${Array.isArray(wanted) ? 'an array' : wanted === null ? 'null' : `a ${typeof wanted}`} (expected undefined or {symbol: exposure})`,
    );
  }
  let known = symbolSets.get(strategy);
  if (known === undefined) {
    known = new Set(strategy.symbols);
    symbolSets.set(strategy, known);
  }
  const targets = wanted as Record<string, unknown>;
  for (const symbol in targets) {
    if (!known.has(symbol)) {
      fault(
        strategy,
        ctx,
        'unknown_symbol',
        [cut(symbol)],
        `a target for a symbol the strategy does not trade (its symbols: ${cut(strategy.symbols.join(', '))})`,
      );
    }
    checkExposure(strategy, ctx, symbol, targets[symbol], maxAbsExposure);
  }
  return targets as StrategyTargets;
}

/**
 * A bar's targets as a row, checked as `callStrategy` checks them: `row[i]` the exposure of
 * `strategy.symbols[i]`, NaN where not named (`row` must arrive all NaN; it is left so when
 * the strategy holds). By `onBarInto` when the strategy has it, else from `onBar`'s record
 * (`symbolIndex`: each symbol's index). Returns false when the strategy holds.
 */
export function callStrategyInto(
  strategy: Strategy,
  ctx: BarContext,
  maxAbsExposure: number,
  row: Float64Array,
  symbolIndex: ReadonlyMap<string, number>,
): boolean {
  if (strategy.onBarInto === undefined) {
    const wanted = callStrategy(strategy, ctx, maxAbsExposure);
    if (wanted === undefined) return false;
    for (const symbol in wanted) row[symbolIndex.get(symbol) as number] = wanted[symbol] as number;
    return true;
  }
  let named: unknown;
  try {
    named = strategy.onBarInto(ctx, row);
  } catch (error) {
    row.fill(Number.NaN);
    threw(strategy, ctx, error, 'onBarInto');
  }
  if (named !== true) {
    row.fill(Number.NaN);
    if (named === false) return false;
    return fault(
      strategy,
      ctx,
      'invalid_targets',
      [],
      `onBarInto returned ${named === null ? 'null' : `a ${typeof named}`} (expected true or false)`,
    );
  }
  for (let i = 0; i < row.length; i++) {
    const exposure = row[i] as number;
    // NaN: not named; else finite and within the cap (checkExposure says what is wrong).
    if (
      exposure !== exposure ||
      (exposure - exposure === 0 && Math.abs(exposure) <= maxAbsExposure)
    )
      continue;
    row.fill(Number.NaN);
    checkExposure(strategy, ctx, strategy.symbols[i] as string, exposure, maxAbsExposure);
  }
  return true;
}

/** Throws the StrategyFaultError of `strategy` at the context's bar. */
function fault(
  strategy: Strategy,
  ctx: BarContext,
  code: StrategyFaultCode,
  symbols: readonly string[],
  detail: string,
): never {
  throw new StrategyFaultError({
    code,
    strategyId: strategy.id,
    symbols,
    timestampNs: ctx.timestamps[ctx.step] as bigint,
    step: ctx.step,
    detail,
  });
}

/** The per-symbol exposure cap for a portfolio: 10, or `max_gross_leverage` when larger. */
export function maxAbsExposureOf(
  limits: { readonly maxGrossLeverage?: number } | undefined,
): number {
  return Math.max(DEFAULT_MAX_ABS_EXPOSURE, limits?.maxGrossLeverage ?? 0);
}
