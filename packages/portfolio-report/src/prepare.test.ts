// Data preparation: alignment, drawdown, downsampled charts that keep every rebalance, columnar tables.
import type { PortfolioBacktestResult } from '@njord/portfolio-contracts';
import { calculateValueDrawdown } from '@njord/portfolio-risk/stats';
import { describe, expect, it } from 'vitest';
import { makeBacktestResult, tiltFixtureWeights } from './fixture.test-util.js';
import {
  computeDrawdown,
  hasBaseTargets,
  listStrategies,
  prepareReportData,
  roundSignificant,
  toSeconds,
  TRADE_STATUS_LABELS,
} from './prepare.js';
import { sampleCurveAt } from './curve-view.js';

const at = (ns: number) => ({ timestampNs: BigInt(ns), equity: ns * 10 });

describe('sampleCurveAt', () => {
  it('takes the last point at or before each time, NaN before the first', () => {
    // Curve points at 2, 4, 5; asked at 1, 2, 3, 5, 9 -> NaN, 20, 20, 50, 50.
    const values = sampleCurveAt([1n, 2n, 3n, 5n, 9n], [at(2), at(4), at(5)]);
    expect(Array.from(values)).toEqual([Number.NaN, 20, 20, 50, 50]);
  });
});

describe('computeDrawdown', () => {
  it('divides by the running peak, which starts at the initial capital', () => {
    // Peak 100 -> 100, 110, 110, 121: 95/100-1 = -0.05, 0, 99/110-1 = -0.1, 0.
    const values = Array.from(computeDrawdown([95, 110, 99, 121], 100));
    expect(values.map((v) => Math.round(v * 1e12) / 1e12)).toEqual([-0.05, 0, -0.1, 0]);
  });

  it('keeps gaps and refuses a non-positive peak', () => {
    expect(Array.from(computeDrawdown([Number.NaN, -5], -10))).toEqual([Number.NaN, Number.NaN]);
  });

  it('is the drawdown the metrics report: its deepest point is their max_drawdown', () => {
    // An equity that falls to zero and below shows -1 there, never lower (a total loss).
    const equity = [120, 90, 0, -30, 60, 130];
    const curve = Array.from(computeDrawdown(equity, 100));
    expect(curve.slice(2, 4)).toEqual([-1, -1]);
    expect(Math.min(...curve)).toBe(calculateValueDrawdown(equity, 100).maxDrawdown);
  });
});

describe('toSeconds and roundSignificant', () => {
  it('keeps milliseconds', () => {
    // 1,577,836,800,123,456,789 ns = 1,577,836,800.123 s (the microseconds dropped).
    expect(toSeconds(1_577_836_800_123_456_789n)).toBe(1_577_836_800.123);
  });

  it('rounds to significant digits', () => {
    expect(roundSignificant(123456.789, 4)).toBe(123500);
    expect(roundSignificant(-0.000123456, 3)).toBe(-0.000123);
    expect(roundSignificant(0, 3)).toBe(0);
  });
});

describe('listStrategies', () => {
  it('follows the config’s allocations, then every other id the result names', () => {
    const result = makeBacktestResult({ bars: 20 });
    const extra: PortfolioBacktestResult = {
      ...result,
      contribution: { ...result.contribution, zz_late: 0 },
    };
    expect(listStrategies(extra)).toEqual([
      'trendline_break_v1',
      'rsi_tema_bb_v1',
      'momentum_v1',
      'zz_late',
    ]);
  });
});

/** Seconds of every kept point of a chart. */
function chartTimes(data: ReturnType<typeof prepareReportData>, times: number): Set<number> {
  return new Set(data.times[times]);
}

describe('prepareReportData', () => {
  const long = makeBacktestResult({
    bars: 20_000,
    rebalanceEvery: 997,
    threshold: 0.2,
    seed: 5,
    exerciseStatuses: true,
  });
  const maxPoints = 200;
  const data = prepareReportData(long, { maxPoints });

  it('downsamples long curves yet keeps every rebalance bar on every chart', () => {
    const rebalanceSeconds = long.rebalances.map((r) => toSeconds(r.timestampNs));
    expect(rebalanceSeconds.length).toBeGreaterThan(15);
    for (const chart of [data.equity, data.drawdown, data.allocation, data.drift]) {
      const kept = chartTimes(data, chart.times);
      expect(kept.size).toBeLessThan(long.equityCurve.length / 4);
      for (const seconds of rebalanceSeconds) expect(kept.has(seconds)).toBe(true);
    }
  });

  it('keeps each bucket’s highest and lowest portfolio equity at its own time (brute force)', () => {
    const equity = long.equityCurve.map((p) => p.equity);
    const times = data.times[data.equity.times] as number[];
    const drawn = new Map(times.map((t, k) => [t, data.equity.portfolio[k]]));
    const buckets = Math.floor(maxPoints / 2);
    const n = equity.length;
    for (let b = 0; b < buckets; b++) {
      const from = Math.floor((b * n) / buckets);
      const to = Math.floor(((b + 1) * n) / buckets);
      let low = from;
      let high = from;
      for (let i = from; i < to; i++) {
        if ((equity[i] as number) < (equity[low] as number)) low = i;
        if ((equity[i] as number) > (equity[high] as number)) high = i;
      }
      for (const i of [low, high]) {
        const seconds = toSeconds((long.equityCurve[i] as { timestampNs: bigint }).timestampNs);
        expect(drawn.get(seconds)).toBe(roundSignificant(equity[i] as number, 8));
      }
    }
  });

  it('has one row per planned trade, netted fill and skipped trade, grouped by rebalance', () => {
    let rows = 0;
    long.rebalances.forEach((r, k) => {
      const count = r.trades.length + (r.internalFills?.length ?? 0) + r.skipped.length;
      expect(data.rebalances.rows[k]).toBe(count);
      rows += count;
    });
    expect(data.trades.status).toHaveLength(rows);
    for (const column of Object.values(data.trades)) expect(column).toHaveLength(rows);
  });

  it('sums the fills’ costs per rebalance and marks trades without a fill as unfilled', () => {
    long.rebalances.forEach((r, k) => {
      const cost = r.fills.reduce((sum, f) => sum + f.commission + f.slippage, 0);
      expect(data.rebalances.cost[k]).toBe(roundSignificant(cost, 9));
      expect(data.rebalances.planIdPrefix + data.rebalances.planIdSuffix[k]).toBe(r.planId);
    });
    const labels = data.trades.status.map((s) => TRADE_STATUS_LABELS[s]);
    // The fixture nets one fill on the first rebalance and drops the last rebalance's first fill.
    expect(labels.filter((l) => l === 'netted')).toHaveLength(1);
    expect(labels.filter((l) => l === 'unfilled')).toHaveLength(1);
    const skipped = long.rebalances.reduce((sum, r) => sum + r.skipped.length, 0);
    expect(labels.filter((l) => l?.startsWith('skipped:'))).toHaveLength(skipped);
  });

  it('signs quantities by side', () => {
    const first = long.rebalances[0];
    if (!first) throw new Error('fixture has no rebalance');
    first.trades.forEach((trade, j) => {
      const quantity = data.trades.quantity[j] as number;
      expect(Math.sign(quantity)).toBe(trade.side === 'sell' ? -1 : 1);
      expect(Math.abs(quantity)).toBe(roundSignificant(trade.quantity, 9));
    });
  });

  it('reports the largest |drift| the trigger saw on each rebalance bar', () => {
    const index = new Map(long.equityCurve.map((p, i) => [p.timestampNs, i]));
    long.rebalances.forEach((r, k) => {
      const point = long.equityCurve[index.get(r.timestampNs) as number];
      const largest = Math.max(...Object.values(point?.drift ?? {}).map(Math.abs));
      expect(data.rebalances.maxDrift[k]).toBe(roundSignificant(largest, 6));
    });
  });

  it('draws short results whole and shares identical x arrays between charts', () => {
    const short = prepareReportData(makeBacktestResult({ bars: 300 }));
    expect(short.times).toHaveLength(1);
    expect(short.times[0]).toHaveLength(300);
  });

  it('offers the log scale only when every plotted equity is positive', () => {
    const result = makeBacktestResult({ bars: 50 });
    expect(prepareReportData(result).equity.logScaleAvailable).toBe(true);
    const broke: PortfolioBacktestResult = {
      ...result,
      benchmark: {
        equityCurve: result.benchmark.equityCurve.map((p, i) =>
          i === 10 ? { ...p, equity: -1 } : p,
        ),
      },
    };
    expect(prepareReportData(broke).equity.logScaleAvailable).toBe(false);
  });

  it('handles a result with no bar', () => {
    const empty = prepareReportData(makeBacktestResult({ bars: 0 }));
    expect(empty.bars).toBe(0);
    expect(empty.equity.portfolio).toEqual([]);
    expect(empty.rebalances.time).toEqual([]);
  });

  it('refuses a maxPoints below 16', () => {
    expect(() => prepareReportData(makeBacktestResult({ bars: 5 }), { maxPoints: 8 })).toThrow(
      RangeError,
    );
  });
});

describe('prepareReportData with risk-adjusted targets', () => {
  const ids = ['trendline_break_v1', 'rsi_tema_bb_v1', 'momentum_v1'];

  it('adds no targets chart when the curve records no base targets', () => {
    const result = makeBacktestResult({ bars: 300 });
    expect(hasBaseTargets(result)).toBe(false);
    const data = prepareReportData(result);
    expect('targets' in data).toBe(false);
    expect(Object.keys(JSON.parse(JSON.stringify(data)) as object)).not.toContain('targets');
  });

  it('draws each target and its base as shares of equity, from the fixture’s own weights', () => {
    // No rebalance, so no cost: the equity the targets were computed from is the equity recorded.
    const result = makeBacktestResult({
      bars: 300,
      baseTargets: true,
      adjustEveryBars: 5,
      rebalanceEvery: 0,
      threshold: 100,
    });
    expect(result.rebalances).toHaveLength(0);
    expect(hasBaseTargets(result)).toBe(true);
    const targets = prepareReportData(result).targets;
    if (!targets) throw new Error('no targets chart');
    // 300 bars <= maxPoints: every bar is drawn.
    expect(targets.adjusted[0]).toHaveLength(300);
    for (let t = 0; t < 300; t++) {
      // Base target = config weight x equity, so its share is the weight (no bound binds here).
      const expectedBase = [0.4, 0.35, 0.25];
      // Adjusted target = the tilted weight x equity (the fixture's formula, computed again);
      // 6 significant digits are kept, so within 5e-6.
      const expectedAdjusted = tiltFixtureWeights(expectedBase, t, 5, 0.5);
      for (let i = 0; i < 3; i++) {
        expect(targets.base[i]?.[t]).toBeCloseTo(expectedBase[i] as number, 5);
        expect(targets.adjusted[i]?.[t]).toBeCloseTo(expectedAdjusted[i] as number, 5);
      }
    }
    // The tilt moves the targets (from 0.4 x e^-0.5 / ... to ... x e^0.5): some share leaves its base by > 5 points.
    const moved = targets.adjusted[0]?.some(
      (v, t) => Math.abs((v ?? 0) - (targets.base[0]?.[t] ?? 0)) > 0.05,
    );
    expect(moved).toBe(true);
  });

  it('leaves a gap where a bar records no base target', () => {
    const result = makeBacktestResult({ bars: 40, baseTargets: true });
    const curve = result.equityCurve.map((p, t) => {
      if (t !== 7) return p;
      const { baseTargets: _dropped, ...rest } = p;
      return rest;
    });
    const targets = prepareReportData({ ...result, equityCurve: curve }).targets;
    expect(targets?.base[1]?.[7]).toBeNull();
    expect(targets?.adjusted[1]?.[7]).not.toBeNull();
    expect(targets?.base[1]?.[8]).not.toBeNull();
  });

  describe('on a long curve', () => {
    const long = makeBacktestResult({
      bars: 20_000,
      rebalanceEvery: 997,
      threshold: 0.2,
      seed: 6,
      baseTargets: true,
      adjustEveryBars: 7,
    });
    const maxPoints = 200;
    const data = prepareReportData(long, { maxPoints });
    const targets = data.targets;
    if (!targets) throw new Error('no targets chart');
    const times = data.times[targets.times] as number[];
    const n = long.equityCurve.length;

    it('downsamples, yet keeps every rebalance bar', () => {
      const kept = new Set(times);
      // 6 series x 100 buckets x (min, max) + first + last + ~20 rebalances, far below 20,000.
      expect(kept.size).toBeLessThanOrEqual(2 * (maxPoints / 2) * 6 + 2 + long.rebalances.length);
      expect(long.rebalances.length).toBeGreaterThan(15);
      for (const r of long.rebalances) expect(kept.has(toSeconds(r.timestampNs))).toBe(true);
    });

    it('keeps each bucket’s extremes of every adjusted and base share at their own time (brute force)', () => {
      const buckets = Math.floor(maxPoints / 2);
      const series = ids.flatMap((id, i) => [
        {
          drawn: targets.adjusted[i] as (number | null)[],
          full: long.equityCurve.map((p) => (p.targets[id] as number) / p.equity),
        },
        {
          drawn: targets.base[i] as (number | null)[],
          full: long.equityCurve.map((p) => (p.baseTargets?.[id] as number) / p.equity),
        },
      ]);
      for (const { drawn, full } of series) {
        const byTime = new Map(times.map((t, k) => [t, drawn[k]]));
        for (let b = 0; b < buckets; b++) {
          const from = Math.floor((b * n) / buckets);
          const to = Math.floor(((b + 1) * n) / buckets);
          let low = from;
          let high = from;
          for (let i = from; i < to; i++) {
            if ((full[i] as number) < (full[low] as number)) low = i;
            if ((full[i] as number) > (full[high] as number)) high = i;
          }
          for (const i of [low, high]) {
            const seconds = toSeconds((long.equityCurve[i] as { timestampNs: bigint }).timestampNs);
            expect(byTime.get(seconds)).toBe(roundSignificant(full[i] as number, 6));
          }
        }
      }
    });
  });
});
