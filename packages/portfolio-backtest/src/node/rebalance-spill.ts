// A run's rebalance records spilled to a file as the engine makes them, one JSON text per
// line, so a long run never holds its millions of trade rows; read back line by line.
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import {
  decodeRebalanceRecord,
  encodeRebalanceRecord,
  type RebalanceRecord,
  type RebalanceRecordWire,
} from '@njord/portfolio-contracts';
import type { RebalanceStore } from '../engine/columnar-result.js';

const FLUSH_BYTES = 1 << 20;
const READ_BYTES = 1 << 20;
/**
 * A short run's records stay in memory, as added, while they hold fewer than this many rows
 * (a record, each of its trades, fills and skipped trades): nothing is written or read back,
 * the text is made when the result is written, and `records` hands back the objects. Kept,
 * rows cost more than their text: the example backtest (5,104 records, 15,571 rows) stays
 * in memory and peaks a little lower than spilled (139-142 against 144-150 MB), while a
 * 10 x 100,000-bar run (1,662 records, 33,078 rows) peaked 40 MB higher kept, so it goes to
 * the file.
 */
const KEEP_ROWS = 20_000;

export interface RebalanceSpillOptions {
  /** Keep records in memory while they hold fewer rows than this (default 20,000; 0: never). */
  readonly keepRows?: number;
}

/**
 * From this many bar events in the data on, a run's records are best spilled from the first
 * (`keepRows: 0`): kept in memory until a long run passes the limit, they only outlive
 * young-generation collections and swell the heap (10 x 100,000 bars: peak RSS about 8 MB
 * lower spilled at once).
 */
export const SPILL_AT_ONCE_BAR_EVENTS = 250_000;

/** The spill's options for a run over `barEvents` bar events (see SPILL_AT_ONCE_BAR_EVENTS). */
export function spillOptionsFor(barEvents: number): RebalanceSpillOptions {
  return barEvents >= SPILL_AT_ONCE_BAR_EVENTS ? { keepRows: 0 } : {};
}

/** A record's rows: itself, its trades, its skipped trades and its fills. */
function rowsOf(record: RebalanceRecord): number {
  return 1 + record.trades.length + record.skipped.length + record.fills.length;
}

/** A record kept in memory, with its wire form when the engine had one. */
interface Kept {
  readonly record: RebalanceRecord;
  readonly wire: RebalanceRecordWire | undefined;
  /** Its JSON text, once asked for (the result writer may ask twice: size, then text). */
  text?: string;
}

const textOf = (record: RebalanceRecord, wire: RebalanceRecordWire | undefined): string =>
  JSON.stringify(wire ?? encodeRebalanceRecord(record));

/**
 * A `RebalanceStore` on a file: `add` encodes the record to its JSON text (the text the
 * result file holds) and appends it as a line, buffered and written synchronously (the bar
 * loop is synchronous); `texts` and `records` read the file again, a chunk at a time. A
 * short run's records are kept in memory instead (see KEEP_ROWS) until they would pass
 * the limit; then they are written out and the file takes over. The file is scratch:
 * `remove` deletes it.
 */
export class RebalanceSpill implements RebalanceStore {
  readonly path: string;
  #fd: number | null;
  /** Bytes not yet written: the first `#pendingBytes` of `#buffer` (made at the first). */
  #buffer: Buffer | null = null;
  #pendingBytes = 0;
  #count = 0;
  #bytes = 0;
  readonly #reasons = new Map<string, number>();
  /** Every record added, while they are few (null once they went to the file). */
  #kept: Kept[] | null = [];
  #keptRows = 0;
  readonly #keepRows: number;

  /** Creates (truncating) the spill file at `path`. */
  constructor(path: string, options: RebalanceSpillOptions = {}) {
    this.path = path;
    this.#keepRows = options.keepRows ?? KEEP_ROWS;
    this.#fd = openSync(path, 'w');
  }

  get count(): number {
    return this.#count;
  }

  /** Records per rebalance reason, in order of first use. */
  get reasons(): ReadonlyMap<string, number> {
    return this.#reasons;
  }

  /** True while the records are kept in memory (nothing written to the file yet). */
  get inMemory(): boolean {
    return this.#kept !== null;
  }

  /** Bytes written so far (JSON text and newlines). */
  get bytes(): number {
    return this.#bytes;
  }

  /** UTF-8 bytes of every record's text with a newline each (closes the file for writing). */
  textBytes(): number {
    this.close();
    if (this.#kept === null) return this.#bytes;
    let bytes = 0;
    for (const text of this.texts()) bytes += Buffer.byteLength(text) + 1;
    return bytes;
  }

  /** `wire`: the record's wire form when the caller has it (else it is encoded here). */
  add(record: RebalanceRecord, wire?: RebalanceRecordWire): void {
    if (this.#fd === null) throw new Error(`RebalanceSpill ${this.path}: add after close`);
    this.#count++;
    this.#reasons.set(record.reason, (this.#reasons.get(record.reason) ?? 0) + 1);
    if (this.#kept !== null) {
      this.#keptRows += rowsOf(record);
      if (this.#keptRows < this.#keepRows) {
        this.#kept.push({ record, wire });
        return;
      }
      // Past the limit: what was kept goes to the file, in order, and so does all that follows.
      const kept = this.#kept;
      this.#kept = null;
      for (const k of kept) this.#append(textOf(k.record, k.wire));
    }
    this.#append(textOf(record, wire));
  }

  /**
   * The text and a newline into the byte buffer at once (a text kept until the flush would
   * outlive young-generation collections and be promoted, filling the old generation).
   */
  #append(text: string): void {
    const most = text.length * 3 + 1;
    let buffer = (this.#buffer ??= Buffer.allocUnsafe(FLUSH_BYTES));
    if (this.#pendingBytes + most > buffer.length) {
      this.#flush();
      if (most > buffer.length) this.#buffer = buffer = Buffer.allocUnsafe(most);
    }
    this.#pendingBytes += buffer.write(text, this.#pendingBytes, 'utf8');
    buffer[this.#pendingBytes++] = 0x0a;
  }

  #flush(): void {
    const data = this.#buffer;
    if (this.#fd === null || data === null || this.#pendingBytes === 0) return;
    const length = this.#pendingBytes;
    this.#pendingBytes = 0;
    for (let at = 0; at < length;) at += writeSync(this.#fd, data, at, length - at);
    this.#bytes += length;
  }

  /** Writes what is buffered and closes the file for writing (reading goes on). */
  close(): void {
    if (this.#fd === null) return;
    try {
      this.#flush();
    } finally {
      closeSync(this.#fd);
      this.#fd = null;
      this.#buffer = null;
    }
  }

  /** Each record's JSON text, in order (closes the file for writing first). */
  *texts(): Generator<string> {
    this.close();
    if (this.#kept !== null) {
      for (const k of this.#kept) yield (k.text ??= textOf(k.record, k.wire));
      return;
    }
    const fd = openSync(this.path, 'r');
    try {
      const buffer = Buffer.allocUnsafe(READ_BYTES);
      // Bytes of a line cut by the end of a chunk (a record can be larger than a chunk).
      let carry: Buffer[] = [];
      let count = 0;
      for (;;) {
        const read = readSync(fd, buffer, 0, READ_BYTES, null);
        if (read === 0) break;
        let from = 0;
        for (
          let nl = buffer.indexOf(10, from);
          nl !== -1 && nl < read;
          nl = buffer.indexOf(10, from)
        ) {
          const piece = buffer.subarray(from, nl);
          const line =
            carry.length === 0
              ? piece.toString('utf8')
              : Buffer.concat([...carry, piece]).toString('utf8');
          carry = [];
          from = nl + 1;
          count++;
          yield line;
        }
        if (from < read) carry.push(Buffer.from(buffer.subarray(from, read)));
      }
      if (carry.length > 0) throw new Error(`RebalanceSpill ${this.path}: a line without its end`);
      if (count !== this.#count) {
        throw new Error(`RebalanceSpill ${this.path}: ${count} records read, ${this.#count} added`);
      }
    } finally {
      closeSync(fd);
    }
  }

  /** The records in order: the objects added when they were few, else decoded from the file. */
  *records(): Generator<RebalanceRecord> {
    if (this.#kept !== null) {
      for (const k of this.#kept) yield k.record;
      return;
    }
    for (const text of this.texts()) yield decodeRebalanceRecord(JSON.parse(text));
  }

  /** Closes and deletes the file. */
  remove(): void {
    try {
      this.close();
    } finally {
      rmSync(this.path, { force: true });
    }
  }
}
