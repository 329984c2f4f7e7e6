// The njord-backtest CLI end to end: the built binary on the shipped data, files and exit codes.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJournalLine, decodePortfolioBacktestResult } from '@njord/portfolio-contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, root } from './cli.test-util.js';

const work = mkdtempSync(join(tmpdir(), 'njord-runner-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function writeConfig(name: string, body: string): string {
  const path = join(work, name);
  writeFileSync(path, body);
  return path;
}

describe('njord-backtest', () => {
  it("runs the seed's session on the shipped S&P 500 file and writes result, report and journal", () => {
    const out = join(work, 'out');
    const journalDir = join(work, 'journal');
    // A leading `--` (as pnpm passes it) is ignored.
    const run = cli(
      '--',
      '--portfolio-config',
      'config/portfolio.yaml',
      '--start',
      '2019-01-01',
      '--end',
      '2019-12-31',
      '--journal-dir',
      journalDir,
      '--out',
      out,
      '--quiet',
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = decodePortfolioBacktestResult(
      JSON.parse(readFileSync(join(out, 'portfolio_multi_strategy_v1_result.json'), 'utf8')),
    );
    expect(result.data.symbols).toEqual(['SPX']);
    expect(result.data.path).toBe('data/spx-daily.csv');
    // 2019 has 252 NYSE sessions; the first is 2019-01-02, the last 2019-12-31.
    expect(result.stats.bars).toBe(252);
    expect(result.equityCurve).toHaveLength(252);
    expect(result.start).toBe(BigInt(Date.UTC(2019, 0, 2)) * 1_000_000n);
    expect(result.end).toBe(BigInt(Date.UTC(2019, 11, 31)) * 1_000_000n);
    expect(existsSync(join(out, 'portfolio_multi_strategy_v1_report.html'))).toBe(true);
    // The live line format: every line decodes through the one schema (crc checked).
    const lines = readFileSync(join(journalDir, 'backtest_multi_strategy_v1.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => decodeJournalLine(l));
    expect(lines[0]).toMatchObject({
      v: 1,
      portfolio_id: 'multi_strategy_v1',
      seq: 1,
      type: 'config',
    });
    expect(lines[1]).toMatchObject({ seq: 2, type: 'funding' });
    expect(lines.filter((l) => l.type === 'plan')).toHaveLength(result.rebalances.length);
    // Marks: the symbol's first and its last (a replay needs no more; the bars' marks are in
    // the price data); strategy and rebalance fills as `fill` lines.
    const marks = lines.flatMap((l) => (l.type === 'mark' ? [l.mark] : []));
    expect(marks.map((mark) => mark.timestampNs)).toEqual([result.start, result.end]);
    expect(marks.map((mark) => mark.symbol)).toEqual(['SPX', 'SPX']);
    expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => i + 1));
  });

  it('keeps every Nth bar with --curve-every, and every rebalance bar, and skips the report with --no-report', () => {
    const out = join(work, 'sparse');
    // The example without its 24-hour frequency, so not every bar is a rebalance bar.
    const example = readFileSync(join(root, 'config/portfolio.yaml'), 'utf8');
    const config = writeConfig(
      'threshold-only.yaml',
      example.replace('  rebalance_frequency_hours: 24\n', ''),
    );
    const run = cli(
      '--portfolio-config',
      config,
      '--start',
      '2019-01-01',
      '--end',
      '2019-12-31',
      '--out',
      out,
      '--journal-dir',
      join(work, 'j2'),
      '--curve-every',
      '10',
      '--no-report',
      '--quiet',
    );
    expect(run.code).toBe(0);
    const result = decodePortfolioBacktestResult(
      JSON.parse(readFileSync(join(out, 'portfolio_multi_strategy_v1_result.json'), 'utf8')),
    );
    const kept = new Set(result.equityCurve.map((p) => p.timestampNs));
    for (const rebalance of result.rebalances) expect(kept.has(rebalance.timestampNs)).toBe(true);
    expect(result.rebalances.length).toBeLessThan(30);
    // Every 10th of 252 bars (0, 10, ..., 250: 26), the last bar, and the rebalance bars.
    expect(result.equityCurve.length).toBeLessThanOrEqual(26 + 1 + result.rebalances.length);
    expect(result.equityCurve.length).toBeGreaterThanOrEqual(27);
    expect(existsSync(join(out, 'portfolio_multi_strategy_v1_report.html'))).toBe(false);
  });

  it('runs the shipped risk-adjusted example: targets beside base targets, adjustments journaled', () => {
    const out = join(work, 'risk');
    const journalDir = join(work, 'j-risk');
    const run = cli(
      '--portfolio-config',
      'config/portfolio-risk.yaml',
      '--start',
      '2018-01-01',
      '--end',
      '2019-12-31',
      '--out',
      out,
      '--journal-dir',
      journalDir,
      '--no-report',
      '--quiet',
    );
    expect(run.code).toBe(0);
    const result = decodePortfolioBacktestResult(
      JSON.parse(readFileSync(join(out, 'portfolio_multi_strategy_risk_v1_result.json'), 'utf8')),
    );
    expect(result.equityCurve.every((p) => p.baseTargets !== undefined)).toBe(true);
    const moved = result.equityCurve.filter((p) =>
      Object.keys(p.targets).some(
        (id) => Math.abs((p.targets[id] as number) - (p.baseTargets?.[id] as number)) > 1,
      ),
    );
    expect(moved.length).toBeGreaterThan(0);
    const lines = readFileSync(join(journalDir, 'backtest_multi_strategy_risk_v1.ndjson'), 'utf8')
      .trim()
      .split('\n');
    // Weekly adjustments (adjust_every_hours 168) over two years of daily bars: about 104.
    const adjustments = lines.filter(
      (l) => (JSON.parse(l) as { type: string }).type === 'adjustment',
    );
    expect(adjustments.length).toBeGreaterThan(90);
    expect(adjustments.length).toBeLessThan(110);
  });

  it('prints a summary table', () => {
    const run = cli(
      '--start',
      '2019-01-01',
      '--end',
      '2019-03-31',
      '--out',
      join(work, 'summary'),
      '--journal-dir',
      join(work, 'j3'),
      '--no-report',
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/portfolio\s+-?\d+\.\d\d%/);
    expect(run.stdout).toContain('baseline (never rebalanced)');
  });

  it('exits 2 naming the file and the field for a bad config', () => {
    const path = writeConfig(
      'bad.yaml',
      'portfolio:\n  id: x\n  total_capital: -5\n  rebalance_threshold: 0.1\n  allocations:\n    - {strategy_id: momentum_v1, target_weight: 1, min_capital: 0, max_capital: 10}\n',
    );
    const run = cli('--portfolio-config', path, '--quiet');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('portfolio.total_capital: must be > 0, got -5');
  });

  it('exits 2 with file, line and column for a bad data row', () => {
    const csv = writeConfig(
      'bad.csv',
      'timestamp,symbol,open,high,low,close,volume\n2020-01-01,SPX,1,1,1,1,0\n2020-01-02,SPX,1,1,1,abc,0\n',
    );
    const run = cli('--data', csv, '--quiet');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`${csv.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+`));
  });

  it('exits 2 for an empty range, a bad date and an unknown flag', () => {
    expect(cli('--start', '2025-01-01', '--end', '2025-09-30', '--quiet').code).toBe(2);
    expect(cli('--start', '2019-02-30', '--quiet').code).toBe(2);
    const unknown = cli('--frobnicate');
    expect(unknown.code).toBe(2);
    // The error and where the flags are listed, not the whole help (it hid the error).
    expect(unknown.stderr.trim().split('\n')).toEqual([
      "error: unknown option '--frobnicate'",
      '(the same command with --help lists every flag)',
    ]);
    const zero = cli('--curve-every', '0');
    expect(zero.code).toBe(2);
    expect(zero.stderr.trim().split('\n')).toHaveLength(2);
  });

  it('explains every flag with --help and exits 0', () => {
    const help = cli('--help');
    expect(help.code).toBe(0);
    for (const flag of [
      '--portfolio-config',
      '--data',
      '--start',
      '--end',
      '--journal-dir',
      '--out',
      '--fill-model',
      '--curve-every',
      '--no-report',
      '--quiet',
      '--strategies',
    ]) {
      expect(help.stdout).toContain(flag);
    }
  });

  it('generates the same synthetic file for the same seed, and backtests it with next_open fills', () => {
    const a = join(work, 'a.csv');
    const b = join(work, 'b.csv');
    expect(
      cli('generate-data', '--symbols', '4', '--bars', '300', '--seed', '42', '--out', a, '--quiet')
        .code,
    ).toBe(0);
    expect(
      cli('generate-data', '--symbols', '4', '--bars', '300', '--seed', '42', '--out', b, '--quiet')
        .code,
    ).toBe(0);
    expect(readFileSync(a, 'utf8')).toBe(readFileSync(b, 'utf8'));
    // 1 header + 4 symbols x 300 bars.
    expect(readFileSync(a, 'utf8').trim().split('\n')).toHaveLength(1201);
    const run = cli(
      '--data',
      a,
      '--fill-model',
      'next_open',
      '--out',
      join(work, 'synthetic'),
      '--journal-dir',
      join(work, 'j4'),
      '--no-report',
      '--quiet',
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });
});
