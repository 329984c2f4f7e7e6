// Writes a backtest result JSON straight from its columnar curves, streaming: the text is the
// same as JSON.stringify(encodePortfolioBacktestResult(result.toResult())) plus a newline,
// without building a point object per bar or one string of all the rebalances.
import { encodePortfolioBacktestResult, encodeRebalanceRecord } from '@njord/portfolio-contracts';
import type { BacktestCurves, ColumnarBacktestResult } from '../engine/columnar-result.js';
import { ChunkedFileWriter, TEXT_CHUNK_CHARS } from './json-stream.js';

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
  onProgress?: (done: number, total: number) => void,
): Promise<number> {
  const out = new ChunkedFileWriter(path);
  const total = result.curves.bars.length * (3 + result.curves.standalone.length);
  let done = 0;
  try {
    await writeResultText(result, (text, points = 0) => {
      if (onProgress !== undefined && points > 0) {
        done = Math.min(total, done + points);
        onProgress(done, total);
      }
      return out.write(text);
    });
    onProgress?.(total, total);
  } catch (error) {
    out.destroy();
    throw error;
  }
  return out.close();
}

/** The result's JSON text (with the final newline), chunk by chunk, to `write`. */
export async function writeResultText(result: ColumnarBacktestResult, write: Emit): Promise<void> {
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
  wire.rebalances = hole('rebalances', (emit) =>
    writeRebalances(store === null ? encodedTexts(result.summary.rebalances) : store.texts(), emit),
  );
  wire.baseline = { equity_curve: hole('baseline', (emit) => writeEquity(c, c.baseline, emit)) };
  wire.benchmark = { equity_curve: hole('benchmark', (emit) => writeEquity(c, c.benchmark, emit)) };
  const standalone = wire.standalone as Record<string, Record<string, unknown>>;
  ids.forEach((id, k) => {
    const entry = standalone[id];
    if (entry === undefined) return;
    const series = c.standalone[k] as Float64Array;
    entry.equity_curve = hole(`standalone:${k}`, (emit) => writeEquity(c, series, emit));
  });
  const text = JSON.stringify(wire);
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

/** A finite number as JSON.stringify writes it (the codec only lets finite numbers through). */
function num(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

async function writePoints(c: BacktestCurves, emit: Emit): Promise<void> {
  const keys = c.strategyIds.map((id) => `${JSON.stringify(id)}:`);
  const bars = c.bars;
  let chunk = '[';
  let points = 0;
  for (let i = 0; i < bars.length; i++) {
    const bar = bars[i] as number;
    if (i > 0) chunk += ',';
    chunk += `{"timestamp_ns":"${String(c.timestamps[bar])}","equity":${num(c.equity[bar] as number)},"cash":${num(c.cash[bar] as number)},"unallocated":${num(c.unallocated[bar] as number)},"strategies":${byStrategy(keys, c.strategies, bar)},"targets":${byStrategy(keys, c.targets, bar)}`;
    if (c.baseTargets !== null) chunk += `,"base_targets":${byStrategy(keys, c.baseTargets, bar)}`;
    chunk += `,"drift":${byStrategy(keys, c.drift, bar)}}`;
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
    chunk += `{"timestamp_ns":"${String(c.timestamps[bar])}","equity":${num(equity[bar] as number)}}`;
    points++;
    if (chunk.length >= TEXT_CHUNK_CHARS) {
      await emit(chunk, points);
      chunk = '';
      points = 0;
    }
  }
  await emit(`${chunk}]`, points);
}
