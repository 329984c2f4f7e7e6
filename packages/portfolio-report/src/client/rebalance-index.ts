// Where each rebalance's rows start in the trade table, and time lookups over the rebalances.
import type { RebalanceColumns } from '../prepare.js';

export interface RebalanceIndex {
  readonly count: number;
  /** Seconds since the epoch of each rebalance, ascending. */
  readonly times: readonly number[];
  /** rowStart[i] .. rowStart[i + 1] are rebalance i's rows in the trade table. */
  readonly rowStart: Int32Array;
  /** The rebalance each trade-table row belongs to. */
  readonly rowRebalance: Int32Array;
}

export function indexRebalances(rebalances: RebalanceColumns, tradeRows: number): RebalanceIndex {
  const count = rebalances.time.length;
  const rowStart = new Int32Array(count + 1);
  for (let i = 0; i < count; i++) rowStart[i + 1] = (rowStart[i] ?? 0) + (rebalances.rows[i] ?? 0);
  const rowRebalance = new Int32Array(tradeRows);
  for (let i = 0; i < count; i++) rowRebalance.fill(i, rowStart[i], rowStart[i + 1]);
  return { count, times: rebalances.time, rowStart, rowRebalance };
}

/** The first index whose value is >= target (values ascending). */
export function lowerBound(values: readonly number[], target: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((values[middle] as number) < target) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The rebalance nearest in time (the earlier one on a tie), or -1 when there is none. */
export function nearestRebalance(index: RebalanceIndex, time: number): number {
  const times = index.times;
  if (index.count === 0) return -1;
  const at = lowerBound(times, time);
  if (at === 0) return 0;
  if (at >= index.count) return index.count - 1;
  return time - (times[at - 1] as number) <= (times[at] as number) - time ? at - 1 : at;
}
