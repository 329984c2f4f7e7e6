// The rebalancer's expected failures: a halted portfolio, a held symbol without a price, a
// trade too large for a double.
import { isTaggedError, taggedError } from '@njord/portfolio-contracts/core';

export const REBALANCE_ERROR_CODES = ['portfolio_halted', 'unvalued_symbol', 'overflow'] as const;
export type RebalanceErrorCode = (typeof REBALANCE_ERROR_CODES)[number];

/** Thrown or returned with a `code` from `REBALANCE_ERROR_CODES`; `_tag` is `'RebalanceError'`. */
export class RebalanceError extends taggedError('RebalanceError', REBALANCE_ERROR_CODES) {
  /** The sleeve and symbol concerned (`unvalued_symbol`, `overflow`). */
  readonly strategyId: string | undefined;
  readonly symbol: string | undefined;

  constructor(
    code: RebalanceErrorCode,
    message: string,
    details: { strategyId?: string; symbol?: string } = {},
  ) {
    super(code, message);
    this.strategyId = details.strategyId;
    this.symbol = details.symbol;
  }
}

/** True for a RebalanceError, also one thrown by another copy of this package. */
export const isRebalanceError = isTaggedError(RebalanceError);
