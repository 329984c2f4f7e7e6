// Trade costs of one simulated trade: commission (with its minimum) and slippage, both as cash.
import type { CostModel } from '@njord/portfolio-contracts';
import { SizerError } from './errors.js';

export interface TradeCosts {
  readonly commission: number;
  readonly slippage: number;
}

const ZERO_COSTS: TradeCosts = Object.freeze({ commission: 0, slippage: 0 });

/**
 * `commission = max(commission_min, commission_bps x |notional| / 1e4)`,
 * `slippage = slippage_bps x |notional| / 1e4`. A zero notional (no trade) costs nothing,
 * not even the minimum commission.
 */
export function calculateTradeCosts(notional: number, costs: CostModel): TradeCosts {
  if (!Number.isFinite(notional)) {
    throw new SizerError('invalid_input', `notional must be finite, got ${String(notional)}`);
  }
  const size = Math.abs(notional);
  if (size === 0) return ZERO_COSTS;
  return { commission: commissionOf(size, costs), slippage: slippageOf(size, costs) };
}

/** `max(commission_min, commission_bps x size / 1e4)` for a traded notional `size > 0`. */
export function commissionOf(size: number, costs: CostModel): number {
  return Math.max(costs.commissionMin, basisPoints(costs.commissionBps, size));
}

/** `slippage_bps x size / 1e4` for a traded notional `size > 0`. */
export function slippageOf(size: number, costs: CostModel): number {
  return basisPoints(costs.slippageBps, size);
}

/**
 * `bps x size / 1e4`. A size near the largest double makes the product overflow although the
 * result fits (10 bps of 1.8e307 is 1.8e304): then `bps x (size / 1e4)`, the same number up
 * to rounding; every size whose product fits keeps the first form, bit for bit.
 */
function basisPoints(bps: number, size: number): number {
  const scaled = (bps * size) / 1e4;
  return scaled === Infinity ? bps * (size / 1e4) : scaled;
}
