// Stream events as producers write them: the entry's bytes -> UTF-8 text -> JSON with an
// exact timestamp_ns (decimal string or JSON integer), unknown keys ignored and reported.
import { isLosslessNumber, parse as parseLossless } from 'lossless-json';
import { ContractError, type Result } from './errors.js';
import {
  type FillEvent,
  fillEventCodec,
  type ManagerCommandEvent,
  managerCommandCodec,
  type PriceMark,
  priceMarkCodec,
} from './events.js';
import { ID_PATTERN } from './primitives.js';
import { safeDecodeWith } from './contract.js';
import type { Codec } from './codec.js';

/** A stream event decoded: the value, its wire form (known keys only), the keys it ignored. */
export interface StreamEventDecoded<T> {
  readonly value: T;
  /** The known keys in wire form, `timestamp_ns` as a decimal string: what a journal keeps. */
  readonly wire: Readonly<Record<string, unknown>>;
  /** Keys the contract does not know (a newer producer's), in the order they came. */
  readonly unknownKeys: readonly string[];
}

const FILL_KEYS = [
  'fill_id',
  'strategy_id',
  'symbol',
  'side',
  'quantity',
  'price',
  'fee',
  'timestamp_ns',
  'portfolio_id',
  'intent_id',
] as const;
const MARK_KEYS = ['symbol', 'price', 'timestamp_ns'] as const;
const COMMAND_KEYS = ['command', 'strategy_id', 'timestamp_ns'] as const;
const FILL_KEY_SET: ReadonlySet<string> = new Set(FILL_KEYS);
const MARK_KEY_SET: ReadonlySet<string> = new Set(MARK_KEYS);
const COMMAND_KEY_SET: ReadonlySet<string> = new Set(COMMAND_KEYS);

const DECIMAL_INTEGER = /^-?(0|[1-9][0-9]*)$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function fail<T>(message: string, path = ''): Result<T> {
  return { success: false, error: new ContractError([{ path, message }]) };
}

/**
 * The bytes as UTF-8 text, or null when they are not valid UTF-8 (a lenient decoder would
 * turn every bad byte into U+FFFD, so two different ids could read as one).
 */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * Parses JSON text; when `timestamp_ns` is a JSON number, reads its digits from the text
 * itself (never through a double), so `1700000000123456789` stays exact.
 */
function parseEventJson(text: string): Result<Record<string, unknown>> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return fail(`not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return fail(`must be a JSON object, got ${Array.isArray(raw) ? 'a list' : typeof raw}`);
  const object = raw as Record<string, unknown>;
  if (typeof object.timestamp_ns !== 'number' || !Object.hasOwn(object, 'timestamp_ns'))
    return { success: true, data: object };
  let exact: unknown;
  try {
    exact = parseLossless(text);
  } catch (error) {
    return fail(`not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const digits = (exact as Record<string, unknown>).timestamp_ns;
  if (!isLosslessNumber(digits) || !DECIMAL_INTEGER.test(digits.value)) {
    return fail(
      `must be an integer number of nanoseconds since the epoch (a decimal string or a JSON integer), got ${isLosslessNumber(digits) ? digits.value : String(object.timestamp_ns)}`,
      'timestamp_ns',
    );
  }
  const copy: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(object)) copy[key] = object[key];
  copy.timestamp_ns = digits.value;
  return { success: true, data: copy };
}

function splitKeys(
  object: Record<string, unknown>,
  known: ReadonlySet<string>,
): { wire: Record<string, unknown>; unknownKeys: string[] } {
  const wire = Object.create(null) as Record<string, unknown>;
  const unknownKeys: string[] = [];
  for (const key of Object.keys(object)) {
    if (known.has(key)) wire[key] = object[key];
    else unknownKeys.push(key);
  }
  return { wire, unknownKeys };
}

const isId = (value: unknown): value is string =>
  typeof value === 'string' && ID_PATTERN.test(value);
const isRef = (value: unknown): value is string =>
  typeof value === 'string' && value.length >= 1 && value.length <= 256;
const isPositive = (value: unknown): value is number =>
  typeof value === 'number' && value > 0 && value !== Infinity;
const isNonNegative = (value: unknown): value is number =>
  typeof value === 'number' && value >= 0 && value !== Infinity;

function timestampOf(value: unknown): bigint | undefined {
  if (typeof value === 'string') return DECIMAL_INTEGER.test(value) ? BigInt(value) : undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  return undefined;
}

/** The slow path: the codec's own messages for whatever the fast checks refused. */
function explain<T>(codec: Codec<T>, wire: Record<string, unknown>): Result<T> {
  return safeDecodeWith(codec, { ...wire });
}

function decodeFill(wire: Record<string, unknown>): Result<FillEvent> {
  const timestampNs = timestampOf(wire.timestamp_ns);
  const { fill_id, strategy_id, symbol, side, quantity, price, fee, portfolio_id, intent_id } =
    wire;
  if (
    timestampNs === undefined ||
    !isRef(fill_id) ||
    !isId(strategy_id) ||
    !isId(symbol) ||
    (side !== 'buy' && side !== 'sell') ||
    !isPositive(quantity) ||
    !isPositive(price) ||
    !isNonNegative(fee) ||
    (portfolio_id !== undefined && !isId(portfolio_id)) ||
    (intent_id !== undefined && !isRef(intent_id))
  )
    return explain(fillEventCodec, wire);
  // One literal per shape (no spread of optional members): the same keys in the same order.
  const fill: FillEvent =
    portfolio_id === undefined
      ? intent_id === undefined
        ? {
            fillId: fill_id,
            strategyId: strategy_id,
            symbol,
            side,
            quantity,
            price,
            fee,
            timestampNs,
          }
        : {
            fillId: fill_id,
            strategyId: strategy_id,
            symbol,
            side,
            quantity,
            price,
            fee,
            timestampNs,
            intentId: intent_id,
          }
      : intent_id === undefined
        ? {
            fillId: fill_id,
            strategyId: strategy_id,
            symbol,
            side,
            quantity,
            price,
            fee,
            timestampNs,
            portfolioId: portfolio_id,
          }
        : {
            fillId: fill_id,
            strategyId: strategy_id,
            symbol,
            side,
            quantity,
            price,
            fee,
            timestampNs,
            portfolioId: portfolio_id,
            intentId: intent_id,
          };
  return { success: true, data: Object.freeze(fill) };
}

function decodeMark(wire: Record<string, unknown>): Result<PriceMark> {
  const timestampNs = timestampOf(wire.timestamp_ns);
  const { symbol, price } = wire;
  if (timestampNs === undefined || !isId(symbol) || !isPositive(price))
    return explain(priceMarkCodec, wire);
  return { success: true, data: Object.freeze({ symbol, price, timestampNs }) };
}

function decodeCommand(wire: Record<string, unknown>): Result<ManagerCommandEvent> {
  return safeDecodeWith(managerCommandCodec, { ...wire });
}

function decodeEvent<T>(
  text: string,
  known: ReadonlySet<string>,
  decode: (wire: Record<string, unknown>) => Result<T>,
): Result<StreamEventDecoded<T>> {
  const parsed = parseEventJson(text);
  if (!parsed.success) return parsed;
  const { wire, unknownKeys } = splitKeys(parsed.data, known);
  const decoded = decode(wire);
  if (!decoded.success) return decoded;
  if (typeof wire.timestamp_ns === 'number') wire.timestamp_ns = String(wire.timestamp_ns);
  return { success: true, data: { value: decoded.data, wire, unknownKeys } };
}

/**
 * A FillEvent from a stream entry's `data` text, as each producer writes it: `timestamp_ns`
 * a decimal string or a JSON integer (read exactly), keys this contract does not know
 * ignored and listed in `unknownKeys`. Every other rule is the FillEvent contract's.
 */
export function decodeFillEventText(text: string): Result<StreamEventDecoded<FillEvent>> {
  const wire = scanFlatObject(text);
  if (wire !== undefined) {
    // The common shape read without JSON.parse; the same rules (decodeFill) decide. Whatever
    // they refuse goes the whole way again below, so every error is that route's.
    const decoded = decodeFill(wire);
    if (decoded.success)
      return {
        success: true,
        data: { value: decoded.data, wire, unknownKeys: scannedUnknownKeys },
      };
  }
  return decodeFillEventTextParsed(text);
}

/**
 * `decodeFillEventText` by the whole route only (JSON.parse, lossless-json for an integer
 * timestamp, the codec's messages for what is refused): what the plain-shape reading must
 * equal. Not part of the package's entry.
 */
export function decodeFillEventTextParsed(text: string): Result<StreamEventDecoded<FillEvent>> {
  return decodeEvent(text, FILL_KEY_SET, decodeFill);
}

const NO_KEYS: readonly string[] = Object.freeze([]);
/** The unknown keys of the object `scanFlatObject` last read (its second result). */
let scannedUnknownKeys: readonly string[] = NO_KEYS;

const isJsonSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** The end of a JSON string's text from `from` (after its opening quote), -1 when it holds an escape or a control character. */
function plainStringEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return i;
    if (c === 0x5c || c < 0x20) return -1;
  }
  return -1;
}

/** The end of a JSON number at `from` (RFC 8259 grammar), -1 when there is none. */
function numberEnd(text: string, from: number): number {
  let i = from;
  if (text.charCodeAt(i) === 0x2d) i++;
  const first = text.charCodeAt(i);
  if (first === 0x30) i++;
  else if (first >= 0x31 && first <= 0x39) while (isDigit(text.charCodeAt(i))) i++;
  else return -1;
  if (text.charCodeAt(i) === 0x2e) {
    i++;
    if (!isDigit(text.charCodeAt(i))) return -1;
    while (isDigit(text.charCodeAt(i))) i++;
  }
  const e = text.charCodeAt(i);
  if (e === 0x65 || e === 0x45) {
    i++;
    const sign = text.charCodeAt(i);
    if (sign === 0x2b || sign === 0x2d) i++;
    if (!isDigit(text.charCodeAt(i))) return -1;
    while (isDigit(text.charCodeAt(i))) i++;
  }
  return i;
}

/** 10^0 .. 10^22: every one exact as a double. */
const EXACT_POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * The value of the JSON number text[from, to) (its grammar checked), as `Number` reads it.
 * Up to 15 digits and no exponent: the digits as an integer over a power of ten, both exact,
 * so the one division rounds as a correct reading does; anything else through `Number`.
 */
function numberValue(text: string, from: number, to: number): number {
  let i = from;
  const negative = text.charCodeAt(i) === 0x2d;
  if (negative) i++;
  let mantissa = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e) {
      fraction = 0;
      continue;
    }
    if (c < 0x30 || c > 0x39 || ++digits > 15) return Number(text.slice(from, to));
    mantissa = mantissa * 10 + (c - 0x30);
    if (fraction >= 0) fraction++;
  }
  const value = fraction > 0 ? mantissa / (EXACT_POWERS_OF_TEN[fraction] as number) : mantissa;
  return negative ? -value : value;
}

/**
 * Keys whose texts repeat from event to event (strategies, symbols, sides, portfolios): their
 * last few texts are kept, and a value equal to one is that string (no copy per event).
 */
const REPEATED_TEXT_KEYS: ReadonlySet<string> = new Set([
  'strategy_id',
  'symbol',
  'side',
  'portfolio_id',
]);
const REPEATED_KEYS = FILL_KEYS.reduce(
  (mask, key, k) => (REPEATED_TEXT_KEYS.has(key) ? mask | (1 << k) : mask),
  0,
);
const RECENT_TEXTS = 8;
const recentTexts: string[][] = FILL_KEYS.map(() => []);
const recentNext: number[] = FILL_KEYS.map(() => 0);

function repeatedText(text: string, from: number, to: number, known: number): string {
  const recent = recentTexts[known] as string[];
  const length = to - from;
  for (let r = 0; r < recent.length; r++) {
    const candidate = recent[r] as string;
    if (candidate.length === length && text.startsWith(candidate, from)) return candidate;
  }
  const value = text.slice(from, to);
  const at = recentNext[known] as number;
  recent[at] = value;
  recentNext[known] = (at + 1) % RECENT_TEXTS;
  return value;
}

/** Which of `keys` the text between `from` and `to` spells, -1 when none. */
function keyIndex(text: string, from: number, to: number, keys: readonly string[]): number {
  const length = to - from;
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k] as string;
    if (key.length !== length || !text.startsWith(key, from)) continue;
    return k;
  }
  return -1;
}

/**
 * `parseEventJson` then `splitKeys` of a fill for the plain shape only: one JSON object whose members
 * are strings without escapes or numbers, no key twice, an integer `timestamp_ns` kept as its
 * digits. Undefined for anything else (the whole route then reads it, errors included). The
 * wire holds the known keys in the order they came, as `splitKeys` leaves them.
 */
function scanFlatObject(text: string): Record<string, unknown> | undefined {
  const keys = FILL_KEYS;
  const values = scannedValues;
  const order = scannedOrder;
  let count = 0;
  let unknownKeys: string[] | undefined;
  let seen = 0;
  const end = text.length;
  let i = 0;
  while (i < end && isJsonSpace(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) !== 0x7b) return undefined;
  i++;
  while (i < end && isJsonSpace(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) === 0x7d) {
    i++;
  } else {
    for (;;) {
      if (text.charCodeAt(i) !== 0x22) return undefined;
      const keyEnd = plainStringEnd(text, i + 1);
      if (keyEnd < 0) return undefined;
      const known = keyIndex(text, i + 1, keyEnd, keys);
      let unknown: string | undefined;
      if (known >= 0) {
        if ((seen & (1 << known)) !== 0) return undefined;
        seen |= 1 << known;
      } else {
        // A key that may be an array index (objects list those first) or one that comes
        // twice (JSON.parse keeps the last) is left to the whole route.
        if (keyEnd === i + 1 || isDigit(text.charCodeAt(i + 1))) return undefined;
        unknown = text.slice(i + 1, keyEnd);
        if (unknownKeys?.includes(unknown)) return undefined;
      }
      i = keyEnd + 1;
      while (i < end && isJsonSpace(text.charCodeAt(i))) i++;
      if (text.charCodeAt(i) !== 0x3a) return undefined;
      i++;
      while (i < end && isJsonSpace(text.charCodeAt(i))) i++;
      let value: string | number;
      if (text.charCodeAt(i) === 0x22) {
        const valueEnd = plainStringEnd(text, i + 1);
        if (valueEnd < 0) return undefined;
        value =
          known >= 0 && (REPEATED_KEYS & (1 << known)) !== 0
            ? repeatedText(text, i + 1, valueEnd, known)
            : text.slice(i + 1, valueEnd);
        i = valueEnd + 1;
      } else {
        const valueEnd = numberEnd(text, i);
        if (valueEnd < 0) return undefined;
        if (known >= 0 && keys[known] === 'timestamp_ns') {
          // As parseEventJson: an integer's digits exactly, anything else its error.
          const digits = text.slice(i, valueEnd);
          if (!DECIMAL_INTEGER.test(digits)) return undefined;
          value = digits;
        } else {
          value = numberValue(text, i, valueEnd);
        }
        i = valueEnd;
      }
      if (unknown === undefined) {
        values[known] = value;
        order[count++] = known;
      } else (unknownKeys ??= []).push(unknown);
      while (i < end && isJsonSpace(text.charCodeAt(i))) i++;
      const next = text.charCodeAt(i);
      i++;
      if (next === 0x7d) break;
      if (next !== 0x2c) return undefined;
      while (i < end && isJsonSpace(text.charCodeAt(i))) i++;
    }
  }
  while (i < end && isJsonSpace(text.charCodeAt(i))) i++;
  if (i !== end) return undefined;
  scannedUnknownKeys = unknownKeys ?? NO_KEYS;
  return wireOf(seen, count);
}

/** The values and key order `scanFlatObject` read (by index in FILL_KEYS), reused. */
const scannedValues: (string | number)[] = FILL_KEYS.map(() => 0);
const scannedOrder: number[] = FILL_KEYS.map(() => 0);
/** The eight keys a fill must have, in the contract's order. */
const REQUIRED = 0xff;

/**
 * The wire object of what `scanFlatObject` read, its keys in the order they came: one literal
 * when that is the contract's order (a producer's usual), else key by key.
 */
function wireOf(seen: number, count: number): Record<string, unknown> {
  const v = scannedValues;
  let inOrder = (seen & REQUIRED) === REQUIRED;
  for (let n = 1; inOrder && n < count; n++)
    inOrder = (scannedOrder[n] as number) > (scannedOrder[n - 1] as number);
  if (inOrder) {
    switch (seen) {
      case REQUIRED:
        return {
          fill_id: v[0],
          strategy_id: v[1],
          symbol: v[2],
          side: v[3],
          quantity: v[4],
          price: v[5],
          fee: v[6],
          timestamp_ns: v[7],
        };
      case REQUIRED | 0x100:
        return {
          fill_id: v[0],
          strategy_id: v[1],
          symbol: v[2],
          side: v[3],
          quantity: v[4],
          price: v[5],
          fee: v[6],
          timestamp_ns: v[7],
          portfolio_id: v[8],
        };
      case REQUIRED | 0x200:
        return {
          fill_id: v[0],
          strategy_id: v[1],
          symbol: v[2],
          side: v[3],
          quantity: v[4],
          price: v[5],
          fee: v[6],
          timestamp_ns: v[7],
          intent_id: v[9],
        };
      default:
        return {
          fill_id: v[0],
          strategy_id: v[1],
          symbol: v[2],
          side: v[3],
          quantity: v[4],
          price: v[5],
          fee: v[6],
          timestamp_ns: v[7],
          portfolio_id: v[8],
          intent_id: v[9],
        };
    }
  }
  const wire: Record<string, unknown> = {};
  for (let n = 0; n < count; n++) {
    const k = scannedOrder[n] as number;
    wire[FILL_KEYS[k] as string] = v[k];
  }
  return wire;
}

/** A PriceMark from a stream entry's `data` text; the rules of `decodeFillEventText`. */
export function decodePriceMarkText(text: string): Result<StreamEventDecoded<PriceMark>> {
  return decodeEvent(text, MARK_KEY_SET, decodeMark);
}

/** `decodeFillEventText` of an entry's bytes, refusing bytes that are not valid UTF-8. */
export function decodeFillEventBytes(bytes: Uint8Array): Result<StreamEventDecoded<FillEvent>> {
  const text = decodeUtf8(bytes);
  return text === null ? fail('payload is not valid UTF-8') : decodeFillEventText(text);
}

/** `decodePriceMarkText` of an entry's bytes, refusing bytes that are not valid UTF-8. */
export function decodePriceMarkBytes(bytes: Uint8Array): Result<StreamEventDecoded<PriceMark>> {
  const text = decodeUtf8(bytes);
  return text === null ? fail('payload is not valid UTF-8') : decodePriceMarkText(text);
}

/** A manager command (`{command, strategy_id?, timestamp_ns}`) from an entry's bytes or text. */
export function decodeManagerCommand(
  data: string | Uint8Array,
): Result<StreamEventDecoded<ManagerCommandEvent>> {
  const text = typeof data === 'string' ? data : decodeUtf8(data);
  return text === null
    ? fail('payload is not valid UTF-8')
    : decodeEvent(text, COMMAND_KEY_SET, decodeCommand);
}
