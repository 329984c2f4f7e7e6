// The Strategy contract (docs/semantics.md, strategies) and the allocation-free bar context it reads.
import type { PriceData } from './price-data.js';

/**
 * Target exposures: symbol -> fraction of the strategy's sleeve capital (negative =
 * short). A symbol the record names is re-targeted; a symbol it does not name keeps
 * its position. The engine reads the record at once and does not keep it.
 */
export type StrategyTargets = Readonly<Record<string, number>>;

/**
 * What a strategy sees on a bar: the whole columns of its own symbols (index `i` is
 * `strategy.symbols[i]`), read only at indices <= `step`, and never capital.
 * One context per strategy is moved from bar to bar: nothing is copied or allocated.
 */
export interface BarContext {
  /** The current step: an index into `timestamps` and every column. */
  readonly step: number;
  /** All steps' timestamps (ns); `timestamps[step]` is this bar's time. */
  readonly timestamps: BigInt64Array;
  /** The strategy's symbols, in its order. */
  readonly symbols: readonly string[];
  /** Per strategy symbol: its index in `data.symbols`. */
  readonly symbolIndex: Int32Array;
  readonly open: readonly Float64Array[];
  readonly high: readonly Float64Array[];
  readonly low: readonly Float64Array[];
  /** NaN where the symbol has no bar. */
  readonly close: readonly Float64Array[];
  readonly volume: readonly Float64Array[];
  /** Per strategy symbol: the step of its first bar in the data (-1 if none). */
  readonly firstStep: Int32Array;
  /** The whole data set (other symbols, provenance). */
  readonly data: PriceData;
  /** Whether strategy symbol `i` has a bar at this step (it can trade here). */
  hasBar(i: number): boolean;
  /** Whether strategy symbol `i` exists at this step (its first bar is at or before it). */
  exists(i: number): boolean;
}

/**
 * A trading strategy: capital-agnostic, one call per bar in increasing step order.
 * `onBar` returns target exposures or undefined (hold everything as is). Before a
 * symbol exists (its first bar) a target for it stays in cash; at a step where it has
 * no bar it cannot trade (the engine enforces both).
 */
export interface Strategy {
  /** The sleeve's id (the allocation's `strategy_id`). */
  readonly id: string;
  readonly symbols: readonly string[];
  /** The registered kind or id it was made from (informational). */
  readonly kind?: string;
  /** Its parameters with defaults applied (informational). */
  readonly params?: Readonly<Record<string, unknown>>;
  onBar(ctx: BarContext): StrategyTargets | undefined;
  /**
   * Optional, the same targets as `onBar` without a record per bar (the engine calls it
   * instead when present): writes the exposure of each symbol it names into `targets[i]`
   * (`i` as in `symbols`; `targets` arrives filled with NaN, which stays for a symbol not
   * named) and returns false to hold, as `onBar` returning undefined.
   */
  onBarInto?(ctx: BarContext, targets: Float64Array): boolean;
}

/** The engine's handle on a BarContext: move it with `moveTo(step)` before each `onBar`. */
export class StrategyBarContext implements BarContext {
  step = -1;
  readonly timestamps: BigInt64Array;
  readonly symbols: readonly string[];
  readonly symbolIndex: Int32Array;
  readonly open: readonly Float64Array[];
  readonly high: readonly Float64Array[];
  readonly low: readonly Float64Array[];
  readonly close: readonly Float64Array[];
  readonly volume: readonly Float64Array[];
  readonly firstStep: Int32Array;
  readonly data: PriceData;

  /** Throws when a symbol is not in the data (resolve strategies against the data first). */
  constructor(data: PriceData, symbols: readonly string[]) {
    const index = new Int32Array(symbols.length);
    symbols.forEach((symbol, i) => {
      const k = data.symbolIndex(symbol);
      if (k < 0) throw new Error(`BarContext: symbol ${symbol} is not in the data`);
      index[i] = k;
    });
    const pick = (columns: readonly Float64Array[]): readonly Float64Array[] =>
      Object.freeze(Array.from(index, (k) => columns[k] as Float64Array));
    this.data = data;
    this.timestamps = data.timestamps;
    this.symbols = Object.freeze([...symbols]);
    this.symbolIndex = index;
    this.open = pick(data.open);
    this.high = pick(data.high);
    this.low = pick(data.low);
    this.close = pick(data.close);
    this.volume = pick(data.volume);
    this.firstStep = Int32Array.from(index, (k) => data.firstStep[k] as number);
  }

  moveTo(step: number): this {
    this.step = step;
    return this;
  }

  hasBar(i: number): boolean {
    const value = (this.close[i] as Float64Array)[this.step] as number;
    return value === value;
  }

  exists(i: number): boolean {
    const first = this.firstStep[i] as number;
    return first >= 0 && first <= this.step;
  }
}

/** A context over `symbols` of `data` (a strategy's own symbols), positioned before the first step. */
export function createBarContext(data: PriceData, symbols: readonly string[]): StrategyBarContext {
  return new StrategyBarContext(data, symbols);
}
