import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support.js';
import { formatJournalLine } from '@njord/portfolio-contracts';
import { FileJournal, JournalDamageError, scanJournal, withColumnBytes } from './journal-file.js';

const line = (portfolio: string, seq: number, type: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ portfolio_id: portfolio, seq, type, ...extra });

/** A line as the journal writer hands it over: UTF-8 with its newline. */
const bytes = (text: string) => Buffer.from(`${text}\n`);

describe('FileJournal + scanJournal', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('creates the folder and appends whole lines under every fsync policy', () => {
    dir = tempDir('journal');
    const path = join(dir, 'nested/deeper/portfolio.ndjson');
    for (const policy of ['batch', 'always', 'never'] as const) {
      const journal = FileJournal.open(path, policy);
      journal.append([bytes(line('p', 1, 'fill')), bytes(line('p', 2, 'mark'))]);
      journal.close();
    }
    const text = readFileSync(path, 'utf8');
    // 3 policies x 2 lines, each ending in a newline.
    expect(text.split('\n')).toHaveLength(7);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('returns the own lines from the last checkpoint, skipping other portfolios', () => {
    dir = tempDir('journal');
    const path = join(dir, 'portfolio.ndjson');
    const lines = [
      line('p', 1, 'config'),
      line('q', 1, 'checkpoint'),
      line('p', 2, 'checkpoint', { n: 'first' }),
      line('p', 3, 'fill'),
      line('p', 4, 'checkpoint', { n: 'second' }),
      line('q', 2, 'checkpoint'),
      line('p', 5, 'fill', { text: 'ünïcödé ✓' }),
      line('p', 6, 'mark'),
      line('q', 3, 'fill'),
    ];
    writeFileSync(path, `${lines.join('\n')}\n`);
    // A tiny chunk size makes lines straddle chunk boundaries in both directions.
    for (const chunk of [7, 64, 1 << 20]) {
      const scan = scanJournal(path, 'p', chunk);
      expect(scan.lines.map((l) => l.value.seq)).toEqual([4, 5, 6]);
      expect(scan.lines[0]?.value.n).toBe('second');
      expect(scan.lines[1]?.value.text).toBe('ünïcödé ✓');
      // The offset points at the line's first byte.
      const offset = scan.lines[0]?.offset ?? -1;
      expect(
        readFileSync(path)
          .subarray(offset, offset + 20)
          .toString(),
      ).toBe('{"portfolio_id":"p",');
      expect(scan.tornLastLine).toBe(false);
      const other = scanJournal(path, 'q', chunk);
      expect(other.lines.map((l) => l.value.seq)).toEqual([2, 3]);
    }
  });

  it('returns every own line when there is no checkpoint, and nothing for a missing file', () => {
    dir = tempDir('journal');
    const path = join(dir, 'portfolio.ndjson');
    expect(scanJournal(path, 'p').lines).toEqual([]);
    writeFileSync(path, `${[line('p', 1, 'config'), line('p', 2, 'fill')].join('\n')}\n`);
    expect(scanJournal(path, 'p', 5).lines.map((l) => l.value.seq)).toEqual([1, 2]);
  });

  it('drops a torn last line, and a reopened journal starts on a fresh line', () => {
    dir = tempDir('journal');
    const path = join(dir, 'portfolio.ndjson');
    const whole = line('p', 2, 'fill');
    writeFileSync(path, `${line('p', 1, 'config')}\n${whole.slice(0, 17)}`);
    const torn = scanJournal(path, 'p', 8);
    expect(torn.tornLastLine).toBe(true);
    expect(torn.lines.map((l) => l.value.seq)).toEqual([1]);

    const journal = FileJournal.open(path, 'batch');
    journal.append([bytes(line('p', 2, 'fill'))]);
    journal.close();
    const repaired = scanJournal(path, 'p', 8);
    // The fragment is now a corrupt line in the middle; the new line is intact.
    expect(repaired.tornLastLine).toBe(false);
    expect(repaired.corruptLines).toBe(1);
    expect(repaired.lines.map((l) => l.value.seq)).toEqual([1, 2]);
  });

  it('keeps a complete last line that only lacks its newline', () => {
    dir = tempDir('journal');
    const path = join(dir, 'portfolio.ndjson');
    writeFileSync(path, `${line('p', 1, 'config')}\n`);
    appendFileSync(path, line('p', 2, 'fill'));
    const scan = scanJournal(path, 'p');
    expect(scan.lines.map((l) => l.value.seq)).toEqual([1, 2]);
    expect(scan.tornLastLine).toBe(false);
  });

  it('ignores a checkpoint-looking line of another portfolio and a torn checkpoint', () => {
    dir = tempDir('journal');
    const path = join(dir, 'portfolio.ndjson');
    const checkpoint = line('p', 3, 'checkpoint');
    writeFileSync(
      path,
      `${[line('p', 1, 'checkpoint'), line('p', 2, 'fill'), line('pp', 1, 'checkpoint')].join('\n')}\n${checkpoint.slice(0, -1)}`,
    );
    const scan = scanJournal(path, 'p', 16);
    expect(scan.lines.map((l) => l.value.seq)).toEqual([1, 2]);
    expect(scan.tornLastLine).toBe(true);
  });

  describe('damage is found, never passed over', () => {
    const fillBody = (n: number, quantity = 5) => ({
      fill: {
        fill_id: `f-${n}`,
        strategy_id: 'a',
        symbol: 'X',
        side: 'buy' as const,
        quantity,
        price: 100,
        fee: 0,
        timestamp_ns: String(1_700_000_000_000_000_000n + BigInt(n)),
      },
      source: { stream: 'live:fills', id: `1700000000000-${n}` },
    });
    /** checkpoint (seq 1), fills seq 2..6, checkpoint seq 7, fills seq 8..9: one line each. */
    function journalLines(): string[] {
      const out = [formatJournalLine('p', 1, 'checkpoint', 1_700_000_000_000_000_000n, {})];
      for (let seq = 2; seq <= 6; seq++)
        out.push(formatJournalLine('p', seq, 'fill', 1_700_000_000_000_000_000n, fillBody(seq)));
      out.push(formatJournalLine('p', 7, 'checkpoint', 1_700_000_000_000_000_000n, {}));
      for (let seq = 8; seq <= 9; seq++)
        out.push(formatJournalLine('p', seq, 'fill', 1_700_000_000_000_000_000n, fillBody(seq)));
      return out;
    }
    function write(lines: readonly string[]): string {
      dir = tempDir('live-journal');
      const path = join(dir, 'portfolio.ndjson');
      writeFileSync(path, `${lines.join('\n')}\n`);
      return path;
    }
    function refusal(path: string): JournalDamageError {
      try {
        scanJournal(path, 'p', 64);
      } catch (error) {
        if (error instanceof JournalDamageError) return error;
        throw error;
      }
      throw new Error('expected the scan to refuse');
    }

    it('reads an intact journal from its last checkpoint', () => {
      const scan = scanJournal(write(journalLines()), 'p', 64);
      expect(scan.lines.map((l) => l.value.seq)).toEqual([7, 8, 9]);
    });

    it('refuses a bit flip in a valid line (quantity 5 -> 6), naming file, line and fault', () => {
      const lines = journalLines();
      // Line 9 is seq 9: a change that still parses, as a flipped bit can be.
      lines[8] = (lines[8] as string).replace('"quantity":5', '"quantity":6');
      const path = write(lines);
      const error = refusal(path);
      expect(error.code).toBe('bad_crc');
      expect(error.line).toBe(9);
      expect(error.file).toBe(path);
      expect(error.message).toContain(`journal ${path} line 9`);
    });

    it('refuses garbage in place of an acknowledged line (the fill is gone)', () => {
      const lines = journalLines();
      lines[7] = '#@!garbage';
      const error = refusal(write(lines));
      expect(error.code).toBe('unreadable_line');
      expect(error.line).toBe(8);
    });

    it('drops an extra unreadable line when the own lines around it follow on (a torn write)', () => {
      const lines = journalLines();
      lines.splice(8, 0, '{"v":1,"seq":9,"portfolio_id":"p","type":"fi');
      const scan = scanJournal(write(lines), 'p', 64);
      expect(scan.lines.map((l) => l.value.seq)).toEqual([7, 8, 9]);
      expect(scan.corruptLines).toBe(1);
    });

    it('refuses a line lost in the middle (seq gap) and a second writer (seq repeat)', () => {
      const lost = journalLines();
      lost.splice(7, 1);
      expect(refusal(write(lost)).code).toBe('seq_gap');
      const twice = journalLines();
      twice.push(formatJournalLine('p', 9, 'fill', 1_700_000_000_000_000_000n, fillBody(10)));
      const error = refusal(write(twice));
      expect(error.code).toBe('seq_repeat');
      expect(error.line).toBe(10);
    });

    it('passes over a damaged checkpoint: the one before it and the lines after replay', () => {
      const lines = journalLines();
      lines[6] = (lines[6] as string).replace('"checkpoint"', '"checkpoint" ');
      const scan = scanJournal(write(lines), 'p', 64);
      // From the checkpoint of seq 1: fills 2..6, then (7 passed over) fills 8..9.
      expect(scan.lines.map((l) => l.value.seq)).toEqual([1, 2, 3, 4, 5, 6, 8, 9]);
      expect(scan.damagedCheckpoints).toBe(1);
    });
  });
});

describe('withColumnBytes (the packed fills of a chain link, decoded by Node)', () => {
  it('decodes the base64 columns to the bytes, leaves listed fills and bad text as they are', () => {
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 37) & 255));
    const packed = {
      count: 2,
      id_hashes: bytes(32).toString('base64'),
      content_hashes: bytes(16).toString('base64'),
      timestamps_ns: bytes(16).toString('base64'),
    };
    const decoded = withColumnBytes(packed) as Record<string, unknown>;
    expect(decoded.count).toBe(2);
    expect(decoded.id_hashes).toEqual(bytes(32));
    expect(decoded.content_hashes).toEqual(bytes(16));
    expect(decoded.timestamps_ns).toEqual(bytes(16));
    // Text Node would read short (a character outside base64, a wrong length) stays text.
    const star = `*${packed.id_hashes.slice(1)}`;
    const short = packed.content_hashes.slice(0, -1);
    const kept = withColumnBytes({ ...packed, id_hashes: star, content_hashes: short }) as Record<
      string,
      unknown
    >;
    expect(kept.id_hashes).toBe(star);
    expect(kept.content_hashes).toBe(short);
    expect(kept.timestamps_ns).toEqual(bytes(16));
    const listed = [['f', 'A', 'X', 'buy', 1, 1, 0, '1', null, null]];
    expect(withColumnBytes(listed)).toBe(listed);
  });
});
