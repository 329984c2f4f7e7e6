// The JSON-safe, snake_case form of a RiskAdjustment (for journal lines and results).
import { createIdRecord } from '@njord/portfolio-contracts/core';
import type { RiskAdjustment } from './risk-adjusted-allocator.js';

/** One strategy's statistics on the wire. */
export interface StrategyRiskStatsWire {
  readonly count: number;
  readonly mean: number | null;
  readonly volatility: number | null;
  readonly sharpe: number | null;
  readonly max_drawdown: number | null;
  readonly adjusted: boolean;
  readonly score: number | null;
  readonly base_weight: number;
  readonly weight: number;
}

export interface RiskAdjustmentWire {
  readonly method: string;
  /** Decimal string of ns (the wire rule of docs/formats.md), or null. */
  readonly as_of_ns: string | null;
  readonly window_start_ns: string | null;
  readonly periods_per_year: number;
  readonly total: number;
  readonly targets: Readonly<Record<string, number>>;
  readonly weights: Readonly<Record<string, number>>;
  readonly base_weights: Readonly<Record<string, number>>;
  readonly stats: Readonly<Record<string, StrategyRiskStatsWire>>;
  readonly unallocated: number;
  readonly bounds_violated: boolean;
  readonly shrinkage: number | null;
}

/** Everything of `adjustment` but its allocator, snake_case, timestamps as decimal strings. */
export function encodeRiskAdjustment(adjustment: RiskAdjustment): RiskAdjustmentWire {
  const stats = createIdRecord<StrategyRiskStatsWire>();
  for (const [id, s] of Object.entries(adjustment.stats)) {
    stats[id] = {
      count: s.count,
      mean: s.mean,
      volatility: s.volatility,
      sharpe: s.sharpe,
      max_drawdown: s.maxDrawdown,
      adjusted: s.adjusted,
      score: s.score,
      base_weight: s.baseWeight,
      weight: s.weight,
    };
  }
  return {
    method: adjustment.method,
    as_of_ns: adjustment.asOfNs === null ? null : adjustment.asOfNs.toString(),
    window_start_ns: adjustment.windowStartNs === null ? null : adjustment.windowStartNs.toString(),
    periods_per_year: adjustment.periodsPerYear,
    total: adjustment.total,
    targets: { ...adjustment.targets },
    weights: { ...adjustment.weights },
    base_weights: { ...adjustment.baseWeights },
    stats,
    unallocated: adjustment.unallocated,
    bounds_violated: adjustment.boundsViolated,
    shrinkage: adjustment.shrinkage,
  };
}
