// Property: random fills, marks and clock ticks, driven once the way the backtest drives the
// kernel (array marks and trades, a decision per bar, plans filled at once at their reference
// prices) and once through the live loop in-process (stream entries as producers write them,
// a manual clock, its timers, the intents filled by the next entries, the journal on disk),
// give the same plans and the same sleeves; and the live journal recovers to the same sleeves.
import { rmSync } from 'node:fs';
import {
  parsePortfolioConfig,
  type PlannedTrade,
  type RebalancePlan,
} from '@njord/portfolio-contracts';
import { PortfolioKernel } from '@njord/portfolio-kernel';
import fc from 'fast-check';
import {
  SCENARIO_FIRST_PRICES,
  SCENARIO_SYMBOLS,
  scenarioPortfolioWire,
  referenceFill,
  scenarioTick,
  type ScenarioTick,
} from '@njord/test-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { createManualClock } from './adapters/clock.js';
import { decodeScannedLines, scanJournal } from './adapters/journal-file.js';
import { redisKeys, type StreamEntry } from './adapters/streams.js';
import { createCounters, LiveLoop, type LoopOutput } from './loop.js';
import { liveKernelOptions, recoverKernel } from './recovery.js';
import { inProcessLoopConfig, silentLogger, tempDir } from './test-support.js';

const HOUR_MS = 3_600_000;
const T0_MS = 1_700_000_000_000;

const portfolio = parsePortfolioConfig(scenarioPortfolioWire('parity'));

/** A plan without its ids (the backtest numbers its plans, live names them by time). */
function comparable(plan: RebalancePlan) {
  const trades = plan.trades.map((t: PlannedTrade) => ({
    strategyId: t.strategyId,
    symbol: t.symbol,
    side: t.side,
    quantity: t.quantity,
    referencePrice: t.referencePrice,
    commission: t.commission,
    slippage: t.slippage,
    timestampNs: t.timestampNs,
  }));
  return {
    timestampNs: plan.timestampNs,
    reason: plan.reason,
    transfers: { ...plan.transfers },
    trades,
    skipped: plan.skipped,
    expectedDriftReduction: { ...plan.expectedDriftReduction },
    estimatedCosts: plan.estimatedCosts,
  };
}

/** The backtest's bar: the row of marks, the strategies' trades, one decision; plans fill at once. */
function backtestRun(ticks: readonly ScenarioTick[]): {
  kernel: PortfolioKernel;
  plans: RebalancePlan[];
} {
  const startNs = BigInt(T0_MS) * 1_000_000n;
  const kernel = new PortfolioKernel(portfolio, {
    startNs,
    symbols: SCENARIO_SYMBOLS,
    rememberFillIds: false,
    riskSampling: null,
    planIdPrefix: 'parity:rb:',
  });
  const plans: RebalancePlan[] = [];
  const prices: number[] = [...SCENARIO_FIRST_PRICES];
  const row = new Float64Array(SCENARIO_SYMBOLS.length);
  let nowMs = T0_MS;
  const bar = (step: ScenarioTick | null) => {
    const nowNs = BigInt(nowMs) * 1_000_000n;
    if (step === null || step.moves !== undefined) {
      step?.moves?.forEach((factor, s) => (prices[s] = (prices[s] as number) * factor));
      row.set(prices);
      kernel.applyMarks(row, nowNs);
    }
    for (const t of step?.trades ?? [])
      kernel.applyTrade(t.strategy, t.symbol, t.quantity, prices[t.symbol] as number, t.fee);
    for (let due = kernel.decide(nowNs); due !== null; due = kernel.decide(nowNs)) {
      if (due.type === 'halt' || due.type === 'adjustment') {
        kernel.apply(due);
        continue;
      }
      if (due.type !== 'plan') break;
      kernel.apply(due);
      plans.push(due.plan);
      for (const t of due.plan.trades) kernel.apply({ type: 'fill', fill: referenceFill(t) });
      break;
    }
  };
  bar(null);
  for (const step of ticks) {
    nowMs += step.hours * HOUR_MS;
    bar(step);
  }
  return { kernel, plans };
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The live loop in-process: entries as producers write them, a manual clock, its timers. */
async function liveRun(ticks: readonly ScenarioTick[]) {
  const dir = tempDir('loop-parity');
  dirs.push(dir);
  const config = inProcessLoopConfig(dir, portfolio);
  const clock = createManualClock(T0_MS);
  const keys = redisKeys('parity', portfolio.id);
  const published: string[] = [];
  const output: LoopOutput = {
    commit: () => Promise.resolve(),
    publishOrders: (payloads) => {
      published.push(...payloads);
      return Promise.resolve();
    },
    publishSnapshot: () => Promise.resolve(),
  };
  const plans: RebalancePlan[] = [];
  const loop = LiveLoop.recover(
    {
      config,
      logger: silentLogger(),
      clock,
      dryRun: false,
      keys,
      output,
      counters: createCounters(),
      observer: { plan: (plan) => plans.push(plan) },
      onCommitted: undefined,
    },
    { isValid: () => true },
    () => {
      throw new Error('the lease cannot run out here');
    },
  );
  await loop.begin();
  let entryMs = 0;
  let fillCount = 0;
  const entry = (source: 'fills' | 'prices', data: object): StreamEntry => ({
    source,
    id: `${entryMs++}-0`,
    data: JSON.stringify(data),
  });
  const prices: number[] = [...SCENARIO_FIRST_PRICES];
  /** Fills for the intents published since the last call, as the paper broker writes them. */
  const intentFills = (): StreamEntry[] =>
    published.splice(0).map((payload) => {
      const intent = JSON.parse(payload) as Record<string, unknown>;
      const plan = plans.find((p) => p.planId === intent.plan_id) as RebalancePlan;
      const t = plan.trades.find((x) => x.intentId === intent.intent_id) as PlannedTrade;
      return entry('fills', {
        fill_id: t.intentId,
        strategy_id: t.strategyId,
        symbol: t.symbol,
        side: t.side,
        quantity: t.quantity,
        price: t.referencePrice,
        fee: t.commission + t.slippage,
        timestamp_ns: String(t.timestampNs),
        portfolio_id: portfolio.id,
        intent_id: t.intentId,
      });
    });
  const step = async (tickValue: ScenarioTick | null) => {
    const nowNs = clock.nowNs();
    const batch: StreamEntry[] = [];
    if (tickValue === null || tickValue.moves !== undefined) {
      tickValue?.moves?.forEach((factor, s) => (prices[s] = (prices[s] as number) * factor));
      SCENARIO_SYMBOLS.forEach((symbol, s) =>
        batch.push(entry('prices', { symbol, price: prices[s], timestamp_ns: String(nowNs) })),
      );
    }
    for (const t of tickValue?.trades ?? []) {
      batch.push(
        entry('fills', {
          fill_id: `f${fillCount++}`,
          strategy_id: t.strategy,
          symbol: SCENARIO_SYMBOLS[t.symbol],
          side: t.quantity > 0 ? 'buy' : 'sell',
          quantity: Math.abs(t.quantity),
          price: prices[t.symbol],
          fee: t.fee,
          timestamp_ns: String(nowNs),
        }),
      );
    }
    if (batch.length > 0) await loop.processBatch(batch);
    await loop.runTimers();
    // The intents of this tick's plan fill before the next tick's input.
    const fills = intentFills();
    if (fills.length > 0) await loop.processBatch(fills);
  };
  await step(null);
  for (const tickValue of ticks) {
    clock.advance(tickValue.hours * HOUR_MS);
    await step(tickValue);
  }
  const payload = loop.finish();
  expect(payload).not.toBeNull();
  return { kernel: loop.kernel, plans, config };
}

describe('the live loop reproduces the backtest’s use of the kernel', () => {
  it('same plans and the same sleeves; the live journal recovers to them (property)', async () => {
    let plans = 0;
    let trades = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(scenarioTick, { minLength: 1, maxLength: 20 }), async (ticks) => {
        const backtest = backtestRun(ticks);
        const live = await liveRun(ticks);
        expect(live.plans.map(comparable)).toEqual(backtest.plans.map(comparable));
        const backtestState = backtest.kernel.tracker.serialize();
        const liveState = live.kernel.tracker.serialize();
        expect(liveState.sleeves).toEqual(backtestState.sleeves);
        expect(liveState.unallocated_cash).toBe(backtestState.unallocated_cash);
        expect(liveState.last_rebalance_ns).toBe(backtestState.last_rebalance_ns);
        // Recovery is the kernel's replay of what the loop journaled.
        const scan = scanJournal(live.config.journalPath, portfolio.id);
        const recovered = recoverKernel(
          decodeScannedLines(live.config.journalPath, scan.lines),
          portfolio,
          liveKernelOptions(live.config.manager),
          0n,
        );
        expect(recovered.warnings).toEqual([]);
        expect(recovered.kernel.tracker.serialize()).toEqual(liveState);
        plans += backtest.plans.length;
        trades += backtest.plans.reduce((n, plan) => n + plan.trades.length, 0);
      }),
      { numRuns: 30, seed: 20_251_126 },
    );
    // Not vacuous: the runs made plans that traded.
    expect(plans).toBeGreaterThan(10);
    expect(trades).toBeGreaterThan(10);
  }, 120_000);
});
