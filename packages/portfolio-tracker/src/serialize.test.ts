import { describe, expect, it } from 'vitest';
import { isTrackerError, type TrackerError } from './errors.js';
import { appliedFillCount, type TrackerStateJson } from './state-json.js';
import { PortfolioTracker } from './tracker.js';
import { fill, makeConfig, plan } from './test-util.test-util.js';

function thrown(fn: () => unknown): TrackerError {
  try {
    fn();
  } catch (error) {
    if (isTrackerError(error)) return error;
    throw error;
  }
  throw new Error('expected a TrackerError');
}

function sample(): PortfolioTracker {
  const tracker = new PortfolioTracker(makeConfig(), { startNs: 11n });
  tracker.onFill(
    fill('A', 'XYZ', 'buy', 100, 10, 1, { fillId: 'a1', portfolioId: 'p1', timestampNs: 1n }),
  );
  tracker.onFill(
    fill('B', 'UNM', 'sell', 3, 7, 0, { fillId: 'b1', intentId: 'plan:0', timestampNs: 2n }),
  );
  tracker.setMark('XYZ', 12, 5n);
  tracker.applyPlan(plan({ planId: 'plan', transfers: { A: -100, B: 100 }, timestampNs: 20n }));
  return tracker;
}

describe('serialize / restore', () => {
  it('writes plain JSON with bigints as decimal strings', () => {
    const state = sample().serialize();
    // A: 60000 - 1000 - 1 - 100 (transfer) = 58899; XYZ 100 units at avg 10, fee 1
    expect(state.sleeves[0]).toEqual({
      strategy_id: 'A',
      cash: 58899,
      positions: [{ symbol: 'XYZ', units: 100, average_cost: 10, realized_pnl: 0, fees: 1 }],
    });
    expect(state.last_rebalance_ns).toBe('20');
    expect(state.symbols).toEqual([
      { symbol: 'XYZ', price: 12, marked_ns: '5' },
      { symbol: 'UNM', price: 7, marked_ns: null },
    ]);
    // Packed: the ids' MurmurHash3_x86_128 (from another implementation, the npm package
    // murmurhash3js-revisited, over 'a1' and 'b1' as UTF-16LE), and the stamps 1 and 2 as int64 LE.
    expect(state.version).toBe(3);
    expect(state.applied_fills).toEqual({
      count: 2,
      id_hashes: 'CwyHm9cYKO7XGCju1xgo7qyn3wthBXAiYQVwImEFcCI=',
      content_hashes: expect.stringMatching(/^[A-Za-z0-9+/]{22}==$/) as unknown,
      timestamps_ns: 'AQAAAAAAAAACAAAAAAAAAA==',
    });
    expect(state.applied_plans).toEqual(['plan']);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });

  it('restores the same sleeves, marks, fill ids and plan ids', () => {
    const original = sample();
    const restored = PortfolioTracker.restore(
      makeConfig(),
      JSON.parse(JSON.stringify(original.serialize())) as TrackerStateJson,
    );
    expect(restored.serialize()).toEqual(original.serialize());
    expect(restored.getSnapshot(30n)).toEqual(original.getSnapshot(30n));
    expect(
      restored.onFill(
        fill('A', 'XYZ', 'buy', 100, 10, 1, { fillId: 'a1', portfolioId: 'p1', timestampNs: 1n }),
      ),
    ).toEqual({
      success: true,
      data: { status: 'duplicate' },
    });
    const conflict = restored.onFill(
      fill('B', 'UNM', 'sell', 3, 7, 0, { fillId: 'b1', timestampNs: 2n }),
    );
    expect(conflict.success ? null : conflict.error.code).toBe('fill_conflict');
    expect(restored.hasPlan('plan')).toBe(true);
  });

  it('restores under a changed config like reconfigure: new sleeves empty, removed ones retired', () => {
    const state = sample().serialize();
    const restored = PortfolioTracker.restore(
      makeConfig([
        { id: 'A', weight: 0.5 },
        { id: 'C', weight: 0.5 },
      ]),
      state,
    );
    expect(restored.getStrategyIds()).toEqual(['A', 'C', 'B']);
    expect(restored.getSleeve('B').retired).toBe(true);
    expect(restored.getSleeve('C').cash).toBe(0);
  });

  it('refuses a malformed state or another portfolio', () => {
    const state = sample().serialize();
    expect(
      thrown(() =>
        PortfolioTracker.restore(makeConfig(), {
          ...state,
          version: 2,
        } as unknown as TrackerStateJson),
      ).code,
    ).toBe('invalid_state');
    const broken = {
      ...state,
      sleeves: [{ strategy_id: 'A', cash: 'x', positions: [] }],
    } as unknown as TrackerStateJson;
    expect(thrown(() => PortfolioTracker.restore(makeConfig(), broken)).message).toMatch(
      /state\.sleeves\[0\]\.cash/,
    );
    expect(
      thrown(() => PortfolioTracker.restore(makeConfig(), { ...state, portfolio_id: 'p2' })).code,
    ).toBe('portfolio_mismatch');
  });

  it('a chain of states (each only the fills since the last) restores what a whole state does', () => {
    // 3,000 fills stamped 0, 10, 20, ... under a window of 2,000 ns; a link every 97 fills;
    // the horizon follows the newest stamp minus the window, as the live manager moves it.
    const window = 2_000n;
    const live = new PortfolioTracker(makeConfig(), { dedupeWindowNs: window });
    const links: TrackerStateJson[] = [];
    let since: number | undefined;
    for (let n = 0; n < 3000; n++) {
      const ts = BigInt(n * 10);
      if (ts > window) live.forgetFillsBefore(ts - window);
      const side = n % 3 === 0 ? 'sell' : 'buy';
      const result = live.onFill(
        fill(n % 2 ? 'A' : 'B', n % 5 ? 'XYZ' : 'UNM', side, 1 + (n % 7), 10 + (n % 11) / 4, 0.5, {
          fillId: `c${n}`,
          timestampNs: ts,
        }),
      );
      expect(result.success).toBe(true);
      if (n % 97 === 96) {
        links.push(live.serialize(since === undefined ? {} : { fillsSince: since }));
        since = live.ledgerAdded;
      }
    }
    links.push(live.serialize({ fillsSince: since ?? 0 }));
    const last = links.at(-1) as TrackerStateJson;
    expect(last.version).toBe(4);
    // Each link holds only its own fills: about 97, never the whole window (200 fills).
    for (const link of links.slice(1))
      expect(appliedFillCount(link.applied_fills)).toBeLessThanOrEqual(97);

    const whole = PortfolioTracker.restore(makeConfig(), live.serialize(), {
      dedupeWindowNs: window,
    });
    const chained = PortfolioTracker.restore(makeConfig(), last, {
      dedupeWindowNs: window,
      earlierFills: links.slice(0, -1).map((link) => link.applied_fills),
    });
    // The same sleeves, and every id stamped at or after the horizon (29,990 - 2,000) remembered.
    const { applied_fills: _a, ...wholeRest } = whole.serialize();
    const { applied_fills: _b, ...chainedRest } = chained.serialize();
    expect(chainedRest).toEqual(wholeRest);
    for (let n = 0; n < 3000; n++) {
      const inWindow = n * 10 >= 29_990 - 2_000;
      if (inWindow) expect(chained.hasFill(`c${n}`), `c${n}`).toBe(true);
    }
    expect(chained.dedupeHorizonNs).toBe(29_990n - 2_000n);
    // Older than the horizon: refused, not applied unchecked.
    const old = fill('A', 'XYZ', 'buy', 1, 10, 0, { fillId: 'c1', timestampNs: 10n });
    const refused = chained.onFill(old);
    expect(refused.success ? 'applied' : refused.error.code).toBe('too_old');
    // Without its earlier links a chained state is refused, never restored short.
    expect(thrown(() => PortfolioTracker.restore(makeConfig(), last)).code).toBe('invalid_state');
  });

  it('restores states written before fills were packed (versions 1 and 2), and mixed chains', () => {
    // sample()'s state as version 1 wrote it: each fill listed whole.
    const listed = [
      ['a1', 'A', 'XYZ', 'buy', 100, 10, 1, '1', 'p1', null],
      ['b1', 'B', 'UNM', 'sell', 3, 7, 0, '2', null, 'plan:0'],
    ] as const;
    const packedState = sample().serialize();
    const v1 = { ...packedState, version: 1, applied_fills: listed } as unknown as TrackerStateJson;
    const fromV1 = PortfolioTracker.restore(makeConfig(), v1);
    // Written again, packed: the state of the tracker that applied the fills itself.
    expect(fromV1.serialize()).toEqual(packedState);
    expect(
      fromV1.onFill(
        fill('A', 'XYZ', 'buy', 100, 10, 1, { fillId: 'a1', portfolioId: 'p1', timestampNs: 1n }),
      ),
    ).toEqual({ success: true, data: { status: 'duplicate' } });
    const conflict = fromV1.onFill(
      fill('B', 'UNM', 'sell', 3, 7, 0, { fillId: 'b1', timestampNs: 2n }),
    );
    expect(conflict.success ? null : conflict.error.code).toBe('fill_conflict');

    // A version 2 link whose earlier link is listed too, and a version 4 link after a listed one
    // (a manager that was upgraded between two checkpoints).
    const v2 = {
      ...packedState,
      version: 2,
      applied_fills: [listed[1]],
    } as unknown as TrackerStateJson;
    const earlier = [[listed[0]]];
    const fromV2 = PortfolioTracker.restore(makeConfig(), v2, { earlierFills: earlier });
    expect(fromV2.serialize()).toEqual(packedState);
    const upgraded = sample();
    const v4 = upgraded.serialize({ fillsSince: 1 });
    expect(v4.version).toBe(4);
    expect(appliedFillCount(v4.applied_fills)).toBe(1);
    const fromMixed = PortfolioTracker.restore(makeConfig(), v4, { earlierFills: earlier });
    expect(fromMixed.serialize()).toEqual(packedState);
    expect(['a1', 'b1', 'c1'].map((id) => fromMixed.hasFill(id))).toEqual([true, true, false]);
    // Listed fills in a packed version, or packed in a listed one, are refused.
    expect(
      thrown(() =>
        PortfolioTracker.restore(makeConfig(), { ...packedState, applied_fills: listed }),
      ).message,
    ).toMatch(/state\.applied_fills: must be packed/);
    expect(
      thrown(() =>
        PortfolioTracker.restore(makeConfig(), { ...v1, applied_fills: packedState.applied_fills }),
      ).message,
    ).toMatch(/state\.applied_fills: must be an array in a state of version 1/);
    expect(
      thrown(() =>
        PortfolioTracker.restore(makeConfig(), {
          ...v1,
          version: 5,
        } as unknown as TrackerStateJson),
      ).message,
    ).toMatch(/state\.version: must be 1, 2, 3 or 4, got 5/);
  });

  it('forgets applied plans stamped before the dedupe horizon, and keeps their times', () => {
    const tracker = new PortfolioTracker(makeConfig(), { dedupeWindowNs: 1000n });
    for (const [planId, timestampNs] of [
      ['p10', 10n],
      ['p20', 20n],
      ['p30', 30n],
    ] as const)
      tracker.applyPlan(plan({ planId, transfers: { A: -1, B: 1 }, timestampNs }));
    tracker.forgetFillsBefore(20n);
    // p10 is before the horizon; p20 is at it (kept, as a fill at the horizon is).
    expect(['p10', 'p20', 'p30'].map((id) => tracker.hasPlan(id))).toEqual([false, true, true]);
    const state = tracker.serialize();
    expect(state.applied_plans).toEqual(['p20', 'p30']);
    expect(state.applied_plan_ns).toEqual(['20', '30']);
    // Restored, the times go on: the next horizon forgets p20 only.
    const restored = PortfolioTracker.restore(
      makeConfig(),
      JSON.parse(JSON.stringify(state)) as TrackerStateJson,
    );
    expect(restored.serialize()).toEqual(state);
    restored.forgetFillsBefore(25n);
    expect(restored.serialize().applied_plans).toEqual(['p30']);
    // The horizon never moves back: an earlier one forgets nothing more, keeps p30.
    restored.forgetFillsBefore(5n);
    expect(restored.hasPlan('p30')).toBe(true);
  });

  it('takes the plans of a state without their times as of its last rebalance', () => {
    const state = sample().serialize();
    const { applied_plan_ns: _times, ...older } = state;
    const restored = PortfolioTracker.restore(makeConfig(), older);
    // sample()'s plan is at 20 ns, its last rebalance too: kept until the horizon passes it.
    restored.forgetFillsBefore(20n);
    expect(restored.hasPlan('plan')).toBe(true);
    restored.forgetFillsBefore(21n);
    expect(restored.hasPlan('plan')).toBe(false);
  });

  it('refuses plan times that do not match the plans', () => {
    const state = sample().serialize();
    const short = { ...state, applied_plan_ns: [] };
    expect(thrown(() => PortfolioTracker.restore(makeConfig(), short)).message).toMatch(
      /state\.applied_plan_ns: must hold one time per applied plan \(1\), got 0/,
    );
    const garbled = { ...state, applied_plan_ns: ['2e1'] };
    expect(thrown(() => PortfolioTracker.restore(makeConfig(), garbled)).code).toBe(
      'invalid_state',
    );
  });
});
