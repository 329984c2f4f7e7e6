import { describe, expect, it } from 'vitest';
import { encodePortfolioConfig, isContractError } from '@njord/portfolio-contracts';
import { parsePortfolioConfig } from '@njord/portfolio-contracts/yaml';
import {
  cartesianProduct,
  expandGrid,
  MAX_GRID_COMBINATIONS,
  sampleIndices,
} from './combinations.js';
import { getParameter, setParameter } from './config-paths.js';
import { parseSweepGrid } from './grid.js';

const BASE = encodePortfolioConfig(
  parsePortfolioConfig(`
portfolio:
  id: demo
  total_capital: 50000
  rebalance_threshold: 0.05
  rebalance_frequency_hours: 24
  allocations:
    - {strategy_id: a, target_weight: 0.4, min_capital: 0, max_capital: 50000}
    - {strategy_id: b, target_weight: 0.6, min_capital: 0, max_capital: 50000,
       strategy: {kind: momentum, params: {lookback: 21}}}
`),
).portfolio;

function grid(parameters: Record<string, unknown[]>, extra: Record<string, unknown> = {}) {
  return parseSweepGrid({ sweep: { id: 'g', portfolio: 'p.yaml', parameters, ...extra } });
}

describe('config paths', () => {
  it('set a top-level key, an allocation by id, a weight vector, and remove with null', () => {
    const p = structuredClone(BASE);
    setParameter(p, 'rebalance_threshold', 0.1);
    setParameter(p, 'allocations.b.strategy.params.lookback', 63);
    setParameter(p, 'weights', { a: 0.3, b: 0.7 });
    setParameter(p, 'rebalance_frequency_hours', null);
    setParameter(p, 'risk_adjustment.method', 'inverse_volatility');
    expect(p.rebalance_threshold).toBe(0.1);
    expect(getParameter(p, 'allocations.b.strategy.params.lookback')).toBe(63);
    expect(getParameter(p, 'weights.a')).toBe(0.3);
    expect(getParameter(p, 'allocations.b.target_weight')).toBe(0.7);
    expect('rebalance_frequency_hours' in p).toBe(false);
    expect(p.risk_adjustment).toEqual({ method: 'inverse_volatility' });
    // The base is untouched.
    expect(BASE.rebalance_threshold).toBe(0.05);
  });

  it('gives a new strategy spec the kind registered under the strategy id', () => {
    const p = structuredClone(BASE);
    setParameter(p, 'allocations.a.strategy.params.lookback', 10);
    expect(getParameter(p, 'allocations.a.strategy')).toEqual({
      kind: 'a',
      params: { lookback: 10 },
    });
  });

  it('names an unknown strategy id', () => {
    const p = structuredClone(BASE);
    expect(() => setParameter(p, 'allocations.zz.target_weight', 1)).toThrow(
      /no allocation with strategy_id "zz"/,
    );
    expect(() => setParameter(p, 'weights', { zz: 1 })).toThrow(/weights\.zz/);
  });

  it('never walks into a prototype, whoever calls it', () => {
    for (const path of [
      '__proto__.polluted',
      'risk.__proto__.polluted',
      'constructor.prototype.x',
    ]) {
      const p = structuredClone(BASE);
      expect(() => setParameter(p, path, 1)).toThrow(/no __proto__, prototype or constructor/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('cartesianProduct', () => {
  it('varies the last parameter fastest', () => {
    const rows = [
      ...cartesianProduct(
        new Map<string, unknown[]>([
          ['x', [1, 2]],
          ['y', ['a', 'b', 'c']],
        ]),
      ),
    ];
    expect(rows.map((r) => [...r.values()])).toEqual([
      [1, 'a'],
      [1, 'b'],
      [1, 'c'],
      [2, 'a'],
      [2, 'b'],
      [2, 'c'],
    ]);
  });
});

describe('expandGrid', () => {
  it('applies each combination and validates its config', () => {
    const g = grid({
      rebalance_threshold: [0.02, 0.1],
      'allocations.b.strategy.params.lookback': [21, 63],
    });
    const { combinations, product, rejected } = expandGrid(g, BASE);
    expect(product).toBe(4);
    expect(rejected).toBe(0);
    expect(combinations.map((c) => c.index)).toEqual([0, 1, 2, 3]);
    expect(combinations[3]!.config.rebalanceThreshold).toBe(0.1);
    expect(combinations[3]!.config.allocations[1]!.strategy?.params).toEqual({ lookback: 63 });
    expect(new Set(combinations.map((c) => c.id)).size).toBe(4);
  });

  it('refuses a grid past MAX_GRID_COMBINATIONS at once, sample or not', () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => (i + 1) / (n + 1));
    // 400 x 500 = 200,000 combinations, built in full before a sample could choose.
    const parameters = {
      rebalance_threshold: values(400),
      'allocations.b.risk_multiplier': values(500),
    };
    for (const extra of [{}, { sample: { count: 10, seed: 1 } }]) {
      let caught: unknown;
      try {
        expandGrid(grid(parameters, extra), BASE);
      } catch (error) {
        caught = error;
      }
      expect(isContractError(caught)).toBe(true);
      expect((caught as Error).message).toContain(
        `the grid has 200,000 combinations (400 x 500 values), more than the ${MAX_GRID_COMBINATIONS.toLocaleString('en-US')} a sweep expands`,
      );
    }
    // 8e10: refused from the product's size alone (enumerating it would never end).
    const huge = grid({
      rebalance_threshold: values(100),
      'allocations.b.risk_multiplier': values(200),
      'allocations.a.risk_multiplier': values(200),
      'allocations.a.min_capital': values(200),
      total_capital: values(100).map((v) => v * 1e6),
    });
    expect(() => expandGrid(huge, BASE)).toThrow(/80,000,000,000 combinations/);
  });

  it('filters by constraints between parameters', () => {
    // min_capital <= max_capital holds for 3 of the 2 x 2 pairs (10000 <= 5000 fails).
    const g = grid(
      { 'allocations.a.min_capital': [0, 10000], 'allocations.a.max_capital': [5000, 20000] },
      {
        constraints: [
          { left: 'allocations.a.min_capital', op: '<=', right: 'allocations.a.max_capital' },
        ],
      },
    );
    const { combinations, rejected } = expandGrid(g, BASE);
    expect(rejected).toBe(1);
    expect(combinations.map((c) => [...c.params.values()])).toEqual([
      [0, 5000],
      [0, 20000],
      [10000, 20000],
    ]);
  });

  it('takes a seeded subset, the same for the same seed', () => {
    const g = grid(
      { rebalance_threshold: [0.01, 0.02, 0.03, 0.04, 0.05, 0.06] },
      { sample: { count: 3, seed: 7 } },
    );
    const first = expandGrid(g, BASE).combinations.map((c) => c.params.get('rebalance_threshold'));
    const again = expandGrid(g, BASE).combinations.map((c) => c.params.get('rebalance_threshold'));
    expect(first).toHaveLength(3);
    expect(first).toEqual(again);
    expect([...first].sort()).toEqual(first);
    expect(new Set(first).size).toBe(3);
  });

  it('reports an invalid combination with its parameters', () => {
    const g = grid({ weights: [{ a: 0.5, b: 0.6 }] });
    let error: unknown;
    try {
      expandGrid(g, BASE);
    } catch (e) {
      error = e;
    }
    expect(isContractError(error)).toBe(true);
    expect(String((error as Error).message)).toMatch(/sum to 1.*combination 0: weights=/);
  });

  it('reports when no combination survives the constraints', () => {
    const g = grid(
      { rebalance_threshold: [0.1] },
      { constraints: [{ left: 'rebalance_threshold', op: '<', right: 0.05 }] },
    );
    expect(() => expandGrid(g, BASE)).toThrow(/no combination/);
  });
});

describe('sampleIndices', () => {
  it('is a sorted subset of distinct positions', () => {
    for (const seed of [1, 2, 3]) {
      const picked = sampleIndices(100, 10, seed);
      expect(picked).toHaveLength(10);
      expect(new Set(picked).size).toBe(10);
      expect(picked.every((i) => i >= 0 && i < 100)).toBe(true);
      expect([...picked].sort((a, b) => a - b)).toEqual(picked);
    }
    expect(sampleIndices(5, 9, 1)).toEqual([0, 1, 2, 3, 4]);
  });
});
