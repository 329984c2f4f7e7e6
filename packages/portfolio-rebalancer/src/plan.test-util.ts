// Test helpers: configs from wire objects, and an independent reference for applying a plan.
import type {
  PortfolioStateView,
  PriceMap,
  RebalancePlan,
  SleeveView,
} from '@njord/portfolio-contracts';

/** Capital of a sleeve at `prices`: cash + sum(units x price). */
export function sleeveCapital(sleeve: SleeveView, prices: PriceMap): number {
  let value = sleeve.cash;
  for (const [symbol, units] of Object.entries(sleeve.positions))
    if (units !== 0) value += units * prices[symbol]!;
  return value;
}

/** Total cash: sleeve cash plus unallocated. */
export function portfolioCash(state: PortfolioStateView): number {
  return state.sleeves.reduce((sum, sleeve) => sum + sleeve.cash, state.unallocatedCash);
}

/**
 * Applies a plan as the tracker is specified to: transfers into sleeve cash, unallocated
 * cash minus their sum, then every internal fill (no fee) and every trade filled in full at
 * its reference price with commission + slippage as a cash cost.
 */
export function applyPlan(state: PortfolioStateView, plan: RebalancePlan): PortfolioStateView {
  const sleeves = state.sleeves.map((sleeve) => ({
    strategyId: sleeve.strategyId,
    cash: sleeve.cash + (plan.transfers[sleeve.strategyId] ?? 0),
    positions: { ...sleeve.positions },
  }));
  const byId = new Map(sleeves.map((sleeve) => [sleeve.strategyId, sleeve]));
  const transferred = Object.values(plan.transfers).reduce((sum, x) => sum + x, 0);
  const fills = [
    ...(plan.internalFills ?? []).map((f) => ({ ...f, cost: f.fee })),
    ...plan.trades.map((t) => ({ ...t, price: t.referencePrice, cost: t.commission + t.slippage })),
  ];
  for (const fill of fills) {
    const sleeve = byId.get(fill.strategyId)!;
    const signed = fill.side === 'buy' ? fill.quantity : -fill.quantity;
    sleeve.positions[fill.symbol] = (sleeve.positions[fill.symbol] ?? 0) + signed;
    sleeve.cash -= signed * fill.price + fill.cost;
  }
  return {
    portfolioId: state.portfolioId,
    sleeves,
    unallocatedCash: state.unallocatedCash - transferred,
    lastRebalanceNs: plan.timestampNs,
  };
}
