// Stream events as other producers write them: exact integer timestamps, extra keys, bad UTF-8.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fillEventArb, priceMarkArb } from './arbitraries.test-util.js';
import { encodeFillEvent, encodePriceMark, safeDecodeFillEvent } from './events.js';
import { createIdRecord } from './id-record.js';
import {
  decodeFillEventBytes,
  decodeFillEventText,
  decodeManagerCommand,
  decodePriceMarkText,
  decodeUtf8,
} from './stream-input.js';

const base = {
  fill_id: 'f-1',
  strategy_id: 'alpha',
  symbol: 'SPX',
  side: 'buy',
  quantity: 2,
  price: 100.5,
  fee: 0.1,
};

describe('decodeFillEventText', () => {
  it('reads a JSON integer timestamp_ns exactly (Python json.dumps writes integers)', () => {
    // 1700000000123456789 is not a double: JSON.parse gives 1700000000123456800.
    const text = `{"fill_id":"f-1","strategy_id":"alpha","symbol":"SPX","side":"buy","quantity":2,"price":100.5,"fee":0.1,"timestamp_ns":1700000000123456789}`;
    expect(BigInt((JSON.parse(text) as { timestamp_ns: number }).timestamp_ns)).not.toBe(
      1700000000123456789n,
    );
    const result = decodeFillEventText(text);
    expect(result.success).toBe(true);
    if (!result.success) return;
    expect(result.data.value.timestampNs).toBe(1700000000123456789n);
    // The wire form keeps the contract's decimal string.
    expect(result.data.wire.timestamp_ns).toBe('1700000000123456789');
    expect(JSON.stringify(result.data.wire)).toContain('"timestamp_ns":"1700000000123456789"');
  });

  it('reads the same fill from a decimal string and from a JSON integer', () => {
    const asString = decodeFillEventText(
      JSON.stringify({ ...base, timestamp_ns: '1700000000123456789' }),
    );
    const asInteger = decodeFillEventText(
      `${JSON.stringify(base).slice(0, -1)},"timestamp_ns":1700000000123456789}`,
    );
    expect(asString.success && asInteger.success).toBe(true);
    if (!asString.success || !asInteger.success) return;
    expect(asInteger.data.value).toEqual(asString.data.value);
  });

  it.each([
    ['1.7e18', '1.7e18'],
    ['1700000000000000000.5', '1700000000000000000.5'],
    ['1E3', '1E3'],
  ])('refuses a JSON number timestamp that is not an integer literal (%s)', (literal, shown) => {
    const result = decodeFillEventText(`{"fill_id":"f","timestamp_ns":${literal}}`);
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.error.issues[0]?.path).toBe('timestamp_ns');
    expect(result.error.message).toContain(shown);
  });

  it('ignores keys it does not know and lists them', () => {
    const result = decodeFillEventText(
      JSON.stringify({ ...base, timestamp_ns: '5', venue: 'XNAS', __proto__x: 1 }),
    );
    expect(result.success).toBe(true);
    if (!result.success) return;
    expect(result.data.unknownKeys).toEqual(['venue', '__proto__x']);
    expect(Object.keys(result.data.wire)).not.toContain('venue');
  });

  it('treats an own "__proto__" key as an unknown key, not as a prototype', () => {
    const result = decodeFillEventText(
      `{"__proto__":{"quantity":1e308},"fill_id":"f","strategy_id":"alpha","symbol":"SPX","side":"sell","quantity":1,"price":2,"fee":0,"timestamp_ns":"7"}`,
    );
    expect(result.success).toBe(true);
    if (!result.success) return;
    expect(result.data.unknownKeys).toEqual(['__proto__']);
    expect(result.data.value.quantity).toBe(1);
  });

  it('accepts ids named like Object.prototype members as plain data', () => {
    for (const symbol of ['__proto__', 'constructor', 'toString']) {
      const result = decodeFillEventText(JSON.stringify({ ...base, symbol, timestamp_ns: '1' }));
      expect(result.success && result.data.value.symbol).toBe(symbol);
    }
  });

  it('gives the codec messages for invalid input (quantity, missing field, overflow literal)', () => {
    const invalid = [
      { ...base, quantity: -1, timestamp_ns: '1' },
      { ...base, price: 0, timestamp_ns: '1' },
      { ...base, timestamp_ns: '1.5' },
      { ...base, side: 'hold', timestamp_ns: '1' },
    ];
    for (const raw of invalid) {
      const fast = decodeFillEventText(JSON.stringify(raw));
      const codec = safeDecodeFillEvent(raw);
      expect(fast.success).toBe(false);
      expect(codec.success).toBe(false);
      if (fast.success || codec.success) continue;
      expect(fast.error.message).toBe(codec.error.message);
    }
    const infinite = decodeFillEventText(
      `{"fill_id":"f","strategy_id":"alpha","symbol":"SPX","side":"buy","quantity":1e999,"price":1,"fee":0,"timestamp_ns":"1"}`,
    );
    expect(infinite.success).toBe(false);
  });

  it('says what is wrong with text that is not a JSON object', () => {
    for (const text of ['{', '[1]', '"x"', 'null']) {
      const result = decodeFillEventText(text);
      expect(result.success).toBe(false);
    }
  });

  it('agrees with the contract on every valid fill, either timestamp form (property)', () => {
    fc.assert(
      fc.property(fillEventArb, fc.boolean(), (fill, integer) => {
        const wire = encodeFillEvent(fill) as Record<string, unknown>;
        let text = JSON.stringify(wire);
        if (integer) text = text.replace(/"timestamp_ns":"(-?\d+)"/, '"timestamp_ns":$1');
        const result = decodeFillEventText(text);
        expect(result.success).toBe(true);
        if (!result.success) return;
        expect(result.data.value).toEqual(fill);
        expect(result.data.wire).toEqual(wire);
      }),
      { numRuns: 200 },
    );
  });
});

describe('decodePriceMarkText', () => {
  it('agrees with the contract on every valid mark (property)', () => {
    fc.assert(
      fc.property(priceMarkArb, (mark) => {
        const text = JSON.stringify(encodePriceMark(mark)).replace(
          /"timestamp_ns":"(-?\d+)"/,
          '"timestamp_ns":$1',
        );
        const result = decodePriceMarkText(text);
        expect(result.success && result.data.value).toEqual(mark);
      }),
      { numRuns: 200 },
    );
  });
});

describe('UTF-8', () => {
  it('refuses bytes that are not UTF-8 instead of reading them as U+FFFD', () => {
    // Two ids that differ only in invalid bytes would both read as "f\uFFFD" leniently.
    const a = Buffer.from([0x66, 0xff]);
    const b = Buffer.from([0x66, 0xfe]);
    expect(a.toString('utf8')).toBe(b.toString('utf8'));
    expect(decodeUtf8(a)).toBeNull();
    expect(decodeUtf8(b)).toBeNull();
    expect(decodeUtf8(Buffer.from('f\u00e9', 'utf8'))).toBe('f\u00e9');
    const payload = Buffer.concat([
      Buffer.from('{"fill_id":"f'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('","strategy_id":"alpha"}'),
    ]);
    const result = decodeFillEventBytes(payload);
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.error.message).toBe('payload is not valid UTF-8');
  });
});

describe('createIdRecord', () => {
  it('keeps __proto__, constructor and toString as keys', () => {
    const record = createIdRecord<number>();
    record['__proto__'] = 1;
    record['constructor'] = 2;
    const inherited: string = 'toString';
    expect(record[inherited]).toBeUndefined();
    expect(Object.keys(record)).toEqual(['__proto__', 'constructor']);
    expect(JSON.parse(JSON.stringify(record))).toEqual(
      JSON.parse('{"__proto__":1,"constructor":2}'),
    );
    // A plain object loses the first assignment: this is the bug the helper avoids.
    const plain: Record<string, number> = {};
    plain['__proto__'] = 1;
    expect(Object.keys(plain)).toEqual([]);
  });
});

describe('decodeManagerCommand', () => {
  it('reads a command with an exact timestamp, ignoring and listing unknown keys', () => {
    const decoded = decodeManagerCommand(
      '{"command":"halt","strategy_id":"a.b","timestamp_ns":1700000000123456789,"by":"ops"}',
    );
    expect(decoded.success).toBe(true);
    if (!decoded.success) return;
    expect(decoded.data.value).toEqual({
      command: 'halt',
      strategyId: 'a.b',
      timestampNs: 1_700_000_000_123_456_789n,
    });
    expect(decoded.data.unknownKeys).toEqual(['by']);
    expect(decoded.data.wire.timestamp_ns).toBe('1700000000123456789');
  });

  it('refuses an unknown command, a bad id, a missing time and bytes that are not UTF-8', () => {
    const bad = [
      '{"command":"reboot","timestamp_ns":"1"}',
      '{"command":"resume","strategy_id":"no spaces","timestamp_ns":"1"}',
      '{"command":"check"}',
    ];
    for (const text of bad) expect(decodeManagerCommand(text).success).toBe(false);
    expect(decodeManagerCommand(new Uint8Array([0xff, 0xfe])).success).toBe(false);
  });
});
