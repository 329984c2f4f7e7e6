// Each strategy's contribution to the portfolio's return, and the check that they add up to it.
import type { PortfolioBacktestResult } from '@njord/portfolio-contracts';

export interface ContributionRow {
  readonly strategyId: string;
  /** As in the result (a fraction of initial capital); null when the result has none for it. */
  readonly contribution: number | null;
  /** contribution / sum of contributions; null when the sum is 0. */
  readonly shareOfTotal: number | null;
}

export interface ContributionSummary {
  readonly rows: readonly ContributionRow[];
  /** Sum of the rows' contributions. */
  readonly sum: number;
  /** final_equity / initial_capital - 1 (the definition of total_return); null when capital is not > 0. */
  readonly totalReturn: number | null;
  /** sum - totalReturn: zero up to rounding when the result is consistent. */
  readonly residual: number | null;
}

/**
 * The contributions in strategy order (then any strategy the result names only in
 * `contribution`), their sum and the portfolio's total return computed from the
 * result's equities, so the report shows that one equals the other.
 */
export function summarizeContributions(
  result: PortfolioBacktestResult,
  strategyIds: readonly string[],
): ContributionSummary {
  const ids = [...strategyIds];
  for (const id of Object.keys(result.contribution)) if (!ids.includes(id)) ids.push(id);
  let sum = 0;
  const values = ids.map((id) => {
    const value = result.contribution[id];
    if (value !== undefined) sum += value;
    return value ?? null;
  });
  const rows = ids.map((strategyId, index) => {
    const contribution = values[index] ?? null;
    return {
      strategyId,
      contribution,
      shareOfTotal: contribution === null || sum === 0 ? null : contribution / sum,
    };
  });
  const totalReturn =
    result.initialCapital > 0 ? result.finalEquity / result.initialCapital - 1 : null;
  return { rows, sum, totalReturn, residual: totalReturn === null ? null : sum - totalReturn };
}
