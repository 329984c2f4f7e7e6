// Recovery is the kernel's replay over journal lines written in the journal's own format: the
// lines here are formatted, CRC'd and decoded as the manager writes and reads them.
import {
  createIdRecord,
  decodeJournalLine,
  encodePortfolioConfig,
  encodePortfolioSnapshot,
  encodeRebalancePlan,
  type FillEvent,
  formatJournalLine,
  type JournalBodyWire,
  type JournalLine,
  type JournalLineType,
  type PortfolioConfig,
  type RebalancePlan,
} from '@njord/portfolio-contracts';
import { parsePortfolioConfig } from '@njord/portfolio-contracts/yaml';
import { checkpointKernel, PortfolioKernel } from '@njord/portfolio-kernel';
import { encodeRiskAdjustment } from '@njord/portfolio-risk';
import { PortfolioTracker } from '@njord/portfolio-tracker';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkpointBody,
  hashPortfolioConfig,
  type LiveKernelOptions,
  liveKernelOptions,
  recoverKernel,
} from './recovery.js';
import { portfolioYaml } from './test-support.js';

const CONFIG: PortfolioConfig = parsePortfolioConfig(
  portfolioYaml({ id: 'r', totalCapital: 1000, threshold: 0.1, weights: { a: 0.5, b: 0.5 } }),
);
const OPTIONS: LiveKernelOptions = liveKernelOptions({
  dedupeWindowHours: 168,
  planTimeoutSeconds: 300,
  maxMarkJump: 0.5,
  returnSampleSeconds: 3600,
  snapshotIntervalSeconds: 10,
});

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
/** A journal line as the manager writes it (formatted with its CRC), decoded as it reads it. */
function line<T extends JournalLineType>(
  type: T,
  body: JournalBodyWire<T>,
  timestampNs = 100n,
): JournalLine {
  seq++;
  return decodeJournalLine(formatJournalLine('r', seq, type, timestampNs, body));
}

function checkpointLine(kernel: PortfolioKernel): JournalLine {
  return line('checkpoint', checkpointBody(kernel, hashPortfolioConfig(kernel.config)));
}

function recover(lines: readonly JournalLine[], config = CONFIG, options = OPTIONS) {
  return recoverKernel(lines, config, options, 0n);
}

describe('recoverKernel', () => {
  it('starts fresh (funded at targets) when the journal has no line of the portfolio', () => {
    const recovered = recoverKernel([], CONFIG, OPTIONS, 7n);
    expect(recovered.fresh).toBe(true);
    expect(recovered.lastSeq).toBe(0);
    // 0.5 x 1000 each.
    expect(recovered.kernel.tracker.getSleeve('a').cash).toBe(500);
    expect(recovered.kernel.lastRebalanceNs).toBe(7n);
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
          const live = new PortfolioKernel(CONFIG, { ...OPTIONS, startNs: 0n });
          const checkpointAt = cut % (inputs.length + 1);
          const lines: JournalLine[] = [];
          inputs.forEach((input, i) => {
            const wire = fillWire(i, input.strategy, input.side, input.quantity, input.price);
            direct.onFill(toFill(wire, i));
            if (i === checkpointAt) lines.push(checkpointLine(live));
            if (i >= checkpointAt)
              lines.push(line('fill', { source: { stream: 'p:fills', id: `${i}-0` }, fill: wire }));
            live.apply({ type: 'fill', fill: toFill(wire, i) });
          });
          if (checkpointAt === inputs.length) lines.push(checkpointLine(live));
          const recovered = recover(lines);
          expect(recovered.kernel.tracker.serialize()).toEqual(direct.serialize());
          expect(recovered.warnings).toEqual([]);
        },
      ),
      { numRuns: 60, seed: 20251125 },
    );
  });

  it('passes over lines whose seq does not increase (a second writer) with a warning', () => {
    const checkpoint = checkpointLine(new PortfolioKernel(CONFIG, { ...OPTIONS, startNs: 0n }));
    const first = line('fill', { fill: fillWire(1, 'a', 'buy', 2, 10) });
    seq--;
    const stale = line('fill', { fill: fillWire(2, 'a', 'buy', 3, 10) });
    const recovered = recover([checkpoint, first, stale]);
    expect(recovered.kernel.tracker.appliedFillCount).toBe(1);
    expect(recovered.warnings).toHaveLength(1);
    expect(recovered.lastSeq).toBe(first.seq);
  });

  it('rebuilds plans in flight: applied transfers, unpublished until a published line', () => {
    const checkpoint = checkpointLine(new PortfolioKernel(CONFIG, { ...OPTIONS, startNs: 0n }));
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
    const unpublished = recover([checkpoint, planLine]).kernel;
    expect(unpublished.plans.unpublished().map((p) => p.planId)).toEqual(['r-1']);
    // 500 - 100 and 500 + 100.
    expect(unpublished.tracker.getSleeve('a').cash).toBe(400);
    expect(unpublished.tracker.getSleeve('b').cash).toBe(600);
    expect(unpublished.lastRebalanceNs).toBe(50n);
    const published = recover([checkpoint, planLine, line('published', { plan_id: 'r-1' })]);
    expect(published.kernel.plans.unpublished()).toEqual([]);
  });

  it('replays a strategy named __proto__ like any other: its funding, fills and transfers', () => {
    const config = parsePortfolioConfig(
      portfolioYaml({
        id: 'r',
        totalCapital: 1000,
        threshold: 0.1,
        weights: Object.fromEntries([
          ['__proto__', 0.5],
          ['b', 0.5],
        ]),
      }),
    );
    const fresh = new PortfolioKernel(config, { ...OPTIONS, startNs: 0n });
    const checkpoint = checkpointLine(fresh);
    const buy = fillWire(1, '__proto__', 'buy', 2, 10);
    const transfers = createIdRecord<number>();
    transfers['__proto__'] = -100;
    transfers['b'] = 100;
    const plan: RebalancePlan = {
      planId: 'r-1',
      portfolioId: 'r',
      timestampNs: 50n,
      reason: 'threshold',
      transfers,
      trades: [],
      skipped: [],
      expectedDriftReduction: {},
      estimatedCosts: 0,
    };
    const recovered = recover(
      [
        checkpoint,
        line('fill', { source: { stream: 'p:fills', id: '1-0' }, fill: buy }),
        line('plan', { plan: encodeRebalancePlan(plan) }),
      ],
      config,
    ).kernel.tracker;
    // 500 - 2 x 10 - 0.5 fee - 100 transferred out; 500 + 100 in: no money made or lost.
    expect(recovered.getSleeve('__proto__').cash).toBe(379.5);
    expect(recovered.getUnits('__proto__', 'X')).toBe(2);
    expect(recovered.getSleeve('b').cash).toBe(600);
  });

  it('applies a config line: new targets, a removed strategy retired, its hash in force', () => {
    const kernel = new PortfolioKernel(CONFIG, { ...OPTIONS, startNs: 0n });
    kernel.apply({
      type: 'fill',
      fill: {
        fillId: 'f',
        strategyId: 'b',
        symbol: 'X',
        side: 'buy',
        quantity: 1,
        price: 10,
        fee: 0,
        timestampNs: 1n,
      },
    });
    const checkpoint = checkpointLine(kernel);
    const next = parsePortfolioConfig(
      portfolioYaml({ id: 'r', totalCapital: 1000, threshold: 0.1, weights: { a: 1 } }),
    );
    const configLine = line('config', {
      hash: hashPortfolioConfig(next),
      previous_hash: hashPortfolioConfig(CONFIG),
      config: encodePortfolioConfig(next).portfolio,
    });
    const recovered = recover([checkpoint, configLine]);
    expect(recovered.configHash).toBe(hashPortfolioConfig(next));
    expect(recovered.kernel.config.allocations.map((a) => a.strategyId)).toEqual(['a']);
    expect(recovered.kernel.tracker.getSleeve('b').retired).toBe(true);
  });

  it('without a checkpoint (a torn first batch) starts from the config line', () => {
    const configLine = line('config', {
      hash: hashPortfolioConfig(CONFIG),
      previous_hash: null,
      config: encodePortfolioConfig(CONFIG).portfolio,
    });
    const recovered = recover([configLine, line('fill', { fill: fillWire(1, 'a', 'buy', 2, 10) })]);
    expect(recovered.fresh).toBe(false);
    // 500 - 2 x 10 - 0.5 fee.
    expect(recovered.kernel.tracker.getSleeve('a').cash).toBe(479.5);
  });

  it('remembers a rejected mark from an error line, so a confirming mark is accepted', () => {
    const kernel = new PortfolioKernel(CONFIG, { ...OPTIONS, startNs: 0n });
    kernel.apply({ type: 'mark', mark: { symbol: 'X', price: 100, timestampNs: 1n } });
    const checkpoint = checkpointLine(kernel);
    const rejected = line('error', {
      source: { stream: 'p:prices', id: '2-0' },
      error: 'mark_jump: X moved 2 from 100 (max_mark_jump 0.5)',
      mark: { symbol: 'X', price: 300, timestamp_ns: '2' },
    });
    // 290 is 3.3% from the rejected 300 but 190% from the accepted 100.
    expect(recover([checkpoint, rejected]).kernel.marks.check('X', 290, 3n).kind).toBe('accept');
    expect(recover([checkpoint]).kernel.marks.check('X', 290, 3n).kind).toBe('jump');
  });
});

describe('recoverKernel with risk_adjustment', () => {
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
  const RISK_OPTIONS = liveKernelOptions({
    dedupeWindowHours: 168,
    planTimeoutSeconds: 300,
    maxMarkJump: 0.5,
    returnSampleSeconds: 1e-7,
    snapshotIntervalSeconds: 1e-7,
  });

  type RiskEvent =
    { kind: 'snapshot'; dt: number; a: number; b: number } | { kind: 'plan'; amount: number };

  function snapshotLine(t: bigint, capitals: Record<string, number>): JournalLine {
    return line(
      'snapshot',
      {
        reason: 'interval',
        snapshot: encodePortfolioSnapshot({
          portfolioId: 'r',
          timestampNs: t,
          totalEquity: Object.values(capitals).reduce((sum, c) => sum + c, 0),
          strategyAllocations: capitals,
          driftFromTarget: {},
          needsRebalance: false,
          targetAllocations: {},
          unallocatedCash: 0,
          boundsViolated: false,
          rebalanceReason: null,
          staleSymbols: [],
        }),
      },
      t,
    );
  }

  it('rebuilds the samples and the weights in force a live run had (property)', () => {
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
          // The live side, as the loop drives the kernel: every snapshot a sample; an
          // adjustment that is due journaled (before its snapshot line) and applied.
          const live = new PortfolioKernel(RISK_CONFIG, { ...RISK_OPTIONS, startNs: 0n });
          const checkpointAt = cut % (events.length + 1);
          const lines: JournalLine[] = [];
          let t = 1_000n;
          events.forEach((event, i) => {
            if (i === checkpointAt) lines.push(checkpointLine(live));
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
              live.apply({ type: 'plan', plan });
              if (i >= checkpointAt) lines.push(line('plan', { plan: encodeRebalancePlan(plan) }));
              return;
            }
            t += BigInt(event.dt);
            const capitals = { a: event.a, b: event.b };
            live.apply({ type: 'sample', timestampNs: t, capitals });
            const due = live.decide(t);
            if (due?.type === 'adjustment') {
              live.apply(due);
              if (i >= checkpointAt) {
                lines.push(
                  line(
                    'adjustment',
                    {
                      adjustment: { ...encodeRiskAdjustment(due.adjustment) },
                      input_latest_ns: due.inputLatestNs,
                    },
                    t,
                  ),
                );
              }
            }
            if (i >= checkpointAt) lines.push(snapshotLine(t, capitals));
          });
          if (checkpointAt === events.length) lines.push(checkpointLine(live));
          const recovered = recover(lines, RISK_CONFIG, RISK_OPTIONS);
          expect(recovered.warnings).toEqual([]);
          expect(checkpointKernel(recovered.kernel).risk).toEqual(checkpointKernel(live).risk);
          expect(recovered.kernel.allocator.weightsById()).toEqual(live.allocator.weightsById());
        },
      ),
      { numRuns: 100, seed: 4_242 },
    );
  });

  it('a config line drops the adjusted weights and keeps the samples', () => {
    const live = new PortfolioKernel(RISK_CONFIG, { ...RISK_OPTIONS, startNs: 0n });
    for (const [t, a] of [
      [0n, 500],
      [100n, 510],
      [200n, 505],
    ] as const) {
      live.apply({ type: 'sample', timestampNs: t, capitals: { a, b: 500 } });
    }
    const due = live.decide(200n);
    expect(due?.type).toBe('adjustment');
    if (due?.type !== 'adjustment') return;
    live.apply(due);
    const checkpoint = checkpointLine(live);
    const adjusted = recover([checkpoint], RISK_CONFIG, RISK_OPTIONS).kernel;
    expect(adjusted.allocator.weightsById()).toEqual(live.allocator.weightsById());
    expect(adjusted.allocator.weightsById()).not.toEqual({ a: 0.5, b: 0.5 });
    const reconfigured = recover(
      [
        checkpoint,
        line('config', { hash: 'changed', config: encodePortfolioConfig(RISK_CONFIG).portfolio }),
      ],
      RISK_CONFIG,
      RISK_OPTIONS,
    );
    expect(reconfigured.configHash).toBe('changed');
    expect(reconfigured.kernel.allocator.weightsById()).toEqual({ a: 0.5, b: 0.5 });
    expect(reconfigured.kernel.risk?.lastAdjustmentNs).toBeNull();
    expect(reconfigured.kernel.risk?.samples).toBe(live.risk?.samples);
  });

  it('writes no risk state and passes over adjustment lines without risk_adjustment', () => {
    const checkpoint = checkpointLine(new PortfolioKernel(CONFIG, { ...OPTIONS, startNs: 0n }));
    expect(checkpoint.type === 'checkpoint' && checkpoint.risk).toBeFalsy();
    const recovered = recover([
      checkpoint,
      line('adjustment', { adjustment: { weights: { a: 1, b: 0 } } }),
    ]);
    expect(recovered.kernel.risk).toBeNull();
    expect(recovered.kernel.allocator.weightsById()).toEqual({ a: 0.5, b: 0.5 });
    expect(recovered.warnings).toHaveLength(1);
  });
});
