// Properties of the water-filling targets, checked against a bisection reference.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AllocationCalculator } from './allocation-calculator.js';
import { configWithBounds } from './config.test-util.js';
import { allocateTargetsInto } from './water-filling.js';

const settings = { numRuns: 300, seed: 20260611 };

interface Case {
  readonly weights: number[];
  readonly bounds: [number, number][];
  readonly equity: number;
}

const amount = fc.double({ min: 0, max: 1e6, noNaN: true, noDefaultInfinity: true });
const weight = fc.oneof(
  fc.constant(0),
  fc.double({ min: 0, max: 1, noNaN: true, noDefaultInfinity: true }),
);

const caseArb: fc.Arbitrary<Case> = fc
  .integer({ min: 1, max: 8 })
  .chain((n) =>
    fc.record({
      weights: fc.array(weight, { minLength: n, maxLength: n }),
      bounds: fc.array(
        fc
          .tuple(amount, amount)
          .map(([a, b]): [number, number] => [Math.min(a, b), Math.max(a, b)]),
        { minLength: n, maxLength: n },
      ),
      // Position of equity relative to [sum(min), sum(max)]: below, inside, above.
      at: fc.double({ min: -0.5, max: 1.5, noNaN: true, noDefaultInfinity: true }),
    }),
  )
  .map(({ weights, bounds, at }) => {
    const sumMin = bounds.reduce((s, [min]) => s + min, 0);
    const sumMax = bounds.reduce((s, [, max]) => s + max, 0);
    return { weights, bounds, equity: sumMin + at * (sumMax - sumMin) };
  });

function run(c: Case): Float64Array {
  const out = new Float64Array(c.weights.length);
  allocateTargetsInto(
    out,
    c.equity,
    Float64Array.from(c.weights),
    Float64Array.from(c.bounds.map(([min]) => min)),
    Float64Array.from(c.bounds.map(([, max]) => max)),
  );
  return out;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
const sum = (xs: ArrayLike<number>) => Array.from(xs).reduce((s, x) => s + x, 0);

/**
 * Independent reference: bisection on lambda (200 halvings), then the zero-weight rule.
 * Weights are taken relative to the largest (targets depend only on their ratios), and a
 * relative weight <= 1e-200 counts as 0, as documented.
 */
function reference(raw: Case): number[] {
  const largest = Math.max(0, ...raw.weights);
  const c = {
    ...raw,
    weights: raw.weights.map((w) => (largest > 0 && w / largest > 1e-200 ? w / largest : 0)),
  };
  const mins = c.bounds.map(([min]) => min);
  const maxs = c.bounds.map(([, max]) => max);
  const sumMin = sum(mins);
  const sumMax = sum(maxs);
  if (c.equity <= sumMin)
    return mins.map((m) => (sumMin > 0 && c.equity > 0 ? (m * c.equity) / sumMin : 0));
  if (c.equity >= sumMax) return maxs;
  const at = (lambda: number) => c.weights.map((w, i) => clamp(lambda * w, mins[i]!, maxs[i]!));
  const full = c.weights.map((w, i) => (w > 0 ? maxs[i]! : mins[i]!));
  if (sum(full) <= c.equity) {
    const rest = c.equity - sum(full);
    const headroom = sum(c.weights.map((w, i) => (w > 0 ? 0 : maxs[i]! - mins[i]!)));
    return full.map((t, i) =>
      c.weights[i]! > 0 ? t : t + (rest * (maxs[i]! - mins[i]!)) / headroom,
    );
  }
  let lo = 0;
  let hi = 1;
  while (sum(at(hi)) < c.equity) hi *= 2;
  for (let k = 0; k < 200; k++) {
    const mid = (lo + hi) / 2;
    if (sum(at(mid)) < c.equity) lo = mid;
    else hi = mid;
  }
  return at(hi);
}

const tol = (c: Case) => 1e-9 * Math.max(1, Math.abs(c.equity), ...c.bounds.map(([, max]) => max));

describe('regressions found by the properties', () => {
  it('a subnormal weight does not overflow the breakpoints', () => {
    const tiny: Case = {
      weights: [0, 5e-324, 0, 0, 0, 0],
      bounds: [
        [0, 0],
        [0, 8.881784197001252e-16],
        [0, 0],
        [0, 0],
        [0, 0],
        [0, 0],
      ],
      equity: 5e-324,
    };
    // The only weighted strategy takes the whole equity (it is below its max).
    expect(Array.from(run(tiny))).toEqual([0, 5e-324, 0, 0, 0, 0]);
    const mixed: Case = {
      weights: [0, 5e-324, 0, 0, 7.785276284009568e-20, 0],
      bounds: [
        [0, 0],
        [0, 11408.438021966977],
        [0, 0],
        [0, 0],
        [0, 0],
        [0, 0],
      ],
      equity: 5.6363e-320,
    };
    // s1's relative weight 5e-324 / 7.8e-20 = 6.4e-305 is below the 1e-200 cutoff, so it counts
    // as zero-weight; s4 (the only weighted one) is full at max 0, so s1 takes the rest by
    // headroom: all of the equity.
    expect(Array.from(run(mixed))).toEqual([0, 5.6363e-320, 0, 0, 0, 0]);
  });
});

describe('allocateTargetsInto properties', () => {
  it('targets sum to equity whenever sum(min) <= equity <= sum(max)', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const sumMin = sum(c.bounds.map(([min]) => min));
        const sumMax = sum(c.bounds.map(([, max]) => max));
        fc.pre(c.equity >= sumMin && c.equity <= sumMax);
        expect(Math.abs(sum(run(c)) - c.equity)).toBeLessThanOrEqual(tol(c));
      }),
      settings,
    );
  });

  it('every target is within its bounds (at most its min when equity < sum(min))', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const sumMin = sum(c.bounds.map(([min]) => min));
        const out = run(c);
        c.bounds.forEach(([min, max], i) => {
          expect(out[i]!).toBeLessThanOrEqual(max + tol(c));
          if (c.equity >= sumMin) expect(out[i]!).toBeGreaterThanOrEqual(min - tol(c));
          else expect(out[i]!).toBeLessThanOrEqual(min + tol(c));
          expect(out[i]!).toBeGreaterThanOrEqual(0);
        });
      }),
      settings,
    );
  });

  it('agrees with a bisection reference to 1e-9', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const out = run(c);
        reference(c).forEach((expected, i) =>
          expect(Math.abs(out[i]! - expected)).toBeLessThanOrEqual(tol(c)),
        );
      }),
      settings,
    );
  });

  it('targets of targets are unchanged', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const calc = new AllocationCalculator(configWithBounds(c.bounds), {
          weights: Object.fromEntries(c.weights.map((w, i) => [`s${i}`, w])),
        });
        const first = calc.calculateTargets({}, c.equity);
        const second = calc.calculateTargets(first.targets, first.unallocated);
        expect(second.boundsViolated).toBe(first.boundsViolated);
        expect(Math.abs(second.unallocated - first.unallocated)).toBeLessThanOrEqual(tol(c));
        for (const id of Object.keys(first.targets)) {
          expect(Math.abs(second.targets[id]! - first.targets[id]!)).toBeLessThanOrEqual(tol(c));
        }
      }),
      settings,
    );
  });

  it("raising one weight (renormalising the rest) never lowers that strategy's target", () => {
    fc.assert(
      fc.property(
        caseArb,
        fc.nat(),
        fc.double({ min: 0, max: 1, noNaN: true, noDefaultInfinity: true }),
        (c, pick, raise) => {
          const total = sum(c.weights);
          fc.pre(total > 0);
          const j = pick % c.weights.length;
          const normal = c.weights.map((w) => w / total);
          const wj = normal[j]!;
          const raised = wj + raise * (1 - wj);
          const rest = 1 - wj;
          const next = normal.map((w, i) =>
            i === j ? raised : rest > 0 ? (w * (1 - raised)) / rest : 0,
          );
          const before = run({ ...c, weights: normal })[j]!;
          const after = run({ ...c, weights: next })[j]!;
          expect(after).toBeGreaterThanOrEqual(before - tol(c));
        },
      ),
      settings,
    );
  });
});
