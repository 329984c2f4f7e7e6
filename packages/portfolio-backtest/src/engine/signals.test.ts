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
import { isStrategyFaultError, maxAbsExposureOf } from '../strategy-fault.js';
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

  it('records the same entries from onBarInto as from onBar, and repeated targets once', () => {
    const strategies = fresh(example, data);
    const byRecord = fresh(example, data).map((strategy): Strategy => ({
      id: strategy.id,
      symbols: strategy.symbols,
      onBar: (ctx) => strategy.onBar(ctx),
    }));
    const cap = maxAbsExposureOf(example.limits);
    const entries = (tape: SignalTape, step: number): [number, number][] | null => {
      if (tape.from(step) === -1) return null;
      const out: [number, number][] = [];
      for (let e = tape.from(step); e < tape.to(step); e++)
        out.push([tape.symbols[e] as number, tape.exposures[e] as number]);
      return out;
    };
    let repeated = 0;
    strategies.forEach((strategy, k) => {
      expect(typeof strategy.onBarInto).toBe('function');
      const rows = new SignalTape(strategy, data, cap);
      const records = new SignalTape(byRecord[k] as Strategy, data, cap);
      rows.record(data.steps - 1);
      records.record(data.steps - 1);
      let named = 0;
      let repeats = 0;
      for (let step = 0; step < data.steps; step++) {
        const here = entries(rows, step);
        expect(here).toEqual(entries(records, step));
        named += here?.length ?? 0;
        // A step naming what the step before named reads that step's entries.
        const before = step > 0 ? entries(rows, step - 1) : null;
        if (here !== null && here.length > 0 && JSON.stringify(here) === JSON.stringify(before)) {
          expect(rows.from(step)).toBe(rows.from(step - 1));
          repeats += here.length;
        }
      }
      // Stored: every entry named, less those of repeated steps.
      expect(rows.share()?.symbols.length).toBe(named - repeats);
      repeated += repeats;
    });
    // (trendline_break names the same targets on runs of bars; momentum holds in between.)
    expect(repeated).toBeGreaterThan(0);
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

describe('tapes recorded once and adopted elsewhere', () => {
  const config = example;
  const common = {
    data,
    firstStep: 0,
    lastStep: data.steps - 1,
    fillModel: config.fillModel,
    costs: config.costs,
    mode: 'rebalance' as const,
  };
  const cap = maxAbsExposureOf(config.limits);

  it('an adopted tape (shared memory, read by another cache) gives the run bit for bit', () => {
    const recorder = new SignalCache(data);
    const tapes = recorder.tapesFor(fresh(config, data), cap, data.steps - 1);
    for (const tape of tapes) tape.record(data.steps - 1);
    const shared = recorder.share();
    expect(shared.length).toBe(config.allocations.length);
    for (const tape of shared) {
      expect(tape.symbols.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(tape.recorded).toBe(data.steps);
    }
    // A structured clone (what a worker thread receives) shares the memory, copies nothing.
    const received = structuredClone(shared);
    expect(received[0]?.exposures.buffer).toBeInstanceOf(SharedArrayBuffer);

    const reader = new SignalCache(data);
    reader.adopt(received);
    let called = 0;
    const counted = fresh(config, data).map((strategy) => ({
      ...strategy,
      onBar: () => {
        called++;
        return undefined;
      },
    }));
    const adopted = reader.tapesFor(counted, cap, data.steps - 1);
    expect(adopted.every((tape) => tape.adopted)).toBe(true);
    const viaAdopted = simulate({ ...common, config: config, signals: adopted });
    const own = simulate({ ...common, config: config, strategies: fresh(config, data) });
    expect(called).toBe(0); // the adopted strategies were never asked
    expect(viaAdopted.equity).toEqual(own.equity);
    expect(viaAdopted.capital).toEqual(own.capital);
    expect(viaAdopted.fills).toBe(own.fills);
    expect(own.fills).toBeGreaterThan(0);
  });

  it('a tape recorded for shorter runs is read by them only; a longer run records its own', () => {
    const short = 99;
    const recorder = new SignalCache(data);
    const [tape] = recorder.tapesFor(fresh(config, data).slice(0, 1), cap, short);
    tape?.record(short);
    const reader = new SignalCache(data);
    reader.adopt(recorder.share());
    const [forShort] = reader.tapesFor(fresh(config, data).slice(0, 1), cap, short);
    expect(forShort?.adopted).toBe(true);
    expect(() => forShort?.record(short + 1)).toThrow(/ends at step 99, asked for 100/);
    const [forLong] = reader.tapesFor(fresh(config, data).slice(0, 1), cap, short + 1);
    expect(forLong?.adopted).toBe(false);
    forLong?.record(short);
    // What the fresh tape recorded equals what the adopted one read, entry for entry.
    for (let step = 0; step <= short; step++) {
      const a = forShort as SignalTape;
      const b = forLong as SignalTape;
      expect(b.from(step) === -1).toBe(a.from(step) === -1);
      if (a.from(step) === -1) continue;
      expect([...b.symbols.subarray(b.from(step), b.to(step))]).toEqual([
        ...a.symbols.subarray(a.from(step), a.to(step)),
      ]);
      expect([...b.exposures.subarray(b.from(step), b.to(step))]).toEqual([
        ...a.exposures.subarray(a.from(step), a.to(step)),
      ]);
    }
  });

  it('refuses a tape of another strategy, and does not share a faulted one', () => {
    const recorder = new SignalCache(data);
    const strategies = fresh(config, data);
    const [first] = recorder.tapesFor(strategies.slice(0, 1), cap, 10);
    first?.record(10);
    const [shared] = recorder.share();
    const other = strategies[1] as Strategy;
    expect(() => SignalTape.adopt(other, data, cap, shared as never)).toThrow(/not .*'s/);
    const faulty: Strategy = {
      id: 'f',
      kind: 'k',
      params: {},
      symbols: [data.symbols[0] as string],
      onBar: () => {
        throw new Error('boom');
      },
    };
    const cache = new SignalCache(data);
    const [tape] = cache.tapesFor([faulty], cap, 5);
    expect(() => tape?.record(0)).toThrow('boom');
    expect(cache.share()).toEqual([]);
  });
});
