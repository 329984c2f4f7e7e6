// Journal lines gathered as UTF-8 bytes, each line's CRC computed by zlib over the bytes just
// written: the bytes of formatJournalLine(...) + "\n" without a string per line to encode.
import { crc32 } from 'node:zlib';
import type { FillEventWire } from '../events.js';
import {
  JOURNAL_VERSION,
  type JournalBodyWire,
  journalLineOpen,
  type JournalLineType,
} from '../journal.js';

const LINE_OPEN = `{"v":${JOURNAL_VERSION},"seq":`;
/** `,"crc":"` + 8 hex digits + `"}` + newline. */
const TAIL_BYTES = 19;

/**
 * A writer's batch of journal lines: `add` and `addFill` append exactly the bytes of
 * `formatJournalLine(...)` / `formatFillLine(...)` and a newline; `take` hands them over.
 */
export class JournalLineBuffer {
  #bytes: Buffer;
  #length = 0;

  constructor(capacity = 1 << 20) {
    this.#bytes = Buffer.allocUnsafe(capacity);
  }

  /** Bytes gathered since the last `take`. */
  get length(): number {
    return this.#length;
  }

  add<T extends JournalLineType>(
    portfolioId: string,
    seq: number,
    type: T,
    timestampNs: bigint,
    body: JournalBodyWire<T>,
  ): void {
    this.#append(journalLineOpen(portfolioId, seq, type, timestampNs, body));
  }

  /**
   * A bare fill body's line (`formatFillLine`), written straight into the bytes: no string
   * per line is built (this is most of a backtest's journal).
   */
  addFill(portfolioId: string, seq: number, timestampNs: bigint, fill: FillEventWire): void {
    const texts =
      portfolioId.length +
      fill.fill_id.length +
      fill.strategy_id.length +
      fill.symbol.length +
      fill.side.length +
      fill.timestamp_ns.length +
      (fill.portfolio_id?.length ?? 0) +
      (fill.intent_id?.length ?? 0);
    // Escaped text takes at most 6 bytes per UTF-16 unit; numbers at most 24 characters.
    this.#reserve(texts * 6 + 512);
    const start = this.#length;
    if (timestampNs !== this.#lastNs) {
      this.#lastNs = timestampNs;
      this.#lastNsText = timestampNs.toString();
    }
    this.#raw(LINE_OPEN);
    this.#raw(String(seq));
    this.#raw(',"portfolio_id":');
    this.#quoted(portfolioId);
    this.#raw(',"type":"fill","timestamp_ns":"');
    this.#raw(this.#lastNsText);
    this.#raw('","fill":{"fill_id":');
    this.#quoted(fill.fill_id);
    this.#raw(',"strategy_id":');
    this.#quoted(fill.strategy_id);
    this.#raw(',"symbol":');
    this.#quoted(fill.symbol);
    this.#raw(',"side":');
    this.#quoted(fill.side);
    this.#raw(',"quantity":');
    this.#number(fill.quantity);
    this.#raw(',"price":');
    this.#number(fill.price);
    this.#raw(',"fee":');
    this.#number(fill.fee);
    this.#raw(',"timestamp_ns":');
    this.#quoted(fill.timestamp_ns);
    if (fill.portfolio_id !== undefined) {
      this.#raw(',"portfolio_id":');
      this.#quoted(fill.portfolio_id);
    }
    if (fill.intent_id !== undefined) {
      this.#raw(',"intent_id":');
      this.#quoted(fill.intent_id);
    }
    this.#raw('}');
    this.#sign(start, this.#length);
  }

  #lastNs: bigint | undefined = undefined;
  #lastNsText = '';

  #reserve(more: number): void {
    const need = this.#length + more;
    if (need <= this.#bytes.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(need, this.#bytes.length * 2));
    this.#bytes.copy(bigger, 0, 0, this.#length);
    this.#bytes = bigger;
  }

  /** ASCII text as is (the line's own keys, numbers). */
  #raw(text: string): void {
    const bytes = this.#bytes;
    let at = this.#length;
    for (let i = 0; i < text.length; i++) bytes[at++] = text.charCodeAt(i);
    this.#length = at;
  }

  /** A string as JSON.stringify writes it. */
  #quoted(text: string): void {
    const bytes = this.#bytes;
    const start = this.#length;
    let at = start;
    bytes[at++] = 0x22;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7e) {
        // Needs escaping or is not ASCII: JSON.stringify's text, as UTF-8.
        this.#length = start + bytes.write(JSON.stringify(text), start, 'utf8');
        return;
      }
      bytes[at++] = c;
    }
    bytes[at++] = 0x22;
    this.#length = at;
  }

  #number(value: number): void {
    this.#raw(value - value === 0 ? String(value) : 'null');
  }

  /** The crc of bytes [start, end) + `}`, then `,"crc":"<hex>"}` and a newline. */
  #sign(start: number, end: number): void {
    const bytes = this.#bytes;
    // One CRC call over the line as signed (with its closing brace), which then gives way
    // to the crc member.
    bytes[end] = 0x7d;
    const crc = crc32(bytes.subarray(start, end + 1));
    this.#length = end;
    this.#raw(',"crc":"');
    this.#raw(crc.toString(16).padStart(8, '0'));
    this.#raw('"}\n');
  }

  /** The bytes gathered (a view, valid until the next `add`), and an empty batch. */
  take(): Buffer {
    const out = this.#bytes.subarray(0, this.#length);
    this.#length = 0;
    return out;
  }

  #append(open: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    this.#reserve(open.length * 3 + TAIL_BYTES);
    const start = this.#length;
    const end = start + this.#bytes.write(open, start, 'utf8');
    this.#length = end;
    this.#sign(start, end);
  }
}
