// The kernel: funding, decide without applying, the trigger, blocking plans, halt, the hot path.
import { parsePortfolioConfig, type PortfolioConfig } from '@njord/portfolio-contracts';
import { referenceFill } from '@njord/test-kit';
import { describe, expect, it } from 'vitest';
import { isAppliedDecision, type KernelDecision } from './events.js';
import { PortfolioKernel } from './kernel.js';

const HOUR = 3_600_000_000_000n;

function config(extra: Record<string, unknown> = {}): PortfolioConfig {
  return parsePortfolioConfig({
    portfolio: {
      id: 'k1',
      total_capital: 100_000,
      rebalance_threshold: 0.05,
      min_trade_value: 0,
      allocations: [
        { strategy_id: 'A', target_weight: 0.6, min_capital: 0, max_capital: 1e9 },
        { strategy_id: 'B', target_weight: 0.4, min_capital: 0, max_capital: 1e9 },
      ],
      ...extra,
    },
  });
}

function buy(strategyId: string, symbol: string, quantity: number, price: number, id: string) {
  return {
    type: 'fill' as const,
    fill: {
      fillId: id,
      strategyId,
      symbol,
      side: 'buy' as const,
      quantity,
      price,
      fee: 0,
      timestampNs: 1n,
    },
  };
}

function mark(symbol: string, price: number, timestampNs: bigint) {
  return { type: 'mark' as const, mark: { symbol, price, timestampNs } };
}

/** Applies every plan with its trades filled at their reference prices; returns the decisions. */
function settle(kernel: PortfolioKernel, nowNs: bigint): KernelDecision[] {
  const seen: KernelDecision[] = [];
  for (let d = kernel.decide(nowNs); d !== null; d = kernel.decide(nowNs)) {
    seen.push(d);
    if (!isAppliedDecision(d)) break;
    kernel.apply(d);
    if (d.type === 'plan') {
      for (const trade of d.plan.trades) {
        kernel.apply({ type: 'fill', fill: referenceFill(trade, nowNs) });
      }
    }
  }
  return seen;
}

describe('PortfolioKernel', () => {
  it('funds the sleeves at their targets and decides nothing at the targets', () => {
    const kernel = new PortfolioKernel(config(), { startNs: 0n });
    expect(kernel.tracker.getStrategyCapital('A')).toBeCloseTo(60_000, 9); // 0.6 x 100,000
    expect(kernel.tracker.getStrategyCapital('B')).toBeCloseTo(40_000, 9);
    expect(kernel.decide(HOUR)).toBeNull();
    for (const drift of kernel.drift) expect(Math.abs(drift)).toBeLessThan(1e-12);
  });

  it('returns a plan without applying it; applied and filled, the trigger is quiet', () => {
    const kernel = new PortfolioKernel(config(), { startNs: 0n });
    kernel.apply(buy('A', 'X', 600, 100, 'f1')); // A: 60,000 cash -> 600 X at 100
    kernel.apply(mark('X', 120, HOUR));
    // A = 72,000, B = 40,000, equity 112,000: targets 67,200 / 44,800; A drifts +7.14% > 5%.
    const decision = kernel.decide(HOUR);
    expect(decision?.type).toBe('plan');
    expect(kernel.tracker.getStrategyCapital('A')).toBe(72_000); // not applied
    expect(kernel.targets[0]).toBeCloseTo(67_200, 9);
    expect(kernel.drift[0]).toBeCloseTo(72_000 / 67_200 - 1, 12);
    if (decision?.type !== 'plan') throw new Error('expected a plan');
    expect(decision.plan.reason).toBe('threshold');
    expect(decision.plan.transfers.A).toBeCloseTo(-4_800, 9);
    expect(decision.plan.transfers.B).toBeCloseTo(4_800, 9);
    // Positions scale by 67,200 / 72,000: sell 600 x (1 - 0.9333...) = 40 X.
    expect(decision.plan.trades).toHaveLength(1);
    expect(decision.plan.trades[0]?.quantity).toBeCloseTo(40, 9);

    const rest = settle(kernel, HOUR);
    expect(rest.map((d) => d.type)).toEqual(['plan']);
    expect(kernel.tracker.getStrategyCapital('A')).toBeCloseTo(67_200, 6);
    expect(kernel.decide(HOUR)).toBeNull(); // rebalancing twice changes nothing
  });

  it('blocks a new plan while an earlier one is unfilled and younger than the timeout', () => {
    const kernel = new PortfolioKernel(config(), { startNs: 0n, planTimeoutNs: 10n * HOUR });
    kernel.apply(buy('A', 'X', 600, 100, 'f1'));
    kernel.apply(mark('X', 120, HOUR));
    const first = kernel.decide(HOUR);
    if (first?.type !== 'plan') throw new Error('expected a plan');
    kernel.apply(first); // transfers applied, the sell of 40 X not filled
    kernel.apply(mark('X', 200, 2n * HOUR)); // drift again
    const second = kernel.decide(2n * HOUR);
    expect(second).toEqual({ type: 'blocked', timestampNs: 2n * HOUR, planId: first.plan.planId });
    kernel.prunePlans(12n * HOUR);
    expect(kernel.decide(12n * HOUR)?.type).toBe('plan');
  });

  it('keeps no plan in flight with trackPlans off (a backtest: plans fill at once)', () => {
    const kernel = new PortfolioKernel(config(), { startNs: 0n, trackPlans: false });
    kernel.apply(buy('A', 'X', 600, 100, 'f1'));
    kernel.apply(mark('X', 120, HOUR));
    const first = kernel.decide(HOUR);
    if (first?.type !== 'plan') throw new Error('expected a plan');
    kernel.apply(first); // nothing filled, yet nothing is left to block the next plan
    expect(kernel.plans.size).toBe(0);
    kernel.apply(mark('X', 200, 2n * HOUR));
    expect(kernel.decide(2n * HOUR)?.type).toBe('plan');
  });

  it('measures capital and equity only, and decides only a halt, with equityOnly', () => {
    const kernel = new PortfolioKernel(config(), { startNs: 0n });
    kernel.apply(buy('A', 'X', 600, 100, 'f1')); // A: cash 0, 600 X
    kernel.apply(mark('X', 120, HOUR)); // A: 72,000; B: 40,000; drifted past the threshold
    expect(kernel.decide(HOUR, { equityOnly: true })).toBeNull();
    expect(kernel.capital[0]).toBeCloseTo(72_000, 6);
    expect(kernel.capital[1]).toBeCloseTo(40_000, 6);
    expect(kernel.equity).toBe(
      kernel.tracker.unallocatedCash +
        (kernel.capital[0] as number) +
        (kernel.capital[1] as number),
    );
    expect(kernel.reason).toBeNull(); // no trigger was evaluated
    kernel.apply(buy('B', 'X', 2_000, 120, 'f2')); // B: cash -200,000 + 240,000
    kernel.apply(mark('X', 0.01, 2n * HOUR)); // equity = 2,600 x 0.01 - 200,000 < 0
    expect(kernel.decide(2n * HOUR, { equityOnly: true })?.type).toBe('halt');
  });

  it('says rebalance_due instead of planning when asked (next_open)', () => {
    const kernel = new PortfolioKernel(config({ rebalance_frequency_hours: 24 }), { startNs: 0n });
    expect(kernel.decide(23n * HOUR)).toBeNull();
    expect(kernel.decide(24n * HOUR, { planNow: false })).toEqual({
      type: 'rebalance_due',
      timestampNs: 24n * HOUR,
      reason: 'frequency',
    });
  });

  it('never plans when rebalancing is off, but still measures targets and drift', () => {
    const kernel = new PortfolioKernel(config(), { startNs: 0n, rebalance: false });
    kernel.apply(buy('A', 'X', 600, 100, 'f1'));
    kernel.apply(mark('X', 120, HOUR));
    expect(kernel.decide(HOUR)).toBeNull();
    expect(kernel.reason).toBe('threshold');
  });

  it('halts once when equity falls to zero or below, then plans nothing', () => {
    const kernel = new PortfolioKernel(config(), { startNs: 0n });
    kernel.apply(buy('A', 'X', 1_000, 100, 'f1')); // A cash -40,000
    kernel.apply(buy('B', 'X', 1_000, 100, 'f2')); // B cash -60,000
    kernel.apply(mark('X', 0.01, HOUR)); // equity = 2,000 x 0.01 - 100,000 < 0
    const halt = kernel.decide(HOUR);
    expect(halt?.type).toBe('halt');
    if (halt === null || !isAppliedDecision(halt)) throw new Error('expected a halt');
    kernel.apply(halt);
    expect(kernel.halted).toBe(true);
    expect(kernel.decide(2n * HOUR)).toBeNull();
    kernel.apply({ type: 'resume', timestampNs: 3n * HOUR });
    expect(kernel.halted).toBe(false);
  });

  it('a held price fallen near zero: plan_failed (overflow) at each check, not a throw', () => {
    const kernel = new PortfolioKernel(config(), { startNs: 0n });
    kernel.apply(buy('A', 'X', 600, 100, 'f1')); // A: 60,000 cash -> 600 X at 100
    kernel.apply(mark('X', 1e-306, HOUR));
    // A = 6e-304, B = 40,000: A's target 24,000 scales its 600 X by 4e307: 2.4e310 units.
    for (const at of [HOUR, 2n * HOUR]) {
      const decision = kernel.decide(at);
      expect(decision?.type).toBe('plan_failed');
      if (decision?.type !== 'plan_failed') continue;
      expect(decision.code).toBe('overflow');
      expect(decision.message).toMatch(/^A holds 600 X at 1e-306/);
    }
    // The price back at 50: A = 30,000 of 70,000, target 42,000, drift -28.6%: a plan again.
    kernel.apply(mark('X', 50, 3n * HOUR));
    const decision = kernel.decide(3n * HOUR);
    expect(decision?.type).toBe('plan');
    if (decision?.type !== 'plan') return;
    expect(decision.plan.transfers['A']).toBeCloseTo(12_000, 6);
  });

  it('the array hot path gives the same sleeves as fill and mark events', () => {
    const symbols = ['X', 'Y'];
    const fast = new PortfolioKernel(config(), { startNs: 0n, symbols, rememberFillIds: false });
    const slow = new PortfolioKernel(config(), { startNs: 0n });
    const trades: [string, number, number, number, number][] = [
      ['A', 0, 10, 100, 1],
      ['B', 1, -3, 50, 0.5],
      ['A', 0, -4, 110, 0],
      ['A', 1, 7.5, 49, 0.25],
    ];
    trades.forEach(([id, s, quantity, price, fee], n) => {
      fast.applyTrade(id, s, quantity, price, fee);
      slow.apply({
        type: 'fill',
        fill: {
          fillId: `f${n}`,
          strategyId: id,
          symbol: symbols[s] as string,
          side: quantity > 0 ? 'buy' : 'sell',
          quantity: Math.abs(quantity),
          price,
          fee,
          timestampNs: 1n,
        },
      });
    });
    fast.applyMarks(Float64Array.of(105, Number.NaN), HOUR);
    slow.apply(mark('X', 105, HOUR));
    for (const id of ['A', 'B']) {
      expect(fast.tracker.getSleeve(id)).toEqual(slow.tracker.getSleeve(id));
    }
  });

  it('a plan at a row where a held symbol has no bar skips it (no_bar)', () => {
    const kernel = new PortfolioKernel(config(), { startNs: 0n, symbols: ['X'] });
    kernel.applyTrade('A', 0, 600, 100, 0);
    kernel.applyMarks(Float64Array.of(120), HOUR);
    kernel.applyMarks(Float64Array.of(Number.NaN), 2n * HOUR);
    const decision = kernel.decide(2n * HOUR);
    if (decision?.type !== 'plan') throw new Error('expected a plan');
    expect(decision.plan.trades).toHaveLength(0);
    expect(decision.plan.skipped.map((s) => s.reason)).toEqual(['no_bar']);
  });

  it('a config event retires a removed strategy: target 0, it winds down at the next plan', () => {
    const kernel = new PortfolioKernel(config(), { startNs: 0n });
    const next = parsePortfolioConfig({
      portfolio: {
        id: 'k1',
        total_capital: 100_000,
        rebalance_threshold: 0.05,
        allocations: [{ strategy_id: 'A', target_weight: 1, min_capital: 0, max_capital: 1e9 }],
      },
    });
    kernel.apply({ type: 'config', config: next });
    expect(kernel.strategyIds).toEqual(['A']);
    const decisions = settle(kernel, HOUR);
    expect(decisions.map((d) => d.type)).toEqual(['plan']);
    expect(kernel.tracker.getStrategyIds()).toEqual(['A']);
    expect(kernel.tracker.getStrategyCapital('A')).toBe(100_000);
  });
});
