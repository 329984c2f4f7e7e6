// The one rule for a due risk adjustment, and the kernel's adjustments by bar and by clock.
import { AllocationCalculator } from '@njord/portfolio-allocator';
import { parsePortfolioConfig, type PortfolioConfig } from '@njord/portfolio-contracts';
import { RiskAdjustedAllocator } from '@njord/portfolio-risk';
import { describe, expect, it } from 'vitest';
import { PortfolioKernel } from './kernel.js';
import { isRiskAdjustmentDue } from './risk-state.js';

const HOUR = 3_600_000_000_000n;
const DAY = 24n * HOUR;

function config(adjustEveryHours?: number): PortfolioConfig {
  return parsePortfolioConfig({
    portfolio: {
      id: 'r1',
      total_capital: 100_000,
      rebalance_threshold: 10,
      risk_adjustment: {
        method: 'sharpe_drawdown',
        lookback_period_days: 30,
        adjustment_sensitivity: 0.5,
        ...(adjustEveryHours === undefined ? {} : { adjust_every_hours: adjustEveryHours }),
      },
      allocations: [
        { strategy_id: 'A', target_weight: 0.5, min_capital: 0, max_capital: 1e9 },
        { strategy_id: 'B', target_weight: 0.5, min_capital: 0, max_capital: 1e9 },
      ],
    },
  });
}

describe('isRiskAdjustmentDue', () => {
  const risk = RiskAdjustedAllocator.fromConfig(new AllocationCalculator(config(48)));
  if (risk === null) throw new Error('risk_adjustment expected');
  const base = {
    nowNs: 10n * DAY,
    samples: 5,
    latestSampleNs: 9n * DAY,
    lastAdjustmentNs: null,
    lastInputNs: null,
  };
  it('is due before the first adjustment once the window holds two samples', () => {
    expect(isRiskAdjustmentDue(risk, base)).toBe(true);
    expect(isRiskAdjustmentDue(risk, { ...base, samples: 1 })).toBe(false);
    expect(isRiskAdjustmentDue(risk, { ...base, samples: 0, latestSampleNs: null })).toBe(false);
  });
  it('needs a sample newer than the last adjustment saw, and the cadence', () => {
    const after = { ...base, lastAdjustmentNs: 8n * DAY, lastInputNs: 7n * DAY };
    expect(isRiskAdjustmentDue(risk, after)).toBe(true); // 10 - 8 = 2 days = 48 h, new sample
    expect(isRiskAdjustmentDue(risk, { ...after, nowNs: 10n * DAY - 1n })).toBe(false);
    expect(isRiskAdjustmentDue(risk, { ...after, lastInputNs: 9n * DAY })).toBe(false);
  });
});

describe('risk adjustment through the kernel', () => {
  it('bars: adjusts at the third bar (two samples), then every adjust_every_hours', () => {
    const kernel = new PortfolioKernel(config(48), { startNs: 0n, symbols: ['X'] });
    kernel.applyTrade('A', 0, 100, 100, 0);
    const adjustedAt: bigint[] = [];
    for (let bar = 0n; bar < 10n; bar++) {
      const t = bar * DAY;
      kernel.applyMarks(Float64Array.of(100 + Number(bar) * (bar % 2n === 0n ? 1 : -0.5)), t);
      for (let d = kernel.decide(t); d !== null; d = kernel.decide(t)) {
        if (d.type !== 'adjustment') break;
        adjustedAt.push(bar);
        kernel.apply(d);
      }
      kernel.recordBar(t, kernel.capital);
    }
    // Samples after bars 0 and 1: due at bar 2; then 2 days later (bar 4), 6, 8.
    expect(adjustedAt).toEqual([2n, 4n, 6n, 8n]);
    expect(kernel.risk?.lastAdjustmentNs).toBe(8n * DAY);
    expect(kernel.risk?.lastInputNs).toBe(7n * DAY);
  });

  it('clock: adjusts when a new sample closes, puts its weights in force, not again without one', () => {
    const kernel = new PortfolioKernel(config(), {
      startNs: 0n,
      riskSampling: { kind: 'clock', sampleSeconds: 3600, snapshotIntervalSeconds: 10 },
    });
    kernel.apply({ type: 'fill', fill: fillA() });
    let adjustments = 0;
    for (let hour = 0n; hour <= 4n; hour++) {
      const t = hour * HOUR;
      kernel.apply({
        type: 'mark',
        mark: { symbol: 'X', price: 100 + Number(hour), timestampNs: t },
      });
      kernel.apply({ type: 'sample', timestampNs: t });
      const d = kernel.decide(t);
      if (d?.type === 'adjustment') {
        adjustments++;
        expect(d.history?.timestamps_ns.length).toBeGreaterThanOrEqual(2);
        kernel.apply(d);
        expect(kernel.allocator.weightsById()).toEqual(d.weights);
        expect(kernel.decide(t)?.type).not.toBe('adjustment');
      }
    }
    // Samples close at hours 1, 2, 3, 4 (the first snapshot is the base): due from hour 2 on.
    expect(adjustments).toBe(3);
  });
});

function fillA() {
  return {
    fillId: 'a1',
    strategyId: 'A',
    symbol: 'X',
    side: 'buy' as const,
    quantity: 100,
    price: 100,
    fee: 0,
    timestampNs: 0n,
  };
}
