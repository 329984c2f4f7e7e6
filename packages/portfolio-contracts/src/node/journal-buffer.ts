// Journal lines gathered as UTF-8 bytes, each line's CRC computed by zlib over the bytes just
// written: the bytes of formatJournalLine(...) + "\n" without a string per line to encode.
import { crc32 } from 'node:zlib';
import { crc32 as crc32Range } from '../crc32.js';
import { encodeRebalancePlan, type FillEventWire, type RebalancePlan } from '../events.js';
import {
  JOURNAL_VERSION,
  type JournalBodyWire,
  journalLineParts,
  type JournalLineType,
} from '../journal.js';

/** `,"crc":"` + 8 hex digits + `"}` + newline. */
const TAIL_BYTES = 19;

/** A fill line's fixed parts as bytes, copied in with one `set` each (no loop per byte). */
const ascii = (text: string): Uint8Array => Buffer.from(text, 'latin1');
const LINE_OPEN = ascii(`{"v":${JOURNAL_VERSION},"seq":`);
const PORTFOLIO = ascii(',"portfolio_id":');
/** The same key in a fill's body (a key of its own for the cache of joined texts). */
const OWNER = ascii(',"portfolio_id":');
const FILL_TYPE = ascii(',"type":"fill","timestamp_ns":"');
const FILL_OPEN = ascii('","fill":{"fill_id":');
const STRATEGY = ascii(',"strategy_id":');
const SYMBOL = ascii(',"symbol":');
const SIDE = ascii(',"side":');
const QUANTITY = ascii(',"quantity":');
const PRICE = ascii(',"price":');
const FEE = ascii(',"fee":');
const TIMESTAMP = ascii(',"timestamp_ns":');
const INTENT = ascii(',"intent_id":');
const SOURCE_OPEN = ascii('","source":{"stream":');
const SOURCE_ID = ascii(',"id":');
const LIVE_FILL_OPEN = ascii('},"fill":{');
/** A plan line's head: the portfolio's key (its own, for the cache of joined texts) and type. */
const PLAN_PORTFOLIO = ascii(',"portfolio_id":');
const PLAN_TYPE = ascii(',"type":"plan","timestamp_ns":"');
const PLAN_OPEN = ascii('","plan":{"plan_id":');
const REASON = ascii(',"reason":');
const TRANSFERS = ascii(',"transfers":');
const TRADES = ascii(',"trades":[');
const SKIPPED = ascii('],"skipped":[');
const DRIFT = ascii('],"expected_drift_reduction":');
const ESTIMATED_COSTS = ascii(',"estimated_costs":');
const FALLBACK_TRUE = ascii(',"fallback":true');
const FALLBACK_FALSE = ascii(',"fallback":false');
const INTERNAL_FILLS = ascii(',"internal_fills":[');
const NETTING_SAVINGS = ascii(',"netting_savings":');
const INTENT_FIRST = ascii('{"intent_id":');
const PLAN_ID = ascii(',"plan_id":');
const REFERENCE_PRICE = ascii(',"reference_price":');
const COMMISSION = ascii(',"commission":');
const SLIPPAGE = ascii(',"slippage":');
const STRATEGY_FIRST = ascii('{"strategy_id":');
const FILL_FIRST = ascii('{"fill_id":');
const CRC_OPEN = ascii(',"crc":"');
const CRC_CLOSE = ascii('"}\n');
const HEX = ascii('0123456789abcdef');
/** Room for one number as JSON.stringify writes it ("-1.7976931348623157e+308" is 24). */
const NUMBER_BYTES = 32;
/** 10^0 .. 10^15, each exact as a double. */
const POW10 = [
  1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
] as const;
/** Texts kept encoded (ids, sides, timestamps repeat from line to line); cleared when full. */
const MAX_ENCODED_TEXTS = 1024;

/** A string as JSON.stringify writes it, in UTF-8 bytes. */
function encodeQuoted(text: string): Uint8Array {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7e)
      return Buffer.from(JSON.stringify(text), 'utf8');
  }
  return Buffer.from(`"${text}"`, 'latin1');
}

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
    const parts = journalLineParts(portfolioId, seq, type, timestampNs, body);
    const json = parts.body;
    // UTF-8 takes at most 3 bytes per UTF-16 unit; a long body is measured rather than
    // reserved three times over.
    this.#reserve(
      parts.head.length * 3 +
        (json.length <= 65_536 ? json.length * 3 : Buffer.byteLength(json, 'utf8')) +
        TAIL_BYTES,
    );
    const bytes = this.#bytes;
    const start = this.#length;
    let end = start + bytes.write(parts.head, start, 'utf8');
    if (json !== '{}') {
      // The body's JSON written whole, its `{` turned into the comma after the head and its
      // `}` left off: the open line's bytes with no joined string made.
      const written = bytes.write(json, end, 'utf8');
      bytes[end] = 0x2c;
      end += written - 1;
    }
    this.#length = end;
    this.#sign(start, end);
  }

  /**
   * A bare fill body's line (`formatFillLine`), written straight into the bytes: no string
   * per line is built (this is most of a backtest's journal). The parts that repeat from line
   * to line are kept joined as bytes (the head for a portfolio, the time, the strategy,
   * symbol and side with the keys between them), so a line is a few copies and its numbers.
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
    const start = this.#head(texts, portfolioId, seq, timestampNs, FILL_OPEN, PORTFOLIO, FILL_TYPE);
    this.#quoted(fill.fill_id);
    this.#put(this.#fillMiddle(fill.strategy_id, fill.symbol, fill.side));
    this.#number(fill.quantity);
    this.#put(PRICE);
    this.#number(fill.price);
    this.#put(FEE);
    this.#number(fill.fee);
    this.#put(TIMESTAMP);
    this.#quoted(fill.timestamp_ns);
    if (fill.portfolio_id !== undefined) this.#put(this.#joined(OWNER, fill.portfolio_id));
    if (fill.intent_id !== undefined) {
      this.#put(INTENT);
      this.#quoted(fill.intent_id);
    }
    this.#bytes[this.#length++] = 0x7d;
    this.#sign(start, this.#length);
  }

  /** Per key (by identity; one `after` per key) and text: `key` + the text quoted + `after`. */
  readonly #joinedTexts = new Map<Uint8Array, Map<string, Uint8Array>>();
  /** Per strategy and symbol: the middle of a fill line for a buy and for a sell. */
  readonly #middles = new Map<string, Map<string, (Uint8Array | undefined)[]>>();
  #middleCount = 0;

  /** `key` + `text` quoted as JSON (+ `after`), as bytes, from a cache of them. */
  #joined(key: Uint8Array, text: string, after?: Uint8Array): Uint8Array {
    let texts = this.#joinedTexts.get(key);
    if (texts === undefined) {
      texts = new Map();
      this.#joinedTexts.set(key, texts);
    }
    let bytes = texts.get(text);
    if (bytes === undefined) {
      if (texts.size >= MAX_ENCODED_TEXTS) texts.clear();
      bytes = Buffer.concat([key, encodeQuoted(text), ...(after === undefined ? [] : [after])]);
      texts.set(text, bytes);
    }
    return bytes;
  }

  /** `,"strategy_id":"…","symbol":"…","side":"…","quantity":` as bytes, from a cache. */
  #fillMiddle(strategyId: string, symbol: string, side: string): Uint8Array {
    let bySymbol = this.#middles.get(strategyId);
    if (bySymbol === undefined) {
      bySymbol = new Map();
      this.#middles.set(strategyId, bySymbol);
    }
    let sides = bySymbol.get(symbol);
    if (sides === undefined) {
      if (this.#middleCount >= MAX_ENCODED_TEXTS) {
        this.#middles.clear();
        this.#middleCount = 0;
        this.#middles.set(strategyId, bySymbol);
      }
      sides = [undefined, undefined, undefined];
      bySymbol.set(symbol, sides);
      this.#middleCount++;
    }
    const at = side === 'buy' ? 0 : side === 'sell' ? 1 : 2;
    let bytes = sides[at];
    if (bytes === undefined || at === 2) {
      bytes = Buffer.concat([
        STRATEGY,
        encodeQuoted(strategyId),
        SYMBOL,
        encodeQuoted(symbol),
        SIDE,
        encodeQuoted(side),
        QUANTITY,
      ]);
      sides[at] = bytes;
    }
    return bytes;
  }

  /**
   * A `plan` line: the bytes of `add(portfolioId, seq, 'plan', timestampNs, {plan:
   * encodeRebalancePlan(plan)})`, written straight from the plan (no wire object, no JSON
   * text; a backtest that rebalances every bar journals a plan per bar). A plan holding a
   * value the codec would encode otherwise than this writer reads it (a field of another
   * type, or missing) is written the `add` way, so the bytes are the same whatever it holds.
   * Returns true when the line was written straight, false when it went the `add` way.
   */
  addPlan(portfolioId: string, seq: number, timestampNs: bigint, plan: RebalancePlan): boolean {
    const start = this.#length;
    if (this.#planLine(portfolioId, seq, timestampNs, plan)) return true;
    this.#length = start;
    this.add(portfolioId, seq, 'plan', timestampNs, { plan: encodeRebalancePlan(plan) });
    return false;
  }

  /** `addPlan`'s line; false as soon as a value is not what the wire form takes as is. */
  #planLine(portfolioId: string, seq: number, timestampNs: bigint, plan: RebalancePlan): boolean {
    const { planId, portfolioId: owner } = plan;
    if (typeof planId !== 'string' || typeof owner !== 'string') return false;
    const start = this.#head(
      planId.length + owner.length,
      portfolioId,
      seq,
      timestampNs,
      PLAN_OPEN,
      PLAN_PORTFOLIO,
      PLAN_TYPE,
    );
    this.#quoted(planId);
    if (
      !this.#idMember(OWNER, owner) ||
      !this.#timeMember(TIMESTAMP, plan.timestampNs) ||
      !this.#idMember(REASON, plan.reason) ||
      !this.#amountsMember(TRANSFERS, plan.transfers) ||
      !this.#listMember(TRADES, plan.trades, this.#writeTrade) ||
      !this.#listMember(SKIPPED, plan.skipped, this.#writeSkipped) ||
      !this.#amountsMember(DRIFT, plan.expectedDriftReduction) ||
      !this.#numberMember(ESTIMATED_COSTS, plan.estimatedCosts)
    )
      return false;
    const { fallback, internalFills, nettingSavings } = plan;
    if (fallback !== undefined) {
      if (typeof fallback !== 'boolean') return false;
      this.#reserve(FALLBACK_FALSE.length);
      this.#put(fallback ? FALLBACK_TRUE : FALLBACK_FALSE);
    }
    if (
      internalFills !== undefined &&
      !this.#listMember(INTERNAL_FILLS, internalFills, this.#writeInternalFill)
    )
      return false;
    if (internalFills !== undefined) {
      this.#reserve(1);
      this.#bytes[this.#length++] = 0x5d;
    }
    if (nettingSavings !== undefined && !this.#numberMember(NETTING_SAVINGS, nettingSavings))
      return false;
    this.#reserve(TAIL_BYTES + 2);
    this.#bytes[this.#length++] = 0x7d;
    this.#sign(start, this.#length);
    return true;
  }

  readonly #writeTrade = (trade: RebalancePlan['trades'][number]) => this.#trade(trade);
  readonly #writeSkipped = (skip: RebalancePlan['skipped'][number]) => this.#skipped(skip);
  readonly #writeInternalFill = (fill: NonNullable<RebalancePlan['internalFills']>[number]) =>
    this.#internalFill(fill);

  /** A planned trade's object (`plannedTradeCodec`'s keys, in order). */
  #trade(trade: RebalancePlan['trades'][number]): boolean {
    if (typeof trade !== 'object' || trade === null) return false;
    return (
      this.#textMember(INTENT_FIRST, trade.intentId) &&
      this.#textMember(PLAN_ID, trade.planId) &&
      this.#idMember(OWNER, trade.portfolioId) &&
      this.#idMember(STRATEGY, trade.strategyId) &&
      this.#idMember(SYMBOL, trade.symbol) &&
      this.#idMember(SIDE, trade.side) &&
      this.#numberMember(QUANTITY, trade.quantity) &&
      this.#numberMember(REFERENCE_PRICE, trade.referencePrice) &&
      this.#timeMember(TIMESTAMP, trade.timestampNs) &&
      this.#numberMember(COMMISSION, trade.commission) &&
      this.#numberMember(SLIPPAGE, trade.slippage) &&
      this.#close()
    );
  }

  /** A skipped trade's object (`skippedTradeCodec`'s keys, in order). */
  #skipped(skip: RebalancePlan['skipped'][number]): boolean {
    if (typeof skip !== 'object' || skip === null) return false;
    return (
      this.#idMember(STRATEGY_FIRST, skip.strategyId) &&
      this.#idMember(SYMBOL, skip.symbol) &&
      this.#numberMember(QUANTITY, skip.quantity) &&
      this.#idMember(REASON, skip.reason) &&
      this.#close()
    );
  }

  /** A netting plan's internal fill (`fillEventCodec`'s keys, in order). */
  #internalFill(fill: NonNullable<RebalancePlan['internalFills']>[number]): boolean {
    if (typeof fill !== 'object' || fill === null) return false;
    return (
      this.#textMember(FILL_FIRST, fill.fillId) &&
      this.#idMember(STRATEGY, fill.strategyId) &&
      this.#idMember(SYMBOL, fill.symbol) &&
      this.#idMember(SIDE, fill.side) &&
      this.#numberMember(QUANTITY, fill.quantity) &&
      this.#numberMember(PRICE, fill.price) &&
      this.#numberMember(FEE, fill.fee) &&
      this.#timeMember(TIMESTAMP, fill.timestampNs) &&
      (fill.portfolioId === undefined || this.#idMember(OWNER, fill.portfolioId)) &&
      (fill.intentId === undefined || this.#textMember(INTENT, fill.intentId)) &&
      this.#close()
    );
  }

  /** An object's closing brace. */
  #close(): true {
    this.#reserve(1);
    this.#bytes[this.#length++] = 0x7d;
    return true;
  }

  /** `key` and `value` quoted; false when it is not a string. */
  #textMember(key: Uint8Array, value: unknown): boolean {
    if (typeof value !== 'string') return false;
    this.#reserve(key.length + value.length * 6 + 2);
    this.#put(key);
    this.#quoted(value);
    return true;
  }

  /**
   * `#textMember` for a text that repeats from line to line (an id, a side, a reason): its
   * quoted bytes come from the cache of repeated texts.
   */
  #idMember(key: Uint8Array, value: unknown): boolean {
    if (typeof value !== 'string') return false;
    const bytes = this.#encoded(value);
    this.#reserve(key.length + bytes.length);
    this.#put(key);
    this.#put(bytes);
    return true;
  }

  /** `key` and `value` as JSON.stringify writes it; false when it is not a number. */
  #numberMember(key: Uint8Array, value: unknown): boolean {
    if (typeof value !== 'number') return false;
    this.#reserve(key.length + NUMBER_BYTES);
    this.#put(key);
    this.#number(value);
    return true;
  }

  /** `key` and a bigint time as its quoted digits; false when it is not a bigint. */
  #timeMember(key: Uint8Array, value: unknown): boolean {
    if (typeof value !== 'bigint') return false;
    const text = this.#timeText(value);
    this.#reserve(key.length + text.length + 2);
    this.#put(key);
    this.#bytes[this.#length++] = 0x22;
    this.#raw(text);
    this.#bytes[this.#length++] = 0x22;
    return true;
  }

  /** The last time printed and its digits (a bar's lines, a plan's trades share it). */
  #timeNs: bigint | undefined = undefined;
  #timeDigits = '';

  #timeText(value: bigint): string {
    if (value !== this.#timeNs) {
      this.#timeNs = value;
      this.#timeDigits = value.toString();
    }
    return this.#timeDigits;
  }

  /**
   * `key` and an id record (`{"id":amount,...}` in its keys' order, as the codec copies it);
   * false when it is not an object of numbers.
   */
  #amountsMember(key: Uint8Array, values: unknown): boolean {
    if (typeof values !== 'object' || values === null || Array.isArray(values)) return false;
    const record = values as Readonly<Record<string, unknown>>;
    this.#reserve(key.length + 2);
    this.#put(key);
    this.#bytes[this.#length++] = 0x7b;
    let first = true;
    for (const id of Object.keys(record)) {
      const amount = record[id];
      if (typeof amount !== 'number') return false;
      const quoted = this.#encoded(id);
      this.#reserve(quoted.length + NUMBER_BYTES + 2);
      if (!first) this.#bytes[this.#length++] = 0x2c;
      first = false;
      this.#put(quoted);
      this.#bytes[this.#length++] = 0x3a;
      this.#number(amount);
    }
    this.#bytes[this.#length++] = 0x7d;
    return true;
  }

  /**
   * `open` (the key and `[`, or `]` + the key + `[` after the list before) and each item by
   * `write`, comma-separated; the closing `]` is the caller's. False when `items` is not an
   * array or an item is refused.
   */
  #listMember<T>(open: Uint8Array, items: unknown, write: (item: T) => boolean): boolean {
    if (!Array.isArray(items)) return false;
    this.#reserve(open.length);
    this.#put(open);
    for (let i = 0; i < items.length; i++) {
      if (i > 0) {
        this.#reserve(1);
        this.#bytes[this.#length++] = 0x2c;
      }
      if (!write(items[i] as T)) return false;
    }
    return true;
  }

  /**
   * A live fill line, `{source: {stream, id}, fill}` body (the manager's): the bytes of
   * `add(portfolioId, seq, 'fill', timestampNs, {source: {stream, id}, fill})`, written
   * straight in. `fill`
   * is a flat wire record (its keys in their order, string and number values); any other
   * value takes the `add` route, so the bytes are the same whatever it holds.
   */
  addLiveFill(
    portfolioId: string,
    seq: number,
    timestampNs: bigint,
    stream: string,
    id: string,
    fill: Readonly<Record<string, unknown>>,
  ): void {
    let texts = portfolioId.length + stream.length + id.length;
    for (const key in fill) {
      const value = fill[key];
      if (!Object.hasOwn(fill, key) || (typeof value !== 'string' && typeof value !== 'number')) {
        const body = { source: { stream, id }, fill } as JournalBodyWire<'fill'>;
        this.add(portfolioId, seq, 'fill', timestampNs, body);
        return;
      }
      texts += key.length + (typeof value === 'string' ? value.length : 4) + 2;
    }
    const start = this.#head(
      texts,
      portfolioId,
      seq,
      timestampNs,
      SOURCE_OPEN,
      PORTFOLIO,
      FILL_TYPE,
    );
    this.#put(this.#encoded(stream));
    this.#put(SOURCE_ID);
    this.#quoted(id);
    this.#put(LIVE_FILL_OPEN);
    let first = true;
    for (const key in fill) {
      if (!first) this.#bytes[this.#length++] = 0x2c;
      first = false;
      this.#put(this.#encoded(key));
      this.#bytes[this.#length++] = 0x3a;
      const value = fill[key];
      if (typeof value === 'number') this.#number(value);
      else this.#quoted(value as string);
    }
    this.#bytes[this.#length++] = 0x7d;
    this.#sign(start, this.#length, true);
  }

  /**
   * A line's head, through its time and what follows the time (`afterTime`, the body's
   * opening): `{"v":1,"seq":N` + `portfolioKey` + `"..."` + `type` (`,"type":"fill",
   * "timestamp_ns":"`) + `<ns>` + `afterTime`, with room reserved for `texts` characters of
   * text besides. The portfolio's part is kept joined with the type (one `type` per
   * `portfolioKey`), the time's digits for the next line (lines of a bar share them). Returns
   * where the line starts.
   */
  #head(
    texts: number,
    portfolioId: string,
    seq: number,
    timestampNs: bigint,
    afterTime: Uint8Array,
    portfolioKey: Uint8Array,
    type: Uint8Array,
  ): number {
    const time = this.#timeText(timestampNs);
    // Escaped text takes at most 6 bytes per UTF-16 unit; numbers at most 24 characters.
    this.#reserve(texts * 6 + time.length + 512);
    const start = this.#length;
    this.#put(LINE_OPEN);
    this.#int(seq);
    this.#put(this.#joined(portfolioKey, portfolioId, type));
    this.#raw(time);
    this.#put(afterTime);
    return start;
  }

  readonly #texts = new Map<string, Uint8Array>();

  /** `text` quoted as JSON, in bytes, from the cache of repeated texts. */
  #encoded(text: string): Uint8Array {
    let bytes = this.#texts.get(text);
    if (bytes === undefined) {
      if (this.#texts.size >= MAX_ENCODED_TEXTS) this.#texts.clear();
      bytes = encodeQuoted(text);
      this.#texts.set(text, bytes);
    }
    return bytes;
  }

  /** Bytes as they are (room reserved by the caller). */
  #put(bytes: Uint8Array): void {
    this.#bytes.set(bytes, this.#length);
    this.#length += bytes.length;
  }

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

  /** A non-negative safe integer's decimal digits (a line's seq), without a string. */
  #int(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) {
      this.#raw(String(value));
      return;
    }
    this.#decimal(value, 0);
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

  /**
   * A number as JSON.stringify writes it. A decimal of at most 15 significant digits in
   * [1e-6, 1e15) (prices read from text, round amounts) has its digits written straight in;
   * any other goes through JSON.stringify, not String: V8 keeps every String(number) in its
   * number-string cache, long enough that a journal's millions of them are promoted to the
   * old generation and fill it with garbage (20 to 30 MB of peak RSS on a 440,000-line run).
   */
  #number(value: number): void {
    const magnitude = value < 0 ? -value : value;
    if (magnitude >= 1e-6 && magnitude < 1e15) {
      // The most places that keep the digits under 1e15; a decimal of fewer places has as
      // many with trailing zeros, so this one test settles whether any has.
      let places = POW10.length - 1;
      while (places > 0 && magnitude * (POW10[places] as number) >= 1e15) places--;
      const scale = POW10[places] as number;
      let m = Math.round(magnitude * scale);
      // m / 10^places is correctly rounded, so it is the double that the decimal
      // m x 10^-places parses to; under 1e15 (15 digits or fewer tell doubles apart) it is
      // the only such decimal, and without its trailing zeros the shortest.
      if (m / scale === magnitude) {
        while (places > 0 && m % 10 === 0) {
          m /= 10;
          places--;
        }
        if (value < 0) this.#bytes[this.#length++] = 0x2d;
        this.#decimal(m, places);
        return;
      }
    }
    if (value === 0) this.#bytes[this.#length++] = 0x30;
    else this.#raw(JSON.stringify(value));
  }

  /** The safe integer `m` over 10^`places`, in decimal notation ("0.05", "1378.02", "42"). */
  #decimal(m: number, places: number): void {
    const bytes = this.#bytes;
    let digits = 1;
    for (let rest = m; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    // At least one digit before the point.
    const width = digits > places ? digits : places + 1;
    const end = this.#length + width + (places > 0 ? 1 : 0);
    let at = end - 1;
    let rest = m;
    for (let i = 0; i < width; i++) {
      if (i === places && places > 0) bytes[at--] = 0x2e;
      bytes[at--] = 0x30 + (rest % 10);
      rest = Math.floor(rest / 10);
    }
    this.#length = end;
  }

  /**
   * The crc of bytes [start, end) + `}`, then `,"crc":"<hex>"}` and a newline. `inPlace`: by
   * the contract's crc32 over the range (no view of the line is made), else by zlib's.
   */
  #sign(start: number, end: number, inPlace = false): void {
    const bytes = this.#bytes;
    // One CRC call over the line as signed (with its closing brace), which then gives way
    // to the crc member.
    bytes[end] = 0x7d;
    // (A Uint8Array view: a Buffer's `subarray` costs more than the CRC of a short line.)
    let crc = inPlace
      ? crc32Range(bytes, 0, start, end + 1)
      : crc32(new Uint8Array(bytes.buffer, bytes.byteOffset + start, end + 1 - start));
    this.#length = end;
    this.#put(CRC_OPEN);
    const at = this.#length;
    for (let i = 7; i >= 0; i--) {
      bytes[at + i] = HEX[crc & 15] as number;
      crc >>>= 4;
    }
    this.#length = at + 8;
    this.#put(CRC_CLOSE);
  }

  /** The bytes gathered (a view, valid until the next `add`), and an empty batch. */
  take(): Buffer {
    const out = this.#bytes.subarray(0, this.#length);
    this.#length = 0;
    return out;
  }

  /** The bytes gathered so far (a view, valid until the next `add`), kept until `clear`. */
  peek(): Buffer {
    return this.#bytes.subarray(0, this.#length);
  }

  /** Drops the bytes gathered. */
  clear(): void {
    this.#length = 0;
  }

  /** Bytes it can hold before it grows. */
  get capacity(): number {
    return this.#bytes.length;
  }
}
