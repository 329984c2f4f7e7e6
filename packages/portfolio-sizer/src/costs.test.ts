import { describe, expect, it } from 'vitest';
import { calculateTradeCosts } from './costs.js';

const costs = { commissionBps: 5, commissionMin: 1, slippageBps: 2 };

describe('calculateTradeCosts', () => {
  it('charges bps of the notional when above the minimum commission', () => {
    // commission = max(1, 5 x 20000 / 1e4 = 10) = 10; slippage = 2 x 20000 / 1e4 = 4
    expect(calculateTradeCosts(20000, costs)).toEqual({ commission: 10, slippage: 4 });
  });

  it('charges the minimum commission on a small trade, on |notional|', () => {
    // commission = max(1, 5 x 1000 / 1e4 = 0.5) = 1; slippage = 2 x 1000 / 1e4 = 0.2
    const result = calculateTradeCosts(-1000, costs);
    expect(result.commission).toBe(1);
    expect(result.slippage).toBeCloseTo(0.2, 15);
  });

  it('charges nothing for no trade, not even the minimum', () => {
    expect(calculateTradeCosts(0, costs)).toEqual({ commission: 0, slippage: 0 });
  });

  it('charges a notional near the largest double without overflowing', () => {
    // 5 x 1.7e308 passes the largest double, 5 x 1.7e308 / 1e4 = 8.5e304 does not.
    const result = calculateTradeCosts(1.7e308, costs);
    expect(result.commission / 8.5e304).toBeCloseTo(1, 14);
    expect(result.slippage / 3.4e304).toBeCloseTo(1, 14);
  });

  it('rejects a non-finite notional', () => {
    expect(() => calculateTradeCosts(Number.NaN, costs)).toThrow(/finite/);
  });
});
