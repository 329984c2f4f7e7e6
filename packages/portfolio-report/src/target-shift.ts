// How far a risk adjustment moved each strategy's target from its base: the numbers behind the report's sentence.
import type { PortfolioBacktestResult } from '@njord/portfolio-contracts';
import { type CurveView, viewOfResult } from './curve-view.js';
import { formatNumber, formatPercent } from './format.js';

export interface TargetShiftRow {
  readonly strategyId: string;
  /** Time-weighted mean of adjusted target / equity; null when no bar has both. */
  readonly meanAdjustedShare: number | null;
  /** Time-weighted mean of base target / equity, over the same bars. */
  readonly meanBaseShare: number | null;
  /** The smallest and largest adjusted target / equity over those bars. */
  readonly minAdjustedShare: number | null;
  readonly maxAdjustedShare: number | null;
  /** meanAdjustedShare - meanBaseShare: > 0 the adjustment gave it capital, < 0 took some. */
  readonly shift: number | null;
}

export interface TargetShiftSummary {
  /** In `strategies` order. */
  readonly rows: TargetShiftRow[];
  /** Points of the curve that record base targets. */
  readonly points: number;
  /** Of those, the points where some adjusted target differs from its base (beyond 1e-9 relative). */
  readonly movedPoints: number;
}

/** Equal up to rounding: the adjusted and the base targets are water-filled by different sums. */
function isSame(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/**
 * Each strategy's adjusted and base targets as shares of the portfolio's equity,
 * averaged over time: each point of the curve holds until the next one, the last
 * holds for no time (all points count equally when those counted span no time), so a
 * sparse curve (`--curve-every`) is not biased toward its rebalance bars. Points
 * without base targets, without a strategy's target or with equity <= 0 are left
 * out for that strategy. Null when no point records base targets.
 */
export function summarizeTargetShifts(
  result: PortfolioBacktestResult,
  strategies: readonly string[],
): TargetShiftSummary | null {
  return summarizeTargetShiftsOf(viewOfResult(result), strategies);
}

/** `summarizeTargetShifts` over a curve view (point objects or typed arrays alike). */
export function summarizeTargetShiftsOf(
  view: CurveView,
  strategies: readonly string[],
): TargetShiftSummary | null {
  const n = view.length;
  const allTargets = view.ids.map((id) => view.series('targets', id));
  const allBase = view.ids.map((id) => view.series('baseTargets', id));
  let points = 0;
  let movedPoints = 0;
  for (let i = 0; i < n; i++) {
    if (view.withBase[i] !== 1) continue;
    points++;
    const moved = allTargets.some((targets, k) => {
      const adjusted = targets[i] as number;
      if (Number.isNaN(adjusted)) return false; // not a target of this point
      const baseValue = (allBase[k] as Float64Array)[i] as number;
      return Number.isNaN(baseValue) || !isSame(adjusted, baseValue);
    });
    if (moved) movedPoints++;
  }
  if (points === 0) return null;

  const weightAt = (i: number): number =>
    i + 1 < n ? Number((view.timesNs[i + 1] as bigint) - (view.timesNs[i] as bigint)) : 0;

  const rows = strategies.map((strategyId): TargetShiftRow => {
    const baseSeries = view.series('baseTargets', strategyId);
    const adjustedSeries = view.series('targets', strategyId);
    // Time-weighted sums, and plain ones for when the points counted span no time.
    let weightSum = 0;
    let adjustedSum = 0;
    let baseSum = 0;
    let count = 0;
    let adjustedPlain = 0;
    let basePlain = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      const base = baseSeries[i] as number;
      const adjusted = adjustedSeries[i] as number;
      const equity = view.equity[i] as number;
      if (view.withBase[i] !== 1 || Number.isNaN(base) || Number.isNaN(adjusted) || !(equity > 0))
        continue;
      const adjustedShare = adjusted / equity;
      const baseShare = base / equity;
      const weight = weightAt(i);
      weightSum += weight;
      adjustedSum += weight * adjustedShare;
      baseSum += weight * baseShare;
      count++;
      adjustedPlain += adjustedShare;
      basePlain += baseShare;
      if (adjustedShare < min) min = adjustedShare;
      if (adjustedShare > max) max = adjustedShare;
    }
    if (count === 0) {
      return {
        strategyId,
        meanAdjustedShare: null,
        meanBaseShare: null,
        minAdjustedShare: null,
        maxAdjustedShare: null,
        shift: null,
      };
    }
    const meanAdjusted = weightSum > 0 ? adjustedSum / weightSum : adjustedPlain / count;
    const meanBase = weightSum > 0 ? baseSum / weightSum : basePlain / count;
    return {
      strategyId,
      meanAdjustedShare: meanAdjusted,
      meanBaseShare: meanBase,
      minAdjustedShare: min,
      maxAdjustedShare: max,
      shift: meanAdjusted - meanBase,
    };
  });
  return { rows, points, movedPoints };
}

/**
 * What the risk adjustment moved, in two sentences of plain text (escape it for HTML):
 * on how many bars, then per strategy (largest gain first) its time-weighted share of
 * equity adjusted vs base, the difference in percentage points and the adjusted range.
 */
export function describeTargetShifts(summary: TargetShiftSummary): string {
  const bars = `${formatNumber(summary.movedPoints, 0)} of ${formatNumber(summary.points, 0)} bars`;
  if (summary.movedPoints === 0) {
    return `The risk adjustment never moved a target off its base (${formatNumber(summary.points, 0)} bars).`;
  }
  const rows = summary.rows
    .filter((row) => row.shift !== null)
    .sort((a, b) => (b.shift as number) - (a.shift as number));
  const parts = rows.map((row) => {
    const shift = row.shift as number;
    const pp = formatNumber(shift * 100, 1);
    const sign = shift > 0 && pp !== formatNumber(0, 1) ? '+' : '';
    return `${row.strategyId} ${formatPercent(row.meanAdjustedShare, 1)} vs ${formatPercent(row.meanBaseShare, 1)} (${sign}${pp} pp; ${formatPercent(row.minAdjustedShare, 1)} to ${formatPercent(row.maxAdjustedShare, 1)})`;
  });
  return `The risk adjustment moved the targets off their base on ${bars}. Time-weighted share of equity, risk-adjusted vs base (and the adjusted range): ${parts.join(', ')}.`;
}
