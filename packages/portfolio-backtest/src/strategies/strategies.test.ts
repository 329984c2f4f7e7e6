import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { createPriceData, PriceData } from '../price-data.js';
import { generateSyntheticData } from '../synthetic-data.js';
import { createBarContext, type Strategy } from '../strategy.js';
import { MomentumStrategy } from './momentum.js';
import { RsiTemaBbStrategy } from './rsi-tema-bb.js';
import { days, runStrategy } from './run-strategy.test-util.js';
import { TrendlineBreakStrategy } from './trendline-break.js';
import { BuyAndHoldStrategy, FixedWeightsStrategy } from './weights.js';

const N = Number.NaN;

describe('buy_and_hold', () => {
  // A trades from step 0; B's first bar is step 2.
  const data = createPriceData({
    timestamps: days(4),
    bars: { A: { close: [1, 1, 1, 1] }, B: { close: [N, N, 2, 2] } },
  });

  it('targets each symbol once, on its first bar, then holds', () => {
    const strategy = new BuyAndHoldStrategy('bah', { A: 0.6, B: 0.4 });
    expect(strategy.symbols).toEqual(['A', 'B']);
    expect(runStrategy(strategy, data)).toEqual([{ A: 0.6 }, undefined, { B: 0.4 }, undefined]);
  });

  it('starts at its first call when the engine starts later', () => {
    expect(runStrategy(new BuyAndHoldStrategy('bah', { A: 0.6, B: 0.4 }), data, [1, 2, 3])).toEqual(
      [{ A: 0.6 }, { B: 0.4 }, undefined],
    );
    expect(runStrategy(new BuyAndHoldStrategy('bah', { A: 0.6, B: 0.4 }), data, [3])).toEqual([
      { A: 0.6, B: 0.4 },
    ]);
  });
});

describe('fixed_weights', () => {
  it('returns the same frozen weights on every bar', () => {
    const data = createPriceData({ timestamps: days(3), bars: { A: { close: [1, 2, 3] } } });
    const strategy = new FixedWeightsStrategy('fw', { A: 0.5 });
    expect(runStrategy(strategy, data)).toEqual([{ A: 0.5 }, { A: 0.5 }, { A: 0.5 }]);
  });
});

describe('trendline_break', () => {
  // lookback 3. Bars (high, low, close):
  //   0: 10, 8, 9    1: 11, 9, 10    2: 12, 10, 11    3: 14, 12, 13.5    4: 14, 12.5, 13    5: 15, 14, 14.5
  // Step 3: highs 10, 11, 12 lie on y = 10 + x -> 13 at x = 3; close 13.5 > 13 -> long.
  // Step 4: highs 11, 12, 14: mean 37/3, Σ(x-1)(y-ȳ) = 4/3 + 5/3 = 3, slope 1.5 -> 37/3 + 3 = 15.33;
  //         close 13 is not above. Lows 9, 10, 12: mean 31/3, slope 1.5 -> 31/3 + 3 = 13.33;
  //         close 13 < 13.33 -> flat.
  // Step 5: highs 12, 14, 14: mean 40/3, slope (4/3 + 2/3) / 2 = 1 -> 40/3 + 2 = 15.33 (close 14.5 not above);
  //         lows 10, 12, 12.5: mean 11.5, slope (1.5 + 1) / 2 = 1.25 -> 11.5 + 2.5 = 14 (14.5 not below) -> hold.
  const high = [10, 11, 12, 14, 14, 15];
  const low = [8, 9, 10, 12, 12.5, 14];
  const close = [9, 10, 11, 13.5, 13, 14.5];

  it("goes long above the highs' line, flat below the lows' line, else holds", () => {
    const data = createPriceData({ timestamps: days(6), bars: { A: { close, high, low } } });
    const strategy = new TrendlineBreakStrategy('tb', ['A'], { lookback: 3 });
    expect(runStrategy(strategy, data)).toEqual([
      undefined,
      undefined,
      undefined,
      { A: 1 },
      { A: 0 },
      undefined,
    ]);
  });

  it('gives each of n symbols 1/n and fits each on its own bars (a gap is not a bar)', () => {
    // B has A's bars shifted one step later after a gap at step 1, so B's signals come one step after A's.
    const shift = (values: number[]): number[] => [values[0]!, N, ...values.slice(1)];
    const data = createPriceData({
      timestamps: days(7),
      bars: {
        A: { close: [...close, N], high: [...high, N], low: [...low, N] },
        B: { close: shift(close), high: shift(high), low: shift(low) },
      },
    });
    const strategy = new TrendlineBreakStrategy('tb', ['A', 'B'], { lookback: 3 });
    expect(runStrategy(strategy, data)).toEqual([
      undefined,
      undefined,
      undefined,
      { A: 0.5 },
      { A: 0, B: 0.5 },
      { B: 0 },
      undefined,
    ]);
  });
});

describe('rsi_tema_bb', () => {
  // rsi_period 2, bb_period 3, bb_k 0.5, tema_period 1 (alpha 1: TEMA = close, so "rising" = close up).
  // closes 10, 8, 6, 6.1, 9, 8:
  // 2: changes -2, -2: RSI 0; bands of 10, 8, 6: mean 8, sd sqrt(8/3) = 1.633, lower 8 - 0.816 = 7.18;
  //    close 6 <= 7.18 and RSI < 30 but close fell (6 < 8): no entry; RSI 0 and 6 < upper: no exit -> hold.
  // 3: +0.1: gain 0 + (0.1 - 0) / 2 = 0.05, loss 2 + (0 - 2) / 2 = 1, RSI = 100 - 100 / 1.05 = 4.76;
  //    bands of 8, 6, 6.1: mean 6.7, sd sqrt(2.54 / 3) = 0.920, lower 6.7 - 0.460 = 6.24; 6.1 <= 6.24,
  //    rising -> long.
  // 4: +2.9: gain 0.05 + 2.85 / 2 = 1.475, loss 1 - 1 / 2 = 0.5, RSI = 100 - 100 / 3.95 = 74.7 > 70 -> flat.
  // 5: -1: gain 1.475 / 2 = 0.7375, loss 0.5 + 0.5 / 2 = 0.75, RSI 49.6; bands of 6.1, 9, 8: mean 7.7,
  //    sd sqrt(4.34 / 3) = 1.203, 7.10 .. 8.30; close 8 inside, RSI between -> hold.
  const params = {
    rsi_period: 2,
    oversold: 30,
    overbought: 70,
    bb_period: 3,
    bb_k: 0.5,
    tema_period: 1,
  };
  const closes = [10, 8, 6, 6.1, 9, 8];

  it('enters on oversold at the lower band with TEMA rising, exits when overbought', () => {
    const data = createPriceData({ timestamps: days(6), bars: { X: { close: closes } } });
    expect(runStrategy(new RsiTemaBbStrategy('r', ['X'], params), data)).toEqual([
      undefined,
      undefined,
      undefined,
      { X: 1 },
      { X: 0 },
      undefined,
    ]);
  });

  it('exits at the upper band even when RSI is not overbought', () => {
    // overbought 95, so only the band can exit. Closes 8.4 then 8.9 after the series above:
    // 8.4: +0.4: gain 0.7375 + (0.4 - 0.7375) / 2 = 0.56875, loss 0.75 / 2 = 0.375, RSI 60.3;
    //      bands of 9, 8, 8.4: mean 8.4667, sd sqrt(0.5067 / 3) = 0.411, 8.261 .. 8.672: inside -> hold.
    // 8.9: +0.5: gain 0.534375, loss 0.1875, RSI = 100 - 100 / 3.85 = 74.0 (< 95);
    //      bands of 8, 8.4, 8.9: mean 8.4333, sd sqrt(0.4067 / 3) = 0.368, upper 8.617 <= 8.9 -> flat.
    const data = createPriceData({
      timestamps: days(8),
      bars: { X: { close: [...closes, 8.4, 8.9] } },
    });
    const out = runStrategy(new RsiTemaBbStrategy('r', ['X'], { ...params, overbought: 95 }), data);
    expect(out.slice(6)).toEqual([undefined, { X: 0 }]);
  });
});

describe('momentum', () => {
  // lookback 2, rebalance_every 2, 4 symbols -> 2 slots of 1/2. Calls at every step: rebalances at 0, 2, 4.
  const closes = {
    A: [10, 10, 12, 12, 9],
    B: [10, 10, 11, 11, 12],
    C: [10, 10, 9, 9, 10],
    D: [10, 10, 13, 13, 11],
  };
  const make = (b = closes.B) =>
    createPriceData({
      timestamps: days(5),
      bars: {
        A: { close: closes.A },
        B: { close: b },
        C: { close: closes.C },
        D: { close: closes.D },
      },
    });

  it('holds the best half by lookback return, positive only, every rebalance_every bars', () => {
    // 0: nobody has 3 closes -> all 0.
    // 2: A 12/10 - 1 = 0.2, B 0.1, C -0.1, D 0.3 -> D and A.
    // 4: A 9/12 - 1 = -0.25, B 12/11 - 1 = 0.091, C 10/9 - 1 = 0.111, D 11/13 - 1 = -0.154 -> C and B.
    const out = runStrategy(
      new MomentumStrategy('m', ['A', 'B', 'C', 'D'], { lookback: 2, rebalance_every: 2 }),
      make(),
    );
    expect(out).toEqual([
      { A: 0, B: 0, C: 0, D: 0 },
      undefined,
      { A: 0.5, B: 0, C: 0, D: 0.5 },
      undefined,
      { A: 0, B: 0.5, C: 0.5, D: 0 },
    ]);
  });

  it('leaves a top slot in cash when its return is not positive', () => {
    // B ends at 10.5: 10.5/11 - 1 = -0.045; top two are C (0.111) and B (-0.045): only C is held.
    const out = runStrategy(
      new MomentumStrategy('m', ['A', 'B', 'C', 'D'], { lookback: 2, rebalance_every: 2 }),
      make([10, 10, 11, 11, 10.5]),
    );
    expect(out[4]).toEqual({ A: 0, B: 0, C: 0.5, D: 0 });
  });

  it('keeps symbol order on ties and counts the clock from its first call', () => {
    // First call at step 1: rebalances at steps 1 and 3.
    const data = createPriceData({
      timestamps: days(4),
      bars: { X: { close: [1, 1, 2, 2] }, Y: { close: [1, 1, 2, 2] }, Z: { close: [1, 1, 1, 1] } },
    });
    // 3 symbols -> ceil(3/2) = 2 slots of 1/2. At step 3: X 2/1 - 1 = 1, Y 1, Z 0 -> X, Y (Z not positive anyway).
    const out = runStrategy(
      new MomentumStrategy('m', ['Y', 'X', 'Z'], { lookback: 2, rebalance_every: 2 }),
      data,
      [1, 2, 3],
    );
    expect(out).toEqual([{ X: 0, Y: 0, Z: 0 }, undefined, { X: 0.5, Y: 0.5, Z: 0 }]);
    // Two symbols, one slot, equal returns: the first in symbol order wins.
    const tie = runStrategy(
      new MomentumStrategy('m', ['Y', 'X'], { lookback: 2, rebalance_every: 1 }),
      data,
    );
    expect(tie[3]).toEqual({ Y: 1, X: 0 });
  });

  it("measures the return over each symbol's own bars", () => {
    // G has no bar at step 2: its own last 3 closes at step 4 are steps 1, 3, 4 -> 12 / 10 - 1 = 0.2 (> H's 0.1).
    const data = createPriceData({
      timestamps: days(5),
      bars: { G: { close: [50, 10, N, 11, 12] }, H: { close: [10, 10, 10, 10, 11] } },
    });
    const out = runStrategy(
      new MomentumStrategy('m', ['G', 'H'], { lookback: 2, rebalance_every: 4 }),
      data,
    );
    expect(out[4]).toEqual({ G: 1, H: 0 });
  });
});

/** Replaces every bar after `step` with other (valid) prices. */
function withOtherFuture(data: PriceData, step: number, seed: number): PriceData {
  const other = generateSyntheticData({ symbols: data.symbols, bars: data.steps, seed });
  const mix = (a: readonly Float64Array[], b: readonly Float64Array[]) =>
    a.map((column, s) => column.map((v, t) => (t <= step ? v : b[s]![t]!)));
  return new PriceData({
    symbols: data.symbols,
    timestamps: data.timestamps,
    open: mix(data.open, other.open),
    high: mix(data.high, other.high),
    low: mix(data.low, other.low),
    close: mix(data.close, other.close),
    volume: mix(data.volume, other.volume),
  });
}

const makers: [string, (symbols: readonly string[]) => Strategy][] = [
  ['trendline_break', (symbols) => new TrendlineBreakStrategy('s', symbols, { lookback: 5 })],
  [
    'rsi_tema_bb',
    (symbols) =>
      new RsiTemaBbStrategy('s', symbols, {
        rsi_period: 3,
        oversold: 40,
        overbought: 60,
        bb_period: 4,
        bb_k: 1,
        tema_period: 2,
      }),
  ],
  [
    'momentum',
    (symbols) => new MomentumStrategy('s', symbols, { lookback: 4, rebalance_every: 3 }),
  ],
];

describe('every signal strategy', () => {
  for (const [name, make] of makers) {
    test.prop([fc.integer(), fc.integer({ min: 0, max: 59 })], { numRuns: 40, seed: 61 })(
      `${name} never reads past the current step`,
      (seed, step) => {
        const data = generateSyntheticData({ symbols: 3, bars: 60, seed });
        const changed = withOtherFuture(data, step, seed + 1);
        const steps = Array.from({ length: step + 1 }, (_, t) => t);
        expect(runStrategy(make(data.symbols), changed, steps)).toEqual(
          runStrategy(make(data.symbols), data, steps),
        );
      },
    );
  }

  for (const [name, make] of makers.slice(0, 2)) {
    test.prop(
      [
        fc.integer(),
        fc.uniqueArray(fc.integer({ min: 0, max: 79 }), { minLength: 1, maxLength: 30 }),
      ],
      {
        numRuns: 40,
        seed: 62,
      },
    )(
      `${name} gives the same signals when called only at some steps (it catches up)`,
      (seed, picked) => {
        const data = generateSyntheticData({ symbols: 2, bars: 80, seed });
        const steps = [...picked].sort((a, b) => a - b);
        const every = runStrategy(make(data.symbols), data);
        expect(runStrategy(make(data.symbols), data, steps)).toEqual(steps.map((t) => every[t]));
      },
    );
  }

  for (const [name, make] of makers) {
    test.prop(
      [
        fc.integer(),
        fc.uniqueArray(fc.integer({ min: 0, max: 79 }), { minLength: 1, maxLength: 30 }),
      ],
      { numRuns: 30, seed: 63 },
    )(
      `${name}: onBarInto writes the targets onBar gives (at the same steps, also repeated)`,
      (seed, picked) => {
        const data = generateSyntheticData({ symbols: 3, bars: 80, seed });
        const steps = [...picked].sort((a, b) => a - b).flatMap((t) => [t, t]);
        const strategy = make(data.symbols);
        const ctx = createBarContext(data, strategy.symbols);
        const rows = steps.map((step) => {
          const row = new Float64Array(strategy.symbols.length).fill(Number.NaN);
          const named = strategy.onBarInto?.(ctx.moveTo(step), row);
          if (named === undefined) throw new Error(`${name} has no onBarInto`);
          // The record a row stands for (NaN = not named), built by hand.
          if (!named) return undefined;
          const record: Record<string, number> = {};
          row.forEach((exposure, i) => {
            if (!Number.isNaN(exposure)) record[strategy.symbols[i] as string] = exposure;
          });
          return record;
        });
        expect(rows).toEqual(runStrategy(make(data.symbols), data, steps));
      },
    );
  }

  it('refuses to go back in time and repeats itself on the same step', () => {
    const data = generateSyntheticData({ symbols: 1, bars: 30, seed: 3 });
    for (const [, make] of makers) {
      const strategy = make(data.symbols);
      const out = runStrategy(strategy, data, [10, 10]);
      expect(out[1]).toEqual(out[0]);
      expect(() => runStrategy(strategy, data, [5])).toThrow(/must not go back/);
    }
  });
});
