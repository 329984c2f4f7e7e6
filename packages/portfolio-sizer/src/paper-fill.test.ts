import type { OrderIntent } from '@njord/portfolio-contracts';
import { describe, expect, it } from 'vitest';
import { fillIntentAtMark, fillIntentOnPaper, MarkHistory, paperFillId } from './paper-fill.js';

const intent: OrderIntent = {
  intentId: 'plan-7:2',
  planId: 'plan-7',
  portfolioId: 'desk',
  strategyId: 'trend',
  symbol: 'SPX',
  side: 'sell',
  quantity: 40,
  referencePrice: 250,
  timestampNs: 2_000n,
};

const costs = { commissionBps: 5, commissionMin: 1, slippageBps: 2 };

describe('fillIntentOnPaper', () => {
  it('fills the whole intent at the price with commission plus slippage as the fee', () => {
    const fill = fillIntentOnPaper(intent, 260, costs);
    // notional 40 x 260 = 10400: commission max(1, 5 x 10400 / 1e4 = 5.2) = 5.2,
    // slippage 2 x 10400 / 1e4 = 2.08, fee 7.28.
    expect(fill.fee).toBeCloseTo(7.28, 12);
    expect(fill).toMatchObject({
      fillId: 'paper:plan-7:2',
      intentId: 'plan-7:2',
      portfolioId: 'desk',
      strategyId: 'trend',
      symbol: 'SPX',
      side: 'sell',
      quantity: 40,
      price: 260,
      timestampNs: 2_000n,
    });
    expect(paperFillId('x')).toBe('paper:x');
  });

  it('refuses a price that is not positive', () => {
    expect(() => fillIntentOnPaper(intent, 0, costs)).toThrow(/must be > 0/);
    expect(() => fillIntentOnPaper(intent, Number.NaN, costs)).toThrow(/must be > 0/);
  });
});

describe('MarkHistory', () => {
  it('answers the latest mark at or before a time, and the reference price before any', () => {
    const marks = new MarkHistory();
    marks.add('SPX', 240, 1_000n);
    marks.add('SPX', 255, 2_000n);
    marks.add('SPX', 300, 3_000n); // arrived, but after the intent
    marks.add('SPX', 100, 2_500n); // older than the last: stale, ignored
    expect(marks.priceAt('SPX', 999n)).toBeUndefined();
    expect(marks.priceAt('SPX', 1_000n)).toBe(240);
    expect(marks.priceAt('SPX', 2_999n)).toBe(255);
    expect(marks.priceAt('NDX', 5_000n)).toBeUndefined();
    expect(fillIntentAtMark(intent, marks, costs).price).toBe(255);
    expect(fillIntentAtMark({ ...intent, timestampNs: 10n }, marks, costs).price).toBe(250);
  });

  it('agrees with a linear scan over random series (a brute-force reference)', () => {
    let seed = 12345;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const marks = new MarkHistory(50);
    const kept: [bigint, number][] = [];
    let t = 0n;
    for (let i = 0; i < 300; i++) {
      t += BigInt(Math.floor(next() * 3));
      const price = 1 + Math.floor(next() * 1000);
      marks.add('X', price, t);
      kept.push([t, price]);
    }
    // Only the last 50..100 marks are kept: ask within the newest 50.
    const recent = kept.slice(-50);
    for (const [time] of recent) {
      let expected: number | undefined;
      for (const [at, price] of kept) if (at <= time) expected = price;
      expect(marks.priceAt('X', time)).toBe(expected);
    }
  });
});
