// Writes a backtest result JSON straight from its columnar curves, streaming: the text is the
// same as JSON.stringify(encodePortfolioBacktestResult(result.toResult())) plus a newline,
// without building a point object per bar or one string of all the rebalances.
import { basename, dirname, join } from 'node:path';
import {
  encodePortfolioBacktestResult,
  encodeRebalanceParts,
  encodeRebalanceRecord,
  type RebalanceParts,
} from '@njord/portfolio-contracts';
import type { BacktestCurves, ColumnarBacktestResult } from '../engine/columnar-result.js';
import { ChunkedFileWriter, TEXT_CHUNK_CHARS } from './json-stream.js';
import { RebalanceSpill } from './rebalance-spill.js';

export interface ResultFileOptions {
  /** Called as curve points are written: points done, points in all. */
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * The most bytes the result file should take. When the result with its rebalances would be
   * larger, the rebalances go to NDJSON parts beside it, each at most this long (a single
   * rebalance longer than that gets a part of its own), and the result holds
   * `rebalances_files` in place of `rebalances`. Default: no limit.
   */
  readonly maxFileBytes?: number;
  /** The result file's final name, which the parts are named after (default: `path`'s). */
  readonly name?: string;
  /** Where to write the part named `name` (default: beside `path`). */
  readonly partPath?: (name: string) => string;
}

/** The file name of part `index` (from 1) of the rebalances of the result named `resultName`. */
export function rebalancePartName(resultName: string, index: number): string {
  return `${resultName.replace(/\.json$/, '')}.rebalances.${String(index).padStart(4, '0')}.ndjson`;
}

/** Whether `name` is a rebalance part of the result named `resultName` (any index). */
export function isRebalancePartName(resultName: string, name: string): boolean {
  const prefix = `${resultName.replace(/\.json$/, '')}.rebalances.`;
  return name.startsWith(prefix) && /^\d{4,}\.ndjson$/.test(name.slice(prefix.length));
}

/** Marks where a curve goes in the encoded summary (never in real data: it has a NUL). */
const HOLE = '\u0000curve:';

/**
 * Streams `result` to `path` as JSON (the result file's documented shape). Resolves to the
 * bytes written. The file is written in place: write to a temporary path and rename it for
 * an atomic result.
 */
export async function writeBacktestResult(
  path: string,
  result: ColumnarBacktestResult,
  options: ResultFileOptions | ((done: number, total: number) => void) = {},
): Promise<number> {
  const { onProgress, maxFileBytes, name, partPath } =
    typeof options === 'function' ? { onProgress: options } : options;
  const parts: PartsOptions | undefined =
    maxFileBytes === undefined
      ? undefined
      : {
          maxBytes: maxFileBytes,
          name: name ?? basename(path),
          path: partPath ?? ((part) => join(dirname(path), part)),
        };
  const out = new ChunkedFileWriter(path);
  const total = result.curves.bars.length * (3 + result.curves.standalone.length);
  let done = 0;
  try {
    await writeResultText(
      result,
      (text, points = 0) => {
        if (onProgress !== undefined && points > 0) {
          done = Math.min(total, done + points);
          onProgress(done, total);
        }
        return out.write(text);
      },
      parts,
    );
    onProgress?.(total, total);
  } catch (error) {
    out.destroy();
    throw error;
  }
  return out.close();
}

/** How a result's rebalances are split into parts (see ResultFileOptions). */
export interface PartsOptions {
  readonly maxBytes: number;
  /** The result file's final name. */
  readonly name: string;
  /** Where to write the part of that final name. */
  readonly path: (name: string) => string;
}

/**
 * The result's JSON text (with the final newline), chunk by chunk, to `write`. With `parts`,
 * the rebalances go to part files when the whole would pass `parts.maxBytes`.
 */
export async function writeResultText(
  result: ColumnarBacktestResult,
  write: Emit,
  parts?: PartsOptions,
): Promise<void> {
  const c = result.curves;
  const ids = c.strategyIds;
  // The summary is encoded without its rebalances (a long run has millions of trades); they
  // are encoded one at a time into their hole.
  const wire = encodePortfolioBacktestResult({
    ...result.summary,
    rebalances: [],
  }) as unknown as Record<string, unknown>;
  // Holes where the curves go: the codec wrote [] for each; they are filled from the arrays.
  const writers = new Map<string, (emit: Emit) => Promise<void>>();
  const hole = (name: string, fill: (emit: Emit) => Promise<void>): string => {
    writers.set(name, fill);
    return `${HOLE}${name}`;
  };
  wire.equity_curve = hole('main', (emit) => writePoints(c, emit));
  const store = result.rebalanceStore;
  // Records held in memory are encoded once when a limit needs their size first (the texts
  // are kept for the write); a store keeps its texts already.
  let encoded: string[] | undefined;
  const texts = (): Iterable<string> =>
    store !== null
      ? store.texts()
      : parts === undefined
        ? encodedTexts(result.summary.rebalances)
        : (encoded ??= [...encodedTexts(result.summary.rebalances)]);
  wire.rebalances = hole('rebalances', (emit) => writeRebalances(texts(), emit));
  wire.baseline = { equity_curve: hole('baseline', (emit) => writeEquity(c, c.baseline, emit)) };
  wire.benchmark = { equity_curve: hole('benchmark', (emit) => writeEquity(c, c.benchmark, emit)) };
  const standalone = wire.standalone as Record<string, Record<string, unknown>>;
  ids.forEach((id, k) => {
    const entry = standalone[id];
    if (entry === undefined) return;
    const series = c.standalone[k] as Float64Array;
    entry.equity_curve = hole(`standalone:${k}`, (emit) => writeEquity(c, series, emit));
  });
  let text = JSON.stringify(wire);
  if (
    parts !== undefined &&
    result.rebalanceCount > 0 &&
    rebalanceBytes(result, texts) + Buffer.byteLength(text) + curveBytes(c) > parts.maxBytes
  ) {
    // `rebalances_files` where `rebalances` was, so the keys keep their order.
    const split: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(wire)) {
      if (key !== 'rebalances') split[key] = value;
      else
        split.rebalances_files = hole('parts', async (emit) => {
          const written = await writeRebalanceParts(texts(), parts);
          await emit(JSON.stringify(encodeRebalanceParts(written)));
        });
    }
    text = JSON.stringify(split);
  }
  const pattern = /"\\u0000curve:([^"]*)"/g;
  let from = 0;
  const emit: Emit = write;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    await emit(text.slice(from, match.index));
    const fill = writers.get(match[1] as string);
    if (fill === undefined) throw new Error(`writeBacktestResult: unknown curve ${match[1]}`);
    await fill(emit);
    from = match.index + match[0].length;
  }
  await emit(`${text.slice(from)}\n`);
}

/** Takes a piece of the text, and how many curve points it completes (for progress). */
type Emit = (text: string, points?: number) => Promise<void> | undefined;

/** `{"k":v,...}` of one bar across strategies (keys are JSON-quoted once). */
function byStrategy(keys: readonly string[], series: readonly Float64Array[], bar: number): string {
  let s = '{';
  for (let k = 0; k < keys.length; k++) {
    if (k > 0) s += ',';
    s += keys[k] as string;
    s += num((series[k] as Float64Array)[bar] as number);
  }
  return `${s}}`;
}

/**
 * A number as JSON.stringify writes it (the codec only lets finite numbers through). Not
 * String(value): V8 keeps each String(number) in its number-string cache long enough to be
 * promoted, and a long run's millions of curve values would fill the old generation with
 * them (about 20 MB of peak RSS on 10 x 100,000 bars); JSON.stringify's text is not cached.
 */
function num(value: number): string {
  return JSON.stringify(value);
}

/** One `equity_curve` entry. `keys`: the strategy ids, JSON-quoted, each with its colon. */
function pointText(c: BacktestCurves, keys: readonly string[], bar: number): string {
  let text = `{"timestamp_ns":"${String(c.timestamps[bar])}","equity":${num(c.equity[bar] as number)},"cash":${num(c.cash[bar] as number)},"unallocated":${num(c.unallocated[bar] as number)},"strategies":${byStrategy(keys, c.strategies, bar)},"targets":${byStrategy(keys, c.targets, bar)}`;
  if (c.baseTargets !== null) text += `,"base_targets":${byStrategy(keys, c.baseTargets, bar)}`;
  return `${text},"drift":${byStrategy(keys, c.drift, bar)}}`;
}

/** One `{timestamp_ns, equity}` entry. */
function equityText(c: BacktestCurves, equity: Float64Array, bar: number): string {
  return `{"timestamp_ns":"${String(c.timestamps[bar])}","equity":${num(equity[bar] as number)}}`;
}

async function writePoints(c: BacktestCurves, emit: Emit): Promise<void> {
  const keys = c.strategyIds.map((id) => `${JSON.stringify(id)}:`);
  const bars = c.bars;
  let chunk = '[';
  let points = 0;
  for (let i = 0; i < bars.length; i++) {
    const bar = bars[i] as number;
    if (i > 0) chunk += ',';
    chunk += pointText(c, keys, bar);
    points++;
    if (chunk.length >= TEXT_CHUNK_CHARS) {
      await emit(chunk, points);
      chunk = '';
      points = 0;
    }
  }
  await emit(`${chunk}]`, points);
}

/** Each record's JSON text (what a rebalance store keeps). */
function* encodedTexts(
  rebalances: ColumnarBacktestResult['summary']['rebalances'],
): Generator<string> {
  for (const record of rebalances) yield JSON.stringify(encodeRebalanceRecord(record));
}

async function writeRebalances(texts: Iterable<string>, emit: Emit): Promise<void> {
  let chunk = '[';
  let first = true;
  for (const text of texts) {
    if (!first) chunk += ',';
    first = false;
    chunk += text;
    if (chunk.length >= TEXT_CHUNK_CHARS) {
      await emit(chunk);
      chunk = '';
    }
  }
  await emit(`${chunk}]`);
}

async function writeEquity(c: BacktestCurves, equity: Float64Array, emit: Emit): Promise<void> {
  const bars = c.bars;
  let chunk = '[';
  let points = 0;
  for (let i = 0; i < bars.length; i++) {
    const bar = bars[i] as number;
    if (i > 0) chunk += ',';
    chunk += equityText(c, equity, bar);
    points++;
    if (chunk.length >= TEXT_CHUNK_CHARS) {
      await emit(chunk, points);
      chunk = '';
      points = 0;
    }
  }
  await emit(`${chunk}]`, points);
}

/** Bytes the rebalances take in the result (their texts, commas and brackets). */
function rebalanceBytes(result: ColumnarBacktestResult, texts: () => Iterable<string>): number {
  // A spill knows its texts' bytes (a text and a newline each, as a text and a comma).
  if (result.rebalanceStore instanceof RebalanceSpill) return result.rebalanceStore.textBytes() + 1;
  let bytes = 2;
  for (const text of texts()) bytes += Buffer.byteLength(text) + 1;
  return bytes;
}

/**
 * About the bytes every curve takes in the result: the longest of a few sampled points of
 * each kind, times the points (a point's length varies only with its numbers' digits).
 */
function curveBytes(c: BacktestCurves): number {
  const bars = c.bars;
  if (bars.length === 0) return 0;
  const keys = c.strategyIds.map((id) => `${JSON.stringify(id)}:`);
  let point = 0;
  let equityOnly = 0;
  for (const i of [0, bars.length >> 1, bars.length - 1]) {
    const bar = bars[i] as number;
    point = Math.max(point, Buffer.byteLength(pointText(c, keys, bar)) + 1);
    for (const series of [c.baseline, c.benchmark, ...c.standalone])
      equityOnly = Math.max(equityOnly, equityText(c, series, bar).length + 1);
  }
  return Math.ceil(bars.length * (point + equityOnly * (2 + c.standalone.length)) * 1.05);
}

/**
 * Writes the texts as NDJSON parts of at most `parts.maxBytes` each (a longer text alone in
 * its part) and says what was written.
 */
async function writeRebalanceParts(
  texts: Iterable<string>,
  parts: PartsOptions,
): Promise<RebalanceParts> {
  const files: { name: string; count: number; bytes: number }[] = [];
  let out: ChunkedFileWriter | null = null;
  let current = { name: '', count: 0, bytes: 0 };
  let total = 0;
  const finish = async (): Promise<void> => {
    if (out === null) return;
    const written = await out.close();
    if (written !== current.bytes)
      throw new Error(`${current.name}: ${written} bytes written, ${current.bytes} expected`);
    files.push(current);
    out = null;
  };
  try {
    for (const text of texts) {
      const bytes = Buffer.byteLength(text) + 1;
      if (out !== null && current.bytes + bytes > parts.maxBytes) await finish();
      if (out === null) {
        const name = rebalancePartName(parts.name, files.length + 1);
        out = new ChunkedFileWriter(parts.path(name));
        current = { name, count: 0, bytes: 0 };
      }
      const writer: ChunkedFileWriter = out;
      const pending = writer.write(`${text}\n`);
      if (pending !== undefined) await pending;
      current.count++;
      current.bytes += bytes;
      total++;
    }
    await finish();
  } catch (error) {
    out?.destroy();
    throw error;
  }
  return { format: 'ndjson', count: total, files };
}
