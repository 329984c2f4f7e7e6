import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  calculateSharpeDrawdownScore,
  calculateSharpeDrawdownWeights,
  type TiltInput,
} from './sharpe-drawdown.js';

describe('calculateSharpeDrawdownScore', () => {
  it('is the capped Sharpe minus 10 x the drawdown depth', () => {
    // README strategy A: 1.58745079 - 10 x 0.009 = 1.49745079.
    expect(calculateSharpeDrawdownScore(1.58745079, -0.009)).toBeCloseTo(1.49745079, 8);
    // Sharpe 12 capped at 5; drawdown 20% -> 5 - 2 = 3.
    expect(calculateSharpeDrawdownScore(12, -0.2)).toBeCloseTo(3, 14);
    expect(calculateSharpeDrawdownScore(-12, 0)).toBe(-5);
    // Zero volatility (null Sharpe) scores only its drawdown.
    expect(calculateSharpeDrawdownScore(null, -0.05)).toBeCloseTo(-0.5, 14);
  });
});

describe('calculateSharpeDrawdownWeights: the README worked example', () => {
  const base = [0.4, 0.35, 0.25];
  const inputs: TiltInput[] = [
    { count: 3, sharpe: 1.5874507866, maxDrawdown: -0.009 },
    { count: 3, sharpe: -3.1749015733, maxDrawdown: -0.012 },
    { count: 3, sharpe: null, maxDrawdown: 0 },
  ];

  it('tilts with sensitivity 0.1', () => {
    // scores: A 1.4974508, B -3.1749016 - 0.12 = -3.2949016, C 0; best = A.
    // e_A = 1, e_B = exp(0.1 x (-3.2949016 - 1.4974508)) = exp(-0.47923524) = 0.6192568,
    // e_C = exp(0.1 x (0 - 1.4974508)) = exp(-0.14974508) = 0.8609274.
    // b x e: 0.4, 0.35 x 0.6192568 = 0.2167399, 0.25 x 0.8609274 = 0.2152319; sum 0.8319717.
    // w = 0.4 / 0.8319717 = 0.4807856, 0.2167399 / 0.8319717 = 0.2605135, 0.2152319 / 0.8319717 = 0.2587009.
    const { weights, scores, adjusted } = calculateSharpeDrawdownWeights(base, inputs, {
      sensitivity: 0.1,
    });
    expect(scores[0]).toBeCloseTo(1.4974508, 6);
    expect(scores[1]).toBeCloseTo(-3.2949016, 6);
    expect(scores[2]).toBe(0);
    expect(Array.from(adjusted)).toEqual([1, 1, 1]);
    expect(weights[0]).toBeCloseTo(0.4807856, 6);
    expect(weights[1]).toBeCloseTo(0.2605135, 6);
    expect(weights[2]).toBeCloseTo(0.2587009, 6);
  });

  it('tilts harder with sensitivity 0.5', () => {
    // e_B = exp(0.5 x -4.7923524) = exp(-2.3961762) = 0.0910655, e_C = exp(-0.7487254) = 0.4729690.
    // b x e: 0.4, 0.0318729, 0.1182423; sum 0.5501152 -> w = 0.7271205, 0.0579386, 0.2149409.
    const { weights } = calculateSharpeDrawdownWeights(base, inputs, { sensitivity: 0.5 });
    expect(weights[0]).toBeCloseTo(0.7271205, 6);
    expect(weights[1]).toBeCloseTo(0.0579386, 6);
    expect(weights[2]).toBeCloseTo(0.2149409, 6);
  });

  it('leaves a strategy with fewer than two returns at its base weight exactly', () => {
    // B has one return: S = {A, C}, B_S = 0.65; e_A = 1, e_C = 0.8609274 (as above).
    // w_A = 0.65 x 0.4 / (0.4 + 0.2152319) = 0.26 / 0.6152319 = 0.4226049; w_C = 0.65 - 0.4226049 = 0.2273951.
    const short = [
      inputs[0] as TiltInput,
      { count: 1, sharpe: null, maxDrawdown: -0.5 },
      inputs[2] as TiltInput,
    ];
    const { weights, adjusted } = calculateSharpeDrawdownWeights(base, short, { sensitivity: 0.1 });
    expect(weights[1]).toBe(0.35);
    expect(adjusted[1]).toBe(0);
    expect(weights[0]).toBeCloseTo(0.4226049, 6);
    expect(weights[2]).toBeCloseTo(0.2273951, 6);
  });
});

const tiltInput = fc.record({
  count: fc.integer({ min: 0, max: 50 }),
  sharpe: fc.option(fc.double({ min: -20, max: 20, noNaN: true }), { freq: 6 }),
  maxDrawdown: fc.option(fc.double({ min: -1, max: 0, noNaN: true }), { freq: 8 }),
});

describe('calculateSharpeDrawdownWeights: properties', () => {
  const cases = fc.integer({ min: 1, max: 8 }).chain((n) =>
    fc.record({
      base: fc.array(fc.oneof(fc.constant(0), fc.double({ min: 1e-6, max: 1, noNaN: true })), {
        minLength: n,
        maxLength: n,
      }),
      inputs: fc.array(tiltInput, { minLength: n, maxLength: n }),
      sensitivity: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 50, noNaN: true })),
      k: fc.nat({ max: n - 1 }),
      sharpeGain: fc.double({ min: 0, max: 10, noNaN: true }),
      extraDepth: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  );

  it('keeps the sum of the base weights, returns the base at sensitivity 0, stays finite and >= 0', () => {
    fc.assert(
      fc.property(cases, ({ base, inputs, sensitivity }) => {
        const { weights } = calculateSharpeDrawdownWeights(base, inputs, { sensitivity });
        const baseSum = base.reduce((a, b) => a + b, 0);
        const sum = weights.reduce((a, b) => a + b, 0);
        expect(Math.abs(sum - baseSum)).toBeLessThanOrEqual(1e-12 * Math.max(1, baseSum));
        weights.forEach((w, i) => {
          expect(Number.isFinite(w)).toBe(true);
          expect(w).toBeGreaterThanOrEqual(0);
          if (sensitivity === 0 || (inputs[i] as TiltInput).count < 2) expect(w).toBe(base[i]);
        });
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it('never lowers the weight share of a strategy whose Sharpe rises or drawdown shallows', () => {
    fc.assert(
      fc.property(cases, ({ base, inputs, sensitivity, k, sharpeGain, extraDepth }) => {
        const input = inputs[k] as TiltInput;
        const worse: TiltInput = {
          count: input.count,
          sharpe: input.sharpe ?? 0,
          maxDrawdown: Math.max(-1, (input.maxDrawdown ?? 0) - extraDepth),
        };
        const better: TiltInput = {
          count: input.count,
          sharpe: (input.sharpe ?? 0) + sharpeGain,
          maxDrawdown: input.maxDrawdown ?? 0,
        };
        const run = (x: TiltInput) =>
          calculateSharpeDrawdownWeights(
            base,
            inputs.map((v, i) => (i === k ? x : v)),
            { sensitivity },
          ).weights;
        const low = run(worse);
        const high = run(better);
        const share = (w: Float64Array) =>
          (w[k] as number) /
          Math.max(
            Number.MIN_VALUE,
            w.reduce((a, b) => a + b, 0),
          );
        expect(share(high)).toBeGreaterThanOrEqual(share(low) * (1 - 1e-12));
        // ... and it is at least as large against each other strategy.
        for (let j = 0; j < base.length; j++) {
          if (j === k) continue;
          expect((high[k] as number) * (low[j] as number)).toBeGreaterThanOrEqual(
            (low[k] as number) * (high[j] as number) * (1 - 1e-12),
          );
        }
      }),
      { seed: 12, numRuns: 300 },
    );
  });
});
