// The bounded-memory reader gives back what decoding the whole file at once gives.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePortfolioBacktestResult, isContractError } from '@njord/portfolio-contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { PortfolioBacktestEngine } from '../engine/portfolio-engine.js';
import { collect, twoSleeveConfig } from './result.test-util.js';
import { shippedPriceData } from './shipped-data.test-util.js';
import { openBacktestResult } from './read-result.js';
import { writeBacktestResult } from './write-result.js';

const data = shippedPriceData('stocks-monthly.csv');

const config = twoSleeveConfig('reader', 24 * 90);

const dir = mkdtempSync(join(tmpdir(), 'njord-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The whole result assembled from the reader's summary and iterators. */

// A data path with every character the scanner must not take for structure.
const trickyPath = 'data/[odd], {name}: "quoted" \\ back \u00e9\u4e2d.csv';
const run = new PortfolioBacktestEngine(config, undefined, { dataPath: trickyPath }).runColumnar(
  data,
);
const resultPath = join(dir, 'result.json');
await writeBacktestResult(resultPath, run);
const text = readFileSync(resultPath, 'utf8');
// The independent route: the whole file parsed and decoded at once.
const whole = decodePortfolioBacktestResult(JSON.parse(text));

describe('openBacktestResult', () => {
  it('has rebalances with trades to read (the test means something)', () => {
    expect(whole.rebalances.length).toBeGreaterThan(3);
    expect(whole.rebalances.some((r) => r.trades.length > 0)).toBe(true);
    expect(whole.equityCurve.length).toBe(data.steps);
    expect(whole.data.path).toBe(trickyPath);
  });

  for (const chunkBytes of [16, 97, 4096, 1 << 20]) {
    it(`reads the same result as decoding the whole file (chunks of ${chunkBytes} bytes)`, async () => {
      const reader = await openBacktestResult(resultPath, { chunkBytes });
      expect(reader.summary.equityCurve).toEqual([]);
      expect(reader.summary.rebalances).toEqual([]);
      expect(reader.summary.metrics).toEqual(whole.metrics);
      expect(await reader.readAll()).toEqual(whole);
    });
  }

  it('reads a spaced-out file of the same shape', async () => {
    const spaced = join(dir, 'spaced.json');
    writeFileSync(spaced, JSON.stringify(JSON.parse(text), null, 2));
    const reader = await openBacktestResult(spaced, { chunkBytes: 333 });
    expect(await reader.readAll()).toEqual(whole);
  });

  it('iterates a long array again from the file on each call', async () => {
    const reader = await openBacktestResult(resultPath, { chunkBytes: 512 });
    const first = await collect(reader.rebalances());
    const second = await collect(reader.rebalances());
    expect(second).toEqual(first);
    expect(first).toEqual(whole.rebalances);
    expect(await collect(reader.standaloneCurve('no_such_strategy'))).toEqual([]);
  });

  it('refuses a file cut short, naming it', async () => {
    const cut = join(dir, 'cut.json');
    writeFileSync(cut, text.slice(0, Math.floor(text.length * 0.6)));
    const error = await openBacktestResult(cut).catch((e: unknown) => e);
    expect(isContractError(error)).toBe(true);
    expect((error as Error).message).toContain(cut);
  });

  it('refuses an entry that is not a curve point when it is read', async () => {
    const broken = join(dir, 'broken.json');
    const wire = JSON.parse(text) as { equity_curve: Record<string, unknown>[] };
    wire.equity_curve[2] = { ...wire.equity_curve[2], equity: 'lots' };
    writeFileSync(broken, JSON.stringify(wire));
    const reader = await openBacktestResult(broken);
    const error = await collect(reader.equityCurve()).catch((e: unknown) => e);
    expect(isContractError(error)).toBe(true);
  });
});
