// Live risk adjustment wiring: when to adjust, the adjustment journal line and the checkpoint's
// risk state (the sampling math is the risk package's ReturnSampler).
import { AllocationCalculator } from '@njord/portfolio-allocator';
import type { PortfolioConfig } from '@njord/portfolio-contracts';
import {
  encodeRiskAdjustment,
  type ReturnHistoryWire,
  ReturnSampler,
  type ReturnSamplerJson,
  RiskAdjustedAllocator,
  type RiskAdjustment,
  type RiskAdjustmentWire,
} from '@njord/portfolio-risk';

const SECONDS_PER_YEAR = 365.25 * 86_400;

export interface ReturnSamplingOptions {
  /** `return_sample_seconds`: the length of one sample period. */
  readonly sampleSeconds: number;
  /** `snapshot_interval_seconds`: no period is shorter than the snapshot cadence. */
  readonly snapshotIntervalSeconds: number;
}

/** The manager config's defaults (hourly samples, a snapshot every 10 s). */
export const DEFAULT_RETURN_SAMPLING: ReturnSamplingOptions = {
  sampleSeconds: 3600,
  snapshotIntervalSeconds: 10,
};

/**
 * P for annualizing the live statistics: sample periods per calendar year. The manager samples
 * by the wall clock, 24/7, so a year holds 365.25 days of them (not 252 trading days).
 */
export function calculateLivePeriodsPerYear(options: ReturnSamplingOptions): number {
  return SECONDS_PER_YEAR / Math.max(options.sampleSeconds, options.snapshotIntervalSeconds);
}

function secondsToNs(seconds: number): bigint {
  return BigInt(Math.max(1, Math.round(seconds * 1e9)));
}

function finiteRecord(value: unknown, what: string): Record<string, number> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${what} must be an object`);
  }
  const out: Record<string, number> = {};
  for (const [id, entry] of Object.entries(value)) {
    if (typeof entry !== 'number' || !Number.isFinite(entry)) {
      throw new Error(`${what}.${id} must be a finite number`);
    }
    out[id] = entry;
  }
  return out;
}

function parseNullableNs(value: unknown, what: string): bigint | null {
  if (value === null) return null;
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) {
    throw new Error(`${what} must be a decimal string of ns`);
  }
  return BigInt(value);
}

/** The body of an `adjustment` journal line: what went in, what came out. */
export interface AdjustmentLineBody {
  readonly inputs: {
    readonly method: string;
    readonly lookback_period_days: number;
    readonly adjustment_sensitivity: number;
    readonly adjust_every_hours: number | null;
    /** P passed to the risk package (the live sample periods per year). */
    readonly periods_per_year: number;
    readonly return_sample_seconds: number;
    /** Base target capital (the config's weights) at the adjustment, per strategy id. */
    readonly base_targets: Readonly<Record<string, number>>;
    /** The samples in the window (as_of - lookback, as_of]. */
    readonly history: ReturnHistoryWire;
  };
  /** The weights in force before this adjustment. */
  readonly previous_weights: Readonly<Record<string, number>>;
  /** `encodeRiskAdjustment` of the result: weights, targets, per-strategy statistics. */
  readonly adjustment: RiskAdjustmentWire;
}

/** The risk state in a checkpoint. */
export interface RiskCheckpointJson {
  readonly sampler: ReturnSamplerJson;
  readonly last_adjustment_ns: string | null;
  /** The adjusted weights in force (null: the config's). */
  readonly weights: Readonly<Record<string, number>> | null;
}

export interface AppliedAdjustment {
  readonly adjustment: RiskAdjustment;
  readonly body: AdjustmentLineBody;
}

/**
 * The live manager's risk adjustment under one portfolio config with `risk_adjustment`: the
 * sampler, the allocator in force (the config's weights until the first adjustment) and when
 * it was last adjusted.
 */
export class LiveRiskAdjuster {
  private active: AllocationCalculator;
  private adjustedWeights: Record<string, number> | null = null;
  private lastAdjustment: bigint | null = null;

  private constructor(
    readonly risk: RiskAdjustedAllocator,
    readonly sampler: ReturnSampler,
    readonly sampling: ReturnSamplingOptions,
  ) {
    this.active = risk.baseAllocator;
  }

  /**
   * The adjuster of `config`, or null without `risk_adjustment`. `previous` (the adjuster under
   * the config before) hands over its samples; its adjusted weights do not carry over.
   */
  static create(
    config: PortfolioConfig,
    sampling: ReturnSamplingOptions,
    previous: LiveRiskAdjuster | null = null,
  ): LiveRiskAdjuster | null {
    const risk = RiskAdjustedAllocator.fromConfig(new AllocationCalculator(config), {
      periodsPerYear: calculateLivePeriodsPerYear(sampling),
    });
    if (risk === null) return null;
    const options = { periodNs: secondsToNs(sampling.sampleSeconds), windowNs: risk.lookbackNs };
    let sampler: ReturnSampler;
    if (previous === null) sampler = new ReturnSampler(risk.strategyIds, options);
    else {
      sampler = previous.sampler;
      sampler.reconfigure(risk.strategyIds, options);
    }
    return new LiveRiskAdjuster(risk, sampler, sampling);
  }

  /** The allocator for targets, drift, the trigger and plans. */
  get allocator(): AllocationCalculator {
    return this.active;
  }

  get lastAdjustmentNs(): bigint | null {
    return this.lastAdjustment;
  }

  /**
   * Due when the window holds two samples, one of them newer than the last adjustment (the
   * inputs changed), and `adjust_every_hours` have passed since it (any time without it).
   */
  isAdjustmentDue(nowNs: bigint): boolean {
    const latest = this.sampler.latestNs;
    if (latest === null || this.sampler.size < 2) return false;
    if (this.lastAdjustment !== null && latest <= this.lastAdjustment) return false;
    return this.risk.isAdjustmentDue(nowNs, this.lastAdjustment);
  }

  /**
   * Adjusts at `nowNs` from the samples in (now - lookback, now], with the base targets of the
   * sleeves' current capital, and switches to the adjusted allocator. Returns the journal body.
   */
  adjust(
    nowNs: bigint,
    capitals: Readonly<Record<string, number>>,
    unallocatedCash: number,
  ): AppliedAdjustment {
    const base = this.risk.baseAllocator.calculateTargets(capitals, unallocatedCash).targets;
    const after = nowNs - this.risk.lookbackNs;
    const adjustment = this.risk.calculateAdjustedAllocations(this.sampler.history(after), base, {
      asOfNs: nowNs,
    });
    const body: AdjustmentLineBody = {
      inputs: {
        method: this.risk.method,
        lookback_period_days: this.risk.lookbackPeriodDays,
        adjustment_sensitivity: this.risk.adjustmentSensitivity,
        adjust_every_hours: this.risk.baseAllocator.config.riskAdjustment?.adjustEveryHours ?? null,
        periods_per_year: calculateLivePeriodsPerYear(this.sampling),
        return_sample_seconds: this.sampling.sampleSeconds,
        base_targets: { ...base },
        history: this.sampler.historyWire(after),
      },
      previous_weights: this.active.weightsById(),
      adjustment: encodeRiskAdjustment(adjustment),
    };
    this.active = adjustment.allocator;
    this.adjustedWeights = { ...adjustment.weights };
    this.lastAdjustment = nowNs;
    return { adjustment, body };
  }

  /** Replays an `adjustment` line: its output weights, from its time on. Throws if malformed. */
  applyLine(timestampNs: bigint, body: Record<string, unknown>): void {
    const adjustment = body.adjustment as { weights?: unknown } | undefined;
    const weights = finiteRecord(adjustment?.weights, 'adjustment.weights');
    this.active = this.risk.baseAllocator.withWeights(weights);
    this.adjustedWeights = weights;
    this.lastAdjustment = timestampNs;
  }

  toJSON(): RiskCheckpointJson {
    return {
      sampler: this.sampler.toJSON(),
      last_adjustment_ns: this.lastAdjustment === null ? null : this.lastAdjustment.toString(),
      weights: this.adjustedWeights === null ? null : { ...this.adjustedWeights },
    };
  }

  /** Loads a checkpoint's risk state. Throws if malformed. */
  restore(json: RiskCheckpointJson): void {
    this.sampler.restore(json.sampler);
    this.lastAdjustment = parseNullableNs(json.last_adjustment_ns, 'last_adjustment_ns');
    if (json.weights === null) {
      this.adjustedWeights = null;
      this.active = this.risk.baseAllocator;
    } else {
      this.adjustedWeights = finiteRecord(json.weights, 'weights');
      this.active = this.risk.baseAllocator.withWeights(this.adjustedWeights);
    }
  }
}
