// Hand-calculated targets, drift and trigger cases on the seed example portfolio.
import { readFileSync } from 'node:fs';
import { parsePortfolioConfig } from '@njord/portfolio-contracts/yaml';
import { describe, expect, it } from 'vitest';
import { AllocationCalculator } from './allocation-calculator.js';
import { configWithBounds } from './config.test-util.js';
import {
  allocatePreparedInto,
  allocateTargetsInto,
  calculateDriftInto,
  prepareAllocation,
} from './water-filling.js';

const seed = parsePortfolioConfig(
  readFileSync(new URL('../../../config/portfolio.yaml', import.meta.url), 'utf8'),
  'config/portfolio.yaml',
);
const A = 'trendline_break_v1'; // w .40, [10k, 30k]
const B = 'rsi_tema_bb_v1'; // w .35, [10k, 25k]
const C = 'momentum_v1'; // w .25, [5k, 20k]
// sum(min) = 25k, sum(max) = 75k.
// Breakpoints lambda = bound / w: A 25k..75k, B 28571.43..71428.57, C 20k..80k.

const calc = new AllocationCalculator(seed);

/** All equity in unallocated cash, so equity is exactly `equity`. */
function targetsAt(equity: number, calculator = calc) {
  return calculator.calculateTargets({}, equity);
}

function expectClose(actual: number, expected: number, tolerance = 1e-9) {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(
    tolerance * Math.max(1, Math.abs(expected)),
  );
}

describe('calculateTargets on the seed portfolio', () => {
  it('50k: lambda = 50k, no bound binds', () => {
    // A .40*50k = 20k in [10k,30k]; B .35*50k = 17.5k in [10k,25k]; C .25*50k = 12.5k in [5k,20k].
    const result = targetsAt(50_000);
    expectClose(result.targets[A]!, 20_000);
    expectClose(result.targets[B]!, 17_500);
    expectClose(result.targets[C]!, 12_500);
    expect(result.equity).toBe(50_000);
    expectClose(result.unallocated, 0);
    expect(result.boundsViolated).toBe(false);
  });

  it('equity from current capital plus unallocated cash', () => {
    // 22k + 18k + 9k + 1k unallocated = 50k: the same targets as above.
    const result = calc.calculateTargets({ [A]: 22_000, [B]: 18_000, [C]: 9_000 }, 1_000);
    expect(result.equity).toBe(50_000);
    expectClose(result.targets[A]!, 20_000);
    expectClose(result.targets[C]!, 12_500);
  });

  it('20k, below sum(min) = 25k: mins scaled by 20/25 = 0.8 and boundsViolated', () => {
    // A 10k*.8 = 8k, B 10k*.8 = 8k, C 5k*.8 = 4k; sum 20k.
    const result = targetsAt(20_000);
    expectClose(result.targets[A]!, 8_000);
    expectClose(result.targets[B]!, 8_000);
    expectClose(result.targets[C]!, 4_000);
    expectClose(result.unallocated, 0);
    expect(result.boundsViolated).toBe(true);
  });

  it('25k, exactly sum(min): the mins, bounds not violated', () => {
    const result = targetsAt(25_000);
    expect([result.targets[A], result.targets[B], result.targets[C]]).toEqual([
      10_000, 10_000, 5_000,
    ]);
    expect(result.boundsViolated).toBe(false);
  });

  it('27k: B binds at its min', () => {
    // lambda = 27k would give B .35*27k = 9450 < 10k, so B = 10k; A and C share 17k by
    // .40:.25, lambda = 17k/.65 = 26153.85 (A 10461.54 >= 10k, C 6538.46 >= 5k, B still
    // .35*26153.85 = 9153.8 < 10k). A = 6800/.65, C = 4250/.65.
    const result = targetsAt(27_000);
    expectClose(result.targets[A]!, 6_800 / 0.65);
    expectClose(result.targets[B]!, 10_000);
    expectClose(result.targets[C]!, 4_250 / 0.65);
    expect(result.boundsViolated).toBe(false);
  });

  it('70k: lambda = 70k, still inside every bound', () => {
    // A 28k < 30k, B 24.5k < 25k, C 17.5k < 20k.
    const result = targetsAt(70_000);
    expectClose(result.targets[A]!, 28_000);
    expectClose(result.targets[B]!, 24_500);
    expectClose(result.targets[C]!, 17_500);
  });

  it('72k: B binds at its max', () => {
    // lambda = 72k gives B 25.2k > 25k, so B = 25k; A and C share 47k by .40:.25,
    // lambda = 47k/.65 = 72307.69 (A 28923.08 < 30k, C 18076.92 < 20k). A = 18800/.65, C = 11750/.65.
    const result = targetsAt(72_000);
    expectClose(result.targets[A]!, 18_800 / 0.65);
    expectClose(result.targets[B]!, 25_000);
    expectClose(result.targets[C]!, 11_750 / 0.65);
    expectClose(result.unallocated, 0);
  });

  it('74k: A and B bind at their max, C takes the rest', () => {
    // From 72k's reasoning lambda = 49k/.65 = 75384.6 would give A 30153.8 > 30k, so A = 30k
    // and B = 25k; C = 74k - 55k = 19k (lambda 76k: C .25*76k = 19k < 20k).
    const result = targetsAt(74_000);
    expectClose(result.targets[A]!, 30_000);
    expectClose(result.targets[B]!, 25_000);
    expectClose(result.targets[C]!, 19_000);
  });

  it('100k, above sum(max) = 75k: the maxes, 25k unallocated', () => {
    const result = targetsAt(100_000);
    expect([result.targets[A], result.targets[B], result.targets[C]]).toEqual([
      30_000, 25_000, 20_000,
    ]);
    expect(result.unallocated).toBe(25_000);
    expect(result.boundsViolated).toBe(false);
  });

  it('equity <= 0: every target 0, bounds violated', () => {
    const result = targetsAt(-5_000);
    expect([result.targets[A], result.targets[B], result.targets[C]]).toEqual([0, 0, 0]);
    expect(result.unallocated).toBe(-5_000);
    expect(result.boundsViolated).toBe(true);
  });

  it('capital of an id the config does not know counts toward equity, with target 0', () => {
    // 40k + 10k of a removed strategy = 50k: the seed targets plus old = 0.
    const result = calc.calculateTargets({ [A]: 40_000, old: 10_000 });
    expect(result.equity).toBe(50_000);
    expect(result.targets['old']).toBe(0);
    expectClose(result.targets[A]!, 20_000);
  });

  it('throws on non-finite capital', () => {
    expect(() => calc.calculateTargets({ [A]: Number.NaN })).toThrow(
      expect.objectContaining({ _tag: 'AllocatorError', code: 'non_finite_input' }),
    );
  });
});

describe('weight overrides and zero weights', () => {
  it('withWeights keeps the bounds and replaces the weights; missing ids get 0', () => {
    // Weights A .5, B .5, C 0 at 40k: lambda = 40k gives A 20k, B 20k; C 0 clamps to its min 5k,
    // so A + B share 35k: lambda = 35k, A = B = 17.5k (inside [10k,30k] and [10k,25k]).
    const result = calc.withWeights({ [A]: 0.5, [B]: 0.5 }).calculateTargets({}, 40_000);
    expectClose(result.targets[A]!, 17_500);
    expectClose(result.targets[B]!, 17_500);
    expectClose(result.targets[C]!, 5_000);
  });

  it('rejects unknown ids and negative weights', () => {
    expect(() => calc.withWeights({ nope: 1 })).toThrow(
      expect.objectContaining({ code: 'invalid_weights' }),
    );
    expect(() => calc.withWeights({ [A]: -0.1 })).toThrow(
      expect.objectContaining({ code: 'invalid_weights' }),
    );
  });

  it('the rest goes to zero-weight strategies by headroom once the weighted ones are full', () => {
    // s0 w 1 [0,10k] fills to 10k; s1 [1k,11k] and s2 [2k,32k] have weight 0, headroom 10k and 30k.
    // At 20k: 20k - (10k + 1k + 2k) = 7k left, split 10:30 -> s1 1k + 1.75k = 2.75k, s2 2k + 5.25k = 7.25k.
    const config = configWithBounds([
      [0, 10_000],
      [1_000, 11_000],
      [2_000, 32_000],
    ]);
    const result = new AllocationCalculator(config).calculateTargets({}, 20_000);
    expectClose(result.targets['s0']!, 10_000);
    expectClose(result.targets['s1']!, 2_750);
    expectClose(result.targets['s2']!, 7_250);
  });

  it('allocateTargetsInto works without a scratch buffer', () => {
    // Same as the 72k seed case, through the low-level function.
    const out = new Float64Array(3);
    allocateTargetsInto(
      out,
      72_000,
      Float64Array.of(0.4, 0.35, 0.25),
      Float64Array.of(10_000, 10_000, 5_000),
      Float64Array.of(30_000, 25_000, 20_000),
    );
    expectClose(out[0]!, 18_800 / 0.65);
    expectClose(out[1]!, 25_000);
  });

  it('allocateTargetsInto sees weights and bounds changed in place (no stale preparation)', () => {
    const out = new Float64Array(3);
    const weights = Float64Array.of(0.4, 0.35, 0.25);
    const mins = Float64Array.of(10_000, 10_000, 5_000);
    const maxs = Float64Array.of(30_000, 25_000, 20_000);
    allocateTargetsInto(out, 72_000, weights, mins, maxs);
    expectClose(out[0]!, 18_800 / 0.65);
    // Only s0 weighted: it fills to its max 30k; the other 42k - 15k of mins = 27k goes to
    // s1 and s2 by headroom (15k each): 13.5k each on top of their mins.
    weights.set([1, 0, 0]);
    allocateTargetsInto(out, 72_000, weights, mins, maxs);
    expect(Array.from(out)).toEqual([30_000, 23_500, 18_500]);
    // A bound changed alone: s0's max 20k; at 60k the rest 60k - 35k = 25k is shared
    // 12.5k each on top of the mins.
    maxs[0] = 20_000;
    allocateTargetsInto(out, 60_000, weights, mins, maxs);
    expectClose(out[0]!, 20_000);
    expectClose(out[1]!, 22_500);
    expectClose(out[2]!, 17_500);
  });

  it('prepareAllocation + allocatePreparedInto give allocateTargetsInto to the bit', () => {
    const weights = Float64Array.of(0.4, 0.35, 0.25, 0);
    const mins = Float64Array.of(10_000, 10_000, 5_000, 1_000);
    const maxs = Float64Array.of(30_000, 25_000, 20_000, 9_000);
    const prepared = prepareAllocation(weights, mins, maxs);
    weights[0] = 7; // the preparation holds copies
    const a = new Float64Array(4);
    const b = new Float64Array(4);
    for (const equity of [-1, 0, 20_000, 26_000, 50_000, 72_000, 80_000, 84_000, 1e9]) {
      allocatePreparedInto(a, equity, prepared);
      allocateTargetsInto(b, equity, Float64Array.of(0.4, 0.35, 0.25, 0), mins, maxs);
      expect(Array.from(a)).toEqual(Array.from(b));
    }
  });
});

describe('calculateDrift', () => {
  it('is (capital - target) / target, signed', () => {
    // A (22k - 20k)/20k = 0.1; B (17.5k - 17.5k)/17.5k = 0; C (10k - 12.5k)/12.5k = -0.2.
    const drift = calc.calculateDrift(
      { [A]: 22_000, [B]: 17_500, [C]: 10_000 },
      { [A]: 20_000, [B]: 17_500, [C]: 12_500 },
    );
    expectClose(drift[A]!, 0.1);
    expect(drift[B]).toBe(0);
    expectClose(drift[C]!, -0.2);
  });

  it('target 0: capital / equity (equity defaults to the sum of current)', () => {
    // old: 5k / (45k + 5k) = 0.1; with equity given as 100k: 0.05. A missing from current: -1.
    expectClose(
      calc.calculateDrift({ [A]: 45_000, old: 5_000 }, { [A]: 45_000, old: 0 })['old']!,
      0.1,
    );
    const given = calc.calculateDrift({ old: 5_000 }, { [A]: 50_000 }, 100_000);
    expectClose(given['old']!, 0.05);
    expect(given[A]).toBe(-1);
  });
});

describe('drift regressions', () => {
  it('stays finite when a subnormal target meets real capital (found by a rebalancer property)', () => {
    // (8.9e-16 - 5e-324) / 5e-324 overflows to Infinity; clamped to MAX_VALUE.
    expect(calc.calculateDrift({ x: 8.881784197001252e-16 }, { x: 5e-324 })['x']).toBe(
      Number.MAX_VALUE,
    );
    const out = new Float64Array(1);
    calculateDriftInto(out, Float64Array.of(-1), Float64Array.of(5e-324), 1);
    expect(out[0]).toBe(-Number.MAX_VALUE);
  });
});

describe('rebalanceReason', () => {
  // Threshold .05, frequency 24 h = 86_400 s = 86_400_000_000_000 ns.
  const day = 86_400_000_000_000n;

  it('is strict: |drift| == threshold does not fire, above it does', () => {
    // (21k - 20k)/20k = 1000/20000 = 0.05 exactly (correctly rounded division), same for -0.05.
    const at = calc.calculateDrift({ [A]: 21_000, [B]: 19_000 }, { [A]: 20_000, [B]: 20_000 });
    expect(calc.rebalanceReason(at)).toBeNull();
    expect(calc.needsRebalance(at)).toBe(false);
    // 1001/20000 = 0.05005 > 0.05.
    const above = calc.calculateDrift({ [A]: 21_001 }, { [A]: 20_000 });
    expect(calc.rebalanceReason(above)).toBe('threshold');
    const below = calc.calculateDrift({ [A]: 18_999 }, { [A]: 20_000 });
    expect(calc.rebalanceReason(below)).toBe('threshold');
  });

  it('fires on frequency once 24 h have passed (>=), not 1 ns earlier', () => {
    const calm = { [A]: 0.01 };
    expect(calc.rebalanceReason(calm, { nowNs: 5n + day, lastRebalanceNs: 5n })).toBe('frequency');
    expect(calc.rebalanceReason(calm, { nowNs: 4n + day, lastRebalanceNs: 5n })).toBeNull();
    expect(calc.rebalanceReason(calm)).toBeNull();
  });

  it('reads drift in config order from a Float64Array the same way (the per-bar path)', () => {
    // Same numbers as above: 0.05 exactly does not fire, 0.05005 and -0.05005 do.
    expect(calc.rebalanceReason(Float64Array.of(0.05, -0.05))).toBeNull();
    expect(calc.rebalanceReason(Float64Array.of(0, 1001 / 20000))).toBe('threshold');
    expect(calc.rebalanceReason(Float64Array.of(-1001 / 20000, 0))).toBe('threshold');
    expect(
      calc.rebalanceReason(Float64Array.of(0.01, 0), { nowNs: 5n + day, lastRebalanceNs: 5n }),
    ).toBe('frequency');
  });

  it('threshold wins when both hold', () => {
    expect(calc.rebalanceReason({ [A]: 0.2 }, { nowNs: 2n * day, lastRebalanceNs: 0n })).toBe(
      'threshold',
    );
  });

  it('without rebalance_frequency_hours, time never fires', () => {
    const never = new AllocationCalculator(configWithBounds([[0, 100]]));
    expect(
      never.rebalanceReason({ s0: 0 }, { nowNs: 1000n * day, lastRebalanceNs: 0n }),
    ).toBeNull();
  });

  it('fractional hours: 0.5 h = 1_800_000_000_000 ns', () => {
    const half = new AllocationCalculator(
      configWithBounds([[0, 100]], { rebalance_frequency_hours: 0.5 }),
    );
    expect(half.rebalanceReason({}, { nowNs: 1_800_000_000_000n, lastRebalanceNs: 0n })).toBe(
      'frequency',
    );
    expect(half.rebalanceReason({}, { nowNs: 1_799_999_999_999n, lastRebalanceNs: 0n })).toBeNull();
  });
});

describe('absolute_drift_threshold', () => {
  // The seed with a relative threshold too wide to fire (0.5) and 2 weight points absolute.
  const raw = readFileSync(new URL('../../../config/portfolio.yaml', import.meta.url), 'utf8')
    .replace('rebalance_threshold: 0.05', 'rebalance_threshold: 0.5')
    .replace('rebalance_frequency_hours: 24', 'absolute_drift_threshold: 0.02');
  const absolute = new AllocationCalculator(parsePortfolioConfig(raw));
  // Equity 50k: targets A 20k, B 17.5k, C 12.5k (lambda = 50k, no bound binds).
  const targets = { [A]: 20_000, [B]: 17_500, [C]: 12_500 };
  const scale = { targets, equity: 50_000 };

  it('fires when |capital - target| / equity > the limit, whatever the relative drift', () => {
    // A 21,005: 1,005 / 50,000 = 0.0201 > 0.02 (relative 1,005 / 20,000 = 0.05025 < 0.5).
    const over = absolute.calculateDrift({ [A]: 21_005, [B]: 16_495, [C]: 12_500 }, targets);
    expect(absolute.rebalanceReason(over)).toBeNull(); // no scale: relative rule only
    expect(absolute.rebalanceReason(over, undefined, scale)).toBe('threshold');
    expect(absolute.needsRebalance(over, undefined, scale)).toBe(true);
    // A 20,995, B 17,505: 995 / 50,000 = 0.0199 and 5 / 50,000 = 0.0001, both below.
    const under = absolute.calculateDrift({ [A]: 20_995, [B]: 17_505, [C]: 12_500 }, targets);
    expect(absolute.rebalanceReason(under, undefined, scale)).toBeNull();
  });

  it('reads arrays in config order the same way', () => {
    const targetArray = Float64Array.of(20_000, 17_500, 12_500);
    // B 16,480: 1,020 / 50,000 = 0.0204 > 0.02; relative -1,020 / 17,500 = -0.0583.
    const drift = Float64Array.of(0, -1_020 / 17_500, 0);
    expect(
      absolute.rebalanceReason(drift, undefined, { targets: targetArray, equity: 50_000 }),
    ).toBe('threshold');
    // C 12,260: 240 / 50,000 = 0.0048, below.
    const calm = Float64Array.of(0, 0, -240 / 12_500);
    expect(
      absolute.rebalanceReason(calm, undefined, { targets: targetArray, equity: 50_000 }),
    ).toBeNull();
  });

  it('a target of 0: the drift is capital / equity already', () => {
    const zero = new AllocationCalculator(
      configWithBounds(
        [
          [0, 1000],
          [0, 1000],
        ],
        { rebalance_threshold: 100, absolute_drift_threshold: 0.1 },
      ),
    );
    // s1 has weight 0, target 0: 150 of 1,000 is 0.15 > 0.1; 50 of 1,000 is 0.05.
    const s1Over = zero.calculateDrift({ s0: 850, s1: 150 }, { s0: 1000, s1: 0 }, 1000);
    expect(s1Over.s1).toBe(0.15);
    expect(
      zero.rebalanceReason(s1Over, undefined, { targets: { s0: 1000, s1: 0 }, equity: 1000 }),
    ).toBe('threshold');
    const s1Under = zero.calculateDrift({ s0: 950, s1: 50 }, { s0: 1000, s1: 0 }, 1000);
    expect(
      zero.rebalanceReason(s1Under, undefined, { targets: { s0: 1000, s1: 0 }, equity: 1000 }),
    ).toBeNull();
  });

  it('without the key, the scale changes nothing', () => {
    // 900 / 20,000 = 0.045 < 0.05 relative; 900 / 50,000 = 0.018 would not matter anyway,
    // so use a tiny equity where the absolute drift would be huge: 900 / 1,000 = 0.9.
    const drift = calc.calculateDrift({ [A]: 20_900 }, { [A]: 20_000 });
    expect(calc.rebalanceReason(drift, undefined, { targets, equity: 1_000 })).toBeNull();
  });
});

describe('paused strategies (breakers)', () => {
  it('hold a paused sleeve at 0 whatever its min; the others share by weight in their bounds', () => {
    const paused = calc.withPaused([A]);
    expect(paused.paused).toEqual([A]);
    // 50k without A: B and C share by .35 : .25, lambda = 50k / .6 = 83,333: B .35 x 83,333
    // = 29,167 > max 25k and C .25 x 83,333 = 20,833 > max 20k: both at max, 5k unallocated.
    const capped = targetsAt(50_000, paused);
    expect(capped.targets[A]).toBe(0);
    expectClose(capped.targets[B]!, 25_000);
    expectClose(capped.targets[C]!, 20_000);
    expectClose(capped.unallocated, 5_000);
    // 30k: lambda = 50k: B 17,500 and C 12,500, inside their bounds.
    const inside = targetsAt(30_000, paused);
    expectClose(inside.targets[B]!, 17_500);
    expectClose(inside.targets[C]!, 12_500);
    expect(inside.targets[A]).toBe(0);
    expect(paused.weightsById()[A]).toBe(0);
  });

  it('keeps risk-adjusted weights when pausing; every sleeve paused leaves all unallocated', () => {
    const adjusted = calc.withWeights({ [A]: 0.5, [B]: 0.25, [C]: 0.25 }).withPaused([C]);
    // 30k over A and B by .5 : .25: A 20k, B 10k (both inside their bounds).
    const result = targetsAt(30_000, adjusted);
    expectClose(result.targets[A]!, 20_000);
    expectClose(result.targets[B]!, 10_000);
    expect(result.targets[C]).toBe(0);
    const all = targetsAt(30_000, calc.withPaused([A, B, C, 'unknown']));
    expect(Object.values(all.targets)).toEqual([0, 0, 0]);
    expectClose(all.unallocated, 30_000);
    // Pausing nothing again restores the weights in force: B's .25 share would be below its
    // 10k min, so B holds 10k and A, C share 20k by .5 : .25 (A 13,333.33, C 6,666.67 >= 5k).
    const restored = targetsAt(30_000, adjusted.withPaused([]));
    expectClose(restored.targets[B]!, 10_000);
    expectClose(restored.targets[C]!, 20_000 / 3);
  });
});
