// Risk adjustment in the live manager, in-process against the real Redis with a manual clock:
// samples from its snapshots, journaled adjustments that move the trigger's targets, recovery.
import { readFileSync, writeFileSync } from 'node:fs';
import { AllocationCalculator } from '@njord/portfolio-allocator';
import { parsePortfolioConfig } from '@njord/portfolio-contracts/yaml';
import { RiskAdjustedAllocator } from '@njord/portfolio-risk';
import { describe, expect, it } from 'vitest';
import { createManualClock } from './adapters/clock.js';
import { decodeScannedLines, scanJournal } from './adapters/journal-file.js';
import { redisKeys } from './adapters/streams.js';
import { liveKernelOptions, recoverKernel } from './recovery.js';
import type { PortfolioManager } from './service.js';
import {
  addEntries,
  readJournalLines,
  type TestConfigFiles,
  type TestPortfolio,
  waitFor,
  waitForDrained,
  writeConfigs,
  type WireFill,
} from './test-support.js';
import { useInProcessManager } from './test-support/fixtures.js';

const ID = 'riskp';
const BOUNDS = `
    - {strategy_id: a, target_weight: 0.4, min_capital: 10000, max_capital: 60000}
    - {strategy_id: b, target_weight: 0.4, min_capital: 10000, max_capital: 60000}
    - {strategy_id: c, target_weight: 0.2, min_capital: 5000, max_capital: 40000}`;
const PLAIN_YAML = `portfolio:
  id: ${ID}
  total_capital: 100000
  rebalance_threshold: 0.25
  allocations:${BOUNDS}
`;
// adjust_every_hours 0.05 = 180 s.
const RISK_YAML = `${PLAIN_YAML}  risk_adjustment: {method: sharpe_drawdown, lookback_period_days: 30, adjustment_sensitivity: 0.5, adjust_every_hours: 0.05}
`;
// Unused by writeConfigs when the text is given; the id must match.
const PORTFOLIO: TestPortfolio = { id: ID, totalCapital: 1, threshold: 1, weights: { a: 1 } };
const T0_MS = 1_700_000_000_000;
const MINUTE_NS = 60_000_000_000n;
const T0_NS = BigInt(T0_MS) * 1_000_000n;
/** Wall-clock periods of 60 s per year: 365.25 x 1440. */
const P_60S = 525_960;

type Line = Record<string, unknown>;

/** The body of an `adjustment` journal line, as far as these tests read it. */
interface AdjustmentLineBody {
  readonly inputs: {
    readonly periods_per_year: number;
    readonly base_targets: Record<string, number>;
    readonly history: { timestamps_ns: string[]; returns: Record<string, number[]> };
  };
  readonly previous_weights: Record<string, number>;
  readonly adjustment: { weights: Record<string, number>; targets: Record<string, number> };
}

function fill(id: string, strategy: string, symbol: string, quantity: number): WireFill {
  return {
    fill_id: id,
    strategy_id: strategy,
    symbol,
    side: 'buy',
    quantity,
    price: 100,
    fee: 0,
    timestamp_ns: String(T0_NS),
  };
}

function mark(symbol: string, price: number, seq: number): string {
  return JSON.stringify({ symbol, price, timestamp_ns: String(T0_NS + BigInt(seq)) });
}

function sum(record: Record<string, number>): number {
  return Object.values(record).reduce((total, value) => total + value, 0);
}

describe('PortfolioManager with risk_adjustment (in-process, real Redis)', () => {
  let clock = createManualClock(T0_MS);
  const env = useInProcessManager('risk', {
    setup: () => {
      clock = createManualClock(T0_MS);
    },
  });
  const { log } = env;
  const keys = () => redisKeys(env.prefix, ID);
  const stop = () => env.stop();

  async function start(portfolioText: string): Promise<TestConfigFiles> {
    const files = writeConfigs(env.dir, {
      prefix: env.prefix,
      portfolio: PORTFOLIO,
      portfolioText,
      extra: [
        'check_interval_seconds: 3600',
        'snapshot_interval_seconds: 60',
        'return_sample_seconds: 60',
      ],
    });
    await env.start(files.basePath, { clock });
    return files;
  }

  function statusLines() {
    return log.lines.filter((line) => line.msg === 'portfolio status');
  }

  async function drained() {
    await waitForDrained(env.redis, keys(), 5000);
  }

  /** One minute on the clock: the interval snapshot (a return sample) and what follows it. */
  async function nextMinute() {
    const before = statusLines().length;
    clock.advance(60_000);
    await waitFor(() => statusLines().length > before, 5000, 'interval snapshot');
  }

  /** a holds 100 X, b 100 Y (both at 100), then X 100 -> 102 and Y 100 -> 97 over two minutes. */
  async function feedWinnerAndLoser() {
    const k = keys();
    await addEntries(env.redis, k.fills, [
      JSON.stringify(fill('f1', 'a', 'X', 100)),
      JSON.stringify(fill('f2', 'b', 'Y', 100)),
    ]);
    await addEntries(env.redis, k.prices, [mark('X', 100, 1), mark('Y', 100, 1)]);
    await drained();
    await nextMinute(); // T0 + 60 s: a, b, c returns 0 (capital unchanged: bought and marked at 100)
    await addEntries(env.redis, k.prices, [mark('X', 102, 2), mark('Y', 97, 2)]);
    await drained();
    await nextMinute(); // T0 + 120 s: a 40,200 / 40,000 - 1, b 39,700 / 40,000 - 1, c 0
  }

  function journal(files: TestConfigFiles): Line[] {
    return readJournalLines(files.journalPath, ID);
  }

  it('adjusts toward the winner, journals it with its inputs, and the trigger follows', async () => {
    const files = await start(RISK_YAML);
    await feedWinnerAndLoser();
    await waitFor(
      () => env.manager?.counters.plans === 1,
      5000,
      'the rebalance after the adjustment',
    );

    const lines = journal(files);
    const adjustments = lines.filter((line) => line.type === 'adjustment');
    expect(adjustments).toHaveLength(1);
    const adjustmentLine = adjustments[0] as Line & AdjustmentLineBody;
    expect(adjustmentLine.timestamp_ns).toBe(String(T0_NS + 2n * MINUTE_NS));
    const { inputs, adjustment } = adjustmentLine;

    // Inputs: the two samples, worked out from the capitals. a = 30,000 cash + 100 X,
    // b = 30,000 cash + 100 Y, c = 20,000 cash.
    const times = [T0_NS + MINUTE_NS, T0_NS + 2n * MINUTE_NS];
    expect(inputs.history.timestamps_ns).toEqual(times.map(String));
    const expected = {
      a: [0, 40_200 / 40_000 - 1],
      b: [0, 39_700 / 40_000 - 1],
      c: [0, 0],
    };
    for (const id of ['a', 'b', 'c'] as const) {
      inputs.history.returns[id]?.forEach((r, k) => {
        expect(r).toBeCloseTo(expected[id][k] as number, 14);
      });
    }
    // Base targets: 0.4 / 0.4 / 0.2 of the equity 40,200 + 39,700 + 20,000 = 99,900.
    expect(inputs.base_targets.a).toBeCloseTo(39_960, 8);
    expect(inputs.base_targets.b).toBeCloseTo(39_960, 8);
    expect(inputs.base_targets.c).toBeCloseTo(19_980, 8);
    expect(inputs.periods_per_year).toBe(P_60S);

    // Output, by hand: a's Sharpe is capped at +5 with no drawdown (score 5), b's at -5 with a
    // 0.75% drawdown (score -5.075), c has zero volatility (score 0). With s = 0.5 the weights
    // are 0.4, 0.4 e^-5.04 = 0.0026 and 0.2 e^-2.5 = 0.0164: a is capped at its max 60,000,
    // b floored at its min 10,000, c takes the rest: 99,900 - 70,000 = 29,900.
    expect(adjustment.targets.a).toBeCloseTo(60_000, 6);
    expect(adjustment.targets.b).toBeCloseTo(10_000, 6);
    expect(adjustment.targets.c).toBeCloseTo(29_900, 6);
    // And the risk package called directly on the same returns agrees.
    const config = parsePortfolioConfig(RISK_YAML);
    const base = new AllocationCalculator(config);
    const direct = new RiskAdjustedAllocator(base, {
      lookbackPeriodDays: 30,
      adjustmentSensitivity: 0.5,
      periodsPerYear: P_60S,
    }).calculateAdjustedAllocations(
      {
        a: { timestampsNs: times, returns: expected.a },
        b: { timestampsNs: times, returns: expected.b },
        c: { timestampsNs: times, returns: expected.c },
      },
      base.calculateTargets({ a: 40_200, b: 39_700, c: 20_000 }).targets,
      { asOfNs: times[1] as bigint },
    );
    for (const id of ['a', 'b', 'c']) {
      expect(adjustment.weights[id]).toBeCloseTo(direct.weights[id] as number, 12);
    }
    expect(adjustmentLine.previous_weights).toEqual({ a: 0.4, b: 0.4, c: 0.2 });

    // The snapshot right after the adjustment line measures drift against the new targets.
    const at = lines.indexOf(adjustmentLine);
    const next = lines[at + 1] as Line;
    expect(next).toMatchObject({ type: 'snapshot', reason: 'interval' });
    const snapshot = next.snapshot as {
      target_allocations: Record<string, number>;
      drift_from_target: Record<string, number>;
      total_equity: number;
      needs_rebalance: boolean;
    };
    for (const id of ['a', 'b', 'c']) {
      expect(snapshot.target_allocations[id]).toBeCloseTo(adjustment.targets[id] as number, 6);
    }
    expect(sum(snapshot.target_allocations)).toBeCloseTo(snapshot.total_equity, 6);
    expect(snapshot.total_equity).toBeCloseTo(99_900, 8);
    const limits = { a: [10_000, 60_000], b: [10_000, 60_000], c: [5_000, 40_000] } as const;
    for (const [id, [min, max]] of Object.entries(limits)) {
      const target = snapshot.target_allocations[id] as number;
      expect(target).toBeGreaterThanOrEqual(min - 1e-9);
      expect(target).toBeLessThanOrEqual(max + 1e-9);
    }
    expect(snapshot.target_allocations.a).toBeGreaterThan(inputs.base_targets.a as number);
    expect(snapshot.target_allocations.b).toBeLessThan(inputs.base_targets.b as number);
    // a: (40,200 - 60,000) / 60,000; b: (39,700 - 10,000) / 10,000 = 2.97 > 0.25.
    expect(snapshot.drift_from_target.a).toBeCloseTo(-19_800 / 60_000, 12);
    expect(snapshot.drift_from_target.b).toBeCloseTo(2.97, 12);
    expect(snapshot.needs_rebalance).toBe(true);

    // So the trigger fires and the plan moves every sleeve to its adjusted target.
    const plan = (lines.find((line) => line.type === 'plan') as Line).plan as {
      reason: string;
      transfers: Record<string, number>;
      trades: { strategy_id: string; side: string; quantity: number }[];
    };
    expect(plan.reason).toBe('threshold');
    expect(plan.transfers.a).toBeCloseTo(19_800, 6);
    expect(plan.transfers.b).toBeCloseTo(-29_700, 6);
    expect(plan.transfers.c).toBeCloseTo(9_900, 6);
    // Positions scaled by target / capital: a buys 100 x 19,800 / 40,200 X, b sells 100 x 29,700 / 39,700 Y.
    const byStrategy = Object.fromEntries(plan.trades.map((trade) => [trade.strategy_id, trade]));
    expect(byStrategy.a?.side).toBe('buy');
    expect(byStrategy.a?.quantity).toBeCloseTo((100 * 19_800) / 40_200, 9);
    expect(byStrategy.b?.side).toBe('sell');
    expect(byStrategy.b?.quantity).toBeCloseTo((100 * 29_700) / 39_700, 9);
    await waitFor(async () => (await env.redis.xlen(keys().orders)) === 2, 5000, 'order intents');

    // One log line per adjustment, with the weights before and after.
    const logged = log.lines.filter((line) => line.msg === 'risk adjustment applied');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      event: 'adjustment',
      weights_before: { a: 0.4, b: 0.4, c: 0.2 },
      weights_after: adjustment.weights,
    });

    // Three more minutes: X +1 after the rebalance's transfers. At most every 180 s: the next
    // adjustment is at T0 + 300 s, not at 180 or 240, though samples arrived then.
    await addEntries(env.redis, keys().prices, [mark('X', 103, 3)]);
    await drained();
    await nextMinute();
    await nextMinute();
    await nextMinute();
    const later = journal(files).filter((line) => line.type === 'adjustment') as (Line &
      AdjustmentLineBody)[];
    expect(later.map((line) => line.timestamp_ns)).toEqual(
      [2n, 5n].map((m) => String(T0_NS + m * MINUTE_NS)),
    );
    // The third sample of a: the 19,800 transfer is not a gain. a = 49,800 cash + 100 X:
    // 60,000 at the rebalance, 60,100 with X at 103: 100 / 60,000 (not 60,100 / 40,200 - 1).
    const second = later[1] as Line & AdjustmentLineBody;
    expect(second.inputs.history.timestamps_ns).toHaveLength(5);
    expect(second.inputs.history.returns.a?.[2]).toBeCloseTo(100 / 60_000, 12);
    expect(second.inputs.history.returns.b?.[2]).toBeCloseTo(0, 12);
    expect(env.manager?.counters.adjustments).toBe(2);
  });

  it('comes back with the same adjusted targets after a restart, from a checkpoint or a replay', async () => {
    const files = await start(RISK_YAML);
    await feedWinnerAndLoser();
    await waitFor(() => env.manager?.counters.plans === 1, 5000, 'the rebalance');
    await nextMinute();
    const live = env.manager as PortfolioManager;
    const weights = live.state.allocator.weightsById();
    const targets = live.state.getSnapshot(clock.nowNs()).targetAllocations;
    expect(weights).not.toEqual({ a: 0.4, b: 0.4, c: 0.2 });
    await stop();
    const stopped = journal(files);
    const cutAt = stopped.length - 2; // without the stop's snapshot and checkpoint
    expect(stopped.slice(cutAt).map((line) => line.type)).toEqual(['snapshot', 'checkpoint']);
    const stopCheckpoint = stopped[stopped.length - 1] as Line;
    expect(stopCheckpoint.risk).toMatchObject({
      last_adjustment_ns: String(T0_NS + 2n * MINUTE_NS),
    });

    // A clean restart: from the stop's checkpoint.
    await start(RISK_YAML);
    const restarted = env.manager as PortfolioManager;
    expect(restarted.state.allocator.weightsById()).toEqual(weights);
    expect(restarted.state.getSnapshot(clock.nowNs()).targetAllocations).toEqual(targets);
    const recoveredLog = log.lines.find((line) => line.msg === 'state recovered from the journal');
    expect(recoveredLog?.risk_adjustment).toMatchObject({ weights, samples: 3 });
    await stop();

    // A crash: the journal cut before the stop's lines (and the restart's). Replay runs from the
    // first start's checkpoint over the snapshot, plan and adjustment lines.
    const text = readFileSync(files.journalPath, 'utf8').split('\n').filter(Boolean);
    writeFileSync(files.journalPath, `${text.slice(0, cutAt).join('\n')}\n`);
    const scan = scanJournal(files.journalPath, ID);
    expect(scan.lines[0]?.value).toMatchObject({ type: 'checkpoint', seq: 3 });
    const config = parsePortfolioConfig(RISK_YAML);
    const replayed = recoverKernel(
      decodeScannedLines(files.journalPath, scan.lines),
      config,
      liveKernelOptions({
        dedupeWindowHours: 168,
        planTimeoutSeconds: 300,
        maxMarkJump: 0.5,
        returnSampleSeconds: 60,
        snapshotIntervalSeconds: 60,
      }),
      clock.nowNs(),
    );
    expect(replayed.warnings).toEqual([]);
    expect(replayed.kernel.allocator.weightsById()).toEqual(weights);
    // The samples rebuilt from the snapshot lines: the adjustment's two, then one more.
    const adjustmentLine = stopped.find((line) => line.type === 'adjustment') as Line &
      AdjustmentLineBody;
    const history = replayed.kernel.risk?.sampler?.historyWire(null);
    expect(history?.timestamps_ns.slice(0, 2)).toEqual(adjustmentLine.inputs.history.timestamps_ns);
    expect(history?.returns.a?.slice(0, 2)).toEqual(adjustmentLine.inputs.history.returns.a);
    expect(history?.timestamps_ns).toHaveLength(3);

    await start(RISK_YAML);
    expect((env.manager as PortfolioManager).state.allocator.weightsById()).toEqual(weights);
    expect(
      (env.manager as PortfolioManager).state.getSnapshot(clock.nowNs()).targetAllocations,
    ).toEqual(targets);
    await stop();
  });

  it('without risk_adjustment nothing changes: no adjustment, the config weights', async () => {
    const files = await start(PLAIN_YAML);
    await feedWinnerAndLoser();
    await nextMinute();
    await nextMinute();
    const m = env.manager as PortfolioManager;
    expect(m.counters.adjustments).toBe(0);
    expect(m.counters.plans).toBe(0);
    expect(m.state.allocator.weightsById()).toEqual({ a: 0.4, b: 0.4, c: 0.2 });
    await stop();
    const lines = journal(files);
    expect(lines.filter((line) => line.type === 'adjustment')).toHaveLength(0);
    expect(lines.filter((line) => line.type === 'checkpoint' && 'risk' in line)).toHaveLength(0);
    // The last snapshot's targets are the config's weights x the equity 99,900 (no bound binds).
    const last = lines.filter((line) => line.type === 'snapshot').at(-1)?.snapshot as {
      target_allocations: Record<string, number>;
    };
    expect(last.target_allocations.a).toBeCloseTo(39_960, 8);
    expect(last.target_allocations.b).toBeCloseTo(39_960, 8);
    expect(last.target_allocations.c).toBeCloseTo(19_980, 8);
    expect(log.lines.some((line) => line.msg === 'risk adjustment applied')).toBe(false);
  });
});
