import { type StrategyAllocation } from '@njord/portfolio-contracts';
import { parsePortfolioConfig } from '@njord/portfolio-contracts/yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createPriceData } from './price-data.js';
import { days, runStrategy } from './strategies/run-strategy.test-util.js';
import type { Strategy } from './strategy.js';
import { createStrategyRegistry, defineStrategy } from './strategy-registry.js';

const SYMBOLS = ['AAPL', 'AMZN', 'GOOG', 'IBM', 'MSFT'];

function allocation(
  strategyId: string,
  strategy?: StrategyAllocation['strategy'],
): StrategyAllocation {
  return {
    strategyId,
    targetWeight: 1,
    minCapital: 0,
    maxCapital: 1e9,
    riskMultiplier: 1,
    ...(strategy === undefined ? {} : { strategy }),
  };
}

function resolved(a: StrategyAllocation): Strategy {
  const result = createStrategyRegistry().resolveStrategy(a, SYMBOLS, { allocationIndex: 1 });
  if (!result.success) throw result.error;
  return result.data;
}

function issues(a: StrategyAllocation, index = 1): string[] {
  const result = createStrategyRegistry().resolveStrategy(a, SYMBOLS, { allocationIndex: index });
  if (result.success) throw new Error('expected issues');
  expect(result.error._tag).toBe('ContractError');
  return result.error.issues.map((i) => `${i.path}: ${i.message}`);
}

describe('createStrategyRegistry', () => {
  it('holds the built-in kinds and the three ids', () => {
    expect(createStrategyRegistry().names()).toEqual([
      'buy_and_hold',
      'fixed_weights',
      'momentum',
      'momentum_v1',
      'rsi_tema_bb',
      'rsi_tema_bb_v1',
      'trendline_break',
      'trendline_break_v1',
    ]);
  });

  it('resolves the ids with the documented defaults, over every data symbol', () => {
    const tb = resolved(allocation('trendline_break_v1'));
    expect(tb).toMatchObject({
      id: 'trendline_break_v1',
      kind: 'trendline_break',
      symbols: SYMBOLS,
      params: { lookback: 20 },
    });
    expect(resolved(allocation('rsi_tema_bb_v1')).params).toEqual({
      rsi_period: 14,
      oversold: 30,
      overbought: 70,
      bb_period: 20,
      bb_k: 2,
      tema_period: 20,
    });
    expect(resolved(allocation('momentum_v1')).params).toEqual({
      lookback: 63,
      rebalance_every: 21,
    });
  });

  it('resolves a kind with symbols and params, defaults filling the rest', () => {
    const s = resolved(
      allocation('mine', { kind: 'rsi_tema_bb', symbols: ['IBM', 'AAPL'], params: { bb_k: 1.5 } }),
    );
    expect(s).toMatchObject({ id: 'mine', symbols: ['IBM', 'AAPL'] });
    expect(s.params).toMatchObject({ bb_k: 1.5, rsi_period: 14 });
  });

  it('gives weights kinds exactly the symbols of their weights, in data order', () => {
    const s = resolved(
      allocation('core', { kind: 'fixed_weights', params: { weights: { MSFT: 0.3, AAPL: 0.7 } } }),
    );
    expect(s.symbols).toEqual(['AAPL', 'MSFT']);
    expect(s.params).toEqual({ weights: { AAPL: 0.7, MSFT: 0.3 } });
  });

  it('makes a fresh strategy on each call', () => {
    const registry = createStrategyRegistry();
    const a = registry.resolveStrategy(allocation('momentum_v1'), SYMBOLS);
    const b = registry.resolveStrategy(allocation('momentum_v1'), SYMBOLS);
    expect(a.success && b.success && a.data !== b.data).toBe(true);
  });

  it('reports every problem with its path', () => {
    expect(issues(allocation('nope'))).toEqual([
      'portfolio.allocations[1].strategy_id: no strategy is registered as "nope": add strategy: {kind, symbols, params} or register it (registered: buy_and_hold, fixed_weights, momentum, momentum_v1, rsi_tema_bb, rsi_tema_bb_v1, trendline_break, trendline_break_v1)',
    ]);
    expect(issues(allocation('x', { kind: 'magic' }))[0]).toMatch(
      /^portfolio\.allocations\[1\]\.strategy\.kind: unknown strategy kind "magic"/,
    );
    expect(
      issues(allocation('x', { kind: 'trendline_break', params: { lookback: 1.5, window: 3 } })),
    ).toEqual([
      'portfolio.allocations[1].strategy.params.window: unknown parameter of trendline_break (allowed: lookback)',
      'portfolio.allocations[1].strategy.params.lookback: must be an integer in 2..1000000, got 1.5',
    ]);
    expect(
      issues(allocation('x', { kind: 'trendline_break', params: { lookback: '20' } })),
    ).toEqual([
      'portfolio.allocations[1].strategy.params.lookback: must be an integer in 2..1000000, got string "20"',
    ]);
    expect(issues(allocation('x', { kind: 'rsi_tema_bb', params: { oversold: 80 } }))).toEqual([
      'portfolio.allocations[1].strategy.params.overbought: must be > oversold (80), got 70',
    ]);
    expect(issues(allocation('x', { kind: 'rsi_tema_bb', params: { bb_k: 0 } }))).toEqual([
      'portfolio.allocations[1].strategy.params.bb_k: must be a number > 0, got 0',
    ]);
    expect(
      issues(allocation('x', { kind: 'momentum', symbols: ['AAPL', 'TSLA', 'AAPL'] })),
    ).toEqual([
      'portfolio.allocations[1].strategy.symbols[1]: unknown symbol "TSLA" (the data has: AAPL, AMZN, GOOG, IBM, MSFT)',
      'portfolio.allocations[1].strategy.symbols[2]: duplicate symbol "AAPL"',
    ]);
    expect(issues(allocation('x', { kind: 'buy_and_hold' }))).toEqual([
      'portfolio.allocations[1].strategy.params.weights: is required (symbol -> exposure)',
    ]);
    expect(
      issues(
        allocation('x', { kind: 'buy_and_hold', params: { weights: { TSLA: 1, IBM: 'a lot' } } }),
      ),
    ).toEqual([
      'portfolio.allocations[1].strategy.params.weights.IBM: must be a finite number, got string "a lot"',
      'portfolio.allocations[1].strategy.params.weights.TSLA: unknown symbol (the data has: AAPL, AMZN, GOOG, IBM, MSFT)',
    ]);
    expect(
      issues(
        allocation('x', {
          kind: 'buy_and_hold',
          symbols: ['IBM'],
          params: { weights: { AAPL: 1 } },
        }),
      ),
    ).toEqual([
      'portfolio.allocations[1].strategy.symbols: must name exactly the symbols of params.weights (AAPL) or be left out',
    ]);
  });

  it('resolves a whole config, collecting the issues of every allocation', () => {
    const config = parsePortfolioConfig(`
portfolio:
  id: p
  total_capital: 1000
  rebalance_threshold: 0.05
  allocations:
    - {strategy_id: trendline_break_v1, target_weight: 0.5, min_capital: 0, max_capital: 1000}
    - {strategy_id: bad, target_weight: 0.25, min_capital: 0, max_capital: 1000}
    - strategy_id: m
      target_weight: 0.25
      min_capital: 0
      max_capital: 1000
      strategy: {kind: momentum, params: {lookback: 0}}
`);
    const result = createStrategyRegistry().resolveStrategies(config, SYMBOLS);
    expect(result.success).toBe(false);
    if (!result.success) {
      expect(result.error.issues.map((i) => i.path)).toEqual([
        'portfolio.allocations[1].strategy_id',
        'portfolio.allocations[2].strategy.params.lookback',
      ]);
    }
    const ok = createStrategyRegistry().resolveStrategies(
      { ...config, allocations: [config.allocations[0]!] },
      SYMBOLS,
    );
    expect(ok.success && ok.data.map((s) => s.id)).toEqual(['trendline_break_v1']);
  });
});

describe('StrategyRegistry.register', () => {
  // A user strategy: long `params.symbol` every bar at `params.size`.
  const data = createPriceData({
    timestamps: days(2),
    bars: { AAPL: { close: [1, 2] }, IBM: { close: [3, 4] } },
  });

  it('registers a bare factory (params unchecked) and a definition (params parsed by its zod schema)', () => {
    const registry = createStrategyRegistry()
      .register('always_long', ({ id, symbols }) => ({
        id,
        symbols,
        onBar: () => Object.fromEntries(symbols.map((s) => [s, 1 / symbols.length])),
      }))
      .register('sized', {
        params: z.strictObject({ size: z.number().min(0).default(0.5) }),
        create: ({ id, params }) => ({
          id,
          symbols: ['IBM'],
          onBar: () => ({ IBM: params.size }),
        }),
      });
    const bare = registry.resolveStrategy(allocation('always_long', undefined), ['AAPL', 'IBM']);
    if (!bare.success) throw bare.error;
    // Two symbols -> 1/2 each.
    expect(runStrategy(bare.data, data)).toEqual([
      { AAPL: 0.5, IBM: 0.5 },
      { AAPL: 0.5, IBM: 0.5 },
    ]);
    const sized = registry.resolveStrategy(
      allocation('s', { kind: 'sized', params: { size: 0.25 } }),
      ['AAPL', 'IBM'],
    );
    if (!sized.success) throw sized.error;
    expect(runStrategy(sized.data, data)[0]).toEqual({ IBM: 0.25 });
    const bad = registry.resolveStrategy(allocation('s', { kind: 'sized', params: { size: -1 } }), [
      'AAPL',
      'IBM',
    ]);
    expect(!bad.success && bad.error.issues[0]?.message).toBe('must be a number >= 0, got -1');
    const defaulted = registry.resolveStrategy(allocation('s', { kind: 'sized' }), ['IBM']);
    if (!defaulted.success) throw defaulted.error;
    expect(runStrategy(defaulted.data, data)[0]).toEqual({ IBM: 0.5 });
  });

  it('words the issues of any zod schema: range, type, enum, unknown key, cross-field rule', () => {
    const registry = createStrategyRegistry().register(
      'mine',
      defineStrategy({
        params: z
          .strictObject({
            window: z.int().min(1),
            mode: z.enum(['fast', 'slow']).default('fast'),
            floor: z.number().default(0),
            cap: z.number().default(1),
          })
          .refine((p) => p.floor < p.cap, { path: ['cap'], message: 'must be > floor' }),
        create: ({ id, symbols, params }) => ({
          id,
          symbols,
          onBar: () => (params.mode === 'fast' ? undefined : {}),
        }),
      }),
    );
    const messages = (
      params: NonNullable<NonNullable<StrategyAllocation['strategy']>['params']>,
    ): string[] => {
      const result = registry.resolveStrategy(allocation('x', { kind: 'mine', params }), SYMBOLS, {
        allocationIndex: 3,
      });
      return result.success ? [] : result.error.issues.map((i) => `${i.path}: ${i.message}`);
    };
    const at = 'portfolio.allocations[3].strategy.params';
    expect(messages({ window: 0, mode: 'medium', speed: 1 })).toEqual([
      `${at}.speed: unknown parameter of mine (allowed: window, mode, floor, cap)`,
      `${at}.window: must be an integer >= 1, got 0`,
      `${at}.mode: must be one of "fast" | "slow", got string "medium"`,
    ]);
    expect(messages({})).toEqual([`${at}.window: is required`]);
    expect(messages({ window: 2.5 })).toEqual([`${at}.window: must be an integer >= 1, got 2.5`]);
    expect(messages({ window: 2, floor: 1 })).toEqual([`${at}.cap: must be > floor`]);
    expect(messages({ window: 2 })).toEqual([]);
  });

  it('refuses params that are not a zod schema, naming the change', () => {
    expect(() =>
      createStrategyRegistry().register('legacy', {
        // An old-style record, as a user module written for an earlier version would pass it.
        params: { size: { type: 'number', min: 0 } } as unknown as z.ZodType,
        create: ({ id }) => ({ id, symbols: [], onBar: () => undefined }),
      }),
    ).toThrow(/params of legacy must be a zod schema/);
  });

  it('refuses a taken name unless replacing, and bad names', () => {
    const registry = createStrategyRegistry();
    const factory = () => ({ id: 'x', symbols: [], onBar: () => undefined });
    expect(() => registry.register('momentum', factory)).toThrow(/already registered/);
    expect(() => registry.register('momentum', factory, { replace: true })).not.toThrow();
    expect(() => registry.register('has space', factory)).toThrow(/must match/);
  });

  it('reports a factory that throws, returns another id or trades unknown symbols', () => {
    const registry = createStrategyRegistry()
      .register('boom', () => {
        throw new Error('no luck');
      })
      .register('wrong_id', () => ({ id: 'other', symbols: [], onBar: () => undefined }))
      .register('far', ({ id }) => ({ id, symbols: ['TSLA'], onBar: () => undefined }));
    const message = (name: string): string => {
      const result = registry.resolveStrategy(allocation(name), SYMBOLS, { allocationIndex: 0 });
      return result.success ? '' : result.error.message;
    };
    expect(message('boom')).toBe(
      'portfolio.allocations[0].strategy_id: boom could not be created: no luck',
    );
    expect(message('wrong_id')).toBe(
      'portfolio.allocations[0].strategy_id: the factory of wrong_id made a strategy with id "other" (expected "wrong_id")',
    );
    expect(message('far')).toBe(
      'portfolio.allocations[0].strategy: far trades symbols not in the data: TSLA',
    );
  });
});
