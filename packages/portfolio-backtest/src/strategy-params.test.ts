import type { StrategyAllocation } from '@njord/portfolio-contracts';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createPriceData } from './price-data.js';
import { days, runStrategy } from './strategies/run-strategy.test-util.js';
import { BUILT_IN_STRATEGIES, createStrategyRegistry, defaultParams } from './strategy-registry.js';

const SYMBOLS = ['AAPL', 'IBM'];
type Params = NonNullable<NonNullable<StrategyAllocation['strategy']>['params']>;

function resolve(kind: string, params: Params, symbols: readonly string[] = SYMBOLS) {
  return createStrategyRegistry().resolveStrategy(
    {
      strategyId: 'x',
      targetWeight: 1,
      minCapital: 0,
      maxCapital: 1,
      riskMultiplier: 1,
      strategy: { kind, params },
    },
    symbols,
    { allocationIndex: 0 },
  );
}

/** `path: message` of each issue, the path shortened to what follows `params.`. */
function problems(kind: string, params: Params): string[] {
  const result = resolve(kind, params);
  if (result.success) return [];
  return result.error.issues.map(
    (issue) =>
      `${issue.path.replace('portfolio.allocations[0].strategy.params.', '')}: ${issue.message}`,
  );
}

describe("each built-in kind's bad params name the field, what was wrong and what is allowed", () => {
  it('trendline_break', () => {
    expect(problems('trendline_break', { lookback: 1 })).toEqual([
      'lookback: must be an integer in 2..1000000, got 1',
    ]);
    expect(problems('trendline_break', { lookback: 1e7 })).toEqual([
      'lookback: must be an integer in 2..1000000, got 10000000',
    ]);
    expect(problems('trendline_break', { lookback: null })).toEqual([
      'lookback: must be an integer in 2..1000000, got null',
    ]);
    expect(problems('trendline_break', { lookback: 20, lookbak: 20 })).toEqual([
      'lookbak: unknown parameter of trendline_break (allowed: lookback)',
    ]);
  });

  it('rsi_tema_bb', () => {
    expect(
      problems('rsi_tema_bb', {
        rsi_period: 1,
        oversold: -5,
        overbought: 101,
        bb_period: 2.5,
        bb_k: -1,
        tema_period: 0,
      }),
    ).toEqual([
      'rsi_period: must be an integer in 2..1000000, got 1',
      'oversold: must be a number in 0..100, got -5',
      'overbought: must be a number in 0..100, got 101',
      'bb_period: must be an integer in 2..1000000, got 2.5',
      'bb_k: must be a number > 0, got -1',
      'tema_period: must be an integer in 1..1000000, got 0',
    ]);
    // The cross-field rule runs once every field is fine on its own.
    expect(problems('rsi_tema_bb', { oversold: 50, overbought: 50 })).toEqual([
      'overbought: must be > oversold (50), got 50',
    ]);
    expect(problems('rsi_tema_bb', { bb_k: 'wide' })).toEqual([
      'bb_k: must be a number > 0, got string "wide"',
    ]);
  });

  it('momentum', () => {
    expect(problems('momentum', { lookback: 0, rebalance_every: 1.5 })).toEqual([
      'lookback: must be an integer in 1..1000000, got 0',
      'rebalance_every: must be an integer in 1..1000000, got 1.5',
    ]);
    expect(problems('momentum', { window: 3 })).toEqual([
      'window: unknown parameter of momentum (allowed: lookback, rebalance_every)',
    ]);
  });

  for (const kind of ['buy_and_hold', 'fixed_weights']) {
    it(kind, () => {
      expect(problems(kind, {})).toEqual(['weights: is required (symbol -> exposure)']);
      expect(problems(kind, { weights: [1, 2] })).toEqual([
        'weights: must be an object of symbol -> exposure, got a list',
      ]);
      expect(problems(kind, { weights: {} })).toEqual(['weights: must name at least one symbol']);
      expect(problems(kind, { weights: { AAPL: 0.5, IBM: true } })).toEqual([
        'weights.IBM: must be a finite number, got true',
      ]);
      expect(problems(kind, { weights: { AAPL: 1 }, extra: 1 })).toEqual([
        `extra: unknown parameter of ${kind} (allowed: weights)`,
      ]);
    });
  }
});

describe('the params a strategy gets', () => {
  it('are the defaults defaultParams lists, filled in where left out', () => {
    // The documented values themselves are checked in strategy-registry.test.ts.
    for (const kind of ['trendline_break', 'rsi_tema_bb', 'momentum']) {
      const resolved = resolve(kind, {});
      if (!resolved.success) throw resolved.error;
      expect(defaultParams(BUILT_IN_STRATEGIES[kind]!)).toEqual(resolved.data.params);
    }
    // Weights have no default: they are required.
    expect(defaultParams(BUILT_IN_STRATEGIES.fixed_weights!)).toEqual({});
  });

  test.prop(
    [
      fc.integer({ min: 1, max: 300 }),
      fc.integer({ min: 1, max: 300 }),
      fc.double({ min: 0, max: 100, noNaN: true }),
      fc.double({ min: 0, max: 100, noNaN: true }),
    ],
    { numRuns: 60 },
  )('momentum and rsi_tema_bb accept exactly the documented ranges', (a, b, low, high) => {
    // momentum: both >= 1 (always here). rsi_tema_bb: rsi_period >= 2 and oversold < overbought.
    expect(resolve('momentum', { lookback: a, rebalance_every: b }).success).toBe(true);
    const rsi = resolve('rsi_tema_bb', { rsi_period: a, oversold: low, overbought: high });
    expect(rsi.success).toBe(a >= 2 && low < high);
    if (rsi.success) {
      expect(rsi.data.params).toMatchObject({ rsi_period: a, oversold: low, overbought: high });
    }
  });

  it('treat a symbol named __proto__ as data (weights are read into a Map)', () => {
    const symbols = ['__proto__', 'AAPL'];
    const weights = JSON.parse('{"AAPL": 0.25, "__proto__": 0.75}') as Params;
    const result = resolve('fixed_weights', { weights }, symbols);
    if (!result.success) throw result.error;
    // Data order, both symbols kept.
    expect(result.data.symbols).toEqual(['__proto__', 'AAPL']);
    const data = createPriceData({
      timestamps: days(1),
      // fromEntries defines an own key (an object literal's __proto__ would set the prototype).
      bars: Object.fromEntries([
        ['__proto__', { close: [1] }],
        ['AAPL', { close: [2] }],
      ]),
    });
    const [targets] = runStrategy(result.data, data);
    expect(Object.entries(targets ?? {})).toEqual([
      ['__proto__', 0.75],
      ['AAPL', 0.25],
    ]);
  });

  it('pass a user schema through unchanged when there is none', () => {
    const registry = createStrategyRegistry().register('raw', ({ id, params }) => ({
      id,
      symbols: [],
      params,
      onBar: () => undefined,
    }));
    const result = registry.resolveStrategy(
      {
        strategyId: 'r',
        targetWeight: 1,
        minCapital: 0,
        maxCapital: 1,
        riskMultiplier: 1,
        strategy: { kind: 'raw', params: { anything: [1, 'two'] } },
      },
      SYMBOLS,
    );
    expect(result.success && result.data.params).toEqual({ anything: [1, 'two'] });
    // And a definition's schema output is what the factory sees (a transform included).
    const doubled = createStrategyRegistry().register('doubled', {
      params: z.strictObject({ n: z.number().transform((n) => n * 2) }),
      create: ({ id, params }) => ({ id, symbols: [], params, onBar: () => undefined }),
    });
    const out = doubled.resolveStrategy(
      {
        strategyId: 'd',
        targetWeight: 1,
        minCapital: 0,
        maxCapital: 1,
        riskMultiplier: 1,
        strategy: { kind: 'doubled', params: { n: 21 } },
      },
      SYMBOLS,
    );
    expect(out.success && out.data.params).toEqual({ n: 42 });
  });
});
