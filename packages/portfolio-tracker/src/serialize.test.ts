import { describe, expect, it } from 'vitest';
import { isTrackerError, type TrackerError } from './errors.js';
import type { TrackerStateJson } from './state-json.js';
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
    expect(state.applied_fills).toEqual([
      ['a1', 'A', 'XYZ', 'buy', 100, 10, 1, '1', 'p1', null],
      ['b1', 'B', 'UNM', 'sell', 3, 7, 0, '2', null, 'plan:0'],
    ]);
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
});
