// A result whose rebalances do not fit in the file limit: they go to NDJSON parts beside it,
// each within the limit, and the reader gives back exactly the result written whole.
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePortfolioBacktestResult, isContractError } from '@njord/portfolio-contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { PortfolioBacktestEngine } from '../engine/portfolio-engine.js';
import { collect, twoSleeveConfig } from './result.test-util.js';
import { shippedPriceData } from './shipped-data.test-util.js';
import { openBacktestResult } from './read-result.js';
import { RebalanceSpill } from './rebalance-spill.js';
import { isRebalancePartName, rebalancePartName, writeBacktestResult } from './write-result.js';

const data = shippedPriceData('stocks-monthly.csv');

// Rebalances every month: many small rebalances, so a small limit gives many parts.
const config = twoSleeveConfig('parts', 24 * 28);

const dir = mkdtempSync(join(tmpdir(), 'njord-parts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh run whose rebalance records go to a spill file (as the runner's do). */
function runWithSpill(name: string, keepRows?: number) {
  const spill = new RebalanceSpill(
    join(dir, `${name}.spill`),
    keepRows === undefined ? {} : { keepRows },
  );
  const run = new PortfolioBacktestEngine(config, undefined, {
    rebalanceStore: spill,
  }).runColumnar(data);
  spill.close();
  return run;
}

// The independent route: the same run written whole, with no limit, parsed at once.
const wholePath = join(dir, 'whole_result.json');
await writeBacktestResult(wholePath, runWithSpill('whole'));
const wholeText = readFileSync(wholePath, 'utf8');
const whole = decodePortfolioBacktestResult(JSON.parse(wholeText));
const rebalanceTexts = (JSON.parse(wholeText) as { rebalances: unknown[] }).rebalances.map((r) =>
  JSON.stringify(r),
);
const rebalanceBytes = rebalanceTexts.reduce((n, t) => n + Buffer.byteLength(t) + 1, 0);

describe('a result with its rebalances in parts', () => {
  it('has enough rebalances for several parts (the test means something)', () => {
    expect(whole.rebalances.length).toBeGreaterThan(20);
    expect(wholeText.length).toBeGreaterThan(rebalanceBytes);
  });

  it('keeps the rebalances inline when the whole fits the limit', async () => {
    const path = join(dir, 'fits_result.json');
    // The curves' size is estimated from sampled points with a 5% margin: 10% is room enough.
    await writeBacktestResult(path, runWithSpill('fits'), {
      maxFileBytes: Math.ceil(Buffer.byteLength(wholeText) * 1.1),
    });
    expect(readFileSync(path, 'utf8')).toBe(wholeText);
    expect(readdirSync(dir).filter((n) => isRebalancePartName('fits_result.json', n))).toEqual([]);
  });

  for (const keepRows of [undefined, 0]) {
    const where = keepRows === 0 ? 'on file' : 'in memory';
    it(`splits them at line ends, each part within the limit (records ${where})`, async () => {
      // About 5 parts: the limit is a fifth of the rebalances' bytes, and the rest of the
      // result is larger than that, so the whole cannot fit.
      const limit = Math.ceil(rebalanceBytes / 5);
      const name = `split${keepRows ?? ''}_result.json`;
      const path = join(dir, name);
      await writeBacktestResult(path, runWithSpill(`split${keepRows ?? ''}`, keepRows), {
        maxFileBytes: limit,
      });
      const reader = await openBacktestResult(path, { chunkBytes: 777 });
      const parts = reader.rebalanceParts;
      expect(parts).not.toBeNull();
      expect(parts?.count).toBe(whole.rebalances.length);
      // Greedy filling by hand: a part closes when the next line would pass the limit.
      const expected: number[] = [];
      let bytes = 0;
      let count = 0;
      for (const text of rebalanceTexts) {
        const b = Buffer.byteLength(text) + 1;
        if (count > 0 && bytes + b > limit) {
          expected.push(count);
          bytes = 0;
          count = 0;
        }
        bytes += b;
        count++;
      }
      expected.push(count);
      expect(parts?.files.map((f) => f.count)).toEqual(expected);
      parts?.files.forEach((file, i) => {
        expect(file.name).toBe(rebalancePartName(name, i + 1));
        expect(statSync(join(dir, file.name)).size).toBe(file.bytes);
        expect(file.bytes).toBeLessThanOrEqual(limit);
      });
      // The parts are the rebalances' texts, a line each, in order.
      const lines = parts?.files.flatMap((f) =>
        readFileSync(join(dir, f.name), 'utf8').split('\n').slice(0, -1),
      );
      expect(lines).toEqual(rebalanceTexts);
      // The result file: `rebalances_files` where `rebalances` was, nothing else changed.
      const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      const wholeRaw = JSON.parse(wholeText) as Record<string, unknown>;
      expect(Object.keys(raw)).toEqual(
        Object.keys(wholeRaw).map((k) => (k === 'rebalances' ? 'rebalances_files' : k)),
      );
      expect(await reader.readAll()).toEqual(whole);
    });
  }

  it('refuses a cut, missing or changed part when it is read, naming it', async () => {
    const name = 'damaged_result.json';
    const path = join(dir, name);
    await writeBacktestResult(path, runWithSpill('damaged'), {
      maxFileBytes: Math.ceil(rebalanceBytes / 3),
    });
    const second = join(dir, rebalancePartName(name, 2));
    const original = readFileSync(second);
    const failure = async (): Promise<Error> => {
      const reader = await openBacktestResult(path);
      return (await collect(reader.rebalances()).catch((e: unknown) => e)) as Error;
    };
    writeFileSync(second, original.subarray(0, original.length - 10));
    let error = await failure();
    expect(isContractError(error)).toBe(true);
    expect(error.message).toContain(second);
    // Two lines joined into one: not JSON, named by file and line.
    writeFileSync(second, original.toString('utf8').replace('\n', ' '));
    expect((await failure()).message).toContain(`${second}:1: not valid JSON`);
    writeFileSync(second, original);
    // The result saying one line more than the part has.
    const resultText = readFileSync(path, 'utf8');
    const raw = JSON.parse(resultText) as {
      rebalances_files: { count: number; files: { count: number }[] };
    };
    raw.rebalances_files.count++;
    (raw.rebalances_files.files[1] as { count: number }).count++;
    writeFileSync(path, JSON.stringify(raw));
    expect((await failure()).message).toMatch(/\d+ rebalances, but .* says \d+/);
    writeFileSync(path, resultText);
    rmSync(second);
    error = await failure();
    expect(error.message).toContain('missing');
    writeFileSync(second, original);
    appendFileSync(second, '{}\n');
    expect((await failure()).message).toContain('bytes, but');
    writeFileSync(second, original);
    expect((await collect((await openBacktestResult(path)).rebalances())).length).toBe(
      whole.rebalances.length,
    );
  });

  it('refuses a part name with a directory in it', async () => {
    const path = join(dir, 'escape_result.json');
    const raw = JSON.parse(wholeText) as Record<string, unknown>;
    delete raw.rebalances;
    raw.rebalances_files = {
      format: 'ndjson',
      count: 1,
      files: [{ name: '../../etc/passwd', count: 1, bytes: 10 }],
    };
    writeFileSync(path, JSON.stringify(raw));
    const error = await openBacktestResult(path).catch((e: unknown) => e);
    expect(isContractError(error)).toBe(true);
    expect((error as Error).message).toContain('plain file name');
  });
});
