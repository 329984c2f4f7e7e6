import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtemp, open, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPriceCsv } from './load-price-csv.js';

const root = new URL('../../../../', import.meta.url).pathname;
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function sha256Of(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

describe('loadPriceCsv', () => {
  it('loads the shipped S&P 500 daily file (data/README.md: 5105 rows, 2000-01-03 .. 2020-04-17)', async () => {
    const path = join(root, 'data/spx-daily.csv');
    const result = await loadPriceCsv(path);
    if (!result.success) throw result.error;
    const { data, sha256, bytes, loadMs } = result.data;
    expect(data.symbols).toEqual(['SPX']);
    expect(data.steps).toBe(5105);
    expect(data.isAligned).toBe(true);
    expect(new Date(Number(data.timestamps[0]! / 1_000_000n)).toISOString().slice(0, 10)).toBe(
      '2000-01-03',
    );
    expect(new Date(Number(data.timestamps[5104]! / 1_000_000n)).toISOString().slice(0, 10)).toBe(
      '2020-04-17',
    );
    // The README quotes the first row: 2000-01-03,SPX,1469.250000,1478.000000,1438.359985,1455.219971,931800000
    expect([
      data.open[0]![0],
      data.high[0]![0],
      data.low[0]![0],
      data.close[0]![0],
      data.volume[0]![0],
    ]).toEqual([1469.25, 1478, 1438.359985, 1455.219971, 931800000]);
    expect(sha256).toBe(await sha256Of(path));
    expect(bytes).toBe((await readFile(path)).length);
    expect(loadMs).toBeGreaterThan(0);
  });

  it('loads the shipped monthly stocks (GOOG from 2004-08-01: step 55 = 4 years x 12 + 7 months)', async () => {
    const result = await loadPriceCsv(join(root, 'data/stocks-monthly.csv'));
    if (!result.success) throw result.error;
    const { data } = result.data;
    expect(data.symbols).toEqual(['AAPL', 'AMZN', 'GOOG', 'IBM', 'MSFT']);
    expect(data.steps).toBe(123);
    expect([...data.barCounts]).toEqual([123, 123, 68, 123, 123]);
    expect(data.barEvents).toBe(560);
    expect([...data.firstStep]).toEqual([0, 0, 55, 0, 0]);
    expect(data.close[2]![55]).toBe(102.37);
    expect(data.hasBar(2, 54)).toBe(false);
  });

  it('names the file, line and column of a bad row', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'njord-load-'));
    dirs.push(dir);
    const path = join(dir, 'bad.csv');
    await writeFile(path, 'timestamp,symbol,close\n2024-01-02,X,1\n2024-01-03,X,abc\n');
    const result = await loadPriceCsv(path);
    expect(result.success).toBe(false);
    if (!result.success)
      expect(result.error.message).toBe(`${path}:3:14: close: unparsable number "abc"`);
  });

  it('reports a missing file as an io error', async () => {
    const result = await loadPriceCsv('/nonexistent/prices.csv');
    expect(result.success).toBe(false);
    if (!result.success) {
      expect(result.error.code).toBe('io');
      expect(result.error.message).toBe('/nonexistent/prices.csv: cannot read the file (ENOENT)');
    }
  });

  async function scratch(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'njord-load-'));
    dirs.push(dir);
    return dir;
  }

  it('refuses a directory, a FIFO and a device before reading', async () => {
    const dir = await scratch();
    const asDir = await loadPriceCsv(dir);
    expect(asDir.success).toBe(false);
    if (!asDir.success) {
      expect(asDir.error.code).toBe('not_a_file');
      expect(asDir.error.message).toBe(
        `${dir}: is a directory (expected a regular price CSV file)`,
      );
    }
    const fifo = join(dir, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    // Opening a FIFO without a writer would block forever: it must not be opened at all.
    const asFifo = await loadPriceCsv(fifo);
    expect(asFifo.success).toBe(false);
    if (!asFifo.success) expect(asFifo.error.detail).toContain('a FIFO');
    const zero = await loadPriceCsv('/dev/zero');
    expect(zero.success).toBe(false);
    if (!zero.success) expect(zero.error.detail).toContain('a character device');
  });

  it('stops at the first chunk of a 2 GB sparse file of zeros (a NUL byte: not text)', async () => {
    const dir = await scratch();
    const path = join(dir, 'sparse.csv');
    await (await open(path, 'w')).close();
    await truncate(path, 2 * 1024 ** 3);
    const started = performance.now();
    const result = await loadPriceCsv(path);
    expect(result.success).toBe(false);
    if (!result.success) {
      expect(result.error.code).toBe('not_text');
      expect(result.error.message).toMatch(new RegExp(`^${path}:1:1: not a text file`));
    }
    // Reading all 2 GiB would take many seconds; one 1 MiB chunk takes milliseconds.
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('refuses a file larger than maxBytes before reading it', async () => {
    const dir = await scratch();
    const path = join(dir, 'big.csv');
    // 44 header bytes + 20 rows of 23 bytes = 504 bytes.
    const rows = Array.from(
      { length: 20 },
      (_, i) => `2024-01-${String(i + 1).padStart(2, '0')},X,1,1,1,1,0\n`,
    );
    await writeFile(path, `timestamp,symbol,open,high,low,close,volume\n${rows.join('')}`);
    const result = await loadPriceCsv(path, { maxBytes: 500 });
    expect(result.success).toBe(false);
    if (!result.success) {
      expect(result.error.code).toBe('too_large');
      expect(result.error.detail).toContain('larger than the limit');
    }
    expect((await loadPriceCsv(path, { maxBytes: 504 })).success).toBe(true);
  });
});
