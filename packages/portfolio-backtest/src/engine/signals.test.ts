// Each strategy runs once per backtest and its targets are shared: every run gives, bit for
// bit, what it gave with a fresh strategy of its own; a fault surfaces where it did.
import { readFileSync } from 'node:fs';
import { parsePortfolioConfig as parseYaml } from '@njord/portfolio-contracts/yaml';
import {
  type FillModel,
  parsePortfolioConfig,
  type PortfolioConfig,
} from '@njord/portfolio-contracts';
import { describe, expect, it } from 'vitest';
import { parsePriceCsv } from '../price-csv.js';
import { createPriceData, type PriceData } from '../price-data.js';
import { createStrategyRegistry } from '../strategy-registry.js';
import type { BarContext, Strategy, StrategyTargets } from '../strategy.js';
import { isStrategyFaultError } from '../strategy-fault.js';
import { PortfolioBacktestEngine, standaloneConfig } from './portfolio-engine.js';
import { SignalCache, SignalTape } from './signals.js';
import { simulate } from './simulate.js';

const root = new URL('../../../../', import.meta.url);
const parsed = parsePriceCsv(readFileSync(new URL('data/multi-asset-daily.csv', root), 'utf8'), {
  source: 'multi-asset-daily.csv',
});
if (!parsed.success) throw parsed.error;
// Five series on two calendars (equities and FX): gaps on either side.
const data = parsed.data;
const example = parseYaml(readFileSync(new URL('config/portfolio-multi-asset.yaml', root), 'utf8'));

function fresh(config: PortfolioConfig, prices: PriceData): Strategy[] {
  const resolved = createStrategyRegistry().resolveStrategies(config, prices.symbols);
  if (!resolved.success) throw resolved.error;
  return resolved.data;
}

describe('signals shared by the runs of a backtest', () => {
  it.each<[FillModel, number]>([
    ['close', 0],
    ['next_open', 0],
    ['close', 300],
    ['next_open', 300],
  ])(
    'equal runs with fresh strategies, bit for bit (%s, first step %i)',
    (fillModel, firstStep) => {
      const start = data.timestamps[firstStep] as bigint;
      const config = { ...example, fillModel };
      const result = new PortfolioBacktestEngine(config, undefined, { start }).runColumnar(data);
      const common = { data, firstStep, lastStep: data.steps - 1, fillModel, costs: config.costs };
      // What each run gave before: its own strategies, every series recorded.
      const main = simulate({
        ...common,
        config,
        strategies: fresh(config, data),
        mode: 'rebalance',
      });
      const baseline = simulate({
        ...common,
        config,
        strategies: fresh(config, data),
        mode: 'hold',
      });
      expect(result.curves.equity).toEqual(main.equity);
      expect(result.curves.strategies).toEqual(main.capital);
      expect(result.summary.rebalances.length).toBe(main.rebalances.length);
      expect(result.curves.baseline).toEqual(baseline.equity);
      config.allocations.forEach((allocation, k) => {
        const alone = standaloneConfig(config, allocation);
        const run = simulate({
          ...common,
          config: alone,
          strategies: fresh(alone, data),
          mode: 'hold',
        });
        expect(result.curves.standalone[k]).toEqual(run.equity);
        expect(result.summary.standalone[allocation.strategyId]?.metrics.costs).toBe(run.costs);
      });
      expect(main.fills).toBeGreaterThan(0);
    },
    120_000,
  );

  it('records a step once, in strategy symbol order, whatever order the record names them in', () => {
    const prices = createPriceData({
      timestamps: [1n, 2n, 3n],
      bars: {
        X: { close: [1, 2, 3] },
        Y: { close: [1, 2, 3] },
        Z: { close: [1, 2, 3] },
      },
    });
    let calls = 0;
    const strategy: Strategy = {
      id: 's',
      symbols: ['Z', 'X', 'Y'],
      onBar(ctx: BarContext): StrategyTargets | undefined {
        calls++;
        if (ctx.step === 1) return undefined;
        return ctx.step === 0 ? { Y: 0.2, Z: 0.5 } : {};
      },
    };
    const tape = new SignalTape(strategy, prices, 10);
    tape.record(2);
    tape.record(1);
    expect(calls).toBe(3);
    const entries = (step: number) => {
      const out: [string, number][] = [];
      for (let e = tape.from(step); e < tape.to(step); e++)
        out.push([
          strategy.symbols[tape.symbols[e] as number] as string,
          tape.exposures[e] as number,
        ]);
      return out;
    };
    expect(entries(0)).toEqual([
      ['Z', 0.5],
      ['Y', 0.2],
    ]);
    expect(tape.from(1)).toBe(-1);
    expect(tape.from(2)).toBeGreaterThanOrEqual(0);
    expect(entries(2)).toEqual([]);
  });

  it('a strategy fault surfaces in the first run, at its bar, with the strategy named', () => {
    const prices = createPriceData({
      timestamps: Array.from({ length: 10 }, (_, i) => BigInt(i + 1) * 86_400_000_000_000n),
      bars: { X: { close: Array.from({ length: 10 }, (_, i) => 100 + i) } },
    });
    const config = parsePortfolioConfig({
      portfolio: {
        id: 'p',
        total_capital: 1000,
        rebalance_threshold: 0.1,
        allocations: [{ strategy_id: 'bad', target_weight: 1, min_capital: 0, max_capital: 1e9 }],
      },
    });
    const strategy: Strategy = {
      id: 'bad',
      symbols: ['X'],
      onBar: (ctx) => (ctx.step === 6 ? { X: Number.POSITIVE_INFINITY } : { X: 0.5 }),
    };
    const tape = new SignalTape(strategy, prices, 10);
    const run = () =>
      simulate({
        config,
        data: prices,
        signals: [tape],
        firstStep: 0,
        lastStep: 9,
        mode: 'rebalance',
        fillModel: 'close',
        costs: config.costs,
      });
    let fault: unknown;
    try {
      run();
    } catch (error) {
      fault = error;
    }
    expect(isStrategyFaultError(fault)).toBe(true);
    if (!isStrategyFaultError(fault)) return;
    expect(fault.code).toBe('invalid_exposure');
    expect(fault.strategyId).toBe('bad');
    expect(fault.step).toBe(6);
    expect(tape.recorded).toBe(6);
    // A second run on the same tape gets the same fault without calling the strategy again.
    let second: unknown;
    try {
      run();
    } catch (error) {
      second = error;
    }
    expect(second).toBe(fault);
  });

  it('a cache shares tapes by strategy identity; one without kind and params gets its own', () => {
    const prices = createPriceData({
      timestamps: [1n, 2n],
      bars: { X: { close: [1, 2] } },
    });
    const cache = new SignalCache(prices, 2);
    const make = (params: Record<string, unknown> | undefined): Strategy => ({
      id: 's',
      symbols: ['X'],
      ...(params === undefined ? {} : { kind: 'k', params }),
      onBar: () => undefined,
    });
    const [a] = cache.tapesFor([make({ n: 1 })], 10);
    const [b] = cache.tapesFor([make({ n: 1 })], 10);
    const [c] = cache.tapesFor([make({ n: 2 })], 10);
    const [d] = cache.tapesFor([make({ n: 1 })], 20);
    const [e] = cache.tapesFor([make(undefined)], 10);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(d).not.toBe(a); // another exposure cap checks targets differently
    expect(e?.strategy.kind).toBeUndefined();
    expect(cache.size).toBe(2); // capacity 2: the oldest were dropped
    expect(() =>
      simulate({
        config: parsePortfolioConfig({
          portfolio: {
            id: 'p',
            total_capital: 1,
            rebalance_threshold: 0.1,
            allocations: [{ strategy_id: 's', target_weight: 1, min_capital: 0, max_capital: 1 }],
          },
        }),
        data: createPriceData({ timestamps: [1n, 2n], bars: { X: { close: [1, 2] } } }),
        signals: [a as SignalTape],
        firstStep: 0,
        lastStep: 1,
        mode: 'hold',
        fillModel: 'close',
        costs: { commissionBps: 0, commissionMin: 0, slippageBps: 0 },
      }),
    ).toThrow(/recorded on other data/);
  });
});
