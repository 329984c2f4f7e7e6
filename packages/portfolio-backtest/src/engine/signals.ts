// A strategy's targets, bar by bar, recorded once and read by every run that trades it: the
// portfolio, its never-rebalanced baseline, the strategy alone, and sweep combinations that
// share the strategy. Strategies are capital-agnostic, so their targets depend on the data only.
import type { PriceData } from '../price-data.js';
import { createBarContext, type Strategy, type StrategyBarContext } from '../strategy.js';
import { callStrategyInto } from '../strategy-fault.js';
import { growableArray, sharedArray, sharedView, withRoom } from '../shareable.js';

/** No targets at this step (`onBar` returned undefined: hold). */
const HOLD = -1;
/**
 * The most entries a tape reserves room for up front (2^27: 1 GiB of address space for its
 * exposures, none of it taken until used); a tape that needs more grows by copying.
 */
const MAX_ENTRIES = 2 ** 27;

/**
 * A tape's targets over steps `0 .. recorded-1`, as plain columns another thread can adopt
 * (`SignalCache.adopt`): SharedArrayBuffer-backed when made by `SignalTape.share`, so passing
 * it to a worker thread copies nothing. Step t's entries are `[starts[t], ends[t])` of
 * `symbols` / `exposures`; `starts[t]` is -1 when the strategy held.
 */
export interface RecordedTape {
  /** The strategy's identity (`signalIdentity`): who may read it. */
  readonly key: string;
  readonly recorded: number;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly symbols: Int32Array;
  readonly exposures: Float64Array;
}

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
  /** Adopted from another thread: the strategy is never called, steps past `recorded` are an error. */
  #adopted = false;
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
    // On shared memory from the start: `share` hands out views, never a copy (entries are
    // only appended and a step is written once, so what was shared never changes).
    this.#starts = sharedArray(Int32Array, data.steps).fill(HOLD);
    this.#ends = sharedArray(Int32Array, data.steps).fill(HOLD);
    const capacity = Math.max(16, strategy.symbols.length * 4);
    // Room for a target per symbol at every step, reserved but taken only as entries come.
    const most = Math.min(MAX_ENTRIES, Math.max(capacity, data.steps * strategy.symbols.length));
    this.#symbols = growableArray(Int32Array, capacity, most);
    this.#exposures = growableArray(Float64Array, capacity, most);
    this.#row = new Float64Array(strategy.symbols.length).fill(Number.NaN);
  }

  /** Steps recorded so far (0 .. recorded-1). */
  get recorded(): number {
    return this.#recorded;
  }

  /** True when the targets were recorded elsewhere (`SignalTape.adopt`). */
  get adopted(): boolean {
    return this.#adopted;
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
    if (this.#adopted && step >= this.#recorded) {
      throw new Error(
        `SignalTape: the adopted tape of ${this.strategy.id} ends at step ${this.#recorded - 1}, asked for ${step}`,
      );
    }
    while (this.#recorded <= step) this.#recordNext();
  }

  /**
   * The steps recorded so far as a `RecordedTape` on SharedArrayBuffers (undefined when the
   * strategy faulted or cannot be told apart from others: such a tape is not shared).
   */
  share(): RecordedTape | undefined {
    const key = signalIdentity(this.strategy, this.maxAbsExposure);
    if (key === undefined || this.#faulted) return undefined;
    const recorded = this.#recorded;
    const starts = sharedView(Int32Array, this.#starts.subarray(0, recorded));
    const ends = sharedView(Int32Array, this.#ends.subarray(0, recorded));
    const symbols = sharedView(Int32Array, this.#symbols.subarray(0, this.#size));
    const exposures = sharedView(Float64Array, this.#exposures.subarray(0, this.#size));
    return { key, recorded, starts, ends, symbols, exposures };
  }

  /**
   * A tape that reads `recorded` (made on the same data by the same strategy identity) instead
   * of calling `strategy`; asking it for a step past the recorded ones is an error.
   */
  static adopt(
    strategy: Strategy,
    data: PriceData,
    maxAbsExposure: number,
    recorded: RecordedTape,
  ): SignalTape {
    const key = signalIdentity(strategy, maxAbsExposure);
    if (key !== recorded.key)
      throw new Error(`SignalTape.adopt: the recorded tape is not ${strategy.id}'s`);
    if (recorded.recorded > data.steps || recorded.starts.length !== recorded.recorded)
      throw new Error(`SignalTape.adopt: ${recorded.recorded} steps recorded on other data`);
    const tape = new SignalTape(strategy, data, maxAbsExposure);
    tape.#starts.set(recorded.starts);
    tape.#ends.set(recorded.ends);
    tape.#symbols = recorded.symbols;
    tape.#exposures = recorded.exposures;
    tape.#size = recorded.symbols.length;
    tape.#recorded = recorded.recorded;
    tape.#adopted = true;
    return tape;
  }

  #recordNext(): void {
    const step = this.#recorded;
    // The row arrives all NaN and is left so (entries read out, then cleared).
    const row = this.#row;
    let named: boolean;
    try {
      named = callStrategyInto(
        this.strategy,
        this.#context.moveTo(step),
        this.maxAbsExposure,
        row,
        this.#symbolIndex,
      );
    } catch (error) {
      // The strategy is not called again: a later run sharing the tape gets the same fault.
      this.#fault = error;
      this.#faulted = true;
      throw error;
    }
    this.#recorded = step + 1;
    if (!named) return;
    // Entries in strategy symbol order: the order the runs trade them in.
    this.#reserve(row.length);
    const symbols = this.#symbols;
    const exposures = this.#exposures;
    const start = this.#size;
    let at = start;
    for (let j = 0; j < row.length; j++) {
      const exposure = row[j] as number;
      if (exposure !== exposure) continue;
      symbols[at] = j;
      exposures[at] = exposure;
      at++;
      row[j] = Number.NaN;
    }
    // The same entries as the step before (a signal that holds): that step's are read again,
    // so a strategy naming the same targets bar after bar keeps one copy of them.
    const before = step > 0 ? (this.#starts[step - 1] as number) : HOLD;
    if (before !== HOLD && (this.#ends[step - 1] as number) - before === at - start) {
      let same = true;
      for (let e = 0; same && e < at - start; e++) {
        same =
          symbols[before + e] === symbols[start + e] &&
          Object.is(exposures[before + e], exposures[start + e]);
      }
      if (same) {
        this.#starts[step] = before;
        this.#ends[step] = before + (at - start);
        return;
      }
    }
    this.#size = at;
    this.#starts[step] = start;
    this.#ends[step] = at;
  }

  #reserve(more: number): void {
    const need = this.#size + more;
    if (need <= this.#symbols.length) return;
    // A tape shared before keeps its views of the entries so far, which stay as they were.
    this.#symbols = withRoom(Int32Array, this.#symbols, need, this.#size);
    this.#exposures = withRoom(Float64Array, this.#exposures, need, this.#size);
  }
}

/**
 * A strategy's identity for sharing its tape (same id, kind, symbols, params and exposure cap:
 * the same targets on the same data); undefined when it cannot be told (no kind or params).
 */
export function signalIdentity(strategy: Strategy, maxAbsExposure: number): string | undefined {
  if (strategy.kind === undefined || strategy.params === undefined) return undefined;
  return JSON.stringify(
    [strategy.id, strategy.kind, strategy.symbols, strategy.params, maxAbsExposure],
    identityValue,
  );
}

/** How a value is written into an identity: Maps as their entries, bigints as decimal text. */
function identityValue(_key: string, value: unknown): unknown {
  return value instanceof Map
    ? { map: [...(value as Map<unknown, unknown>).entries()] }
    : typeof value === 'bigint'
      ? value.toString()
      : value;
}

/**
 * `params` as plain JSON data with the same identity (`signalIdentity` of a strategy holding
 * it instead is the same text): what another thread gets, whatever the params hold (a
 * function, a class instance, a Map), since only the identity is compared there.
 */
export function identityParams(
  params: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>> {
  return JSON.parse(JSON.stringify(params, identityValue) ?? '{}') as Record<string, unknown>;
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
  /** Tapes recorded elsewhere (another thread), by identity: read instead of recording. */
  readonly #adopted = new Map<string, RecordedTape>();

  constructor(data: PriceData, capacity = 64) {
    this.data = data;
    this.capacity = capacity;
  }

  /** Tapes shared so far. */
  get size(): number {
    return this.#tapes.size;
  }

  /**
   * Takes tapes recorded on the same data elsewhere (`SignalTape.share`, e.g. on another
   * thread): a strategy with one's identity reads it instead of running, for any run that
   * ends before the recorded steps do. Kept apart from `capacity` (they are shared memory).
   */
  adopt(tapes: Iterable<RecordedTape>): void {
    for (const tape of tapes) {
      const known = this.#adopted.get(tape.key);
      if (known === undefined || known.recorded < tape.recorded) this.#adopted.set(tape.key, tape);
    }
  }

  /**
   * A tape per strategy (config order), shared where one with its identity exists. With
   * `throughStep`, an adopted tape that covers steps `0 .. throughStep` is read; without it,
   * only one that covers the whole data.
   */
  tapesFor(
    strategies: readonly Strategy[],
    maxAbsExposure: number,
    throughStep = this.data.steps - 1,
  ): SignalTape[] {
    return strategies.map((strategy) => {
      const key = signalIdentity(strategy, maxAbsExposure);
      if (key === undefined) return new SignalTape(strategy, this.data, maxAbsExposure);
      let tape = this.#tapes.get(key);
      // An adopted tape too short for this run cannot record further: a fresh one replaces it.
      if (tape !== undefined && tape.adopted && tape.recorded <= throughStep) tape = undefined;
      if (tape === undefined) {
        const adopted = this.#adopted.get(key);
        tape =
          adopted !== undefined && adopted.recorded > throughStep
            ? SignalTape.adopt(strategy, this.data, maxAbsExposure, adopted)
            : new SignalTape(strategy, this.data, maxAbsExposure);
        this.#tapes.set(key, tape);
        if (this.#tapes.size > this.capacity) {
          const oldest = this.#tapes.keys().next().value;
          if (oldest !== undefined) this.#tapes.delete(oldest);
        }
      }
      return tape;
    });
  }

  /** The tapes recorded here, shareable (`SignalTape.share`), for other threads to adopt. */
  share(): RecordedTape[] {
    const out: RecordedTape[] = [];
    for (const tape of this.#tapes.values()) {
      if (tape.adopted) continue;
      const shared = tape.share();
      if (shared !== undefined && shared.recorded > 0) out.push(shared);
    }
    return out;
  }
}
