// Property: random fills, marks and clock ticks driven once through the backtest's use of the
// kernel (array hot path) and once through the event form the live manager and recovery use
// give the same decisions, the same plans and the same sleeves.
import { parsePortfolioConfig, type RebalancePlan } from '@njord/portfolio-contracts';
import fc from 'fast-check';
import {
  SCENARIO_FIRST_PRICES,
  SCENARIO_SYMBOLS,
  scenarioPortfolioWire,
  scenarioTick,
  referenceFill,
} from '@njord/test-kit';
import { describe, expect, it } from 'vitest';
import { type KernelDecision } from './events.js';
import { PortfolioKernel } from './kernel.js';

const HOUR = 3_600_000_000_000n;

const config = parsePortfolioConfig(scenarioPortfolioWire('prop'));

function fillPlan(kernel: PortfolioKernel, plan: RebalancePlan, nowNs: bigint): void {
  for (const t of plan.trades) kernel.apply({ type: 'fill', fill: referenceFill(t, nowNs) });
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
      fc.property(fc.array(scenarioTick, { minLength: 1, maxLength: 25 }), (ticks) => {
        const options = { startNs: 0n, planIdPrefix: 'prop:rb:' };
        const hot = new PortfolioKernel(config, {
          ...options,
          symbols: SCENARIO_SYMBOLS,
          rememberFillIds: false,
        });
        const live = new PortfolioKernel(config, options);
        const prices: number[] = [...SCENARIO_FIRST_PRICES];
        const row = new Float64Array(SCENARIO_SYMBOLS.length);
        const hotSeen: KernelDecision[] = [];
        const liveSeen: KernelDecision[] = [];
        let now = 0n;
        let fillCount = 0;
        // Both start valued: a first mark of every symbol.
        row.set(prices);
        hot.applyMarks(row, now);
        SCENARIO_SYMBOLS.forEach((symbol, s) =>
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
            SCENARIO_SYMBOLS.forEach((symbol, s) =>
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
                symbol: SCENARIO_SYMBOLS[t.symbol] as string,
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
      // Seeded (51 trades): unseeded, 1 run in 30 made 20 trades or fewer (13 to 89) and
      // failed the check below with nothing wrong (CI, 2026-12-04).
      { numRuns: 60, seed: 42 },
    );
    // Not vacuous: the runs made plans that traded.
    expect(plans).toBeGreaterThan(20);
    expect(trades).toBeGreaterThan(20);
  }, 60_000);
});
