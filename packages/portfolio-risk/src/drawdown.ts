// Drawdown, one definition for every caller: the fall of a wealth index from its running peak.
import { logGrowth, sanitizeReturn } from './return-rules.js';

/**
 * The running peak of a wealth index W and how far below it W is, fed one point at a time.
 *
 * A point is given as its log level, ln(W_t / W_0): the start W_0 is the first peak (level 0).
 * The drawdown at t is `W_t / max(W_0..W_t) - 1`, computed as `expm1(level - peak level)`, so it
 * lies in [-1, 0]: a wealth at or below zero (level -Infinity, or the floor a total loss adds)
 * is a drawdown of exactly -1, and a long run of large returns cannot overflow.
 *
 * Durations, as docs/metrics.md defines them: `longestBars` is the longest run of consecutive
 * points below the running peak; `longestSpanNs` the longest time from a peak's point (the first
 * point's time when the peak is the start) to the point back at or above it, or to the last point
 * when it never recovers, measured separately from `longestBars`.
 */
export class DrawdownMeter {
  #peak = 0;
  #level = 0;
  #deepest = 0;
  #points = 0;
  #runStart = -1;
  #longestBars = 0;
  #longestSpanNs = 0;
  #peakTime: bigint | undefined = undefined;
  #lastTime: bigint | undefined = undefined;

  /** Feeds the next point's log level (NaN: a missing point, which counts as the level before it). */
  push(level: number, timestampNs?: bigint): number {
    const index = this.#points++;
    if (timestampNs !== undefined) {
      this.#peakTime ??= timestampNs; // the start's peak is timed at the first point
      this.#lastTime = timestampNs;
    }
    if (level !== level) level = this.#level;
    this.#level = level;
    if (level >= this.#peak) {
      if (this.#runStart >= 0) this.#closeRun(index, timestampNs);
      this.#peak = level;
      if (timestampNs !== undefined) this.#peakTime = timestampNs;
      return 0;
    }
    if (this.#runStart < 0) this.#runStart = index;
    const drop = this.#peak - level;
    if (drop > this.#deepest) this.#deepest = drop;
    return Math.expm1(-drop);
  }

  #closeRun(end: number, timestampNs: bigint | undefined): void {
    const bars = end - this.#runStart;
    if (bars > this.#longestBars) this.#longestBars = bars;
    if (timestampNs !== undefined && this.#peakTime !== undefined) {
      const span = Number(timestampNs - this.#peakTime);
      if (span > this.#longestSpanNs) this.#longestSpanNs = span;
    }
    this.#runStart = -1;
  }

  /** The deepest drawdown so far, in [-1, 0] (0 before any fall). */
  get maxDrawdown(): number {
    const drawdown = Math.expm1(-this.#deepest);
    return drawdown === 0 ? 0 : drawdown;
  }

  /** The summary of every point fed, an open run counted up to the last point. */
  summary(): DrawdownSummary {
    let longestBars = this.#longestBars;
    let longestSpanNs = this.#longestSpanNs;
    if (this.#runStart >= 0) {
      longestBars = Math.max(longestBars, this.#points - this.#runStart);
      if (this.#lastTime !== undefined && this.#peakTime !== undefined) {
        longestSpanNs = Math.max(longestSpanNs, Number(this.#lastTime - this.#peakTime));
      }
    }
    return { maxDrawdown: this.maxDrawdown, longestBars, longestSpanNs };
  }
}

export interface DrawdownSummary {
  /** min over the points of `W_t / running peak - 1`, in [-1, 0]. */
  readonly maxDrawdown: number;
  /** The longest run of consecutive points below the running peak. */
  readonly longestBars: number;
  /** The longest time (ns) from a peak to its recovery or the last point; 0 without timestamps. */
  readonly longestSpanNs: number;
}

/** ln(value / start): a value path's log level (-Infinity at or below zero, NaN stays NaN). */
export function valueLevel(value: number, start: number): number {
  if (value !== value) return Number.NaN;
  return value > 0 ? Math.log(value / start) : -Infinity;
}

function checkStart(start: number): void {
  if (!(start > 0) || !Number.isFinite(start)) {
    throw new RangeError(`drawdown: the start value must be finite and > 0, got ${String(start)}`);
  }
}

/**
 * Drawdown of a value path (equity after each bar) whose running peak starts at `start` (the
 * capital before the first bar). `timestampsNs`, when given, times the points for `longestSpanNs`.
 */
export function calculateValueDrawdown(
  values: ArrayLike<number>,
  start: number,
  timestampsNs?: ArrayLike<bigint>,
): DrawdownSummary {
  checkStart(start);
  const meter = new DrawdownMeter();
  for (let t = 0; t < values.length; t++) {
    meter.push(valueLevel(values[t] as number, start), timestampsNs?.[t]);
  }
  return meter.summary();
}

/**
 * Drawdown of the wealth index of per-period returns (W_0 = 1, W_t = W_{t-1} x (1 + r_t)); a
 * missing (non-finite) return leaves W as it was, a return <= -1 wipes it out.
 */
export function calculateReturnDrawdown(
  returns: ArrayLike<number>,
  timestampsNs?: ArrayLike<bigint>,
): DrawdownSummary {
  const meter = new DrawdownMeter();
  let level = 0;
  for (let t = 0; t < returns.length; t++) {
    const r = sanitizeReturn(returns[t] as number);
    if (r === r) level += logGrowth(r);
    meter.push(level, timestampsNs?.[t]);
  }
  return meter.summary();
}

/**
 * The drawdown at each point of a value path, `value / running peak - 1` with the peak starting
 * at `start`, in [-1, 0]; a NaN value (no point there) gives NaN and leaves the peak as it was.
 */
export function calculateDrawdownSeries(values: ArrayLike<number>, start: number): Float64Array {
  checkStart(start);
  const out = new Float64Array(values.length);
  const meter = new DrawdownMeter();
  for (let t = 0; t < values.length; t++) {
    const level = valueLevel(values[t] as number, start);
    out[t] = level === level ? meter.push(level) : Number.NaN;
  }
  return out;
}
