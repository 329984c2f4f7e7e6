// PositionSizer: capital x exposure x risk multiplier -> units, under lots, min notional and portfolio limits.
import type { PortfolioConfig } from '@njord/portfolio-contracts';
import {
  admitTradeInto,
  FRACTIONAL_RULE,
  NO_TRADE_RULES,
  TradeAdmission,
  type AdmissionRules,
  type InstrumentRule,
} from './admission.js';
import { SizerError } from './errors.js';
import { roundUnitsToLot } from './rounding.js';

export type SizeReason =
  'zero_capital' | 'rounded_to_zero' | 'below_min_notional' | 'lot_exceeds_capital';
export type SizeLimit = 'max_gross_leverage' | 'max_symbol_notional';

export interface PositionSize {
  /** Signed (negative exposure -> short), rounded toward zero to the lot. */
  readonly units: number;
  /** `|units| x price`. */
  readonly notional: number;
  /** Capital not deployed because of rounding or limits: `allocated x |exposure| x risk - notional`. */
  readonly residual: number;
  /** Why `units` is 0; null when it is not. */
  readonly reason: SizeReason | null;
  /** The portfolio limit that bound the size, if one did. */
  readonly limitedBy: SizeLimit | null;
}

/** What the rest of the portfolio holds, for the portfolio limits. */
export interface SizingContext {
  readonly portfolioEquity: number;
  /** Gross notional of every other position (all sleeves, all symbols, this one excluded). */
  readonly grossNotionalElsewhere?: number;
  /** Notional of this symbol held by the other sleeves (absolute). */
  readonly symbolNotionalElsewhere?: number;
}

export type TradeRounding = {
  readonly quantity: number;
  readonly reason: null | 'rounded_to_zero' | 'below_min_notional';
};

const FRACTIONAL = FRACTIONAL_RULE;

function checkPrice(price: number): void {
  if (!(price > 0) || !Number.isFinite(price)) {
    throw new SizerError(
      'invalid_price',
      `price must be a finite number > 0, got ${String(price)}`,
    );
  }
}

function checkFinite(name: string, value: number): void {
  if (!Number.isFinite(value)) {
    throw new SizerError('invalid_input', `${name} must be finite, got ${String(value)}`);
  }
}

function sized(
  units: number,
  price: number,
  budget: number,
  reason: SizeReason | null,
  limitedBy: SizeLimit | null,
): PositionSize {
  const notional = Math.abs(units) * price;
  return { units, notional, residual: budget - notional, reason, limitedBy };
}

export class PositionSizer {
  readonly config: PortfolioConfig;
  private readonly risk: ReadonlyMap<string, number>;
  private readonly instruments: ReadonlyMap<string, InstrumentRule>;
  private readonly maxGrossLeverage: number | undefined;
  private readonly maxSymbolNotional: number | undefined;

  constructor(config: PortfolioConfig) {
    this.config = config;
    const risk = new Map<string, number>();
    for (const allocation of config.allocations)
      risk.set(allocation.strategyId, allocation.riskMultiplier);
    this.risk = risk;
    const instruments = new Map<string, InstrumentRule>();
    for (const [symbol, spec] of Object.entries(config.instruments)) {
      instruments.set(symbol, { lotSize: spec.lotSize, minNotional: spec.minNotional ?? 0 });
    }
    this.instruments = instruments;
    this.maxGrossLeverage = config.limits?.maxGrossLeverage;
    this.maxSymbolNotional = config.limits?.maxSymbolNotional;
  }

  /** The strategy's `risk_multiplier`; throws SizerError `unknown_strategy` for an id not in the config. */
  riskMultiplier(strategyId: string): number {
    const multiplier = this.risk.get(strategyId);
    if (multiplier === undefined) {
      throw new SizerError(
        'unknown_strategy',
        `strategy ${JSON.stringify(strategyId)} is not in portfolio ${this.config.id}`,
      );
    }
    return multiplier;
  }

  /** `baseSize x riskMultiplier`. */
  applyRiskMultiplier(baseSize: number, riskMultiplier: number): number {
    checkFinite('baseSize', baseSize);
    if (!(riskMultiplier > 0) || !Number.isFinite(riskMultiplier)) {
      throw new SizerError(
        'invalid_input',
        `riskMultiplier must be a finite number > 0, got ${String(riskMultiplier)}`,
      );
    }
    return baseSize * riskMultiplier;
  }

  /** The symbol's lot size; undefined = fractional units. */
  lotSize(symbol: string): number | undefined {
    return (this.instruments.get(symbol) ?? FRACTIONAL).lotSize;
  }

  /** The symbol's minimum notional per trade or position; 0 when unset. */
  minNotional(symbol: string): number {
    return (this.instruments.get(symbol) ?? FRACTIONAL).minNotional;
  }

  /** Rounds toward zero to the symbol's lot, 1e-9 relative tolerance (0.3 / 0.1 is 3 lots). */
  roundToLot(symbol: string, units: number): number {
    checkFinite('units', units);
    return roundUnitsToLot(units, this.lotSize(symbol));
  }

  /** The symbol's rounding rule (lot size, min_notional), for callers that cache it per symbol. */
  instrumentRule(symbol: string): InstrumentRule {
    return this.instruments.get(symbol) ?? FRACTIONAL;
  }

  /**
   * The rule every simulated trade follows (strategy or rebalance): lot rounding toward
   * zero, the symbol's `min_notional`, the portfolio's `min_trade_value`, then the costs.
   * Signed quantity in, signed out. Pass `out` to reuse one object on a hot path.
   */
  admitTrade(
    symbol: string,
    desired: number,
    price: number,
    rules: AdmissionRules,
    out: TradeAdmission = new TradeAdmission(),
  ): TradeAdmission {
    checkPrice(price);
    checkFinite('quantity', desired);
    return admitTradeInto(out, this.instruments.get(symbol) ?? FRACTIONAL, desired, price, rules);
  }

  /**
   * `admitTrade` without `min_trade_value` and costs: lot rounding toward zero, then
   * `min_notional` on `|quantity| x price`. Signed quantity in, signed out.
   */
  roundTrade(symbol: string, quantity: number, price: number): TradeRounding {
    const admitted = this.admitTrade(symbol, quantity, price, NO_TRADE_RULES);
    const reason = admitted.reason;
    if (reason === 'below_min_trade_value') throw new Error('unreachable: no min_trade_value');
    return { quantity: admitted.quantity, reason };
  }

  /**
   * `calculatePositionSize(...).units` for a portfolio without limits, allocation-free, with
   * the strategy's `riskMultiplier` and the symbol's `instrumentRule` looked up once by the
   * caller (a simulation's hot path). Throws SizerError `invalid_input` when the config has
   * limits (they need `calculatePositionSize` with a context).
   */
  positionUnits(
    riskMultiplier: number,
    rule: InstrumentRule,
    allocatedCapital: number,
    currentPrice: number,
    exposure: number,
  ): number {
    if (this.maxGrossLeverage !== undefined || this.maxSymbolNotional !== undefined) {
      throw new SizerError(
        'invalid_input',
        'positionUnits: the portfolio has limits (use calculatePositionSize with a context)',
      );
    }
    checkPrice(currentPrice);
    checkFinite('allocatedCapital', allocatedCapital);
    checkFinite('exposure', exposure);
    const budget = Math.max(0, allocatedCapital) * Math.abs(exposure) * riskMultiplier;
    if (!(budget > 0)) return 0;
    const magnitude = roundUnitsToLot(budget / currentPrice, rule.lotSize);
    if (magnitude === 0 || magnitude * currentPrice < rule.minNotional) return 0;
    return exposure < 0 ? -magnitude : magnitude;
  }

  /**
   * Units for `allocatedCapital x exposure x risk_multiplier / currentPrice`, rounded toward
   * zero to the lot, zero below `min_notional`, scaled down to the portfolio limits.
   * Without a context the limits are applied as if the sleeve were the whole portfolio
   * (equity = allocatedCapital, nothing held elsewhere).
   */
  calculatePositionSize(
    strategyId: string,
    symbol: string,
    allocatedCapital: number,
    currentPrice: number,
    exposure = 1,
    context?: SizingContext,
  ): PositionSize {
    checkPrice(currentPrice);
    checkFinite('allocatedCapital', allocatedCapital);
    checkFinite('exposure', exposure);
    const risk = this.riskMultiplier(strategyId);
    const rule = this.instruments.get(symbol) ?? FRACTIONAL;

    const budget = Math.max(0, allocatedCapital) * Math.abs(exposure) * risk;
    if (!(budget > 0)) return sized(0, currentPrice, 0, 'zero_capital', null);

    // Portfolio limits: the most notional this position may carry.
    let capacity = budget;
    let limitedBy: SizeLimit | null = null;
    if (this.maxGrossLeverage !== undefined || this.maxSymbolNotional !== undefined) {
      const equity = context ? context.portfolioEquity : allocatedCapital;
      const grossElsewhere = Math.abs(context?.grossNotionalElsewhere ?? 0);
      const symbolElsewhere = Math.abs(context?.symbolNotionalElsewhere ?? 0);
      checkFinite('context.portfolioEquity', equity);
      checkFinite('context.grossNotionalElsewhere', grossElsewhere);
      checkFinite('context.symbolNotionalElsewhere', symbolElsewhere);
      if (this.maxGrossLeverage !== undefined) {
        const room = Math.max(0, this.maxGrossLeverage * equity - grossElsewhere);
        if (room < capacity) {
          capacity = room;
          limitedBy = 'max_gross_leverage';
        }
      }
      if (this.maxSymbolNotional !== undefined) {
        const room = Math.max(0, this.maxSymbolNotional - symbolElsewhere);
        if (room < capacity) {
          capacity = room;
          limitedBy = 'max_symbol_notional';
        }
      }
    }
    if (!(capacity > 0)) return sized(0, currentPrice, budget, 'zero_capital', limitedBy);

    const magnitude = roundUnitsToLot(capacity / currentPrice, rule.lotSize);
    if (magnitude === 0) {
      const lot = rule.lotSize;
      const reason: SizeReason =
        lot !== undefined && lot * currentPrice > capacity
          ? 'lot_exceeds_capital'
          : 'rounded_to_zero';
      return sized(0, currentPrice, budget, reason, limitedBy);
    }
    if (magnitude * currentPrice < rule.minNotional) {
      return sized(0, currentPrice, budget, 'below_min_notional', limitedBy);
    }
    return sized(exposure < 0 ? -magnitude : magnitude, currentPrice, budget, null, limitedBy);
  }
}
