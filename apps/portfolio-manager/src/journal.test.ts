import { describe, expect, it } from 'vitest';
import { JournalWriter } from './journal.js';

describe('JournalWriter', () => {
  it('writes one batch per flush; every line starts with portfolio_id, seq, type, timestamp_ns', () => {
    const batches: string[][] = [];
    const writer = new JournalWriter({ append: (lines) => batches.push([...lines]) }, 'p-1', 41);
    expect(writer.add('fill', 5n, { entry_id: '1-0', fill: { a: 1 } })).toBe(42);
    expect(writer.add('published', 6n)).toBe(43);
    expect(writer.pending).toBe(2);
    writer.flush();
    writer.flush();
    expect(batches).toHaveLength(1);
    expect(batches[0]?.map((line) => JSON.parse(line) as unknown)).toEqual([
      {
        portfolio_id: 'p-1',
        seq: 42,
        type: 'fill',
        timestamp_ns: '5',
        entry_id: '1-0',
        fill: { a: 1 },
      },
      { portfolio_id: 'p-1', seq: 43, type: 'published', timestamp_ns: '6' },
    ]);
    expect(batches[0]?.[0]?.startsWith('{"portfolio_id":"p-1","seq":42,')).toBe(true);
    expect(writer.linesWritten).toBe(2);
  });

  it('counts lines since the last checkpoint and keeps lines buffered when the write fails', () => {
    let fail = true;
    const written: string[] = [];
    const writer = new JournalWriter(
      {
        append: (lines) => {
          if (fail) throw new Error('disk full');
          written.push(...lines);
        },
      },
      'p',
      0,
    );
    writer.add('fill', 1n);
    writer.add('fill', 1n);
    expect(writer.linesSinceCheckpoint).toBe(2);
    writer.add('checkpoint', 1n);
    expect(writer.linesSinceCheckpoint).toBe(0);
    expect(() => writer.flush()).toThrow('disk full');
    expect(writer.pending).toBe(3);
    fail = false;
    writer.flush();
    expect(written.map((line) => (JSON.parse(line) as { seq: number }).seq)).toEqual([1, 2, 3]);
  });
});
