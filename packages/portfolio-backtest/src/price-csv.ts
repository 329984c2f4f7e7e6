// The price CSV (docs/formats.md, price CSV): an incremental parser with per-row checks, and the writer.
import type { Result } from '@njord/portfolio-contracts';
import { isDecimalText, scanNumber } from './number-text.js';
import { PriceData } from './price-data.js';
import { PriceDataError, type PriceDataErrorCode } from './price-data-error.js';
import {
  formatSecNanos,
  type ScannedTime,
  scanTimestamp,
  TIMESTAMP_EXPECTED,
} from './timestamp-text.js';

export const PRICE_CSV_COLUMNS = [
  'timestamp',
  'symbol',
  'open',
  'high',
  'low',
  'close',
  'volume',
] as const;
export const PRICE_CSV_HEADER = PRICE_CSV_COLUMNS.join(',');

const TIMESTAMP = 0;
const SYMBOL = 1;
const OPEN = 2;
const HIGH = 3;
const LOW = 4;
const CLOSE = 5;
const VOLUME = 6;
const MAX_SYMBOL_LENGTH = 64;
/** Longest line accepted (characters): a price row is well under 200; more means not a price CSV. */
export const PRICE_CSV_MAX_LINE_LENGTH = 4096;
/** Longest bad value quoted in an error message; the rest is cut. */
const MAX_QUOTED = 80;

/** `close: unparsable number "x"`, or `close: "1e309" is beyond the largest number ...`. */
function numberMessage(name: string, text: string): string {
  return isDecimalText(text)
    ? `${name}: ${quoteValue(text)} is beyond the largest number a double holds (about 1.8e308)`
    : `${name}: unparsable number ${quoteValue(text)}`;
}

/** A user's value for an error message: JSON-quoted, cut to 80 characters with its full length. */
export function quoteValue(value: string): string {
  if (value.length <= MAX_QUOTED) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, MAX_QUOTED))}... (${value.length} characters)`;
}

/** Field numbers of a row: sec, nanos, open, high, low, close, volume. */
const F_SEC = 0;
const F_NANOS = 1;
/** Rows in a symbol's first block when its count is not known; each next is twice as long, up to the largest. */
const FIRST_BLOCK_ROWS = 64;
const LAST_BLOCK_ROWS = 8192;

/** The close's field number: every block has its column (a block's length is its length). */
const F_CLOSE = 5;

/**
 * A block of one symbol's rows, a column per field (index F_SEC, F_NANOS, then 2..6 = OHLCV).
 * The times of a symbol that shares another's (see SymbolRows) are empty.
 */
type RowBlock = [
  Float64Array<ArrayBuffer>,
  Int32Array<ArrayBuffer>,
  Float64Array<ArrayBuffer>,
  Float64Array<ArrayBuffer>,
  Float64Array<ArrayBuffer>,
  Float64Array<ArrayBuffer>,
  Float64Array<ArrayBuffer>,
];

/**
 * A column of `rows` prices on shared memory: the columns of a parsed file go to worker
 * threads (a sweep's) as they are, without a copy (`PriceData.sharedColumns`).
 */
function sharedPrices(rows: number): Float64Array<ArrayBuffer> {
  // The typed view is the same for either buffer kind; typed as the other columns are.
  return new Float64Array(new SharedArrayBuffer(rows * 8)) as unknown as Float64Array<ArrayBuffer>;
}

function newBlock(rows: number, times = true): RowBlock {
  return [
    new Float64Array(times ? rows : 0),
    new Int32Array(times ? rows : 0),
    sharedPrices(rows),
    sharedPrices(rows),
    sharedPrices(rows),
    sharedPrices(rows),
    sharedPrices(rows),
  ];
}

/**
 * One symbol's rows as they arrive, in blocks of columns that are never copied while the
 * file is read. With the symbol's row count known in advance (`expected`, counted before
 * the parse) the first block holds exactly its rows and, when the symbols are aligned, its
 * columns become the PriceData's own: nothing is copied and the file's prices are held once.
 * Otherwise (or past `expected`) blocks of 64 rows doubling up to 8,192 are added (growing
 * one array by doubling holds up to twice the rows, and three times while it copies), and
 * the build copies each column out and drops the blocks symbol by symbol.
 */
class SymbolRows {
  count = 0;
  /**
   * The rows whose times this symbol's rows have had so far (the first symbol's): their times
   * are not stored twice, and an aligned file holds one symbol's times instead of one per
   * symbol (garbage after the build, which waited for a full collection). Null once they
   * differ (then its own times are filled in) or for the first symbol itself.
   */
  #twin: SymbolRows | null;
  /** Where the twin's row `count` is: its block and the row in that block. */
  #twinBlock = 0;
  #twinRow = 0;
  lastSec = 0;
  lastNanos = 0;
  lastLine = 0;
  #blocks: RowBlock[] = [];
  /** The current block's columns. */
  #sec = new Float64Array(0);
  #nanos = new Int32Array(0);
  #open = new Float64Array(0);
  #high = new Float64Array(0);
  #low = new Float64Array(0);
  #close = new Float64Array(0);
  #volume = new Float64Array(0);
  /** Rows in the current block. */
  #used = 0;

  constructor(
    readonly symbol: string,
    expected = 0,
    twin: SymbolRows | null = null,
  ) {
    this.#twin = twin;
    if (expected > 0) this.#add(expected);
  }

  /** Rows a block holds. */
  static #rowsOf(block: RowBlock): number {
    return block[F_CLOSE].length;
  }

  #add(rows: number): void {
    const block = newBlock(rows, this.#twin === null);
    this.#blocks.push(block);
    [this.#sec, this.#nanos, this.#open, this.#high, this.#low, this.#close, this.#volume] = block;
    this.#used = 0;
  }

  push(
    sec: number,
    nanos: number,
    open: number,
    high: number,
    low: number,
    close: number,
    volume: number,
  ): void {
    if (this.#used === this.#close.length)
      this.#add(Math.min(LAST_BLOCK_ROWS, Math.max(FIRST_BLOCK_ROWS, this.count)));
    const at = this.#used;
    if (this.#twin !== null && !this.#twinHas(sec, nanos)) this.#ownTimes();
    if (this.#twin === null) {
      this.#sec[at] = sec;
      this.#nanos[at] = nanos;
    }
    this.#open[at] = open;
    this.#high[at] = high;
    this.#low[at] = low;
    this.#close[at] = close;
    this.#volume[at] = volume;
    this.#used++;
    this.count++;
    this.lastSec = sec;
    this.lastNanos = nanos;
  }

  /** Whether the twin's row `count` has this time (moving past it when it has). */
  #twinHas(sec: number, nanos: number): boolean {
    const twin = this.#twin as SymbolRows;
    if (this.count >= twin.count) return false;
    let b = this.#twinBlock;
    let r = this.#twinRow;
    let block = twin.#blocks[b] as RowBlock;
    if (r === SymbolRows.#rowsOf(block)) {
      b++;
      r = 0;
      block = twin.#blocks[b] as RowBlock;
    }
    if (block[F_SEC][r] !== sec || block[F_NANOS][r] !== nanos) return false;
    this.#twinBlock = b;
    this.#twinRow = r + 1;
    return true;
  }

  /** Stops sharing the twin's times: its first `count` times become this symbol's own. */
  #ownTimes(): void {
    const twin = this.#twin as SymbolRows;
    this.#twin = null;
    let b = 0;
    let r = 0;
    let k = 0;
    for (const block of this.#blocks) {
      const rows = SymbolRows.#rowsOf(block);
      const sec = new Float64Array(rows);
      const nanos = new Int32Array(rows);
      for (let i = 0; i < rows && k < this.count; i++, k++) {
        let from = twin.#blocks[b] as RowBlock;
        if (r === SymbolRows.#rowsOf(from)) {
          b++;
          r = 0;
          from = twin.#blocks[b] as RowBlock;
        }
        sec[i] = from[F_SEC][r] as number;
        nanos[i] = from[F_NANOS][r] as number;
        r++;
      }
      block[F_SEC] = sec;
      block[F_NANOS] = nanos;
    }
    const last = this.#blocks[this.#blocks.length - 1];
    if (last !== undefined) [this.#sec, this.#nanos] = last;
  }

  /** Field `f`'s column when one block holds exactly every row (nothing to copy), else null. */
  #whole(f: number): Float64Array | Int32Array | null {
    const only = this.#blocks.length === 1 ? (this.#blocks[0] as RowBlock) : null;
    return only !== null && SymbolRows.#rowsOf(only) === this.count ? only[f]! : null;
  }

  /** Field `f` of every row, in order, into `out` (its length: `count`). */
  copyField<A extends Float64Array | Int32Array>(f: number, out: A): A {
    let k = 0;
    for (const block of this.#blocks) {
      const rows = Math.min(SymbolRows.#rowsOf(block), this.count - k);
      const column = block[f] as A;
      out.set(rows === column.length ? column : column.subarray(0, rows), k);
      k += rows;
    }
    return out;
  }

  /** Whether this symbol's rows have exactly the times `sec`/`nanos` (read from the blocks). */
  hasTimes(sec: Float64Array, nanos: Int32Array): boolean {
    if (this.count !== sec.length) return false;
    const twin = this.#twin;
    if (twin !== null) {
      // Its times are the twin's first `count`.
      if (twin.count === this.count) return twin.hasTimes(sec, nanos);
      const own = this.times();
      for (let k = 0; k < own.sec.length; k++)
        if (own.sec[k] !== sec[k] || own.nanos[k] !== nanos[k]) return false;
      return true;
    }
    let k = 0;
    for (const block of this.#blocks) {
      const rows = Math.min(SymbolRows.#rowsOf(block), this.count - k);
      const s = block[F_SEC];
      const n = block[F_NANOS];
      for (let r = 0; r < rows; r++, k++) {
        if (s[r] !== sec[k] || n[r] !== nanos[k]) return false;
      }
    }
    return true;
  }

  /** Each row's time: seconds and nanoseconds, exact length. */
  times(): { sec: Float64Array; nanos: Int32Array } {
    const twin = this.#twin;
    if (twin !== null) {
      const shared = twin.times();
      return twin.count === this.count
        ? shared
        : { sec: shared.sec.slice(0, this.count), nanos: shared.nanos.slice(0, this.count) };
    }
    return {
      sec:
        (this.#whole(F_SEC) as Float64Array | null) ??
        this.copyField(F_SEC, new Float64Array(this.count)),
      nanos:
        (this.#whole(F_NANOS) as Int32Array | null) ??
        this.copyField(F_NANOS, new Int32Array(this.count)),
    };
  }

  /**
   * Field `f` (2..6: open, high, low, close, volume) on `steps` bars: at row k's bar
   * `barOf[k]` (every row's own bar when `barOf` is null), NaN where the symbol has no row.
   * With one exact block and every row its own bar, the block's column itself.
   */
  column(f: number, steps: number, barOf: Int32Array | null): Float64Array {
    if (barOf === null) {
      const whole = this.#whole(f) as Float64Array | null;
      if (whole !== null && whole.length === steps) return whole;
      return this.copyField(f, sharedPrices(steps));
    }
    const out = sharedPrices(steps).fill(Number.NaN);
    let k = 0;
    for (const block of this.#blocks) {
      const rows = Math.min(SymbolRows.#rowsOf(block), this.count - k);
      const column = block[f] as Float64Array;
      for (let r = 0; r < rows; r++) out[barOf[k++] as number] = column[r] as number;
    }
    return out;
  }

  /** Drops the blocks once every column is copied out (or handed over). */
  release(): void {
    this.#blocks = [];
    [this.#sec, this.#nanos, this.#open, this.#high, this.#low, this.#close, this.#volume] =
      newBlock(0);
    this.#used = 0;
  }
}

/**
 * Counts each symbol's rows in a price CSV fed in chunks of text (split anywhere), reading
 * only the header and each row's symbol field: the parser's `expectedRows`, so it can store
 * each symbol's rows in arrays of their final length. Checks nothing (the parse does) and builds no string per row; a
 * count only sizes arrays, so a wrong one (a file changed between the two reads, a row the
 * parse refuses) costs memory, never a wrong result. `finish` gives null when the header
 * has no `symbol` column, the text has a NUL or a line is longer than
 * `PRICE_CSV_MAX_LINE_LENGTH`.
 */
export class PriceCsvRowCounter {
  #carry = '';
  #started = false;
  /** Field index of `symbol`; -1 before the header, -2 after giving up. */
  #symbolField = -1;
  /** Symbols in first-seen order and their counts. */
  readonly #symbols: string[] = [];
  readonly #counts: number[] = [];
  readonly #index = new Map<string, number>();
  /** The last row's symbol (index): rows come grouped by symbol or cycling through them. */
  #last = -1;

  /**
   * Counts the rows of another chunk. False once counting stopped (no `symbol` column, a
   * NUL character or an overlong line: not a price CSV the parse will accept), so a reader
   * can stop reading at once.
   */
  push(chunk: string): boolean {
    if (this.#symbolField === -2) return false;
    if (chunk.includes('\u0000')) {
      this.#carry = '';
      this.#symbolField = -2;
      return false;
    }
    const text = this.#carry.length > 0 ? this.#carry + chunk : chunk;
    let pos = 0;
    if (!this.#started && text.length > 0) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) pos = 1; // a byte order mark
    }
    // The header, then the rows: a row whose symbol is the last row's (or the next in
    // first-seen order) is counted here, without a string; any other by #countLine.
    while (this.#symbolField === -1) {
      const newline = text.indexOf('\n', pos);
      if (newline === -1) break;
      this.#countLine(text, pos, newline);
      pos = newline + 1;
    }
    const field = this.#symbolField;
    const symbols = this.#symbols;
    const counts = this.#counts;
    while (field >= 0) {
      const newline = text.indexOf('\n', pos);
      if (newline === -1) break;
      let p = pos;
      for (let f = 0; f < field && p > 0; f++) p = text.indexOf(',', p) + 1;
      const last = this.#last;
      const next = last + 1 < symbols.length ? last + 1 : 0;
      const found =
        p > 0 && p <= newline
          ? symbolAt(text, p, newline, symbols[last])
            ? last
            : symbolAt(text, p, newline, symbols[next])
              ? next
              : -1
          : -1;
      if (found >= 0) {
        counts[found] = (counts[found] as number) + 1;
        this.#last = found;
      } else this.#countLine(text, pos, newline);
      pos = newline + 1;
    }
    this.#carry = pos === 0 ? text : text.slice(pos);
    if (this.#carry.length > PRICE_CSV_MAX_LINE_LENGTH) {
      this.#carry = '';
      this.#symbolField = -2;
    }
    return this.#symbolField !== -2;
  }

  /** Rows per symbol, or null (see the class). */
  finish(): ReadonlyMap<string, number> | null {
    const text = this.#carry;
    this.#carry = '';
    if (text.length > 0) this.#countLine(text, 0, text.length);
    if (this.#symbolField < 0) return null;
    return new Map(this.#symbols.map((symbol, i) => [symbol, this.#counts[i] as number]));
  }

  #countLine(text: string, start: number, end: number): void {
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    if (end === start || this.#symbolField === -2) return;
    if (this.#symbolField === -1) {
      const field = text.slice(start, end).split(',').indexOf('symbol');
      this.#symbolField = field === -1 ? -2 : field;
      return;
    }
    let p = start;
    for (let f = 0; f < this.#symbolField; f++) {
      const comma = text.indexOf(',', p);
      if (comma === -1 || comma >= end) return;
      p = comma + 1;
    }
    let e = text.indexOf(',', p);
    if (e === -1 || e > end) e = end;
    const symbol = text.slice(p, e);
    let found = this.#index.get(symbol) ?? -1;
    if (found === -1) {
      found = this.#symbols.length;
      this.#symbols.push(symbol);
      this.#counts.push(0);
      this.#index.set(symbol, found);
    }
    this.#counts[found] = (this.#counts[found] as number) + 1;
    this.#last = found;
  }
}

/** Whether the field at `p` of a line ending at `end` is `symbol`. */
function symbolAt(text: string, p: number, end: number, symbol: string | undefined): boolean {
  if (symbol === undefined || !text.startsWith(symbol, p)) return false;
  const after = p + symbol.length;
  const c = text.charCodeAt(after);
  return after === end || c === 44 || (c === 13 && after + 1 === end);
}

function isIdChar(c: number): boolean {
  return (
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    (c >= 48 && c <= 57) ||
    c === 95 ||
    c === 46 ||
    c === 45
  );
}

/**
 * Parses a price CSV fed in chunks of text (split anywhere). `push` returns the first
 * error (and ignores input after it); `finish` returns the aligned PriceData.
 * Columns may come in any order; `timestamp`, `symbol` and `close` are required,
 * `open`, `high`, `low` and `volume` may be left out of the header or empty in a row.
 */
export class PriceCsvParser {
  readonly #source: string;
  #carry = '';
  #line = 0;
  #started = false;
  #fieldCount = 0;
  /** Field index of each column kind, -1 when absent. */
  readonly #fieldOf = new Int32Array(7).fill(-1);
  #starts = new Int32Array(8);
  #ends = new Int32Array(8);
  #error: PriceDataError | null = null;
  readonly #rows = new Map<string, SymbolRows>();
  /** The first symbol's rows: the others share its times while theirs are the same. */
  #firstRows: SymbolRows | null = null;
  #last: SymbolRows | null = null;
  readonly #time: ScannedTime = { sec: 0, nanos: 0, dateOnly: false };
  /** The text `#time` was scanned from ('' after a failed scan). */
  #timeText = '';
  readonly #expected: ReadonlyMap<string, number> | null;

  /**
   * `expectedRows`: each symbol's row count if known (`PriceCsvRowCounter` over the same
   * text): rows are then stored in arrays of their final length and, for aligned symbols,
   * never copied. Only sizes arrays: a wrong count costs memory, not correctness.
   */
  constructor(
    options: {
      readonly source?: string;
      readonly expectedRows?: ReadonlyMap<string, number> | null;
    } = {},
  ) {
    this.#source = options.source ?? '<csv>';
    this.#expected = options.expectedRows ?? null;
  }

  /** Rows parsed so far (header and blank lines not counted). */
  get rowCount(): number {
    let total = 0;
    for (const rows of this.#rows.values()) total += rows.count;
    return total;
  }

  push(chunk: string): PriceDataError | null {
    if (this.#error !== null) return this.#error;
    const nul = chunk.indexOf('\u0000');
    if (nul !== -1) return this.#notText(chunk, nul);
    let text = chunk;
    let pos = 0;
    if (this.#carry.length > 0) {
      // The line begun in the last chunk is joined on its own; the rest is read in the chunk
      // itself (a joined string is slower to read character by character).
      const newline = chunk.indexOf('\n');
      if (newline === -1) text = this.#carry + chunk;
      else {
        const line = this.#carry + chunk.slice(0, newline);
        this.#carry = '';
        this.#line++;
        if (!this.#parseLine(line, 0, line.length)) return this.#error;
        pos = newline + 1;
      }
    } else if (!this.#started && text.length > 0) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) pos = 1;
    }
    for (;;) {
      const newline = text.indexOf('\n', pos);
      if (newline === -1) break;
      this.#line++;
      if (!this.#parseLine(text, pos, newline)) {
        this.#carry = '';
        return this.#error;
      }
      pos = newline + 1;
    }
    this.#carry = pos === 0 ? text : text.slice(pos);
    if (this.#carry.length > PRICE_CSV_MAX_LINE_LENGTH) {
      this.#carry = '';
      this.#line++;
      return this.#tooLong();
    }
    return null;
  }

  /** A NUL character: binary data (or a file of zeros), never a price CSV. */
  #notText(chunk: string, at: number): PriceDataError {
    let line = this.#line + 1;
    let column = this.#carry.length + at + 1;
    for (let p = chunk.indexOf('\n'); p !== -1 && p < at; p = chunk.indexOf('\n', p + 1)) {
      line++;
      column = at - p;
    }
    this.#carry = '';
    this.#error = new PriceDataError(
      'not_text',
      this.#source,
      line,
      column,
      'not a text file: a NUL byte (expected a UTF-8 price CSV with the header ' +
        `${PRICE_CSV_HEADER})`,
    );
    return this.#error;
  }

  #tooLong(): PriceDataError {
    this.#error = new PriceDataError(
      'line_too_long',
      this.#source,
      this.#line,
      PRICE_CSV_MAX_LINE_LENGTH + 1,
      `line longer than ${PRICE_CSV_MAX_LINE_LENGTH} characters (a price row is timestamp,symbol,open,high,low,close,volume)`,
    );
    return this.#error;
  }

  finish(): Result<PriceData, PriceDataError> {
    if (this.#error === null && this.#carry.length > 0) {
      const text = this.#carry;
      this.#carry = '';
      this.#line++;
      this.#parseLine(text, 0, text.length);
    }
    if (this.#error !== null) return { success: false, error: this.#error };
    if (this.#fieldCount === 0) {
      return this.#fail('empty', 1, 1, `empty file (expected the header ${PRICE_CSV_HEADER})`);
    }
    if (this.#rows.size === 0) {
      return this.#fail('no_rows', this.#line + 1, 1, 'no price rows after the header');
    }
    return { success: true, data: this.#build() };
  }

  #fail(
    code: PriceDataErrorCode,
    line: number,
    column: number,
    detail: string,
  ): { success: false; error: PriceDataError } {
    this.#error = new PriceDataError(code, this.#source, line, column, detail);
    return { success: false, error: this.#error };
  }

  /** Records an error at a column of the current line; always returns false. */
  #failAt(code: PriceDataErrorCode, column: number, detail: string): false {
    this.#error = new PriceDataError(code, this.#source, this.#line, column, detail);
    return false;
  }

  #parseLine(text: string, start: number, end: number): boolean {
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    if (end === start) return true; // blank line
    if (end - start > PRICE_CSV_MAX_LINE_LENGTH) {
      this.#tooLong();
      return false;
    }
    if (this.#fieldCount === 0) return this.#parseHeader(text, start, end);
    const starts = this.#starts;
    const ends = this.#ends;
    const expected = this.#fieldCount;
    let fields = 0;
    let p = start;
    for (;;) {
      const comma = text.indexOf(',', p);
      if (comma === -1 || comma >= end) {
        starts[fields] = p;
        ends[fields] = end;
        fields++;
        break;
      }
      if (fields === expected - 1) {
        return this.#failAt(
          'field_count',
          comma - start + 2,
          `expected ${expected} fields (as the header), got more`,
        );
      }
      starts[fields] = p;
      ends[fields] = comma;
      fields++;
      p = comma + 1;
    }
    if (fields !== expected) {
      return this.#failAt(
        'field_count',
        end - start + 1,
        `expected ${expected} fields (as the header), got ${fields}`,
      );
    }
    const fieldOf = this.#fieldOf;

    // timestamp
    const tf = fieldOf[TIMESTAMP] as number;
    const ts = starts[tf] as number;
    const te = ends[tf] as number;
    if (te === ts) return this.#failAt('missing_value', ts - start + 1, 'timestamp is required');
    const time = this.#time;
    // The rows of one bar repeat its timestamp text: it is scanned only when it changes.
    if (te - ts !== this.#timeText.length || !text.startsWith(this.#timeText, ts)) {
      const problem = scanTimestamp(text, ts, te, time);
      if (problem !== null) {
        this.#timeText = '';
        return this.#failAt(
          'invalid_timestamp',
          ts - start + 1,
          `timestamp ${quoteValue(text.slice(ts, te))} ${problem} (expected ${TIMESTAMP_EXPECTED})`,
        );
      }
      this.#timeText = text.slice(ts, te);
    }

    // symbol
    const sf = fieldOf[SYMBOL] as number;
    const ss = starts[sf] as number;
    const se = ends[sf] as number;
    let rows = this.#last;
    if (rows === null || rows.symbol.length !== se - ss || !text.startsWith(rows.symbol, ss)) {
      if (se === ss) return this.#failAt('missing_value', ss - start + 1, 'symbol is required');
      const symbol = text.slice(ss, se);
      rows = this.#rows.get(symbol) ?? null;
      if (rows === null) {
        let valid = symbol.length <= MAX_SYMBOL_LENGTH;
        for (let i = 0; valid && i < symbol.length; i++) valid = isIdChar(symbol.charCodeAt(i));
        if (!valid) {
          return this.#failAt(
            'invalid_symbol',
            ss - start + 1,
            `symbol ${quoteValue(symbol)} must match ^[A-Za-z0-9_.-]{1,64}$`,
          );
        }
        rows = new SymbolRows(symbol, this.#expected?.get(symbol) ?? 0, this.#firstRows);
        this.#firstRows ??= rows;
        this.#rows.set(symbol, rows);
      }
      this.#last = rows;
    }

    // close, then open/high/low (empty = close) and volume (empty = 0)
    const cf = fieldOf[CLOSE] as number;
    const cs = starts[cf] as number;
    const ce = ends[cf] as number;
    if (ce === cs) return this.#failAt('missing_value', cs - start + 1, 'close is required');
    const close = scanNumber(text, cs, ce);
    if (!(close > 0)) return this.#badPrice('close', text, start, cs, ce, close);
    let open = close;
    let high = close;
    let low = close;
    let volume = 0;
    const of = fieldOf[OPEN] as number;
    if (of >= 0 && (ends[of] as number) > (starts[of] as number)) {
      open = scanNumber(text, starts[of] as number, ends[of] as number);
      if (!(open > 0))
        return this.#badPrice('open', text, start, starts[of] as number, ends[of] as number, open);
    }
    const hf = fieldOf[HIGH] as number;
    if (hf >= 0 && (ends[hf] as number) > (starts[hf] as number)) {
      high = scanNumber(text, starts[hf] as number, ends[hf] as number);
      if (!(high > 0))
        return this.#badPrice('high', text, start, starts[hf] as number, ends[hf] as number, high);
    }
    const lf = fieldOf[LOW] as number;
    if (lf >= 0 && (ends[lf] as number) > (starts[lf] as number)) {
      low = scanNumber(text, starts[lf] as number, ends[lf] as number);
      if (!(low > 0))
        return this.#badPrice('low', text, start, starts[lf] as number, ends[lf] as number, low);
    }
    const vf = fieldOf[VOLUME] as number;
    if (vf >= 0 && (ends[vf] as number) > (starts[vf] as number)) {
      const vs = starts[vf] as number;
      const ve = ends[vf] as number;
      volume = scanNumber(text, vs, ve);
      if (Number.isNaN(volume)) {
        return this.#failAt(
          'invalid_number',
          vs - start + 1,
          numberMessage('volume', text.slice(vs, ve)),
        );
      }
      if (volume < 0)
        return this.#failAt(
          'negative_volume',
          vs - start + 1,
          `volume must be >= 0, got ${String(volume)}`,
        );
    }

    // order within the symbol
    const n = rows.count;
    const sec = time.sec;
    const nanos = time.nanos;
    if (n > 0) {
      const lastSec = rows.lastSec;
      const lastNanos = rows.lastNanos;
      if (sec < lastSec || (sec === lastSec && nanos <= lastNanos)) {
        const at = formatSecNanos(sec, nanos);
        if (sec === lastSec && nanos === lastNanos) {
          return this.#failAt(
            'duplicate_bar',
            ts - start + 1,
            `duplicate bar: ${rows.symbol} at ${at} is already at line ${rows.lastLine}`,
          );
        }
        return this.#failAt(
          'timestamp_backwards',
          ts - start + 1,
          `timestamp goes backwards for ${rows.symbol}: ${at} is before ${formatSecNanos(lastSec, lastNanos)} (line ${rows.lastLine})`,
        );
      }
    }
    rows.push(sec, nanos, open, high, low, close, volume);
    rows.lastLine = this.#line;
    return true;
  }

  #badPrice(
    name: string,
    text: string,
    lineStart: number,
    s: number,
    e: number,
    value: number,
  ): false {
    if (Number.isNaN(value)) {
      return this.#failAt(
        'invalid_number',
        s - lineStart + 1,
        numberMessage(name, text.slice(s, e)),
      );
    }
    return this.#failAt(
      'non_positive_price',
      s - lineStart + 1,
      `${name} must be > 0, got ${String(value)}`,
    );
  }

  #parseHeader(text: string, start: number, end: number): boolean {
    const names = text.slice(start, end).split(',');
    let column = 1;
    const fieldOf = this.#fieldOf;
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      const kind = (PRICE_CSV_COLUMNS as readonly string[]).indexOf(name);
      if (kind === -1) {
        return this.#failAt(
          'unknown_column',
          column,
          `unknown column ${quoteValue(name)} in the header (expected ${PRICE_CSV_HEADER})`,
        );
      }
      if ((fieldOf[kind] as number) !== -1) {
        return this.#failAt(
          'bad_header',
          column,
          `column ${quoteValue(name)} appears twice in the header`,
        );
      }
      fieldOf[kind] = i;
      column += name.length + 1;
    }
    for (const required of [TIMESTAMP, SYMBOL, CLOSE]) {
      if ((fieldOf[required] as number) === -1) {
        return this.#failAt(
          'bad_header',
          1,
          `the header has no ${PRICE_CSV_COLUMNS[required]} column (expected ${PRICE_CSV_HEADER})`,
        );
      }
    }
    this.#fieldCount = names.length;
    this.#starts = new Int32Array(names.length);
    this.#ends = new Int32Array(names.length);
    return true;
  }

  #build(): PriceData {
    const all = [...this.#rows.values()].sort((a, b) =>
      a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0,
    );
    // The first symbol's times; the others' are compared in their chunks and copied out only
    // when they differ (aligned data, the usual case, holds one symbol's times).
    const first = all[0]!.times();
    let unionSec = first.sec;
    let unionNanos = first.nanos;
    const aligned = all.every((rows) => rows.hasTimes(first.sec, first.nanos));
    const times = aligned ? [] : all.map((rows) => rows.times());
    if (!aligned) {
      let lists = times;
      while (lists.length > 1) {
        const next: typeof lists = [];
        for (let i = 0; i < lists.length; i += 2) {
          const a = lists[i]!;
          const b = lists[i + 1];
          next.push(b === undefined ? a : mergeTimes(a.sec, a.nanos, b.sec, b.nanos));
        }
        lists = next;
      }
      unionSec = lists[0]!.sec;
      unionNanos = lists[0]!.nanos;
    }
    const steps = unionSec.length;
    const timestamps = new BigInt64Array(new SharedArrayBuffer(steps * 8));
    for (let t = 0; t < steps; t++) {
      timestamps[t] =
        BigInt(unionSec[t] as number) * 1_000_000_000n + BigInt(unionNanos[t] as number);
    }
    const open: Float64Array[] = [];
    const high: Float64Array[] = [];
    const low: Float64Array[] = [];
    const close: Float64Array[] = [];
    const volume: Float64Array[] = [];
    all.forEach((rows, index) => {
      let barOf: Int32Array | null = null;
      if (!aligned) {
        // Each row's bar in the union of the times.
        const own = times[index]!;
        barOf = new Int32Array(rows.count);
        let t = 0;
        for (let k = 0; k < rows.count; k++) {
          const sec = own.sec[k] as number;
          const nanos = own.nanos[k] as number;
          while (
            (unionSec[t] as number) < sec ||
            ((unionSec[t] as number) === sec && (unionNanos[t] as number) < nanos)
          )
            t++;
          barOf[k] = t;
        }
      }
      open.push(rows.column(2, steps, barOf));
      high.push(rows.column(3, steps, barOf));
      low.push(rows.column(4, steps, barOf));
      close.push(rows.column(5, steps, barOf));
      volume.push(rows.column(6, steps, barOf));
      rows.release();
    });
    this.#rows.clear();
    this.#firstRows = null;
    this.#last = null;
    return new PriceData({
      symbols: all.map((rows) => rows.symbol),
      timestamps,
      open,
      high,
      low,
      close,
      volume,
      source: this.#source,
    });
  }
}

/** The sorted union (no duplicates) of two strictly increasing (sec, nanos) lists. */
function mergeTimes(
  aSec: Float64Array,
  aNanos: Int32Array,
  bSec: Float64Array,
  bNanos: Int32Array,
): { sec: Float64Array; nanos: Int32Array } {
  const sec = new Float64Array(aSec.length + bSec.length);
  const nanos = new Int32Array(aSec.length + bSec.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < aSec.length || j < bSec.length) {
    let takeA: boolean;
    let takeB: boolean;
    if (i === aSec.length) {
      takeA = false;
      takeB = true;
    } else if (j === bSec.length) {
      takeA = true;
      takeB = false;
    } else {
      const as = aSec[i] as number;
      const bs = bSec[j] as number;
      const an = aNanos[i] as number;
      const bn = bNanos[j] as number;
      takeA = as < bs || (as === bs && an <= bn);
      takeB = bs < as || (as === bs && bn <= an);
    }
    if (takeA) {
      sec[n] = aSec[i] as number;
      nanos[n] = aNanos[i] as number;
      i++;
      if (takeB) j++;
    } else {
      sec[n] = bSec[j] as number;
      nanos[n] = bNanos[j] as number;
      j++;
    }
    n++;
  }
  return { sec: sec.subarray(0, n), nanos: nanos.subarray(0, n) };
}

/** Parses a whole price CSV text. `source` names the file in error messages. */
export function parsePriceCsv(
  text: string,
  options: { readonly source?: string } = {},
): Result<PriceData, PriceDataError> {
  const parser = new PriceCsvParser(options);
  const error = parser.push(text);
  if (error !== null) return { success: false, error };
  return parser.finish();
}

/**
 * Writes PriceData as a price CSV: the canonical header, rows sorted by timestamp then
 * symbol (data order), timestamps as ISO dates when every timestamp is a UTC midnight
 * (else integer epoch ns), numbers with `String(n)` (exact round trip).
 */
export function formatPriceCsv(data: PriceData): string {
  const dayNs = 86_400_000_000_000n;
  let datesOnly = true;
  for (let t = 0; t < data.steps && datesOnly; t++)
    datesOnly = (data.timestamps[t] as bigint) % dayNs === 0n;
  const parts: string[] = [PRICE_CSV_HEADER, '\n'];
  for (let t = 0; t < data.steps; t++) {
    const ns = data.timestamps[t] as bigint;
    const stamp = datesOnly
      ? new Date(Number(ns / 1_000_000n)).toISOString().slice(0, 10)
      : ns.toString();
    for (let s = 0; s < data.symbols.length; s++) {
      const c = (data.close[s] as Float64Array)[t] as number;
      if (Number.isNaN(c)) continue;
      parts.push(
        `${stamp},${data.symbols[s]},${String((data.open[s] as Float64Array)[t])},${String((data.high[s] as Float64Array)[t])},${String((data.low[s] as Float64Array)[t])},${String(c)},${String((data.volume[s] as Float64Array)[t])}\n`,
      );
    }
  }
  return parts.join('');
}
