// Reading a result's config (wire JSON) for the header: known keys typed, the rest kept, never a throw.
import { describe, expect, it } from 'vitest';
import { describeConfig } from './config-view.js';

describe('describeConfig', () => {
  it('reads the wire form of a portfolio config', () => {
    const view = describeConfig({
      id: 'p',
      description: 'text',
      total_capital: 50000,
      rebalance_threshold: 0.05,
      rebalance_frequency_hours: 24,
      allocations: [
        {
          strategy_id: 'a',
          target_weight: 0.6,
          min_capital: 1,
          max_capital: 2,
          risk_multiplier: 1.2,
        },
        {
          strategy_id: 'b',
          target_weight: 0.4,
          min_capital: 0,
          max_capital: 9,
          strategy: { kind: 'momentum', symbols: ['SPX'] },
        },
      ],
      costs: { commission_bps: 1, commission_min: 0.5, slippage_bps: 2 },
      netting: true,
      limits: { max_gross_leverage: 1.5 },
    });
    expect(view.totalCapital).toBe(50000);
    expect(view.rebalanceFrequencyHours).toBe(24);
    expect(view.allocations.map((a) => [a.strategyId, a.targetWeight, a.kind, a.symbols])).toEqual([
      ['a', 0.6, null, null],
      ['b', 0.4, 'momentum', ['SPX']],
    ]);
    expect([view.commissionBps, view.commissionMin, view.slippageBps, view.netting]).toEqual([
      1,
      0.5,
      2,
      true,
    ]);
    expect(view.other).toEqual([['limits', { max_gross_leverage: 1.5 }]]);
  });

  it('shows what is missing or malformed as null instead of throwing', () => {
    const view = describeConfig({
      total_capital: 'lots',
      allocations: [null, { target_weight: 'x' }],
      costs: 3,
    });
    expect(view.totalCapital).toBeNull();
    expect(view.commissionBps).toBeNull();
    expect(view.allocations.map((a) => [a.strategyId, a.targetWeight])).toEqual([
      ['#1', null],
      ['#2', null],
    ]);
    expect(describeConfig({}).allocations).toEqual([]);
  });

  it('reads the risk adjustment, and keeps one that is not an object among the other keys', () => {
    const view = describeConfig({
      risk_adjustment: {
        method: 'inverse_volatility',
        lookback_period_days: 60,
        adjustment_sensitivity: 1,
      },
    });
    expect(view.riskAdjustment).toEqual({
      method: 'inverse_volatility',
      lookbackPeriodDays: 60,
      adjustmentSensitivity: 1,
      adjustEveryHours: null,
    });
    expect(view.other).toEqual([]);
    const odd = describeConfig({ risk_adjustment: 'sometimes' });
    expect(odd.riskAdjustment).toBeNull();
    expect(odd.other).toEqual([['risk_adjustment', 'sometimes']]);
    expect(describeConfig({}).riskAdjustment).toBeNull();
  });
});
