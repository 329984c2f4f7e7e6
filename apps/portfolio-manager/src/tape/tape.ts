// Tapes: NDJSON files of stream entries (key under the prefix, entry id, arrival time, payload),
// recorded from Redis or written by a backtest, and played into another prefix.
import { statSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { fileLines, LineTooLongError } from '../file-lines.js';

export const TAPE_VERSION = 1;

/** The first line of a tape. */
export interface TapeHeader {
  readonly tape: typeof TAPE_VERSION;
  /** Where it came from: `redis:<prefix>` or `backtest:<portfolio id>`. */
  readonly source: string;
  readonly created_ms: number;
}

/** One entry: `key` is the stream key under the prefix (`fills`, `prices`, `portfolio:P:commands`). */
export interface TapeEntry {
  readonly key: string;
  /** The entry id it had (recorded) or a synthetic `<ms>-<n>` (backtest); play writes new ids. */
  readonly id: string;
  /** Arrival time in ms since the epoch (the id's time when recorded; the bar's time from a backtest). */
  readonly at_ms: number;
  /** The entry's `data` field, verbatim. */
  readonly data: string;
}

const KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,200}$/;

export class TapeError extends Error {
  readonly _tag = 'TapeError' as const;
  readonly code = 'invalid_tape' as const;
}

export function encodeTapeEntry(entry: TapeEntry): string {
  return JSON.stringify({ key: entry.key, id: entry.id, at_ms: entry.at_ms, data: entry.data });
}

export function tapeHeaderLine(source: string, createdMs: number): string {
  const header: TapeHeader = { tape: TAPE_VERSION, source, created_ms: createdMs };
  return JSON.stringify(header);
}

/** Validates one tape line after the header; `where` names file and line for errors. */
export function decodeTapeEntry(line: string, where: string): TapeEntry {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (error) {
    throw new TapeError(`${where}: not JSON (${error instanceof Error ? error.message : ''})`);
  }
  const value = raw as Partial<Record<keyof TapeEntry, unknown>> | null;
  if (typeof value !== 'object' || value === null) throw new TapeError(`${where}: not an object`);
  if (typeof value.key !== 'string' || !KEY_PATTERN.test(value.key) || value.key.includes('..'))
    throw new TapeError(`${where}: key must match ${String(KEY_PATTERN)}`);
  if (typeof value.id !== 'string' || !/^\d+-\d+$/.test(value.id))
    throw new TapeError(`${where}: id must be a stream entry id <ms>-<seq>`);
  if (typeof value.at_ms !== 'number' || !Number.isFinite(value.at_ms))
    throw new TapeError(`${where}: at_ms must be a finite number`);
  if (typeof value.data !== 'string') throw new TapeError(`${where}: data must be a string`);
  return { key: value.key, id: value.id, at_ms: value.at_ms, data: value.data };
}

/** The entries of a tape file, in order; the header is checked first. */
/** A tape line longer than this is refused (an entry holds one payload; a file with no end of line must not fill memory). */
export const MAX_TAPE_LINE_BYTES = 16 << 20;

/** The lines of `path` (without their `\n`, `\r\n`), each at most MAX_TAPE_LINE_BYTES. */
function* tapeLines(path: string): Generator<string> {
  let info;
  try {
    info = statSync(path);
  } catch (error) {
    throw new TapeError(
      `${path}: cannot read the tape (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  if (!info.isFile()) throw new TapeError(`${path}: not a regular file (a tape is an NDJSON file)`);
  try {
    for (const { text } of fileLines([path], 1 << 20, MAX_TAPE_LINE_BYTES))
      yield text.endsWith('\r') ? text.slice(0, -1) : text;
  } catch (error) {
    if (!(error instanceof LineTooLongError)) throw error;
    throw new TapeError(
      `${path}:${error.line}: a line longer than ${MAX_TAPE_LINE_BYTES} bytes (not a tape)`,
    );
  }
}

// An async generator for its callers (playTape takes any AsyncIterable of entries); the file is
// read in synchronous 1 MiB chunks (fileLines), so nothing in it awaits.
// eslint-disable-next-line @typescript-eslint/require-await
export async function* readTape(path: string): AsyncGenerator<TapeEntry> {
  let number = 0;
  for (const line of tapeLines(path)) {
    number++;
    if (line.trim() === '') continue;
    if (number === 1) {
      let header: Partial<TapeHeader> | null = null;
      try {
        header = JSON.parse(line) as Partial<TapeHeader>;
      } catch {
        header = null;
      }
      if (header === null || header.tape !== TAPE_VERSION)
        throw new TapeError(`${path}:1: not a tape (the first line must be {"tape":1,...})`);
      continue;
    }
    yield decodeTapeEntry(line, `${path}:${number}`);
  }
  if (number === 0) throw new TapeError(`${path}: empty file, not a tape`);
}

export function idTimeMs(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

type RawEntries = [id: string, fields: string[] | null][];

function dataOf(fields: string[] | null): string | undefined {
  if (!fields) return undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'data') return fields[i + 1];
  return undefined;
}

function compareIds(a: string, b: string): number {
  const am = idTimeMs(a);
  const bm = idTimeMs(b);
  if (am !== bm) return am - bm;
  return Number(a.slice(a.indexOf('-') + 1)) - Number(b.slice(b.indexOf('-') + 1));
}

export interface RecordOptions {
  readonly prefix: string;
  /** Stream keys under the prefix (default fills and prices). */
  readonly keys?: readonly string[];
  /** First and last entry ids, inclusive (`-` and `+` for all). */
  readonly fromId?: string;
  readonly toId?: string;
  readonly chunk?: number;
}

/**
 * The entries of the streams between two ids, merged in entry-id order (the order Redis
 * received them; two streams' entries within one millisecond have independent sequence
 * numbers, so between streams that order holds to the millisecond only), each with its arrival time (the id's milliseconds). Entries without a
 * `data` field are kept out (they carry nothing a manager could apply).
 */
export async function* recordStreams(
  redis: Redis,
  options: RecordOptions,
): AsyncGenerator<TapeEntry> {
  const keys = options.keys ?? ['fills', 'prices'];
  const chunk = options.chunk ?? 5_000;
  const cursors = keys.map((key) => ({
    key,
    next: options.fromId ?? '-',
    buffer: [] as RawEntries,
    done: false,
  }));
  const refill = async (cursor: (typeof cursors)[number]) => {
    if (cursor.done || cursor.buffer.length > 0) return;
    const entries = (await redis.xrange(
      `${options.prefix}:${cursor.key}`,
      cursor.next,
      options.toId ?? '+',
      'COUNT',
      chunk,
    )) as RawEntries;
    cursor.buffer = entries;
    if (entries.length < chunk) cursor.done = true;
    const last = entries[entries.length - 1];
    if (last) cursor.next = `(${last[0]}`;
  };
  for (;;) {
    await Promise.all(cursors.map(refill));
    let best: (typeof cursors)[number] | undefined;
    for (const cursor of cursors) {
      const head = cursor.buffer[0];
      if (head === undefined) continue;
      if (best === undefined || compareIds(head[0], (best.buffer[0] as RawEntries[number])[0]) < 0)
        best = cursor;
    }
    if (best === undefined) return;
    const [id, fields] = best.buffer.shift() as RawEntries[number];
    const data = dataOf(fields);
    if (data !== undefined) yield { key: best.key, id, at_ms: idTimeMs(id), data };
  }
}

export type PlaySpeed = number | 'max';

export interface PlayOptions {
  readonly prefix: string;
  readonly speed: PlaySpeed;
  /**
   * After each `check` command written, wait until every consumer group on the prefix's
   * streams has read and acknowledged everything (the manager and the paper broker are idle).
   */
  readonly settle?: boolean;
  readonly settleTimeoutMs?: number;
  readonly nowMs: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly onEntry?: (entry: TapeEntry, written: number) => void;
  readonly shouldStop?: () => boolean;
}

function isCheckCommand(entry: TapeEntry): boolean {
  if (!entry.key.endsWith(':commands')) return false;
  try {
    return (JSON.parse(entry.data) as { command?: unknown }).command === 'check';
  } catch {
    return false;
  }
}

/** True when no consumer group of `stream` has entries left to read or to acknowledge. */
async function groupsIdle(redis: Redis, stream: string): Promise<boolean> {
  let reply: (string | number | null)[][];
  try {
    reply = (await redis.call('XINFO', 'GROUPS', stream)) as (string | number | null)[][];
  } catch {
    return true; // no such stream yet
  }
  for (const fields of reply) {
    const info = new Map<string, unknown>();
    for (let i = 0; i + 1 < fields.length; i += 2) info.set(String(fields[i]), fields[i + 1]);
    if (Number(info.get('pending') ?? 0) !== 0) return false;
    const lag = info.get('lag');
    if (lag === null || lag === undefined || Number(lag) !== 0) return false;
  }
  return true;
}

/** Every stream of the prefix a manager or broker consumes, settled twice in a row. */
export async function waitUntilSettled(
  redis: Redis,
  prefix: string,
  extraStreams: readonly string[],
  options: { timeoutMs: number; nowMs: () => number; sleep: (ms: number) => Promise<void> },
): Promise<void> {
  const streams = [`${prefix}:fills`, `${prefix}:prices`, `${prefix}:orders`, ...extraStreams];
  const deadline = options.nowMs() + options.timeoutMs;
  let quiet = 0;
  let lastLengths = '';
  while (quiet < 3) {
    if (options.nowMs() > deadline)
      throw new TapeError(`the consumers did not settle within ${options.timeoutMs} ms`);
    const idle = (await Promise.all(streams.map((s) => groupsIdle(redis, s)))).every(Boolean);
    const lengths = (await Promise.all(streams.map((s) => redis.xlen(s)))).join(',');
    // Idle with nothing new written since the last look (a plan's intents, a paper fill).
    quiet = idle && lengths === lastLengths ? quiet + 1 : 0;
    lastLengths = lengths;
    if (quiet < 3) await options.sleep(quiet === 0 ? 5 : 20);
  }
}

/** Writes the tape's entries into `prefix` (new ids), paced by their arrival times / speed. */
export async function playTape(
  redis: Redis,
  entries: AsyncIterable<TapeEntry>,
  options: PlayOptions,
): Promise<number> {
  let written = 0;
  let firstAt: number | undefined;
  let startedMs = 0;
  const commandStreams = new Set<string>();
  // Entries that arrived in the same millisecond (a bar of a backtest tape) go in one
  // MULTI/EXEC: a reader never sees half of them.
  let batch = redis.multi();
  let batched = 0;
  let batchAt: number | undefined;
  const flush = async () => {
    if (batched === 0) return;
    const results = (await batch.exec()) ?? [];
    for (const [error] of results) if (error) throw error;
    batch = redis.multi();
    batched = 0;
  };
  for await (const entry of entries) {
    if (options.shouldStop?.()) break;
    if (entry.at_ms !== batchAt || batched >= 1000) await flush();
    batchAt = entry.at_ms;
    if (options.speed !== 'max') {
      if (firstAt === undefined) {
        firstAt = entry.at_ms;
        startedMs = options.nowMs();
      }
      const dueMs = startedMs + (entry.at_ms - firstAt) / options.speed;
      const waitMs = dueMs - options.nowMs();
      if (waitMs > 1) {
        await flush();
        await options.sleep(waitMs);
      }
    }
    const key = `${options.prefix}:${entry.key}`;
    if (entry.key.endsWith(':commands')) commandStreams.add(key);
    batch.xadd(key, '*', 'data', entry.data);
    batched++;
    written++;
    options.onEntry?.(entry, written);
    if (options.settle && isCheckCommand(entry)) {
      await flush();
      await waitUntilSettled(redis, options.prefix, [...commandStreams], {
        timeoutMs: options.settleTimeoutMs ?? 60_000,
        nowMs: options.nowMs,
        sleep: options.sleep,
      });
    }
  }
  await flush();
  return written;
}
