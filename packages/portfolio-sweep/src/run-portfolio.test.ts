import { describe, expect, it } from 'vitest';
import { encodePortfolioConfig, parsePortfolioConfig } from '@njord/portfolio-contracts';
import {
  createStrategyRegistry,
  generateSyntheticData,
  PortfolioBacktestEngine,
  SignalCache,
} from '@njord/portfolio-backtest';
import { decodePortfolioRun, encodePortfolioRun } from './run-codec.js';
import { runPortfolio } from './run-portfolio.js';

const data = generateSyntheticData({ symbols: 3, bars: 400, seed: 5 });
const config = parsePortfolioConfig({
  portfolio: {
    id: 'three',
    total_capital: 100_000,
    rebalance_threshold: 0.03,
    rebalance_frequency_hours: 168,
    costs: { commission_bps: 2, slippage_bps: 1 },
    allocations: [
      {
        strategy_id: 'mom',
        target_weight: 0.5,
        min_capital: 0,
        max_capital: 1e9,
        strategy: { kind: 'momentum', params: { lookback: 21 } },
      },
      {
        strategy_id: 'trend',
        target_weight: 0.3,
        min_capital: 0,
        max_capital: 1e9,
        strategy: { kind: 'trendline_break' },
      },
      {
        strategy_id: 'hold',
        target_weight: 0.2,
        min_capital: 0,
        max_capital: 1e9,
        strategy: { kind: 'rsi_tema_bb' },
      },
    ],
  },
});

describe('runPortfolio', () => {
  it("equals the full engine's portfolio line, bit for bit", () => {
    const start = data.timestamps[100] as bigint;
    const end = data.timestamps[350] as bigint;
    const full = new PortfolioBacktestEngine(config, createStrategyRegistry(), { start, end }).run(
      data,
    );
    const run = runPortfolio(config, data, createStrategyRegistry(), { start, end });
    expect(run.metrics).toEqual(full.metrics.portfolio);
    expect(Array.from(run.equity)).toEqual(full.equityCurve.map((p) => p.equity));
    expect(run.firstStep).toBe(100);
    expect(run.lastStep).toBe(350);
    expect(run.initialCapital).toBe(100_000);
  });

  it('gives the same runs with a signal cache shared across combinations, each strategy run once', () => {
    // Combinations that differ in weights, threshold and range share their three strategies;
    // one changes the momentum lookback (a strategy of its own).
    const wire = encodePortfolioConfig(config).portfolio as {
      allocations: Record<string, unknown>[];
    } & Record<string, unknown>;
    const variant = (threshold: number, weights: number[], lookback = 21) =>
      parsePortfolioConfig({
        portfolio: {
          ...wire,
          rebalance_threshold: threshold,
          allocations: wire.allocations.map((a, k) => ({
            ...a,
            target_weight: weights[k],
            ...(k === 0 ? { strategy: { kind: 'momentum', params: { lookback } } } : {}),
          })),
        },
      });
    const combos = [
      { config: variant(0.03, [0.5, 0.3, 0.2]), range: {} },
      { config: variant(0.1, [0.2, 0.3, 0.5]), range: { end: data.timestamps[200] as bigint } },
      { config: variant(0.05, [0.4, 0.4, 0.2], 10), range: {} },
      {
        config: variant(0.02, [0.3, 0.3, 0.4]),
        range: { start: data.timestamps[50] as bigint },
      },
    ];
    const cache = new SignalCache(data);
    for (const { config: c, range } of combos) {
      const alone = runPortfolio(c, data, createStrategyRegistry(), range);
      const shared = runPortfolio(c, data, createStrategyRegistry(), range, cache);
      expect(shared.metrics).toEqual(alone.metrics);
      expect(Buffer.from(shared.equity.buffer).equals(Buffer.from(alone.equity.buffer))).toBe(true);
    }
    // mom(21), trend, hold, mom(10): four strategies, each with one tape.
    expect(cache.size).toBe(4);
  });

  it('survives its stored form unchanged', () => {
    const run = runPortfolio(config, data, createStrategyRegistry());
    const back = decodePortfolioRun(encodePortfolioRun(run));
    expect(back.metrics).toEqual(run.metrics);
    expect(Buffer.from(back.equity.buffer).equals(Buffer.from(run.equity.buffer))).toBe(true);
    expect(() => decodePortfolioRun(new Uint8Array(20))).toThrow(/unknown format/);
  });
});
