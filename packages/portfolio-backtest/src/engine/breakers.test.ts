// Breakers in a backtest, on a crafted series worked out by hand: a sleeve that loses 30%
// trips its 0.2 breaker on the right bar, its capital goes to the other sleeve at that bar,
// its strategy's orders are refused while paused, it resumes after resume_after_hours; a
// portfolio past its max_drawdown halts and makes no plan; the journal replays to the same.
import {
  decodeJournalLine,
  parsePortfolioConfig,
  type PortfolioConfig,
} from '@njord/portfolio-contracts';
import { replayJournal } from '@njord/portfolio-kernel';
import { createLineJournal } from '@njord/test-kit';
import { describe, expect, it } from 'vitest';
import { createPriceData } from '../price-data.js';
import { createStrategyRegistry } from '../strategy-registry.js';
import { PortfolioBacktestEngine } from './portfolio-engine.js';
import { simulate } from './simulate.js';

const DAY = 86_400_000_000_000n;
const T0 = 1_600_000_000_000_000_000n;
const at = (bar: number) => T0 + BigInt(bar) * DAY;

// X falls 3 a bar from 100 (bar 10: 70, 30% down); Y stays at 50.
const BARS = 11;
const data = createPriceData({
  timestamps: Array.from({ length: BARS }, (_, bar) => at(bar)),
  bars: {
    X: { close: Array.from({ length: BARS }, (_, bar) => 100 - 3 * bar) },
    Y: { close: new Array<number>(BARS).fill(50) },
  },
});

/** A strategy all in its one symbol, asking for it on every bar. */
function registry() {
  return createStrategyRegistry().register('all_in', ({ id, symbols }) => ({
    id,
    symbols,
    onBar: () => Object.fromEntries(symbols.map((symbol) => [symbol, 1])),
  }));
}

function config(
  portfolio: Record<string, unknown> = {},
  loser: Record<string, unknown> = {},
): PortfolioConfig {
  return parsePortfolioConfig({
    portfolio: {
      id: 'breakers',
      total_capital: 2_000,
      rebalance_threshold: 5, // 500%: quiet unless a test lowers it
      min_trade_value: 0,
      allocations: [
        {
          strategy_id: 'loser',
          target_weight: 0.5,
          min_capital: 0,
          max_capital: 1e9,
          max_drawdown: 0.2,
          resume_after_hours: 48,
          strategy: { kind: 'all_in', symbols: ['X'] },
          ...loser,
        },
        {
          strategy_id: 'steady',
          target_weight: 0.5,
          min_capital: 0,
          max_capital: 1e9,
          strategy: { kind: 'all_in', symbols: ['Y'] },
        },
      ],
      ...portfolio,
    },
  });
}

function run(cfg: PortfolioConfig) {
  const journal = createLineJournal(cfg.id);
  const result = new PortfolioBacktestEngine(cfg, registry(), { journal }).run(data);
  return { result, lines: journal.lines.map((line) => decodeJournalLine(line)) };
}

describe('a sleeve breaker in a backtest', () => {
  // Bar 0: loser buys 10 X at 100, steady 20 Y at 50. loser's index is X / 100 from a peak of
  // 1: its drawdown at bar k is -0.03k, -0.18 at bar 6 (inside) and -0.21 at bar 7, past -0.2.
  // Bar 7: the breaker plan sells the 10 X at 79 and moves 790 to steady (target 1,790), which
  // buys 15.8 Y. Bar 8 is 24 h after the trip, bar 9 48 h: resumed there by the timer, and a
  // breaker plan splits equity 1,790 into 895 each (steady sells 17.9 Y). loser's strategy
  // asked for X on bars 8 and 9 (refused); on bar 10 it buys 895 / 70 X.
  const cfg = config();
  const { result, lines } = run(cfg);

  it('trips at bar 7 with drawdown -0.21, resumes by the timer at bar 9', () => {
    expect(result.breakers).toHaveLength(2);
    const [trip, resume] = result.breakers ?? [];
    expect(trip).toMatchObject({
      timestampNs: at(7),
      type: 'breaker',
      strategyId: 'loser',
      reason: 'max_drawdown',
    });
    expect(Math.abs((trip?.drawdown ?? 0) - -0.21)).toBeLessThan(1e-12);
    expect(resume).toEqual({
      timestampNs: at(9),
      type: 'resume',
      strategyId: 'loser',
      reason: 'timer',
      drawdown: null,
    });
  });

  it('moves its capital to the other sleeve at that bar, and back when it resumes', () => {
    const plans = result.rebalances.map((plan) => [plan.timestampNs, plan.reason]);
    expect(plans).toEqual([
      [at(7), 'breaker'],
      [at(9), 'breaker'],
    ]);
    const point = (bar: number) => result.equityCurve[bar];
    expect(point(6)?.strategies.loser).toBeCloseTo(820, 9);
    expect(point(7)?.strategies.loser).toBeCloseTo(0, 9);
    expect(point(7)?.strategies.steady).toBeCloseTo(1_790, 9);
    expect(point(7)?.targets.loser).toBe(0);
    expect(point(8)?.strategies.steady).toBeCloseTo(1_790, 9);
    expect(point(9)?.strategies.loser).toBeCloseTo(895, 9);
    expect(point(9)?.strategies.steady).toBeCloseTo(895, 9);
    expect(point(10)?.strategies.loser).toBeCloseTo(895, 9);
    expect(result.finalEquity).toBeCloseTo(1_790, 9);
  });

  it('refuses its strategy while paused, then trades the orders it kept', () => {
    const loserFills = lines.filter(
      (line) => line.type === 'fill' && line.fill.strategyId === 'loser' && !line.fill.intentId,
    );
    // Strategy fills (no intent id): bar 0 (buy 10 X) and bar 10 (buy 895 / 70 X), none between.
    expect(loserFills.map((line) => line.timestamp_ns)).toEqual([at(0), at(10)]);
    const last = loserFills[1];
    if (last?.type !== 'fill') throw new Error('expected a fill');
    expect(last.fill.quantity).toBeCloseTo(895 / 70, 9);
    // The refusals counted: bars 8 and 9.
    const resolved = registry().resolveStrategies(cfg, data.symbols);
    if (!resolved.success) throw resolved.error;
    const output = simulate({
      config: cfg,
      strategies: resolved.data,
      data,
      firstStep: 0,
      lastStep: BARS - 1,
      mode: 'rebalance',
      fillModel: 'close',
      costs: cfg.costs,
    });
    expect(output.skipped['paused']).toBe(2);
  });

  it('journals the trip and the resume, and the journal replays to the same sleeves', () => {
    const events = lines.filter((line) => line.type === 'breaker' || line.type === 'resume');
    expect(events.map((line) => [line.type, line.timestamp_ns])).toEqual([
      ['breaker', at(7)],
      ['resume', at(9)],
    ]);
    const replay = replayJournal(lines, {});
    expect(replay.warnings).toEqual([]);
    expect(replay.kernel.pausedIds()).toEqual([]);
    expect(replay.kernel.tracker.getStrategyCapital('loser')).toBeCloseTo(895, 9);
    // Replayed only to bar 8, loser is still paused with target 0.
    const upTo8 = lines.filter((line) => line.timestamp_ns <= at(8));
    const paused = replayJournal(upTo8, {}).kernel;
    expect(paused.pausedIds()).toEqual(['loser']);
    expect(paused.getSnapshot(at(8)).targetAllocations.loser).toBe(0);
  });

  it('with next_open the breaker plan fills at the next bar open', () => {
    const { result: next } = run(config({ fill_model: 'next_open' }));
    // Orders fill at the next bar's open (the close here): bar 1 buys 1,000 / 97 X at 97, so
    // loser's index is X_k / 97: bar 7 79 / 97 - 1 = -0.1856 (inside), bar 8 76 / 97 - 1 =
    // -0.2165, past -0.2: it trips at bar 8's close and the breaker plan fills at bar 9.
    const trip = next.breakers?.[0];
    expect(trip?.timestampNs).toBe(at(8));
    expect(Math.abs((trip?.drawdown ?? 0) - (76 / 97 - 1))).toBeLessThan(1e-12);
    expect(next.rebalances[0]?.timestampNs).toBe(at(9));
    expect(next.rebalances[0]?.reason).toBe('breaker');
  });
});

describe('the portfolio halt in a backtest', () => {
  // No sleeve breaker; portfolio max_drawdown 0.1 and drift threshold 15%. Equity = 1,000 +
  // 10 X = 2,000 - 30k at bar k: -0.09 at bar 6, -0.105 at bar 7: halted at bar 7. Without
  // the halt, loser's drift 730 / 865 - 1 = -15.6% would fire a plan at bar 9 (bar 8: 760 /
  // 880 - 1 = -13.6%).
  const limits = { max_drawdown: undefined, resume_after_hours: undefined };

  it('halts at bar 7 and makes no plan afterwards', () => {
    const free = run(config({ rebalance_threshold: 0.15 }, limits)).result;
    expect(free.rebalances.map((plan) => [plan.timestampNs, plan.reason])).toEqual([
      [at(9), 'threshold'],
    ]);
    const { result, lines } = run(config({ rebalance_threshold: 0.15, max_drawdown: 0.1 }, limits));
    expect(result.breakers).toHaveLength(1);
    expect(result.breakers?.[0]).toMatchObject({
      timestampNs: at(7),
      type: 'halt',
      strategyId: null,
      reason: 'max_drawdown',
    });
    expect(Math.abs((result.breakers?.[0]?.drawdown ?? 0) - (1_790 / 2_000 - 1))).toBeLessThan(
      1e-12,
    );
    expect(result.rebalances).toEqual([]);
    // Still marked to the end: 1,000 + 10 x 70.
    expect(result.finalEquity).toBeCloseTo(1_700, 9);
    expect(lines.filter((line) => line.type === 'halt')).toHaveLength(1);
    expect(replayJournal(lines, {}).kernel.halted).toBe(true);
  });
});
