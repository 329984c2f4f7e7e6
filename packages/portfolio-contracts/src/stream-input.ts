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
  const fill: FillEvent = {
    fillId: fill_id,
    strategyId: strategy_id,
    symbol,
    side,
    quantity,
    price,
    fee,
    timestampNs,
    ...(portfolio_id === undefined ? {} : { portfolioId: portfolio_id }),
    ...(intent_id === undefined ? {} : { intentId: intent_id }),
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
  return decodeEvent(text, FILL_KEY_SET, decodeFill);
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
