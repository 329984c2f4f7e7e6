// The one rule a simulated trade (a strategy's or a rebalance's) must pass before it fills:
// lot rounding toward zero, the instrument's min_notional, the portfolio's min_trade_value,
// then its costs. Allocation-free: the verdict is written into a caller-owned object.
import type { CostModel } from '@njord/portfolio-contracts';
import { commissionOf, slippageOf } from './costs.js';
import { roundUnitsToLot } from './rounding.js';

/** Why a desired trade does not fill; null when it does. */
export type AdmissionReason = 'rounded_to_zero' | 'below_min_notional' | 'below_min_trade_value';

/** What the trade-wide rules are: the portfolio's `min_trade_value` and cost model. */
export interface AdmissionRules {
  readonly minTradeValue: number;
  readonly costs: CostModel;
}

/** Trade-wide rules that admit everything the lot and min_notional let through, at no cost. */
export const NO_TRADE_RULES: AdmissionRules = Object.freeze({
  minTradeValue: 0,
  costs: Object.freeze({ commissionBps: 0, commissionMin: 0, slippageBps: 0 }),
});

/**
 * The verdict on one desired trade. Reused across calls on the hot path: read the fields
 * before the next `admitTrade` into the same object.
 */
export class TradeAdmission {
  /** Signed admitted quantity (positive = buy); 0 when `reason` is set or nothing was asked. */
  quantity = 0;
  /** `|quantity| x price`. */
  notional = 0;
  /** `max(commission_min, commission_bps x notional / 1e4)`; 0 without a trade. */
  commission = 0;
  /** `slippage_bps x notional / 1e4`. */
  slippage = 0;
  /** Why the trade was dropped; null when admitted (or when the desired quantity was 0). */
  reason: AdmissionReason | null = null;

  /** `commission + slippage`: what the fill pays. */
  get fee(): number {
    return this.commission + this.slippage;
  }
}

/** An instrument's rounding rule: lot size (undefined = fractional) and minimum notional. */
export interface InstrumentRule {
  readonly lotSize: number | undefined;
  readonly minNotional: number;
}

export const FRACTIONAL_RULE: InstrumentRule = Object.freeze({
  lotSize: undefined,
  minNotional: 0,
});

/**
 * Writes into `out` the trade `desired` (signed) becomes at `price`: rounded toward zero to
 * the lot (1e-9 relative tolerance), dropped below the instrument's `min_notional` or the
 * portfolio's `min_trade_value`, and priced with the cost model. The caller has checked that
 * `price > 0` and `desired` are finite.
 */
export function admitTradeInto(
  out: TradeAdmission,
  rule: InstrumentRule,
  desired: number,
  price: number,
  rules: AdmissionRules,
): TradeAdmission {
  out.quantity = 0;
  out.notional = 0;
  out.commission = 0;
  out.slippage = 0;
  out.reason = null;
  if (desired === 0) return out;
  const rounded = roundUnitsToLot(desired, rule.lotSize);
  const notional = Math.abs(rounded) * price;
  // A quantity so small that its notional underflows to 0 (5e-324 units at 0.01) trades
  // nothing: rounded to zero like a lot, never charged a minimum commission.
  if (rounded === 0 || notional === 0) {
    out.reason = 'rounded_to_zero';
    return out;
  }
  if (notional < rule.minNotional) {
    out.reason = 'below_min_notional';
    return out;
  }
  if (notional < rules.minTradeValue) {
    out.reason = 'below_min_trade_value';
    return out;
  }
  out.quantity = rounded;
  out.notional = notional;
  out.commission = commissionOf(notional, rules.costs);
  out.slippage = slippageOf(notional, rules.costs);
  return out;
}
