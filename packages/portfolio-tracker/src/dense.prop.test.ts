// The dense hot path (symbols and sleeves by index) does exactly what the named methods do:
// the same book, bit for bit, whatever the order of marks, trades and rebalance fills.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PortfolioTracker } from './tracker.js';
import { makeConfig } from './test-util.test-util.js';

const STRATEGIES = ['A', 'B', 'C'] as const;
const SYMBOLS = ['X', 'Y', 'Z', 'W'] as const;
const config = makeConfig([
  { id: 'A', weight: 0.5 },
  { id: 'B', weight: 0.3 },
  { id: 'C', weight: 0.2 },
]);

const price = fc.double({ min: 0.5, max: 500, noNaN: true });
type Op =
  | { kind: 'marks'; prices: number[]; ts: number }
  | { kind: 'trade'; k: number; s: number; quantity: number; price: number; fee: number }
  | { kind: 'fill'; k: number; s: number; quantity: number; price: number; fee: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('marks' as const),
    // NaN = no bar for that symbol in this row.
    prices: fc.array(fc.oneof(price, fc.constant(Number.NaN)), {
      minLength: SYMBOLS.length,
      maxLength: SYMBOLS.length,
    }),
    ts: fc.integer({ min: 0, max: 50 }),
  }),
  ...(['trade', 'fill'] as const).map((kind) =>
    fc.record({
      kind: fc.constant(kind),
      k: fc.integer({ min: 0, max: STRATEGIES.length - 1 }),
      s: fc.integer({ min: 0, max: SYMBOLS.length - 1 }),
      quantity: fc.oneof(
        fc.double({ min: -50, max: -0.01, noNaN: true }),
        fc.double({ min: 0.01, max: 50, noNaN: true }),
      ),
      price,
      fee: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 2, noNaN: true })),
    }),
  ),
);

describe('the dense hot path', () => {
  it('leaves the book exactly as the named methods do', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.boolean(), (ops, indexFirst) => {
        const named = new PortfolioTracker(config, { rememberFillIds: false });
        const dense = new PortfolioTracker(config, { rememberFillIds: false });
        if (indexFirst) dense.indexSymbols(SYMBOLS);
        ops.forEach((o, i) => {
          // Indexing late (a tracker restored, then driven by a simulation) changes nothing.
          if (!indexFirst && i === Math.floor(ops.length / 2)) dense.indexSymbols(SYMBOLS);
          const indexed = indexFirst || i >= Math.floor(ops.length / 2);
          if (o.kind === 'marks') {
            o.prices.forEach((p, s) => {
              if (p === p) named.setMark(SYMBOLS[s] as string, p, BigInt(o.ts));
            });
            const row = Float64Array.from(o.prices);
            if (indexed) dense.setMarksAt(row, BigInt(o.ts));
            else
              o.prices.forEach((p, s) => {
                if (p === p) dense.setMark(SYMBOLS[s] as string, p, BigInt(o.ts));
              });
            return;
          }
          const id = STRATEGIES[o.k] as string;
          const symbol = SYMBOLS[o.s] as string;
          if (o.kind === 'fill') {
            // A rebalance fill through the event path, on both.
            const fill = {
              fillId: `f${i}`,
              strategyId: id,
              symbol,
              side: o.quantity > 0 ? ('buy' as const) : ('sell' as const),
              quantity: Math.abs(o.quantity),
              price: o.price,
              fee: o.fee,
              timestampNs: BigInt(i),
            };
            expect(named.onFill(fill).success).toBe(dense.onFill(fill).success);
            return;
          }
          named.applyTrade(id, symbol, o.quantity, o.price, o.fee);
          if (indexed) dense.applyTradeAt(o.k, o.s, o.quantity, o.price, o.fee);
          else dense.applyTrade(id, symbol, o.quantity, o.price, o.fee);
        });
        if (ops.length === 0) dense.indexSymbols(SYMBOLS);
        expect(dense.serialize()).toEqual(named.serialize());
        STRATEGIES.forEach((id, k) => {
          expect(dense.capitalAt(k)).toBe(named.getStrategyCapital(id));
          expect(dense.cashAt(k)).toBe(named.getCash(id));
          SYMBOLS.forEach((symbol, s) => {
            expect(dense.unitsAt(k, s)).toBe(named.getUnits(id, symbol));
          });
        });
        SYMBOLS.forEach((symbol, s) => expect(dense.priceAt(s)).toBe(named.getPrice(symbol)));
      }),
      { seed: 1717, numRuns: 150 },
    );
  });

  it('refuses what the named path refuses', () => {
    const tracker = new PortfolioTracker(config);
    tracker.indexSymbols(SYMBOLS);
    tracker.applyTradeAt(0, 0, 1, 10, 0);
    expect(() => tracker.applyTradeAt(0, 0, 1, Number.NaN, 0)).toThrow(/price must be/);
    expect(() => tracker.applyTradeAt(0, 0, 0, 10, 0)).toThrow(/quantity and price/);
    expect(() => tracker.applyTradeAt(7, 0, 1, 10, 0)).toThrow(/no sleeve 7/);
    expect(() => tracker.setMarksAt(Float64Array.from([1, -2, 1, 1]), 0n)).toThrow(
      /mark for Y: price must be a finite number > 0/,
    );
  });
});
