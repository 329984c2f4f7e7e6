// runColumnarWith: the baseline, each strategy alone and the benchmark handed to "another
// thread" (here: the task through structuredClone, as postMessage copies it, then run) must
// give the one-thread result bit for bit; where the tapes cannot leave (no kind and params, a
// fault) everything stays on this thread and the outcome is the one-thread outcome.
import { readFileSync } from 'node:fs';
import type { JournalLineType, PortfolioConfig } from '@njord/portfolio-contracts';
import { parsePortfolioConfig } from '@njord/portfolio-contracts/yaml';
import { repoPath } from '@njord/test-kit/node';
import { describe, expect, it } from 'vitest';
import { parsePriceCsv } from '../price-csv.js';
import type { PriceData } from '../price-data.js';
import { createStrategyRegistry, type StrategyRegistry } from '../strategy-registry.js';
import type { ColumnarBacktestResult } from './columnar-result.js';
import { PortfolioBacktestEngine, type PortfolioBacktestOptions } from './portfolio-engine.js';
import { runSideRunsTask, type SideRunsOutput, type SideRunsTask } from './side-runs.js';
import type { BacktestJournal } from './simulate.js';

function load(config: string, csv: string): { config: PortfolioConfig; data: PriceData } {
  const parsed = parsePriceCsv(readFileSync(repoPath(csv), 'utf8'), { source: csv });
  if (!parsed.success) throw parsed.error;
  return {
    config: parsePortfolioConfig(readFileSync(repoPath(config), 'utf8')),
    data: parsed.data,
  };
}

/** A journal keeping every line's type, time and body as JSON text. */
function memoryJournal(): BacktestJournal & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    add(type: JournalLineType, timestampNs: bigint, body: unknown) {
      const text = JSON.stringify(body, (_key, value: unknown) =>
        typeof value === 'bigint' ? `${value}n` : value,
      );
      lines.push(`${type} ${timestampNs} ${text}`);
    },
  };
}

/** A task sent as postMessage would send it (a structured clone), run "there". */
function elsewhere(calls: { count: number }) {
  return (task: SideRunsTask): Promise<SideRunsOutput> => {
    calls.count++;
    return Promise.resolve(runSideRunsTask(structuredClone(task)));
  };
}

function curvesOf(result: ColumnarBacktestResult): Float64Array[] {
  const c = result.curves;
  return [
    c.equity,
    c.cash,
    c.unallocated,
    ...c.strategies,
    ...c.targets,
    ...c.drift,
    c.baseline,
    c.benchmark,
    ...c.standalone,
  ];
}

/** Both paths on the same inputs: same summary (stats aside), curves and journal, bit for bit. */
async function expectSame(
  config: PortfolioConfig,
  data: PriceData,
  options: PortfolioBacktestOptions = {},
  registry: StrategyRegistry = createStrategyRegistry(),
): Promise<number> {
  const oneJournal = memoryJournal();
  const one = new PortfolioBacktestEngine(config, registry, {
    ...options,
    journal: oneJournal,
  }).runColumnar(data);
  const twoJournal = memoryJournal();
  const calls = { count: 0 };
  const two = await new PortfolioBacktestEngine(config, registry, {
    ...options,
    journal: twoJournal,
  }).runColumnarWith(data, elsewhere(calls));
  const [a, b] = [one.toResult(), two.toResult()];
  expect({ ...b, stats: null }).toEqual({ ...a, stats: null });
  const [ca, cb] = [curvesOf(one), curvesOf(two)];
  expect(cb).toHaveLength(ca.length);
  ca.forEach((curve, i) => {
    expect(Buffer.from((cb[i] as Float64Array).buffer).equals(Buffer.from(curve.buffer))).toBe(
      true,
    );
  });
  expect(twoJournal.lines).toEqual(oneJournal.lines);
  expect(oneJournal.lines.length).toBeGreaterThan(0);
  return calls.count;
}

describe('PortfolioBacktestEngine.runColumnarWith', () => {
  it.each(['config/portfolio.yaml', 'config/portfolio-risk.yaml'])(
    'gives %s on the shipped S&P 500 file bit for bit with the side runs elsewhere',
    async (path) => {
      const { config, data } = load(path, 'data/spx-daily.csv');
      expect(await expectSame(config, data)).toBe(1);
    },
    120_000,
  );

  it('gives the multi-asset example bit for bit, also over a range and with another fill model', async () => {
    const { config, data } = load(
      'config/portfolio-multi-asset.yaml',
      'data/multi-asset-daily.csv',
    );
    expect(await expectSame(config, data)).toBe(1);
    const start = data.timestamps[300] as bigint;
    const end = data.timestamps[900] as bigint;
    expect(await expectSame(config, data, { start, end, fillModel: 'next_open' })).toBe(1);
  }, 120_000);

  it('keeps every run here for a strategy without a kind and params', async () => {
    const { config, data } = load('config/portfolio.yaml', 'data/spx-daily.csv');
    const registry = createStrategyRegistry().register(
      'momentum_v1',
      ({ id, symbols }) => ({
        id,
        symbols,
        onBar: (ctx) => ({ [symbols[0] as string]: ctx.step % 40 < 20 ? 1 : 0.25 }),
      }),
      { replace: true },
    );
    expect(await expectSame(config, data, {}, registry)).toBe(0);
  }, 120_000);

  it('hands over a strategy whose params postMessage could not copy (a function, a Map, a bigint)', async () => {
    const { config, data } = load('config/portfolio.yaml', 'data/spx-daily.csv');
    const scale = (step: number) => (step % 30 < 15 ? 1 : 0.5);
    const registry = createStrategyRegistry().register(
      'momentum_v1',
      ({ id, symbols }) => ({
        id,
        symbols,
        kind: 'scaled',
        params: { scale, levels: new Map([['hi', 1]]), seed: 7n, since: new Date(0) },
        onBar: (ctx) => ({ [symbols[0] as string]: scale(ctx.step) }),
      }),
      { replace: true },
    );
    expect(() => structuredClone({ scale })).toThrow();
    expect(await expectSame(config, data, {}, registry)).toBe(1);
  }, 120_000);

  it('meets a strategy fault where the one-thread run meets it, with the same journal', async () => {
    const { config, data } = load('config/portfolio.yaml', 'data/spx-daily.csv');
    // Named (kind and params), so its tape could be shared, but it throws at step 700.
    const registry = createStrategyRegistry().register(
      'momentum_v1',
      ({ id, symbols }) => ({
        id,
        symbols,
        kind: 'flaky',
        params: { at: 700 },
        onBar: (ctx) => {
          if (ctx.step === 700) throw new RangeError('flaky at 700');
          return { [symbols[0] as string]: 0.5 };
        },
      }),
      { replace: true },
    );
    const faults: string[] = [];
    const journals: string[][] = [];
    const calls = { count: 0 };
    for (const threaded of [false, true]) {
      const journal = memoryJournal();
      const engine = new PortfolioBacktestEngine(config, registry, { journal });
      try {
        if (threaded) await engine.runColumnarWith(data, elsewhere(calls));
        else engine.runColumnar(data);
        faults.push('no fault');
      } catch (error) {
        faults.push(String(error));
      }
      journals.push(journal.lines);
    }
    expect(faults[0]).toMatch(/flaky at 700/);
    expect(faults[1]).toBe(faults[0]);
    expect(journals[1]).toEqual(journals[0]);
    expect(journals[0]?.length).toBeGreaterThan(0);
    expect(calls.count).toBe(0);
  }, 120_000);

  it('runs on one thread where SharedArrayBuffer is missing, with the same result', () => {
    const { config, data } = load('config/portfolio.yaml', 'data/spx-daily.csv');
    const shared = new PortfolioBacktestEngine(config).runColumnar(data);
    const saved = globalThis.SharedArrayBuffer;
    let plain: ColumnarBacktestResult;
    try {
      // As on a page that is not cross-origin isolated.
      Reflect.set(globalThis, 'SharedArrayBuffer', undefined);
      plain = new PortfolioBacktestEngine(config).runColumnar(data);
    } finally {
      Reflect.set(globalThis, 'SharedArrayBuffer', saved);
    }
    expect(
      Buffer.from(plain.curves.equity.buffer).equals(Buffer.from(shared.curves.equity.buffer)),
    ).toBe(true);
    expect(plain.summary.metrics).toEqual(shared.summary.metrics);
  }, 120_000);

  it('passes a failure of the other thread on, after the portfolio run', async () => {
    const { config, data } = load('config/portfolio.yaml', 'data/spx-daily.csv');
    const engine = new PortfolioBacktestEngine(config);
    await expect(
      engine.runColumnarWith(data, () => Promise.reject(new Error('the thread died'))),
    ).rejects.toThrow('the thread died');
  }, 120_000);
});
