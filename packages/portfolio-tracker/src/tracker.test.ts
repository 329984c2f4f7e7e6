import type { FillEvent } from '@njord/portfolio-contracts';
import { parsePortfolioConfig } from '@njord/portfolio-contracts';
import { describe, expect, it } from 'vitest';
import { isTrackerError, type TrackerError } from './errors.js';
import { PortfolioTracker } from './tracker.js';
import { fill, HOUR_NS, makeConfig, plan } from './test-util.test-util.js';

function thrown(fn: () => unknown): TrackerError {
  try {
    fn();
  } catch (error) {
    if (isTrackerError(error)) return error;
    throw error;
  }
  throw new Error('expected a TrackerError');
}

describe('initial funding', () => {
  it('funds each sleeve at its target of total_capital', () => {
    // weights 0.6 / 0.4 of 100000, bounds not binding -> 60000 / 40000, nothing unallocated
    const tracker = new PortfolioTracker(makeConfig());
    expect(tracker.getStrategyCapital('A')).toBe(60000);
    // (the allocator's float arithmetic may leave 1 ulp: compare to 6 decimals)
    expect(tracker.getStrategyCapital('B')).toBeCloseTo(40000, 6);
    expect(tracker.unallocatedCash).toBeCloseTo(0, 6);
    expect(tracker.getTotalEquity()).toBe(100000);
    expect(tracker.lastRebalanceNs).toBe(0n);
  });

  it('leaves what exceeds the maxes unallocated', () => {
    // maxes 30000 + 20000 = 50000 < 100000 -> targets are the maxes, 50000 unallocated
    const tracker = new PortfolioTracker(
      makeConfig([
        { id: 'A', weight: 0.6, max: 30000 },
        { id: 'B', weight: 0.4, max: 20000 },
      ]),
      { startNs: 7n },
    );
    expect(tracker.getStrategyCapital('A')).toBe(30000);
    expect(tracker.getStrategyCapital('B')).toBe(20000);
    expect(tracker.unallocatedCash).toBe(50000);
    expect(tracker.getTotalEquity()).toBe(100000);
    expect(tracker.lastRebalanceNs).toBe(7n);
  });

  it('scales the mins down when they exceed the capital and flags it', () => {
    // mins 60000 + 50000 = 110000 > 100000 -> x 100000/110000: A 54545.45.., B 45454.54..
    const tracker = new PortfolioTracker(
      makeConfig([
        { id: 'A', weight: 0.6, min: 60000 },
        { id: 'B', weight: 0.4, min: 50000 },
      ]),
    );
    expect(tracker.getStrategyCapital('A')).toBeCloseTo((60000 * 100000) / 110000, 6);
    expect(tracker.getStrategyCapital('B')).toBeCloseTo((50000 * 100000) / 110000, 6);
    expect(tracker.getSnapshot(0n).boundsViolated).toBe(true);
  });
});

describe('fills: cash, average cost, realized and unrealized PnL', () => {
  // One sleeve (A, 60000 cash) trades XYZ; every number below is worked out by hand.
  function trade(): PortfolioTracker {
    const tracker = new PortfolioTracker(makeConfig());
    // 1. buy 100 @ 10, fee 1: cash 60000 - 1000 - 1 = 58999; 100 units, avg 10
    expect(tracker.onFill(fill('A', 'XYZ', 'buy', 100, 10, 1))).toEqual({
      success: true,
      data: { status: 'applied' },
    });
    // 2. buy 50 @ 13, fee 1: cash 58999 - 650 - 1 = 58348; avg (100x10 + 50x13) / 150 = 1650 / 150 = 11
    tracker.onFill(fill('A', 'XYZ', 'buy', 50, 13, 1));
    // 3. sell 60 @ 15, fee 2: cash 58348 + 900 - 2 = 59246; realized 60 x (15 - 11) = 240; 90 units, avg 11
    tracker.onFill(fill('A', 'XYZ', 'sell', 60, 15, 2));
    // 4. sell 120 @ 9, fee 2 (flip through zero): cash 59246 + 1080 - 2 = 60324;
    //    realized += 90 x (9 - 11) = -180 -> 60; -30 units opened at 9
    tracker.onFill(fill('A', 'XYZ', 'sell', 120, 9, 2));
    // 5. buy 10 @ 8, no fee (covers part of the short): cash 60324 - 80 = 60244;
    //    realized += 10 x (9 - 8) = 10 -> 70; -20 units, avg still 9
    tracker.onFill(fill('A', 'XYZ', 'buy', 10, 8));
    return tracker;
  }

  it('books cash, units, average cost and realized PnL per fill', () => {
    const sleeve = trade().getSleeve('A');
    expect(sleeve.cash).toBe(60244);
    const xyz = sleeve.positions.XYZ;
    expect(xyz?.units).toBe(-20);
    expect(xyz?.averageCost).toBe(9);
    expect(xyz?.realizedPnl).toBe(70);
    // fees 1 + 1 + 2 + 2 + 0 = 6
    expect(sleeve.fees).toBe(6);
  });

  it('values an unmarked symbol at its last fill price and lists it as stale', () => {
    const tracker = trade();
    // last fill 8: unrealized -20 x (8 - 9) = 20; capital 60244 - 20 x 8 = 60084
    expect(tracker.getSleeve('A').unrealizedPnl).toBe(20);
    expect(tracker.getStrategyCapital('A')).toBe(60084);
    expect(tracker.getSnapshot(0n).staleSymbols).toEqual(['XYZ']);
    expect(tracker.getSleeve('A').positions.XYZ?.stale).toBe(true);
  });

  it('values at the mark once marked; later fills do not move the value', () => {
    const tracker = trade();
    tracker.setMark('XYZ', 7, 50n);
    // unrealized -20 x (7 - 9) = 40; capital 60244 - 140 = 60104
    // check: realized + unrealized - fees = 70 + 40 - 6 = 104 = 60104 - 60000
    const sleeve = tracker.getSleeve('A');
    expect(sleeve.unrealizedPnl).toBe(40);
    expect(sleeve.capital).toBe(60104);
    expect(tracker.getStrategyCapital('A')).toBe(60104);
    expect(tracker.getSnapshot(0n).staleSymbols).toEqual([]);
    // a fill at 100 (no fee): cash 60244 - 100 = 60144, units -19; value stays 7 -> 60144 - 133 = 60011
    tracker.onFill(fill('A', 'XYZ', 'buy', 1, 100));
    expect(tracker.getStrategyCapital('A')).toBe(60011);
  });

  it('ignores a mark older than the last one', () => {
    const tracker = trade();
    tracker.setMark('XYZ', 7, 50n);
    tracker.onPrice({ symbol: 'XYZ', price: 6, timestampNs: 49n });
    expect(tracker.getPrice('XYZ')).toBe(7);
    tracker.onPrice({ symbol: 'XYZ', price: 6, timestampNs: 50n });
    expect(tracker.getPrice('XYZ')).toBe(6);
  });

  it('closes a position exactly despite float dust', () => {
    const tracker = new PortfolioTracker(makeConfig());
    // 0.1 + 0.2 = 0.30000000000000004 units; selling 0.3 leaves 5.5e-17: within 1e-12 relative -> flat
    tracker.onFill(fill('A', 'Q', 'buy', 0.1, 10));
    tracker.onFill(fill('A', 'Q', 'buy', 0.2, 10));
    tracker.onFill(fill('A', 'Q', 'sell', 0.3, 12));
    const q = tracker.getSleeve('A').positions.Q;
    expect(q?.units).toBe(0);
    expect(q?.averageCost).toBe(0);
    // realized = min(0.3, 0.30000000000000004) x (12 - 10) = 0.6 (up to float rounding)
    expect(q?.realizedPnl).toBeCloseTo(0.6, 12);
    expect(tracker.getState().sleeves[0]?.positions).toEqual({});
  });

  it('records negative cash and shorts rather than refusing them', () => {
    const tracker = new PortfolioTracker(makeConfig());
    // B has 40000; buying 1000 @ 50 costs 50000 -> cash -10000
    expect(tracker.onFill(fill('B', 'XYZ', 'buy', 1000, 50)).success).toBe(true);
    expect(tracker.getSleeve('B').cash).toBeCloseTo(-10000, 6);
    // short 5 of another symbol from flat: cash + 5 x 20 = -9900
    tracker.onFill(fill('B', 'SHORT', 'sell', 5, 20));
    expect(tracker.getSleeve('B').positions.SHORT?.units).toBe(-5);
    expect(tracker.getSleeve('B').cash).toBeCloseTo(-9900, 6);
  });
});

describe('fill validation', () => {
  it('applies a fill id once: duplicate leaves the state unchanged', () => {
    const tracker = new PortfolioTracker(makeConfig());
    const first = fill('A', 'XYZ', 'buy', 10, 10, 1, { portfolioId: 'p1', intentId: 'plan:0' });
    tracker.onFill(first);
    const before = JSON.stringify(tracker.serialize());
    expect(tracker.onFill({ ...first })).toEqual({ success: true, data: { status: 'duplicate' } });
    expect(JSON.stringify(tracker.serialize())).toBe(before);
    expect(tracker.hasFill(first.fillId)).toBe(true);
  });

  const changes: [string, (f: FillEvent) => FillEvent][] = [
    ['quantity', (f) => ({ ...f, quantity: 11 })],
    ['price', (f) => ({ ...f, price: 10.5 })],
    ['fee', (f) => ({ ...f, fee: 0 })],
    ['side', (f) => ({ ...f, side: 'sell' })],
    ['symbol', (f) => ({ ...f, symbol: 'OTHER' })],
    ['strategy', (f) => ({ ...f, strategyId: 'B' })],
    ['timestamp', (f) => ({ ...f, timestampNs: 999n })],
    ['intent id', (f) => ({ ...f, intentId: 'plan:1' })],
    ['portfolio id presence', ({ portfolioId: _dropped, ...rest }) => rest],
  ];
  it.each(changes)(
    'refuses the same id with a different %s as a conflict, state unchanged',
    (_name, change) => {
      const tracker = new PortfolioTracker(makeConfig());
      const first = fill('A', 'XYZ', 'buy', 10, 10, 1, { portfolioId: 'p1', intentId: 'plan:0' });
      tracker.onFill(first);
      const before = JSON.stringify(tracker.serialize());
      const outcome = tracker.onFill(change(first));
      expect(outcome.success ? null : outcome.error.code).toBe('fill_conflict');
      expect(JSON.stringify(tracker.serialize())).toBe(before);
    },
  );

  it('refuses unknown strategies and other portfolios without changing anything', () => {
    const tracker = new PortfolioTracker(makeConfig());
    const before = JSON.stringify(tracker.serialize());
    const unknown = tracker.onFill(fill('Z', 'XYZ', 'buy', 1, 10));
    expect(unknown.success ? null : unknown.error.code).toBe('unknown_strategy');
    const other = tracker.onFill(fill('A', 'XYZ', 'buy', 1, 10, 0, { portfolioId: 'p2' }));
    expect(other.success ? null : other.error.code).toBe('portfolio_mismatch');
    expect(JSON.stringify(tracker.serialize())).toBe(before);
  });

  it('throws invalid_input for numbers the caller should have rejected, before any change', () => {
    const tracker = new PortfolioTracker(makeConfig());
    const before = JSON.stringify(tracker.serialize());
    expect(thrown(() => tracker.onFill(fill('A', 'XYZ', 'buy', Number.NaN, 10))).code).toBe(
      'invalid_input',
    );
    expect(thrown(() => tracker.onFill(fill('A', 'XYZ', 'buy', 1, 0))).code).toBe('invalid_input');
    expect(thrown(() => tracker.onFill(fill('A', 'XYZ', 'buy', 1, 10, -1))).code).toBe(
      'invalid_input',
    );
    expect(thrown(() => tracker.setMark('XYZ', Number.POSITIVE_INFINITY, 1n)).code).toBe(
      'invalid_input',
    );
    expect(JSON.stringify(tracker.serialize())).toBe(before);
  });

  it('keeps timestamps beyond int64 exact', () => {
    const tracker = new PortfolioTracker(makeConfig());
    const wide = fill('A', 'XYZ', 'buy', 1, 10, 0, { timestampNs: 2n ** 70n });
    tracker.onFill(wide);
    expect(tracker.onFill({ ...wide }).success).toBe(true);
    const conflict = tracker.onFill({ ...wide, timestampNs: 2n ** 70n - 2n ** 64n });
    expect(conflict.success).toBe(false);
    // Restored, the same: the ledger hashes the whole timestamp (its column is clamped to int64).
    const restored = PortfolioTracker.restore(makeConfig(), tracker.serialize());
    expect(restored.onFill({ ...wide })).toEqual({ success: true, data: { status: 'duplicate' } });
    expect(restored.onFill({ ...wide, timestampNs: 2n ** 70n - 2n ** 64n }).success).toBe(false);
  });
});

describe('snapshots: drift and the trigger', () => {
  it('reports capital, targets, drift and no trigger inside the band', () => {
    const tracker = new PortfolioTracker(makeConfig());
    tracker.onFill(fill('A', 'XYZ', 'buy', 100, 10)); // A: cash 59000 + 100 units
    tracker.setMark('XYZ', 10.5, 1n); // A capital 59000 + 1050 = 60050
    const snapshot = tracker.getSnapshot(HOUR_NS);
    // equity 60050 + 40000 = 100050; targets 0.6 x 100050 = 60030, 0.4 x 100050 = 40020
    expect(snapshot.totalEquity).toBeCloseTo(100050, 6);
    expect(snapshot.strategyAllocations.A).toBe(60050);
    expect(snapshot.strategyAllocations.B).toBeCloseTo(40000, 6);
    expect(snapshot.targetAllocations.A).toBeCloseTo(60030, 8);
    expect(snapshot.targetAllocations.B).toBeCloseTo(40020, 8);
    // drift A = 20 / 60030, B = -20 / 40020: both well under 0.05
    expect(snapshot.driftFromTarget.A).toBeCloseTo(20 / 60030, 12);
    expect(snapshot.driftFromTarget.B).toBeCloseTo(-20 / 40020, 12);
    expect(snapshot.needsRebalance).toBe(false);
    expect(snapshot.rebalanceReason).toBeNull();
    expect(snapshot.unallocatedCash).toBeCloseTo(0, 6);
    expect(snapshot.boundsViolated).toBe(false);
    expect(snapshot.portfolioId).toBe('p1');
    expect(snapshot.timestampNs).toBe(HOUR_NS);
  });

  it('fires on frequency after 24 hours since the start, on threshold beyond the band', () => {
    const tracker = new PortfolioTracker(makeConfig(), { startNs: 10n });
    expect(tracker.getSnapshot(10n + 24n * HOUR_NS - 1n).rebalanceReason).toBeNull();
    expect(tracker.getSnapshot(10n + 24n * HOUR_NS).rebalanceReason).toBe('frequency');
    tracker.onFill(fill('A', 'XYZ', 'buy', 100, 10)); // A: cash 59000 + 100 units
    tracker.setMark('XYZ', 200, 1n);
    // A capital 59000 + 20000 = 79000; equity 119000; target A 71400: drift 7600 / 71400 = 0.106 > 0.05
    const snapshot = tracker.getSnapshot(10n + 24n * HOUR_NS);
    expect(snapshot.driftFromTarget.A).toBeCloseTo(7600 / 71400, 12);
    expect(snapshot.rebalanceReason).toBe('threshold');
    expect(snapshot.needsRebalance).toBe(true);
  });
});

describe('applyPlan', () => {
  it('moves transfers into sleeve cash, adjusts unallocated and resets the clock', () => {
    const tracker = new PortfolioTracker(makeConfig());
    tracker.applyPlan(
      plan({ planId: 'p1-100', transfers: { A: -5000, B: 3000 }, timestampNs: 100n }),
    );
    // A 60000 - 5000 = 55000; B 40000 + 3000 = 43000; unallocated 0 - (-5000 + 3000) = 2000
    expect(tracker.getSleeve('A').cash).toBe(55000);
    expect(tracker.getSleeve('B').cash).toBeCloseTo(43000, 6);
    expect(tracker.unallocatedCash).toBeCloseTo(2000, 6);
    expect(tracker.lastRebalanceNs).toBe(100n);
    expect(tracker.getState().lastRebalanceNs).toBe(100n);
    // the same plan again changes nothing
    tracker.applyPlan(
      plan({ planId: 'p1-100', transfers: { A: -5000, B: 3000 }, timestampNs: 100n }),
    );
    expect(tracker.getSleeve('A').cash).toBe(55000);
    expect(tracker.hasPlan('p1-100')).toBe(true);
  });

  it('applies internal netting fills as fills', () => {
    const tracker = new PortfolioTracker(makeConfig());
    tracker.onFill(fill('A', 'XYZ', 'buy', 10, 10)); // A: cash 59900, 10 units
    const internalFills = [
      fill('A', 'XYZ', 'sell', 4, 12, 0, { fillId: 'p1-100:net:0', portfolioId: 'p1' }),
      fill('B', 'XYZ', 'buy', 4, 12, 0, { fillId: 'p1-100:net:1', portfolioId: 'p1' }),
    ];
    tracker.applyPlan(plan({ planId: 'p1-100', transfers: {}, internalFills }));
    // A: 59900 + 48 = 59948, 6 units, realized 4 x (12 - 10) = 8; B: 40000 - 48 = 39952, 4 units at 12
    expect(tracker.getSleeve('A').cash).toBe(59948);
    expect(tracker.getSleeve('A').realizedPnl).toBe(8);
    expect(tracker.getSleeve('B').cash).toBeCloseTo(39952, 6);
    expect(tracker.getSleeve('B').positions.XYZ?.averageCost).toBe(12);
    expect(tracker.hasFill('p1-100:net:1')).toBe(true);
  });

  it('refuses a plan it cannot apply whole, changing nothing', () => {
    const tracker = new PortfolioTracker(makeConfig());
    const before = JSON.stringify(tracker.serialize());
    expect(
      thrown(() => tracker.applyPlan(plan({ planId: 'x', transfers: { A: -1, Z: 1 } }))).code,
    ).toBe('invalid_plan');
    expect(
      thrown(() =>
        tracker.applyPlan(
          plan({
            planId: 'y',
            transfers: { A: -1 },
            internalFills: [fill('Z', 'XYZ', 'buy', 1, 1)],
          }),
        ),
      ).code,
    ).toBe('invalid_plan');
    expect(
      thrown(() => tracker.applyPlan(plan({ planId: 'z', transfers: {}, portfolioId: 'p2' }))).code,
    ).toBe('portfolio_mismatch');
    expect(JSON.stringify(tracker.serialize())).toBe(before);
  });
});

describe('reconfigure', () => {
  it('opens empty sleeves for new strategies and winds removed ones down to target 0', () => {
    const tracker = new PortfolioTracker(makeConfig());
    tracker.onFill(fill('B', 'XYZ', 'buy', 100, 10)); // B: cash 39000 + 100 units
    tracker.setMark('XYZ', 10, 1n);
    tracker.reconfigure(
      makeConfig([
        { id: 'A', weight: 0.5 },
        { id: 'C', weight: 0.5 },
      ]),
    );
    expect(tracker.getStrategyIds()).toEqual(['A', 'C', 'B']);
    expect(tracker.getSleeve('B').retired).toBe(true);
    expect(tracker.getSleeve('C').cash).toBe(0);
    const snapshot = tracker.getSnapshot(0n);
    // equity 100000: targets A 50000, C 50000, B (retired) 0 with drift 40000 / 100000 = 0.4
    expect(snapshot.targetAllocations).toEqual({ A: 50000, C: 50000, B: 0 });
    expect(snapshot.driftFromTarget.B).toBeCloseTo(0.4, 12);
    expect(snapshot.driftFromTarget.C).toBe(-1);
    expect(snapshot.rebalanceReason).toBe('threshold');
    // the wind-down: B sells its units, then a plan moves its cash out
    tracker.onFill(fill('B', 'XYZ', 'sell', 100, 10)); // B cash 39000 + 1000 = 40000, flat
    // transfers target - capital, as the rebalancer makes them: A -10000, C +50000, B -40000
    const targets = tracker.getSnapshot(0n).targetAllocations;
    const transfers: Record<string, number> = {};
    for (const id of ['A', 'C', 'B'])
      transfers[id] = (targets[id] ?? 0) - tracker.getStrategyCapital(id);
    expect(transfers.B).toBeCloseTo(-40000, 6);
    tracker.applyPlan(plan({ planId: 'wind', transfers }));
    expect(tracker.getStrategyIds()).toEqual(['A', 'C']);
    // A 50000 + C 50000 + unallocated (0 - sum of transfers = 0)
    expect(tracker.getStrategyCapital('A')).toBeCloseTo(50000, 6);
    expect(tracker.getStrategyCapital('C')).toBeCloseTo(50000, 6);
    expect(tracker.getTotalEquity()).toBeCloseTo(100000, 6);
    const late = tracker.onFill(fill('B', 'XYZ', 'buy', 1, 10));
    expect(late.success ? null : late.error.code).toBe('unknown_strategy');
  });
});

describe('getState', () => {
  it('lists sleeves in config order with their non-zero positions', () => {
    const tracker = new PortfolioTracker(makeConfig(), { startNs: 5n });
    tracker.onFill(fill('B', 'XYZ', 'buy', 3, 10));
    const state = tracker.getState();
    expect(state.portfolioId).toBe('p1');
    expect(state.lastRebalanceNs).toBe(5n);
    expect(state.sleeves.map((s) => [s.strategyId, s.positions])).toEqual([
      ['A', {}],
      ['B', { XYZ: 3 }],
    ]);
    expect(state.sleeves[0]?.cash).toBe(60000);
    // 40000 - 3 x 10 = 39970
    expect(state.sleeves[1]?.cash).toBeCloseTo(39970, 6);
    expect(state.unallocatedCash).toBe(tracker.unallocatedCash);
  });
});

describe('per-sleeve accessors', () => {
  it('getUnits and getCash agree with getSleeve', () => {
    const config = parsePortfolioConfig({
      portfolio: {
        id: 'p',
        total_capital: 1000,
        rebalance_threshold: 0.1,
        allocations: [{ strategy_id: 'a', target_weight: 1, min_capital: 0, max_capital: 1000 }],
      },
    });
    const tracker = new PortfolioTracker(config);
    tracker.onFill({
      fillId: 'f',
      strategyId: 'a',
      symbol: 'X',
      side: 'buy',
      quantity: 3,
      price: 10,
      fee: 1,
      timestampNs: 1n,
    });
    // 1000 - 3 x 10 - 1 = 969 cash, 3 units.
    expect(tracker.getUnits('a', 'X')).toBe(3);
    expect(tracker.getUnits('a', 'Y')).toBe(0);
    expect(tracker.getCash('a')).toBe(969);
    expect(tracker.getSleeve('a').cash).toBe(tracker.getCash('a'));
  });
});

describe('rememberFillIds: false (backtests)', () => {
  it('applies fills without keeping their ids, so a repeated id is applied again', () => {
    const config = parsePortfolioConfig({
      portfolio: {
        id: 'p',
        total_capital: 1000,
        rebalance_threshold: 0.1,
        allocations: [{ strategy_id: 'a', target_weight: 1, min_capital: 0, max_capital: 1000 }],
      },
    });
    const once = {
      fillId: 'f',
      strategyId: 'a',
      symbol: 'X',
      side: 'buy',
      quantity: 1,
      price: 10,
      fee: 0,
      timestampNs: 1n,
    } as const;
    const remembering = new PortfolioTracker(config);
    remembering.onFill(once);
    expect(remembering.onFill(once)).toEqual({ success: true, data: { status: 'duplicate' } });
    const forgetting = new PortfolioTracker(config, { rememberFillIds: false });
    forgetting.onFill(once);
    forgetting.onFill(once);
    // Two buys of 1 at 10: 1000 - 20 = 980 cash, 2 units; no id is kept.
    expect(forgetting.getCash('a')).toBe(980);
    expect(forgetting.getUnits('a', 'X')).toBe(2);
    expect(forgetting.hasFill('f')).toBe(false);
  });
});
