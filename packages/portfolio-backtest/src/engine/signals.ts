// A strategy's targets, bar by bar, recorded once and read by every run that trades it: the
// portfolio, its never-rebalanced baseline, the strategy alone, and sweep combinations that
// share the strategy. Strategies are capital-agnostic, so their targets depend on the data only.
import type { PriceData } from '../price-data.js';
import { createBarContext, type Strategy, type StrategyBarContext } from '../strategy.js';
import { callStrategy } from '../strategy-fault.js';

/** No targets at this step (`onBar` returned undefined: hold). */
const HOLD = -1;

/**
 * One strategy's targets at every step from 0, recorded as the runs ask for them (the first
 * run to reach a step calls `onBar`, so a strategy fault surfaces where it did before). Step
 * t's targets are the entries `[from(t), to(t))`: strategy symbol indexes in increasing order
 * (`symbols`) with their exposures (`exposures`); `from(t)` is -1 when the strategy held.
 * Every target is checked as `callStrategy` checks it, with the cap `maxAbsExposure`.
 */
export class SignalTape {
  readonly strategy: Strategy;
  /** The data the targets were recorded on. */
  readonly data: PriceData;
  /** Per strategy symbol: its index in the data's symbols. */
  readonly dataIndex: Int32Array;
  /** The per-symbol exposure cap the targets were checked against. */
  readonly maxAbsExposure: number;
  readonly #context: StrategyBarContext;
  readonly #symbolIndex: Map<string, number>;
  readonly #starts: Int32Array;
  readonly #ends: Int32Array;
  #symbols: Int32Array;
  #exposures: Float64Array;
  #size = 0;
  #recorded = 0;
  /** The strategy's fault at step `recorded`, thrown again to every later reader. */
  #fault: unknown = undefined;
  #faulted = false;
  /** Scratch: one bar's exposures by strategy symbol (NaN = not named). */
  readonly #row: Float64Array;

  constructor(strategy: Strategy, data: PriceData, maxAbsExposure: number) {
    this.strategy = strategy;
    this.data = data;
    this.maxAbsExposure = maxAbsExposure;
    this.#context = createBarContext(data, strategy.symbols);
    this.dataIndex = this.#context.symbolIndex;
    this.#symbolIndex = new Map(strategy.symbols.map((symbol, j) => [symbol, j]));
    this.#starts = new Int32Array(data.steps).fill(HOLD);
    this.#ends = new Int32Array(data.steps).fill(HOLD);
    const capacity = Math.max(16, strategy.symbols.length * 4);
    this.#symbols = new Int32Array(capacity);
    this.#exposures = new Float64Array(capacity);
    this.#row = new Float64Array(strategy.symbols.length).fill(Number.NaN);
  }

  /** Steps recorded so far (0 .. recorded-1). */
  get recorded(): number {
    return this.#recorded;
  }

  /** Strategy symbol index of each entry (valid until the next `record`). */
  get symbols(): Int32Array {
    return this.#symbols;
  }

  /** Exposure of each entry (valid until the next `record`). */
  get exposures(): Float64Array {
    return this.#exposures;
  }

  /** First entry of step `step`, or -1 when the strategy held there. Record the step first. */
  from(step: number): number {
    return this.#starts[step] as number;
  }

  /** One past the last entry of step `step`. */
  to(step: number): number {
    return this.#ends[step] as number;
  }

  /** Calls the strategy for every step up to `step` not yet recorded (a no-op otherwise). */
  record(step: number): void {
    if (this.#faulted && step >= this.#recorded) throw this.#fault;
    while (this.#recorded <= step) this.#recordNext();
  }

  #recordNext(): void {
    const step = this.#recorded;
    let wanted: ReturnType<typeof callStrategy>;
    try {
      wanted = callStrategy(this.strategy, this.#context.moveTo(step), this.maxAbsExposure);
    } catch (error) {
      // The strategy is not called again: a later run sharing the tape gets the same fault.
      this.#fault = error;
      this.#faulted = true;
      throw error;
    }
    this.#recorded = step + 1;
    if (wanted === undefined) return;
    // Entries in strategy symbol order: the order the runs trade them in.
    const row = this.#row;
    let named = 0;
    for (const symbol in wanted) {
      const j = this.#symbolIndex.get(symbol);
      if (j === undefined) continue; // callStrategy refused unknown symbols already
      if (row[j] !== row[j]) named++;
      row[j] = wanted[symbol] as number;
    }
    this.#reserve(named);
    const start = this.#size;
    let at = start;
    for (let j = 0; j < row.length && at - start < named; j++) {
      const exposure = row[j] as number;
      if (exposure !== exposure) continue;
      this.#symbols[at] = j;
      this.#exposures[at] = exposure;
      at++;
      row[j] = Number.NaN;
    }
    this.#size = at;
    this.#starts[step] = start;
    this.#ends[step] = at;
  }

  #reserve(more: number): void {
    const need = this.#size + more;
    if (need <= this.#symbols.length) return;
    const capacity = Math.max(need, this.#symbols.length * 2);
    const symbols = new Int32Array(capacity);
    symbols.set(this.#symbols.subarray(0, this.#size));
    const exposures = new Float64Array(capacity);
    exposures.set(this.#exposures.subarray(0, this.#size));
    this.#symbols = symbols;
    this.#exposures = exposures;
  }
}

/** A strategy's identity for sharing its tape: undefined when it cannot be told (no kind or params). */
function identityOf(strategy: Strategy, maxAbsExposure: number): string | undefined {
  if (strategy.kind === undefined || strategy.params === undefined) return undefined;
  return JSON.stringify(
    [strategy.id, strategy.kind, strategy.symbols, strategy.params, maxAbsExposure],
    (_key, value: unknown) =>
      value instanceof Map
        ? { map: [...(value as Map<unknown, unknown>).entries()] }
        : typeof value === 'bigint'
          ? value.toString()
          : value,
  );
}

/**
 * Tapes shared across runs on one data set (the combinations of a sweep): a strategy with the
 * same id, kind, symbols, params and exposure cap as one seen before reads that one's tape, so
 * it runs once for all of them. Strategies without a kind and params (they cannot be told
 * apart) get a tape of their own. Keeps at most `capacity` tapes, dropping the oldest.
 */
export class SignalCache {
  readonly data: PriceData;
  readonly capacity: number;
  readonly #tapes = new Map<string, SignalTape>();

  constructor(data: PriceData, capacity = 64) {
    this.data = data;
    this.capacity = capacity;
  }

  /** Tapes shared so far. */
  get size(): number {
    return this.#tapes.size;
  }

  /** A tape per strategy (config order), shared where one with its identity exists. */
  tapesFor(strategies: readonly Strategy[], maxAbsExposure: number): SignalTape[] {
    return strategies.map((strategy) => {
      const key = identityOf(strategy, maxAbsExposure);
      if (key === undefined) return new SignalTape(strategy, this.data, maxAbsExposure);
      let tape = this.#tapes.get(key);
      if (tape === undefined) {
        tape = new SignalTape(strategy, this.data, maxAbsExposure);
        this.#tapes.set(key, tape);
        if (this.#tapes.size > this.capacity) {
          const oldest = this.#tapes.keys().next().value;
          if (oldest !== undefined) this.#tapes.delete(oldest);
        }
      }
      return tape;
    });
  }
}
