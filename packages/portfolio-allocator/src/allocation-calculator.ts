// AllocationCalculator: a portfolio config's targets, drift and rebalance trigger by strategy id.
import { createIdRecord, spanNs } from '@njord/portfolio-contracts/core';
import type { PortfolioConfig } from '@njord/portfolio-contracts';
import { AllocatorError } from './errors.js';
import {
  ALLOCATION_BOUNDS_VIOLATED,
  allocatePreparedInto,
  finiteDrift,
  type PreparedAllocation,
  prepareAllocation,
} from './water-filling.js';

export interface TargetAllocation {
  /** strategy id -> target capital (config strategies, plus 0 for unknown ids holding capital). */
  readonly targets: Readonly<Record<string, number>>;
  /** Sum of current capital + unallocated cash. */
  readonly equity: number;
  /** equity - sum(targets): > 0 only when equity > sum(max). */
  readonly unallocated: number;
  /** equity < sum(min): the mins scaled down pro rata. */
  readonly boundsViolated: boolean;
}

export type RebalanceTiming = { readonly nowNs: bigint; readonly lastRebalanceNs: bigint };

/** What turns relative drift into weight points: the targets it was measured against and equity. */
export type DriftScale = {
  readonly targets: Readonly<Record<string, number>> | Float64Array;
  readonly equity: number;
};

export type AllocationOptions = {
  readonly weights?: Readonly<Record<string, number>>;
  /**
   * Strategies whose target is 0 whatever their weight and bounds (paused by a breaker); the
   * others share the equity by their weights. Unknown ids are ignored.
   */
  readonly paused?: Iterable<string>;
};

const NANOSECONDS_PER_HOUR = 3_600_000_000_000;

function assertFinite(value: number, what: string): void {
  if (!Number.isFinite(value)) {
    throw new AllocatorError(
      'non_finite_input',
      `${what} must be a finite number, got ${String(value)}`,
    );
  }
}

export class AllocationCalculator {
  readonly config: PortfolioConfig;
  /** Strategy ids in config order; index i of the arrays below. */
  readonly strategyIds: readonly string[];
  private readonly weights: Float64Array;
  private readonly mins: Float64Array;
  private readonly maxs: Float64Array;
  private readonly index: ReadonlyMap<string, number>;
  private readonly frequencyNs: bigint | null;
  private readonly targetBuffer: Float64Array;
  /** The weights and bounds prepared once (an instance's weight vector never changes). */
  private readonly prepared: PreparedAllocation;
  private readonly options: AllocationOptions | undefined;
  private readonly pausedIds: ReadonlySet<string>;

  constructor(config: PortfolioConfig, options?: AllocationOptions) {
    this.options = options;
    this.config = config;
    const n = config.allocations.length;
    this.strategyIds = Object.freeze(config.allocations.map((a) => a.strategyId));
    this.index = new Map(this.strategyIds.map((id, i) => [id, i]));
    this.mins = new Float64Array(n);
    this.maxs = new Float64Array(n);
    this.weights = new Float64Array(n);
    config.allocations.forEach((a, i) => {
      this.mins[i] = a.minCapital;
      this.maxs[i] = a.maxCapital;
      this.weights[i] = a.targetWeight;
    });
    const override = options?.weights;
    if (override !== undefined) {
      // Ids the override leaves out get weight 0: it is the whole risk-adjusted weight vector.
      this.weights.fill(0);
      for (const [id, weight] of Object.entries(override)) {
        const i = this.index.get(id);
        if (i === undefined)
          throw new AllocatorError(
            'invalid_weights',
            `weight for unknown strategy ${JSON.stringify(id)}`,
          );
        if (!Number.isFinite(weight) || weight < 0) {
          throw new AllocatorError(
            'invalid_weights',
            `weight of ${id} must be finite and >= 0, got ${String(weight)}`,
          );
        }
        this.weights[i] = weight;
      }
    }
    const paused = new Set<string>();
    for (const id of options?.paused ?? []) {
      const i = this.index.get(id);
      if (i === undefined) continue;
      paused.add(id);
      this.weights[i] = 0;
      this.mins[i] = 0;
      this.maxs[i] = 0;
    }
    this.pausedIds = paused;
    const hours = config.rebalanceFrequencyHours;
    this.frequencyNs = hours === undefined ? null : spanNs(hours, NANOSECONDS_PER_HOUR);
    this.targetBuffer = new Float64Array(n);
    this.prepared = prepareAllocation(this.weights, this.mins, this.maxs);
  }

  /** The same config and bounds with other weights (e.g. risk-adjusted); no sleeve paused. */
  withWeights(weights: Readonly<Record<string, number>>): AllocationCalculator {
    return new AllocationCalculator(this.config, { weights });
  }

  /** The same weights with these strategies' targets held at 0 (replacing any paused before). */
  withPaused(paused: Iterable<string>): AllocationCalculator {
    const weights = this.options?.weights;
    return new AllocationCalculator(this.config, {
      ...(weights === undefined ? {} : { weights }),
      paused,
    });
  }

  /** Strategies whose target is held at 0, in config order. */
  get paused(): readonly string[] {
    return this.strategyIds.filter((id) => this.pausedIds.has(id));
  }

  /** The weights in use (config target_weight, or the override; 0 when paused), by strategy id. */
  weightsById(): Record<string, number> {
    const out = createIdRecord<number>();
    this.strategyIds.forEach((id, i) => (out[id] = this.weights[i] as number));
    return out;
  }

  /** Index of a strategy in config order, or undefined. */
  indexOf(strategyId: string): number | undefined {
    return this.index.get(strategyId);
  }

  /**
   * Targets for the equity `sum(currentAllocations) + unallocatedCash`. Capital held by an
   * id the config does not know counts toward equity and gets target 0 (it winds down).
   */
  calculateTargets(
    currentAllocations: Readonly<Record<string, number>>,
    unallocatedCash = 0,
  ): TargetAllocation {
    assertFinite(unallocatedCash, 'unallocatedCash');
    let equity = unallocatedCash;
    let unknown: string[] | undefined;
    // Config ids first (keyed reads are cheaper than enumerating a large record); keys
    // beyond them are rare and only then enumerated.
    const ids = this.strategyIds;
    let present = 0;
    for (let i = 0; i < ids.length; i++) {
      const capital = currentAllocations[ids[i] as string];
      if (capital === undefined) continue;
      present++;
      equity += capital;
    }
    if (!Number.isFinite(equity) || Object.keys(currentAllocations).length !== present) {
      equity = unallocatedCash;
      for (const id in currentAllocations) {
        const capital = currentAllocations[id] as number;
        assertFinite(capital, `capital of ${id}`);
        equity += capital;
        if (!this.index.has(id)) (unknown ??= []).push(id);
      }
    }
    return this.buildTargets(equity, unknown);
  }

  /** Targets for a given portfolio equity (capital + unallocated), by the same rules. */
  calculateTargetsForEquity(equity: number): TargetAllocation {
    assertFinite(equity, 'equity');
    return this.buildTargets(equity, undefined);
  }

  /**
   * Fast path over arrays in config order: writes targets into `out` and returns
   * `{unallocated, boundsViolated}` without building records.
   */
  calculateTargetsInto(
    out: Float64Array,
    equity: number,
  ): { unallocated: number; boundsViolated: boolean } {
    const status = allocatePreparedInto(out, equity, this.prepared);
    let sum = 0;
    for (let i = 0; i < this.strategyIds.length; i++) sum += out[i] as number;
    return { unallocated: equity - sum, boundsViolated: status === ALLOCATION_BOUNDS_VIOLATED };
  }

  private buildTargets(equity: number, unknown: readonly string[] | undefined): TargetAllocation {
    const out = this.targetBuffer;
    const { unallocated, boundsViolated } = this.calculateTargetsInto(out, equity);
    const targets = createIdRecord<number>();
    const ids = this.strategyIds;
    for (let i = 0; i < ids.length; i++) targets[ids[i] as string] = out[i] as number;
    if (unknown !== undefined) for (const id of unknown) targets[id] = 0;
    return { targets, equity, unallocated, boundsViolated };
  }

  /**
   * Signed relative drift `(capital - target) / target` per id of `targets` (and of
   * `current` missing from `targets`, with target 0); a target of 0 gives
   * `capital / equity` (0 when equity <= 0). `equity` defaults to sum(current). A drift that
   * would overflow (a subnormal target next to real capital) is clamped to +-Number.MAX_VALUE.
   */
  calculateDrift(
    current: Readonly<Record<string, number>>,
    targets: Readonly<Record<string, number>>,
    equity?: number,
  ): Record<string, number> {
    let total = equity;
    if (total === undefined) {
      total = 0;
      for (const id in current) total += current[id] as number;
    }
    const drift = createIdRecord<number>();
    const ids = this.strategyIds;
    let inTargets = 0;
    let inCurrent = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as string;
      const target = targets[id];
      const capital = current[id];
      if (capital !== undefined) inCurrent++;
      if (target === undefined) continue;
      inTargets++;
      drift[id] = driftOf(capital ?? 0, target, total);
    }
    // Ids beyond the config's (e.g. a removed strategy still holding capital).
    if (Object.keys(targets).length !== inTargets) {
      for (const id in targets) {
        if (!this.index.has(id))
          drift[id] = driftOf(current[id] ?? 0, targets[id] as number, total);
      }
    }
    if (Object.keys(current).length !== inCurrent) {
      for (const id in current) {
        if (!this.index.has(id) && !(id in targets))
          drift[id] = driftOf(current[id] as number, 0, total);
      }
    }
    return drift;
  }

  /**
   * Why a rebalance fires now, or null: `threshold` when any |drift| > rebalance_threshold
   * (strict), or, with `absolute_drift_threshold` and `scale` given, when any
   * `|capital - target| / equity` exceeds it (strict); else `frequency` when
   * rebalance_frequency_hours have passed since `timing.lastRebalanceNs`
   * (now - last >= period), else null.
   *
   * The absolute drift comes from the relative one: `|drift| x target / equity` where the
   * target is not 0, `|drift|` itself where it is (that drift is already capital / equity).
   * `scale` holds the targets the drift was measured against (same keys, or config order for
   * arrays) and the portfolio equity.
   */
  rebalanceReason(
    drift: Readonly<Record<string, number>> | Float64Array,
    timing?: RebalanceTiming,
    scale?: DriftScale,
  ): 'threshold' | 'frequency' | null {
    const threshold = this.config.rebalanceThreshold;
    if (drift instanceof Float64Array) {
      // Config order, as calculateDriftInto writes it: the per-bar path, no records.
      for (let i = 0; i < drift.length; i++)
        if (Math.abs(drift[i] as number) > threshold) return 'threshold';
    } else {
      for (const id in drift) {
        if (Math.abs(drift[id] as number) > threshold) return 'threshold';
      }
    }
    const absolute = this.config.absoluteDriftThreshold;
    if (absolute !== undefined && scale !== undefined && scale.equity > 0) {
      if (this.exceedsAbsolute(drift, scale, absolute)) return 'threshold';
    }
    if (
      timing !== undefined &&
      this.frequencyNs !== null &&
      timing.nowNs - timing.lastRebalanceNs >= this.frequencyNs
    ) {
      return 'frequency';
    }
    return null;
  }

  /** Whether any sleeve's |capital - target| / equity exceeds `limit` (strict). */
  private exceedsAbsolute(
    drift: Readonly<Record<string, number>> | Float64Array,
    scale: DriftScale,
    limit: number,
  ): boolean {
    const { targets, equity } = scale;
    // Arrays are in config order; a record is keyed by strategy id.
    const targetOf = (i: number, id: string): number =>
      (targets instanceof Float64Array ? (i >= 0 ? targets[i] : undefined) : targets[id]) ?? 0;
    if (drift instanceof Float64Array) {
      for (let i = 0; i < drift.length; i++) {
        const target = targetOf(i, this.strategyIds[i] ?? '');
        if (absoluteDrift(drift[i] as number, target, equity) > limit) return true;
      }
      return false;
    }
    for (const id in drift) {
      const target = targetOf(this.index.get(id) ?? -1, id);
      if (absoluteDrift(drift[id] as number, target, equity) > limit) return true;
    }
    return false;
  }

  needsRebalance(
    drift: Readonly<Record<string, number>> | Float64Array,
    timing?: RebalanceTiming,
    scale?: DriftScale,
  ): boolean {
    return this.rebalanceReason(drift, timing, scale) !== null;
  }
}

function driftOf(capital: number, target: number, equity: number): number {
  return finiteDrift(
    target !== 0 ? (capital - target) / target : equity > 0 ? capital / equity : 0,
  );
}

/** Weight points of one sleeve's drift: |capital - target| / equity. */
function absoluteDrift(drift: number, target: number, equity: number): number {
  return target !== 0 ? (Math.abs(drift) * Math.abs(target)) / equity : Math.abs(drift);
}
