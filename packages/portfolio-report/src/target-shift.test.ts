// What the risk adjustment moved: time-weighted shares of equity, by hand on a three-bar curve.
import type { EquityPoint, PortfolioBacktestResult } from '@njord/portfolio-contracts';
import { describe, expect, it } from 'vitest';
import { makeBacktestResult } from './fixture.test-util.js';
import { describeTargetShifts, summarizeTargetShifts } from './target-shift.js';

const DAY = 86_400_000_000_000n;

function point(
  day: bigint,
  equity: number,
  targets: Record<string, number>,
  baseTargets?: Record<string, number>,
): EquityPoint {
  return {
    timestampNs: day * DAY,
    equity,
    cash: 0,
    unallocated: 0,
    strategies: targets,
    targets,
    ...(baseTargets === undefined ? {} : { baseTargets }),
    drift: {},
  };
}

function withCurve(curve: EquityPoint[]): PortfolioBacktestResult {
  return { ...makeBacktestResult({ bars: 0, strategies: 2 }), equityCurve: curve };
}

// Bars at day 0, 1 and 3: the first holds 1 day, the second 2 days, the last none.
const curve = [
  point(0n, 100, { a: 60, b: 40 }, { a: 50, b: 50 }),
  point(1n, 200, { a: 100, b: 100 }, { a: 100, b: 100 }),
  point(3n, 100, { a: 30, b: 70 }, { a: 50, b: 50 }),
];

describe('summarizeTargetShifts', () => {
  it('averages each share of equity over time, each bar holding until the next', () => {
    const summary = summarizeTargetShifts(withCurve(curve), ['a', 'b']);
    // a: shares 0.6, 0.5, 0.3 weighted 1, 2, 0 days -> (0.6 + 1.0) / 3 = 0.53333; base 0.5 throughout.
    // b: shares 0.4, 0.5, 0.7 -> (0.4 + 1.0) / 3 = 0.46667. Min/max count every bar, the last too.
    expect(summary?.points).toBe(3);
    expect(summary?.movedPoints).toBe(2); // the middle bar's targets equal its base
    const [a, b] = summary?.rows ?? [];
    expect(a?.meanAdjustedShare).toBeCloseTo(1.6 / 3, 12);
    expect(a?.meanBaseShare).toBeCloseTo(0.5, 12);
    expect(a?.shift).toBeCloseTo(1.6 / 3 - 0.5, 12);
    expect([a?.minAdjustedShare, a?.maxAdjustedShare]).toEqual([0.3, 0.6]);
    expect(b?.meanAdjustedShare).toBeCloseTo(1.4 / 3, 12);
    expect(b?.shift).toBeCloseTo(1.4 / 3 - 0.5, 12);
    expect([b?.minAdjustedShare, b?.maxAdjustedShare]).toEqual([0.4, 0.7]);
  });

  it('is null without base targets, and skips bars without them or without positive equity', () => {
    expect(summarizeTargetShifts(makeBacktestResult({ bars: 30 }), ['trendline_break_v1'])).toBe(
      null,
    );
    const gaps = [
      point(0n, 100, { a: 60, b: 40 }, { a: 50, b: 50 }),
      point(1n, 200, { a: 100, b: 100 }),
      point(3n, 0, { a: 30, b: 70 }, { a: 50, b: 50 }),
    ];
    const summary = summarizeTargetShifts(withCurve(gaps), ['a', 'b', 'c']);
    // Only the first bar counts (1 day until the next bar of the curve): a = 0.6, b = 0.4; c has no target.
    expect(summary?.points).toBe(2);
    expect(summary?.rows.map((row) => row.meanAdjustedShare)).toEqual([0.6, 0.4, null]);
    expect(summary?.rows[2]?.shift).toBeNull();
  });

  it('weighs bars equally when those counted span no time, and ignores rounding', () => {
    // One bar: its own shares. 4,999.999999999999 vs 5,000 is the same target (1e-9 relative).
    const one = [point(5n, 10_000, { a: 4_999.999999999999, b: 5_000 }, { a: 5_000, b: 5_000 })];
    const summary = summarizeTargetShifts(withCurve(one), ['a', 'b']);
    expect(summary?.movedPoints).toBe(0);
    expect(summary?.rows[0]?.meanAdjustedShare).toBeCloseTo(0.5, 12);
    expect(summary?.rows[1]?.meanBaseShare).toBe(0.5);
  });
});

describe('describeTargetShifts', () => {
  it('says on how many bars the targets moved and lists the largest gain first', () => {
    const summary = summarizeTargetShifts(withCurve(curve), ['b', 'a']);
    if (!summary) throw new Error('no summary');
    // From the hand calculation above: a 53.3% vs 50.0% (+3.3 pp), b 46.7% vs 50.0% (-3.3 pp).
    expect(describeTargetShifts(summary)).toBe(
      'The risk adjustment moved the targets off their base on 2 of 3 bars. Time-weighted share of equity, risk-adjusted vs base (and the adjusted range): a 53.3% vs 50.0% (+3.3 pp; 30.0% to 60.0%), b 46.7% vs 50.0% (\u22123.3 pp; 40.0% to 70.0%).',
    );
  });

  it('says so when nothing moved', () => {
    const still = [point(0n, 100, { a: 50 }, { a: 50 }), point(1n, 100, { a: 50 }, { a: 50 })];
    const summary = summarizeTargetShifts(withCurve(still), ['a']);
    if (!summary) throw new Error('no summary');
    expect(describeTargetShifts(summary)).toBe(
      'The risk adjustment never moved a target off its base (2 bars).',
    );
  });
});
