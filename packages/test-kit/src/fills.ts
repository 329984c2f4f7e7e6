// How the tests fill a plan: each trade at once, at its reference price, with the costs the
// plan computed for it (the fill id is the intent id), as a backtest fills its plans.
import type { FillEvent, PlannedTrade } from '@njord/portfolio-contracts';

/** The fill of `trade` at its reference price with its own costs, stamped `timestampNs`. */
export function referenceFill(
  trade: PlannedTrade,
  timestampNs: bigint = trade.timestampNs,
): FillEvent {
  return {
    fillId: trade.intentId,
    strategyId: trade.strategyId,
    symbol: trade.symbol,
    side: trade.side,
    quantity: trade.quantity,
    price: trade.referencePrice,
    fee: trade.commission + trade.slippage,
    timestampNs,
    intentId: trade.intentId,
  };
}
