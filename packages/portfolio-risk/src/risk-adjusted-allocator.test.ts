import { AllocationCalculator } from '@njord/portfolio-allocator';
import { describe, expect, it } from 'vitest';
import { configOf, exampleConfig } from './config.test-util.js';
import { RiskAdjustedAllocator, type PerformanceHistory } from './risk-adjusted-allocator.js';

const DAY = 86_400_000_000_000n;
/** 2025-01-02, 2025-01-03, 2025-01-06 (a weekend between): median spacing 2 days -> P = 252. */
const JAN_2 = 1_735_776_000_000_000_000n;
const THREE_DAYS = [JAN_2, JAN_2 + DAY, JAN_2 + 4n * DAY];

/** The README's history: A earns, B loses, C is constant (zero volatility). */
const readmeHistory: PerformanceHistory = {
  a: { timestampsNs: THREE_DAYS, returns: [0.011, -0.009, 0.001] },
  b: { timestampsNs: THREE_DAYS, returns: [-0.012, 0.008, -0.002] },
  c: { timestampsNs: THREE_DAYS, returns: [0.002, 0.002, 0.002] },
};

function sum(record: Readonly<Record<string, number>>): number {
  return Object.values(record).reduce((a, b) => a + b, 0);
}

describe('RiskAdjustedAllocator (sharpe_drawdown): the README worked example', () => {
  const base = new AllocationCalculator(exampleConfig());
  const baseTargets = base.calculateTargets({ a: 20_000, b: 17_500, c: 12_500 }).targets;

  it('tilts the example portfolio with the default sensitivity 0.1', () => {
    const risk = new RiskAdjustedAllocator(base);
    const result = risk.calculateAdjustedAllocations(readmeHistory, baseTargets);
    // Stats (see return-stats.test.ts): Sharpe A 1.5874508, B -3.1749016, C null; drawdowns
    // -0.9%, -1.2%, 0. Weights (sharpe-drawdown.test.ts): 0.4807856, 0.2605135, 0.2587009. No
    // bound binds (a <= 30k, b >= 10k, c in [5k, 20k]), so target = weight x 50,000:
    // a 24,039.28, b 13,025.68, c 12,935.05.
    expect(result.periodsPerYear).toBe(252);
    expect(result.stats.a?.sharpe).toBeCloseTo(1.5874508, 6);
    expect(result.stats.c?.sharpe).toBeNull();
    expect(result.targets.a).toBeCloseTo(24_039.28, 1);
    expect(result.targets.b).toBeCloseTo(13_025.68, 1);
    expect(result.targets.c).toBeCloseTo(12_935.05, 1);
    expect(sum(result.targets)).toBeCloseTo(50_000, 8);
    expect(result.total).toBe(50_000);
    expect(result.asOfNs).toBe(JAN_2 + 4n * DAY);
    expect(result.windowStartNs).toBe(JAN_2 + 4n * DAY - 30n * DAY);
  });

  it('lets the bounds bind with sensitivity 0.5', () => {
    // Weights 0.7271, 0.0579, 0.2149 (sharpe-drawdown.test.ts). At lambda = 50,000: a 36,356 > 30k
    // (capped), b 2,897 < 10k (floored), c 10,747: 50,747 > 50,000, so lambda falls until
    // c = 50,000 - 30,000 - 10,000 = 10,000 (lambda = 46,524: a still capped, b still floored).
    const risk = new RiskAdjustedAllocator(base, { adjustmentSensitivity: 0.5 });
    const result = risk.calculateAdjustedAllocations(readmeHistory, baseTargets);
    expect(result.targets.a).toBeCloseTo(30_000, 6);
    expect(result.targets.b).toBeCloseTo(10_000, 6);
    expect(result.targets.c).toBeCloseTo(10_000, 6);
  });

  it('returns the base at sensitivity 0', () => {
    const risk = new RiskAdjustedAllocator(base, { adjustmentSensitivity: 0 });
    const result = risk.calculateAdjustedAllocations(readmeHistory, baseTargets);
    // Base: 0.40 / 0.35 / 0.25 of 50,000 = 20,000 / 17,500 / 12,500 (no bound binds).
    expect(result.targets.a).toBeCloseTo(20_000, 8);
    expect(result.targets.b).toBeCloseTo(17_500, 8);
    expect(result.targets.c).toBeCloseTo(12_500, 8);
    expect(result.weights).toEqual(base.weightsById());
  });

  it('gives the same answer from a RollingReturnStats fed the same bars', () => {
    const risk = new RiskAdjustedAllocator(base);
    const rolling = risk.createRollingStats();
    THREE_DAYS.forEach((t, k) =>
      rolling.push(
        t,
        [readmeHistory.a, readmeHistory.b, readmeHistory.c].map((s) => s?.returns[k] as number),
      ),
    );
    const fromRolling = risk.calculateAdjustedAllocations(rolling, baseTargets);
    const fromRecords = risk.calculateAdjustedAllocations(readmeHistory, baseTargets);
    for (const id of ['a', 'b', 'c']) {
      expect(fromRolling.targets[id]).toBeCloseTo(fromRecords.targets[id] as number, 8);
      expect(fromRolling.weights[id]).toBeCloseTo(fromRecords.weights[id] as number, 12);
    }
    expect(fromRolling.asOfNs).toBe(fromRecords.asOfNs);
  });
});

describe('RiskAdjustedAllocator: windows and missing history', () => {
  const base = new AllocationCalculator(exampleConfig());
  const baseTargets = { a: 20_000, b: 17_500, c: 12_500 };

  it('keeps the base weight of a strategy with fewer than two returns in the window', () => {
    const history: PerformanceHistory = {
      a: readmeHistory.a!,
      b: { timestampsNs: [JAN_2 + 4n * DAY], returns: [-0.5] },
      c: readmeHistory.c!,
    };
    const result = new RiskAdjustedAllocator(base).calculateAdjustedAllocations(
      history,
      baseTargets,
    );
    expect(result.weights.b).toBe(0.35);
    expect(result.stats.b?.adjusted).toBe(false);
    expect(result.stats.b?.count).toBe(1);
    expect(sum(result.targets)).toBeCloseTo(50_000, 8);
  });

  it('returns the base when there is no history at all', () => {
    const result = new RiskAdjustedAllocator(base).calculateAdjustedAllocations({}, baseTargets);
    expect(result.asOfNs).toBeNull();
    expect(result.targets.a).toBeCloseTo(20_000, 8);
    expect(result.targets.c).toBeCloseTo(12_500, 8);
  });

  it('ignores returns older than the lookback (calendar days) and after asOfNs', () => {
    // A 60%-loss 40 days before the README window is outside a 30-day lookback; a huge gain
    // after asOf is in the future.
    const extended: PerformanceHistory = {
      ...readmeHistory,
      b: {
        timestampsNs: [JAN_2 - 40n * DAY, ...THREE_DAYS, JAN_2 + 10n * DAY],
        returns: [-0.6, -0.012, 0.008, -0.002, 3],
      },
    };
    const risk = new RiskAdjustedAllocator(base);
    const asOfNs = JAN_2 + 4n * DAY;
    const plain = risk.calculateAdjustedAllocations(readmeHistory, baseTargets);
    const windowed = risk.calculateAdjustedAllocations(extended, baseTargets, { asOfNs });
    expect(windowed.stats.b?.count).toBe(3);
    expect(windowed.targets.b).toBeCloseTo(plain.targets.b as number, 8);
  });

  it('treats NaN returns as missing', () => {
    // A NaN on Jan 4 (a Saturday) adds a timestamp but no return: the same statistics as the README's.
    const gappy: PerformanceHistory = {
      ...readmeHistory,
      a: {
        timestampsNs: [JAN_2, JAN_2 + DAY, JAN_2 + 2n * DAY, JAN_2 + 4n * DAY],
        returns: [0.011, -0.009, Number.NaN, 0.001],
      },
    };
    const risk = new RiskAdjustedAllocator(base, { periodsPerYear: 252 });
    const a = risk.calculateAdjustedAllocations(readmeHistory, baseTargets);
    const b = risk.calculateAdjustedAllocations(gappy, baseTargets);
    expect(b.stats.a?.count).toBe(3);
    expect(b.targets.a).toBeCloseTo(a.targets.a as number, 8);
  });

  it('passes ids outside the config through and ignores their history', () => {
    const result = new RiskAdjustedAllocator(base).calculateAdjustedAllocations(
      { ...readmeHistory, retired: readmeHistory.a! },
      { ...baseTargets, retired: 0 },
    );
    expect(result.targets.retired).toBe(0);
    expect(result.stats.retired).toBeUndefined();
    expect(sum(result.targets)).toBeCloseTo(50_000, 8);
  });

  it('never wipes out a portfolio whose strategies all lose: the total stays invested', () => {
    // All three lose every day; B loses most, C least. The weights are relative, so the total is
    // still allocated and the least bad (C, then A) gain share; every target stays in its bounds.
    const losing: PerformanceHistory = {
      a: { timestampsNs: THREE_DAYS, returns: [-0.01, -0.02, -0.015] },
      b: { timestampsNs: THREE_DAYS, returns: [-0.03, -0.05, -0.04] },
      c: { timestampsNs: THREE_DAYS, returns: [-0.002, -0.004, -0.003] },
    };
    const result = new RiskAdjustedAllocator(base, {
      adjustmentSensitivity: 1,
    }).calculateAdjustedAllocations(losing, baseTargets);
    expect(sum(result.targets)).toBeCloseTo(50_000, 8);
    expect(result.unallocated).toBeCloseTo(0, 8);
    for (const id of ['a', 'b', 'c']) {
      expect(result.weights[id]).toBeGreaterThan(0);
      expect(result.stats[id]?.sharpe).toBeLessThan(0);
    }
    expect(result.targets.b).toBeCloseTo(10_000, 6); // floored at its min
    expect(result.targets.c! / 12_500).toBeGreaterThan(result.targets.a! / 20_000);
  });
});

describe('RiskAdjustedAllocator: inverse_volatility and equal_risk_contribution', () => {
  // Two strategies, equal base weights, wide bounds. x has std 0.01, y std 0.02 (both mean 0):
  // inverse-volatility weights 1/0.01 : 1/0.02 = 2/3 : 1/3.
  const config = configOf([
    { weight: 0.5, min: 0, max: 1_000_000 },
    { weight: 0.5, min: 0, max: 1_000_000 },
  ]);
  const base = new AllocationCalculator(config);
  const times = [JAN_2, JAN_2 + DAY, JAN_2 + 2n * DAY];
  const history: PerformanceHistory = {
    s0: { timestampsNs: times, returns: [0.01, -0.01, 0] },
    s1: { timestampsNs: times, returns: [-0.02, 0.02, 0] },
  };
  const baseTargets = { s0: 500, s1: 500 };

  it('blends the base toward inverse volatility by the sensitivity', () => {
    // s = 1: 2/3 and 1/3 of 1,000. s = 0.1: 0.9 x 0.5 + 0.1 x 2/3 = 0.5166667 -> 516.67 and 483.33.
    const full = new RiskAdjustedAllocator(base, {
      method: 'inverse_volatility',
      adjustmentSensitivity: 1,
    });
    const r1 = full.calculateAdjustedAllocations(history, baseTargets);
    expect(r1.targets.s0).toBeCloseTo(666.6667, 3);
    expect(r1.targets.s1).toBeCloseTo(333.3333, 3);
    const soft = new RiskAdjustedAllocator(base, { method: 'inverse_volatility' });
    const r2 = soft.calculateAdjustedAllocations(history, baseTargets);
    expect(r2.targets.s0).toBeCloseTo(516.6667, 3);
    expect(r2.targets.s1).toBeCloseTo(483.3333, 3);
    // A sensitivity above 1 is the same as 1 for the risk methods.
    const over = new RiskAdjustedAllocator(base, {
      method: 'inverse_volatility',
      adjustmentSensitivity: 7,
    });
    expect(over.calculateAdjustedAllocations(history, baseTargets).targets.s0).toBeCloseTo(
      666.6667,
      3,
    );
  });

  it('matches inverse volatility for two strategies under equal_risk_contribution', () => {
    // Two assets: ERC = inverse volatility for any correlation (here -1, shrunk to -0.6 with
    // intensity 2 / (2 + 3) = 0.4), so again 2/3 and 1/3.
    const erc = new RiskAdjustedAllocator(base, {
      method: 'equal_risk_contribution',
      adjustmentSensitivity: 1,
    });
    const result = erc.calculateAdjustedAllocations(history, baseTargets);
    expect(result.shrinkage).toBeCloseTo(0.4, 14);
    expect(result.targets.s0).toBeCloseTo(666.6667, 3);
    expect(result.targets.s1).toBeCloseTo(333.3333, 3);
  });

  it('honours max capital in currency: the excess goes to the other strategy', () => {
    // s0 capped at 600: ERC wants 666.67, water-filling gives s0 600 and s1 400.
    const capped = new AllocationCalculator(
      configOf([
        { weight: 0.5, min: 0, max: 600 },
        { weight: 0.5, min: 0, max: 1_000_000 },
      ]),
    );
    const erc = new RiskAdjustedAllocator(capped, {
      method: 'equal_risk_contribution',
      adjustmentSensitivity: 1,
    });
    const result = erc.calculateAdjustedAllocations(history, baseTargets);
    expect(result.targets.s0).toBeCloseTo(600, 9);
    expect(result.targets.s1).toBeCloseTo(400, 9);
  });

  it('equalizes the risk contributions of three strategies under the shrunk covariance', () => {
    const three = new AllocationCalculator(
      configOf([
        { weight: 0.2, min: 0, max: 1e6 },
        { weight: 0.3, min: 0, max: 1e6 },
        { weight: 0.5, min: 0, max: 1e6 },
      ]),
    );
    const t = [0, 1, 2, 3, 4, 5].map((k) => JAN_2 + BigInt(k) * DAY);
    const r = [
      [0.01, -0.02, 0.015, 0.003, -0.007, 0.012],
      [0.02, -0.01, 0.01, -0.004, 0.001, 0.006],
      [-0.005, 0.004, 0.002, 0.001, -0.003, 0.0],
    ];
    const h: PerformanceHistory = Object.fromEntries(
      r.map((returns, i) => [`s${i}`, { timestampsNs: t, returns }]),
    );
    const result = new RiskAdjustedAllocator(three, {
      method: 'equal_risk_contribution',
      adjustmentSensitivity: 1,
    }).calculateAdjustedAllocations(h, { s0: 200, s1: 300, s2: 500 });
    // Brute force: sample covariance (ddof 1), off-diagonals x (1 - 3 / (3 + 6)) = 2/3, then the
    // risk contributions w_i (Sigma w)_i must be equal.
    const mean = r.map((x) => x.reduce((a, b) => a + b, 0) / 6);
    const cov = (i: number, j: number) =>
      (r[i]!.reduce((a, x, k) => a + (x - mean[i]!) * (r[j]![k]! - mean[j]!), 0) / 5) *
      (i === j ? 1 : 2 / 3);
    const w = [0, 1, 2].map((i) => result.targets[`s${i}`]! / 1000);
    const rc = w.map((wi, i) => wi * [0, 1, 2].reduce((a, j) => a + cov(i, j) * w[j]!, 0));
    expect(rc[1]! / rc[0]!).toBeCloseTo(1, 9);
    expect(rc[2]! / rc[0]!).toBeCloseTo(1, 9);
    expect(result.shrinkage).toBeCloseTo(1 / 3, 14);
  });

  it('keeps a zero-volatility strategy at its base weight', () => {
    const flat: PerformanceHistory = {
      ...history,
      s1: { timestampsNs: times, returns: [0, 0, 0] },
    };
    for (const method of ['inverse_volatility', 'equal_risk_contribution'] as const) {
      const result = new RiskAdjustedAllocator(base, {
        method,
        adjustmentSensitivity: 1,
      }).calculateAdjustedAllocations(flat, baseTargets);
      // Only s0 is a member: its risk weight is 1 of its own base share, so nothing moves.
      expect(result.stats.s1?.adjusted).toBe(false);
      expect(result.targets.s0).toBeCloseTo(500, 9);
      expect(result.targets.s1).toBeCloseTo(500, 9);
    }
  });
});

describe('RiskAdjustedAllocator: configuration and errors', () => {
  it('reads risk_adjustment from the config', () => {
    const config = exampleConfig({
      risk_adjustment: {
        method: 'inverse_volatility',
        lookback_period_days: 10,
        adjust_every_hours: 24,
      },
    });
    const risk = RiskAdjustedAllocator.fromConfig(new AllocationCalculator(config));
    expect(risk?.method).toBe('inverse_volatility');
    expect(risk?.lookbackNs).toBe(10n * DAY);
    expect(risk?.adjustmentSensitivity).toBe(0.1);
    expect(risk?.adjustEveryNs).toBe(24n * 3_600_000_000_000n);
    expect(RiskAdjustedAllocator.fromConfig(new AllocationCalculator(exampleConfig()))).toBeNull();
  });

  it('says when an adjustment is due', () => {
    const base = new AllocationCalculator(exampleConfig());
    const every = new RiskAdjustedAllocator(base, { adjustEveryHours: 24 });
    expect(every.isAdjustmentDue(JAN_2, null)).toBe(true);
    expect(every.isAdjustmentDue(JAN_2 + DAY - 1n, JAN_2)).toBe(false);
    expect(every.isAdjustmentDue(JAN_2 + DAY, JAN_2)).toBe(true);
    expect(new RiskAdjustedAllocator(base).isAdjustmentDue(JAN_2, JAN_2)).toBe(true);
  });

  it('rejects bad options and histories with RiskError', () => {
    const base = new AllocationCalculator(exampleConfig());
    const bad = [
      { lookbackPeriodDays: 0 },
      { adjustmentSensitivity: -1 },
      { adjustmentSensitivity: Infinity },
      { shrinkage: 2 },
      { adjustEveryHours: 0 },
    ];
    for (const options of bad) {
      expect(() => new RiskAdjustedAllocator(base, options)).toThrow(
        expect.objectContaining({ _tag: 'RiskError', code: 'invalid_options' }),
      );
    }
    const risk = new RiskAdjustedAllocator(base);
    expect(() =>
      risk.calculateAdjustedAllocations(
        { a: { timestampsNs: [JAN_2 + DAY, JAN_2], returns: [0, 0] } },
        {},
      ),
    ).toThrow(expect.objectContaining({ code: 'invalid_history' }));
    expect(() =>
      risk.calculateAdjustedAllocations({ a: { timestampsNs: [JAN_2], returns: [0, 0] } }, {}),
    ).toThrow(expect.objectContaining({ code: 'invalid_history' }));
    expect(() =>
      risk.calculateAdjustedAllocations(risk.createRollingStats(), {}, { asOfNs: JAN_2 }),
    ).toThrow(expect.objectContaining({ code: 'invalid_options' }));
    const other = new RiskAdjustedAllocator(
      new AllocationCalculator(configOf([{ weight: 1, min: 0, max: 10 }])),
    );
    expect(() => risk.calculateAdjustedAllocations(other.createRollingStats(), {})).toThrow(
      expect.objectContaining({ code: 'unknown_strategy' }),
    );
  });
});
