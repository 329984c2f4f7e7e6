// The kernel's risk state: the return samples (per bar or per clock period), the weights in
// force, and the one rule for when a risk adjustment is due.
import type { AllocationCalculator } from '@njord/portfolio-allocator';
import type { PortfolioConfig } from '@njord/portfolio-contracts';
import { spanNs } from '@njord/portfolio-contracts/core';
import {
  calculateFlowAdjustedReturn,
  ReturnSampler,
  RiskAdjustedAllocator,
  type RiskAdjustment,
  type ReturnHistoryWire,
  type RollingReturnStats,
} from '@njord/portfolio-risk';

const SECONDS_PER_YEAR = 365.25 * 86_400;

/**
 * How the risk state samples sleeve returns. `bars`: one flow-adjusted return per bar (a
 * backtest calls `recordBar`). `clock`: `sample` events chained into periods of `sampleSeconds`
 * (the live manager samples at its snapshots, 24/7).
 */
export type RiskSampling =
  | { readonly kind: 'bars' }
  | {
      readonly kind: 'clock';
      /** Length of one sample period. */
      readonly sampleSeconds: number;
      /** No period is shorter than the snapshot cadence. */
      readonly snapshotIntervalSeconds: number;
    };

/** The live manager's defaults: hourly samples, a snapshot every 10 s. */
export const DEFAULT_CLOCK_SAMPLING: RiskSampling = {
  kind: 'clock',
  sampleSeconds: 3600,
  snapshotIntervalSeconds: 10,
};

/** P for annualizing clock samples: sample periods per calendar year (the clock runs 24/7). */
export function calculateClockPeriodsPerYear(
  sampling: Extract<RiskSampling, { kind: 'clock' }>,
): number {
  return SECONDS_PER_YEAR / Math.max(sampling.sampleSeconds, sampling.snapshotIntervalSeconds);
}

/** What the due rule looks at. */
export interface AdjustmentTiming {
  readonly nowNs: bigint;
  /** Samples in the window now. */
  readonly samples: number;
  /** The newest sample's time (null: none). */
  readonly latestSampleNs: bigint | null;
  /** The last adjustment's time and the newest sample it saw (null: none yet / it saw none). */
  readonly lastAdjustmentNs: bigint | null;
  readonly lastInputNs: bigint | null;
}

/**
 * The one rule, live and in backtests: a risk adjustment is due when the window holds at least
 * two samples, one of them newer than any the last adjustment saw (its inputs changed), and
 * `adjust_every_hours` have passed since the last adjustment (any time without the key; at
 * once before the first).
 */
export function isRiskAdjustmentDue(
  risk: RiskAdjustedAllocator,
  timing: AdjustmentTiming,
): boolean {
  if (timing.samples < 2 || timing.latestSampleNs === null) return false;
  if (
    timing.lastAdjustmentNs !== null &&
    timing.lastInputNs !== null &&
    timing.latestSampleNs <= timing.lastInputNs
  )
    return false;
  return risk.isAdjustmentDue(timing.nowNs, timing.lastAdjustmentNs);
}

function secondsToNs(seconds: number): bigint {
  const ns = spanNs(seconds, 1e9);
  return ns < 1n ? 1n : ns;
}

/** The risk state under one config with `risk_adjustment`. */
export class RiskState {
  readonly risk: RiskAdjustedAllocator;
  readonly sampling: RiskSampling;
  /** Bars: the rolling window. Clock: null. */
  readonly rolling: RollingReturnStats | null;
  /** Clock: the sampler. Bars: null. */
  readonly sampler: ReturnSampler | null;
  lastAdjustmentNs: bigint | null = null;
  lastInputNs: bigint | null = null;
  /** Adjusted weights in force (null: the config's). */
  weights: Readonly<Record<string, number>> | null = null;
  // Bars: each sleeve's capital at the last bar and the transfers into it since.
  private readonly previousCapital: Float64Array;
  private readonly pendingTransfers: Float64Array;
  private readonly returns: Float64Array;

  private constructor(
    risk: RiskAdjustedAllocator,
    sampling: RiskSampling,
    initialCapital: Float64Array,
    previous: RiskState | null,
  ) {
    this.risk = risk;
    this.sampling = sampling;
    const n = risk.strategyIds.length;
    this.previousCapital = Float64Array.from(initialCapital);
    this.pendingTransfers = new Float64Array(n);
    this.returns = new Float64Array(n);
    if (sampling.kind === 'bars') {
      this.rolling = risk.createRollingStats({ initialCapacity: 1024 });
      this.sampler = null;
    } else {
      this.rolling = null;
      const options = { periodNs: secondsToNs(sampling.sampleSeconds), windowNs: risk.lookbackNs };
      if (previous?.sampler) {
        this.sampler = previous.sampler;
        this.sampler.reconfigure(risk.strategyIds, options);
      } else this.sampler = new ReturnSampler(risk.strategyIds, options);
    }
  }

  /**
   * The risk state of `allocator`'s config, or null without `risk_adjustment`. `previous` (the
   * state under the config before) hands over its clock samples; adjusted weights do not carry.
   */
  static create(
    allocator: AllocationCalculator,
    sampling: RiskSampling,
    initialCapital: Float64Array,
    previous: RiskState | null = null,
  ): RiskState | null {
    const risk = RiskAdjustedAllocator.fromConfig(
      allocator,
      sampling.kind === 'clock' ? { periodsPerYear: calculateClockPeriodsPerYear(sampling) } : {},
    );
    return risk === null ? null : new RiskState(risk, sampling, initialCapital, previous);
  }

  get config(): PortfolioConfig {
    return this.risk.baseAllocator.config;
  }

  get samples(): number {
    return this.rolling !== null ? this.rolling.size : (this.sampler as ReturnSampler).size;
  }

  get latestSampleNs(): bigint | null {
    return this.rolling !== null ? this.rolling.latestNs : (this.sampler as ReturnSampler).latestNs;
  }

  isDue(nowNs: bigint): boolean {
    return isRiskAdjustmentDue(this.risk, {
      nowNs,
      samples: this.samples,
      latestSampleNs: this.latestSampleNs,
      lastAdjustmentNs: this.lastAdjustmentNs,
      lastInputNs: this.lastInputNs,
    });
  }

  /** Transfers of an applied plan (they are not performance). */
  onTransfers(transfers: Readonly<Record<string, number>>): void {
    if (this.sampler !== null) {
      this.sampler.onTransfers(transfers);
      return;
    }
    for (const id in transfers) {
      const k = this.risk.baseAllocator.indexOf(id);
      if (k !== undefined)
        this.pendingTransfers[k] = (this.pendingTransfers[k] as number) + (transfers[id] as number);
    }
  }

  /** Bars: the bar's flow-adjusted sleeve returns from its closing capital (config order). */
  recordBar(timestampNs: bigint, capital: ArrayLike<number>): void {
    const rolling = this.rolling;
    if (rolling === null) return;
    const n = this.returns.length;
    for (let k = 0; k < n; k++) {
      const now = capital[k] as number;
      this.returns[k] = calculateFlowAdjustedReturn(
        this.previousCapital[k] as number,
        now,
        this.pendingTransfers[k],
      );
      this.previousCapital[k] = now;
      this.pendingTransfers[k] = 0;
    }
    rolling.push(timestampNs, this.returns);
  }

  /** Clock: a snapshot of sleeve capital. */
  sample(timestampNs: bigint, capitals: Readonly<Record<string, number>>): void {
    this.sampler?.onSnapshot(timestampNs, capitals);
  }

  /** The adjustment at `nowNs` from the window, given the base targets. */
  calculate(
    nowNs: bigint,
    baseTargets: Readonly<Record<string, number>>,
  ): { adjustment: RiskAdjustment; history: ReturnHistoryWire | null } {
    if (this.rolling !== null) {
      this.rolling.advanceTo(nowNs);
      return {
        adjustment: this.risk.calculateAdjustedAllocations(this.rolling, baseTargets),
        history: null,
      };
    }
    const sampler = this.sampler as ReturnSampler;
    const after = nowNs - this.risk.lookbackNs;
    return {
      adjustment: this.risk.calculateAdjustedAllocations(sampler.history(after), baseTargets, {
        asOfNs: nowNs,
      }),
      history: sampler.historyWire(after),
    };
  }
}
