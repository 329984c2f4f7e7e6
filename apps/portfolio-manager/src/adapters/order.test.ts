// The order entries are applied in: by id across the streams, a command after every fill and
// mark of its millisecond (sequence numbers count per stream, so ids tie across streams).
import { describe, expect, it } from 'vitest';
import { compareEntries, type InputSource, type StreamEntry } from './streams.js';

const entry = (source: InputSource, id: string): StreamEntry => ({ source, id, data: '' });

describe('compareEntries', () => {
  it('puts a command after the fills and marks of its millisecond, in id order otherwise', () => {
    // A tape's bar written at ms 5: marks 5-0 and 5-1, a fill 5-0, then a check 5-0; the next
    // bar's mark at ms 6. By id alone the check (5-0) would come before the mark 5-1.
    const written = [
      entry('prices', '5-0'),
      entry('prices', '5-1'),
      entry('fills', '5-0'),
      entry('commands', '5-0'),
      entry('prices', '6-0'),
      entry('commands', '4-9'),
    ];
    const sorted = [...written].sort(compareEntries).map((e) => `${e.source}:${e.id}`);
    expect(sorted).toEqual([
      'commands:4-9',
      'fills:5-0',
      'prices:5-0',
      'prices:5-1',
      'commands:5-0',
      'prices:6-0',
    ]);
  });

  it('compares milliseconds as numbers, not text', () => {
    const a = entry('commands', '999-0');
    const b = entry('prices', '1000-0');
    expect(compareEntries(a, b)).toBeLessThan(0);
    expect(compareEntries(b, a)).toBeGreaterThan(0);
  });
});
