import fc from 'fast-check';
import type { FillEvent } from '@njord/portfolio-contracts';
import { describe, expect, it } from 'vitest';
import { DUST_TOLERANCE } from './book.js';
import { PortfolioTracker } from './tracker.js';
import { makeConfig } from './test-util.test-util.js';

const RUNS = { seed: 424242, numRuns: 200 };
const STRATEGIES = ['A', 'B', 'C'] as const;
const SYMBOLS = ['X', 'Y', 'Z'] as const;
const config = makeConfig([
  { id: 'A', weight: 0.5 },
  { id: 'B', weight: 0.3 },
  { id: 'C', weight: 0.2 },
]);

type Op =
  | {
      kind: 'fill';
      strategy: string;
      symbol: string;
      side: 'buy' | 'sell';
      tenths: number;
      price: number;
      fee: number;
    }
  | { kind: 'mark'; symbol: string; price: number; ts: number }
  | { kind: 'resend'; back: number; change: boolean };

const price = fc.double({ min: 0.5, max: 500, noNaN: true });
const fillOp = fc.record({
  kind: fc.constant('fill' as const),
  strategy: fc.constantFrom(...STRATEGIES),
  symbol: fc.constantFrom(...SYMBOLS),
  side: fc.constantFrom('buy' as const, 'sell' as const),
  tenths: fc.integer({ min: 1, max: 2000 }),
  price,
  fee: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 5, noNaN: true })),
});
const markOp = fc.record({
  kind: fc.constant('mark' as const),
  symbol: fc.constantFrom(...SYMBOLS),
  price,
  ts: fc.integer({ min: 0, max: 1000 }),
});
const resendOp = fc.record({
  kind: fc.constant('resend' as const),
  back: fc.integer({ min: 1, max: 20 }),
  change: fc.boolean(),
});
const ops = fc.array(
  fc.oneof(
    { arbitrary: fillOp, weight: 6 },
    { arbitrary: markOp, weight: 2 },
    { arbitrary: resendOp, weight: 1 },
  ),
  {
    maxLength: 60,
  },
);

/** Turns ops into concrete inputs once, so two trackers see the very same fills. */
function materialize(
  list: readonly Op[],
): ({ fill: FillEvent } | { mark: { symbol: string; price: number; ts: bigint } })[] {
  const fills: FillEvent[] = [];
  return list.map((op, i) => {
    if (op.kind === 'mark')
      return { mark: { symbol: op.symbol, price: op.price, ts: BigInt(op.ts) } };
    if (op.kind === 'resend' && fills.length > 0) {
      const earlier = fills[Math.max(0, fills.length - op.back)] as FillEvent;
      return { fill: op.change ? { ...earlier, quantity: earlier.quantity + 1 } : { ...earlier } };
    }
    const f: FillEvent =
      op.kind === 'fill'
        ? {
            fillId: `f${i}`,
            strategyId: op.strategy,
            symbol: op.symbol,
            side: op.side,
            quantity: op.tenths / 10,
            price: op.price,
            fee: op.fee,
            timestampNs: BigInt(i),
            ...(i % 3 === 0 ? { portfolioId: 'p1' } : {}),
            ...(i % 4 === 0 ? { intentId: `plan:${i}` } : {}),
          }
        : {
            fillId: `f${i}`,
            strategyId: 'A',
            symbol: 'X',
            side: 'buy',
            quantity: 1,
            price: 1,
            fee: 0,
            timestampNs: 0n,
          };
    fills.push(f);
    return { fill: f };
  });
}

function run(tracker: PortfolioTracker, inputs: ReturnType<typeof materialize>): string[] {
  return inputs.map((input) => {
    if ('mark' in input) {
      tracker.setMark(input.mark.symbol, input.mark.price, input.mark.ts);
      return 'mark';
    }
    const outcome = tracker.onFill(input.fill);
    return outcome.success ? outcome.data.status : outcome.error.code;
  });
}

/** An independent average-cost book: signed cost basis instead of an average price. */
class ReferencePosition {
  units = 0;
  basis = 0;
  realized = 0;

  trade(quantity: number, at: number): void {
    if (this.units === 0 || Math.sign(quantity) === Math.sign(this.units)) {
      this.units += quantity;
      this.basis += quantity * at;
      return;
    }
    const size = Math.abs(this.units);
    const closed = Math.min(Math.abs(quantity), size);
    const basisClosed = (this.basis * closed) / size;
    this.realized += Math.sign(this.units) * closed * at - basisClosed;
    this.basis -= basisClosed;
    const leftover = Math.abs(quantity) - closed;
    let next = this.units + quantity;
    if (Math.abs(next) <= DUST_TOLERANCE * Math.max(Math.abs(quantity), size)) next = 0;
    this.units = next;
    if (next === 0) this.basis = 0;
    else if (leftover > 0) this.basis = Math.sign(quantity) * leftover * at;
  }
}

describe('PortfolioTracker properties', () => {
  it('restore(serialize(t)) then the same further inputs gives the identical state', () => {
    fc.assert(
      fc.property(ops, fc.nat(), (list, cut) => {
        const inputs = materialize(list);
        const split = inputs.length === 0 ? 0 : cut % (inputs.length + 1);
        const straight = new PortfolioTracker(config, { startNs: 3n });
        const outcomes = run(straight, inputs);

        const first = new PortfolioTracker(config, { startNs: 3n });
        const before = run(first, inputs.slice(0, split));
        const wire = JSON.parse(JSON.stringify(first.serialize())) as ReturnType<
          PortfolioTracker['serialize']
        >;
        const restored = PortfolioTracker.restore(config, wire);
        expect(restored.serialize()).toEqual(wire);
        const after = run(restored, inputs.slice(split));

        expect([...before, ...after]).toEqual(outcomes);
        expect(JSON.stringify(restored.serialize())).toBe(JSON.stringify(straight.serialize()));
        expect(restored.getSnapshot(99n)).toEqual(straight.getSnapshot(99n));
      }),
      RUNS,
    );
  });

  it('a refused or duplicate fill changes nothing', () => {
    fc.assert(
      fc.property(ops, (list) => {
        const tracker = new PortfolioTracker(config);
        for (const input of materialize(list)) {
          if ('mark' in input) {
            tracker.setMark(input.mark.symbol, input.mark.price, input.mark.ts);
            continue;
          }
          const before = JSON.stringify(tracker.serialize());
          const outcome = tracker.onFill(input.fill);
          if (!outcome.success || outcome.data.status === 'duplicate') {
            expect(JSON.stringify(tracker.serialize())).toBe(before);
          }
        }
      }),
      RUNS,
    );
  });

  it('buying or selling at the mark with no fee leaves equity unchanged', () => {
    fc.assert(
      fc.property(
        fc.tuple(price, price, price),
        fc.array(fillOp, { maxLength: 40 }),
        (marks, list) => {
          const tracker = new PortfolioTracker(config);
          SYMBOLS.forEach((symbol, i) => tracker.setMark(symbol, marks[i] as number, 1n));
          const equity = tracker.getTotalEquity();
          let traded = 0;
          list.forEach((op, i) => {
            const at = tracker.getPrice(op.symbol) as number;
            traded += (op.tenths / 10) * at;
            tracker.onFill({
              fillId: `m${i}`,
              strategyId: op.strategy,
              symbol: op.symbol,
              side: op.side,
              quantity: op.tenths / 10,
              price: at,
              fee: 0,
              timestampNs: BigInt(i),
            });
          });
          expect(Math.abs(tracker.getTotalEquity() - equity)).toBeLessThanOrEqual(
            1e-9 * (equity + traded),
          );
        },
      ),
      RUNS,
    );
  });

  it('sleeves add up to equity, PnL explains capital, and average cost matches a reference book', () => {
    fc.assert(
      fc.property(ops, (list) => {
        const tracker = new PortfolioTracker(config);
        const initial = Object.fromEntries(
          STRATEGIES.map((id) => [id, tracker.getStrategyCapital(id)]),
        );
        const reference = new Map<string, ReferencePosition>();
        const applied = new Set<string>();
        let scale = 100000;
        for (const input of materialize(list)) {
          if ('mark' in input) {
            tracker.setMark(input.mark.symbol, input.mark.price, input.mark.ts);
            continue;
          }
          const outcome = tracker.onFill(input.fill);
          if (!outcome.success || outcome.data.status !== 'applied') continue;
          const f = input.fill;
          applied.add(f.fillId);
          scale += f.quantity * f.price;
          const key = `${f.strategyId}/${f.symbol}`;
          const position = reference.get(key) ?? new ReferencePosition();
          reference.set(key, position);
          position.trade(f.side === 'buy' ? f.quantity : -f.quantity, f.price);
        }
        const tolerance = 1e-9 * scale;
        const snapshot = tracker.getSnapshot(0n);
        const summed =
          Object.values(snapshot.strategyAllocations).reduce((a, b) => a + b, 0) +
          snapshot.unallocatedCash;
        expect(Math.abs(summed - snapshot.totalEquity)).toBeLessThanOrEqual(tolerance);
        for (const id of STRATEGIES) {
          const sleeve = tracker.getSleeve(id);
          // capital - funding = realized + unrealized - fees (no transfers here)
          expect(
            Math.abs(
              sleeve.capital -
                (initial[id] as number) -
                (sleeve.realizedPnl + sleeve.unrealizedPnl - sleeve.fees),
            ),
          ).toBeLessThanOrEqual(tolerance);
          for (const [symbol, position] of Object.entries(sleeve.positions)) {
            const ref = reference.get(`${id}/${symbol}`) as ReferencePosition;
            expect(position.units).toBe(ref.units);
            expect(Math.abs(position.realizedPnl - ref.realized)).toBeLessThanOrEqual(tolerance);
            expect(Math.abs(position.units * position.averageCost - ref.basis)).toBeLessThanOrEqual(
              tolerance,
            );
          }
        }
        expect(tracker.appliedFillCount).toBe(applied.size);
      }),
      RUNS,
    );
  });
});
