// JournalLineBuffer writes the very bytes of formatJournalLine / formatFillLine plus newlines,
// whatever the text (multi-byte UTF-8, lone surrogates) and however small it starts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fillEventArb } from '../arbitraries.test-util.js';
import { encodeFillEvent } from '../events.js';
import { formatFillLine, formatJournalLine } from '../journal.js';
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
      const fill = {
        fill_id: `${id}:${i}:AB"C`,
        strategy_id: id,
        symbol: i % 3 === 0 ? 'ÅB' : 'AB',
        side: i % 2 === 0 ? 'buy' : 'sell',
        quantity: i / 7,
        price: 100 + i,
        fee: 0,
        timestamp_ns: at.toString(),
      } as const;
      buffer.addFill('p-1', i + 1, at, fill);
      expected.push(formatFillLine('p-1', i + 1, at, fill));
    }
    expect(buffer.take().toString('utf8')).toBe(`${expected.join('\n')}\n`);
  });
});
