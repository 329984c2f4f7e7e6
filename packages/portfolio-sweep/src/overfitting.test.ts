import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@njord/portfolio-backtest';
import { normalCdf, normalQuantile } from './normal.js';
import {
  binomial,
  deflatedSharpeRatio,
  lexicographicSubsets,
  perBarSharpe,
  probabilityOfOverfitting,
  returnsFromEquity,
} from './overfitting.js';

describe('returnsFromEquity', () => {
  it('starts from the initial capital', () => {
    // 100 -> 110 -> 99 -> 99: +10%, -10%, 0.
    const r = returnsFromEquity([110, 99, 99], 100);
    expect(Array.from(r)).toEqual([110 / 100 - 1, 99 / 110 - 1, 0]);
  });
});

describe('lexicographicSubsets', () => {
  it('lists C(n, k) sets in order', () => {
    expect([...lexicographicSubsets(4, 2)]).toEqual([
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 2],
      [1, 3],
      [2, 3],
    ]);
    expect([...lexicographicSubsets(16, 8)].length).toBe(binomial(16, 8));
    expect(binomial(16, 8)).toBe(12870);
  });
});

describe('probabilityOfOverfitting, worked by hand', () => {
  it('N = 3, S = 2, T = 5', () => {
    // T mod S = 1: row 0 is dropped. Blocks: rows 1-2 and rows 3-4.
    // Column 2 duplicates column 1 (an exact tie, as two combinations with equal results).
    const c0 = [9, 0.01, 0.03, -0.01, 0.01];
    const c1 = [-9, 0.02, 0.0, 0.03, 0.01];
    const c2 = c1.slice();
    // Per-block Sharpe of two values [a, b]: mean (a+b)/2 over std |a-b|/sqrt(2).
    //   block 0: c0 [.01,.03] -> .02/(.02/sqrt2) = sqrt2; c1, c2 [.02,0] -> 1/sqrt2
    //   block 1: c0 [-.01,.01] -> 0;                      c1, c2 [.03,.01] -> sqrt2
    // Split {0}: IS winner c0 (sqrt2); OOS block 1 = [0, sqrt2, sqrt2], c0 ranks 1:
    //   w = 1/4, logit = ln(1/3).
    // Split {1}: IS tie c1 = c2 = sqrt2, lowest index c1; OOS block 0 = [sqrt2, 1/sqrt2, 1/sqrt2],
    //   c1 ties with c2 for ranks 1 and 2: r = 1.5, w = 1.5/4, logit = ln(0.375/0.625) = ln(0.6).
    // Both logits <= 0: pbo = 2/2 = 1.
    const result = probabilityOfOverfitting([c0, c1, c2], 2);
    expect(result.partitions).toBe(2);
    expect(result.logits).toHaveLength(2);
    expect(result.logits[0]).toBeCloseTo(Math.log(1 / 3), 12);
    expect(result.logits[1]).toBeCloseTo(Math.log(0.6), 12);
    expect(result.pbo).toBe(1);
  });

  it('a column that wins everywhere is never overfit', () => {
    // c0 beats c1 in every block (higher mean, same spread), so it is the IS and OOS winner:
    // rank N = 2, w = 2/3, logit = ln 2 > 0 in each of the C(4,2) = 6 splits.
    const c0 = [0.03, 0.01, 0.04, 0.02, 0.03, 0.01, 0.04, 0.02];
    const c1 = c0.map((v) => v - 0.015);
    const result = probabilityOfOverfitting([c0, c1], 4);
    expect(result.logits).toHaveLength(6);
    for (const logit of result.logits) expect(logit).toBeCloseTo(Math.log(2), 12);
    expect(result.pbo).toBe(0);
  });

  it('rejects odd or too many partitions', () => {
    expect(() => probabilityOfOverfitting([[1, 2, 3]], 3)).toThrow(/even/);
    expect(() => probabilityOfOverfitting([[1, 2, 3]], 4)).toThrow(/blocks/);
  });
});

/** CSCV written the slow way: subsets from bit masks, Sharpe by two passes, rank by sorting. */
function bruteForcePbo(columns: number[][], S: number): { pbo: number; logits: number[] } {
  const T = columns[0]!.length;
  const size = Math.floor(T / S);
  const offset = T % S;
  const masks: number[][] = [];
  for (let mask = 0; mask < 1 << S; mask++) {
    const blocks = [];
    for (let b = 0; b < S; b++) if (mask & (1 << b)) blocks.push(b);
    if (blocks.length === S / 2) masks.push(blocks);
  }
  masks.sort((a, b) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return 0;
  });
  const sharpeOf = (rows: number[]): number => {
    const mean = rows.reduce((s, v) => s + v, 0) / rows.length;
    const variance = rows.reduce((s, v) => s + (v - mean) ** 2, 0) / (rows.length - 1);
    return variance > 0 ? mean / Math.sqrt(variance) : 0;
  };
  const rowsOf = (column: number[], blocks: number[]) =>
    blocks.flatMap((b) => column.slice(offset + b * size, offset + (b + 1) * size));
  const logits = masks.map((blocks) => {
    const others = [...Array(S).keys()].filter((b) => !blocks.includes(b));
    const is = columns.map((c) => sharpeOf(rowsOf(c, blocks)));
    const oos = columns.map((c) => sharpeOf(rowsOf(c, others)));
    let star = 0;
    is.forEach((v, j) => {
      if (v > is[star]!) star = j;
    });
    const sorted = oos.slice().sort((a, b) => a - b);
    const first = sorted.indexOf(oos[star]!) + 1;
    const last = sorted.lastIndexOf(oos[star]!) + 1;
    const w = (first + last) / 2 / (columns.length + 1);
    return Math.log(w / (1 - w));
  });
  return { pbo: logits.filter((l) => l <= 0).length / logits.length, logits };
}

describe('probabilityOfOverfitting against brute force', () => {
  it.each([
    [1, 5, 2, 11],
    [2, 8, 4, 40],
    [3, 12, 6, 63],
    [4, 20, 8, 83],
  ])('seed %d: N=%d, S=%d, T=%d', (seed, N, S, T) => {
    const random = new SeededRandom(seed);
    // Some skill in a few columns so the ranks are not all noise.
    const columns = Array.from({ length: N }, (_, j) =>
      Array.from({ length: T }, () => 0.0005 * (j % 3) + 0.01 * random.nextNormal()),
    );
    const fast = probabilityOfOverfitting(columns, S);
    const slow = bruteForcePbo(columns, S);
    expect(fast.logits).toHaveLength(slow.logits.length);
    fast.logits.forEach((logit, i) => expect(logit).toBeCloseTo(slow.logits[i]!, 10));
    expect(fast.pbo).toBe(slow.pbo);
  });
});

describe('deflatedSharpeRatio, worked by hand', () => {
  it('N = 2, T = 4', () => {
    const best = [0.01, 0.02, 0.03, 0.04];
    const other = [0.0, 0.01, 0.0, 0.01];
    // best: mean .025, deviations ±.015, ±.005; ddof-1 variance 5e-4/3, Sharpe .025/sqrt(5e-4/3)
    //   = sqrt(3.75). other: mean .005, deviations ±.005, variance 1e-4/3, Sharpe sqrt(.75).
    const sr = Math.sqrt(3.75);
    const srOther = Math.sqrt(0.75);
    // V = (sr - srOther)^2 / 2 (two values, ddof 1).
    const V = (sr - srOther) ** 2 / 2;
    // N = 2: Phi^-1(1 - 1/2) = 0, so sharpe_0 = sqrt(V) * g * Phi^-1(1 - 1/(2e)).
    const g = 0.5772156649015329;
    const sr0 = Math.sqrt(V) * g * normalQuantile(1 - 1 / (2 * Math.E));
    // Population moments of best: m2 = (2*.015^2 + 2*.005^2)/4 = 1.25e-4, m3 = 0 (symmetric),
    // m4 = (2*.015^4 + 2*.005^4)/4 = 2.5625e-8; kurtosis = 2.5625e-8 / 1.5625e-8 = 1.64.
    const kurtosis = 1.64;
    // dsr = Phi((sr - sr0) * sqrt(3) / sqrt(1 - 0 + (1.64 - 1)/4 * 3.75)) = ... / sqrt(1.6)
    const dsr = normalCdf(((sr - sr0) * Math.sqrt(3)) / Math.sqrt(1.6));
    const result = deflatedSharpeRatio([best, other], 0);
    expect(result.sharpe).toBeCloseTo(sr, 12);
    expect(result.sharpe0).toBeCloseTo(sr0, 12);
    expect(result.trials).toBe(2);
    expect(result.skew).toBeCloseTo(0, 12);
    expect(result.kurtosis).toBeCloseTo(kurtosis, 12);
    expect(result.observations).toBe(4);
    expect(result.dsr).toBeCloseTo(dsr, 12);
    expect(perBarSharpe(other)).toBeCloseTo(srOther, 12);
  });

  it('one trial is not deflated; a constant best has no moments', () => {
    const result = deflatedSharpeRatio([[0.01, 0.03, 0.02]], 0);
    expect(result.sharpe0).toBe(0);
    const flat = deflatedSharpeRatio(
      [
        [0, 0, 0],
        [0.01, 0.02, 0.0],
      ],
      0,
    );
    expect(flat.sharpe).toBe(0);
    expect(flat.skew).toBeNull();
    expect(flat.dsr).toBeNull();
  });
});

/** The same statistic by the textbook formulas, one loop each. */
describe('deflatedSharpeRatio against a direct computation', () => {
  it('random data', () => {
    const random = new SeededRandom(11);
    const columns = Array.from({ length: 7 }, () =>
      Array.from({ length: 60 }, () => 0.001 + 0.01 * random.nextNormal()),
    );
    const sharpes = columns.map((c) => {
      const m = c.reduce((s, v) => s + v, 0) / c.length;
      const sd = Math.sqrt(c.reduce((s, v) => s + (v - m) ** 2, 0) / (c.length - 1));
      return m / sd;
    });
    const best = 3;
    const meanSr = sharpes.reduce((s, v) => s + v, 0) / sharpes.length;
    const V = sharpes.reduce((s, v) => s + (v - meanSr) ** 2, 0) / (sharpes.length - 1);
    const g = 0.5772156649015329;
    const sr0 =
      Math.sqrt(V) *
      ((1 - g) * normalQuantile(1 - 1 / 7) + g * normalQuantile(1 - 1 / (7 * Math.E)));
    const c = columns[best]!;
    const m = c.reduce((s, v) => s + v, 0) / c.length;
    const moment = (k: number) => c.reduce((s, v) => s + (v - m) ** k, 0) / c.length;
    const skew = moment(3) / moment(2) ** 1.5;
    const kurt = moment(4) / moment(2) ** 2;
    const sr = sharpes[best]!;
    const dsr = normalCdf(
      ((sr - sr0) * Math.sqrt(59)) / Math.sqrt(1 - skew * sr + ((kurt - 1) / 4) * sr * sr),
    );
    const result = deflatedSharpeRatio(columns, best);
    expect(result.sharpe).toBeCloseTo(sr, 12);
    expect(result.sharpe0).toBeCloseTo(sr0, 12);
    expect(result.skew).toBeCloseTo(skew, 10);
    expect(result.kurtosis).toBeCloseTo(kurt, 10);
    expect(result.dsr).toBeCloseTo(dsr, 10);
  });
});
