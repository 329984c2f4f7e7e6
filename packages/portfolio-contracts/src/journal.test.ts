import { describe, expect, it } from 'vitest';
import { formatJournalLine } from './journal.js';

describe('formatJournalLine', () => {
  it('puts the four common keys first, then the body, bigints as strings', () => {
    const line = formatJournalLine('p-1', 7, 'plan', 12n, { plan: { id: 'x' }, at: 5n });
    expect(line).toBe(
      '{"portfolio_id":"p-1","seq":7,"type":"plan","timestamp_ns":"12","plan":{"id":"x"},"at":"5"}',
    );
    expect(JSON.parse(line)).toEqual({
      portfolio_id: 'p-1',
      seq: 7,
      type: 'plan',
      timestamp_ns: '12',
      plan: { id: 'x' },
      at: '5',
    });
  });

  it('writes a bare line for an empty body', () => {
    expect(formatJournalLine('p', 1, 'published', 0n)).toBe(
      '{"portfolio_id":"p","seq":1,"type":"published","timestamp_ns":"0"}',
    );
  });
});
