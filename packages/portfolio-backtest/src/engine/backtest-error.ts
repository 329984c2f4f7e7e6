// Why a backtest cannot run, as a value the runner reports as bad input.
import { isTaggedError, taggedError } from '@njord/portfolio-contracts/core';

/**
 * `empty_range`: no bar in the requested range; `no_data`: no bars at all; `overflow`: a
 * position would be sized beyond the largest double (capital x exposure x risk multiplier /
 * price), so the run's numbers would stop meaning anything.
 */
export const BACKTEST_ERROR_CODES = ['empty_range', 'no_data', 'overflow'] as const;

/** A backtest that cannot run: see BACKTEST_ERROR_CODES. */
export class BacktestError extends taggedError('BacktestError', BACKTEST_ERROR_CODES) {}

/** True for a BacktestError, also one made by another copy of this package. */
export const isBacktestError = isTaggedError(BacktestError);
