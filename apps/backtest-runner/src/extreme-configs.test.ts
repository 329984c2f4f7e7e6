// Valid configs at the edges of what the contract allows run or are refused as bad input
// (exit 2, a message naming what to change), never a stack trace: a sleeve parked at weight
// 0 with max_capital 0, a frequency so long it never fires, a capital too large to size.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJournalLine, decodePortfolioBacktestResult } from '@njord/portfolio-contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, exampleConfigWith, runInto } from './cli.test-util.js';

const work = mkdtempSync(join(tmpdir(), 'njord-runner-extreme-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const config = (name: string, edits: readonly (readonly [string | RegExp, string])[]): string =>
  exampleConfigWith(work, name, edits);

function run(name: string, path: string, ...flags: string[]) {
  const out = join(work, name);
  return { ...runInto(out, '--portfolio-config', path, ...flags), out };
}

describe('configs at the edges', () => {
  it('prints amounts from 1e15 on in scientific notation, not as hundreds of digits', () => {
    // 10,000 buys 1e284 units of X at 1e-280; at 10,000 they are worth 1e288, and the
    // rebalance to max_capital (1e9) sells them down: equity 1e288, a return of
    // 1e288 / 1e4 - 1 = 1e284, 1e286 %.
    const rows = ['timestamp,symbol,close'];
    for (let day = 1; day <= 30; day++)
      rows.push(`2020-01-${String(day).padStart(2, '0')},X,${day < 20 ? '1e-280' : '10000'}`);
    const data = join(work, 'tiny-then-big.csv');
    writeFileSync(data, `${rows.join('\n')}\n`);
    const portfolio = join(work, 'hold.yaml');
    writeFileSync(
      portfolio,
      `portfolio:
  id: hold
  total_capital: 10000
  rebalance_threshold: 0.05
  allocations:
    - strategy_id: hold
      target_weight: 1
      min_capital: 0
      max_capital: 1e9
      strategy: {kind: buy_and_hold, params: {weights: {X: 1}}}
`,
    );
    const out = join(work, 'big');
    const done = cli(
      ...['--portfolio-config', portfolio, '--data', data],
      ...['--out', out, '--journal-dir', out, '--no-report'],
    );
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('equity:       10,000.00 -> 1.00e+288 (1.00e+286%)');
    expect(done.stdout).toMatch(/^portfolio +1\.00e\+286%/m);
  }, 120_000);

  it('runs a sleeve parked at weight 0 and max_capital 0: it holds nothing, earns nothing', () => {
    const path = config('parked', [
      ['target_weight: 0.40', 'target_weight: 0.75'],
      [
        /target_weight: 0.35\n(\s+)min_capital: 10000.0\n(\s+)max_capital: 25000.0/,
        'target_weight: 0\n$1min_capital: 0\n$2max_capital: 0',
      ],
      ['max_capital: 30000.0', 'max_capital: 50000'],
    ]);
    const done = run('parked', path);
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    const result = decodePortfolioBacktestResult(
      JSON.parse(readFileSync(join(done.out, 'portfolio_multi_strategy_v1_result.json'), 'utf8')),
    );
    const parked = result.metrics.strategies['rsi_tema_bb_v1'];
    // Never funded: no return, no drawdown, no volatility; it contributes nothing.
    expect([parked?.totalReturn, parked?.maxDrawdown, parked?.volatility]).toEqual([0, 0, null]);
    expect(result.contribution['rsi_tema_bb_v1']).toBe(0);
  }, 120_000);

  it('runs a rebalance_frequency_hours of 1e300 as a frequency that never comes', () => {
    const done = run(
      'never',
      config('never', [['rebalance_frequency_hours: 24', 'rebalance_frequency_hours: 1e300']]),
    );
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    const reasons = new Set<string>();
    for (const text of readFileSync(join(done.out, 'backtest_multi_strategy_v1.ndjson'), 'utf8')
      .trim()
      .split('\n')) {
      const line = decodeJournalLine(text);
      if (line.type === 'plan') reasons.add(line.plan.reason);
    }
    // The example's plans with a daily frequency are nearly all `frequency`; here none is.
    expect(reasons.has('frequency')).toBe(false);
    expect(reasons.has('threshold')).toBe(true);
  }, 120_000);

  it('refuses a total_capital too large to size against these prices, on one thread or two', () => {
    const path = config('huge', [['total_capital: 50000.0', 'total_capital: 1.7e308']]);
    for (const threads of ['1', '2']) {
      const done = run(`huge-${threads}`, path, '--threads', threads);
      expect(done.code).toBe(2);
      expect(done.stderr).toMatch(
        /^njord-backtest: momentum_v1 on SPX at 2000-04-03T00:00:00Z: 1\.7e\+308 of capital x exposure 1 x risk_multiplier 1\.2 \/ price 1505\.969971 is Infinity units, beyond the largest number a double holds; use a smaller total_capital/,
      );
      expect(done.stderr).not.toMatch(/\n\s+at /);
    }
  }, 120_000);
});
