// Band-edge rebalancing: the capital each sleeve is moved to when a rebalance goes only as far
// as the edge of the sleeve's tolerance band instead of all the way to target.

/** The tolerance band of one sleeve: capital in `[low, high]` does not trigger a rebalance. */
export interface Band {
  readonly low: number;
  readonly high: number;
}

export interface BandRules {
  /** Relative drift threshold: the band is `target x (1 +/- threshold)`. */
  readonly threshold: number;
  /** Absolute drift threshold in weight points: the half-width is at most `limit x equity`. */
  readonly absoluteThreshold?: number | undefined;
  /** Portfolio equity (capital plus unallocated cash). */
  readonly equity: number;
}

/**
 * The band of a sleeve: `target +/- w` with `w = threshold x |target|`, narrowed to
 * `absoluteThreshold x equity` when that is set (the trigger fires past either), then
 * narrowed to the allocation's `[minCapital, maxCapital]` where that still holds the target
 * (a rebalance never leaves a sleeve outside its bounds). A target of 0 has the band [0, 0].
 */
export function bandOf(
  target: number,
  rules: BandRules,
  bounds?: { readonly minCapital: number; readonly maxCapital: number },
): Band {
  let half = rules.threshold * Math.abs(target);
  if (rules.absoluteThreshold !== undefined)
    half = Math.min(half, rules.absoluteThreshold * Math.max(0, rules.equity));
  let low = target - half;
  let high = target + half;
  if (bounds !== undefined) {
    low = Math.max(low, Math.min(bounds.minCapital, target));
    high = Math.min(high, Math.max(bounds.maxCapital, target));
  }
  return { low, high };
}

export type BandEdgeResult =
  { readonly fallback: false; readonly capital: Map<string, number> } | { readonly fallback: true };

/**
 * Capital after a band-edge rebalance, by id (the ids of `targets`):
 * - a sleeve beyond its band (by more than `tolerance`) goes to the band's nearest edge;
 * - the sleeves inside their bands absorb the net amount `sum(targets) - sum(new capital of
 *   the others) - sum(their capital)` in proportion to their targets;
 * - when that would push any of them past its own band edge (by more than `tolerance`), or
 *   there is an amount to absorb and no target inside to absorb it, the result is
 *   `{fallback: true}`: the caller rebalances to target instead.
 * The new capital sums to `sum(targets)`, as a rebalance to target does.
 */
export function bandEdgeCapital(
  capital: ReadonlyMap<string, number>,
  targets: Readonly<Record<string, number>>,
  bands: ReadonlyMap<string, Band>,
  tolerance: number,
): BandEdgeResult {
  const result = new Map<string, number>();
  const inside: string[] = [];
  let targetSum = 0;
  let placed = 0; // new capital of the sleeves beyond their bands
  let insideCapital = 0;
  let insideTargets = 0;
  for (const id in targets) {
    const target = targets[id] as number;
    targetSum += target;
    const current = capital.get(id) ?? 0;
    const band = bands.get(id) ?? { low: target, high: target };
    if (current > band.high + tolerance) {
      result.set(id, band.high);
      placed += band.high;
    } else if (current < band.low - tolerance) {
      result.set(id, band.low);
      placed += band.low;
    } else {
      inside.push(id);
      insideCapital += current;
      insideTargets += target;
    }
  }
  const net = targetSum - placed - insideCapital;
  if (Math.abs(net) <= tolerance) {
    for (const id of inside) result.set(id, capital.get(id) ?? 0);
    return { fallback: false, capital: result };
  }
  if (!(insideTargets > 0)) return { fallback: true };
  for (const id of inside) {
    const target = targets[id] as number;
    const next = (capital.get(id) ?? 0) + (net * target) / insideTargets;
    const band = bands.get(id) ?? { low: target, high: target };
    if (next > band.high + tolerance || next < band.low - tolerance) return { fallback: true };
    result.set(id, next);
  }
  return { fallback: false, capital: result };
}
