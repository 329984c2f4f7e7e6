// Property: random fills, marks and clock ticks driven once through the backtest's use of the
// kernel (array hot path) and once through the event form the live manager and recovery use
// give the same decisions, the same plans and the same sleeves.
import { parsePortfolioConfig, type RebalancePlan } from '@njord/portfolio-contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type KernelDecision } from './events.js';
import { PortfolioKernel } from './kernel.js';

const HOUR = 3_600_000_000_000n;
const SYMBOLS = ['X', 'Y'] as const;
const IDS = ['A', 'B', 'C'] as const;

const config = parsePortfolioConfig({
  portfolio: {
    id: 'prop',
    total_capital: 100_000,
    rebalance_threshold: 0.05,
    rebalance_frequency_hours: 6,
    min_trade_value: 5,
    costs: { commission_bps: 2, commission_min: 0.5, slippage_bps: 1 },
    instruments: { X: { lot_size: 0.5, min_notional: 10 } },
    allocations: [
      { strategy_id: 'A', target_weight: 0.5, min_capital: 10_000, max_capital: 80_000 },
      { strategy_id: 'B', target_weight: 0.3, min_capital: 0, max_capital: 50_000 },
      { strategy_id: 'C', target_weight: 0.2, min_capital: 0, max_capital: 40_000 },
    ],
  },
});

const trade = fc.record({
  strategy: fc.constantFrom(...IDS),
  symbol: fc.integer({ min: 0, max: SYMBOLS.length - 1 }),
  quantity: fc.double({ min: -50, max: 50, noNaN: true }).filter((q) => Math.abs(q) > 1e-6),
  fee: fc.double({ min: 0, max: 5, noNaN: true }),
});
/** One clock tick: maybe a new price per symbol (a factor on the last), then trades. */
const tick = fc.record({
  hours: fc.integer({ min: 1, max: 4 }),
  moves: fc.option(
    fc.tuple(
      fc.double({ min: 0.8, max: 1.25, noNaN: true }),
      fc.double({ min: 0.8, max: 1.25, noNaN: true }),
    ),
    { nil: undefined },
  ),
  trades: fc.array(trade, { maxLength: 3 }),
});

function fillPlan(kernel: PortfolioKernel, plan: RebalancePlan, nowNs: bigint): void {
  for (const t of plan.trades) {
    kernel.apply({
      type: 'fill',
      fill: {
        fillId: t.intentId,
        strategyId: t.strategyId,
        symbol: t.symbol,
        side: t.side,
        quantity: t.quantity,
        price: t.referencePrice,
        fee: t.commission + t.slippage,
        timestampNs: nowNs,
        intentId: t.intentId,
      },
    });
  }
}

/** Decide until nothing applicable is due; apply what is due; fill plans at once. */
function settle(kernel: PortfolioKernel, nowNs: bigint, seen: KernelDecision[]): void {
  for (let d = kernel.decide(nowNs); d !== null; d = kernel.decide(nowNs)) {
    seen.push(d);
    if (d.type !== 'plan' && d.type !== 'halt' && d.type !== 'adjustment') return;
    kernel.apply(d);
    if (d.type === 'plan') {
      fillPlan(kernel, d.plan, nowNs);
      return;
    }
  }
}

describe('the kernel, backtest path vs event path', () => {
  it('gives the same decisions, plans and sleeves', () => {
    let plans = 0;
    let trades = 0;
    fc.assert(
      fc.property(fc.array(tick, { minLength: 1, maxLength: 25 }), (ticks) => {
        const options = { startNs: 0n, planIdPrefix: 'prop:rb:' };
        const hot = new PortfolioKernel(config, {
          ...options,
          symbols: SYMBOLS,
          rememberFillIds: false,
        });
        const live = new PortfolioKernel(config, options);
        const prices = [100, 50];
        const row = new Float64Array(SYMBOLS.length);
        const hotSeen: KernelDecision[] = [];
        const liveSeen: KernelDecision[] = [];
        let now = 0n;
        let fillCount = 0;
        // Both start valued: a first mark of every symbol.
        row.set(prices);
        hot.applyMarks(row, now);
        SYMBOLS.forEach((symbol, s) =>
          live.apply({
            type: 'mark',
            mark: { symbol, price: prices[s] as number, timestampNs: now },
          }),
        );
        for (const step of ticks) {
          now += BigInt(step.hours) * HOUR;
          if (step.moves !== undefined) {
            step.moves.forEach((factor, s) => (prices[s] = (prices[s] as number) * factor));
            row.set(prices);
            hot.applyMarks(row, now);
            SYMBOLS.forEach((symbol, s) =>
              live.apply({
                type: 'mark',
                mark: { symbol, price: prices[s] as number, timestampNs: now },
              }),
            );
          }
          for (const t of step.trades) {
            const price = prices[t.symbol] as number;
            hot.applyTrade(t.strategy, t.symbol, t.quantity, price, t.fee);
            const outcome = live.apply({
              type: 'fill',
              fill: {
                fillId: `f${fillCount++}`,
                strategyId: t.strategy,
                symbol: SYMBOLS[t.symbol] as string,
                side: t.quantity > 0 ? 'buy' : 'sell',
                quantity: Math.abs(t.quantity),
                price,
                fee: t.fee,
                timestampNs: now,
              },
            });
            expect(outcome.success).toBe(true);
          }
          settle(hot, now, hotSeen);
          settle(live, now, liveSeen);
        }
        expect(hotSeen).toEqual(liveSeen);
        for (const d of hotSeen) {
          if (d.type !== 'plan') continue;
          plans++;
          trades += d.plan.trades.length;
        }
        const hotState = hot.tracker.serialize();
        const liveState = live.tracker.serialize();
        expect(hotState.sleeves).toEqual(liveState.sleeves);
        expect(hotState.unallocated_cash).toBe(liveState.unallocated_cash);
        expect(hotState.last_rebalance_ns).toBe(liveState.last_rebalance_ns);
      }),
      { numRuns: 60 },
    );
    // Not vacuous: the runs made plans that traded.
    expect(plans).toBeGreaterThan(20);
    expect(trades).toBeGreaterThan(20);
  }, 60_000);
});
