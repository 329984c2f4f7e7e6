import { describe, expect, it } from 'vitest';
import { isContractError } from '@njord/portfolio-contracts';
import { encodeSweepGrid, parseSweepGrid, safeParseSweepGrid } from './grid.js';

const TEXT = `
sweep:
  id: thresholds
  portfolio: config/portfolio.yaml
  data: data/spx-daily.csv
  start: 2000-01-01
  end: 2020-04-17
  parameters:
    rebalance_threshold: [0.02, 0.05, 0.1]
    rebalance_frequency_hours: [null, 168, 720]
    weights:
      - {trendline_break_v1: 0.4, rsi_tema_bb_v1: 0.35, momentum_v1: 0.25}
    allocations.momentum_v1.strategy.params.lookback: [21, 63, 126]
  constraints: [{left: rebalance_threshold, op: "<=", right: 0.05}]
  sample: {count: 50, seed: 7}
  objective: sharpe
  pbo_partitions: 16
  walk_forward: {in_sample_bars: 756, out_of_sample_bars: 252, anchored: false}
`;

describe('parseSweepGrid', () => {
  it('reads the documented example', () => {
    const grid = parseSweepGrid(TEXT, 'sweep.yaml');
    expect(grid.id).toBe('thresholds');
    expect(grid.start).toBe('2000-01-01');
    expect([...grid.parameters.keys()]).toEqual([
      'rebalance_threshold',
      'rebalance_frequency_hours',
      'weights',
      'allocations.momentum_v1.strategy.params.lookback',
    ]);
    expect(grid.parameters.get('rebalance_frequency_hours')).toEqual([null, 168, 720]);
    expect(grid.constraints).toEqual([{ left: 'rebalance_threshold', op: '<=', right: 0.05 }]);
    expect(grid.walkForward).toEqual({ inSampleBars: 756, outOfSampleBars: 252, anchored: false });
    expect(grid.pboPartitions).toBe(16);
  });

  it('fills defaults and round-trips through its wire form', () => {
    const grid = parseSweepGrid({
      sweep: { id: 'a', portfolio: 'p.yaml', parameters: { rebalance_threshold: [0.1] } },
    });
    expect(grid.objective).toBe('sharpe');
    expect(grid.pboPartitions).toBe(16);
    expect(grid.constraints).toEqual([]);
    const again = parseSweepGrid(JSON.parse(JSON.stringify({ sweep: encodeSweepGrid(grid) })));
    expect(again).toEqual(grid);
  });

  it('names every bad field with its path', () => {
    const result = safeParseSweepGrid(
      {
        sweep: {
          id: 'a',
          portfolio: 'p.yaml',
          parameters: { rebalance_threshold: [], 'a..b': [1] },
          constraints: [{ left: 'x', op: '=~', right: 1 }],
          objective: 'luck',
          pbo_partitions: 5,
          extra: 1,
        },
      },
      'grid.yaml',
    );
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(isContractError(result.error)).toBe(true);
    const paths = result.error.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'grid.yaml: sweep.parameters.rebalance_threshold',
        'grid.yaml: sweep.constraints[0].op',
        'grid.yaml: sweep.objective',
        'grid.yaml: sweep.pbo_partitions',
        'grid.yaml: sweep.extra',
      ]),
    );
    expect(result.error.message).toMatch(/must be one of/);
    expect(result.error.message).toMatch(/even/);
  });

  it('rejects a path that could reach the prototype', () => {
    const result = safeParseSweepGrid({
      sweep: { id: 'a', portfolio: 'p', parameters: { '__proto__.x': [1] } },
    });
    expect(result.success).toBe(false);
  });

  it('reports YAML syntax errors with a line', () => {
    const result = safeParseSweepGrid('sweep: [', 'g.yaml');
    expect(result.success).toBe(false);
    if (!result.success) expect(result.error.message).toMatch(/g\.yaml:\d+:\d+/);
  });
});
