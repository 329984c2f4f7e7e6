import type { FillEvent } from '@njord/portfolio-contracts';
import { describe, expect, it } from 'vitest';
import { FillLedger } from './fill-ledger.js';

function fillNumber(n: number): FillEvent {
  return {
    fillId: `id${n}`,
    strategyId: 'S',
    symbol: 'X',
    side: n % 2 ? 'sell' : 'buy',
    quantity: n + 0.5,
    price: 10,
    fee: 0,
    timestampNs: BigInt(n),
  };
}

describe('FillLedger', () => {
  it('finds and matches fills across shards and lists them in order', () => {
    // shards of 3: 10 fills -> 4 shards (3 + 3 + 3 + 1)
    const ledger = new FillLedger(3);
    const s = ledger.intern('S');
    const x = ledger.intern('X');
    for (let n = 0; n < 10; n++) ledger.add(fillNumber(n), s, x);
    expect(ledger.size).toBe(10);
    for (let n = 0; n < 10; n++) {
      const index = ledger.find(`id${n}`);
      expect(index).toBe(n);
      expect(ledger.matches(index, fillNumber(n))).toBe(true);
      expect(ledger.matches(index, { ...fillNumber(n), quantity: n })).toBe(false);
    }
    expect(ledger.find('nope')).toBe(-1);
    expect(ledger.entries('p').map((entry) => entry[0])).toEqual(
      Array.from({ length: 10 }, (_, n) => `id${n}`),
    );
    // fill 3: sell (odd), quantity 3.5, no portfolio or intent id
    expect(ledger.entries('p')[3]).toEqual(['id3', 'S', 'X', 'sell', 3.5, 10, 0, '3', null, null]);
  });

  it('grows its columns past the initial capacity', () => {
    const ledger = new FillLedger();
    const s = ledger.intern('S');
    const x = ledger.intern('X');
    for (let n = 0; n < 5000; n++) ledger.add(fillNumber(n), s, x);
    expect(ledger.matches(ledger.find('id4999'), fillNumber(4999))).toBe(true);
    expect(ledger.matches(ledger.find('id0'), fillNumber(0))).toBe(true);
  });
});
