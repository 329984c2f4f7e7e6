// RiskAdjustedAllocator: risk-adjusted weights from window statistics, bounded by the allocator.
import { createIdRecord, spanNs } from '@njord/portfolio-contracts/core';
import type { AllocationCalculator } from '@njord/portfolio-allocator';
import type { RiskAdjustmentMethod } from '@njord/portfolio-contracts';
import {
  calculateSampleCovariance,
  defaultShrinkageIntensity,
  shrinkCovarianceToDiagonal,
} from './covariance.js';
import { equalRiskContributionWeights } from './equal-risk-contribution.js';
import { RiskError } from './errors.js';
import {
  DEFAULT_PERIODS_PER_YEAR,
  inferPeriodsPerYear,
  NANOSECONDS_PER_DAY,
} from './periods-per-year.js';
import {
  calculateReturnMoments,
  MIN_VOLATILITY,
  sanitizeReturn,
  statsFromMoments,
  type AnnualizationOptions,
  type ReturnStats,
} from './return-stats.js';
import { RollingReturnStats } from './rolling-return-stats.js';
import {
  calculateSharpeDrawdownWeights,
  DEFAULT_DRAWDOWN_PENALTY,
  DEFAULT_SHARPE_CAP,
} from './sharpe-drawdown.js';

/** One strategy's return series: `returns[k]` is the return of the period ending at `timestampsNs[k]`. */
export interface StrategyReturns {
  /** Period ends, ns since the epoch, strictly increasing. */
  readonly timestampsNs: BigInt64Array | readonly bigint[];
  /** Flow-adjusted returns (docs/metrics.md); NaN or +-Infinity = missing. */
  readonly returns: Float64Array | readonly number[];
}

/** strategy id -> its return series. Ids the allocator's config does not know are ignored. */
export type PerformanceHistory = Readonly<Record<string, StrategyReturns>>;

export interface RiskAdjustedAllocatorOptions {
  /** Default 'sharpe_drawdown'. */
  readonly method?: RiskAdjustmentMethod;
  /** Calendar window: returns with timestamp in (asOf - lookback, asOf]. Default 30. */
  readonly lookbackPeriodDays?: number;
  /** >= 0; 0 returns the base. sharpe_drawdown: the tilt's strength; the risk methods: the blend toward their weights, capped at 1. Default 0.1. */
  readonly adjustmentSensitivity?: number;
  /** Minimum time between adjustments, for `isAdjustmentDue`; omitted = every call. */
  readonly adjustEveryHours?: number;
  /** P for annualizing; default the config's `periods_per_year`, else inferred from the window's bar spacing. */
  readonly periodsPerYear?: number;
  /** Annual risk-free rate for the Sharpe; default the config's `risk_free_rate`. */
  readonly riskFreeRate?: number;
  /** sharpe_drawdown: |Sharpe| cap (default 5). */
  readonly sharpeCap?: number;
  /** sharpe_drawdown: score per unit of drawdown depth (default 10). */
  readonly drawdownPenalty?: number;
  /** equal_risk_contribution: shrinkage intensity in [0, 1]; default n / (n + rows). */
  readonly shrinkage?: number;
  /** equal_risk_contribution: solver tolerance on the relative risk contributions (default 1e-10). */
  readonly tolerance?: number;
}

/** A strategy's window statistics and what the adjustment made of them. */
export interface StrategyRiskStats extends ReturnStats {
  /** True when the method set its weight; false when it kept its base weight (too little history, zero volatility, base weight 0). */
  readonly adjusted: boolean;
  /** sharpe_drawdown score (null for other methods or when not adjusted). */
  readonly score: number | null;
  readonly baseWeight: number;
  readonly weight: number;
}

export interface RiskAdjustment {
  readonly method: RiskAdjustmentMethod;
  /** End of the window (inclusive); null when the history holds no timestamp at all. */
  readonly asOfNs: bigint | null;
  /** Start of the window (exclusive): asOfNs - lookback. */
  readonly windowStartNs: bigint | null;
  readonly periodsPerYear: number;
  /** Capital distributed: the sum of the base allocations of the config's strategies. */
  readonly total: number;
  /** strategy id -> adjusted target capital (the base allocations' other ids pass through unchanged). */
  readonly targets: Readonly<Record<string, number>>;
  /** strategy id -> the weight used (config strategies; they sum to the base weights' sum). */
  readonly weights: Readonly<Record<string, number>>;
  readonly baseWeights: Readonly<Record<string, number>>;
  readonly stats: Readonly<Record<string, StrategyRiskStats>>;
  /** total - sum(targets) of the config's strategies: > 0 only when total > sum(max_capital). */
  readonly unallocated: number;
  /** total < sum(min_capital): the mins scaled down (as the allocator does). */
  readonly boundsViolated: boolean;
  /** equal_risk_contribution: the shrinkage intensity used (null otherwise or when not computed). */
  readonly shrinkage: number | null;
  /** The base allocator with the adjusted weights: use it for targets, drift and plans until the next adjustment. */
  readonly allocator: AllocationCalculator;
}

const NANOSECONDS_PER_HOUR = 3_600_000_000_000;
const METHODS: readonly RiskAdjustmentMethod[] = [
  'sharpe_drawdown',
  'inverse_volatility',
  'equal_risk_contribution',
];

function finitePositive(value: number, what: string): number {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new RiskError('invalid_options', `${what} must be finite and > 0, got ${String(value)}`);
  }
  return value;
}

/** Window statistics in config order, however they were computed. */
interface WindowSummary {
  readonly stats: readonly ReturnStats[];
  /** Per-period standard deviation (0 when count < 2). */
  readonly std: Float64Array;
  readonly asOfNs: bigint | null;
  readonly periodsPerYear: number;
  /** The n x n covariance (missing = 0) and its row count, computed on demand. */
  readonly covariance: () => { readonly matrix: Float64Array; readonly rows: number };
}

/**
 * Risk-adjusted allocation (issue 6): weights from the strategies' recent flow-adjusted returns,
 * then the base allocator's water-filling at the same total, so every target stays within its
 * min/max capital and the total is unchanged. One instance serves a backtest (with a
 * `RollingReturnStats` updated per bar) and the live manager (with return records).
 */
export class RiskAdjustedAllocator {
  readonly baseAllocator: AllocationCalculator;
  readonly method: RiskAdjustmentMethod;
  readonly lookbackPeriodDays: number;
  readonly lookbackNs: bigint;
  readonly adjustmentSensitivity: number;
  /** From `adjustEveryHours`; null = every call is due. */
  readonly adjustEveryNs: bigint | null;
  private readonly options: RiskAdjustedAllocatorOptions;
  private readonly baseWeights: Float64Array;

  constructor(baseAllocator: AllocationCalculator, options: RiskAdjustedAllocatorOptions = {}) {
    this.baseAllocator = baseAllocator;
    this.options = options;
    const method = options.method ?? 'sharpe_drawdown';
    if (!METHODS.includes(method))
      throw new RiskError('invalid_options', `unknown method ${JSON.stringify(method)}`);
    this.method = method;
    this.lookbackPeriodDays = finitePositive(
      options.lookbackPeriodDays ?? 30,
      'lookbackPeriodDays',
    );
    const lookbackNs = spanNs(this.lookbackPeriodDays, NANOSECONDS_PER_DAY);
    this.lookbackNs = lookbackNs < 1n ? 1n : lookbackNs;
    const sensitivity = options.adjustmentSensitivity ?? 0.1;
    if (!(sensitivity >= 0) || !Number.isFinite(sensitivity)) {
      throw new RiskError(
        'invalid_options',
        `adjustmentSensitivity must be finite and >= 0, got ${String(sensitivity)}`,
      );
    }
    this.adjustmentSensitivity = sensitivity;
    this.adjustEveryNs =
      options.adjustEveryHours === undefined
        ? null
        : spanNs(
            finitePositive(options.adjustEveryHours, 'adjustEveryHours'),
            NANOSECONDS_PER_HOUR,
          );
    if (options.periodsPerYear !== undefined)
      finitePositive(options.periodsPerYear, 'periodsPerYear');
    if (
      options.riskFreeRate !== undefined &&
      !(options.riskFreeRate > -1 && Number.isFinite(options.riskFreeRate))
    ) {
      throw new RiskError(
        'invalid_options',
        `riskFreeRate must be finite and > -1, got ${String(options.riskFreeRate)}`,
      );
    }
    if (options.sharpeCap !== undefined) finitePositive(options.sharpeCap, 'sharpeCap');
    if (
      options.drawdownPenalty !== undefined &&
      !(options.drawdownPenalty >= 0 && Number.isFinite(options.drawdownPenalty))
    ) {
      throw new RiskError(
        'invalid_options',
        `drawdownPenalty must be finite and >= 0, got ${String(options.drawdownPenalty)}`,
      );
    }
    if (options.shrinkage !== undefined && !(options.shrinkage >= 0 && options.shrinkage <= 1)) {
      throw new RiskError(
        'invalid_options',
        `shrinkage must be in [0, 1], got ${String(options.shrinkage)}`,
      );
    }
    if (options.tolerance !== undefined) finitePositive(options.tolerance, 'tolerance');
    const weights = baseAllocator.weightsById();
    this.baseWeights = Float64Array.from(baseAllocator.strategyIds, (id) => weights[id] ?? 0);
  }

  /**
   * The adjuster the config's `risk_adjustment` describes (method, lookback_period_days,
   * adjustment_sensitivity, adjust_every_hours), or null when the config has none. `overrides`
   * win over the config's values.
   */
  static fromConfig(
    baseAllocator: AllocationCalculator,
    overrides: RiskAdjustedAllocatorOptions = {},
  ): RiskAdjustedAllocator | null {
    const risk = baseAllocator.config.riskAdjustment;
    if (risk === undefined) return null;
    return new RiskAdjustedAllocator(baseAllocator, {
      method: risk.method,
      lookbackPeriodDays: risk.lookbackPeriodDays,
      adjustmentSensitivity: risk.adjustmentSensitivity,
      ...(risk.adjustEveryHours === undefined ? {} : { adjustEveryHours: risk.adjustEveryHours }),
      ...overrides,
    });
  }

  /** Strategy ids in config order (the order of `RollingReturnStats` rows). */
  get strategyIds(): readonly string[] {
    return this.baseAllocator.strategyIds;
  }

  /**
   * Whether an adjustment is due at `nowNs`: always before the first (`lastAdjustmentNs` null)
   * and without `adjustEveryHours`; else when nowNs - lastAdjustmentNs >= adjust_every_hours.
   */
  isAdjustmentDue(nowNs: bigint, lastAdjustmentNs: bigint | null): boolean {
    if (lastAdjustmentNs === null || this.adjustEveryNs === null) return true;
    return nowNs - lastAdjustmentNs >= this.adjustEveryNs;
  }

  /**
   * A `RollingReturnStats` over the config's strategies with this lookback (tracking the
   * covariance only for equal_risk_contribution), for a backtest: push each bar's sleeve returns.
   */
  createRollingStats(options: { readonly initialCapacity?: number } = {}): RollingReturnStats {
    return new RollingReturnStats(this.strategyIds, {
      windowNs: this.lookbackNs,
      covariance: this.method === 'equal_risk_contribution',
      ...(options.initialCapacity === undefined
        ? {}
        : { initialCapacity: options.initialCapacity }),
    });
  }

  /**
   * Adjusted target capital for the strategies of `baseAllocations` (strategy id -> base target
   * capital, normally `baseAllocator.calculateTargets(...).targets`): window statistics from
   * `history` (return records, window (asOf - lookback, asOf] with asOf = `options.asOfNs` or the
   * latest timestamp in the history; or a `RollingReturnStats` over this config's strategies, whose
   * current window is used as is), weights by the method, then the base allocator's water-filling
   * with those weights at total = sum of the base allocations of the config's strategies.
   */
  calculateAdjustedAllocations(
    history: PerformanceHistory | RollingReturnStats,
    baseAllocations: Readonly<Record<string, number>>,
    options: { readonly asOfNs?: bigint } = {},
  ): RiskAdjustment {
    const ids = this.strategyIds;
    const n = ids.length;
    let total = 0;
    for (const id of ids) {
      const value = baseAllocations[id] ?? 0;
      if (!Number.isFinite(value))
        throw new RiskError(
          'invalid_history',
          `base allocation of ${id} must be finite, got ${String(value)}`,
        );
      total += value;
    }
    if (history instanceof RollingReturnStats && options.asOfNs !== undefined) {
      throw new RiskError(
        'invalid_options',
        'asOfNs applies to return records; move a RollingReturnStats with advanceTo',
      );
    }
    const summary =
      history instanceof RollingReturnStats
        ? this.summarizeRolling(history)
        : this.summarizeRecords(history, options.asOfNs);

    const base = this.baseWeights;
    const s = this.adjustmentSensitivity;
    let weights: Float64Array;
    let adjusted: Uint8Array;
    let scores: Float64Array | null = null;
    let shrinkage: number | null = null;
    if (this.method === 'sharpe_drawdown') {
      const tilt = calculateSharpeDrawdownWeights(base, summary.stats, {
        sensitivity: s,
        sharpeCap: this.options.sharpeCap ?? DEFAULT_SHARPE_CAP,
        drawdownPenalty: this.options.drawdownPenalty ?? DEFAULT_DRAWDOWN_PENALTY,
      });
      weights = tilt.weights;
      adjusted = tilt.adjusted;
      scores = tilt.scores;
    } else {
      // The risk methods weigh only strategies with a base weight, two returns and a volatility.
      adjusted = new Uint8Array(n);
      const members: number[] = [];
      for (let i = 0; i < n; i++) {
        if (
          (base[i] as number) > 0 &&
          (summary.stats[i] as ReturnStats).count >= 2 &&
          (summary.std[i] as number) > MIN_VOLATILITY
        ) {
          members.push(i);
        }
      }
      let risk: Float64Array | null = null;
      if (members.length > 0 && s > 0) {
        if (this.method === 'inverse_volatility') {
          risk = new Float64Array(members.length);
          let sum = 0;
          members.forEach((i, k) => {
            risk![k] = 1 / (summary.std[i] as number);
            sum += risk![k];
          });
          for (let k = 0; k < members.length; k++) risk[k] = (risk[k] as number) / sum;
        } else {
          const { matrix, rows } = summary.covariance();
          const m = members.length;
          const sub = new Float64Array(m * m);
          for (let a = 0; a < m; a++) {
            for (let b = 0; b < m; b++)
              sub[a * m + b] = matrix[
                (members[a] as number) * n + (members[b] as number)
              ] as number;
          }
          shrinkage = this.options.shrinkage ?? defaultShrinkageIntensity(m, rows);
          shrinkCovarianceToDiagonal(sub, m, shrinkage);
          let positive = true;
          for (let a = 0; a < m; a++) if (!((sub[a * m + a] as number) > 0)) positive = false;
          risk = positive
            ? equalRiskContributionWeights(
                sub,
                m,
                this.options.tolerance === undefined ? {} : { tolerance: this.options.tolerance },
              ).weights
            : null;
        }
      }
      weights = Float64Array.from(base);
      if (risk !== null) {
        // Blend toward the risk weights, spread over the members' share of the base weights.
        const blend = Math.min(1, s);
        let memberBase = 0;
        for (const i of members) memberBase += base[i] as number;
        members.forEach((i, k) => {
          adjusted[i] = 1;
          weights[i] = (1 - blend) * (base[i] as number) + blend * memberBase * (risk[k] as number);
        });
      }
    }

    const weightRecord = createIdRecord<number>();
    const baseRecord = createIdRecord<number>();
    const stats = createIdRecord<StrategyRiskStats>();
    for (let i = 0; i < n; i++) {
      const id = ids[i] as string;
      weightRecord[id] = weights[i] as number;
      baseRecord[id] = base[i] as number;
      const score = scores !== null && adjusted[i] === 1 ? (scores[i] as number) : null;
      const window = summary.stats[i] as ReturnStats;
      // Fields spelled out: an object spread costs more than the rest of a 3-strategy adjustment.
      stats[id] = {
        count: window.count,
        mean: window.mean,
        volatility: window.volatility,
        sharpe: window.sharpe,
        maxDrawdown: window.maxDrawdown,
        adjusted: adjusted[i] === 1,
        score,
        baseWeight: base[i] as number,
        weight: weights[i] as number,
      };
    }
    const allocator = this.baseAllocator.withWeights(weightRecord);
    const allocation = allocator.calculateTargetsForEquity(total);
    const targets = createIdRecord<number>();
    for (const id of ids) targets[id] = allocation.targets[id] as number;
    for (const id in baseAllocations) {
      if (allocator.indexOf(id) === undefined) targets[id] = baseAllocations[id] as number;
    }
    return {
      method: this.method,
      asOfNs: summary.asOfNs,
      windowStartNs: summary.asOfNs === null ? null : summary.asOfNs - this.lookbackNs,
      periodsPerYear: summary.periodsPerYear,
      total,
      targets,
      weights: weightRecord,
      baseWeights: baseRecord,
      stats,
      unallocated: allocation.unallocated,
      boundsViolated: allocation.boundsViolated,
      shrinkage,
      allocator,
    };
  }

  private annualization(periodsPerYear: number): AnnualizationOptions {
    return {
      periodsPerYear,
      riskFreeRate: this.options.riskFreeRate ?? this.baseAllocator.config.riskFreeRate,
    };
  }

  private resolvePeriods(infer: () => number | null): number {
    return (
      this.options.periodsPerYear ??
      this.baseAllocator.config.periodsPerYear ??
      infer() ??
      DEFAULT_PERIODS_PER_YEAR
    );
  }

  private summarizeRolling(rolling: RollingReturnStats): WindowSummary {
    const ids = this.strategyIds;
    if (
      rolling.strategyIds.length !== ids.length ||
      rolling.strategyIds.some((id, i) => id !== ids[i])
    ) {
      throw new RiskError(
        'unknown_strategy',
        'the RollingReturnStats must cover the config strategies in config order',
      );
    }
    const periodsPerYear = this.resolvePeriods(() => rolling.inferPeriodsPerYear());
    const annualization = this.annualization(periodsPerYear);
    const n = ids.length;
    const std = new Float64Array(n);
    const stats = ids.map((_, i) => {
      const variance = rolling.variance(i);
      std[i] = variance === null ? 0 : Math.sqrt(variance);
      return rolling.stats(i, annualization);
    });
    return {
      stats,
      std,
      asOfNs: rolling.latestNs,
      periodsPerYear,
      covariance: () => {
        if (!rolling.tracksCovariance) {
          throw new RiskError(
            'invalid_options',
            'equal_risk_contribution needs a RollingReturnStats with covariance: true',
          );
        }
        const matrix = new Float64Array(n * n);
        return { matrix, rows: rolling.covarianceInto(matrix) };
      },
    };
  }

  private summarizeRecords(
    history: PerformanceHistory,
    asOfOption: bigint | undefined,
  ): WindowSummary {
    const ids = this.strategyIds;
    const n = ids.length;
    let asOf: bigint | null = asOfOption ?? null;
    for (const id of ids) {
      const series = history[id];
      if (series === undefined) continue;
      const { timestampsNs, returns } = series;
      if (timestampsNs.length !== returns.length) {
        throw new RiskError(
          'invalid_history',
          `${id}: ${timestampsNs.length} timestamps but ${returns.length} returns`,
        );
      }
      for (let k = 1; k < timestampsNs.length; k++) {
        if (!((timestampsNs[k] as bigint) > (timestampsNs[k - 1] as bigint))) {
          throw new RiskError(
            'invalid_history',
            `${id}: timestamps must increase strictly (index ${k})`,
          );
        }
      }
      const last = timestampsNs[timestampsNs.length - 1];
      if (asOfOption === undefined && last !== undefined && (asOf === null || last > asOf))
        asOf = last;
    }
    const windows: Float64Array[] = [];
    const windowTimes: bigint[][] = [];
    const union = new Set<bigint>();
    for (const id of ids) {
      const series = history[id];
      const values: number[] = [];
      const times: bigint[] = [];
      if (series !== undefined && asOf !== null) {
        const cutoff = asOf - this.lookbackNs;
        for (let k = 0; k < series.timestampsNs.length; k++) {
          const t = series.timestampsNs[k] as bigint;
          if (t > cutoff && t <= asOf) {
            values.push(series.returns[k] as number);
            times.push(t);
            union.add(t);
          }
        }
      }
      windows.push(Float64Array.from(values));
      windowTimes.push(times);
    }
    const timeline = [...union].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const periodsPerYear = this.resolvePeriods(() => inferPeriodsPerYear(timeline));
    const annualization = this.annualization(periodsPerYear);
    const std = new Float64Array(n);
    const stats = windows.map((values, i) => {
      const m = calculateReturnMoments(values);
      std[i] = m.count >= 2 ? Math.sqrt(m.variance) : 0;
      return statsFromMoments(m.count, m.mean, m.variance, m.maxDrawdown, annualization);
    });
    return {
      stats,
      std,
      asOfNs: asOf,
      periodsPerYear,
      covariance: () => {
        const rows = timeline.length;
        const row = new Map(timeline.map((t, k) => [t, k]));
        const data = new Float64Array(rows * n).fill(Number.NaN);
        windows.forEach((values, i) => {
          const times = windowTimes[i] as bigint[];
          for (let k = 0; k < values.length; k++) {
            data[(row.get(times[k] as bigint) as number) * n + i] = sanitizeReturn(
              values[k] as number,
            );
          }
        });
        return {
          matrix: rows >= 2 ? calculateSampleCovariance(data, rows, n) : new Float64Array(n * n),
          rows,
        };
      },
    };
  }
}
