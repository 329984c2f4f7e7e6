// --threads: the baseline, each strategy alone and the benchmark on a second thread give the
// files of the one-thread run (the result JSON but its timings, the journal byte for byte).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './cli.test-util.js';

const work = mkdtempSync(join(tmpdir(), 'njord-runner-threads-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The result JSON without its wall-clock figures, and the journal's bytes. */
function runWith(threads: string, config: string, data: string, id: string) {
  const out = join(work, `out-${id}-${threads}`);
  const journalDir = join(work, `journal-${id}-${threads}`);
  const run = cli(
    '--portfolio-config',
    config,
    '--data',
    data,
    '--out',
    out,
    '--journal-dir',
    journalDir,
    '--no-report',
    '--quiet',
    '--threads',
    threads,
  );
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const result = JSON.parse(readFileSync(join(out, `portfolio_${id}_result.json`), 'utf8')) as {
    stats: Record<string, number>;
  };
  const { load_ms: _load, run_ms: _run, bar_events_per_second: _rate, ...stats } = result.stats;
  return {
    result: { ...result, stats },
    journal: readFileSync(join(journalDir, `backtest_${id}.ndjson`)),
  };
}

describe('njord-backtest --threads', () => {
  it.each([
    ['config/portfolio.yaml', 'data/spx-daily.csv', 'multi_strategy_v1'],
    ['config/portfolio-risk.yaml', 'data/spx-daily.csv', 'multi_strategy_risk_v1'],
    ['config/portfolio-multi-asset.yaml', 'data/multi-asset-daily.csv', 'multi_asset_v1'],
  ])(
    'gives the same files with 1 and 2 threads: %s',
    (config, data, id) => {
      const one = runWith('1', config, data, id);
      const two = runWith('2', config, data, id);
      expect(two.result).toEqual(one.result);
      expect(two.journal.equals(one.journal)).toBe(true);
      expect(one.journal.length).toBeGreaterThan(0);
    },
    240_000,
  );

  it('refuses a count it does not know, naming what it takes', () => {
    const run = cli('--threads', '3', '--no-report', '--quiet');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("option '--threads <n>' argument '3' is invalid");
    expect(run.stderr).toContain('expected 1, 2 or auto');
  });
});
