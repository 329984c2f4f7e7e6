// Property: live input with numbers anywhere in a double's range (from the least subnormal to
// the largest finite), ids like `__proto__`, either side, admitted entry by entry as the
// manager does, with the kernel sampling, deciding and applying between batches (risk
// adjustment, breakers, bands, netting and costs each on or off) and the plans' intents
// filled back through the same admission. Nothing an entry holds throws out of the kernel:
// each is applied, skipped or dead-lettered; every decision is one of the kernel's; every
// plan holds finite numbers; the sleeves stay finite.
import { parsePortfolioConfig, RISK_ADJUSTMENT_METHODS } from '@njord/portfolio-contracts';
import { doubleMagnitude } from '@njord/test-kit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAppliedDecision } from './events.js';
import { PortfolioKernel } from './kernel.js';
import {
  admitLiveEntry,
  beginLiveBatch,
  type LiveEntry,
  type LiveInputRules,
} from './live-input.js';

const SECOND = 1_000_000_000n;
const START = 1_700_000_000n * SECOND;
const IDS = ['alpha', '__proto__'] as const;
const SYMBOLS = ['X', '__proto__', 'constructor'] as const;

const magnitude = doubleMagnitude({ ordinary: true });

const entryArb = fc.oneof(
  fc.record({
    kind: fc.constant('fill' as const),
    strategy: fc.constantFrom(...IDS),
    symbol: fc.constantFrom(...SYMBOLS),
    side: fc.constantFrom('buy', 'sell'),
    quantity: magnitude,
    price: magnitude,
    fee: fc.oneof(fc.constant(0), magnitude),
  }),
  fc.record({
    kind: fc.constant('mark' as const),
    symbol: fc.constantFrom(...SYMBOLS),
    price: magnitude,
  }),
  fc.record({ kind: fc.constant('tick' as const), hours: fc.integer({ min: 1, max: 72 }) }),
);

describe('live input at the edges of a double', () => {
  it('never throws; plans and sleeves hold finite numbers', () => {
    const seen = new Map<string, number>();
    const count = (key: string) => seen.set(key, (seen.get(key) ?? 0) + 1);
    fc.assert(
      fc.property(
        fc.record({
          totalCapital: magnitude,
          maxMarkJump: fc.constantFrom(0.5, 1e300),
          entries: fc.array(entryArb, { minLength: 1, maxLength: 40 }),
          // The rest of the policy the kernel runs: risk-adjusted targets, breakers, bands,
          // netting and costs, each on or off.
          risk: fc.option(
            fc.record({
              method: fc.constantFrom(...RISK_ADJUSTMENT_METHODS),
              lookback_period_days: fc.integer({ min: 1, max: 30 }),
              adjustment_sensitivity: fc.double({ min: 0, max: 1, noNaN: true }),
              adjust_every_hours: fc.integer({ min: 1, max: 48 }),
            }),
            { nil: undefined },
          ),
          sleeveDrawdown: fc.option(fc.double({ min: 0.05, max: 0.95, noNaN: true }), {
            nil: undefined,
          }),
          portfolioDrawdown: fc.option(fc.double({ min: 0.05, max: 0.95, noNaN: true }), {
            nil: undefined,
          }),
          bandEdge: fc.boolean(),
          netting: fc.boolean(),
          costs: fc.boolean(),
        }),
        (r) => {
          const { maxMarkJump, entries } = r;
          const config = parsePortfolioConfig({
            portfolio: {
              id: 'edge',
              total_capital: r.totalCapital,
              rebalance_threshold: 0.05,
              min_trade_value: 0,
              netting: r.netting,
              rebalance_to: r.bandEdge ? 'band_edge' : 'target',
              ...(r.costs
                ? { costs: { commission_bps: 10, commission_min: 1, slippage_bps: 5 } }
                : {}),
              ...(r.risk === undefined ? {} : { risk_adjustment: r.risk }),
              ...(r.portfolioDrawdown === undefined ? {} : { max_drawdown: r.portfolioDrawdown }),
              allocations: IDS.map((id) => ({
                strategy_id: id,
                target_weight: 0.5,
                min_capital: 0,
                max_capital: Number.MAX_VALUE,
                ...(r.sleeveDrawdown === undefined
                  ? {}
                  : { max_drawdown: r.sleeveDrawdown, resume_after_hours: 2 }),
              })),
            },
          });
          const kernel = new PortfolioKernel(config, { startNs: START, maxMarkJump });
          let now = START;
          let n = 0;
          const admit = (entry: Omit<LiveEntry, 'id'>) => {
            n++;
            const rules: LiveInputRules = { nowNs: now, maxFutureNs: 300n * SECOND };
            beginLiveBatch(kernel, rules);
            const outcome = admitLiveEntry(kernel, { ...entry, id: `${n}-0` }, rules);
            expect(['fill', 'mark', 'skip', 'dead']).toContain(outcome.kind);
            count(outcome.kind === 'dead' ? `dead ${outcome.reason}` : outcome.kind);
          };
          const fillEntry = (fields: Record<string, unknown>): Omit<LiveEntry, 'id'> => ({
            source: 'fills',
            data: JSON.stringify({ fill_id: `f${n}`, timestamp_ns: String(now), ...fields }),
          });
          for (const entry of entries) {
            now += SECOND;
            if (entry.kind === 'fill') {
              admit(
                fillEntry({
                  strategy_id: entry.strategy,
                  symbol: entry.symbol,
                  side: entry.side,
                  quantity: entry.quantity,
                  price: entry.price,
                  fee: entry.fee,
                }),
              );
            } else if (entry.kind === 'mark') {
              admit({
                source: 'prices',
                data: JSON.stringify({
                  symbol: entry.symbol,
                  price: entry.price,
                  timestamp_ns: String(now),
                }),
              });
            } else {
              // A check, as the manager's loop makes after each batch: decide and apply until
              // nothing applicable is due; a plan's intents come back as fills at their prices.
              now += BigInt(entry.hours) * 3_600n * SECOND;
              // The manager samples sleeve returns at its snapshots (risk adjustment's input).
              kernel.apply({ type: 'sample', timestampNs: now });
              for (let k = 0; k < 8; k++) {
                const decision = kernel.decide(now);
                if (decision !== null) count(`decision ${decision.type}`);
                if (decision === null || !isAppliedDecision(decision)) break;
                kernel.apply(decision);
                if (decision.type !== 'plan') continue;
                for (const trade of decision.plan.trades) {
                  expect(Number.isFinite(trade.quantity * trade.referencePrice)).toBe(true);
                  expect(trade.quantity).toBeGreaterThan(0);
                  admit(
                    fillEntry({
                      strategy_id: trade.strategyId,
                      symbol: trade.symbol,
                      side: trade.side,
                      quantity: trade.quantity,
                      price: trade.referencePrice,
                      fee: trade.commission + trade.slippage,
                      intent_id: trade.intentId,
                    }),
                  );
                }
                for (const id in decision.plan.transfers)
                  expect(Number.isFinite(decision.plan.transfers[id])).toBe(true);
              }
            }
          }
          for (const sleeve of kernel.tracker.getState().sleeves) {
            expect(Number.isFinite(sleeve.cash)).toBe(true);
            for (const symbol in sleeve.positions)
              expect(Number.isFinite(sleeve.positions[symbol])).toBe(true);
          }
        },
      ),
      { numRuns: 500, seed: 20261204 },
    );
    // Not vacuous (seeded: 79 plans, 240 risk adjustments, 56 breaker trips and 47 halts
    // decided; 305 fills and 395 marks applied; 1,435 dead letters).
    const dead = [...seen].reduce((sum, [key, k]) => sum + (key.startsWith('dead') ? k : 0), 0);
    expect(seen.get('decision plan')).toBeGreaterThan(40);
    expect(seen.get('decision adjustment')).toBeGreaterThan(100);
    expect(seen.get('decision breaker')).toBeGreaterThan(20);
    expect(seen.get('decision halt')).toBeGreaterThan(20);
    expect(seen.get('fill')).toBeGreaterThan(150);
    expect(seen.get('mark')).toBeGreaterThan(150);
    expect(dead).toBeGreaterThan(500);
  });
});
