// RollingReturnStats: per-bar incremental window statistics of every strategy's returns.
import { RiskError } from './errors.js';
import { inferPeriodsPerYear } from './periods-per-year.js';
import {
  logGrowth,
  sanitizeReturn,
  statsFromMoments,
  type AnnualizationOptions,
  type ReturnStats,
} from './return-stats.js';

export interface RollingReturnStatsOptions {
  /** Window length: after a bar at t, the window holds the bars with timestamp > t - windowNs. */
  readonly windowNs: bigint;
  /** Track the covariance matrix (O(n^2) per bar instead of O(n)); default true. */
  readonly covariance?: boolean;
  /** Initial ring capacity in bars (it doubles when full); default 64. */
  readonly initialCapacity?: number;
}

/** Incremental centred sums below this fraction of the squares they absorbed may be rounding noise. */
const CANCELLATION_RATIO = 1e-6;
/** A full rebase is never done more often than every this many evictions. */
const MIN_REBASE_INTERVAL = 64;

/**
 * Window statistics of n return series sampled together (one `push` per bar, strategies in a
 * fixed order), updated incrementally:
 *
 * - per strategy (its finite returns only; NaN = missing): count, mean, ddof-1 variance from
 *   shifted sums, O(1) per bar; max drawdown from a two-stack sliding-window aggregation of the
 *   log wealth path (each bar's aggregate is (sum, max prefix, min prefix, max drop), an
 *   associative combine), O(1) amortized per bar and O(1) per query, exact: no drift;
 * - the covariance (missing returns count as 0) from shifted co-moment sums, O(n^2) per bar.
 *
 * Rounding drift of the sums is bounded by an exact rebase (from the stored window) after as many
 * evictions as the window holds (amortized O(n^2) per bar), and a variance whose centred sum is
 * below 1e-6 of the squares its sums absorbed since their last rebase (rounding could then matter:
 * a near-constant window, or a huge return just evicted) is recomputed exactly from the window
 * on query (O(window), O(window x n^2) for the covariance; rare). Memory O(window x n)
 * (+ O(n^2) with the covariance).
 */
export class RollingReturnStats {
  readonly strategyIds: readonly string[];
  readonly windowNs: bigint;
  readonly tracksCovariance: boolean;
  private readonly n: number;
  private readonly index: ReadonlyMap<string, number>;
  private capacity: number;
  private mask: number;
  private timestamps: BigInt64Array;
  /** Sanitized returns (NaN = missing), ring position p at [p*n, p*n+n). */
  private values: Float64Array;
  /** log(1 + r) per value (0 for missing: the identity of the drawdown aggregate). */
  private growth: Float64Array;
  // Two-stack queue over absolute sequence numbers: front [head, mid), back [mid, tail).
  private head = 0;
  private mid = 0;
  private tail = 0;
  /** Suffix aggregates of the front stack (sum, max prefix, min prefix, max drop). */
  private frontSum: Float64Array;
  private frontMax: Float64Array;
  private frontMin: Float64Array;
  private frontDrop: Float64Array;
  /** Aggregate of the whole back stack, per strategy. */
  private readonly backSum: Float64Array;
  private readonly backMax: Float64Array;
  private readonly backMin: Float64Array;
  private readonly backDrop: Float64Array;
  // Finite-return moments, shifted by `shift` (a value of the window) against cancellation.
  private readonly counts: Float64Array;
  private readonly shift: Float64Array;
  private readonly sum: Float64Array;
  private readonly squares: Float64Array;
  /** Squares added or removed since the strategy's last rebase (bounds the rounding error). */
  private readonly absorbed: Float64Array;
  // Covariance co-moments of the imputed returns (missing = 0), shifted by `covShift`.
  private readonly covShift: Float64Array;
  private readonly covSum: Float64Array;
  private readonly coMoments: Float64Array;
  private readonly covAbsorbed: Float64Array;
  private readonly deviations: Float64Array;
  private evictedSinceRebase = 0;
  private lastPushNs: bigint | null = null;
  private cutoffNs: bigint | null = null;
  private cachedPeriods: number | null = null;
  private pushesAtCache = 0;
  private pushes = 0;

  constructor(strategyIds: readonly string[], options: RollingReturnStatsOptions) {
    if (typeof options.windowNs !== 'bigint' || options.windowNs <= 0n) {
      throw new RiskError(
        'invalid_options',
        `windowNs must be a bigint > 0, got ${String(options.windowNs)}`,
      );
    }
    this.strategyIds = Object.freeze([...strategyIds]);
    this.n = strategyIds.length;
    this.index = new Map(strategyIds.map((id, i) => [id, i]));
    if (this.index.size !== this.n)
      throw new RiskError('invalid_options', 'strategy ids must be unique');
    this.windowNs = options.windowNs;
    this.tracksCovariance = options.covariance ?? true;
    const requested = Math.max(2, Math.floor(options.initialCapacity ?? 64));
    this.capacity = 2 ** Math.ceil(Math.log2(requested));
    this.mask = this.capacity - 1;
    const n = this.n;
    this.timestamps = new BigInt64Array(this.capacity);
    this.values = new Float64Array(this.capacity * n);
    this.growth = new Float64Array(this.capacity * n);
    this.frontSum = new Float64Array(this.capacity * n);
    this.frontMax = new Float64Array(this.capacity * n);
    this.frontMin = new Float64Array(this.capacity * n);
    this.frontDrop = new Float64Array(this.capacity * n);
    this.backSum = new Float64Array(n);
    this.backMax = new Float64Array(n);
    this.backMin = new Float64Array(n);
    this.backDrop = new Float64Array(n);
    this.counts = new Float64Array(n);
    this.shift = new Float64Array(n);
    this.sum = new Float64Array(n);
    this.squares = new Float64Array(n);
    this.absorbed = new Float64Array(n);
    this.covShift = new Float64Array(this.tracksCovariance ? n : 0);
    this.covSum = new Float64Array(this.tracksCovariance ? n : 0);
    this.coMoments = new Float64Array(this.tracksCovariance ? n * n : 0);
    this.covAbsorbed = new Float64Array(this.tracksCovariance ? n : 0);
    this.deviations = new Float64Array(n);
  }

  /** Bars in the window. */
  get size(): number {
    return this.tail - this.head;
  }

  /** Timestamp of the last bar pushed (null before the first). */
  get latestNs(): bigint | null {
    return this.lastPushNs;
  }

  indexOf(strategyId: string): number | undefined {
    return this.index.get(strategyId);
  }

  /**
   * Adds one bar: `returns[i]` is strategy i's return over the bar ending at `timestampNs`
   * (NaN or +-Infinity = missing). Timestamps must increase strictly. Then evicts the bars with
   * timestamp <= timestampNs - windowNs.
   */
  push(timestampNs: bigint, returns: ArrayLike<number>): void {
    const n = this.n;
    if (returns.length !== n) {
      throw new RiskError('invalid_history', `push: expected ${n} returns, got ${returns.length}`);
    }
    if (this.lastPushNs !== null && timestampNs <= this.lastPushNs) {
      throw new RiskError(
        'invalid_history',
        `push: timestamps must increase, got ${timestampNs} after ${this.lastPushNs}`,
      );
    }
    if (this.tail - this.head === this.capacity) this.grow();
    const pos = this.tail & this.mask;
    const base = pos * n;
    this.timestamps[pos] = timestampNs;
    const values = this.values;
    const growth = this.growth;
    for (let i = 0; i < n; i++) {
      const v = sanitizeReturn(returns[i] as number);
      values[base + i] = v;
      let g = 0;
      if (v === v) {
        g = logGrowth(v);
        this.counts[i] = (this.counts[i] as number) + 1;
        const d = v - (this.shift[i] as number);
        this.sum[i] = (this.sum[i] as number) + d;
        this.squares[i] = (this.squares[i] as number) + d * d;
        this.absorbed[i] = (this.absorbed[i] as number) + d * d;
        // back = combine(back, element g)
        const s = this.backSum[i] as number;
        const up = g > 0 ? g : 0;
        const down = g < 0 ? g : 0;
        const cross = (this.backMax[i] as number) - s - down;
        const drop = (this.backDrop[i] as number) > -down ? (this.backDrop[i] as number) : -down;
        this.backDrop[i] = drop > cross ? drop : cross;
        if (s + up > (this.backMax[i] as number)) this.backMax[i] = s + up;
        if (s + down < (this.backMin[i] as number)) this.backMin[i] = s + down;
        this.backSum[i] = s + g;
      }
      growth[base + i] = g;
    }
    if (this.tracksCovariance) this.addCovariance(base, 1);
    this.tail++;
    this.pushes++;
    this.lastPushNs = timestampNs;
    this.evictThrough(timestampNs - this.windowNs);
  }

  /** Moves the window's end to `nowNs` without a bar (a live clock): evicts bars <= nowNs - windowNs. */
  advanceTo(nowNs: bigint): void {
    this.evictThrough(nowNs - this.windowNs);
  }

  /** Finite returns of strategy i in the window. */
  count(i: number): number {
    return this.counts[this.checkIndex(i)] as number;
  }

  /** Mean return per period of strategy i (null without finite returns). */
  mean(i: number): number | null {
    const c = this.counts[this.checkIndex(i)] as number;
    return c > 0 ? (this.shift[i] as number) + (this.sum[i] as number) / c : null;
  }

  /** ddof-1 variance per period of strategy i (null with fewer than two finite returns). */
  variance(i: number): number | null {
    const c = this.counts[this.checkIndex(i)] as number;
    if (c < 2) return null;
    let centred =
      (this.squares[i] as number) - ((this.sum[i] as number) * (this.sum[i] as number)) / c;
    if (centred <= CANCELLATION_RATIO * (this.absorbed[i] as number)) {
      this.rebaseStrategy(i);
      centred =
        (this.squares[i] as number) - ((this.sum[i] as number) * (this.sum[i] as number)) / c;
    }
    return centred > 0 ? centred / (c - 1) : 0;
  }

  /** Max drawdown of strategy i's wealth index over the window, in [-1, 0] (null without returns). */
  maxDrawdown(i: number): number | null {
    if ((this.counts[this.checkIndex(i)] as number) === 0) return null;
    let drop = this.backDrop[i] as number;
    if (this.head < this.mid) {
      const p = (this.head & this.mask) * this.n + i;
      const frontDrop = this.frontDrop[p] as number;
      const cross =
        (this.frontMax[p] as number) - (this.frontSum[p] as number) - (this.backMin[i] as number);
      if (frontDrop > drop) drop = frontDrop;
      if (cross > drop) drop = cross;
    }
    const drawdown = Math.expm1(-drop);
    return drawdown === 0 ? 0 : drawdown;
  }

  /** Annualized Sharpe of strategy i (null with fewer than two returns or zero volatility). */
  sharpe(i: number, options: AnnualizationOptions): number | null {
    return this.stats(i, options).sharpe;
  }

  /** All the window statistics of strategy i, by the same rules as `calculateReturnStats`. */
  stats(i: number, options: AnnualizationOptions): ReturnStats {
    const c = this.count(i);
    return statsFromMoments(
      c,
      this.mean(i) ?? 0,
      this.variance(i) ?? 0,
      this.maxDrawdown(i) ?? 0,
      options,
    );
  }

  /**
   * Writes the ddof-1 covariance of the window (n x n, row-major; missing returns count as 0)
   * into `out` and returns the number of bars it is computed from; with fewer than two bars the
   * matrix is all zeros.
   */
  covarianceInto(out: Float64Array): number {
    if (!this.tracksCovariance)
      throw new RiskError('invalid_options', 'covariance is not tracked (covariance: false)');
    const n = this.n;
    if (out.length < n * n)
      throw new RiskError('invalid_options', `covarianceInto: out needs ${n * n} entries`);
    const rows = this.size;
    if (rows < 2) {
      out.fill(0, 0, n * n);
      return rows;
    }
    for (let i = 0; i < n; i++) {
      const si = this.covSum[i] as number;
      const centred = (this.coMoments[i * n + i] as number) - (si * si) / rows;
      if (centred < CANCELLATION_RATIO * (this.covAbsorbed[i] as number)) {
        this.rebaseCovariance();
        break;
      }
    }
    for (let i = 0; i < n; i++) {
      const si = this.covSum[i] as number;
      for (let j = i; j < n; j++) {
        let c =
          ((this.coMoments[i * n + j] as number) - (si * (this.covSum[j] as number)) / rows) /
          (rows - 1);
        if (i === j && c < 0) c = 0;
        out[i * n + j] = c;
        out[j * n + i] = c;
      }
    }
    return rows;
  }

  /** A copy of the window's timestamps, oldest first. */
  windowTimestamps(): BigInt64Array {
    const out = new BigInt64Array(this.size);
    for (let s = this.head, k = 0; s < this.tail; s++, k++)
      out[k] = this.timestamps[s & this.mask] as bigint;
    return out;
  }

  /** A copy of strategy i's window returns (sanitized; NaN = missing), oldest first. */
  windowReturns(i: number): Float64Array {
    this.checkIndex(i);
    const out = new Float64Array(this.size);
    for (let s = this.head, k = 0; s < this.tail; s++, k++)
      out[k] = this.values[(s & this.mask) * this.n + i] as number;
    return out;
  }

  /**
   * P inferred from the window's bar spacing (the rule in docs/metrics.md), or null with fewer than two
   * bars. Cached until as many bars as the window held have been pushed (amortized O(log window)).
   */
  inferPeriodsPerYear(): number | null {
    if (this.cachedPeriods !== null && this.pushes - this.pushesAtCache < Math.max(1, this.size)) {
      return this.cachedPeriods;
    }
    const periods = inferPeriodsPerYear(this.windowTimestamps());
    this.cachedPeriods = periods;
    this.pushesAtCache = this.pushes;
    return periods;
  }

  private checkIndex(i: number): number {
    if (!(i >= 0 && i < this.n) || !Number.isInteger(i)) {
      throw new RiskError(
        'unknown_strategy',
        `strategy index ${String(i)} out of range [0, ${this.n})`,
      );
    }
    return i;
  }

  /** Adds (sign 1) or removes (sign -1) the bar at ring offset `base` from the co-moments. */
  private addCovariance(base: number, sign: 1 | -1): void {
    const n = this.n;
    const d = this.deviations;
    for (let i = 0; i < n; i++) {
      const v = this.values[base + i] as number;
      const x = (v === v ? v : 0) - (this.covShift[i] as number);
      d[i] = x;
      this.covSum[i] = (this.covSum[i] as number) + sign * x;
      this.covAbsorbed[i] = (this.covAbsorbed[i] as number) + x * x;
    }
    const m = this.coMoments;
    for (let i = 0; i < n; i++) {
      const di = sign * (d[i] as number);
      if (di === 0) continue;
      const row = i * n;
      for (let j = i; j < n; j++) m[row + j] = (m[row + j] as number) + di * (d[j] as number);
    }
  }

  private evictThrough(cutoffNs: bigint): void {
    if (this.cutoffNs !== null && cutoffNs <= this.cutoffNs) return;
    this.cutoffNs = cutoffNs;
    while (this.head < this.tail && (this.timestamps[this.head & this.mask] as bigint) <= cutoffNs)
      this.evictHead();
    if (this.evictedSinceRebase >= Math.max(MIN_REBASE_INTERVAL, this.size)) this.rebase();
  }

  private evictHead(): void {
    if (this.head === this.mid) this.flip();
    const n = this.n;
    const base = (this.head & this.mask) * n;
    for (let i = 0; i < n; i++) {
      const v = this.values[base + i] as number;
      if (v !== v) continue;
      this.counts[i] = (this.counts[i] as number) - 1;
      const d = v - (this.shift[i] as number);
      this.sum[i] = (this.sum[i] as number) - d;
      this.squares[i] = (this.squares[i] as number) - d * d;
      this.absorbed[i] = (this.absorbed[i] as number) + d * d;
    }
    if (this.tracksCovariance) this.addCovariance(base, -1);
    this.head++;
    this.evictedSinceRebase++;
    if (this.head === this.tail) {
      // Empty window: start the sums afresh (exact zeros).
      this.rebase();
    }
  }

  /** Moves the whole back stack to the front, computing its suffix aggregates (O(back size)). */
  private flip(): void {
    const n = this.n;
    const mask = this.mask;
    const g = this.growth;
    let next = -1;
    for (let s = this.tail - 1; s >= this.head; s--) {
      const base = (s & mask) * n;
      for (let i = 0; i < n; i++) {
        const x = g[base + i] as number;
        const up = x > 0 ? x : 0;
        const down = x < 0 ? x : 0;
        if (next < 0) {
          this.frontSum[base + i] = x;
          this.frontMax[base + i] = up;
          this.frontMin[base + i] = down;
          this.frontDrop[base + i] = -down;
        } else {
          // element x combined with the suffix that follows it
          const p = next + i;
          const sum = this.frontSum[p] as number;
          const max = this.frontMax[p] as number;
          const min = this.frontMin[p] as number;
          const drop = this.frontDrop[p] as number;
          const cross = up - x - min;
          let d = drop > -down ? drop : -down;
          if (cross > d) d = cross;
          this.frontSum[base + i] = x + sum;
          this.frontMax[base + i] = up > x + max ? up : x + max;
          this.frontMin[base + i] = down < x + min ? down : x + min;
          this.frontDrop[base + i] = d;
        }
      }
      next = base;
    }
    this.mid = this.tail;
    this.backSum.fill(0);
    this.backMax.fill(0);
    this.backMin.fill(0);
    this.backDrop.fill(0);
  }

  /** Exact recomputation of every shifted sum from the stored window. */
  private rebase(): void {
    for (let i = 0; i < this.n; i++) this.rebaseStrategy(i);
    if (this.tracksCovariance) this.rebaseCovariance();
    this.evictedSinceRebase = 0;
  }

  /** Exact recomputation of the co-moments, shifted by the latest bar's (imputed) returns. */
  private rebaseCovariance(): void {
    const n = this.n;
    const last = this.tail > this.head ? ((this.tail - 1) & this.mask) * n : -1;
    for (let i = 0; i < n; i++) {
      const v = last >= 0 ? (this.values[last + i] as number) : 0;
      this.covShift[i] = v === v ? v : 0;
    }
    this.covSum.fill(0);
    this.coMoments.fill(0);
    this.covAbsorbed.fill(0);
    for (let s = this.head; s < this.tail; s++) this.addCovariance((s & this.mask) * n, 1);
  }

  /** Exact recomputation of strategy i's shifted moments, shifted by its latest finite return. */
  private rebaseStrategy(i: number): void {
    const n = this.n;
    const mask = this.mask;
    let shift = 0;
    for (let s = this.tail - 1; s >= this.head; s--) {
      const v = this.values[(s & mask) * n + i] as number;
      if (v === v) {
        shift = v;
        break;
      }
    }
    let sum = 0;
    let squares = 0;
    for (let s = this.head; s < this.tail; s++) {
      const v = this.values[(s & mask) * n + i] as number;
      if (v !== v) continue;
      const d = v - shift;
      sum += d;
      squares += d * d;
    }
    this.shift[i] = shift;
    this.sum[i] = sum;
    this.squares[i] = squares;
    this.absorbed[i] = squares;
  }

  private grow(): void {
    const n = this.n;
    const oldMask = this.mask;
    const capacity = this.capacity * 2;
    const mask = capacity - 1;
    const timestamps = new BigInt64Array(capacity);
    const arrays = [
      this.values,
      this.growth,
      this.frontSum,
      this.frontMax,
      this.frontMin,
      this.frontDrop,
    ];
    const grown = arrays.map(() => new Float64Array(capacity * n));
    for (let s = this.head; s < this.tail; s++) {
      const from = s & oldMask;
      const to = s & mask;
      timestamps[to] = this.timestamps[from] as bigint;
      for (let a = 0; a < arrays.length; a++) {
        (grown[a] as Float64Array).set(
          (arrays[a] as Float64Array).subarray(from * n, from * n + n),
          to * n,
        );
      }
    }
    this.capacity = capacity;
    this.mask = mask;
    this.timestamps = timestamps;
    [this.values, this.growth, this.frontSum, this.frontMax, this.frontMin, this.frontDrop] =
      grown as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  }
}
