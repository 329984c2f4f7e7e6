// The result's curves as one array per series and point (what the charts and sums read), built
// either from the result's point objects or straight from a run's typed arrays.
import type { PortfolioBacktestResult } from '@njord/portfolio-contracts';

/**
 * A run's curves kept columnar, as njord-backtest's engine keeps them: every series has one
 * value per bar of the run and the curve is the bars listed in `bars` (indices into the
 * series). The report reads these without building a point object per bar.
 */
export interface ReportCurves {
  /** The strategies of the series below, in their order. */
  readonly strategyIds: readonly string[];
  /** The bars in the curve, ascending (indices into every series). */
  readonly bars: ArrayLike<number>;
  /** Per bar: its time in nanoseconds since the epoch. */
  readonly timestamps: ArrayLike<bigint>;
  readonly equity: ArrayLike<number>;
  readonly cash: ArrayLike<number>;
  readonly unallocated: ArrayLike<number>;
  /** Per strategy (in `strategyIds` order), per bar: capital, target capital, drift. */
  readonly strategies: readonly ArrayLike<number>[];
  readonly targets: readonly ArrayLike<number>[];
  readonly drift: readonly ArrayLike<number>[];
  /** Per strategy, per bar: the base (unadjusted) target, with a risk adjustment only. */
  readonly baseTargets: readonly ArrayLike<number>[] | null;
  /** Per bar: the never-rebalanced baseline and the equal-weight benchmark. */
  readonly baseline: ArrayLike<number>;
  readonly benchmark: ArrayLike<number>;
  /** Per strategy (in `strategyIds` order), per bar: that strategy alone. */
  readonly standalone: readonly ArrayLike<number>[];
}

export type StrategyField = 'strategies' | 'targets' | 'drift' | 'baseTargets';

/** One value per curve point; NaN where a point has no value. */
export interface CurveView {
  readonly length: number;
  readonly timesNs: readonly bigint[];
  readonly equity: Float64Array;
  readonly unallocated: Float64Array;
  /** Every strategy id some point names, in first-seen order. */
  readonly ids: readonly string[];
  /** The ids of the first and the last point (what names the curve's strategies). */
  readonly endIds: readonly string[];
  /** Some point records base targets. */
  readonly hasBase: boolean;
  /** Per point: it records base targets. */
  readonly withBase: Uint8Array;
  /** A strategy's series (NaN where a point lacks it). */
  series(field: StrategyField, id: string): Float64Array;
  /** The other runs, sampled at the points (NaN before their first point). */
  readonly baseline: Float64Array;
  readonly benchmark: Float64Array;
  /** A strategy alone, or null when the result has no such run. */
  standalone(id: string): Float64Array | null;
}

interface TimedEquity {
  readonly timestampNs: bigint;
  readonly equity: number;
}

/**
 * Another curve's equity at each of `times` (sorted): its last point at or before the
 * time, NaN before its first point. Both inputs are in time order.
 */
export function sampleCurveAt(
  times: readonly bigint[],
  curve: readonly TimedEquity[],
): Float64Array {
  const out = new Float64Array(times.length).fill(Number.NaN);
  let j = -1;
  for (let i = 0; i < times.length; i++) {
    const time = times[i] as bigint;
    while (j + 1 < curve.length && (curve[j + 1] as TimedEquity).timestampNs <= time) j++;
    if (j >= 0) out[i] = (curve[j] as TimedEquity).equity;
  }
  return out;
}

/** The view of a result's point objects. */
export function viewOfResult(result: PortfolioBacktestResult): CurveView {
  const curve = result.equityCurve;
  const n = curve.length;
  const timesNs = curve.map((point) => point.timestampNs);
  const ids: string[] = [];
  const seen = new Set<string>();
  const withBase = new Uint8Array(n);
  let hasBase = false;
  for (let i = 0; i < n; i++) {
    const point = curve[i] as (typeof curve)[number];
    for (const record of [point.strategies, point.targets, point.drift, point.baseTargets]) {
      if (record === undefined) continue;
      for (const id of Object.keys(record)) {
        if (!seen.has(id)) {
          seen.add(id);
          ids.push(id);
        }
      }
    }
    if (point.baseTargets !== undefined) {
      withBase[i] = 1;
      hasBase = true;
    }
  }
  const endIds: string[] = [];
  for (const point of [curve[0], curve[n - 1]]) {
    if (point) for (const id of Object.keys(point.strategies)) endIds.push(id);
  }
  return {
    length: n,
    timesNs,
    equity: Float64Array.from(curve, (point) => point.equity),
    unallocated: Float64Array.from(curve, (point) => point.unallocated),
    ids,
    endIds,
    hasBase,
    withBase,
    series(field, id) {
      return Float64Array.from(curve, (point) => point[field]?.[id] ?? Number.NaN);
    },
    baseline: sampleCurveAt(timesNs, result.baseline.equityCurve),
    benchmark: sampleCurveAt(timesNs, result.benchmark.equityCurve),
    standalone(id) {
      const run = result.standalone[id];
      return run === undefined ? null : sampleCurveAt(timesNs, run.equityCurve);
    },
  };
}

/**
 * The view of a run's typed arrays: the values at `curves.bars`, the same numbers the
 * result's point objects hold (the other runs share the portfolio's bars). A stand-alone
 * curve is there when `summary.standalone` names the strategy.
 */
export function viewOfCurves(
  summary: Pick<PortfolioBacktestResult, 'standalone'>,
  curves: ReportCurves,
): CurveView {
  const n = curves.bars.length;
  const pick = (values: ArrayLike<number>): Float64Array => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = values[curves.bars[i] as number] as number;
    return out;
  };
  const timesNs: bigint[] = new Array<bigint>(n);
  for (let i = 0; i < n; i++) timesNs[i] = curves.timestamps[curves.bars[i] as number] as bigint;
  const ids = [...curves.strategyIds];
  const hasBase = curves.baseTargets !== null && n > 0;
  const index = new Map(ids.map((id, k) => [id, k]));
  return {
    length: n,
    timesNs,
    equity: pick(curves.equity),
    unallocated: pick(curves.unallocated),
    ids,
    endIds: n === 0 ? [] : [...ids, ...ids],
    hasBase,
    withBase: new Uint8Array(n).fill(hasBase ? 1 : 0),
    series(field, id) {
      const k = index.get(id);
      const all = field === 'baseTargets' ? curves.baseTargets : curves[field];
      const values = k === undefined || all === null ? undefined : all[k];
      return values === undefined ? new Float64Array(n).fill(Number.NaN) : pick(values);
    },
    baseline: pick(curves.baseline),
    benchmark: pick(curves.benchmark),
    standalone(id) {
      const k = index.get(id);
      const values = k === undefined ? undefined : curves.standalone[k];
      return values === undefined || summary.standalone[id] === undefined ? null : pick(values);
    },
  };
}
