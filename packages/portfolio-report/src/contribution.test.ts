// Contributions: shown in strategy order, and they add up to the portfolio's total return.
import fc from 'fast-check';
import type { PortfolioBacktestResult } from '@njord/portfolio-contracts';
import { describe, expect, it } from 'vitest';
import { summarizeContributions } from './contribution.js';
import { makeBacktestResult } from './fixture.test-util.js';

describe('summarizeContributions', () => {
  it('adds the contributions and compares them with final / initial - 1 (worked by hand)', () => {
    const base = makeBacktestResult({ bars: 3 });
    const result: PortfolioBacktestResult = {
      ...base,
      initialCapital: 1000,
      finalEquity: 1150,
      contribution: { trendline_break_v1: 0.1, rsi_tema_bb_v1: 0.08, momentum_v1: -0.03 },
    };
    const summary = summarizeContributions(result, [
      'trendline_break_v1',
      'rsi_tema_bb_v1',
      'momentum_v1',
    ]);
    // 0.1 + 0.08 - 0.03 = 0.15 = 1150 / 1000 - 1; shares 0.1/0.15, 0.08/0.15, -0.03/0.15.
    expect(summary.sum).toBeCloseTo(0.15, 12);
    expect(summary.totalReturn).toBeCloseTo(0.15, 12);
    expect(summary.residual).toBeCloseTo(0, 12);
    expect(summary.rows.map((r) => r.shareOfTotal)).toEqual([
      0.1 / summary.sum,
      0.08 / summary.sum,
      -0.03 / summary.sum,
    ]);
  });

  it('keeps a strategy the config lacks and shows one with no contribution as null', () => {
    const base = makeBacktestResult({ bars: 3 });
    const result: PortfolioBacktestResult = {
      ...base,
      contribution: { momentum_v1: 0.01, other: 0.02 },
    };
    const summary = summarizeContributions(result, ['trendline_break_v1', 'momentum_v1']);
    expect(summary.rows.map((r) => [r.strategyId, r.contribution])).toEqual([
      ['trendline_break_v1', null],
      ['momentum_v1', 0.01],
      ['other', 0.02],
    ]);
  });

  it('sums to the total return on consistent results of any shape (property over the fixture)', () => {
    fc.assert(
      fc.property(
        fc.record({
          bars: fc.integer({ min: 2, max: 400 }),
          strategies: fc.integer({ min: 1, max: 6 }),
          rebalanceEvery: fc.integer({ min: 0, max: 30 }),
          seed: fc.integer({ min: 1, max: 1_000_000 }),
        }),
        (options) => {
          const result = makeBacktestResult(options);
          const summary = summarizeContributions(result, Object.keys(result.contribution));
          // Brute force: the plain sum of the result's numbers, and the definition of total return.
          const sum = Object.values(result.contribution).reduce((a, b) => a + b, 0);
          expect(summary.sum).toBe(sum);
          expect(Math.abs(sum - (result.finalEquity / result.initialCapital - 1))).toBeLessThan(
            1e-9,
          );
          expect(Math.abs(summary.residual ?? Number.NaN)).toBeLessThan(1e-9);
        },
      ),
      { numRuns: 60, seed: 2024 },
    );
  });
});
