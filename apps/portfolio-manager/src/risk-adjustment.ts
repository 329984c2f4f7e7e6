// Live risk adjustment: sleeve returns sampled from the manager's own snapshots, the adjustments
// made from them, and the journal and checkpoint forms recovery rebuilds both from.
import { AllocationCalculator } from '@njord/portfolio-allocator';
import type { PortfolioConfig } from '@njord/portfolio-contracts';
import {
  calculateFlowAdjustedReturn,
  encodeRiskAdjustment,
  type PerformanceHistory,
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

function parseNs(value: unknown, what: string): bigint {
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) {
    throw new Error(`${what} must be a decimal string of ns`);
  }
  return BigInt(value);
}

function parseNullableNs(value: unknown, what: string): bigint | null {
  return value === null ? null : parseNs(value, what);
}

/** The window of returns on the wire: one timeline shared by every sleeve, null = missing. */
export interface ReturnHistoryWire {
  readonly timestamps_ns: readonly string[];
  readonly returns: Readonly<Record<string, readonly (number | null)[]>>;
}

/** The sampler's state in a checkpoint. */
export interface ReturnSamplerJson {
  /** The last snapshot sampled and each sleeve's capital then (the base of the next return). */
  readonly last_snapshot_ns: string | null;
  readonly last_capital: Readonly<Record<string, number>>;
  /** Plan transfers into each sleeve since that snapshot. */
  readonly transfers: Readonly<Record<string, number>>;
  /** The open period closes at the first snapshot at or after this. */
  readonly period_end_ns: string | null;
  /** Product of (1 + r) over the open period's snapshot returns, per sleeve that has one. */
  readonly period_growth: Readonly<Record<string, number>>;
  readonly history: ReturnHistoryWire;
}

/** Decodes a history on the wire into the risk package's records (null -> NaN, a missing return). */
export function decodeReturnHistory(wire: ReturnHistoryWire): PerformanceHistory {
  const timestampsNs = wire.timestamps_ns.map((value, k) => parseNs(value, `timestamps_ns[${k}]`));
  const history: Record<string, { timestampsNs: bigint[]; returns: number[] }> = {};
  for (const [id, returns] of Object.entries(wire.returns)) {
    if (returns.length !== timestampsNs.length) {
      throw new Error(
        `returns.${id} has ${returns.length} values for ${timestampsNs.length} timestamps`,
      );
    }
    history[id] = {
      timestampsNs,
      returns: returns.map((value) => (value === null ? Number.NaN : value)),
    };
  }
  return history;
}

/**
 * Each sleeve's flow-adjusted return, sampled from every snapshot the manager takes:
 * `calculateFlowAdjustedReturn(capital at the previous snapshot, capital now, plan transfers in
 * between)`, so a transfer is never mistaken for performance. The snapshot returns are chained
 * (time-weighted) into periods of `periodNs`; a period closes at the first snapshot at or after
 * its end and becomes one sample, timestamped with that snapshot. Samples older than `windowNs`
 * before the latest are dropped, so memory is bounded by window / period.
 */
export class ReturnSampler {
  private ids: string[];
  private periodNs: bigint;
  private windowNs: bigint;
  private lastSnapshotNs: bigint | null = null;
  private readonly lastCapital = new Map<string, number>();
  private readonly transfers = new Map<string, number>();
  private periodEndNs: bigint | null = null;
  private readonly growth = new Map<string, number>();
  private timestamps: bigint[] = [];
  private readonly returns = new Map<string, number[]>();

  constructor(
    strategyIds: readonly string[],
    options: { readonly periodNs: bigint; readonly windowNs: bigint },
  ) {
    this.ids = [...strategyIds];
    for (const id of this.ids) this.returns.set(id, []);
    this.periodNs = options.periodNs;
    this.windowNs = options.windowNs;
  }

  /** Samples held (all strategies share one timeline). */
  get size(): number {
    return this.timestamps.length;
  }

  /** Timestamp of the latest sample, null before the first. */
  get latestNs(): bigint | null {
    return this.timestamps[this.timestamps.length - 1] ?? null;
  }

  get strategyIds(): readonly string[] {
    return this.ids;
  }

  /**
   * Under a new config: strategies added get missing (NaN) returns for the samples held,
   * strategies removed are forgotten; the period and the window take the new values.
   */
  reconfigure(
    strategyIds: readonly string[],
    options: { readonly periodNs: bigint; readonly windowNs: bigint },
  ): void {
    const keep = new Set(strategyIds);
    for (const id of this.ids) {
      if (keep.has(id)) continue;
      this.returns.delete(id);
      this.growth.delete(id);
      this.lastCapital.delete(id);
    }
    for (const id of strategyIds) {
      if (!this.returns.has(id))
        this.returns.set(
          id,
          this.timestamps.map(() => Number.NaN),
        );
    }
    this.ids = [...strategyIds];
    this.periodNs = options.periodNs;
    this.windowNs = options.windowNs;
    this.trim();
  }

  /** Transfers of an applied plan (strategy id -> amount into the sleeve). */
  onTransfers(transfers: Readonly<Record<string, number>>): void {
    for (const [id, amount] of Object.entries(transfers)) {
      this.transfers.set(id, (this.transfers.get(id) ?? 0) + amount);
    }
  }

  /** One snapshot's sleeve capital; true when it closed a period (a new sample). */
  onSnapshot(timestampNs: bigint, capitals: Readonly<Record<string, number>>): boolean {
    if (this.lastSnapshotNs !== null) {
      for (const id of this.ids) {
        const r = calculateFlowAdjustedReturn(
          this.lastCapital.get(id) ?? Number.NaN,
          capitals[id] ?? Number.NaN,
          this.transfers.get(id) ?? 0,
        );
        // A return is missing while the sleeve had no capital; the period chains the others.
        if (Number.isFinite(r)) this.growth.set(id, (this.growth.get(id) ?? 1) * (1 + r));
      }
    }
    this.lastSnapshotNs = timestampNs;
    this.lastCapital.clear();
    for (const id of this.ids) {
      const capital = capitals[id];
      if (capital !== undefined) this.lastCapital.set(id, capital);
    }
    this.transfers.clear();
    if (this.periodEndNs === null) {
      this.periodEndNs = timestampNs + this.periodNs;
      return false;
    }
    if (timestampNs < this.periodEndNs) return false;
    this.timestamps.push(timestampNs);
    for (const id of this.ids) {
      const growth = this.growth.get(id);
      (this.returns.get(id) as number[]).push(growth === undefined ? Number.NaN : growth - 1);
    }
    this.growth.clear();
    // The next end is the first point of the period grid after this snapshot (after downtime too).
    this.periodEndNs += ((timestampNs - this.periodEndNs) / this.periodNs + 1n) * this.periodNs;
    this.trim();
    return true;
  }

  /** The samples with timestamp > afterNs (all: null), per strategy (NaN = missing), for the risk package. */
  history(afterNs: bigint | null): PerformanceHistory {
    const from = this.firstAfter(afterNs);
    const timestampsNs = this.timestamps.slice(from);
    const history: Record<string, { timestampsNs: bigint[]; returns: number[] }> = {};
    for (const id of this.ids) {
      history[id] = { timestampsNs, returns: (this.returns.get(id) as number[]).slice(from) };
    }
    return history;
  }

  /** The same samples on the wire. */
  historyWire(afterNs: bigint | null): ReturnHistoryWire {
    const from = this.firstAfter(afterNs);
    const returns: Record<string, (number | null)[]> = {};
    for (const id of this.ids) {
      returns[id] = (this.returns.get(id) as number[])
        .slice(from)
        .map((value) => (Number.isFinite(value) ? value : null));
    }
    return { timestamps_ns: this.timestamps.slice(from).map(String), returns };
  }

  toJSON(): ReturnSamplerJson {
    return {
      last_snapshot_ns: this.lastSnapshotNs === null ? null : this.lastSnapshotNs.toString(),
      last_capital: Object.fromEntries(this.lastCapital),
      transfers: Object.fromEntries(this.transfers),
      period_end_ns: this.periodEndNs === null ? null : this.periodEndNs.toString(),
      period_growth: Object.fromEntries(this.growth),
      history: this.historyWire(null),
    };
  }

  /** Loads a checkpoint's state (strategies not in this sampler's config are dropped). Throws if malformed. */
  restore(json: ReturnSamplerJson): void {
    this.lastSnapshotNs = parseNullableNs(json.last_snapshot_ns, 'last_snapshot_ns');
    this.periodEndNs = parseNullableNs(json.period_end_ns, 'period_end_ns');
    const known = new Set(this.ids);
    const load = (target: Map<string, number>, value: unknown, what: string) => {
      target.clear();
      for (const [id, amount] of Object.entries(finiteRecord(value, what))) {
        if (known.has(id)) target.set(id, amount);
      }
    };
    load(this.lastCapital, json.last_capital, 'last_capital');
    load(this.transfers, json.transfers, 'transfers');
    load(this.growth, json.period_growth, 'period_growth');
    const history = decodeReturnHistory(json.history);
    this.timestamps = json.history.timestamps_ns.map((value, k) =>
      parseNs(value, `timestamps_ns[${k}]`),
    );
    for (const id of this.ids) {
      this.returns.set(
        id,
        history[id] === undefined
          ? this.timestamps.map(() => Number.NaN)
          : [...(history[id] as { returns: readonly number[] }).returns],
      );
    }
    this.trim();
  }

  private firstAfter(afterNs: bigint | null): number {
    if (afterNs === null) return 0;
    let k = 0;
    while (k < this.timestamps.length && (this.timestamps[k] as bigint) <= afterNs) k++;
    return k;
  }

  private trim(): void {
    const latest = this.latestNs;
    if (latest === null) return;
    const drop = this.firstAfter(latest - this.windowNs);
    if (drop === 0) return;
    this.timestamps.splice(0, drop);
    for (const returns of this.returns.values()) returns.splice(0, drop);
  }
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
