// Load time of a 1,000,000-row price CSV (loadPriceCsv) against a bare read-and-split of the same file.
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { formatPriceCsv } from '../src/csv.js';
import { generateSyntheticData } from '../src/index.js';
import { loadPriceCsv } from '../src/node/index.js';

// 50,000 daily bars from 2000 stay inside 64-bit nanoseconds (100,000 would pass 2262).
const SYMBOLS = 20;
const BARS = 50_000;
const RUNS = 5;

/** The floor: stream the file, decode UTF-8, split every line into its fields, touch them. */
async function readAndSplit(path: string): Promise<number> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let fields = 0;
  for await (const chunk of createReadStream(path, {
    highWaterMark: 1 << 20,
  }) as AsyncIterable<Buffer>) {
    const text = carry + decoder.write(chunk);
    const lines = text.split('\n');
    carry = lines.pop() ?? '';
    for (const line of lines) fields += line.split(',').length;
  }
  if (carry.length > 0) fields += carry.split(',').length;
  return fields;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const dir = await mkdtemp(join(tmpdir(), 'njord-csv-bench-'));
try {
  const path = join(dir, 'synthetic.csv');
  const data = generateSyntheticData({ symbols: SYMBOLS, bars: BARS, seed: 7 });
  await writeFile(path, formatPriceCsv(data));
  const { size } = await stat(path);
  console.log(
    `file: ${SYMBOLS} symbols x ${BARS} bars = ${SYMBOLS * BARS} rows, ${(size / 1e6).toFixed(1)} MB`,
  );
  const bare: number[] = [];
  const load: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    let t0 = performance.now();
    const fields = await readAndSplit(path);
    bare.push(performance.now() - t0);
    t0 = performance.now();
    const result = await loadPriceCsv(path);
    load.push(performance.now() - t0);
    if (!result.success) throw result.error;
    if (fields !== (SYMBOLS * BARS + 1) * 7 || result.data.data.barEvents !== SYMBOLS * BARS) {
      throw new Error('bench: unexpected row count');
    }
  }
  const bareMs = median(bare);
  const loadMs = median(load);
  console.log(
    `bare read-and-split: median ${bareMs.toFixed(0)} ms (runs: ${bare.map((v) => v.toFixed(0)).join(', ')})`,
  );
  console.log(
    `loadPriceCsv:        median ${loadMs.toFixed(0)} ms (runs: ${load.map((v) => v.toFixed(0)).join(', ')})`,
  );
  console.log(
    `ratio: ${(loadMs / bareMs).toFixed(2)}x (goal: within 3x); ${((SYMBOLS * BARS) / (loadMs / 1000) / 1e6).toFixed(2)}M rows/s`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
