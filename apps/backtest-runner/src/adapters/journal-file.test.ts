// The journal file writes exactly the lines formatJournalLine makes (a bare fill through the
// fast fill formatter, everything else through the generic one), numbered from 1.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encodeFillEvent,
  encodeRebalancePlan,
  formatJournalLine,
  isJournalPartName,
  journalPartName,
  type RebalancePlan,
} from '@njord/portfolio-contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { openJournalFile } from './journal-file.js';

const dir = mkdtempSync(join(tmpdir(), 'njord-runner-journal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A plan at `i` with `i % 4` trades (lines of different lengths). */
function plan(i: number): RebalancePlan {
  const at = BigInt(i);
  return {
    planId: `desk:rb:${i}`,
    portfolioId: 'desk',
    timestampNs: at,
    reason: i % 2 === 0 ? 'frequency' : 'threshold',
    transfers: { trend: i / 3, carry: -i / 3 },
    trades: Array.from({ length: i % 4 }, (_, k) => ({
      intentId: `desk:rb:${i}:${k}`,
      planId: `desk:rb:${i}`,
      portfolioId: 'desk',
      strategyId: 'trend',
      symbol: `S${k}`,
      side: k % 2 === 0 ? ('buy' as const) : ('sell' as const),
      quantity: (i + 1) / 7,
      referencePrice: 100.25,
      timestampNs: at,
      commission: 0.5,
      slippage: 0,
    })),
    skipped: [],
    expectedDriftReduction: { trend: 0.01, carry: 0.02 },
    estimatedCosts: (i % 4) * 0.5,
  };
}

describe('openJournalFile', () => {
  it('writes the lines formatJournalLine makes, bare fills and plans included', () => {
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
    journal.plan(7n, plan(7));
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
        formatJournalLine('desk', 5, 'plan', 7n, { plan: encodeRebalancePlan(plan(7)) }),
        '',
      ].join('\n'),
    );
    expect(journal.lines).toBe(5);
  });

  for (const maxBytes of [1, 700, 5_000, 300_000, 3_000_000]) {
    it(`splits into parts of at most ${maxBytes} bytes at line ends, seq in the names`, () => {
      const sub = mkdtempSync(join(dir, 'parts-'));
      const path = join(sub, 'backtest_desk.ndjson');
      const journal = openJournalFile(path, 'desk', {
        maxBytes,
        path: (firstSeq) => join(sub, journalPartName('backtest_desk.ndjson', firstSeq)),
      });
      // Lines of different lengths, past one flush of the buffer (1 MiB); fewer where each
      // line is a file.
      const lines = maxBytes < 1000 ? 1500 : 12_000;
      const expected: string[] = [];
      for (let i = 1; i <= lines; i++) {
        if (i % 5 === 0) {
          // A plan line (printed from the plan) now and then.
          journal.plan(BigInt(i), plan(i));
          expected.push(
            formatJournalLine('desk', i, 'plan', BigInt(i), {
              plan: encodeRebalancePlan(plan(i)),
            }),
          );
          continue;
        }
        const mark = { symbol: `S${'x'.repeat(i % 97)}`, price: i / 7, timestamp_ns: String(i) };
        journal.add('mark', BigInt(i), { mark });
        expected.push(formatJournalLine('desk', i, 'mark', BigInt(i), { mark }));
      }
      journal.close();
      // The reference: lines packed greedily, a new file when the next would pass the limit.
      const files: { firstSeq: number; text: string }[] = [];
      let current = { firstSeq: 1, text: '' };
      let bytes = 0;
      expected.forEach((line, i) => {
        const text = `${line}\n`;
        const size = Buffer.byteLength(text);
        if (bytes > 0 && bytes + size > maxBytes) {
          files.push(current);
          current = { firstSeq: i + 1, text: '' };
          bytes = 0;
        }
        current.text += text;
        bytes += size;
      });
      files.push(current);
      const names = readdirSync(sub).sort();
      expect(names).toEqual(
        [
          'backtest_desk.ndjson',
          ...files.slice(1).map((f) => journalPartName('backtest_desk.ndjson', f.firstSeq)),
        ].sort(),
      );
      expect(journal.parts).toEqual(files.slice(1).map((f) => f.firstSeq));
      files.forEach((file, k) => {
        const name =
          k === 0 ? 'backtest_desk.ndjson' : journalPartName('backtest_desk.ndjson', file.firstSeq);
        expect(readFileSync(join(sub, name), 'utf8')).toBe(file.text);
        // Over the limit only when one line is longer than it.
        if (statSync(join(sub, name)).size > maxBytes) expect(file.text.split('\n').length).toBe(2);
        expect(isJournalPartName('backtest_desk.ndjson', name)).toBe(k > 0);
      });
      expect(journal.lines).toBe(lines);
    });
  }

  it('names parts with the first seq in 16 digits and tells them from other files', () => {
    expect(journalPartName('backtest_a.ndjson', 42)).toBe('backtest_a.0000000000000042.ndjson');
    expect(isJournalPartName('backtest_a.ndjson', 'backtest_a.0000000000000042.ndjson')).toBe(true);
    expect(isJournalPartName('backtest_a.ndjson', 'backtest_a.42.ndjson')).toBe(false);
    expect(isJournalPartName('backtest_a.ndjson', 'backtest_a_b.0000000000000042.ndjson')).toBe(
      false,
    );
    expect(isJournalPartName('backtest_a.ndjson', 'backtest_a.ndjson')).toBe(false);
  });
});
