// The price CSV (docs/formats.md, price CSV): an incremental parser with per-row checks, and the writer.
import type { Result } from '@njord/portfolio-contracts';
import { scanNumber } from './number-text.js';
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

/** A user's value for an error message: JSON-quoted, cut to 80 characters with its full length. */
export function quoteValue(value: string): string {
  if (value.length <= MAX_QUOTED) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, MAX_QUOTED))}... (${value.length} characters)`;
}

/** Values per row in a chunk: sec, nanos, open, high, low, close, volume. */
const FIELDS = 7;
const F_SEC = 0;
const F_NANOS = 1;
/** Rows in a symbol's first chunk; each next chunk is twice as long, up to the largest. */
const FIRST_CHUNK_ROWS = 64;
const LAST_CHUNK_ROWS = 8192;

/**
 * One symbol's rows as they arrive, in chunks of typed arrays that are never copied while
 * the file is read (growing one array by doubling holds up to twice the rows, and three
 * times while it copies). The build copies each column out to an array of the exact length
 * and drops the chunks symbol by symbol, so the file's prices are never held twice.
 */
class SymbolRows {
  count = 0;
  lastSec = 0;
  lastNanos = 0;
  lastLine = 0;
  #chunks: Float64Array[] = [];
  #current = new Float64Array(0);
  /** Rows in the current chunk. */
  #used = 0;

  constructor(readonly symbol: string) {}

  push(
    sec: number,
    nanos: number,
    open: number,
    high: number,
    low: number,
    close: number,
    volume: number,
  ): void {
    if (this.#used * FIELDS === this.#current.length) {
      const rows = Math.min(LAST_CHUNK_ROWS, Math.max(FIRST_CHUNK_ROWS, this.count));
      this.#current = new Float64Array(rows * FIELDS);
      this.#chunks.push(this.#current);
      this.#used = 0;
    }
    const at = this.#used * FIELDS;
    const chunk = this.#current;
    chunk[at] = sec;
    chunk[at + 1] = nanos;
    chunk[at + 2] = open;
    chunk[at + 3] = high;
    chunk[at + 4] = low;
    chunk[at + 5] = close;
    chunk[at + 6] = volume;
    this.#used++;
    this.count++;
    this.lastSec = sec;
    this.lastNanos = nanos;
  }

  /** Field `f` of every row, in order, into `out` (its length: `count`). */
  copyField<A extends Float64Array | Int32Array>(f: number, out: A): A {
    let k = 0;
    for (const chunk of this.#chunks) {
      const rows = Math.min(chunk.length / FIELDS, this.count - k);
      for (let r = 0; r < rows; r++) out[k++] = chunk[r * FIELDS + f] as number;
    }
    return out;
  }

  /** Whether this symbol's rows have exactly the times `sec`/`nanos` (read from the chunks). */
  hasTimes(sec: Float64Array, nanos: Int32Array): boolean {
    if (this.count !== sec.length) return false;
    let k = 0;
    for (const chunk of this.#chunks) {
      const rows = Math.min(chunk.length / FIELDS, this.count - k);
      for (let r = 0; r < rows; r++, k++) {
        if (chunk[r * FIELDS + F_SEC] !== sec[k] || chunk[r * FIELDS + F_NANOS] !== nanos[k])
          return false;
      }
    }
    return true;
  }

  /** Each row's time: seconds and nanoseconds, exact length. */
  times(): { sec: Float64Array; nanos: Int32Array } {
    return {
      sec: this.copyField(F_SEC, new Float64Array(this.count)),
      nanos: this.copyField(F_NANOS, new Int32Array(this.count)),
    };
  }

  /**
   * Field `f` (2..6: open, high, low, close, volume) on `steps` bars: at row k's bar
   * `barOf[k]` (every row's own bar when `barOf` is null), NaN where the symbol has no row.
   */
  column(f: number, steps: number, barOf: Int32Array | null): Float64Array {
    if (barOf === null) return this.copyField(f, new Float64Array(steps));
    const out = new Float64Array(steps).fill(Number.NaN);
    let k = 0;
    for (const chunk of this.#chunks) {
      const rows = Math.min(chunk.length / FIELDS, this.count - k);
      for (let r = 0; r < rows; r++) out[barOf[k++] as number] = chunk[r * FIELDS + f] as number;
    }
    return out;
  }

  /** Drops the chunks once every column is copied out. */
  release(): void {
    this.#chunks = [];
    this.#current = new Float64Array(0);
    this.#used = 0;
  }
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
  #last: SymbolRows | null = null;
  readonly #time: ScannedTime = { sec: 0, nanos: 0, dateOnly: false };

  constructor(options: { readonly source?: string } = {}) {
    this.#source = options.source ?? '<csv>';
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
    const text = this.#carry.length > 0 ? this.#carry + chunk : chunk;
    let pos = 0;
    if (!this.#started && text.length > 0) {
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
    const problem = scanTimestamp(text, ts, te, time);
    if (problem !== null) {
      return this.#failAt(
        'invalid_timestamp',
        ts - start + 1,
        `timestamp ${quoteValue(text.slice(ts, te))} ${problem} (expected ${TIMESTAMP_EXPECTED})`,
      );
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
        rows = new SymbolRows(symbol);
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
          `volume: unparsable number ${quoteValue(text.slice(vs, ve))}`,
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
        `${name}: unparsable number ${quoteValue(text.slice(s, e))}`,
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
    const timestamps = new BigInt64Array(steps);
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
