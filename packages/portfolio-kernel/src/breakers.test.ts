// Breakers in the kernel, hand-worked: a sleeve losing 30% trips a 0.2 breaker on the right
// day, its capital goes to the other sleeve in a `breaker` plan, the timer resumes it; a
// transfer is not a loss; the portfolio halts on its drawdown; a replay of the journal lines
// (with or without a checkpoint) restores the same paused sleeves and halt.
import {
  decodeJournalLine,
  encodeFillEvent,
  encodePortfolioConfig,
  encodeRebalancePlan,
  formatJournalLine,
  parsePortfolioConfig,
  type JournalLine,
  type PortfolioConfig,
} from '@njord/portfolio-contracts';
import { referenceFill } from '@njord/test-kit';
import { describe, expect, it } from 'vitest';
import { isAppliedDecision, type KernelDecision, type KernelEvent } from './events.js';
import { PortfolioKernel } from './kernel.js';
import { checkpointKernel, replayJournal } from './replay.js';

const DAY = 86_400_000_000_000n;

function config(
  portfolio: Record<string, unknown> = {},
  loser: Record<string, unknown> = {},
): PortfolioConfig {
  return parsePortfolioConfig({
    portfolio: {
      id: 'breakers',
      total_capital: 2_000,
      // 500%: the drift trigger stays quiet unless a test lowers it.
      rebalance_threshold: 5,
      min_trade_value: 0,
      allocations: [
        {
          strategy_id: 'loser',
          target_weight: 0.5,
          min_capital: 0,
          max_capital: 1e9,
          max_drawdown: 0.2,
          resume_after_hours: 48,
          ...loser,
        },
        { strategy_id: 'steady', target_weight: 0.5, min_capital: 0, max_capital: 1e9 },
      ],
      ...portfolio,
    },
  });
}

/** Records every event applied, as the journal would, and applies it. */
class Driver {
  readonly events: KernelEvent[] = [];
  readonly decisions: KernelDecision[] = [];
  constructor(readonly kernel: PortfolioKernel) {}

  apply(event: KernelEvent): void {
    this.events.push(event);
    this.kernel.apply(event);
  }

  buy(strategyId: string, symbol: string, quantity: number, price: number, atNs: bigint): void {
    const fillId = `${strategyId}:${symbol}:${String(atNs)}:${String(this.events.length)}`;
    this.apply({
      type: 'fill',
      fill: {
        fillId,
        strategyId,
        symbol,
        side: quantity > 0 ? 'buy' : 'sell',
        quantity: Math.abs(quantity),
        price,
        fee: 0,
        timestampNs: atNs,
      },
    });
  }

  mark(symbol: string, price: number, atNs: bigint): void {
    this.apply({ type: 'mark', mark: { symbol, price, timestampNs: atNs } });
  }

  /** Decides, applies and fills until nothing is due; returns the decisions of this call. */
  settle(nowNs: bigint): KernelDecision[] {
    const seen: KernelDecision[] = [];
    for (let d = this.kernel.decide(nowNs); d !== null; d = this.kernel.decide(nowNs)) {
      seen.push(d);
      if (!isAppliedDecision(d)) break;
      this.apply(d);
      if (d.type !== 'plan') continue;
      for (const trade of d.plan.trades) {
        this.apply({ type: 'fill', fill: referenceFill(trade, nowNs) });
      }
    }
    this.decisions.push(...seen);
    return seen;
  }

  capital(strategyId: string): number {
    return this.kernel.tracker.getStrategyCapital(strategyId);
  }
}

/** Day 0: `loser` puts its 1,000 into 10 X at 100; `steady` holds its 1,000 in cash. */
function start(cfg = config()): Driver {
  const driver = new Driver(new PortfolioKernel(cfg, { startNs: 0n }));
  driver.mark('X', 100, 0n);
  driver.buy('loser', 'X', 10, 100, 0n);
  expect(driver.settle(0n)).toEqual([]);
  return driver;
}

describe('a sleeve breaker in the kernel', () => {
  it('trips on the first day past 20% down, moves its capital out at once, resumes 48 h later', () => {
    // X falls 3 a day: day k, loser = 10 x (100 - 3k) = 1,000 - 30k, its index 1 - 0.03k from a
    // peak of 1, so its drawdown is -0.03k: -0.18 on day 6 (inside), -0.21 on day 7 (past -0.2).
    const driver = start();
    for (let k = 1; k <= 6; k++) {
      driver.mark('X', 100 - 3 * k, BigInt(k) * DAY);
      expect(driver.settle(BigInt(k) * DAY)).toEqual([]);
    }
    driver.mark('X', 79, 7n * DAY);
    const day7 = driver.settle(7n * DAY);
    expect(day7.map((d) => d.type)).toEqual(['breaker', 'plan']);
    const trip = day7[0];
    if (trip?.type !== 'breaker') throw new Error('expected a breaker');
    expect(trip).toMatchObject({ strategyId: 'loser', reason: 'max_drawdown' });
    expect(Math.abs(trip.drawdown - -0.21)).toBeLessThan(1e-12);
    // The breaker plan: loser's target is 0, steady's the whole equity 790 + 1,000 = 1,790; it
    // sells loser's 10 X at 79 and moves the 790 to steady.
    const plan = day7[1];
    if (plan?.type !== 'plan') throw new Error('expected a plan');
    expect(plan.plan.reason).toBe('breaker');
    expect(plan.plan.transfers.loser).toBeCloseTo(-790, 9);
    expect(plan.plan.transfers.steady).toBeCloseTo(790, 9);
    expect(plan.plan.trades.map((t) => [t.strategyId, t.side, t.quantity])).toEqual([
      ['loser', 'sell', 10],
    ]);
    expect(driver.capital('loser')).toBeCloseTo(0, 9);
    expect(driver.capital('steady')).toBeCloseTo(1_790, 9);
    expect([...driver.kernel.paused]).toEqual(['loser']);
    expect(driver.kernel.getSnapshot(7n * DAY)).toMatchObject({ paused: ['loser'], halted: false });
    expect(driver.kernel.getSnapshot(7n * DAY).targetAllocations.loser).toBe(0);

    // Day 8 is 24 h after the trip: still paused. Day 9 is 48 h after: resumed by the timer,
    // and a breaker plan funds it back to half the equity, 895.
    driver.mark('X', 60, 8n * DAY);
    expect(driver.settle(8n * DAY)).toEqual([]);
    expect(driver.settle(9n * DAY - 1n)).toEqual([]);
    const day9 = driver.settle(9n * DAY);
    expect(day9.map((d) => d.type)).toEqual(['resume', 'plan']);
    expect(day9[0]).toMatchObject({ strategyId: 'loser', by: 'timer' });
    const back = day9[1];
    if (back?.type !== 'plan') throw new Error('expected a plan');
    expect(back.plan.reason).toBe('breaker');
    expect(back.plan.transfers.loser).toBeCloseTo(895, 9);
    expect(driver.kernel.isPaused('loser')).toBe(false);
    expect(driver.capital('loser')).toBeCloseTo(895, 9);
  });

  it('a transfer out is not a loss: the index is flow-adjusted', () => {
    // Threshold 5%. X 100 -> 150: loser 1,500, steady 1,000, targets 1,250: a threshold plan
    // sells 250 of X (8.333 X left). loser holds only X, so its index is X / 100
    // whatever is moved in or out: 1.5 at the peak. X 121: index 1.21, drawdown 1.21 / 1.5 - 1
    // = -0.193 (inside; its capital, 1,008.33, is 33% below 1,500, which a raw peak would
    // count). X 119: -0.2067, past -0.2: it trips.
    const driver = start(config({ rebalance_threshold: 0.05 }));
    driver.mark('X', 150, DAY);
    expect(driver.settle(DAY).map((d) => d.type)).toEqual(['plan']);
    expect(driver.capital('loser')).toBeCloseTo(1_250, 9);
    driver.mark('X', 121, 2n * DAY);
    const day2 = driver.settle(2n * DAY);
    expect(day2.map((d) => d.type)).toEqual(['plan']); // a threshold plan, no trip
    driver.mark('X', 119, 3n * DAY);
    const day3 = driver.settle(3n * DAY);
    expect(day3[0]?.type).toBe('breaker');
    const drawdown = (day3[0] as { drawdown: number }).drawdown;
    expect(Math.abs(drawdown - (119 / 150 - 1))).toBeLessThan(1e-12);
  });

  it('exactly at the limit does not trip; without resume_after_hours only an operator resumes', () => {
    // X 80: index 0.8, drawdown exactly -0.2 (80 / 100 - 1 in binary is -0.19999999999999996).
    const driver = start(config({}, { resume_after_hours: undefined }));
    driver.mark('X', 80, DAY);
    expect(driver.settle(DAY)).toEqual([]);
    driver.mark('X', 70, 2n * DAY);
    expect(driver.settle(2n * DAY).map((d) => d.type)).toEqual(['breaker', 'plan']);
    expect(driver.settle(1_000n * DAY)).toEqual([]);
    expect(driver.kernel.isPaused('loser')).toBe(true);
    driver.apply({
      type: 'resume',
      timestampNs: 1_001n * DAY,
      strategyId: 'loser',
      by: 'operator',
    });
    expect(driver.kernel.isPaused('loser')).toBe(false);
    // Resumed with no capital: the breaker plan funds it, half of 700 + 1,000.
    const back = driver.settle(1_001n * DAY);
    expect(back.map((d) => d.type)).toEqual(['plan']);
    expect(driver.capital('loser')).toBeCloseTo(850, 9);
  });

  it('an operator pauses a sleeve without a limit; its target is 0 until resumed', () => {
    const driver = start();
    driver.apply({ type: 'breaker', timestampNs: DAY, strategyId: 'steady', reason: 'operator' });
    const paused = driver.settle(DAY);
    expect(paused.map((d) => d.type)).toEqual(['plan']);
    expect(driver.capital('steady')).toBeCloseTo(0, 9);
    expect(driver.capital('loser')).toBeCloseTo(2_000, 9);
    // An operator's pause does not resume by the timer, however long.
    expect(driver.settle(100n * DAY)).toEqual([]);
  });
});

describe('the portfolio halt', () => {
  it('halts past max_drawdown: no plan until resumed, then its peak starts again', () => {
    // No sleeve limit; portfolio max_drawdown 0.25, drift threshold 30%. Equity = 1,000 + 10 X.
    // X 120: equity 2,200 (the peak; loser 1,200 vs target 1,100 is +9%, no plan).
    // X 66: 1,660 = -0.2455, inside; loser 660 vs 830 is -20.5%, no plan.
    // X 50: 1,500 = -0.318, past -0.25: halt; loser 500 vs 750 is -33%, but halted: no plan.
    const driver = start(
      config(
        { max_drawdown: 0.25, rebalance_threshold: 0.3 },
        { max_drawdown: undefined, resume_after_hours: undefined },
      ),
    );
    driver.mark('X', 120, DAY);
    expect(driver.settle(DAY)).toEqual([]);
    driver.mark('X', 66, 2n * DAY);
    expect(driver.settle(2n * DAY)).toEqual([]);
    driver.mark('X', 50, 3n * DAY);
    const day3 = driver.settle(3n * DAY);
    expect(day3.map((d) => d.type)).toEqual(['halt']);
    expect(day3[0]).toMatchObject({ reason: 'max_drawdown' });
    const drawdown = (day3[0] as { drawdown: number }).drawdown;
    expect(Math.abs(drawdown - (1_500 / 2_200 - 1))).toBeLessThan(1e-12);
    expect(driver.kernel.halted).toBe(true);
    expect(driver.kernel.reason).toBe('threshold');
    expect(driver.settle(4n * DAY)).toEqual([]);
    expect(driver.kernel.getSnapshot(4n * DAY).halted).toBe(true);
    driver.apply({ type: 'resume', timestampNs: 5n * DAY, by: 'operator' });
    expect(driver.kernel.halted).toBe(false);
    // Resumed: the pending drift plans; the equity's peak starts again at 1,500.
    expect(driver.settle(5n * DAY).map((d) => d.type)).toEqual(['plan']);
    // After the plan loser holds 750 / 50 = 15 X and 0 cash: equity = 750 + 15 X. X 45:
    // 1,425 = 1,500 x 0.95, inside; measured from 2,200 it would be -0.35.
    driver.mark('X', 45, 6n * DAY);
    expect(driver.settle(6n * DAY).some((d) => d.type === 'halt')).toBe(false);
  });
});

describe('replay', () => {
  /** The journal lines of a run (as a backtest or the live manager writes them), decoded. */
  function journal(driver: Driver, cfg: PortfolioConfig): JournalLine[] {
    let seq = 0;
    const text: string[] = [];
    const add = (line: string) => text.push(line);
    add(
      formatJournalLine(cfg.id, ++seq, 'config', 0n, {
        config: JSON.parse(JSON.stringify(encodeConfigWire(cfg))) as Record<string, unknown>,
      }),
    );
    for (const event of driver.events) add(lineOf(cfg.id, ++seq, event));
    return text.map((line) => decodeJournalLine(line));
  }

  it('restores the paused sleeves, the halt and the watch from the lines, or a checkpoint', () => {
    const cfg = config({ max_drawdown: 0.5 });
    const driver = start(cfg);
    for (let k = 1; k <= 7; k++) {
      driver.mark('X', 100 - 3 * k, BigInt(k) * DAY);
      driver.settle(BigInt(k) * DAY);
    }
    driver.apply({ type: 'halt', timestampNs: 7n * DAY, reason: 'operator' });
    const lines = journal(driver, cfg);
    const replayed = replayJournal(lines, {}).kernel;
    expect([...replayed.paused]).toEqual(['loser']);
    expect(replayed.halted).toBe(true);
    expect(replayed.breakersJson()).toEqual(driver.kernel.breakersJson());
    // The same decision afterwards: resumed at day 9 by the timer.
    for (const kernel of [driver.kernel, replayed]) {
      expect(kernel.decide(9n * DAY)).toMatchObject({ type: 'resume', strategyId: 'loser' });
    }
    // From a checkpoint line: the breakers' state travels in it.
    const checkpoint = formatJournalLine(cfg.id, lines.length + 1, 'checkpoint', 7n * DAY, {
      config: encodeConfigWire(cfg),
      ...(JSON.parse(JSON.stringify(checkpointKernel(driver.kernel))) as Record<string, never>),
    });
    const fromCheckpoint = replayJournal([...lines, decodeJournalLine(checkpoint)], {}).kernel;
    expect(fromCheckpoint.breakersJson()).toEqual(driver.kernel.breakersJson());
    expect(fromCheckpoint.tracker.getSnapshot(8n * DAY).targetAllocations.loser).toBe(0);
  });
});

function encodeConfigWire(cfg: PortfolioConfig): Record<string, unknown> {
  return encodePortfolioConfig(cfg).portfolio;
}

/** The journal line of one applied event (the types this test applies). */
function lineOf(portfolioId: string, seq: number, event: KernelEvent): string {
  switch (event.type) {
    case 'fill':
      return formatJournalLine(portfolioId, seq, 'fill', event.fill.timestampNs, {
        fill: encodeFillEvent(event.fill),
      });
    case 'mark':
      return formatJournalLine(portfolioId, seq, 'mark', event.mark.timestampNs, {
        mark: {
          symbol: event.mark.symbol,
          price: event.mark.price,
          timestamp_ns: event.mark.timestampNs.toString(),
        },
      });
    case 'plan':
      return formatJournalLine(portfolioId, seq, 'plan', event.plan.timestampNs, {
        plan: encodeRebalancePlan(event.plan),
      });
    case 'breaker':
      return formatJournalLine(portfolioId, seq, 'breaker', event.timestampNs, {
        strategy_id: event.strategyId,
        reason: event.reason,
        ...(event.drawdown === undefined ? {} : { drawdown: event.drawdown }),
      });
    case 'halt':
      return formatJournalLine(portfolioId, seq, 'halt', event.timestampNs, {
        reason: event.reason,
      });
    case 'resume':
      return formatJournalLine(portfolioId, seq, 'resume', event.timestampNs, {
        ...(event.strategyId === undefined ? {} : { strategy_id: event.strategyId }),
        ...(event.by === undefined ? {} : { by: event.by }),
      });
    default:
      throw new Error(`no line for ${event.type} in this test`);
  }
}
