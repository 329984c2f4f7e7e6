// Hostile live input against the tracker and the mark guard: ids named like Object.prototype
// members, numbers that overflow, fills older than the dedupe window, first marks far off.
import { describe, expect, it } from 'vitest';
import { MarkGuard } from './mark-guard.js';
import { MAX_AMOUNT, PortfolioTracker } from './tracker.js';
import { fill, makeConfig } from './test-util.test-util.js';

describe('ids are data', () => {
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
    'a fill of symbol %s values the sleeve exactly like every other symbol',
    (symbol) => {
      // Twin books: the same fills, one on symbol SPX, one on the odd name.
      const odd = new PortfolioTracker(makeConfig());
      const plain = new PortfolioTracker(makeConfig());
      odd.onFill(fill('A', symbol, 'buy', 100, 200, 0, { fillId: 'x1' }));
      plain.onFill(fill('A', 'SPX', 'buy', 100, 200, 0, { fillId: 'x1' }));
      // 100 x 200 = 20,000 moved from cash into units: capital stays 60,000.
      expect(odd.getStrategyCapital('A')).toBe(60000);
      const state = odd.getState();
      const positions = state.sleeves[0]?.positions ?? {};
      expect(Object.keys(positions)).toEqual([symbol]);
      expect(positions[symbol]).toBe(100);
      expect(odd.getPriceMap()[symbol]).toBe(200);
      expect(Object.keys(odd.getPriceMap())).toEqual([symbol]);
      const a = odd.getSnapshot(1n);
      const b = plain.getSnapshot(1n);
      expect(a.strategyAllocations).toEqual(b.strategyAllocations);
      expect(a.driftFromTarget).toEqual(b.driftFromTarget);
      expect(a.needsRebalance).toBe(b.needsRebalance);
      expect(Object.keys(odd.getSleeve('A').positions)).toEqual([symbol]);
    },
  );

  it('keeps a strategy id that is an Object.prototype member in snapshots', () => {
    const tracker = new PortfolioTracker(
      makeConfig([
        { id: '__proto__', weight: 0.5 },
        { id: 'constructor', weight: 0.5 },
      ]),
    );
    const snapshot = tracker.getSnapshot(0n);
    expect(Object.keys(snapshot.strategyAllocations)).toEqual(['__proto__', 'constructor']);
    expect(snapshot.strategyAllocations['__proto__']).toBe(50000);
    expect(Object.keys(snapshot.targetAllocations)).toEqual(['__proto__', 'constructor']);
    expect(JSON.parse(JSON.stringify(snapshot.driftFromTarget))).toEqual(
      JSON.parse('{"__proto__":0,"constructor":0}'),
    );
  });
});

describe('numbers that would overflow are refused, nothing changed', () => {
  it('refuses a 1e200 x 1e200 fill (out_of_range) and applies the next one', () => {
    const tracker = new PortfolioTracker(makeConfig());
    const before = JSON.stringify(tracker.serialize());
    const result = tracker.onFill(fill('A', 'SPX', 'buy', 1e200, 1e200));
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.error.code).toBe('out_of_range');
    expect(result.error.message).toContain('1e+200 x 1e+200');
    expect(JSON.stringify(tracker.serialize())).toBe(before);
    const next = tracker.onFill(fill('A', 'SPX', 'buy', 10, 100));
    expect(next.success && next.data.status).toBe('applied');
    // 60,000 - 10 x 100 = 59,000 cash
    expect(tracker.getCash('A')).toBe(59000);
  });

  it('refuses a fill whose notional fits but pushes the book past MAX_AMOUNT', () => {
    const tracker = new PortfolioTracker(makeConfig());
    // 1e299 x 9 = 9e299 notional (<= 1e300), but the sleeve then holds 9e299 of units
    // and -9e299 of cash: gross 1.8e300 > 1e300.
    const result = tracker.onFill(fill('A', 'SPX', 'buy', 9, 1e299));
    expect(result.success).toBe(false);
    if (!result.success) expect(result.error.code).toBe('out_of_range');
    expect(tracker.appliedFillCount).toBe(0);
  });

  it('says a 1.7e308 mark cannot be applied, and a normal one can', () => {
    const tracker = new PortfolioTracker(makeConfig());
    tracker.onFill(fill('A', 'SPX', 'buy', 1, 100));
    expect(tracker.checkMark('SPX', 1.7e308)).toContain('beyond');
    // 2e299 per unit x 10 units would make the gross 2e300 > MAX_AMOUNT (1e300).
    tracker.onFill(fill('A', 'SPX', 'buy', 9, 100));
    expect(tracker.checkMark('SPX', MAX_AMOUNT / 5)).toContain("book's gross value");
    expect(tracker.checkMark('SPX', 101)).toBeNull();
    expect(tracker.checkMark('SPX', Number.NaN)).toContain('finite number > 0');
    // A symbol nobody holds: only the price itself is checked.
    expect(tracker.checkMark('QQQ', 1e299)).toBeNull();
  });
});

describe('dedupe window', () => {
  it('refuses fills stamped before the horizon (too_old) and still dedupes younger ones', () => {
    const tracker = new PortfolioTracker(makeConfig(), { dedupeWindowNs: 1000n });
    const young = fill('A', 'SPX', 'buy', 1, 100, 0, { fillId: 'y', timestampNs: 5000n });
    const old = fill('A', 'SPX', 'buy', 1, 100, 0, { fillId: 'o', timestampNs: 3000n });
    expect(tracker.onFill(old).success).toBe(true);
    expect(tracker.onFill(young).success).toBe(true);
    tracker.forgetFillsBefore(4000n);
    const again = tracker.onFill(old);
    expect(again.success).toBe(false);
    if (!again.success) expect(again.error.code).toBe('too_old');
    const duplicate = tracker.onFill(young);
    expect(duplicate.success && duplicate.data.status).toBe('duplicate');
    // The horizon survives a checkpoint.
    const restored = PortfolioTracker.restore(makeConfig(), tracker.serialize(), {
      dedupeWindowNs: 1000n,
    });
    expect(restored.dedupeHorizonNs).toBe(4000n);
    const afterRestore = restored.onFill(old);
    expect(!afterRestore.success && afterRestore.error.code).toBe('too_old');
    expect(restored.getCash('A')).toBe(tracker.getCash('A'));
  });
});

describe('MarkGuard', () => {
  it("holds a symbol's first mark to max_mark_jump against the given reference", () => {
    const guard = new MarkGuard(0.5);
    // Last fill at 100: a first mark of 1e8 (a 1e6 x jump) is refused, 140 (+40%) accepted.
    const verdict = guard.check('SPX', 1e8, 10n, 100);
    expect(verdict).toEqual({ kind: 'jump', lastPrice: 100, jump: 1e8 / 100 - 1 });
    expect(guard.check('SPX', 140, 10n, 100).kind).toBe('accept');
    // No reference (never filled): accepted as before.
    expect(guard.check('QQQ', 1e8, 10n).kind).toBe('accept');
  });

  it('counts a mark older than the last accepted one as stale', () => {
    const guard = new MarkGuard(0.5);
    guard.accept('SPX', 100, 50n);
    expect(guard.check('SPX', 100, 49n)).toEqual({ kind: 'stale', lastTimestampNs: 50n });
    expect(guard.lastTimestampNs('SPX')).toBe(50n);
  });
});
