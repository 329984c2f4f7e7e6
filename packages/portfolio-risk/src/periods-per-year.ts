// P (periods per year) inferred from bar spacing, by the same rule as the metrics (docs/metrics.md).

type Timestamps = BigInt64Array | readonly bigint[];

export const NANOSECONDS_PER_DAY = 86_400_000_000_000;
const DAYS_PER_YEAR = 365.25;

function medianOfSorted(sorted: Float64Array): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * P from the median spacing of increasing timestamps: < 0.75 day intraday (252 x the median
 * number of bars per UTC day), < 4 days daily (252), < 20 weekly (52), < 60 monthly (12),
 * longer round(365.25 / spacing). Null with fewer than two timestamps. The same rule as
 * `inferPeriodsPerYear` of @njord/portfolio-backtest (which this package cannot depend on).
 */
export function inferPeriodsPerYear(timestamps: Timestamps): number | null {
  const n = timestamps.length;
  if (n < 2) return null;
  const spacings = new Float64Array(n - 1);
  for (let t = 1; t < n; t++) {
    spacings[t - 1] =
      Number((timestamps[t] as bigint) - (timestamps[t - 1] as bigint)) / NANOSECONDS_PER_DAY;
  }
  spacings.sort();
  const median = medianOfSorted(spacings);
  if (median < 0.75) {
    const perDay: number[] = [];
    let day = Math.floor(Number(timestamps[0]) / NANOSECONDS_PER_DAY);
    let count = 0;
    for (let t = 0; t < n; t++) {
      const d = Math.floor(Number(timestamps[t]) / NANOSECONDS_PER_DAY);
      if (d !== day) {
        perDay.push(count);
        day = d;
        count = 0;
      }
      count++;
    }
    perDay.push(count);
    return 252 * Math.round(medianOfSorted(Float64Array.from(perDay).sort()));
  }
  if (median < 4) return 252;
  if (median < 20) return 52;
  if (median < 60) return 12;
  return Math.max(1, Math.round(DAYS_PER_YEAR / median));
}

/** P when nothing better is known (daily bars). */
export const DEFAULT_PERIODS_PER_YEAR = 252;
