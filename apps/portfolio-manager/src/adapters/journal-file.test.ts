import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support.js';
import { FileJournal, scanJournal } from './journal-file.js';

const line = (portfolio: string, seq: number, type: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ portfolio_id: portfolio, seq, type, ...extra });

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
      journal.append([line('p', 1, 'fill'), line('p', 2, 'mark')]);
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
    journal.append([line('p', 2, 'fill')]);
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
});
