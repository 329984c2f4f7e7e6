// A backtest result whose curves stay in typed arrays: written to a file from the arrays,
// turned into the object form (`PortfolioBacktestResult`) only when asked.
import { createIdRecord, setId } from '@njord/portfolio-contracts/core';
import type {
  EquityPoint,
  PortfolioBacktestResult,
  RebalanceRecord,
} from '@njord/portfolio-contracts';
import type { RebalanceSink } from './simulate.js';

/**
 * A run's rebalance records kept outside the summary as they are made (a spill file), read
 * back in order as often as asked.
 */
export interface RebalanceStore extends RebalanceSink {
  /** Records added so far. */
  readonly count: number;
  /** The records, in the order they were added. */
  records(): Iterable<RebalanceRecord>;
  /** Each record's JSON text, `JSON.stringify(encodeRebalanceRecord(record))`, in order. */
  texts(): Iterable<string>;
}

/** Every curve of a run, columnar. Index `bars[i]` of each full-length series is point i. */
export interface BacktestCurves {
  readonly strategyIds: readonly string[];
  /** The bars kept in the curves (every bar unless `curve_every` > 1; rebalance bars always). */
  readonly bars: Int32Array;
  /** Per bar of the run (full length): its timestamp in ns. */
  readonly timestamps: BigInt64Array;
  readonly equity: Float64Array;
  readonly cash: Float64Array;
  readonly unallocated: Float64Array;
  /** Per strategy (config order), per bar: capital, target, drift; base targets with risk adjustment. */
  readonly strategies: readonly Float64Array[];
  readonly targets: readonly Float64Array[];
  readonly drift: readonly Float64Array[];
  readonly baseTargets: readonly Float64Array[] | null;
  readonly baseline: Float64Array;
  readonly benchmark: Float64Array;
  /** Per strategy (config order): its equity run alone. */
  readonly standalone: readonly Float64Array[];
}

/**
 * `summary` is the result with empty curves; `curves` holds them. With a `rebalanceStore`,
 * the rebalances are in it and `summary.rebalances` is empty.
 */
export class ColumnarBacktestResult {
  constructor(
    readonly summary: PortfolioBacktestResult,
    readonly curves: BacktestCurves,
    readonly rebalanceStore: RebalanceStore | null = null,
  ) {}

  /** How many rebalances ran. */
  get rebalanceCount(): number {
    return this.rebalanceStore?.count ?? this.summary.rebalances.length;
  }

  /** The rebalances in time order, from the store or the summary. */
  rebalanceRecords(): Iterable<RebalanceRecord> {
    return this.rebalanceStore?.records() ?? this.summary.rebalances;
  }

  /** The result with its curves as point objects (what the report and the JSON codec read). */
  toResult(): PortfolioBacktestResult {
    const c = this.curves;
    const ids = c.strategyIds;
    const equityCurve: EquityPoint[] = [];
    for (const bar of c.bars) {
      const point: EquityPoint = {
        timestampNs: c.timestamps[bar] as bigint,
        equity: c.equity[bar] as number,
        cash: c.cash[bar] as number,
        unallocated: c.unallocated[bar] as number,
        strategies: pick(ids, c.strategies, bar),
        targets: pick(ids, c.targets, bar),
        drift: pick(ids, c.drift, bar),
        ...(c.baseTargets === null ? {} : { baseTargets: pick(ids, c.baseTargets, bar) }),
      };
      equityCurve.push(point);
    }
    const standalone = createIdRecord<PortfolioBacktestResult['standalone'][string]>();
    ids.forEach((id, k) => {
      const alone = this.summary.standalone[id];
      if (alone === undefined) return;
      standalone[id] = {
        equityCurve: equityOnly(c.timestamps, c.standalone[k] as Float64Array, c.bars),
        metrics: alone.metrics,
      };
    });
    return {
      ...this.summary,
      ...(this.rebalanceStore === null ? {} : { rebalances: [...this.rebalanceStore.records()] }),
      equityCurve,
      baseline: { equityCurve: equityOnly(c.timestamps, c.baseline, c.bars) },
      benchmark: { equityCurve: equityOnly(c.timestamps, c.benchmark, c.bars) },
      standalone,
    };
  }
}

function pick(
  ids: readonly string[],
  series: readonly Float64Array[],
  bar: number,
): Record<string, number> {
  // One per bar: a plain object (fast), `__proto__` set as a key like any other.
  const out: Record<string, number> = {};
  series.forEach((values, k) => setId(out, ids[k] as string, values[bar] as number));
  return out;
}

function equityOnly(
  timestamps: BigInt64Array,
  equity: Float64Array,
  bars: Int32Array,
): { timestampNs: bigint; equity: number }[] {
  return Array.from(bars, (bar) => ({
    timestampNs: timestamps[bar] as bigint,
    equity: equity[bar] as number,
  }));
}
