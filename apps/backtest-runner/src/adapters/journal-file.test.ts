// The journal file writes exactly the lines formatJournalLine makes (a bare fill through the
// fast fill formatter, everything else through the generic one), numbered from 1.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFillEvent, formatJournalLine } from '@njord/portfolio-contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { openJournalFile } from './journal-file.js';

const dir = mkdtempSync(join(tmpdir(), 'njord-runner-journal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openJournalFile', () => {
  it('writes the lines formatJournalLine makes, bare fills included', () => {
    const path = join(dir, 'j.ndjson');
    const journal = openJournalFile(path, 'desk');
    const fill = encodeFillEvent({
      fillId: 'desk:rb:0:1',
      strategyId: 'trend',
      symbol: 'SPX',
      side: 'sell',
      quantity: 0.1 + 0.2,
      price: 4321.5,
      fee: 1e-7,
      timestampNs: 5n,
      intentId: 'desk:rb:0:1',
    });
    const strategyFill = {
      fill_id: 'trend:7:SPX',
      strategy_id: 'trend',
      symbol: 'SPX',
      side: 'buy' as const,
      quantity: 12.345678901234567,
      price: 99.5,
      fee: 0,
      timestamp_ns: '7',
    };
    journal.add('mark', 5n, { mark: { symbol: 'SPX', price: 4321.5, timestamp_ns: '5' } });
    journal.add('fill', 5n, { fill });
    journal.add('fill', 7n, { fill: strategyFill });
    journal.add('fill', 7n, { fill: strategyFill, source: { stream: 'njord:fills', id: '1-0' } });
    journal.close();
    expect(readFileSync(path, 'utf8')).toBe(
      [
        formatJournalLine('desk', 1, 'mark', 5n, {
          mark: { symbol: 'SPX', price: 4321.5, timestamp_ns: '5' },
        }),
        formatJournalLine('desk', 2, 'fill', 5n, { fill }),
        formatJournalLine('desk', 3, 'fill', 7n, { fill: strategyFill }),
        formatJournalLine('desk', 4, 'fill', 7n, {
          fill: strategyFill,
          source: { stream: 'njord:fills', id: '1-0' },
        }),
        '',
      ].join('\n'),
    );
    expect(journal.lines).toBe(4);
  });
});
