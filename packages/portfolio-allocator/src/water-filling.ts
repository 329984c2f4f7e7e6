// Water-filling of equity into targets under per-strategy bounds, over Float64Arrays.

/** Targets are `clamp(lambda * w, min, max)` and sum to equity. */
export const ALLOCATION_WITHIN_BOUNDS = 0;
/** Equity below the sum of the mins: targets are the mins scaled down pro rata. */
export const ALLOCATION_BOUNDS_VIOLATED = 1;
/** Equity above the sum of the maxes: targets are the maxes, the rest is unallocated. */
export const ALLOCATION_CAPPED = 2;
export type AllocationStatus =
  typeof ALLOCATION_WITHIN_BOUNDS | typeof ALLOCATION_BOUNDS_VIOLATED | typeof ALLOCATION_CAPPED;

/** Weights below this fraction of the largest weight count as 0. */
export const MIN_RELATIVE_WEIGHT = 1e-200;

function clamp(value: number, low: number, high: number): number {
  return value < low ? low : value > high ? high : value;
}

/** sum_i clamp(lambda * w_i, min_i, max_i): non-decreasing and piecewise linear in lambda. */
function filledAt(
  lambda: number,
  n: number,
  weights: Float64Array,
  mins: Float64Array,
  maxs: Float64Array,
): number {
  let sum = 0;
  for (let i = 0; i < n; i++)
    sum += clamp(lambda * (weights[i] as number), mins[i] as number, maxs[i] as number);
  return sum;
}

/**
 * What of the water-filling depends on the weights and bounds only (not on equity), worked
 * out once per weight vector by `prepareAllocation`: the weights scaled to a largest of 1,
 * the sums of the bounds and the sorted breakpoints. `allocatePreparedInto` then does only
 * the per-equity work. Read-only once made.
 */
export interface PreparedAllocation {
  /** Number of strategies. */
  readonly n: number;
  /** Weights scaled to a largest weight of 1; below `MIN_RELATIVE_WEIGHT` of it, 0. */
  readonly scaled: Float64Array;
  readonly mins: Float64Array;
  readonly maxs: Float64Array;
  readonly sumMin: number;
  readonly sumMax: number;
  /** Sum of targets as lambda -> infinity: weighted strategies at max, zero-weight ones at min. */
  readonly filledAtInfinity: number;
  /** Sum of (max - min) over the zero-weight strategies. */
  readonly zeroWeightHeadroom: number;
  /** min_i/w_i and max_i/w_i of the weighted strategies, ascending. */
  readonly breakpoints: Float64Array;
}

/**
 * Prepares weights and bounds for `allocatePreparedInto` (copies them: later changes to the
 * arrays passed do not reach the result). Same input rules as `allocateTargetsInto`.
 */
export function prepareAllocation(
  weights: Float64Array,
  mins: Float64Array,
  maxs: Float64Array,
): PreparedAllocation {
  const n = weights.length;
  // Weights scaled to a largest weight of 1 (the targets do not depend on their scale), so a
  // tiny or subnormal weight cannot overflow a breakpoint; below 1e-200 of the largest counts as 0.
  const scaled = new Float64Array(n);
  let largest = 0;
  for (let i = 0; i < n; i++) if ((weights[i] as number) > largest) largest = weights[i] as number;
  for (let i = 0; i < n; i++) {
    const w = largest > 0 ? (weights[i] as number) / largest : 0;
    scaled[i] = w > MIN_RELATIVE_WEIGHT ? w : 0;
  }
  let sumMin = 0;
  let sumMax = 0;
  let filledAtInfinity = 0;
  let zeroWeightHeadroom = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const min = mins[i] as number;
    const max = maxs[i] as number;
    sumMin += min;
    sumMax += max;
    if ((scaled[i] as number) > 0) {
      filledAtInfinity += max;
      count += 2;
    } else {
      filledAtInfinity += min;
      zeroWeightHeadroom += max - min;
    }
  }
  // The sum of targets is linear between consecutive breakpoints min_i/w_i, max_i/w_i.
  const breakpoints = new Float64Array(count);
  count = 0;
  for (let i = 0; i < n; i++) {
    const w = scaled[i] as number;
    if (w > 0) {
      breakpoints[count++] = (mins[i] as number) / w;
      breakpoints[count++] = (maxs[i] as number) / w;
    }
  }
  breakpoints.sort();
  return {
    n,
    scaled,
    mins: Float64Array.from(mins.subarray(0, n)),
    maxs: Float64Array.from(maxs.subarray(0, n)),
    sumMin,
    sumMax,
    filledAtInfinity,
    zeroWeightHeadroom,
    breakpoints,
  };
}

/**
 * Writes each strategy's target capital for `equity` into `out[0..n)` from a prepared
 * weight vector and returns the allocation status (the rules of `allocateTargetsInto`).
 * Allocates nothing.
 */
export function allocatePreparedInto(
  out: Float64Array,
  equity: number,
  prepared: PreparedAllocation,
): AllocationStatus {
  const { n, scaled, mins, maxs, sumMin, sumMax, filledAtInfinity } = prepared;
  if (equity <= sumMin) {
    const scale = equity > 0 && sumMin > 0 ? equity / sumMin : 0;
    for (let i = 0; i < n; i++) out[i] = (mins[i] as number) * scale;
    return equity < sumMin ? ALLOCATION_BOUNDS_VIOLATED : ALLOCATION_WITHIN_BOUNDS;
  }
  if (equity >= sumMax) {
    for (let i = 0; i < n; i++) out[i] = maxs[i] as number;
    return equity > sumMax ? ALLOCATION_CAPPED : ALLOCATION_WITHIN_BOUNDS;
  }
  if (equity >= filledAtInfinity) {
    // Only zero-weight strategies can still grow: they share the rest by headroom.
    // zeroWeightHeadroom > 0 here since equity < sumMax = filledAtInfinity + zeroWeightHeadroom.
    const share = (equity - filledAtInfinity) / prepared.zeroWeightHeadroom;
    for (let i = 0; i < n; i++) {
      const min = mins[i] as number;
      const max = maxs[i] as number;
      out[i] = (scaled[i] as number) > 0 ? max : min + share * (max - min);
    }
    return ALLOCATION_WITHIN_BOUNDS;
  }

  // sumMin <= equity < filledAtInfinity: lambda lies in (0, largest breakpoint]. Find the
  // bracketing pair of breakpoints by binary search, then solve the linear piece exactly.
  const sorted = prepared.breakpoints;
  // Smallest k with filledAt(sorted[k]) >= equity; it exists since filledAt(last) = filledAtInfinity.
  let low = 0;
  let high = sorted.length - 1;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (filledAt(sorted[mid] as number, n, scaled, mins, maxs) >= equity) high = mid;
    else low = mid + 1;
  }
  const upper = sorted[low] as number;
  const lower = low > 0 ? (sorted[low - 1] as number) : 0;
  // filledAt(lower) < equity <= filledAt(upper), so upper > lower and some strategy is free
  // (strictly inside its bounds) on the open interval; classify them at its midpoint.
  const probe = 0.5 * (lower + upper);
  let fixed = 0;
  let freeWeight = 0;
  for (let i = 0; i < n; i++) {
    const w = scaled[i] as number;
    const min = mins[i] as number;
    const max = maxs[i] as number;
    const x = probe * w;
    if (x > min && x < max) freeWeight += w;
    else fixed += x <= min ? min : max;
  }
  // freeWeight is > 0 in exact arithmetic; the guard covers breakpoints a rounding error apart.
  const lambda = freeWeight > 0 ? clamp((equity - fixed) / freeWeight, lower, upper) : upper;
  for (let i = 0; i < n; i++)
    out[i] = clamp(lambda * (scaled[i] as number), mins[i] as number, maxs[i] as number);
  return ALLOCATION_WITHIN_BOUNDS;
}

/** The last weight vector each `weights` array was prepared for (contents, not identity). */
interface PreparedEntry {
  readonly weights: Float64Array;
  readonly mins: Float64Array;
  readonly maxs: Float64Array;
  readonly prepared: PreparedAllocation;
}
const preparedFor = new WeakMap<Float64Array, PreparedEntry>();

function sameValues(a: Float64Array, b: Float64Array, n: number): boolean {
  if (a.length < n || b.length < n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Writes each strategy's target capital into `out[0..n)` (n = weights.length) and
 * returns the allocation status. Inputs must be finite with weights >= 0 and
 * 0 <= min <= max (the config schema guarantees it; not re-checked here, for speed).
 * Only the ratios of the weights matter; a weight below `MIN_RELATIVE_WEIGHT` times the
 * largest counts as 0.
 *
 * - sum(min) <= equity <= sum(max): `out_i = clamp(lambda * w_i, min_i, max_i)` with the
 *   unique lambda making the targets sum to equity. When the strategies with weight > 0
 *   are all at their max and equity is still not used up, the remainder goes to the
 *   zero-weight strategies in proportion to their headroom (max - min).
 * - equity < sum(min): the mins scaled by equity / sum(min) (all 0 when equity <= 0).
 * - equity > sum(max): the maxes; `equity - sum(out)` is the unallocated cash.
 *
 * The equity-independent part (`prepareAllocation`) is kept per `weights` array and
 * reused while the three arrays hold the same values as at the last call (checked each
 * call, so changing them in place is safe). `scratch` is no longer needed (kept for callers).
 */
export function allocateTargetsInto(
  out: Float64Array,
  equity: number,
  weights: Float64Array,
  mins: Float64Array,
  maxs: Float64Array,
  _scratch?: Float64Array,
): AllocationStatus {
  const n = weights.length;
  let entry = preparedFor.get(weights);
  if (
    entry === undefined ||
    !sameValues(entry.weights, weights, n) ||
    !sameValues(entry.mins, mins, n) ||
    !sameValues(entry.maxs, maxs, n) ||
    entry.weights.length !== n
  ) {
    const prepared = prepareAllocation(weights, mins, maxs);
    entry = {
      weights: Float64Array.from(weights),
      mins: prepared.mins,
      maxs: prepared.maxs,
      prepared,
    };
    preparedFor.set(weights, entry);
  }
  return allocatePreparedInto(out, equity, entry.prepared);
}

/** Drift kept finite (snapshots and plans carry it on the wire): overflow clamps to +-MAX_VALUE. */
export function finiteDrift(drift: number): number {
  return drift > Number.MAX_VALUE
    ? Number.MAX_VALUE
    : drift < -Number.MAX_VALUE
      ? -Number.MAX_VALUE
      : drift;
}

/**
 * Signed relative drift into `out`: `(capital_i - target_i) / target_i`, and
 * `capital_i / equity` where the target is 0 (0 when equity <= 0 as well); overflow clamps
 * to +-Number.MAX_VALUE.
 */
export function calculateDriftInto(
  out: Float64Array,
  capital: Float64Array,
  targets: Float64Array,
  equity: number,
): void {
  const n = capital.length;
  for (let i = 0; i < n; i++) {
    const c = capital[i] as number;
    const t = targets[i] as number;
    out[i] = finiteDrift(t !== 0 ? (c - t) / t : equity > 0 ? c / equity : 0);
  }
}
