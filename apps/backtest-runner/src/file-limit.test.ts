// --max-file-mb end to end: past the limit the journal goes on in parts and the rebalances
// leave the result JSON for parts; read back, they are the same run as one file each.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodePortfolioBacktestResult,
  journalPartName,
  type PortfolioBacktestResult,
} from '@njord/portfolio-contracts';
import { openBacktestResult } from '@njord/portfolio-backtest/node';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './cli.test-util.js';

const work = mkdtempSync(join(tmpdir(), 'njord-runner-limit-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const RESULT = 'portfolio_multi_strategy_v1_result.json';
const JOURNAL = 'backtest_multi_strategy_v1.ndjson';

/** The example on the shipped S&P 500 file from 2005 on (a rebalance on most days). */
function run(dir: string, maxFileMb: string) {
  return cli(
    '--portfolio-config',
    'config/portfolio.yaml',
    '--start',
    '2005-01-01',
    '--out',
    dir,
    '--journal-dir',
    dir,
    '--max-file-mb',
    maxFileMb,
    '--no-report',
  );
}

describe('njord-backtest --max-file-mb', () => {
  const whole = join(work, 'whole');
  const split = join(work, 'split');
  // 0.25 MB: the journal and the rebalances take several parts each.
  const limit = 250_000;

  it('writes parts within the limit that read back as the one-file run', async () => {
    const one = run(whole, '0');
    expect(one.stderr).toBe('');
    expect(one.code).toBe(0);
    const parted = run(split, String(limit / 1e6));
    expect(parted.stderr).toBe('');
    expect(parted.code).toBe(0);
    expect(parted.stdout).toContain('its rebalances in');
    expect(parted.stdout).toContain('it goes on in');

    const wholeText = readFileSync(join(whole, RESULT), 'utf8');
    const expected = decodePortfolioBacktestResult(JSON.parse(wholeText));
    expect(expected.rebalances.length).toBeGreaterThan(100);
    // The rebalances alone pass the limit, so they had to move.
    const rebalanceBytes = (JSON.parse(wholeText) as { rebalances: unknown[] }).rebalances.reduce(
      (n: number, r) => n + Buffer.byteLength(JSON.stringify(r)) + 1,
      0,
    );
    expect(rebalanceBytes).toBeGreaterThan(limit);

    const names = readdirSync(split);
    const resultParts = names.filter((n) => n.startsWith(`${RESULT.slice(0, -5)}.rebalances.`));
    const journalParts = names
      .filter((n) => n !== JOURNAL && n.startsWith(`${JOURNAL.slice(0, -7)}.`))
      .sort();
    expect(resultParts.length).toBeGreaterThanOrEqual(Math.ceil(rebalanceBytes / limit));
    expect(journalParts.length).toBeGreaterThan(1);
    // Every file that grows with trades is within the limit.
    for (const name of [...resultParts, ...journalParts, JOURNAL])
      expect(statSync(join(split, name)).size).toBeLessThanOrEqual(limit);

    // The journal: its files joined are the one-file journal, byte for byte; each part is
    // named by the seq of its first line.
    const joined = [JOURNAL, ...journalParts]
      .map((n) => readFileSync(join(split, n), 'utf8'))
      .join('');
    expect(joined).toBe(readFileSync(join(whole, JOURNAL), 'utf8'));
    for (const name of journalParts) {
      const firstLine = readFileSync(join(split, name), 'utf8').split('\n', 1)[0] as string;
      const seq = (JSON.parse(firstLine) as { seq: number }).seq;
      expect(name).toBe(journalPartName(JOURNAL, seq));
    }

    // The result: no `rebalances` in the file itself, and the reader gives back the whole.
    const raw = JSON.parse(readFileSync(join(split, RESULT), 'utf8')) as Record<string, unknown>;
    expect(raw.rebalances).toBeUndefined();
    expect(raw.rebalances_files).toBeDefined();
    const read = await (await openBacktestResult(join(split, RESULT))).readAll();
    // Timing figures differ between two runs; everything else is the same.
    const timeless = (r: PortfolioBacktestResult) => ({
      ...r,
      stats: { ...r.stats, loadMs: 0, runMs: 0, barEventsPerSecond: 0 },
    });
    expect(timeless(read)).toEqual(timeless(expected));
  }, 240_000);

  it('removes the parts of an earlier run that a new run does not write', () => {
    const again = run(split, '0');
    expect(again.code).toBe(0);
    expect(readdirSync(split).sort()).toEqual([JOURNAL, RESULT].sort());
    expect(readFileSync(join(split, JOURNAL), 'utf8')).toBe(
      readFileSync(join(whole, JOURNAL), 'utf8'),
    );
  }, 120_000);

  it('refuses a limit that is not a size', () => {
    for (const bad of ['-1', 'lots', '', '0.0000001']) {
      const out = cli('--max-file-mb', bad, '--quiet');
      expect(out.code).toBe(2);
      expect(out.stderr).toContain('--max-file-mb');
    }
  });
});
