import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { NO_TRADE_RULES, TradeAdmission, type AdmissionRules } from './admission.js';
import { calculateTradeCosts } from './costs.js';
import { roundUnitsToLot } from './rounding.js';
import { PositionSizer } from './sizer.js';
import { makeConfig } from './test-config.test-util.js';

const sizer = new PositionSizer(makeConfig());
const rules: AdmissionRules = {
  minTradeValue: 100,
  costs: { commissionBps: 10, commissionMin: 2, slippageBps: 5 },
};

describe('PositionSizer.admitTrade', () => {
  it('rounds to the lot, then prices the trade', () => {
    // LOT 0.1: 12.34 -> 123 lots = 12.3 units; notional 12.3 x 50 = 615;
    // commission max(2, 10 x 615 / 1e4 = 0.615) = 2; slippage 5 x 615 / 1e4 = 0.3075
    const out = sizer.admitTrade('LOT', 12.34, 50, rules);
    expect(out.quantity).toBe(12.3);
    expect(out.notional).toBeCloseTo(615, 12);
    expect(out.commission).toBe(2);
    expect(out.slippage).toBeCloseTo(0.3075, 12);
    expect(out.fee).toBeCloseTo(2.3075, 12);
    expect(out.reason).toBeNull();
  });

  it('keeps the sign of a sell and charges bps above the minimum', () => {
    // FRAC: -300 units at 20 = 6000 notional; commission max(2, 10 x 6000 / 1e4 = 6) = 6;
    // slippage 5 x 6000 / 1e4 = 3
    const out = sizer.admitTrade('FRAC', -300, 20, rules);
    expect([out.quantity, out.notional, out.commission, out.slippage]).toEqual([-300, 6000, 6, 3]);
  });

  it('drops a trade below one lot, below min_notional, below min_trade_value, in that order', () => {
    // LOT 0.1: 0.05 units is half a lot -> rounded_to_zero
    expect(sizer.admitTrade('LOT', 0.05, 1e6, rules).reason).toBe('rounded_to_zero');
    // MINN min_notional 500: 40 x 10 = 400 < 500 (also < min_trade_value 100? no: 400 >= 100)
    expect(sizer.admitTrade('MINN', 40, 10, rules).reason).toBe('below_min_notional');
    // MINN: 4 x 10 = 40 is below both: min_notional is checked first
    expect(sizer.admitTrade('MINN', 4, 10, rules).reason).toBe('below_min_notional');
    // FRAC: 9 x 10 = 90 < min_trade_value 100
    const out = sizer.admitTrade('FRAC', 9, 10, rules);
    expect([out.reason, out.quantity, out.notional, out.commission]).toEqual([
      'below_min_trade_value',
      0,
      0,
      0,
    ]);
    // FRAC: 10 x 10 = 100 is not below 100: admitted
    expect(sizer.admitTrade('FRAC', 10, 10, rules).quantity).toBe(10);
  });

  it('admits nothing for a zero quantity, without a reason and without costs', () => {
    const out = sizer.admitTrade('FRAC', 0, 10, rules);
    expect([out.quantity, out.commission, out.reason]).toEqual([0, 0, null]);
  });

  it('reuses the object it is given and clears what the previous call left', () => {
    const out = new TradeAdmission();
    expect(sizer.admitTrade('FRAC', 300, 20, rules, out)).toBe(out);
    sizer.admitTrade('FRAC', 1, 20, rules, out); // 20 < 100
    expect([out.quantity, out.notional, out.commission, out.slippage]).toEqual([0, 0, 0, 0]);
    expect(out.reason).toBe('below_min_trade_value');
  });

  it('rejects a bad price or quantity with a SizerError', () => {
    expect(() => sizer.admitTrade('FRAC', 1, 0, rules)).toThrow(/price/);
    expect(() => sizer.admitTrade('FRAC', Number.NaN, 10, rules)).toThrow(/quantity/);
  });

  test.prop(
    [
      fc.constantFrom('LOT', 'BIG', 'MINN', 'FRAC'),
      fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      fc.double({ min: 0.01, max: 1e4, noNaN: true }),
      fc.double({ min: 0, max: 1e4, noNaN: true }),
    ],
    { numRuns: 200 },
  )('is lot rounding, then min_notional, then min_trade_value, then costs', (symbol, q, p, mtv) => {
    const own: AdmissionRules = { minTradeValue: mtv, costs: rules.costs };
    const out = sizer.admitTrade(symbol, q, p, own);
    // Brute force from the parts: round, compare notional with both minimums, price it.
    const rounded = roundUnitsToLot(q, sizer.lotSize(symbol));
    const notional = Math.abs(rounded) * p;
    const dropped =
      q === 0
        ? null
        : rounded === 0 || notional === 0
          ? 'rounded_to_zero'
          : notional < sizer.minNotional(symbol)
            ? 'below_min_notional'
            : notional < mtv
              ? 'below_min_trade_value'
              : null;
    expect(out.reason).toBe(dropped);
    const kept = dropped === null ? rounded : 0;
    expect(out.quantity).toBe(kept);
    const costs = calculateTradeCosts(kept * p, own.costs);
    expect(out.commission).toBe(costs.commission);
    expect(out.slippage).toBe(costs.slippage);
  });

  it('admits no trade whose notional underflows to 0 (no minimum commission on nothing)', () => {
    // 5e-324 units x 0.01 = 0 in doubles: nothing trades, so nothing is charged.
    const own: AdmissionRules = { minTradeValue: 0, costs: rules.costs };
    const out = sizer.admitTrade('FRAC', 5e-324, 0.01, own);
    expect([out.quantity, out.reason, out.commission, out.slippage]).toEqual([
      0,
      'rounded_to_zero',
      0,
      0,
    ]);
  });

  it('roundTrade is admitTrade without min_trade_value', () => {
    expect(sizer.admitTrade('FRAC', 0.001, 1, NO_TRADE_RULES).quantity).toBe(0.001);
    expect(sizer.roundTrade('FRAC', 0.001, 1)).toEqual({ quantity: 0.001, reason: null });
  });
});
