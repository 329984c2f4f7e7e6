import type { RebalancePlan } from '@njord/portfolio-contracts';
import { describe, expect, it } from 'vitest';
import { PlanBook } from './plan-book.js';

function plan(planId: string, timestampNs: bigint, quantities: number[]): RebalancePlan {
  return {
    planId,
    portfolioId: 'p',
    timestampNs,
    reason: 'threshold',
    transfers: { a: 0 },
    trades: quantities.map((quantity, n) => ({
      intentId: `${planId}:${n}`,
      planId,
      portfolioId: 'p',
      strategyId: 'a',
      symbol: 'X',
      side: 'buy' as const,
      quantity,
      referencePrice: 10,
      timestampNs,
      commission: 0,
      slippage: 0,
    })),
    skipped: [],
    expectedDriftReduction: {},
    estimatedCosts: 0,
  };
}

let fillCount = 0;
const fill = (intentId: string | undefined, quantity: number) => ({
  fillId: `f-${++fillCount}`,
  strategyId: 'a',
  symbol: 'X',
  side: 'buy' as const,
  quantity,
  price: 10,
  fee: 0,
  timestampNs: 1n,
  ...(intentId === undefined ? {} : { intentId }),
});

describe('PlanBook', () => {
  const timeout = 300n * 1_000_000_000n;

  it('blocks a new plan while intents are unfilled and the plan is younger than the timeout', () => {
    const book = new PlanBook();
    book.add(plan('p-1', 1_000n, [5, 3]));
    expect(book.unpublished().map((p) => p.planId)).toEqual(['p-1']);
    book.markPublished('p-1');
    expect(book.unpublished()).toEqual([]);
    expect(book.blockingPlan(2_000n, timeout)).toBe('p-1');
    // Partial fills: 2 + 3 = 5 completes intent 0; intent 1 still open.
    book.onFill(fill('p-1:0', 2));
    book.onFill(fill('p-1:0', 3));
    book.onFill(fill(undefined, 3));
    expect(book.unfilledIntents('p-1')).toBe(1);
    book.onFill(fill('p-1:1', 3));
    expect(book.unfilledIntents('p-1')).toBe(0);
    expect(book.blockingPlan(2_000n, timeout)).toBeNull();
  });

  it('stops blocking once the plan is as old as the timeout', () => {
    const book = new PlanBook();
    book.add(plan('p-1', 1_000n, [5]), true);
    expect(book.blockingPlan(1_000n + timeout - 1n, timeout)).toBe('p-1');
    expect(book.blockingPlan(1_000n + timeout, timeout)).toBeNull();
    book.prune(1_000n + timeout, timeout);
    expect(book.size).toBe(0);
  });

  it('does not prune an unpublished plan', () => {
    const book = new PlanBook();
    book.add(plan('p-1', 0n, []));
    book.prune(10n * timeout, timeout);
    expect(book.unpublished()).toHaveLength(1);
    // A plan with no trades never blocks.
    expect(book.blockingPlan(1n, timeout)).toBeNull();
  });

  it('round-trips through JSON with its progress', () => {
    const book = new PlanBook();
    book.add(plan('p-1', 1_000n, [5, 3]));
    book.onFill(fill('p-1:0', 2));
    const copy = PlanBook.fromJSON(
      JSON.parse(JSON.stringify(book.toJSON())) as ReturnType<PlanBook['toJSON']>,
    );
    expect(copy.toJSON()).toEqual(book.toJSON());
    expect(copy.unpublished()[0]?.trades).toHaveLength(2);
    copy.onFill(fill('p-1:0', 3));
    copy.onFill(fill('p-1:1', 3));
    expect(copy.unfilledIntents('p-1')).toBe(0);
  });

  it('forgets filled plans before a horizon, published or not, and keeps the rest', () => {
    const book = new PlanBook();
    book.add(plan('old-filled', 100n, [5])); // unpublished (as a backtest's), filled
    book.add(plan('old-open', 100n, [5]), true); // published, one intent open
    book.add(plan('old-empty', 100n, [])); // no trades: nothing to wait for
    book.add(plan('new-filled', 300n, [2]), true);
    book.onFill(fill('old-filled:0', 5));
    book.onFill(fill('new-filled:0', 2));
    book.forgetFilledBefore(300n);
    // By hand: before 300 and all filled are old-filled and old-empty.
    expect(book.size).toBe(2);
    expect(book.unfilledIntents('old-open')).toBe(1);
    // A forgotten plan's intents no longer map to it: a late fill is ignored.
    book.onFill(fill('old-filled:0', 1));
    expect(book.unpublished()).toEqual([]);
    book.onFill(fill('old-open:0', 5));
    book.forgetFilledBefore(301n);
    expect(book.size).toBe(0);
  });
});
