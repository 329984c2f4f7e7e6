// Columnar price data: the union of all timestamps and, per symbol, OHLCV columns with NaN gaps.
import { ID_PATTERN } from '@njord/portfolio-contracts';
import { sharedCopy } from './shareable.js';

/** What `PriceData` is built from: columns of length `timestamps.length`, NaN where no bar. */
export interface PriceDataColumns {
  readonly symbols: readonly string[];
  /** Strictly increasing, nanoseconds since the epoch. */
  readonly timestamps: BigInt64Array;
  readonly open: readonly Float64Array[];
  readonly high: readonly Float64Array[];
  readonly low: readonly Float64Array[];
  readonly close: readonly Float64Array[];
  readonly volume: readonly Float64Array[];
  /** A file name or label, for messages and provenance. */
  readonly source?: string;
}

/**
 * Bars of several symbols aligned on the sorted union of their timestamps. A symbol
 * has a bar at a step exactly when its close there is a number (not NaN); then its
 * open, high, low and close are finite and > 0 and its volume finite and >= 0.
 * Columns are indexed `[symbolIndex][step]`. Treat every array as read-only.
 */
export class PriceData {
  readonly symbols: readonly string[];
  readonly timestamps: BigInt64Array;
  /** Number of steps (= timestamps.length). */
  readonly steps: number;
  readonly open: readonly Float64Array[];
  readonly high: readonly Float64Array[];
  readonly low: readonly Float64Array[];
  readonly close: readonly Float64Array[];
  readonly volume: readonly Float64Array[];
  /** Per symbol: the step of its first bar (-1 when it has none). */
  readonly firstStep: Int32Array;
  /** Per symbol: the step of its last bar (-1 when it has none). */
  readonly lastStep: Int32Array;
  /** Per symbol: how many bars it has. */
  readonly barCounts: Int32Array;
  /** (symbol, step) pairs with a real bar: the backtest's `bar_events`. */
  readonly barEvents: number;
  /** True when every symbol has a bar at every step. */
  readonly isAligned: boolean;
  readonly source: string;
  readonly #index: Map<string, number>;

  /** Checks every invariant (throws a plain Error when one is broken: a programming error). */
  constructor(columns: PriceDataColumns) {
    const { symbols, timestamps } = columns;
    const steps = timestamps.length;
    const count = symbols.length;
    const index = new Map<string, number>();
    symbols.forEach((symbol, i) => {
      if (!ID_PATTERN.test(symbol))
        throw new Error(`PriceData: invalid symbol ${JSON.stringify(symbol)}`);
      if (index.has(symbol)) throw new Error(`PriceData: duplicate symbol ${symbol}`);
      index.set(symbol, i);
    });
    for (let t = 1; t < steps; t++) {
      if ((timestamps[t] as bigint) <= (timestamps[t - 1] as bigint)) {
        throw new Error(`PriceData: timestamps must be strictly increasing (step ${t})`);
      }
    }
    for (const name of ['open', 'high', 'low', 'close', 'volume'] as const) {
      const list = columns[name];
      if (list.length !== count)
        throw new Error(`PriceData: ${name} needs ${count} columns, got ${list.length}`);
      for (const column of list) {
        if (column.length !== steps) {
          throw new Error(`PriceData: ${name} columns need ${steps} values, got ${column.length}`);
        }
      }
    }
    const firstStep = new Int32Array(count).fill(-1);
    const lastStep = new Int32Array(count).fill(-1);
    const barCounts = new Int32Array(count);
    let barEvents = 0;
    for (let s = 0; s < count; s++) {
      const o = columns.open[s] as Float64Array;
      const h = columns.high[s] as Float64Array;
      const l = columns.low[s] as Float64Array;
      const c = columns.close[s] as Float64Array;
      const v = columns.volume[s] as Float64Array;
      let bars = 0;
      for (let t = 0; t < steps; t++) {
        const close = c[t] as number;
        if (Number.isNaN(close)) {
          if (
            !Number.isNaN(o[t]) ||
            !Number.isNaN(h[t]) ||
            !Number.isNaN(l[t]) ||
            !Number.isNaN(v[t])
          ) {
            throw new Error(`PriceData: ${symbols[s]} step ${t}: no close but other values`);
          }
          continue;
        }
        if (
          !(close > 0 && (o[t] as number) > 0 && (h[t] as number) > 0 && (l[t] as number) > 0) ||
          // Each one finite (their sum overflows for prices from 4.5e307 on).
          close === Infinity ||
          o[t] === Infinity ||
          h[t] === Infinity ||
          l[t] === Infinity ||
          !((v[t] as number) >= 0 && Number.isFinite(v[t]))
        ) {
          throw new Error(
            `PriceData: ${symbols[s]} step ${t}: prices must be finite and > 0, volume finite and >= 0`,
          );
        }
        if (bars === 0) firstStep[s] = t;
        lastStep[s] = t;
        bars++;
      }
      barCounts[s] = bars;
      barEvents += bars;
    }
    this.symbols = Object.freeze([...symbols]);
    this.timestamps = timestamps;
    this.steps = steps;
    this.open = Object.freeze([...columns.open]);
    this.high = Object.freeze([...columns.high]);
    this.low = Object.freeze([...columns.low]);
    this.close = Object.freeze([...columns.close]);
    this.volume = Object.freeze([...columns.volume]);
    this.firstStep = firstStep;
    this.lastStep = lastStep;
    this.barCounts = barCounts;
    this.barEvents = barEvents;
    this.isAligned = barEvents === steps * count;
    this.source = columns.source ?? '<data>';
    this.#index = index;
  }

  /** The index of a symbol in `symbols`, or -1. */
  symbolIndex(symbol: string): number {
    return this.#index.get(symbol) ?? -1;
  }

  /**
   * These columns on SharedArrayBuffers (copied there unless they already are, as a parsed
   * file's are): a worker thread given them (in a message or its `workerData`) builds its
   * own `PriceData` over the same memory, without a copy.
   */
  sharedColumns(): PriceDataColumns {
    // Columns already on shared memory (a parsed file's) are handed over as they are.
    const share = <T extends Float64Array | BigInt64Array>(
      Kind: { new (buffer: SharedArrayBuffer): T; readonly BYTES_PER_ELEMENT: number },
      column: T,
    ): T => (column.buffer instanceof SharedArrayBuffer ? column : sharedCopy(Kind, column));
    const list = (columns: readonly Float64Array[]) => columns.map((c) => share(Float64Array, c));
    return {
      symbols: this.symbols,
      timestamps: share(BigInt64Array, this.timestamps),
      open: list(this.open),
      high: list(this.high),
      low: list(this.low),
      close: list(this.close),
      volume: list(this.volume),
      source: this.source,
    };
  }

  /** Whether the symbol has a bar at this step (it can trade there). */
  hasBar(symbolIndex: number, step: number): boolean {
    const value = (this.close[symbolIndex] as Float64Array)[step];
    return value !== undefined && value === value;
  }

  /** Whether the symbol exists at this step: its first bar is at or before it. */
  exists(symbolIndex: number, step: number): boolean {
    const first = this.firstStep[symbolIndex] as number;
    return first >= 0 && first <= step;
  }

  /** The step of the symbol's last bar at or before `step`, or -1 (scans back over the gap). */
  lastBarStep(symbolIndex: number, step: number): number {
    const close = this.close[symbolIndex] as Float64Array;
    let t = Math.min(step, this.steps - 1);
    while (t >= 0 && Number.isNaN(close[t])) t--;
    return t;
  }

  /** The first step whose timestamp is >= `timestampNs` (`steps` when there is none). */
  stepAtOrAfter(timestampNs: bigint): number {
    let lo = 0;
    let hi = this.steps;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.timestamps[mid] as bigint) < timestampNs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The last step whose timestamp is <= `timestampNs` (-1 when there is none). */
  stepAtOrBefore(timestampNs: bigint): number {
    let lo = 0;
    let hi = this.steps;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.timestamps[mid] as bigint) <= timestampNs) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** (symbol, step) pairs with a real bar for steps in [fromStep, toStep] (a run's `bar_events`). */
  countBarEvents(fromStep: number, toStep: number): number {
    const from = Math.max(0, fromStep);
    const to = Math.min(this.steps - 1, toStep);
    if (from === 0 && to === this.steps - 1) return this.barEvents;
    let count = 0;
    for (const close of this.close) {
      for (let t = from; t <= to; t++) if (close[t] === close[t]) count++;
    }
    return count;
  }

  /** Bytes held by the columns and timestamps (for memory figures). */
  get byteLength(): number {
    return this.timestamps.byteLength + this.symbols.length * this.steps * 8 * 5;
  }
}

/** One symbol's bars for `createPriceData`: `close` is required, NaN (or a missing entry) = no bar. */
export interface SymbolColumnsInput {
  readonly close: ArrayLike<number>;
  readonly open?: ArrayLike<number>;
  readonly high?: ArrayLike<number>;
  readonly low?: ArrayLike<number>;
  readonly volume?: ArrayLike<number>;
}

/**
 * Builds PriceData from plain arrays (crafted series in tests, data from elsewhere).
 * Symbols keep the record's order; a missing open/high/low is the close, a missing
 * volume 0. Throws on a broken invariant.
 */
export function createPriceData(input: {
  readonly timestamps: BigInt64Array | readonly bigint[];
  readonly bars: Readonly<Record<string, SymbolColumnsInput>>;
  readonly source?: string;
}): PriceData {
  const timestamps =
    input.timestamps instanceof BigInt64Array
      ? input.timestamps
      : BigInt64Array.from(input.timestamps);
  const steps = timestamps.length;
  const symbols = Object.keys(input.bars);
  const open: Float64Array[] = [];
  const high: Float64Array[] = [];
  const low: Float64Array[] = [];
  const close: Float64Array[] = [];
  const volume: Float64Array[] = [];
  for (const symbol of symbols) {
    const bars = input.bars[symbol] as SymbolColumnsInput;
    if (bars.close.length > steps)
      throw new Error(`createPriceData: ${symbol} has more closes than timestamps`);
    const o = new Float64Array(steps).fill(Number.NaN);
    const h = new Float64Array(steps).fill(Number.NaN);
    const l = new Float64Array(steps).fill(Number.NaN);
    const c = new Float64Array(steps).fill(Number.NaN);
    const v = new Float64Array(steps).fill(Number.NaN);
    for (let t = 0; t < bars.close.length; t++) {
      const value = bars.close[t] as number;
      if (Number.isNaN(value)) continue;
      c[t] = value;
      o[t] = pick(bars.open, t, value);
      h[t] = pick(bars.high, t, value);
      l[t] = pick(bars.low, t, value);
      v[t] = pick(bars.volume, t, 0);
    }
    open.push(o);
    high.push(h);
    low.push(l);
    close.push(c);
    volume.push(v);
  }
  return new PriceData({
    symbols,
    timestamps,
    open,
    high,
    low,
    close,
    volume,
    ...(input.source === undefined ? {} : { source: input.source }),
  });
}

function pick(column: ArrayLike<number> | undefined, t: number, fallback: number): number {
  if (column === undefined) return fallback;
  const value = column[t];
  return value === undefined || Number.isNaN(value) ? fallback : value;
}
