// JournalLineBuffer writes the very bytes of formatJournalLine / formatFillLine plus newlines,
// whatever the text (multi-byte UTF-8, lone surrogates) and however small it starts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fillEventArb, rebalancePlanArb, timestampArb } from '../arbitraries.test-util.js';
import {
  decodeRebalancePlan,
  encodeFillEvent,
  encodeRebalancePlan,
  type RebalancePlan,
} from '../events.js';
import {
  formatFillLine,
  formatJournalLine,
  type JournalBodyWire,
  type JournalLineType,
} from '../journal.js';
import { JournalLineBuffer } from './journal-buffer.js';

describe('JournalLineBuffer', () => {
  it('gathers the bytes of the formatted lines', () => {
    const text = fc.string({ unit: 'binary', maxLength: 12 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fillEventArb, text, fc.boolean()), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 64 }),
        (entries, capacity) => {
          const buffer = new JournalLineBuffer(capacity);
          const expected: string[] = [];
          entries.forEach(([event, note, bare], i) => {
            const fill = encodeFillEvent(event);
            const at = BigInt(i) * 1_000n;
            if (bare) {
              buffer.addFill('p-1', i + 1, at, fill);
              expected.push(formatFillLine('p-1', i + 1, at, fill));
            } else {
              const body = { code: 'x', message: note };
              buffer.add('p-1', i + 1, 'error', at, body);
              expected.push(formatJournalLine('p-1', i + 1, 'error', at, body));
            }
          });
          expect(buffer.take().toString('utf8')).toBe(`${expected.join('\n')}\n`);
          expect(buffer.length).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps the bytes right past its cache of repeated texts (3,000 ids, timestamps repeating)', () => {
    const buffer = new JournalLineBuffer(256);
    const expected: string[] = [];
    for (let i = 0; i < 6_000; i++) {
      const id = `s${(i * 7) % 3_000}`;
      const at = BigInt(i >> 2);
      // Three portfolios; a fill that names its own (the same text in the line's head).
      const portfolio = `p-${i % 3}`;
      const fill = {
        ...(i % 5 === 0 ? { portfolio_id: portfolio } : {}),
        fill_id: `${id}:${i}:AB"C`,
        strategy_id: id,
        symbol: i % 3 === 0 ? 'ÅB' : 'AB',
        side: i % 2 === 0 ? 'buy' : 'sell',
        quantity: i / 7,
        price: 100 + i,
        fee: 0,
        timestamp_ns: at.toString(),
      } as const;
      buffer.addFill(portfolio, i + 1, at, fill);
      expected.push(formatFillLine(portfolio, i + 1, at, fill));
    }
    expect(buffer.take().toString('utf8')).toBe(`${expected.join('\n')}\n`);
  });
});

describe('JournalLineBuffer numbers', () => {
  /** Decimals of every length (m / 10^k), their neighbours, and the edges of the digit path. */
  const decimal = fc
    .tuple(
      fc.oneof(fc.integer({ min: 0, max: 999 }), fc.maxSafeNat()),
      fc.integer({ min: 0, max: 22 }),
      fc.constantFrom(-1, 0, 0, 0, 1),
      fc.boolean(),
    )
    .map(([m, k, step, negative]) => {
      const x = m / 10 ** k;
      const near = step === 0 ? x : step > 0 ? nextUp(x) : -nextUp(-x);
      return negative ? -near : near;
    });
  const number = fc.oneof(
    decimal,
    fc.double(),
    fc.constantFrom(
      1e-6,
      -nextUp(-1e-6),
      0.000001,
      0.0000015,
      1e15,
      999999999999999,
      999999999999999.875,
      0.1 + 0.2,
      100,
      1000,
      0.5,
      -0,
      5e-324,
      1e21,
      1.7e308,
      Number.NaN,
      Infinity,
      -Infinity,
    ),
  );

  it('writes each number as JSON.stringify does', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(number, number, number), { minLength: 1 }), (triples) => {
        const buffer = new JournalLineBuffer(64);
        const expected: string[] = [];
        triples.forEach(([quantity, price, fee], i) => {
          const fill = {
            fill_id: `f${i}`,
            strategy_id: 's',
            symbol: 'X',
            side: 'buy',
            quantity,
            price,
            fee,
            timestamp_ns: '1',
          } as const;
          buffer.addFill('p', i + 1, 1n, fill);
          expected.push(formatFillLine('p', i + 1, 1n, fill));
        });
        expect(buffer.take().toString('utf8')).toBe(`${expected.join('\n')}\n`);
      }),
      { numRuns: 300 },
    );
  });
});

/** The next double above `x` (x finite, not the largest). */
function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  view.setBigUint64(0, x > 0 ? bits + 1n : bits - 1n);
  return view.getFloat64(0);
}

describe('JournalLineBuffer.addLiveFill', () => {
  /** Keys and texts of every kind: multi-byte, lone surrogates, quotes, controls. */
  const text = fc.string({ unit: 'binary', maxLength: 10 });
  const value = fc.oneof(
    { weight: 4, arbitrary: text },
    {
      weight: 4,
      arbitrary: fc.oneof(
        fc.double(),
        fc.constantFrom(1e200, 1.7e308, -0, 5e-324, Number.NaN, Infinity, -Infinity),
        fc.integer(),
      ),
    },
    // Not a flat wire value: the line goes the `add` route (and must come out the same).
    { weight: 1, arbitrary: fc.constantFrom(undefined, null, true, { a: 1 }, [1, 'x']) },
  );
  /** A flat record in the order its keys came; `__proto__` an own key like any other. */
  const record = fc
    .array(fc.tuple(fc.oneof(text, fc.constantFrom('__proto__', '1', 'fill_id')), value), {
      maxLength: 12,
    })
    .map((members) => {
      const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (const [key, member] of members) out[key] = member;
      return out;
    });

  it('writes the bytes of add(..., {source: {stream, id}, fill})', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.oneof(
              record,
              fillEventArb.map((event) => encodeFillEvent(event)),
            ),
            text,
            text,
            fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
          ),
          { minLength: 1, maxLength: 8 },
        ),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER - 10 }),
        (lines, capacity, firstSeq) => {
          const buffer = new JournalLineBuffer(capacity);
          const expected: string[] = [];
          lines.forEach(([fill, stream, id, at], i) => {
            buffer.addLiveFill('p-1', firstSeq + i, at, stream, id, fill);
            const body = { source: { stream, id }, fill } as JournalBodyWire<'fill'>;
            expected.push(formatJournalLine('p-1', firstSeq + i, 'fill', at, body));
          });
          const bytes = buffer.take();
          expect(bytes.equals(Buffer.from(`${expected.join('\n')}\n`, 'utf8'))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('writes a decoded fill as the manager journals it (seq 0 and a large seq too)', () => {
    const fill = {
      fill_id: 'f-"1"',
      strategy_id: 'alpha',
      symbol: 'SPX',
      side: 'buy',
      quantity: 1e200,
      price: 100.25,
      fee: 0,
      timestamp_ns: '1700000000123456789',
    };
    for (const seq of [0, 9, 10, 123456789012]) {
      const buffer = new JournalLineBuffer(8);
      buffer.addLiveFill('p', seq, 7n, 'njord:fills', '1-0', fill);
      expect(buffer.take().toString('utf8')).toBe(
        `${formatJournalLine('p', seq, 'fill', 7n, { source: { stream: 'njord:fills', id: '1-0' }, fill })}\n`,
      );
    }
  });
});

describe('JournalLineBuffer.add', () => {
  it('writes the formatted line for an empty body and for bodies past 64 Ki characters', () => {
    const long = (unit: string) => unit.repeat(70_000);
    const bodies: [JournalLineType, Record<string, unknown>][] = [
      ['resume', {}],
      ['error', { code: 'x', message: long('é') }],
      ['error', { message: long('a'), error: long('\ud83d\ude00') }],
      ['error', { message: '\ud800 lone' }],
    ];
    const buffer = new JournalLineBuffer(16);
    const expected: string[] = [];
    bodies.forEach(([type, body], i) => {
      const typed = body as JournalBodyWire<typeof type>;
      buffer.add('p-é', i + 1, type, 5n, typed);
      expected.push(formatJournalLine('p-é', i + 1, type, 5n, typed));
    });
    expect(buffer.take().equals(Buffer.from(`${expected.join('\n')}\n`, 'utf8'))).toBe(true);
  });
});

describe('JournalLineBuffer.addPlan', () => {
  /** Texts of every kind: multi-byte, lone surrogates, quotes, controls. */
  const text = fc.string({ unit: 'binary', maxLength: 8 });
  const number = fc.oneof(
    fc.double(),
    fc.constantFrom(1e200, 1.7e308, -0, 5e-324, 1e-7, 1e15, 0.1 + 0.2, Number.NaN, -Infinity),
  );
  /** Id records whose keys include `__proto__`, array indexes (listed first) and any text. */
  const amounts = fc
    .array(fc.tuple(fc.oneof(text, fc.constantFrom('__proto__', '0', '7', '12', 'a')), number), {
      maxLength: 5,
    })
    .map((members) => {
      const out = Object.create(null) as Record<string, number>;
      for (const [key, amount] of members) out[key] = amount;
      return out;
    });
  /** Plans as the rebalancer makes them, with any text and number where the wire has one. */
  const plan = fc
    .tuple(rebalancePlanArb, text, text, text, number, number, amounts, amounts)
    .map(([base, id, strategy, symbol, quantity, cost, transfers, drift]) => ({
      ...base,
      planId: `${base.planId}${id}`,
      transfers,
      expectedDriftReduction: drift,
      estimatedCosts: cost,
      trades: base.trades.map((trade, i) => ({
        ...trade,
        strategyId: i === 0 ? strategy : trade.strategyId,
        quantity: i === 0 ? quantity : trade.quantity,
      })),
      skipped: base.skipped.map((skip) => ({ ...skip, symbol: `${skip.symbol}${symbol}` })),
    }));
  /** A value of another type than the wire takes (or none) put somewhere in a plan. */
  const damage = fc.tuple(
    fc.constantFrom(
      'planId',
      'timestampNs',
      'reason',
      'transfers',
      'trades',
      'estimatedCosts',
      'fallback',
      'internalFills',
      'nettingSavings',
      'trade.quantity',
      'trade.timestampNs',
      'skip.symbol',
      'fill.intentId',
      'transfer',
    ),
    fc.constantFrom<unknown>(undefined, null, '1', 1, 1n, true, { a: 1 }, [1]),
  );
  function damaged(original: RebalancePlan, [where, value]: [string, unknown]): RebalancePlan {
    const copy: Record<string, unknown> = { ...original };
    const [head, field] = where.split('.') as [string, string | undefined];
    const first = (list: 'trades' | 'skipped' | 'internalFills') => {
      const items = [...(original[list] ?? [])];
      if (items.length > 0 && field !== undefined)
        items[0] = { ...items[0], [field]: value } as never;
      copy[list] = items;
    };
    if (head === 'trade') first('trades');
    else if (head === 'skip') first('skipped');
    else if (head === 'fill') first('internalFills');
    else if (head === 'transfer') copy.transfers = { ...original.transfers, x: value };
    else copy[head] = value;
    return copy as RebalancePlan;
  }

  it('writes the bytes of add(..., {plan: encodeRebalancePlan(plan)}), damaged plans too', () => {
    let straight = 0;
    let added = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(plan, fc.option(damage, { freq: 3 }), timestampArb), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.integer({ min: 1, max: 256 }),
        fc.constantFrom('p-1', 'p-é', 'p"q'),
        (lines, capacity, portfolio) => {
          const buffer = new JournalLineBuffer(capacity);
          const expected: string[] = [];
          lines.forEach(([original, hurt, at], i) => {
            const value = hurt === null ? original : damaged(original, hurt);
            let body: JournalBodyWire<'plan'>;
            try {
              body = { plan: encodeRebalancePlan(value) };
            } catch {
              return; // the codec itself refuses it (a list that is not one): nothing to compare
            }
            if (buffer.addPlan(portfolio, i + 1, at, value)) straight++;
            else added++;
            expected.push(formatJournalLine(portfolio, i + 1, 'plan', at, body));
          });
          const bytes = buffer.take();
          const want = expected.length === 0 ? '' : `${expected.join('\n')}\n`;
          expect(bytes.equals(Buffer.from(want, 'utf8'))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
    // Both routes were taken: plans as made go straight, damaged ones the `add` way.
    expect(straight).toBeGreaterThan(100);
    expect(added).toBeGreaterThan(50);
  });

  it('writes a plan straight, netting and band-edge members included', () => {
    const buffer = new JournalLineBuffer(4);
    const value: RebalancePlan = {
      planId: 'p:rb:3',
      portfolioId: 'p',
      timestampNs: 86_400_000_000_000n,
      reason: 'threshold',
      transfers: { a: -1250.5, b: 1250.5 },
      trades: [
        {
          intentId: 'p:rb:3:0',
          planId: 'p:rb:3',
          portfolioId: 'p',
          strategyId: 'a',
          symbol: 'SPX',
          side: 'sell',
          quantity: 0.25,
          referencePrice: 5000.01,
          timestampNs: 86_400_000_000_000n,
          commission: 1.25,
          slippage: 0,
        },
      ],
      skipped: [{ strategyId: 'b', symbol: 'NDX', quantity: 1e-9, reason: 'rounded_to_zero' }],
      expectedDriftReduction: { a: 0.05, b: 0.05 },
      estimatedCosts: 1.25,
      fallback: true,
      internalFills: [
        {
          fillId: 'p:rb:3:net:0',
          strategyId: 'a',
          symbol: 'SPX',
          side: 'buy',
          quantity: 1,
          price: 5000.01,
          fee: 0,
          timestampNs: 86_400_000_000_000n,
          portfolioId: 'p',
          intentId: 'p:rb:3:net:0',
        },
      ],
      nettingSavings: 2.5,
    };
    expect(buffer.addPlan('p', 9, 86_400_000_000_000n, value)).toBe(true);
    const line = buffer.take().toString('utf8');
    expect(line).toBe(
      `${formatJournalLine('p', 9, 'plan', 86_400_000_000_000n, { plan: encodeRebalancePlan(value) })}\n`,
    );
    // Read back, it is the plan.
    expect(decodeRebalancePlan((JSON.parse(line) as { plan: unknown }).plan)).toEqual(value);
  });
});

describe('JournalLineBuffer times', () => {
  it('writes a time of any length into a small buffer (a 700-digit bigint)', () => {
    const at = 10n ** 700n + 7n;
    const fill = {
      fill_id: 'f',
      strategy_id: 's',
      symbol: 'X',
      side: 'buy',
      quantity: 1,
      price: 2,
      fee: 0,
      timestamp_ns: at.toString(),
    } as const;
    const plan: RebalancePlan = {
      planId: 'p:rb:0',
      portfolioId: 'p',
      timestampNs: at,
      reason: 'frequency',
      transfers: {},
      trades: [],
      skipped: [],
      expectedDriftReduction: {},
      estimatedCosts: 0,
    };
    // The plan first: nothing before it has grown the buffer.
    const buffer = new JournalLineBuffer(8);
    expect(buffer.addPlan('p', 1, at, plan)).toBe(true);
    buffer.addFill('p', 2, at, fill);
    buffer.addFill('p', 3, -at, fill);
    expect(buffer.take().toString('utf8')).toBe(
      [
        formatJournalLine('p', 1, 'plan', at, { plan: encodeRebalancePlan(plan) }),
        formatFillLine('p', 2, at, fill),
        formatFillLine('p', 3, -at, fill),
        '',
      ].join('\n'),
    );
  });
});
