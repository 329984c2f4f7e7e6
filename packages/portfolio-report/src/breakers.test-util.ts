// Test helper: a fixture result with breakers configured and four breaker events (two sleeve
// trips, a timed resume, a halt) at known bars.
import type { BreakerRecord, PortfolioBacktestResult } from '@njord/portfolio-contracts';
import { makeBacktestResult } from './fixture.test-util.js';

export interface BreakerFixture {
  readonly result: PortfolioBacktestResult;
  /** The bars of the events, in the order of `result.breakers`. */
  readonly bars: readonly number[];
}

/**
 * `bars` bars (>= 320) of the three-strategy fixture; its first sleeve has max_drawdown 10%
 * (resumed after 240 h), the second 15% without a resume, the portfolio 30%. Events: the
 * first sleeve trips at bar 100 and resumes at bar 110, the second trips at bar 200, the
 * portfolio halts at bar 300.
 */
export function makeBreakerResult(bars = 400): BreakerFixture {
  const base = makeBacktestResult({ bars, rebalanceEvery: 5 });
  const ids = Object.keys(base.metrics.strategies);
  const [first, second] = [ids[0] as string, ids[1] as string];
  const allocations = (base.config.allocations as Record<string, unknown>[]).map((a, k) =>
    k === 0
      ? { ...a, max_drawdown: 0.1, resume_after_hours: 240 }
      : k === 1
        ? { ...a, max_drawdown: 0.15 }
        : a,
  );
  const at = (bar: number) => (base.equityCurve[bar] as { timestampNs: bigint }).timestampNs;
  const breakers: BreakerRecord[] = [
    {
      timestampNs: at(100),
      type: 'breaker',
      strategyId: first,
      reason: 'max_drawdown',
      drawdown: -0.12,
    },
    { timestampNs: at(110), type: 'resume', strategyId: first, reason: 'timer', drawdown: null },
    {
      timestampNs: at(200),
      type: 'breaker',
      strategyId: second,
      reason: 'max_drawdown',
      drawdown: -0.15625,
    },
    {
      timestampNs: at(300),
      type: 'halt',
      strategyId: null,
      reason: 'max_drawdown',
      drawdown: -0.3125,
    },
  ];
  return {
    result: {
      ...base,
      config: {
        ...base.config,
        allocations: allocations as PortfolioBacktestResult['config'][string],
        max_drawdown: 0.3,
      },
      breakers,
    },
    bars: [100, 110, 200, 300],
  };
}
