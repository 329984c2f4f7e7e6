// The plain-shape reading of decodeFillEventText against the whole route (JSON.parse,
// lossless-json, the codec's messages): the same result, wire, unknown keys and errors on
// payloads valid and not, and the value the codec itself decodes from the wire.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fillEventArb } from './arbitraries.test-util.js';
import type { Result } from './errors.js';
import { encodeFillEvent, type FillEvent, safeDecodeFillEvent } from './events.js';
import {
  decodeFillEventBytes,
  decodeFillEventText,
  decodeFillEventTextParsed,
  decodeUtf8,
  type StreamEventDecoded,
} from './stream-input.js';

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
];

/** Number literals at the edges: overflow, subnormals, beyond 2^53, malformed ones. */
const oddNumber = fc.constantFrom(
  '1e200',
  '1.7e308',
  '1.8e308',
  '1e400',
  '-1e400',
  '-0',
  '0',
  '-1',
  '5e-324',
  '1e-400',
  '1E3',
  '1e+3',
  '2.50',
  '1.',
  '.5',
  '01',
  '-01',
  '+1',
  '1e',
  '-',
  '0x10',
  'NaN',
  'Infinity',
  '9007199254740993',
  '1700000000123456789',
  '-1700000000123456789',
  '18446744073709551616',
  '123456789012345678901234567890',
  '1700000000123456789.0',
);
/** String literals: escapes, non-ASCII, lone surrogates, raw controls (not JSON). */
const oddString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }).map((text) => JSON.stringify(text)),
  fc.constantFrom(
    '"\\u0041"',
    '"a\\"b"',
    '"\u00e9"',
    '"\ud800"',
    '"a\u0001b"',
    '"tab\there"',
    '"buy"',
    '"sell"',
    '"alpha"',
    '""',
    '"1700000000123456789"',
    '"-0"',
    '"1.5"',
    '"unterminated',
  ),
);
const otherValue = fc.constantFrom('null', 'true', 'false', '{"a":1}', '[1,2]', '{}', '[]', '');
const literal = fc.oneof(
  { weight: 3, arbitrary: oddNumber },
  { weight: 3, arbitrary: oddString },
  { weight: 2, arbitrary: fc.double().map((x) => JSON.stringify(x)) },
  // Decimals of up to 20 digits, leading and trailing zeros included.
  { weight: 3, arbitrary: fc.stringMatching(/^-?(0|[1-9][0-9]{0,10})(\.[0-9]{1,9})?$/) },
  { weight: 1, arbitrary: otherValue },
);
const unknownKey = fc.oneof(
  fc.constantFrom('venue', '__proto__', '', 'constructor', 'a"b', '\u00e9', 'FILL_ID', 'fill_id '),
  // Index-like keys: an object lists them first, in numeric order.
  fc.constantFrom('0', '1', '7', '42', '01', '4294967295', '-1', '1.5'),
  fc.string({ unit: 'binary', maxLength: 6 }),
);
const space = fc.oneof(
  { weight: 300, arbitrary: fc.constant('') },
  { weight: 60, arbitrary: fc.constantFrom(' ', '\n', '\t', '\r\n', '  ') },
  // Not JSON whitespace.
  { weight: 1, arbitrary: fc.constantFrom('\u00a0', '\u2028', '\f') },
);
/** `value` one time in `weight + 1`, else null. */
const sometimes = <T>(value: fc.Arbitrary<T>, weight: number) =>
  fc.oneof({ weight, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: value });

/** A valid fill's members (string or integer timestamp), in the contract's order or another. */
const validMembers = fc.tuple(fillEventArb, fc.boolean()).chain(([fill, integer]) => {
  const wire = encodeFillEvent(fill) as Record<string, unknown>;
  const members = Object.keys(wire).map((key): [string, string] => [
    key,
    key === 'timestamp_ns' && integer ? String(wire[key]) : JSON.stringify(wire[key]),
  ]);
  // The contract's order (as producers write it) or any other.
  return fc.oneof(
    fc.constant(members),
    fc.shuffledSubarray(members, { minLength: members.length }),
  );
});

/** A valid fill, then perhaps extra keys, a key twice, a value swapped for an odd one. */
const members = fc
  .tuple(
    validMembers,
    fc.oneof(
      { weight: 3, arbitrary: fc.constant([]) },
      {
        weight: 1,
        arbitrary: fc.array(fc.tuple(unknownKey, literal, fc.nat()), { maxLength: 4 }),
      },
    ),
    sometimes(fc.tuple(fc.constantFrom(...FILL_KEYS), literal), 2),
    // A key twice: with its own value, or another one (lossless-json refuses that).
    sometimes(fc.tuple(fc.constantFrom(...FILL_KEYS), fc.option(literal)), 8),
  )
  .map(([valid, extra, swap, twice]) => {
    const out = [...valid];
    for (const [key, value, at] of extra) out.splice(at % (out.length + 1), 0, [key, value]);
    if (swap !== null) {
      const index = out.findIndex(([key]) => key === swap[0]);
      if (index >= 0) out[index] = swap;
      else out.push(swap);
    }
    if (twice !== null) {
      const [key, other] = twice;
      const first = out.find(([name]) => name === key);
      if (first !== undefined) out.push([key, other ?? first[1]]);
    }
    return out;
  });

/** JSON-ish text of members, with whitespace around every token; sometimes cut or padded. */
const payload = fc
  .tuple(
    members,
    fc.array(space, { minLength: 64, maxLength: 64 }),
    sometimes(fc.oneof(fc.nat(), fc.constantFrom('x', ',', '}', ' {}', '\u0000')), 8),
  )
  .map(([list, spaces, damage]) => {
    let s = 0;
    const ws = () => spaces[s++ % spaces.length] ?? '';
    const body = list.map(
      ([key, value]) => `${ws()}${JSON.stringify(key)}${ws()}:${ws()}${value}${ws()}`,
    );
    const text = `${ws()}{${body.join(',')}${list.length === 0 ? ws() : ''}}${ws()}`;
    if (damage === null) return text;
    return typeof damage === 'number' ? text.slice(0, damage % (text.length + 1)) : text + damage;
  });

function expectSame(
  fast: Result<StreamEventDecoded<FillEvent>>,
  whole: Result<StreamEventDecoded<FillEvent>>,
): void {
  expect(fast.success).toBe(whole.success);
  if (!fast.success || !whole.success) {
    if (!fast.success && !whole.success) {
      expect(fast.error.message).toBe(whole.error.message);
      expect(fast.error.issues).toEqual(whole.error.issues);
    }
    return;
  }
  expect(fast.data.value).toEqual(whole.data.value);
  expect(Object.keys(fast.data.value)).toEqual(Object.keys(whole.data.value));
  expect(Object.isFrozen(fast.data.value)).toBe(Object.isFrozen(whole.data.value));
  expect(Object.entries(fast.data.wire)).toEqual(Object.entries(whole.data.wire));
  expect([...fast.data.unknownKeys]).toEqual([...whole.data.unknownKeys]);
  // And the wire decodes to the same value through the codec itself.
  const codec = safeDecodeFillEvent({ ...fast.data.wire });
  expect(codec.success && codec.data).toEqual(fast.data.value);
}

describe('decodeFillEventText: the plain shape read directly', () => {
  it('equals the whole route on payloads valid and not (property)', () => {
    let plain = 0;
    let parsed = 0;
    let refused = 0;
    fc.assert(
      fc.property(payload, (text) => {
        const fast = decodeFillEventText(text);
        expectSame(fast, decodeFillEventTextParsed(text));
        if (!fast.success) refused++;
        else if (Object.getPrototypeOf(fast.data.wire) === null) parsed++;
        else plain++;
      }),
      { numRuns: 3000 },
    );
    // Every route was taken: the direct reading, the whole one, a refusal.
    expect(plain).toBeGreaterThan(300);
    expect(parsed).toBeGreaterThan(30);
    expect(refused).toBeGreaterThan(300);
  });

  it('equals the whole route on JSON values of every kind and on random text (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json(),
          fc.string({ unit: 'binary', maxLength: 40 }),
          fc
            .dictionary(fc.constantFrom(...FILL_KEYS), fc.jsonValue())
            .map((o) => JSON.stringify(o)),
        ),
        (text) => expectSame(decodeFillEventText(text), decodeFillEventTextParsed(text)),
      ),
      { numRuns: 1000 },
    );
  });

  it('reads the usual producer shapes directly, exactly', () => {
    const base =
      '"fill_id":"f-1","strategy_id":"alpha","symbol":"SPX","side":"buy","quantity":2,"price":100.5,"fee":0.1';
    for (const text of [
      `{${base},"timestamp_ns":"1700000000123456789"}`,
      `{${base},"timestamp_ns":1700000000123456789}`,
      // Python's json.dumps separators.
      `{${base.replaceAll(',', ', ').replaceAll(':', ': ')}, "timestamp_ns": 1700000000123456789}`,
      `{${base},"timestamp_ns":"1700000000123456789","venue":"XNAS"}`,
    ]) {
      const result = decodeFillEventText(text);
      expect(result.success).toBe(true);
      if (!result.success) return;
      expect(Object.getPrototypeOf(result.data.wire)).toBe(Object.prototype);
      expect(result.data.value.timestampNs).toBe(1700000000123456789n);
      expect(result.data.wire.timestamp_ns).toBe('1700000000123456789');
      expectSame(result, decodeFillEventTextParsed(text));
    }
  });

  it('refuses bytes that are not UTF-8 before reading them (property)', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc
        .tuple(payload, fc.nat(), fc.constantFrom(0xff, 0xc3, 0x80, 0xed))
        .map(([text, at, byte]) => {
          const raw = Buffer.from(text, 'utf8');
          const out = Buffer.alloc(raw.length + 1);
          const i = at % (raw.length + 1);
          raw.copy(out, 0, 0, i);
          out[i] = byte;
          raw.copy(out, i + 1, i);
          return new Uint8Array(out);
        }),
    );
    fc.assert(
      fc.property(bytes, (data) => {
        const text = decodeUtf8(data);
        const result = decodeFillEventBytes(data);
        if (text === null) {
          expect(result.success).toBe(false);
          if (!result.success) expect(result.error.message).toBe('payload is not valid UTF-8');
        } else {
          expectSame(result, decodeFillEventTextParsed(text));
        }
      }),
      { numRuns: 500 },
    );
  });
});
