// Validation of live wire contracts: what the manager dead-letters, with paths and messages.
import { describe, expect, it } from 'vitest';
import { decodeFillEvent, safeDecodeFillEvent, safeDecodePriceMark } from './events.js';

const fill = {
  fill_id: 'f-1',
  strategy_id: 'momentum_v1',
  symbol: 'SPX',
  side: 'buy',
  quantity: 2,
  price: 100.5,
  fee: 0.1,
  timestamp_ns: '1700000000000000000',
};

function messages(raw: unknown): string[] {
  const result = safeDecodeFillEvent(raw);
  return result.success ? [] : result.error.message.split('\n');
}

describe('FillEvent', () => {
  it('decodes to camelCase with a bigint timestamp, frozen', () => {
    const decoded = decodeFillEvent(fill);
    expect(decoded).toEqual({
      fillId: 'f-1',
      strategyId: 'momentum_v1',
      symbol: 'SPX',
      side: 'buy',
      quantity: 2,
      price: 100.5,
      fee: 0.1,
      timestampNs: 1700000000000000000n,
    });
    expect(Object.isFrozen(decoded)).toBe(true);
  });

  it.each([
    [{ quantity: -1 }, 'quantity: must be > 0, got -1'],
    [{ price: 0 }, 'price: must be > 0, got 0'],
    [{ fee: -0.5 }, 'fee: must be >= 0, got -0.5'],
    [{ side: 'short' }, 'side: must be one of "buy" | "sell", got "short"'],
    [
      { timestamp_ns: 1.5 },
      'timestamp_ns: must be an integer number of nanoseconds since the epoch as a decimal string, got 1.5',
    ],
    [
      { timestamp_ns: 2 ** 60 },
      `timestamp_ns: must be an integer number of nanoseconds since the epoch as a decimal string, got ${String(2 ** 60)}`,
    ],
    [
      { timestamp_ns: '12.5' },
      'timestamp_ns: must be an integer number of nanoseconds since the epoch as a decimal string, got "12.5"',
    ],
    [{ strategy_id: undefined }, 'strategy_id: is required'],
    [
      { venue: 'x' },
      'venue: unknown key (allowed: fill_id, strategy_id, symbol, side, quantity, price, fee, timestamp_ns, portfolio_id, intent_id)',
    ],
  ])('%j -> %s', (patch, message) => {
    const raw: Record<string, unknown> = { ...fill, ...patch };
    if ('strategy_id' in patch && patch.strategy_id === undefined) delete raw.strategy_id;
    expect(messages(raw)).toEqual([message]);
  });

  it('accepts a safe-integer JSON number as a timestamp', () => {
    expect(decodeFillEvent({ ...fill, timestamp_ns: 1234 }).timestampNs).toBe(1234n);
  });

  it('rejects a price that JSON made infinite', () => {
    const raw = JSON.parse('{"symbol":"SPX","price":1e999,"timestamp_ns":"1"}') as unknown;
    const result = safeDecodePriceMark(raw);
    expect(result.success ? '' : result.error.message).toBe(
      'price: must be a finite number, got Infinity',
    );
  });
});
