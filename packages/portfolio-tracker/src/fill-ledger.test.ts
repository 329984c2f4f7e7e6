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
    for (let n = 0; n < 10; n++) ledger.add(fillNumber(n));
    expect(ledger.size).toBe(10);
    for (let n = 0; n < 10; n++) {
      const index = ledger.find(`id${n}`);
      expect(index).toBeGreaterThanOrEqual(0);
      expect(ledger.matches(index, fillNumber(n))).toBe(true);
      expect(ledger.matches(index, { ...fillNumber(n), quantity: n })).toBe(false);
    }
    expect(ledger.find('nope')).toBe(-1);
    // Packed and read back into another ledger: the same ids, the same content.
    const packed = ledger.packed();
    expect(packed.count).toBe(10);
    const read = new FillLedger(4);
    read.addPacked(JSON.parse(JSON.stringify(packed)) as typeof packed, 'fills');
    for (let n = 0; n < 10; n++) {
      expect(read.matches(read.find(`id${n}`), fillNumber(n))).toBe(true);
      expect(read.matches(read.find(`id${n}`), { ...fillNumber(n), intentId: 'i' })).toBe(false);
    }
    expect(read.find('id10')).toBe(-1);
    expect(read.packed()).toEqual(packed);
    // The columns given as their bytes (as a caller with its own decoder does): the same.
    const bytes = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    const fromBytes = new FillLedger();
    fromBytes.addPacked(
      {
        count: 10,
        id_hashes: bytes(packed.id_hashes),
        content_hashes: bytes(packed.content_hashes),
        timestamps_ns: bytes(packed.timestamps_ns),
      },
      'fills',
    );
    expect(fromBytes.packed()).toEqual(packed);
  });

  it('matches content field by field: every field counts, -0 is 0', () => {
    const ledger = new FillLedger();
    const base: FillEvent = { ...fillNumber(4), intentId: 'plan:0', portfolioId: 'p' };
    const { intentId: _i, ...withoutIntent } = base;
    const { portfolioId: _p, ...withoutPortfolio } = base;
    ledger.add(base);
    const at = ledger.find('id4');
    expect(ledger.matches(at, { ...base })).toBe(true);
    expect(ledger.matches(at, { ...base, fee: -0 })).toBe(true);
    const changed: Partial<FillEvent>[] = [
      { strategyId: 'T' },
      { symbol: 'Y' },
      { side: 'sell' },
      { quantity: 4.5000000001 },
      { price: 10.5 },
      { fee: 0.01 },
      { timestampNs: 5n },
      { intentId: 'plan:1' },
    ];
    for (const change of changed)
      expect(ledger.matches(at, { ...base, ...change }), Object.keys(change)[0]).toBe(false);
    expect(ledger.matches(at, withoutIntent)).toBe(false);
    expect(ledger.matches(at, withoutPortfolio)).toBe(false);
  });

  it('refuses packed columns of the wrong size or not base64', () => {
    const ledger = new FillLedger();
    for (let n = 0; n < 3; n++) ledger.add(fillNumber(n));
    const packed = ledger.packed();
    const read = () => new FillLedger();
    expect(() => read().addPacked({ ...packed, count: 4 }, 'f')).toThrow(
      /f\.id_hashes: must hold 4 x 16 bytes, got 48/,
    );
    expect(() => read().addPacked({ ...packed, content_hashes: '*' }, 'f')).toThrow(
      /f\.content_hashes: must be base64/,
    );
    expect(() => read().addPacked({ ...packed, timestamps_ns: '' }, 'f')).toThrow(
      /f\.timestamps_ns: must hold 3 x 8 bytes, got 0/,
    );
  });

  it('grows its columns past the initial capacity', () => {
    const ledger = new FillLedger();
    for (let n = 0; n < 5000; n++) ledger.add(fillNumber(n));
    expect(ledger.matches(ledger.find('id4999'), fillNumber(4999))).toBe(true);
    expect(ledger.matches(ledger.find('id0'), fillNumber(0))).toBe(true);
  });

  it('forgets whole time buckets older than the horizon and keeps every younger fill', () => {
    // buckets of 10 ns: fills at t = 0..99 land in shards [0..10], [11..21], ... (a new
    // shard starts when a fill is more than 10 ns after the shard's first).
    const ledger = new FillLedger(undefined, 10n);
    for (let n = 0; n < 100; n++) ledger.add(fillNumber(n));
    const dropped = ledger.forgetBefore(50n);
    expect(ledger.dedupeHorizonNs).toBe(50n);
    // Every fill stamped at or after the horizon is still known, with its content.
    for (let n = 50; n < 100; n++)
      expect(ledger.matches(ledger.find(`id${n}`), fillNumber(n))).toBe(true);
    // Shards are dropped whole: at most one bucket (11 fills) older than 50 is kept.
    expect(dropped).toBeGreaterThanOrEqual(50 - 11);
    expect(ledger.size).toBe(100 - dropped);
    expect(ledger.find('id0')).toBe(-1);
    expect(ledger.packed().count).toBe(ledger.size);
    // The horizon never moves back.
    expect(ledger.forgetBefore(10n)).toBe(0);
    expect(ledger.dedupeHorizonNs).toBe(50n);
    // Forgetting everything leaves an empty ledger that still takes fills.
    ledger.forgetBefore(1000n);
    expect(ledger.size).toBe(0);
    ledger.add(fillNumber(2000));
    expect(ledger.matches(ledger.find('id2000'), fillNumber(2000))).toBe(true);
  });

  it('holds memory to the window over a long run (property of the bucket scheme)', () => {
    // 200,000 fills 1 ns apart, window 1,000 ns, buckets of 125: at most window + one
    // bucket + the fills since the last horizon move are remembered at any time.
    const ledger = new FillLedger(undefined, 125n);
    let most = 0;
    for (let n = 0; n < 200_000; n++) {
      ledger.add(fillNumber(n));
      if (n % 100 === 0) ledger.forgetBefore(BigInt(n - 1000));
      most = Math.max(most, ledger.size);
    }
    expect(most).toBeLessThanOrEqual(1000 + 126 + 100);
  });

  it('numbers fills as recorded: entries since a number, the oldest still remembered', () => {
    // Buckets of 10 ns: fills 0..29 stamped n land in shards [0..10], [11..21], [22..29]
    // (a shard starts when a fill is stamped more than 10 after the shard's first).
    const ledger = new FillLedger(undefined, 10n);
    for (let n = 0; n < 30; n++) ledger.add(fillNumber(n));
    expect(ledger.added).toBe(30);
    expect(ledger.oldestRemembered).toBe(0);
    // The ids of `packed(since)`: read back into a ledger, which of id0..id199 it knows.
    const ids = (since: number) => {
      const read = new FillLedger();
      read.addPacked(ledger.packed(since), 'fills');
      const known = Array.from({ length: 200 }, (_, n) => `id${n}`).filter(
        (id) => read.find(id) >= 0,
      );
      expect(known).toHaveLength(read.size);
      return known;
    };
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
    ledger.add(fillNumber(100));
    expect(ids(0)).toEqual(['id100']);
    expect(ledger.oldestRemembered).toBe(30);
  });
});
