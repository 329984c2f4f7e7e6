// Breaker keys as sweep parameters: the portfolio's `max_drawdown` and an allocation's
// `max_drawdown` / `resume_after_hours` expand into configs that carry them, the runs differ by
// them and equal the full engine's portfolio line, and a value out of range names its path.
import {
  createStrategyRegistry,
  generateSyntheticData,
  PortfolioBacktestEngine,
} from '@njord/portfolio-backtest';
import { describe, expect, it } from 'vitest';
import { expandGrid } from './combinations.js';
import { parseSweepGrid } from './grid.js';
import { runPortfolio } from './run-portfolio.js';

const data = generateSyntheticData({ symbols: 2, bars: 400, seed: 11 });
const base = {
  id: 'swept',
  total_capital: 100_000,
  rebalance_threshold: 0.05,
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
      target_weight: 0.5,
      min_capital: 0,
      max_capital: 1e9,
      strategy: { kind: 'trendline_break' },
    },
  ],
};

function grid(parameters: Record<string, unknown[]>) {
  return parseSweepGrid({ sweep: { id: 'b', portfolio: 'p.yaml', parameters } });
}

describe('breaker keys in a sweep', () => {
  it('expand into configs that carry them; each run equals the full engine and they differ', () => {
    const expanded = expandGrid(
      grid({
        max_drawdown: [null, 0.5],
        'allocations.mom.max_drawdown': [0.02, 0.9],
        'allocations.mom.resume_after_hours': [240],
      }),
      base,
    );
    expect(expanded.combinations).toHaveLength(4);
    const seen = expanded.combinations.map((c) => [
      c.config.maxDrawdown ?? null,
      c.config.allocations[0]?.maxDrawdown,
      c.config.allocations[0]?.resumeAfterHours,
    ]);
    expect(seen).toEqual([
      [null, 0.02, 240],
      [null, 0.9, 240],
      [0.5, 0.02, 240],
      [0.5, 0.9, 240],
    ]);
    const registry = createStrategyRegistry();
    const runs = expanded.combinations.map((c) => {
      const run = runPortfolio(c.config, data, registry);
      const full = new PortfolioBacktestEngine(c.config, registry).run(data);
      expect(Array.from(run.equity)).toEqual(full.equityCurve.map((p) => p.equity));
      return { run, trips: (full.breakers ?? []).filter((b) => b.type === 'breaker').length };
    });
    // A 2% breaker on a momentum sleeve trips on this series; a 90% one does not, and then the
    // run is the same as without any breaker.
    expect(runs[0]?.trips).toBeGreaterThan(0);
    expect(runs[1]?.trips).toBe(0);
    expect(Array.from(runs[0]?.run.equity ?? [])).not.toEqual(
      Array.from(runs[1]?.run.equity ?? []),
    );
    const without = expandGrid(grid({ max_drawdown: [null] }), base).combinations[0];
    if (without === undefined) throw new Error('no combination');
    const plain = runPortfolio(without.config, data, registry);
    expect(Array.from(runs[1]?.run.equity ?? [])).toEqual(Array.from(plain.equity));
  });

  it('names the path of a value out of range, and a resume without a limit', () => {
    expect(() => expandGrid(grid({ max_drawdown: [1.5] }), base)).toThrow(
      /portfolio\.max_drawdown: .*combination 0: max_drawdown=1\.5/,
    );
    expect(() => expandGrid(grid({ 'allocations.trend.resume_after_hours': [24] }), base)).toThrow(
      /portfolio\.allocations\[1\]\.resume_after_hours: needs max_drawdown/,
    );
  });
});
