// A small real sweep result (synthetic data, 6 combinations, walk-forward) for the report tests.
import { createStrategyRegistry, generateSyntheticData } from '@njord/portfolio-backtest';
import { encodePortfolioConfig } from '@njord/portfolio-contracts';
import { parsePortfolioConfig } from '@njord/portfolio-contracts/yaml';
import { expandGrid } from './combinations.js';
import { parseSweepGrid } from './grid.js';
import { runPortfolio } from './run-portfolio.js';
import {
  assembleSweepResult,
  chooseInSample,
  planWalkForward,
  type SweepResultWire,
} from './sweep-result.js';

export function makeSweepResult(id = 'demo'): SweepResultWire {
  const data = generateSyntheticData({ symbols: 2, bars: 400, seed: 9 });
  const base = parsePortfolioConfig(`
portfolio:
  id: demo
  total_capital: 100000
  rebalance_threshold: 0.05
  allocations:
    - {strategy_id: mom, target_weight: 0.6, min_capital: 0, max_capital: 100000,
       strategy: {kind: momentum, params: {lookback: 21}}}
    - {strategy_id: rsi, target_weight: 0.4, min_capital: 0, max_capital: 100000,
       strategy: {kind: rsi_tema_bb}}
`);
  const grid = parseSweepGrid({
    sweep: {
      id,
      portfolio: 'p.yaml',
      parameters: {
        rebalance_threshold: [0.02, 0.1],
        'allocations.mom.strategy.params.lookback': [5, 20, 60],
        note: ['<script>alert(1)</script>'],
      },
      pbo_partitions: 4,
      walk_forward: { in_sample_bars: 200, out_of_sample_bars: 100 },
    },
  });
  const wire = encodePortfolioConfig(base).portfolio;
  // `note` is not a portfolio key: drop it before validation (it only carries a hostile string).
  const { combinations } = expandGrid(
    { ...grid, parameters: new Map([...grid.parameters].filter(([p]) => p !== 'note')) },
    wire,
  );
  const withNote = combinations.map((c) => ({
    ...c,
    params: new Map([...c.params, ['note', '<script>alert(1)</script>']]),
  }));
  const registry = createStrategyRegistry();
  const runs = combinations.map((c) => runPortfolio(c.config, data, registry));
  const windows = planWalkForward(grid, data.steps);
  const ts = data.timestamps;
  const inSample = windows.map((w) =>
    combinations.map((c) =>
      runPortfolio(c.config, data, registry, { start: ts[w.isStart]!, end: ts[w.isEnd - 1]! }),
    ),
  );
  const chosen = chooseInSample(inSample, grid.objective);
  const outOfSample = windows.map((w, k) =>
    runPortfolio(combinations[chosen[k]!]!.config, data, registry, {
      start: ts[w.oosStart]!,
      end: ts[w.oosEnd - 1]!,
    }),
  );
  return assembleSweepResult({
    grid,
    combinations: withNote,
    runs,
    timestamps: data.timestamps,
    data: {
      path: 'synthetic "<data>".csv',
      sha256: 'ab'.repeat(32),
      symbols: data.symbols,
      bars: data.steps,
    },
    versions: {},
    walkForward: { windows, inSample, outOfSample },
    curves: true,
    stats: {
      combinations: runs.length,
      run_ms: 12,
      combinations_per_second: 500,
      workers: 1,
      cache_hits: 0,
    },
  });
}
