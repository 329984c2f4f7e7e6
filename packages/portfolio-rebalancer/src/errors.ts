// The rebalancer's expected failures: a halted portfolio, a held symbol without a price.
export const REBALANCE_ERROR_CODES = ['portfolio_halted', 'unvalued_symbol'] as const;
export type RebalanceErrorCode = (typeof REBALANCE_ERROR_CODES)[number];

export class RebalanceError extends Error {
  readonly _tag = 'RebalanceError' as const;
  readonly code: RebalanceErrorCode;
  /** The sleeve and symbol concerned (`unvalued_symbol`). */
  readonly strategyId: string | undefined;
  readonly symbol: string | undefined;

  constructor(
    code: RebalanceErrorCode,
    message: string,
    details: { strategyId?: string; symbol?: string } = {},
  ) {
    super(message);
    this.name = 'RebalanceError';
    this.code = code;
    this.strategyId = details.strategyId;
    this.symbol = details.symbol;
  }
}

export function isRebalanceError(value: unknown): value is RebalanceError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { _tag?: unknown })._tag === 'RebalanceError'
  );
}
