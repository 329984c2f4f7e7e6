// The return sampler by hand-worked numbers: flow adjustment, period chaining, the window, the wire.
import { describe, expect, it } from 'vitest';
import { decodeReturnHistory, ReturnSampler } from './return-sampler.js';

function sampler(ids: readonly string[], periodNs = 100n, windowNs = 10_000n) {
  return new ReturnSampler(ids, { periodNs, windowNs });
}

describe('ReturnSampler', () => {
  it('excludes a transfer from the return', () => {
    const s = sampler(['a']);
    expect(s.onSnapshot(0n, { a: 1000 })).toBe(false);
    s.onTransfers({ a: 500 });
    // (1500 - 500) / 1000 - 1 = 0: the 500 is a transfer, not a gain.
    expect(s.onSnapshot(50n, { a: 1500 })).toBe(false);
    // 1575 / 1500 - 1 = 0.05; the period (0, 100] returns (1 + 0)(1 + 0.05) - 1 = 0.05 (not 0.575).
    expect(s.onSnapshot(100n, { a: 1575 })).toBe(true);
    const history = s.history(null).a;
    expect([...(history?.timestampsNs ?? [])]).toEqual([100n]);
    expect(history?.returns[0]).toBeCloseTo(0.05, 14);
  });

  it('chains the snapshot returns of a period (time-weighted)', () => {
    const s = sampler(['a']);
    s.onSnapshot(0n, { a: 1000 });
    s.onSnapshot(40n, { a: 1100 }); // +10%
    s.onTransfers({ a: -100 });
    s.onSnapshot(80n, { a: 1050 }); // (1050 + 100) / 1100 - 1
    s.onSnapshot(100n, { a: 1081.5 }); // +3%
    // 1.1 x 1150/1100 x 1.03 = 1.15 x 1.03 = 1.1845.
    expect(s.history(null).a?.returns[0]).toBeCloseTo(0.1845, 14);
  });

  it('closes periods on a grid from the first snapshot, also after downtime', () => {
    const s = sampler(['a']);
    for (const t of [0n, 60n, 100n, 450n, 499n, 500n]) s.onSnapshot(t, { a: 1000 });
    // Ends 100, then 200 (passed while down: 450 closes, next end 200 + 3 x 100 = 500), then 500.
    expect([...(s.history(null).a?.timestampsNs ?? [])]).toEqual([100n, 450n, 500n]);
    expect(s.size).toBe(3);
    expect(s.latestNs).toBe(500n);
  });

  it('keeps only the samples within the window of the latest', () => {
    const s = sampler(['a'], 100n, 250n);
    for (const t of [0n, 100n, 200n, 300n, 400n]) s.onSnapshot(t, { a: 1000 });
    // Kept: t > 400 - 250 = 150.
    expect([...(s.history(null).a?.timestampsNs ?? [])]).toEqual([200n, 300n, 400n]);
    // history(after) is the window of an adjustment at another time.
    expect([...(s.history(250n).a?.timestampsNs ?? [])]).toEqual([300n, 400n]);
  });

  it('marks a return missing while the sleeve has no capital', () => {
    const s = sampler(['a', 'b']);
    s.onSnapshot(0n, { a: 1000, b: 0 });
    s.onSnapshot(100n, { a: 1000, b: 0 });
    s.onTransfers({ a: -500, b: 500 });
    s.onSnapshot(150n, { a: 500, b: 500 }); // a: (500 + 500) / 1000 - 1 = 0; b: from 0, missing
    s.onSnapshot(200n, { a: 510, b: 490 }); // a +2%, b -2%
    const wire = s.historyWire(null);
    expect(wire.timestamps_ns).toEqual(['100', '200']);
    expect(wire.returns.a?.[0]).toBe(0);
    expect(wire.returns.a?.[1]).toBeCloseTo(0.02, 14);
    expect(wire.returns.b?.[0]).toBeNull();
    expect(wire.returns.b?.[1]).toBeCloseTo(-0.02, 14);
    // The wire decodes back to the records (null -> NaN).
    const decoded = decodeReturnHistory(wire);
    expect(Number.isNaN(decoded.b?.returns[0])).toBe(true);
    expect([...(decoded.b?.timestampsNs ?? [])]).toEqual([100n, 200n]);
  });

  it('under a new config: added strategies get missing returns, removed ones are dropped', () => {
    const s = sampler(['a', 'b']);
    s.onSnapshot(0n, { a: 1000, b: 1000 });
    s.onSnapshot(100n, { a: 1100, b: 1000 });
    s.reconfigure(['a', 'c'], { periodNs: 100n, windowNs: 10_000n });
    s.onSnapshot(200n, { a: 1210, c: 500 });
    const wire = s.historyWire(null);
    expect(Object.keys(wire.returns)).toEqual(['a', 'c']);
    // a: +10% twice; c: nothing at 100, and no capital before 200.
    expect(wire.returns.a?.map((r) => Number(r?.toFixed(12)))).toEqual([0.1, 0.1]);
    expect(wire.returns.c).toEqual([null, null]);
  });

  it('rejects a malformed checkpoint', () => {
    const s = sampler(['a']);
    const json = { ...s.toJSON(), last_capital: { a: 'x' } };
    expect(() => s.restore(json as never)).toThrow(/last_capital\.a/);
  });

  it('throws RiskError invalid_history for a history whose lengths or timestamps are broken', () => {
    const s = sampler(['a']);
    // Two timestamps, one return: the lengths disagree.
    const short = { ...s.toJSON(), history: { timestamps_ns: ['1', '2'], returns: { a: [0] } } };
    expect(() => s.restore(short)).toThrow(
      expect.objectContaining({ _tag: 'RiskError', code: 'invalid_history' }),
    );
    expect(() => decodeReturnHistory({ timestamps_ns: ['1.5'], returns: {} })).toThrow(
      /timestamps_ns\[0\]/,
    );
  });

  it('rejects duplicate ids and a period or window that is not positive', () => {
    expect(() => sampler(['a', 'a'])).toThrow(
      expect.objectContaining({ _tag: 'RiskError', code: 'invalid_options' }),
    );
    expect(() => sampler(['a'], 0n)).toThrow(
      expect.objectContaining({ _tag: 'RiskError', code: 'invalid_options' }),
    );
    expect(() => sampler(['a'], 100n, 0n)).toThrow(
      expect.objectContaining({ _tag: 'RiskError', code: 'invalid_options' }),
    );
    expect(() => sampler(['a']).reconfigure(['a'], { periodNs: -1n, windowNs: 10n })).toThrow(
      expect.objectContaining({ _tag: 'RiskError', code: 'invalid_options' }),
    );
  });
});
