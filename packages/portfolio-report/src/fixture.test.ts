// The test fixture is itself checked: a valid PortfolioBacktestResult by the contracts' own codec.
import {
  decodePortfolioBacktestResult,
  encodePortfolioBacktestResult,
} from '@njord/portfolio-contracts';
import { describe, expect, it } from 'vitest';
import { makeBacktestResult } from './fixture.test-util.js';

describe('makeBacktestResult', () => {
  it('makes a result the contracts decode back to itself (5,000 bars x 3 strategies, a rebalance every bar)', () => {
    const result = makeBacktestResult({ bars: 5000, exerciseStatuses: true });
    const decoded = decodePortfolioBacktestResult(
      JSON.parse(JSON.stringify(encodePortfolioBacktestResult(result))),
    );
    expect(decoded).toEqual(result);
    // A rebalance on every bar but the first (the funding bar).
    expect(result.rebalances).toHaveLength(4999);
  }, 60_000);

  it('is valid for other shapes too: intraday, many strategies, threshold only, empty', () => {
    for (const options of [
      {
        bars: 300,
        barSeconds: 60,
        strategies: 5,
        symbolsPerStrategy: 2,
        symbolCount: 4,
        rebalanceEvery: 0,
        seed: 3,
      },
      { bars: 1, strategies: 1 },
      { bars: 0 },
    ]) {
      const result = makeBacktestResult(options);
      expect(decodePortfolioBacktestResult(encodePortfolioBacktestResult(result))).toEqual(result);
    }
  });

  it('is deterministic: the same options give the same result', () => {
    expect(makeBacktestResult({ bars: 200, seed: 9 })).toEqual(
      makeBacktestResult({ bars: 200, seed: 9 }),
    );
  });
});
