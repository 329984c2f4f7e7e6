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
  /** Scratch: one bar's exposures by strategy symbol (NaN = not named). */
  readonly #row: Float64Array;

  constructor(strategy: Strategy, data: PriceData, maxAbsExposure: number) {
    this.strategy = strategy;
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
    while (this.#recorded <= step) this.#recordNext();
  }

  #recordNext(): void {
    const step = this.#recorded;
    const wanted = callStrategy(this.strategy, this.#context.moveTo(step), this.maxAbsExposure);
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
