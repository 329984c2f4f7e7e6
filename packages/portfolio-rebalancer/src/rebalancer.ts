// Rebalancer: a portfolio state and prices -> a RebalancePlan (transfers, pro-rata order intents, costs).
import { createIdRecord } from '@njord/portfolio-contracts/core';
import type { AllocationCalculator } from '@njord/portfolio-allocator';
import type {
  CostModel,
  FillEvent,
  PlannedTrade,
  PortfolioStateView,
  PriceMap,
  RebalancePlan,
  RebalanceReason,
  Result,
  SkippedTrade,
  SkipReason,
} from '@njord/portfolio-contracts';
import {
  calculateTradeCosts,
  TradeAdmission,
  type AdmissionRules,
  type PositionSizer,
} from '@njord/portfolio-sizer';
import { bandEdgeCapital, bandOf, type Band } from './band-edge.js';
import { RebalanceError } from './errors.js';

/** Overrides of the config's `min_trade_value`, `costs` and `netting`. */
export type RebalanceOptions = { minTradeValue?: number; costs?: CostModel; netting?: boolean };

/** What the rebalancer needs of a sizer: the admission rule every simulated trade follows. */
export type RebalanceSizer = Pick<PositionSizer, 'admitTrade'>;

export type RebalancePlanOptions = {
  /** Default `${portfolioId}-${nowNs}`. */
  planId?: string;
  /** Default: the allocator's reason at these prices, `threshold` if none. */
  reason?: RebalanceReason;
  /** Backtest data gaps: a non-tradable symbol is skipped with reason `no_bar`. */
  tradable?: (symbol: string) => boolean;
  /** Overrides the rebalancer's allocator for this plan (risk-adjusted weights). */
  allocator?: AllocationCalculator;
};

/**
 * A sleeve whose `|target - capital|` is at most this fraction of portfolio equity is not
 * traded: after a plan is applied, capital equals target up to floating-point error, and
 * re-planning must not trade that dust.
 */
export const TARGET_TOLERANCE = 1e-10;

/** Iterations of the bisection on the buy scale when cash binds (2^-64 of the buys). */
const SCALE_ITERATIONS = 64;

interface Leg {
  readonly sleeve: number;
  readonly strategyId: string;
  readonly symbol: string;
  readonly price: number;
  /** Signed, rounded to the sizer's rules; positive = buy. */
  quantity: number;
  commission: number;
  slippage: number;
}

function failure(error: RebalanceError): Result<RebalancePlan, RebalanceError> {
  return { success: false, error };
}

export class Rebalancer {
  readonly allocator: AllocationCalculator;
  private readonly sizer: RebalanceSizer;
  private readonly options: RebalanceOptions;
  /** Reused verdict of the sizer's admission rule (read at once after each call). */
  private readonly admission = new TradeAdmission();

  constructor(
    allocator: AllocationCalculator,
    sizer: RebalanceSizer,
    options: RebalanceOptions = {},
  ) {
    this.allocator = allocator;
    this.sizer = sizer;
    this.options = options;
  }

  /**
   * Plans a rebalance of `state` at `prices`: transfers `goal_i - capital_i` where the goal is
   * the target (`rebalance_to: target`) or, with `band_edge`, the band edge or the absorbed
   * amount of `bandEdgeCapital` (`fallback: true` in the plan when it went to target), each sleeve's
   * positions scaled by `k_i = goal_i / capital_i` (closed out when capital <= 0), sells
   * before buys, buys scaled down when the portfolio's cash would fall below
   * min(0, cash before). Fails with `portfolio_halted` (equity <= 0), `unvalued_symbol`, or
   * `overflow` (a sleeve's capital, the portfolio's equity, or a sleeve's trade in units or
   * notional is not a finite double).
   */
  createRebalancePlan(
    state: PortfolioStateView,
    prices: PriceMap,
    nowNs: bigint,
    options: RebalancePlanOptions = {},
  ): Result<RebalancePlan, RebalanceError> {
    const allocator = options.allocator ?? this.allocator;
    const config = allocator.config;
    const minTradeValue = this.options.minTradeValue ?? config.minTradeValue;
    const costModel = this.options.costs ?? config.costs;
    const netting = this.options.netting ?? config.netting;
    const rules: AdmissionRules = { minTradeValue, costs: costModel };
    const planId = options.planId ?? `${state.portfolioId}-${nowNs}`;
    const sleeves = state.sleeves;
    const n = sleeves.length;

    // Capital of each sleeve; every held symbol must have a usable price.
    const capital = new Float64Array(n);
    const capitalById = createIdRecord<number>();
    let cashBefore = state.unallocatedCash;
    for (let i = 0; i < n; i++) {
      const sleeve = sleeves[i]!;
      let value = sleeve.cash;
      cashBefore += sleeve.cash;
      for (const symbol in sleeve.positions) {
        const units = sleeve.positions[symbol]!;
        if (units === 0) continue;
        const price = prices[symbol];
        if (price === undefined || !(price > 0) || !Number.isFinite(price)) {
          return failure(
            new RebalanceError(
              'unvalued_symbol',
              `${sleeve.strategyId} holds ${symbol} but its price is ${String(price)}`,
              { strategyId: sleeve.strategyId, symbol },
            ),
          );
        }
        value += units * price;
      }
      if (!Number.isFinite(value)) {
        return failure(
          new RebalanceError(
            'overflow',
            `${sleeve.strategyId}'s capital (cash ${sleeve.cash} plus its positions at these prices) is ${value}, beyond the largest number a double holds`,
            { strategyId: sleeve.strategyId },
          ),
        );
      }
      capital[i] = value;
      capitalById[sleeve.strategyId] = value;
    }

    const allocation = allocator.calculateTargets(capitalById, state.unallocatedCash);
    if (allocation.equity === Infinity) {
      return failure(
        new RebalanceError(
          'overflow',
          "portfolio equity (the sleeves' capital plus unallocated cash) is Infinity, beyond the largest number a double holds",
        ),
      );
    }
    if (!(allocation.equity > 0)) {
      return failure(
        new RebalanceError(
          'portfolio_halted',
          `portfolio equity is ${String(allocation.equity)} (<= 0)`,
        ),
      );
    }
    const targets = allocation.targets;
    const driftBefore = allocator.calculateDrift(capitalById, targets, allocation.equity);
    const reason =
      options.reason ??
      allocator.rebalanceReason(
        driftBefore,
        { nowNs, lastRebalanceNs: state.lastRebalanceNs },
        { targets, equity: allocation.equity },
      ) ??
      'threshold';

    // Where each sleeve goes: its target, or with band_edge the edge of its band.
    const dust = TARGET_TOLERANCE * allocation.equity;
    let goal: Readonly<Record<string, number>> = targets;
    let fallback: boolean | undefined;
    if (config.rebalanceTo === 'band_edge') {
      const edge = bandEdgeCapital(
        new Map(Object.entries(capitalById)),
        targets,
        bandsOf(allocator, targets, allocation.equity),
        dust,
      );
      fallback = edge.fallback;
      if (!edge.fallback) goal = Object.fromEntries(edge.capital);
    }
    const transfers = createIdRecord<number>();
    for (const id in goal) transfers[id] = goal[id]! - (capitalById[id] ?? 0);

    // Pro-rata trades inside each sleeve.
    const skipped: SkippedTrade[] = [];
    const skip = (strategyId: string, symbol: string, quantity: number, why: SkipReason) => {
      skipped.push({ strategyId, symbol, quantity, reason: why });
    };
    let legs: Leg[] = [];
    const tradable = options.tradable;
    for (let i = 0; i < n; i++) {
      const sleeve = sleeves[i]!;
      const id = sleeve.strategyId;
      const sleeveCapital = capital[i]!;
      const target = goal[id] ?? 0;
      let change: number; // k - 1
      if (sleeveCapital > 0) {
        if (Math.abs(target - sleeveCapital) <= dust) continue;
        change = target / sleeveCapital - 1;
      } else {
        change = -1; // closed out; the transfer funds the sleeve in cash
      }
      for (const symbol in sleeve.positions) {
        const units = sleeve.positions[symbol]!;
        if (units === 0) continue;
        const desired = units * change;
        if (!Number.isFinite(desired) || !Number.isFinite(desired * (prices[symbol] ?? 0))) {
          // A sleeve worth a sliver of its target (a price fallen near zero): the trade that
          // scales it is past the largest double. No plan rather than a trade of Infinity.
          return failure(
            new RebalanceError(
              'overflow',
              `${id} holds ${units} ${symbol} at ${String(prices[symbol])}: moving its capital ${sleeveCapital} to ${target} trades ${desired} units, beyond the largest number a double holds`,
              { strategyId: id, symbol },
            ),
          );
        }
        if (tradable !== undefined && !tradable(symbol)) {
          skip(id, symbol, desired, 'no_bar');
          continue;
        }
        const price = prices[symbol]!;
        const quantity = this.admit(id, symbol, desired, price, rules, skip);
        if (quantity !== 0)
          legs.push({
            sleeve: i,
            strategyId: id,
            symbol,
            price,
            quantity,
            commission: 0,
            slippage: 0,
          });
      }
    }

    let internalFills: FillEvent[] | undefined;
    let nettingSavings = 0;
    if (netting) {
      const costsBefore = legs.reduce(
        (sum, leg) => sum + costOf(leg.quantity * leg.price, costModel),
        0,
      );
      const crossed = crossLegs(legs, planId, state.portfolioId, nowNs);
      internalFills = crossed.fills;
      legs = [];
      for (const leg of crossed.legs) {
        const quantity = this.admit(
          leg.strategyId,
          leg.symbol,
          leg.quantity,
          leg.price,
          rules,
          skip,
        );
        if (quantity !== 0) legs.push({ ...leg, quantity });
      }
      const costsAfter = legs.reduce(
        (sum, leg) => sum + costOf(leg.quantity * leg.price, costModel),
        0,
      );
      nettingSavings = Math.max(0, costsBefore - costsAfter);
    }

    let cashAfter = cashBefore;
    for (const leg of legs) {
      const costs = calculateTradeCosts(leg.quantity * leg.price, costModel);
      leg.commission = costs.commission;
      leg.slippage = costs.slippage;
      cashAfter -= leg.quantity * leg.price + costs.commission + costs.slippage;
    }
    // Transfers only move cash between sleeves and unallocated: portfolio cash changes by the
    // traded notional and the costs alone.
    const floor = Math.min(0, cashBefore);
    if (cashAfter < floor - 1e-9 * Math.max(1, allocation.equity)) {
      legs = this.scaleBuys(legs, cashBefore - floor, rules, skip);
    }

    // Sells first, then buys; each group in sleeve order, then symbol order within the sleeve.
    const ordered = [
      ...legs.filter((leg) => leg.quantity < 0),
      ...legs.filter((leg) => leg.quantity > 0),
    ];
    const trades: PlannedTrade[] = ordered.map((leg, index) => ({
      intentId: `${planId}:${index}`,
      planId,
      portfolioId: state.portfolioId,
      strategyId: leg.strategyId,
      symbol: leg.symbol,
      side: leg.quantity < 0 ? 'sell' : 'buy',
      quantity: Math.abs(leg.quantity),
      referencePrice: leg.price,
      timestampNs: nowNs,
      commission: leg.commission,
      slippage: leg.slippage,
    }));

    // Expected drift after: capital after the plan is target - the sleeve's costs (trades at
    // the model price do not change capital, skipped ones neither), against the same targets.
    const costsById = createIdRecord<number>();
    let estimatedCosts = 0;
    for (const leg of ordered) {
      const cost = leg.commission + leg.slippage;
      costsById[leg.strategyId] = (costsById[leg.strategyId] ?? 0) + cost;
      estimatedCosts += cost;
    }
    const equityAfter = allocation.equity - estimatedCosts;
    const expectedDriftReduction = createIdRecord<number>();
    for (const id in targets) {
      const target = targets[id]!;
      const capitalAfter = (goal[id] ?? target) - (costsById[id] ?? 0);
      const driftAfter =
        target !== 0
          ? (capitalAfter - target) / target
          : equityAfter > 0
            ? capitalAfter / equityAfter
            : 0;
      expectedDriftReduction[id] = Math.abs(driftBefore[id] ?? 0) - Math.abs(driftAfter);
    }

    const plan: RebalancePlan = {
      planId,
      portfolioId: state.portfolioId,
      timestampNs: nowNs,
      reason,
      transfers,
      trades,
      skipped,
      expectedDriftReduction,
      estimatedCosts,
      ...(fallback !== undefined ? { fallback } : {}),
      ...(internalFills !== undefined ? { internalFills, nettingSavings } : {}),
    };
    return { success: true, data: plan };
  }

  /**
   * The trade a desired quantity becomes under the sizer's admission rule (lot, min_notional,
   * min_trade_value); 0 (recorded as skipped, with the desired quantity) when it is dropped.
   */
  private admit(
    strategyId: string,
    symbol: string,
    desired: number,
    price: number,
    rules: AdmissionRules,
    skip: (strategyId: string, symbol: string, quantity: number, why: SkipReason) => void,
  ): number {
    const admitted = this.sizer.admitTrade(symbol, desired, price, rules, this.admission);
    if (admitted.reason !== null) {
      skip(strategyId, symbol, desired, admitted.reason);
      return 0;
    }
    return admitted.quantity;
  }

  /**
   * Scales every buy by one factor s in [0, 1], the largest (by bisection) whose buys, after
   * rounding, min rules and their costs, fit in `available` plus the sells' net proceeds.
   * What a buy loses is recorded as skipped with reason `cash`.
   */
  private scaleBuys(
    legs: Leg[],
    available: number,
    rules: AdmissionRules,
    skip: (strategyId: string, symbol: string, quantity: number, why: SkipReason) => void,
  ): Leg[] {
    let budget = available;
    const buys: Leg[] = [];
    for (const leg of legs) {
      if (leg.quantity < 0) budget += -leg.quantity * leg.price - leg.commission - leg.slippage;
      else buys.push(leg);
    }
    const scaledQuantity = (leg: Leg, scale: number): number => {
      if (scale <= 0) return 0;
      const admitted = this.sizer.admitTrade(
        leg.symbol,
        leg.quantity * scale,
        leg.price,
        rules,
        this.admission,
      );
      return admitted.reason !== null ? 0 : admitted.quantity;
    };
    const spend = (scale: number): number => {
      let total = 0;
      for (const leg of buys)
        total += costOf(scaledQuantity(leg, scale) * leg.price, rules.costs, true);
      return total;
    };
    let low = 0;
    if (budget > 0) {
      let high = 1;
      for (let k = 0; k < SCALE_ITERATIONS && high - low > 0; k++) {
        const mid = 0.5 * (low + high);
        if (mid === low || mid === high) break;
        if (spend(mid) <= budget) low = mid;
        else high = mid;
      }
    }
    const kept: Leg[] = [];
    for (const leg of legs) {
      if (leg.quantity < 0) {
        kept.push(leg);
        continue;
      }
      const quantity = scaledQuantity(leg, low);
      if (quantity < leg.quantity)
        skip(leg.strategyId, leg.symbol, leg.quantity - quantity, 'cash');
      if (quantity === 0) continue;
      const costs = calculateTradeCosts(quantity * leg.price, rules.costs);
      kept.push({ ...leg, quantity, commission: costs.commission, slippage: costs.slippage });
    }
    return kept;
  }
}

/** Each id's band at these targets (the allocation's bounds narrow it; unknown ids: [0, 0]). */
function bandsOf(
  allocator: AllocationCalculator,
  targets: Readonly<Record<string, number>>,
  equity: number,
): Map<string, Band> {
  const config = allocator.config;
  const rules = {
    threshold: config.rebalanceThreshold,
    absoluteThreshold: config.absoluteDriftThreshold,
    equity,
  };
  const bands = new Map<string, Band>();
  for (const id in targets) {
    const index = allocator.indexOf(id);
    const bounds = index === undefined ? undefined : config.allocations[index];
    bands.set(id, bandOf(targets[id]!, rules, bounds));
  }
  return bands;
}

/** Commission + slippage of a notional; with `withNotional`, plus the notional itself. */
function costOf(notional: number, costModel: CostModel, withNotional = false): number {
  const costs = calculateTradeCosts(notional, costModel);
  return costs.commission + costs.slippage + (withNotional ? notional : 0);
}

interface CrossLeg extends Leg {
  readonly original: number;
}

/** Below this fraction of a leg, what crossing leaves of it is rounding dust. */
const CROSS_DUST = 1e-12;

/**
 * Crosses opposite legs on one symbol between sleeves, in leg order (sleeve order): each
 * crossed amount is booked as two internal fills (seller, then buyer) at the leg price, fee
 * 0, ids `<planId>:net:<n>`. Returns what is left of each leg (signed, not yet re-rounded).
 */
function crossLegs(
  legs: readonly Leg[],
  planId: string,
  portfolioId: string,
  nowNs: bigint,
): { legs: Leg[]; fills: FillEvent[] } {
  const remaining: CrossLeg[] = legs.map((leg) => ({ ...leg, original: leg.quantity }));
  const bySymbol = new Map<string, { sells: CrossLeg[]; buys: CrossLeg[] }>();
  for (const leg of remaining) {
    let group = bySymbol.get(leg.symbol);
    if (group === undefined) bySymbol.set(leg.symbol, (group = { sells: [], buys: [] }));
    (leg.quantity < 0 ? group.sells : group.buys).push(leg);
  }
  const fills: FillEvent[] = [];
  const fill = (leg: Leg, side: 'buy' | 'sell', quantity: number) => {
    fills.push({
      fillId: `${planId}:net:${fills.length}`,
      strategyId: leg.strategyId,
      symbol: leg.symbol,
      side,
      quantity,
      price: leg.price,
      fee: 0,
      timestampNs: nowNs,
      portfolioId,
    });
  };
  for (const { sells, buys } of bySymbol.values()) {
    let s = 0;
    let b = 0;
    while (s < sells.length && b < buys.length) {
      const seller = sells[s]!;
      const buyer = buys[b]!;
      const amount = Math.min(-seller.quantity, buyer.quantity);
      fill(seller, 'sell', amount);
      fill(buyer, 'buy', amount);
      seller.quantity += amount;
      buyer.quantity -= amount;
      if (-seller.quantity <= CROSS_DUST * -seller.original) {
        seller.quantity = 0;
        s++;
      }
      if (buyer.quantity <= CROSS_DUST * buyer.original) {
        buyer.quantity = 0;
        b++;
      }
    }
  }
  return {
    legs: remaining
      .filter((leg) => leg.quantity !== 0)
      .map(({ original: _original, ...leg }) => leg),
    fills,
  };
}
