// Reads a backtest result JSON back in bounded memory: one pass finds where the long arrays
// are (the curves and the rebalances) and decodes the rest as the summary; each long array is
// then read again from the file, a batch of entries at a time, when it is iterated.
//
// A hand-written byte scanner rather than a streaming JSON library: it only has to find
// array boundaries (quotes, backslashes, brackets and commas are ASCII, so UTF-8 bytes never
// look like them), and each batch of entries goes through the native JSON.parse, which is
// many times faster than a tokenizer written in JavaScript on files of hundreds of megabytes.
import { open, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  ContractError,
  decodeRebalanceParts,
  decodeEquityOnlyPoint,
  decodeEquityPoint,
  decodePortfolioBacktestResult,
  decodeRebalanceRecord,
  type EquityPoint,
  type PortfolioBacktestResult,
  type RebalanceParts,
  type RebalanceRecord,
} from '@njord/portfolio-contracts';

/** Bytes read from the file at a time (by default). */
const CHUNK_BYTES = 1 << 20;

export interface OpenResultOptions {
  /** Bytes read at a time (default 1 MiB); a batch of entries is about this long. */
  readonly chunkBytes?: number;
}
/** The most bytes the summary (everything but the long arrays) may take. */
export const RESULT_SUMMARY_MAX_BYTES = 64 * 1024 * 1024;

/** A `{timestamp_ns, equity}` entry of the baseline, benchmark and stand-alone curves. */
export interface EquityOnlyPoint {
  readonly timestampNs: bigint;
  readonly equity: number;
}

/** Where one long array sits in the file: bytes [start, end], both brackets included. */
interface Region {
  readonly start: number;
  readonly end: number;
}

/**
 * A result file opened for reading. `summary` is the whole result with its long arrays
 * empty; the iterators read those arrays from the file on demand, each as often as wanted,
 * holding one batch of entries (about a megabyte of text) at a time.
 */
export interface BacktestResultReader {
  readonly path: string;
  /** The result with `equity_curve`, `rebalances` and every curve of the other runs empty. */
  readonly summary: PortfolioBacktestResult;
  /** Where the rebalances are when the result holds them in part files (else null). */
  readonly rebalanceParts: RebalanceParts | null;
  /** The portfolio's curve, point by point. */
  equityCurve(): AsyncGenerator<EquityPoint>;
  /** The rebalances with their trades and fills, in file order. */
  rebalances(): AsyncGenerator<RebalanceRecord>;
  baselineCurve(): AsyncGenerator<EquityOnlyPoint>;
  benchmarkCurve(): AsyncGenerator<EquityOnlyPoint>;
  /** The curve of one strategy run alone (empty for an id the result does not have). */
  standaloneCurve(strategyId: string): AsyncGenerator<EquityOnlyPoint>;
  /**
   * The whole result in memory, as `decodePortfolioBacktestResult` of the file would give
   * (with its rebalances from the parts, if any): for results that fit in memory.
   */
  readAll(): Promise<PortfolioBacktestResult>;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

interface Frame {
  readonly object: boolean;
  key: string | null;
}

/** The name of the long array at `path` (object keys from the top), or null. */
function longArrayAt(path: readonly (string | null)[]): string | null {
  if (path.length === 1 && (path[0] === 'equity_curve' || path[0] === 'rebalances')) {
    return path[0];
  }
  if (
    path.length === 2 &&
    (path[0] === 'baseline' || path[0] === 'benchmark') &&
    path[1] === 'equity_curve'
  ) {
    return path[0];
  }
  if (path.length === 3 && path[0] === 'standalone' && path[2] === 'equity_curve') {
    return `standalone:${path[1] ?? ''}`;
  }
  return null;
}

function bad(path: string, message: string): ContractError {
  return new ContractError([{ path, message }], 'io');
}

/** Reads `path` from byte `start` to `end` inclusive (or the end of the file), a chunk at a time. */
async function* chunks(
  path: string,
  size: number,
  start = 0,
  end = Infinity,
): AsyncGenerator<Buffer> {
  const file = await open(path, 'r');
  try {
    let position = start;
    while (position <= end) {
      const length = Math.min(size, end - position + 1);
      const buffer = Buffer.allocUnsafe(length);
      const { bytesRead } = await file.read(buffer, 0, length, position);
      if (bytesRead === 0) return;
      yield bytesRead === length ? buffer : buffer.subarray(0, bytesRead);
      position += bytesRead;
    }
  } finally {
    await file.close();
  }
}

/** One pass over the file: the summary's text (long arrays as `[]`) and where they are. */
async function scan(
  path: string,
  size: number,
): Promise<{ summary: string; regions: Map<string, Region> }> {
  const regions = new Map<string, Region>();
  const kept: Buffer[] = [];
  let keptBytes = 0;
  const stack: Frame[] = [];
  let inString = false;
  let escaped = false;
  let expectingKey = false;
  let keyBytes: number[] | null = null;
  /** Inside a long array: its name, its start, and the stack depth it closes back to. */
  let long: { name: string; start: number; depth: number } | null = null;
  let offset = 0;
  for await (const chunk of chunks(path, size)) {
    let keepFrom = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number;
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === BACKSLASH) escaped = true;
        else if (byte === QUOTE) {
          inString = false;
          if (keyBytes !== null) {
            const frame = stack[stack.length - 1] as Frame;
            frame.key = JSON.parse(`"${Buffer.from(keyBytes).toString('utf8')}"`) as string;
            keyBytes = null;
          }
          continue;
        }
        if (keyBytes !== null) keyBytes.push(byte);
        continue;
      }
      switch (byte) {
        case QUOTE:
          inString = true;
          // Keys are captured down to the stand-alone curves' level only.
          if (long === null && expectingKey && stack.length <= 3) keyBytes = [];
          break;
        case OPEN_BRACE:
          stack.push({ object: true, key: null });
          expectingKey = true;
          break;
        case OPEN_BRACKET: {
          if (long === null && stack.length > 0 && stack.every((frame) => frame.object)) {
            const name = longArrayAt(stack.map((frame) => frame.key));
            if (name !== null) {
              long = { name, start: offset + i, depth: stack.length };
              kept.push(Buffer.from(chunk.subarray(keepFrom, i)), Buffer.from('[]'));
              keptBytes += i - keepFrom + 2;
            }
          }
          stack.push({ object: false, key: null });
          expectingKey = false;
          break;
        }
        case CLOSE_BRACE:
        case CLOSE_BRACKET:
          stack.pop();
          expectingKey = false;
          if (long !== null && stack.length === long.depth) {
            regions.set(long.name, { start: long.start, end: offset + i });
            long = null;
            keepFrom = i + 1;
          }
          break;
        case COMMA:
          expectingKey = (stack[stack.length - 1]?.object ?? false) && long === null;
          break;
        case COLON:
          expectingKey = false;
          break;
        default:
          break;
      }
    }
    if (long === null) {
      // A copy: a slice would keep the whole chunk alive.
      kept.push(Buffer.from(chunk.subarray(keepFrom)));
      keptBytes += chunk.length - keepFrom;
    }
    if (keptBytes > RESULT_SUMMARY_MAX_BYTES) {
      throw bad(
        path,
        `the result without its curves and rebalances is over ${RESULT_SUMMARY_MAX_BYTES / 1024 / 1024} MiB: not a result file written by njord-backtest`,
      );
    }
    offset += chunk.length;
  }
  if (inString || stack.length > 0)
    throw bad(path, 'the file ends inside a JSON value (cut short?)');
  return { summary: Buffer.concat(kept).toString('utf8'), regions };
}

/**
 * The entries of the array at `region`, parsed a batch at a time: the text between the
 * array's top-level commas goes to JSON.parse wrapped in brackets.
 */
async function* entries(path: string, size: number, region: Region): AsyncGenerator<unknown> {
  let carry: Buffer[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let first = true;
  for await (const raw of chunks(path, size, region.start, region.end)) {
    let chunk = raw;
    if (first) {
      chunk = chunk.subarray(1); // the opening bracket
      first = false;
    }
    let lastComma = -1;
    let end = chunk.length;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number;
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === BACKSLASH) escaped = true;
        else if (byte === QUOTE) inString = false;
        continue;
      }
      if (byte === QUOTE) inString = true;
      else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        if (depth === 0) {
          end = i; // the array's closing bracket
          break;
        }
        depth--;
      } else if (byte === COMMA && depth === 0) lastComma = i;
    }
    if (end < chunk.length) {
      carry.push(chunk.subarray(0, end));
      break;
    }
    if (lastComma >= 0) {
      carry.push(chunk.subarray(0, lastComma));
      yield* parseBatch(path, carry);
      carry = [chunk.subarray(lastComma + 1)];
    } else {
      carry.push(chunk);
    }
  }
  yield* parseBatch(path, carry);
}

function parseBatch(path: string, pieces: readonly Buffer[]): unknown[] {
  const text = Buffer.concat(pieces).toString('utf8');
  if (text.trim() === '') return [];
  try {
    return JSON.parse(`[${text}]`) as unknown[];
  } catch (error) {
    throw bad(
      path,
      `not valid JSON inside a curve or the rebalances (${(error as Error).message})`,
    );
  }
}

/**
 * Opens a result file written by njord-backtest (or anything with the same JSON shape,
 * spaced or not) for reading in bounded memory. The summary is decoded and checked at
 * once; each curve entry and rebalance is checked as it is read. Throws ContractError
 * (kind `io`) when the file is cut short or is not such a result.
 */
export async function openBacktestResult(
  path: string,
  options: OpenResultOptions = {},
): Promise<BacktestResultReader> {
  const size = Math.max(16, Math.floor(options.chunkBytes ?? CHUNK_BYTES));
  const { summary: text, regions } = await scan(path, size);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw bad(path, `not valid JSON (${(error as Error).message})`);
  }
  const parts = takeParts(path, raw);
  const summary = decodePortfolioBacktestResult(raw);
  async function* read<T>(name: string, decode: (raw: unknown) => T): AsyncGenerator<T> {
    const region = regions.get(name);
    if (region === undefined) return;
    for await (const entry of entries(path, size, region)) yield decode(entry);
  }
  const reader: BacktestResultReader = {
    path,
    summary,
    rebalanceParts: parts,
    equityCurve: () => read('equity_curve', decodeEquityPoint),
    rebalances: () =>
      parts === null
        ? read('rebalances', decodeRebalanceRecord)
        : readParts(path, size, parts, decodeRebalanceRecord),
    baselineCurve: () => read('baseline', decodeEquityOnlyPoint),
    benchmarkCurve: () => read('benchmark', decodeEquityOnlyPoint),
    standaloneCurve: (id) => read(`standalone:${id}`, decodeEquityOnlyPoint),
    readAll: async () => {
      // Null-prototype: the keys are strategy ids from the file.
      const standalone = Object.create(null) as Record<
        string,
        PortfolioBacktestResult['standalone'][string]
      >;
      for (const [id, alone] of Object.entries(summary.standalone))
        standalone[id] = { ...alone, equityCurve: await collect(reader.standaloneCurve(id)) };
      return {
        ...summary,
        equityCurve: await collect(reader.equityCurve()),
        rebalances: await collect(reader.rebalances()),
        baseline: { equityCurve: await collect(reader.baselineCurve()) },
        benchmark: { equityCurve: await collect(reader.benchmarkCurve()) },
        standalone,
      };
    },
  };
  return reader;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/**
 * Takes `rebalances_files` out of a result's summary (putting an empty `rebalances` in its
 * place, as for a result that holds them) and decodes it; null when the result has none.
 */
function takeParts(path: string, raw: unknown): RebalanceParts | null {
  if (typeof raw !== 'object' || raw === null || !Object.hasOwn(raw, 'rebalances_files'))
    return null;
  const summary = raw as Record<string, unknown>;
  if (Object.hasOwn(summary, 'rebalances'))
    throw bad(path, 'the result has both rebalances and rebalances_files');
  let parts: RebalanceParts;
  try {
    parts = decodeRebalanceParts(summary.rebalances_files);
  } catch (error) {
    throw bad(path, `rebalances_files: ${(error as Error).message}`);
  }
  const sum = parts.files.reduce((n, file) => n + file.count, 0);
  if (sum !== parts.count)
    throw bad(path, `rebalances_files: count ${parts.count}, but its files hold ${sum}`);
  delete summary.rebalances_files;
  summary.rebalances = [];
  return parts;
}

/**
 * The rebalances of the parts, in order, a line each. Each part is checked against what the
 * result says of it (bytes before it is read, lines after), so a cut, swapped or changed part
 * is an error, never fewer rebalances.
 */
async function* readParts<T>(
  resultPath: string,
  size: number,
  parts: RebalanceParts,
  decode: (raw: unknown) => T,
): AsyncGenerator<T> {
  for (const file of parts.files) {
    const path = join(dirname(resultPath), file.name);
    let bytes: number;
    try {
      bytes = (await stat(path)).size;
    } catch (error) {
      throw bad(
        path,
        `a rebalances part of ${resultPath} is missing (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      );
    }
    if (bytes !== file.bytes)
      throw bad(path, `${bytes} bytes, but ${resultPath} says ${file.bytes} (cut or changed?)`);
    let count = 0;
    let carry: Buffer[] = [];
    for await (const chunk of chunks(path, size)) {
      let from = 0;
      for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, from)) {
        carry.push(chunk.subarray(from, nl));
        from = nl + 1;
        const text = Buffer.concat(carry).toString('utf8');
        carry = [];
        count++;
        let entry: unknown;
        try {
          entry = JSON.parse(text);
        } catch (error) {
          throw bad(`${path}:${count}`, `not valid JSON (${(error as Error).message})`);
        }
        yield decode(entry);
      }
      if (from < chunk.length) carry.push(chunk.subarray(from));
    }
    if (carry.length > 0) throw bad(path, 'the last line has no end (cut short?)');
    if (count !== file.count)
      throw bad(path, `${count} rebalances, but ${resultPath} says ${file.count}`);
  }
}
