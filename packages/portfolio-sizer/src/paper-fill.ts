// Paper fills: an order intent filled at the symbol's latest mark as of the intent (its
// reference price when there is none) with the portfolio's costs, as a backtest fills a trade.
import type { CostModel, FillEvent, OrderIntent } from '@njord/portfolio-contracts';
import { calculateTradeCosts } from './costs.js';
import { SizerError } from './errors.js';

/** The fill id of the paper fill of an intent: one per intent, however often it is retried. */
export function paperFillId(intentId: string): string {
  return `paper:${intentId}`;
}

/**
 * The FillEvent of `intent` at `price`: `fee = commission + slippage` of the notional (the
 * price itself is not moved, as in the backtest), stamped with the intent's own time.
 */
export function fillIntentOnPaper(intent: OrderIntent, price: number, costs: CostModel): FillEvent {
  if (!Number.isFinite(price) || price <= 0) {
    throw new SizerError('invalid_price', `paper fill price must be > 0, got ${String(price)}`);
  }
  const cost = calculateTradeCosts(intent.quantity * price, costs);
  return {
    fillId: paperFillId(intent.intentId),
    strategyId: intent.strategyId,
    symbol: intent.symbol,
    side: intent.side,
    quantity: intent.quantity,
    price,
    fee: cost.commission + cost.slippage,
    timestampNs: intent.timestampNs,
    portfolioId: intent.portfolioId,
    intentId: intent.intentId,
  };
}

/**
 * Each symbol's marks in arrival order, so an intent is filled at the latest mark stamped at or
 * before it, even when later marks have already arrived (a tape played at full speed).
 */
export class MarkHistory {
  private readonly bySymbol = new Map<string, { times: bigint[]; prices: number[] }>();

  constructor(private readonly keepPerSymbol = 10_000) {}

  add(symbol: string, price: number, timestampNs: bigint): void {
    let series = this.bySymbol.get(symbol);
    if (series === undefined) {
      series = { times: [], prices: [] };
      this.bySymbol.set(symbol, series);
    }
    const last = series.times[series.times.length - 1];
    // An older mark than the symbol's last is stale: the live manager skips it too.
    if (last !== undefined && timestampNs < last) return;
    series.times.push(timestampNs);
    series.prices.push(price);
    if (series.times.length > this.keepPerSymbol * 2) {
      series.times.splice(0, series.times.length - this.keepPerSymbol);
      series.prices.splice(0, series.prices.length - this.keepPerSymbol);
    }
  }

  /** The price of the latest mark at or before `timestampNs`, or undefined. */
  priceAt(symbol: string, timestampNs: bigint): number | undefined {
    const series = this.bySymbol.get(symbol);
    if (series === undefined) return undefined;
    let lo = 0;
    let hi = series.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((series.times[mid] as bigint) <= timestampNs) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? undefined : series.prices[lo - 1];
  }
}

/** The paper fill of `intent` against `marks`: the mark as of the intent, else its reference price. */
export function fillIntentAtMark(
  intent: OrderIntent,
  marks: MarkHistory,
  costs: CostModel,
): FillEvent {
  const price = marks.priceAt(intent.symbol, intent.timestampNs) ?? intent.referencePrice;
  return fillIntentOnPaper(intent, price, costs);
}
