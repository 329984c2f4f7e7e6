// Min-max downsampling for drawing: per bucket, each series' extremes survive, and so does every pinned bar.

export interface DownsampleOptions {
  /**
   * The most points one series keeps when the length exceeds it: the bars are cut into
   * `floor(maxPoints / 2)` buckets and each keeps its min and its max.
   */
  readonly maxPoints: number;
  /** Indices always kept, whatever their values (rebalance bars). Any order; duplicates allowed. */
  readonly keep?: ArrayLike<number>;
}

/**
 * The sorted, distinct indices to draw of `length` aligned values per series.
 *
 * At or below `maxPoints` bars, every index. Above it, the bars are cut into
 * `B = floor(maxPoints / 2)` buckets, bucket `b` covering
 * `[floor(b * length / B), floor((b + 1) * length / B))`; in every bucket, for every
 * series, the index of its minimum and of its maximum (first occurrence; `null` and
 * non-finite values ignored) is kept, plus the first and last bar and every index in
 * `keep`. So a line through the kept points reaches every bucket's extremes of every
 * series, at their own times. At most `2 * B * series.length + 2 + keep.length` indices.
 */
export function downsampleMinMax(
  length: number,
  series: readonly ArrayLike<number | null>[],
  options: DownsampleOptions,
): number[] {
  if (!Number.isInteger(length) || length < 0) {
    throw new RangeError(
      `downsampleMinMax: length must be a non-negative integer, got ${String(length)}`,
    );
  }
  if (!Number.isInteger(options.maxPoints) || options.maxPoints < 2) {
    throw new RangeError(
      `downsampleMinMax: maxPoints must be an integer >= 2, got ${String(options.maxPoints)}`,
    );
  }
  if (length <= options.maxPoints) return Array.from({ length }, (_, index) => index);

  const marked = new Uint8Array(length);
  marked[0] = 1;
  marked[length - 1] = 1;
  const keep = options.keep;
  if (keep !== undefined) {
    for (let k = 0; k < keep.length; k++) {
      const index = keep[k] as number;
      if (Number.isInteger(index) && index >= 0 && index < length) marked[index] = 1;
    }
  }
  const buckets = Math.floor(options.maxPoints / 2);
  for (const values of series) {
    for (let bucket = 0; bucket < buckets; bucket++) {
      const from = Math.floor((bucket * length) / buckets);
      const to = Math.floor(((bucket + 1) * length) / buckets);
      let minIndex = -1;
      let maxIndex = -1;
      let min = Infinity;
      let max = -Infinity;
      for (let index = from; index < to; index++) {
        const value = values[index];
        if (value === null || value === undefined || !Number.isFinite(value)) continue;
        if (value < min) {
          min = value;
          minIndex = index;
        }
        if (value > max) {
          max = value;
          maxIndex = index;
        }
      }
      if (minIndex >= 0) marked[minIndex] = 1;
      if (maxIndex >= 0) marked[maxIndex] = 1;
    }
  }
  const kept: number[] = [];
  for (let index = 0; index < length; index++) if (marked[index] === 1) kept.push(index);
  return kept;
}
