import {
  decodeJournalLine,
  formatJournalLine,
  journalLineOpen,
  type JournalBodyWire,
} from '@njord/portfolio-contracts';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FileJournal } from './adapters/journal-file.js';
import { FencedJournal, JournalWriter, journalLineBytes } from './journal.js';
import { LockLostError } from './session.js';

describe('JournalWriter', () => {
  it('writes one batch per flush; every line starts with v, seq, portfolio_id, type, timestamp_ns', () => {
    const batches: string[][] = [];
    const writer = new JournalWriter(
      { append: (lines) => batches.push(lines.map((line) => line.toString('utf8').trimEnd())) },
      'p-1',
      41,
    );
    const fill = {
      fill_id: 'f',
      strategy_id: 'A',
      symbol: 'X',
      side: 'buy' as const,
      quantity: 1,
      price: 2,
      fee: 0,
      timestamp_ns: '4',
    };
    expect(writer.add('fill', 5n, { source: { stream: 's', id: '1-0' }, fill })).toBe(42);
    expect(writer.add('published', 6n, { plan_id: 'p' })).toBe(43);
    expect(writer.pending).toBe(2);
    writer.flush();
    writer.flush();
    expect(batches).toHaveLength(1);
    const lines = batches[0]?.map((line) => decodeJournalLine(line)) ?? [];
    expect(lines.map((line) => [line.seq, line.type, line.timestamp_ns])).toEqual([
      [42, 'fill', 5n],
      [43, 'published', 6n],
    ]);
    expect(batches[0]?.[0]?.startsWith('{"v":1,"seq":42,"portfolio_id":"p-1","type":"fill",')).toBe(
      true,
    );
    expect(writer.linesWritten).toBe(2);
  });

  it('counts lines since the last checkpoint and keeps lines buffered when the write fails', () => {
    let fail = true;
    const written: string[] = [];
    const writer = new JournalWriter(
      {
        append: (lines) => {
          if (fail) throw new Error('disk full');
          written.push(...lines.map((line) => line.toString('utf8')));
        },
      },
      'p',
      0,
    );
    writer.add('published', 1n, { plan_id: 'a' });
    writer.add('published', 1n, { plan_id: 'b' });
    expect(writer.linesSinceCheckpoint).toBe(2);
    writer.add('checkpoint', 1n, {});
    expect(writer.linesSinceCheckpoint).toBe(0);
    expect(() => writer.flush()).toThrow('disk full');
    expect(writer.pending).toBe(3);
    fail = false;
    writer.flush();
    expect(written.map((line) => (JSON.parse(line) as { seq: number }).seq)).toEqual([1, 2, 3]);
  });

  it('writes the bytes of formatJournalLine, newline added (non-ASCII, bigints, a large body)', () => {
    const bodies: [string, JournalBodyWire<'error'>][] = [
      ['p', { code: 'x', message: 'plain' }],
      ['p.ü-1', { code: 'Ωmega', message: 'émoji 😀 and \u2028 and "quotes" \\ ok' }],
      ['p', { message: 'x'.repeat(100_000) }],
      ['p', {}],
    ];
    for (const [portfolio, body] of bodies) {
      // The contract's own route (its pure-JS CRC) is the reference.
      const expected = `${formatJournalLine(portfolio, 7, 'error', 12_345_678_901_234_567_890n, body)}\n`;
      const open = journalLineOpen(portfolio, 7, 'error', 12_345_678_901_234_567_890n, body);
      expect(journalLineBytes(open).toString('utf8')).toBe(expected);
      expect(journalLineBytes(open).equals(Buffer.from(expected, 'utf8'))).toBe(true);
    }
    // zlib's CRC over bytes equals the contract's over the text.
    expect(crc32(Buffer.from('é}'))).toBe(crc32('é}'));
  });

  it.each(['always', 'batch', 'never'] as const)(
    'writes a file of the formatted lines through FileJournal (fsync %s), batch after batch',
    (fsync) => {
      const dir = mkdtempSync(join(tmpdir(), 'njord-writer-'));
      try {
        const path = join(dir, 'journal.ndjson');
        const file = FileJournal.open(path, fsync);
        const writer = new JournalWriter(file, 'p', 0);
        const expected: string[] = [];
        const fill = (i: number) => ({
          fill_id: `f-${i}`,
          strategy_id: 'A',
          symbol: 'Xé',
          side: 'buy',
          quantity: i + 0.5,
          price: 2,
          fee: 0,
          timestamp_ns: String(i),
        });
        for (let batch = 0; batch < 3; batch++) {
          for (let i = 0; i < 4; i++) {
            const n = batch * 4 + i;
            const seq = writer.addFill(BigInt(n), 'njord:fills', `${n}-0`, fill(n));
            const body = { source: { stream: 'njord:fills', id: `${n}-0` }, fill: fill(n) };
            expected.push(formatJournalLine('p', seq, 'fill', BigInt(n), body));
            const other = writer.add('published', BigInt(n), { plan_id: `plan-${n}` });
            expected.push(
              formatJournalLine('p', other, 'published', BigInt(n), { plan_id: `plan-${n}` }),
            );
          }
          expect(writer.nextLineOffset()).toBe(Buffer.byteLength(`${expected.join('\n')}\n`));
          writer.flush();
        }
        file.close();
        expect(readFileSync(path, 'utf8')).toBe(`${expected.join('\n')}\n`);
        expect(writer.linesWritten).toBe(24);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe('FencedJournal', () => {
  it('says so and stops when the lease ran out while its lines were being written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'njord-fenced-'));
    try {
      const path = join(dir, 'portfolio.ndjson');
      const file = FileJournal.open(path, 'batch');
      let valid = true;
      // The write is under way when the lease runs out (as for a process paused between its
      // lease check and the write, past its lease): here, inside the write's fdatasync.
      file.onFsync = () => {
        valid = false;
      };
      const lost: string[] = [];
      const journal = new FencedJournal(
        file,
        new JournalWriter(file, 'p', 6),
        { isValid: () => valid },
        (reason) => lost.push(reason),
      );
      journal.add('published', 1n, { plan_id: 'a' });
      expect(() => journal.commit()).toThrow(LockLostError);
      expect(lost).toEqual([
        'the lease ran out while journal lines up to seq 7 were written (not acknowledged; the next holder reads them)',
      ]);
      // The line is in the file (it cannot be taken back); nothing more is written.
      journal.add('published', 2n, { plan_id: 'b' });
      expect(() => journal.commit()).toThrow(LockLostError);
      journal.close();
      const seqs = readFileSync(path, 'utf8')
        .trimEnd()
        .split('\n')
        .map((line) => decodeJournalLine(line).seq);
      expect(seqs).toEqual([7]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
