// A sleeve's flow-adjusted return over one period (docs/metrics.md), shared by backtest and live.

/**
 * r = (capital - transfer) / previousCapital - 1: the return of a sleeve whose capital went from
 * `previousCapital` to `capital` while `transfer` was moved into it (negative: out of it), so a
 * transfer is never mistaken for performance. NaN (a missing return) when previousCapital <= 0
 * or any input is not finite.
 */
export function calculateFlowAdjustedReturn(
  previousCapital: number,
  capital: number,
  transfer = 0,
): number {
  if (
    !(previousCapital > 0) ||
    !Number.isFinite(previousCapital) ||
    !Number.isFinite(capital) ||
    !Number.isFinite(transfer)
  ) {
    return Number.NaN;
  }
  return (capital - transfer) / previousCapital - 1;
}
