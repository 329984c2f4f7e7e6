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
      expect(index).toBeGreaterThanOrEqual(0);
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

  it('forgets whole time buckets older than the horizon and keeps every younger fill', () => {
    // buckets of 10 ns: fills at t = 0..99 land in shards [0..10], [11..21], ... (a new
    // shard starts when a fill is more than 10 ns after the shard's first).
    const ledger = new FillLedger(undefined, 10n);
    const s = ledger.intern('S');
    const x = ledger.intern('X');
    for (let n = 0; n < 100; n++) ledger.add(fillNumber(n), s, x);
    const dropped = ledger.forgetBefore(50n);
    expect(ledger.dedupeHorizonNs).toBe(50n);
    // Every fill stamped at or after the horizon is still known, with its content.
    for (let n = 50; n < 100; n++)
      expect(ledger.matches(ledger.find(`id${n}`), fillNumber(n))).toBe(true);
    // Shards are dropped whole: at most one bucket (11 fills) older than 50 is kept.
    expect(dropped).toBeGreaterThanOrEqual(50 - 11);
    expect(ledger.size).toBe(100 - dropped);
    expect(ledger.find('id0')).toBe(-1);
    expect(ledger.entries('p').length).toBe(ledger.size);
    // The horizon never moves back.
    expect(ledger.forgetBefore(10n)).toBe(0);
    expect(ledger.dedupeHorizonNs).toBe(50n);
    // Forgetting everything leaves an empty ledger that still takes fills.
    ledger.forgetBefore(1000n);
    expect(ledger.size).toBe(0);
    ledger.add(fillNumber(2000), s, x);
    expect(ledger.matches(ledger.find('id2000'), fillNumber(2000))).toBe(true);
  });

  it('holds memory to the window over a long run (property of the bucket scheme)', () => {
    // 200,000 fills 1 ns apart, window 1,000 ns, buckets of 125: at most window + one
    // bucket + the fills since the last horizon move are remembered at any time.
    const ledger = new FillLedger(undefined, 125n);
    const s = ledger.intern('S');
    const x = ledger.intern('X');
    let most = 0;
    for (let n = 0; n < 200_000; n++) {
      ledger.add(fillNumber(n), s, x);
      if (n % 100 === 0) ledger.forgetBefore(BigInt(n - 1000));
      most = Math.max(most, ledger.size);
    }
    expect(most).toBeLessThanOrEqual(1000 + 126 + 100);
  });

  it('numbers fills as recorded: entries since a number, the oldest still remembered', () => {
    // Buckets of 10 ns: fills 0..29 stamped n land in shards [0..10], [11..21], [22..29]
    // (a shard starts when a fill is stamped more than 10 after the shard's first).
    const ledger = new FillLedger(undefined, 10n);
    const s = ledger.intern('S');
    const x = ledger.intern('X');
    for (let n = 0; n < 30; n++) ledger.add(fillNumber(n), s, x);
    expect(ledger.added).toBe(30);
    expect(ledger.oldestRemembered).toBe(0);
    const ids = (since: number) => ledger.entries('p', since).map((entry) => entry[0]);
    expect(ids(0)).toHaveLength(30);
    expect(ids(17)).toEqual(Array.from({ length: 13 }, (_, k) => `id${17 + k}`));
    expect(ids(30)).toEqual([]);
    // Horizon 15: shard [0..10] goes (its newest, 10, is older); [11..21] stays.
    expect(ledger.forgetBefore(15n)).toBe(11);
    expect(ledger.oldestRemembered).toBe(11);
    expect(ledger.added).toBe(30);
    expect(ids(5)).toEqual(Array.from({ length: 19 }, (_, k) => `id${11 + k}`));
    expect(ids(25)).toEqual(['id25', 'id26', 'id27', 'id28', 'id29']);
    // Everything forgotten: the oldest remembered is the next number.
    ledger.forgetBefore(100n);
    expect(ledger.oldestRemembered).toBe(30);
    ledger.add(fillNumber(100), s, x);
    expect(ids(0)).toEqual(['id100']);
    expect(ledger.oldestRemembered).toBe(30);
  });
});
