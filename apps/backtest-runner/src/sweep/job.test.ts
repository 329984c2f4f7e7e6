// The tapes a local sweep records ahead of its jobs: one per shared strategy, most used first,
// at most `limit`, each through the last step any of its jobs needs.
import { encodePortfolioConfig } from '@njord/portfolio-contracts';
import { parsePortfolioConfig } from '@njord/portfolio-contracts/yaml';
import { generateSyntheticData } from '@njord/portfolio-backtest';
import { threeKindsPortfolioYaml } from '@njord/test-kit';
import { describe, expect, it } from 'vitest';
import { planTapes, type SweepJob } from './job.js';

const data = generateSyntheticData({ symbols: 2, bars: 60, seed: 3 });
const base = encodePortfolioConfig(
  parsePortfolioConfig(
    threeKindsPortfolioYaml({
      id: 'plan',
      capital: 1000,
      weights: [0.4, 0.35, 0.25],
      costs: { commissionBps: 0, slippageBps: 0 },
    }),
  ),
).portfolio as Record<string, unknown> & { allocations: Record<string, unknown>[] };

function job(lookback: number, end?: bigint): SweepJob {
  const allocations = base.allocations.map((a, k) =>
    k === 0 ? { ...a, strategy: { kind: 'momentum', params: { lookback } } } : a,
  );
  return {
    hash: `h${lookback}-${String(end)}`,
    portfolio: { ...base, allocations },
    ...(end === undefined ? {} : { end: end.toString() }),
    dataSha256: 'unused',
    dataPath: 'unused',
    engineVersion: 'test',
  };
}

describe('planTapes', () => {
  // Momentum 10 once, momentum 21 twice (once ending at step 29); rsi and trend in all three.
  const jobs = [job(10), job(21, data.timestamps[29]), job(21)];

  it('records each shared strategy once, through the last step its jobs need', () => {
    const tasks = planTapes(jobs, data);
    expect(tasks).toHaveLength(4);
    // Used by 3, 3, 2 and 1 jobs: rsi and trend (first seen in job 0), momentum 21, momentum 10.
    expect(tasks.map((t) => [jobs.indexOf(t.job), t.strategy])).toEqual([
      [0, 1],
      [0, 2],
      [1, 0],
      [0, 0],
    ]);
    // Momentum 21: job 1 ends at step 29, job 2 runs to the last step.
    expect(tasks.map((t) => t.throughStep)).toEqual([59, 59, 59, 59]);
    expect(planTapes([jobs[1] as SweepJob], data)[0]?.throughStep).toBe(29);
  });

  it('keeps the most used when there are more than the limit', () => {
    const tasks = planTapes(jobs, data, 3);
    expect(tasks.map((t) => [jobs.indexOf(t.job), t.strategy])).toEqual([
      [0, 1],
      [0, 2],
      [1, 0],
    ]);
  });

  it('leaves a job whose config does not resolve to the job itself', () => {
    const broken = { ...job(10), portfolio: { ...base, allocations: 'none' } };
    expect(planTapes([broken], data)).toEqual([]);
  });
});
