// The live risk adjuster, by hand-worked numbers and against the risk package.
import { AllocationCalculator } from '@njord/portfolio-allocator';
import { parsePortfolioConfig } from '@njord/portfolio-contracts/yaml';
import {
  decodeReturnHistory,
  type ReturnHistoryWire,
  RiskAdjustedAllocator,
} from '@njord/portfolio-risk';
import { describe, expect, it } from 'vitest';
import {
  calculateLivePeriodsPerYear,
  LiveRiskAdjuster,
  type ReturnSamplingOptions,
  type RiskCheckpointJson,
} from './risk-adjustment.js';
import { portfolioYaml } from './test-support.js';

const RISK_YAML = `
portfolio:
  id: r
  total_capital: 100000
  rebalance_threshold: 0.25
  allocations:
    - {strategy_id: a, target_weight: 0.4, min_capital: 10000, max_capital: 60000}
    - {strategy_id: b, target_weight: 0.4, min_capital: 10000, max_capital: 60000}
    - {strategy_id: c, target_weight: 0.2, min_capital: 5000, max_capital: 40000}
  risk_adjustment: {method: sharpe_drawdown, lookback_period_days: 30, adjustment_sensitivity: 0.5, adjust_every_hours: 2}
`;
const HOURLY: ReturnSamplingOptions = { sampleSeconds: 3600, snapshotIntervalSeconds: 10 };
const HOUR = 3_600_000_000_000n;
const T0 = 1_700_000_000_000_000_000n;

describe('LiveRiskAdjuster', () => {
  const config = parsePortfolioConfig(RISK_YAML);

  /** Hourly snapshots: a +1% then +0.5%, b -1% then -0.5%, c cash. */
  function feed(adjuster: LiveRiskAdjuster): Record<string, number> {
    const path = [
      { a: 40_000, b: 40_000, c: 20_000 },
      { a: 40_400, b: 39_600, c: 20_000 },
      { a: 40_602, b: 39_402, c: 20_000 },
    ];
    path.forEach((capitals, k) => adjuster.sampler.onSnapshot(T0 + BigInt(k) * HOUR, capitals));
    return path[2] as Record<string, number>;
  }

  it('is null without risk_adjustment', () => {
    const plain = parsePortfolioConfig(
      portfolioYaml({ id: 'p', totalCapital: 1, threshold: 0.1, weights: { a: 1 } }),
    );
    expect(LiveRiskAdjuster.create(plain, HOURLY)).toBeNull();
  });

  it('annualizes by sample periods per calendar year', () => {
    // 365.25 x 24 hourly periods; a period is never shorter than the snapshot interval.
    expect(calculateLivePeriodsPerYear(HOURLY)).toBe(8766);
    expect(calculateLivePeriodsPerYear({ sampleSeconds: 5, snapshotIntervalSeconds: 60 })).toBe(
      525_960,
    );
  });

  it('adjusts toward the winner within the bounds, as the risk package does on the same returns', () => {
    const adjuster = LiveRiskAdjuster.create(config, HOURLY) as LiveRiskAdjuster;
    const capitals = feed(adjuster);
    const now = T0 + 2n * HOUR;
    const { adjustment, body } = adjuster.adjust(now, capitals, 0);

    // Reference: the package called directly on returns worked out by hand from the capitals.
    const times = [T0 + HOUR, T0 + 2n * HOUR];
    const base = new AllocationCalculator(config);
    const direct = new RiskAdjustedAllocator(base, {
      method: 'sharpe_drawdown',
      lookbackPeriodDays: 30,
      adjustmentSensitivity: 0.5,
      periodsPerYear: 8766,
    }).calculateAdjustedAllocations(
      {
        a: { timestampsNs: times, returns: [0.01, 40_602 / 40_400 - 1] },
        b: { timestampsNs: times, returns: [-0.01, 39_402 / 39_600 - 1] },
        c: { timestampsNs: times, returns: [0, 0] },
      },
      base.calculateTargets(capitals).targets,
      { asOfNs: now },
    );
    for (const id of ['a', 'b', 'c']) {
      expect(adjustment.weights[id]).toBeCloseTo(direct.weights[id] as number, 12);
      expect(adjustment.targets[id]).toBeCloseTo(direct.targets[id] as number, 6);
    }
    // By hand: a's Sharpe is capped at +5 and it has no drawdown (score 5); b's at -5 with a
    // 1.495% drawdown (score -5.1495); c has zero volatility (score 0). With s = 0.5 the weights
    // are 0.4, 0.4 e^-5.07 = 0.0025 and 0.2 e^-2.5 = 0.0164: a hits its max (60,000), b its
    // min (10,000), c takes the rest of the equity 40,602 + 39,402 + 20,000 = 100,004.
    expect(adjustment.targets.a).toBeCloseTo(60_000, 6);
    expect(adjustment.targets.b).toBeCloseTo(10_000, 6);
    expect(adjustment.targets.c).toBeCloseTo(30_004, 6);
    expect(adjuster.allocator.calculateTargets(capitals).targets).toEqual(adjustment.targets);

    // The line holds the inputs: the window's returns and the base targets (0.4/0.4/0.2 x 100,004).
    expect(body.inputs.history.timestamps_ns).toEqual(times.map(String));
    expect(body.inputs.history.returns.c).toEqual([0, 0]);
    expect(body.inputs.base_targets.a).toBeCloseTo(40_001.6, 6);
    expect(body.inputs.base_targets.c).toBeCloseTo(20_000.8, 6);
    expect(body.previous_weights).toEqual({ a: 0.4, b: 0.4, c: 0.2 });
    expect(body.adjustment.as_of_ns).toBe(String(now));
    // ...enough to replay it: the same call on the journaled inputs gives the journaled output.
    const replayed = new RiskAdjustedAllocator(base, {
      method: 'sharpe_drawdown',
      lookbackPeriodDays: body.inputs.lookback_period_days,
      adjustmentSensitivity: body.inputs.adjustment_sensitivity,
      periodsPerYear: body.inputs.periods_per_year,
    }).calculateAdjustedAllocations(
      decodeReturnHistory(JSON.parse(JSON.stringify(body.inputs.history)) as ReturnHistoryWire),
      body.inputs.base_targets,
      { asOfNs: BigInt(body.adjustment.as_of_ns as string) },
    );
    expect(replayed.weights).toEqual(body.adjustment.weights);
  });

  it('is due with two samples, then once a new sample is in and adjust_every_hours passed', () => {
    const adjuster = LiveRiskAdjuster.create(config, HOURLY) as LiveRiskAdjuster;
    adjuster.sampler.onSnapshot(T0, { a: 1, b: 1, c: 1 });
    adjuster.sampler.onSnapshot(T0 + HOUR, { a: 1, b: 1, c: 1 });
    expect(adjuster.isAdjustmentDue(T0 + HOUR)).toBe(false); // one sample
    adjuster.sampler.onSnapshot(T0 + 2n * HOUR, { a: 1, b: 1, c: 1 });
    expect(adjuster.isAdjustmentDue(T0 + 2n * HOUR)).toBe(true);
    adjuster.adjust(T0 + 2n * HOUR, { a: 1, b: 1, c: 1 }, 0);
    // No new sample yet; then a new one, but 1 h < adjust_every_hours 2.
    expect(adjuster.isAdjustmentDue(T0 + 2n * HOUR + HOUR / 2n)).toBe(false);
    adjuster.sampler.onSnapshot(T0 + 3n * HOUR, { a: 1, b: 1, c: 1 });
    expect(adjuster.isAdjustmentDue(T0 + 3n * HOUR)).toBe(false);
    adjuster.sampler.onSnapshot(T0 + 4n * HOUR, { a: 1, b: 1, c: 1 });
    expect(adjuster.isAdjustmentDue(T0 + 4n * HOUR)).toBe(true);
  });

  it('replays from its line and from its checkpoint to the same allocator', () => {
    const live = LiveRiskAdjuster.create(config, HOURLY) as LiveRiskAdjuster;
    const capitals = feed(live);
    const { body } = live.adjust(T0 + 2n * HOUR, capitals, 0);
    const line = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;

    const fromLine = LiveRiskAdjuster.create(config, HOURLY) as LiveRiskAdjuster;
    fromLine.applyLine(T0 + 2n * HOUR, line);
    expect(fromLine.allocator.weightsById()).toEqual(live.allocator.weightsById());
    expect(fromLine.lastAdjustmentNs).toBe(T0 + 2n * HOUR);

    const fromCheckpoint = LiveRiskAdjuster.create(config, HOURLY) as LiveRiskAdjuster;
    fromCheckpoint.restore(JSON.parse(JSON.stringify(live.toJSON())) as RiskCheckpointJson);
    expect(fromCheckpoint.toJSON()).toEqual(live.toJSON());
    expect(fromCheckpoint.allocator.calculateTargets(capitals).targets).toEqual(
      live.allocator.calculateTargets(capitals).targets,
    );
  });

  it('a new config drops the adjusted weights and keeps the samples', () => {
    const live = LiveRiskAdjuster.create(config, HOURLY) as LiveRiskAdjuster;
    live.adjust(T0 + 2n * HOUR, feed(live), 0);
    const next = LiveRiskAdjuster.create(config, HOURLY, live) as LiveRiskAdjuster;
    expect(next.allocator.weightsById()).toEqual({ a: 0.4, b: 0.4, c: 0.2 });
    expect(next.lastAdjustmentNs).toBeNull();
    expect(next.sampler.size).toBe(2);
  });
});
