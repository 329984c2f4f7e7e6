// Data preparation: alignment, drawdown, downsampled charts that keep every rebalance, columnar tables.
import type { PortfolioBacktestResult } from '@njord/portfolio-contracts';
import { describe, expect, it } from 'vitest';
import { makeBacktestResult } from './fixture.test-util.js';
import {
  computeDrawdown,
  listStrategies,
  prepareReportData,
  roundSignificant,
  sampleCurveAt,
  toSeconds,
  TRADE_STATUS_LABELS,
} from './prepare.js';

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
