import {
  encodeRebalancePlan,
  type FillEvent,
  type PortfolioConfig,
  type RebalancePlan,
} from '@njord/portfolio-contracts';
import { parsePortfolioConfig } from '@njord/portfolio-contracts/yaml';
import { MarkGuard, PlanBook, PortfolioTracker } from '@njord/portfolio-tracker';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RawJournalLine } from './adapters/journal-file.js';
import { checkpointBody, hashPortfolioConfig, replayJournal } from './recovery.js';
import { LiveRiskAdjuster } from './risk-adjustment.js';
import { portfolioYaml } from './test-support.js';

const CONFIG: PortfolioConfig = parsePortfolioConfig(
  portfolioYaml({ id: 'r', totalCapital: 1000, threshold: 0.1, weights: { a: 0.5, b: 0.5 } }),
);

function fillWire(
  i: number,
  strategy: string,
  side: 'buy' | 'sell',
  quantity: number,
  price: number,
) {
  return {
    fill_id: `f${i}`,
    strategy_id: strategy,
    symbol: 'X',
    side,
    quantity,
    price,
    fee: 0.5,
    timestamp_ns: String(i),
  };
}

function toFill(wire: ReturnType<typeof fillWire>, i: number): FillEvent {
  return {
    fillId: wire.fill_id,
    strategyId: wire.strategy_id,
    symbol: wire.symbol,
    side: wire.side,
    quantity: wire.quantity,
    price: wire.price,
    fee: wire.fee,
    timestampNs: BigInt(i),
  };
}

let seq = 0;
function line(type: string, body: Record<string, unknown> = {}): RawJournalLine {
  seq++;
  return {
    value: { portfolio_id: 'r', seq, type, timestamp_ns: '100', ...body },
    offset: seq * 100,
  };
}

function checkpointLine(tracker: PortfolioTracker, guard = new MarkGuard(0.5)): RawJournalLine {
  return line('checkpoint', {
    ...checkpointBody(CONFIG, hashPortfolioConfig(CONFIG), tracker, new PlanBook(), guard),
  });
}

describe('replayJournal', () => {
  it('starts fresh (funded at targets) when the journal has no line of the portfolio', () => {
    const recovered = replayJournal([], CONFIG, 0.5, 7n);
    expect(recovered.fresh).toBe(true);
    expect(recovered.lastSeq).toBe(0);
    // 0.5 x 1000 each.
    expect(recovered.tracker.getSleeve('a').cash).toBe(500);
    expect(recovered.tracker.lastRebalanceNs).toBe(7n);
    expect(recovered.configHash).toBe(hashPortfolioConfig(CONFIG));
  });

  it('checkpoint + replayed lines give the state of applying every input directly (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            strategy: fc.constantFrom('a', 'b'),
            side: fc.constantFrom('buy' as const, 'sell' as const),
            quantity: fc.integer({ min: 1, max: 9 }),
            price: fc.integer({ min: 1, max: 200 }),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        fc.nat(),
        (inputs, cut) => {
          const direct = new PortfolioTracker(CONFIG);
          const live = new PortfolioTracker(CONFIG);
          const checkpointAt = cut % (inputs.length + 1);
          const lines: RawJournalLine[] = [];
          inputs.forEach((input, i) => {
            const wire = fillWire(i, input.strategy, input.side, input.quantity, input.price);
            direct.onFill(toFill(wire, i));
            if (i === checkpointAt) lines.push(checkpointLine(live));
            if (i >= checkpointAt) lines.push(line('fill', { entry_id: `${i}-0`, fill: wire }));
            live.onFill(toFill(wire, i));
          });
          if (checkpointAt === inputs.length) lines.push(checkpointLine(live));
          const recovered = replayJournal(lines, CONFIG, 0.5, 0n);
          expect(recovered.tracker.serialize()).toEqual(direct.serialize());
          expect(recovered.warnings).toEqual([]);
        },
      ),
      { numRuns: 60, seed: 20251125 },
    );
  });

  it('skips lines whose seq does not increase (a second writer) with a warning', () => {
    const tracker = new PortfolioTracker(CONFIG);
    const checkpoint = checkpointLine(tracker);
    const first = line('fill', { fill: fillWire(1, 'a', 'buy', 2, 10) });
    const stale = { ...first, value: { ...first.value, fill: fillWire(2, 'a', 'buy', 3, 10) } };
    const recovered = replayJournal([checkpoint, first, stale], CONFIG, 0.5, 0n);
    expect(recovered.tracker.appliedFillCount).toBe(1);
    expect(recovered.warnings).toHaveLength(1);
    expect(recovered.lastSeq).toBe(first.value.seq);
  });

  it('rebuilds plans in flight: applied transfers, unpublished until a published line', () => {
    const tracker = new PortfolioTracker(CONFIG);
    const checkpoint = checkpointLine(tracker);
    const plan: RebalancePlan = {
      planId: 'r-1',
      portfolioId: 'r',
      timestampNs: 50n,
      reason: 'threshold',
      transfers: { a: -100, b: 100 },
      trades: [],
      skipped: [],
      expectedDriftReduction: {},
      estimatedCosts: 0,
    };
    const planLine = line('plan', { plan: encodeRebalancePlan(plan) });
    const unpublished = replayJournal([checkpoint, planLine], CONFIG, 0.5, 0n);
    expect(unpublished.plans.unpublished().map((p) => p.planId)).toEqual(['r-1']);
    // 500 - 100 and 500 + 100.
    expect(unpublished.tracker.getSleeve('a').cash).toBe(400);
    expect(unpublished.tracker.getSleeve('b').cash).toBe(600);
    expect(unpublished.tracker.lastRebalanceNs).toBe(50n);
    const published = replayJournal(
      [checkpoint, planLine, line('published', { plan_id: 'r-1' })],
      CONFIG,
      0.5,
      0n,
    );
    expect(published.plans.unpublished()).toEqual([]);
  });

  it('applies a config line: new targets, a removed strategy retired', () => {
    const tracker = new PortfolioTracker(CONFIG);
    tracker.onFill({
      fillId: 'f',
      strategyId: 'b',
      symbol: 'X',
      side: 'buy',
      quantity: 1,
      price: 10,
      fee: 0,
      timestampNs: 1n,
    });
    const checkpoint = checkpointLine(tracker);
    const next = parsePortfolioConfig(
      portfolioYaml({ id: 'r', totalCapital: 1000, threshold: 0.1, weights: { a: 1 } }),
    );
    const configLine = line('config', {
      hash: hashPortfolioConfig(next),
      config: {
        ...(checkpoint.value.config as object),
        allocations: [
          {
            strategy_id: 'a',
            target_weight: 1,
            min_capital: 0,
            max_capital: 1e9,
            risk_multiplier: 1,
          },
        ],
      },
    });
    const recovered = replayJournal([checkpoint, configLine], CONFIG, 0.5, 0n);
    expect(recovered.configHash).toBe(hashPortfolioConfig(next));
    expect(recovered.config.allocations.map((a) => a.strategyId)).toEqual(['a']);
    expect(recovered.tracker.getSleeve('b').retired).toBe(true);
  });

  it('without a checkpoint (a torn first batch) starts from the config line', () => {
    const configLine = line('config', {
      hash: hashPortfolioConfig(CONFIG),
      config: checkpointBody(
        CONFIG,
        '',
        new PortfolioTracker(CONFIG),
        new PlanBook(),
        new MarkGuard(0.5),
      ).config,
    });
    const recovered = replayJournal(
      [configLine, line('fill', { fill: fillWire(1, 'a', 'buy', 2, 10) })],
      CONFIG,
      0.5,
      0n,
    );
    expect(recovered.fresh).toBe(false);
    // 500 - 2 x 10 - 0.5 fee.
    expect(recovered.tracker.getSleeve('a').cash).toBe(479.5);
  });

  it('remembers a rejected mark from an error line, so a confirming mark is accepted', () => {
    const tracker = new PortfolioTracker(CONFIG);
    const guard = new MarkGuard(0.5);
    guard.accept('X', 100, 1n);
    const checkpoint = checkpointLine(tracker, guard);
    const rejected = line('error', {
      source: 'prices',
      error: 'mark_jump',
      mark: { symbol: 'X', price: 300, timestamp_ns: '2' },
    });
    const recovered = replayJournal([checkpoint, rejected], CONFIG, 0.5, 0n);
    // 290 is 3.3% from the rejected 300 but 190% from the accepted 100.
    expect(recovered.marks.check('X', 290, 3n).kind).toBe('accept');
    expect(replayJournal([checkpoint], CONFIG, 0.5, 0n).marks.check('X', 290, 3n).kind).toBe(
      'jump',
    );
  });
});

describe('replayJournal with risk_adjustment', () => {
  const RISK_CONFIG = parsePortfolioConfig(`
portfolio:
  id: r
  total_capital: 1000
  rebalance_threshold: 0.1
  allocations:
    - {strategy_id: a, target_weight: 0.5, min_capital: 100, max_capital: 900}
    - {strategy_id: b, target_weight: 0.5, min_capital: 100, max_capital: 900}
  risk_adjustment: {method: sharpe_drawdown, lookback_period_days: 30, adjustment_sensitivity: 0.5, adjust_every_hours: 0.0000000001}
`);
  // Periods of 100 ns, adjustments at most every 360 ns: many of both in a short run.
  const SAMPLING = { sampleSeconds: 1e-7, snapshotIntervalSeconds: 1e-7 };

  type RiskEvent =
    { kind: 'snapshot'; dt: number; a: number; b: number } | { kind: 'plan'; amount: number };

  it('rebuilds the samples and the adjusted allocator a live run had (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            {
              weight: 5,
              arbitrary: fc.record({
                kind: fc.constant('snapshot' as const),
                dt: fc.integer({ min: 1, max: 150 }),
                a: fc.integer({ min: 1, max: 2000 }),
                b: fc.integer({ min: 1, max: 2000 }),
              }),
            },
            {
              weight: 1,
              arbitrary: fc.record({
                kind: fc.constant('plan' as const),
                amount: fc.integer({ min: -50, max: 50 }),
              }),
            },
          ),
          { minLength: 1, maxLength: 50 },
        ),
        fc.nat(),
        (events: RiskEvent[], cut) => {
          // The live side, as the service drives it: every snapshot sampled; an adjustment
          // line (before its snapshot line) when one is due; plan transfers counted.
          const live = LiveRiskAdjuster.create(RISK_CONFIG, SAMPLING) as LiveRiskAdjuster;
          const tracker = new PortfolioTracker(RISK_CONFIG, { allocator: live.allocator });
          const checkpointAt = cut % (events.length + 1);
          const lines: RawJournalLine[] = [];
          const checkpoint = () =>
            line('checkpoint', {
              ...checkpointBody(
                RISK_CONFIG,
                hashPortfolioConfig(RISK_CONFIG),
                tracker,
                new PlanBook(),
                new MarkGuard(0.5),
                live,
              ),
            });
          let t = 1_000n;
          events.forEach((event, i) => {
            if (i === checkpointAt) lines.push(checkpoint());
            if (event.kind === 'plan') {
              const plan: RebalancePlan = {
                planId: `p${i}`,
                portfolioId: 'r',
                timestampNs: t,
                reason: 'threshold',
                transfers: { a: event.amount, b: -event.amount },
                trades: [],
                skipped: [],
                expectedDriftReduction: {},
                estimatedCosts: 0,
              };
              tracker.applyPlan(plan);
              live.sampler.onTransfers(plan.transfers);
              if (i >= checkpointAt) lines.push(line('plan', { plan: encodeRebalancePlan(plan) }));
              return;
            }
            t += BigInt(event.dt);
            const capitals = { a: event.a, b: event.b };
            live.sampler.onSnapshot(t, capitals);
            if (live.isAdjustmentDue(t)) {
              const { body } = live.adjust(t, capitals, 0);
              tracker.setAllocator(live.allocator);
              if (i >= checkpointAt) {
                lines.push(
                  line('adjustment', {
                    ...(JSON.parse(JSON.stringify(body)) as object),
                    timestamp_ns: String(t),
                  }),
                );
              }
            }
            if (i >= checkpointAt) {
              lines.push(
                line('snapshot', {
                  reason: 'interval',
                  snapshot: { timestamp_ns: String(t), strategy_allocations: capitals },
                }),
              );
            }
          });
          if (checkpointAt === events.length) lines.push(checkpoint());
          const recovered = replayJournal(lines, RISK_CONFIG, 0.5, 0n, SAMPLING);
          expect(recovered.warnings).toEqual([]);
          expect(recovered.risk?.toJSON()).toEqual(live.toJSON());
          expect(recovered.tracker.allocator.weightsById()).toEqual(live.allocator.weightsById());
        },
      ),
      { numRuns: 150, seed: 4_242 },
    );
  });

  it('a config line drops the adjusted weights and keeps the samples', () => {
    const live = LiveRiskAdjuster.create(RISK_CONFIG, SAMPLING) as LiveRiskAdjuster;
    for (const [t, a] of [
      [0n, 500],
      [100n, 510],
      [200n, 505],
    ] as const) {
      live.sampler.onSnapshot(t, { a, b: 500 });
    }
    live.adjust(200n, { a: 505, b: 500 }, 0);
    const tracker = new PortfolioTracker(RISK_CONFIG, { allocator: live.allocator });
    const body = checkpointBody(
      RISK_CONFIG,
      hashPortfolioConfig(RISK_CONFIG),
      tracker,
      new PlanBook(),
      new MarkGuard(0.5),
      live,
    );
    const adjusted = replayJournal(
      [line('checkpoint', { ...body })],
      RISK_CONFIG,
      0.5,
      0n,
      SAMPLING,
    );
    expect(adjusted.tracker.allocator.weightsById()).toEqual(live.allocator.weightsById());
    expect(adjusted.tracker.allocator.weightsById()).not.toEqual({ a: 0.5, b: 0.5 });
    const reconfigured = replayJournal(
      [line('checkpoint', { ...body }), line('config', { hash: 'changed', config: body.config })],
      RISK_CONFIG,
      0.5,
      0n,
      SAMPLING,
    );
    expect(reconfigured.tracker.allocator.weightsById()).toEqual({ a: 0.5, b: 0.5 });
    expect(reconfigured.risk?.lastAdjustmentNs).toBeNull();
    expect(reconfigured.risk?.sampler.size).toBe(2);
  });

  it('writes no risk state and ignores adjustment lines without risk_adjustment', () => {
    const tracker = new PortfolioTracker(CONFIG);
    const checkpoint = checkpointLine(tracker);
    expect(checkpoint.value.risk).toBeUndefined();
    const recovered = replayJournal(
      [checkpoint, line('adjustment', { adjustment: { weights: { a: 1, b: 0 } } })],
      CONFIG,
      0.5,
      0n,
    );
    expect(recovered.risk).toBeNull();
    expect(recovered.tracker.allocator.weightsById()).toEqual({ a: 0.5, b: 0.5 });
    expect(recovered.warnings).toHaveLength(1);
  });
});
