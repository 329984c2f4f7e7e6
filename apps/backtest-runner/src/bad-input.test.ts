// Bad inputs and outputs through the built binary: exit code, message, and the files left.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSyntheticData, parseTimestamp } from '@njord/portfolio-backtest';
import { formatPriceCsv } from '@njord/portfolio-backtest/csv';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'njord-runner-bad-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const RESULT = 'portfolio_multi_strategy_v1_result.json';
const REPORT = 'portfolio_multi_strategy_v1_report.html';
const JOURNAL = 'backtest_multi_strategy_v1.ndjson';

function cli(...args: string[]) {
  const started = performance.now();
  const out = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return {
    code: out.status,
    stdout: out.stdout,
    stderr: out.stderr,
    ms: performance.now() - started,
  };
}

function file(name: string, body: string | Buffer): string {
  const path = join(work, name);
  writeFileSync(path, body);
  return path;
}

/** A short 2019 run of the example on the shipped data, into fresh directories. */
function shortRun(out: string, journalDir: string, ...more: string[]) {
  return cli(
    '--start',
    '2019-01-01',
    '--end',
    '2019-03-31',
    '--out',
    out,
    '--journal-dir',
    journalDir,
    '--quiet',
    ...more,
  );
}

/** Every file in `dir` with its bytes, temporary ones included. */
function snapshot(dir: string): Map<string, string> {
  return new Map(
    readdirSync(dir).map((name) => [name, readFileSync(join(dir, name)).toString('base64')]),
  );
}

describe('bad data and config files end quickly with exit 2 and a short message', () => {
  const cases: [string, () => string[], RegExp][] = [
    [
      'data that is a directory',
      () => ['--data', work],
      /: is a directory \(expected a regular price CSV file\)$/,
    ],
    [
      'data that is a FIFO (never opened: it would block)',
      () => {
        const fifo = join(work, 'pipe.csv');
        if (!existsSync(fifo)) execFileSync('mkfifo', [fifo]);
        return ['--data', fifo];
      },
      /pipe\.csv: is a FIFO \(named pipe\)/,
    ],
    ['data that never ends (/dev/zero)', () => ['--data', '/dev/zero'], /is a character device/],
    [
      'a 2 GB sparse data file (zeros)',
      () => {
        const path = file('sparse.csv', '');
        truncateSync(path, 2 * 1024 ** 3);
        return ['--data', path];
      },
      /sparse\.csv:1:1: not a text file: a NUL byte/,
    ],
    [
      '50 MB of NUL bytes',
      () => ['--data', file('nul.csv', Buffer.alloc(50 * 1024 ** 2))],
      /nul\.csv:1:1: not a text file: a NUL byte/,
    ],
    [
      'a data line of a megabyte',
      () => ['--data', file('long.csv', `timestamp,symbol,close\n${'1'.repeat(1 << 20)}\n`)],
      /long\.csv:2:4097: line longer than 4096 characters/,
    ],
    [
      'a long bad value (cut in the message)',
      () => [
        '--data',
        file('value.csv', `timestamp,symbol,close\n2020-01-02,X,${'7'.repeat(100)}z\n`),
      ],
      /close: unparsable number "7{80}"\.\.\. \(101 characters\)$/,
    ],
    [
      'a YAML alias bomb',
      () => {
        const lines = ['a: &a [1,1,1,1,1,1,1,1,1]'];
        for (let level = 1; level < 8; level++)
          lines.push(
            `l${level}: &l${level} [${Array(9)
              .fill(level === 1 ? '*a' : `*l${level - 1}`)
              .join(',')}]`,
          );
        return ['--portfolio-config', file('bomb.yaml', lines.join('\n'))];
      },
      /bomb\.yaml: more than 100 alias expansions/,
    ],
    [
      'YAML nested 100,000 deep',
      () => ['--portfolio-config', file('deep.yaml', `portfolio: ${'['.repeat(100_000)}`)],
      /deep\.yaml:1:76: collections nested deeper than 64 levels/,
    ],
    [
      'a config that is /dev/zero',
      () => ['--portfolio-config', '/dev/zero'],
      /\/dev\/zero: is not a regular file/,
    ],
    [
      'a config that is a directory',
      () => ['--portfolio-config', work],
      /: is a directory \(expected a YAML file\)/,
    ],
  ];
  for (const [name, args, message] of cases) {
    it(
      name,
      () => {
        const out = join(work, `out-${name.replace(/\W+/g, '-')}`);
        const run = cli(...args(), '--out', out, '--journal-dir', out, '--quiet');
        expect(run.code).toBe(2);
        const lines = run.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(/^njord-backtest: /);
        expect(lines[0]).toMatch(message);
        expect((lines[0] ?? '').length).toBeLessThan(400);
        // Nothing was written: a bad input fails before any output exists.
        expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
        // Generous for a loaded machine; reading 2 GB or parsing 100k levels takes far longer.
        expect(run.ms).toBeLessThan(30_000);
      },
      60_000,
    );
  }
});

describe('bad output directories are refused before the run, with exit 2', () => {
  const cases: [string, () => string[], string][] = [
    [
      '--out that is a file',
      () => ['--out', file('a-file', 'x')],
      `--out ${join(work, 'a-file')}: is a file, not a directory`,
    ],
    ['--out ""', () => ['--out', ''], '--out is empty (pass a directory)'],
    [
      '--out under /proc (mkdir -p would hang there)',
      () => ['--out', '/proc/x'],
      '--out /proc/x: cannot create the directory (ENOENT)',
    ],
    [
      '--out that is not writable',
      () => ['--out', '/proc/self'],
      '--out /proc/self: cannot write files there (ENOENT)',
    ],
    [
      '--tape under /proc (mkdir -p would hang there)',
      () => ['--tape', '/proc/x/tape.ndjson'],
      '--tape /proc/x: cannot create the directory (ENOENT)',
    ],
    [
      '--journal-dir that is a file',
      () => ['--journal-dir', file('j-file', 'x')],
      `--journal-dir ${join(work, 'j-file')}: is a file, not a directory`,
    ],
    [
      '--out below a file',
      () => ['--out', join(file('parent-file', 'x'), 'sub')],
      `--out ${join(work, 'parent-file', 'sub')}: ${join(work, 'parent-file')} is a file, not a directory`,
    ],
  ];
  for (const [name, args, message] of cases) {
    it(
      name,
      () => {
        const defaults = [
          '--out',
          join(work, 'o-default'),
          '--journal-dir',
          join(work, 'j-default'),
        ];
        const run = cli(...defaults, ...args(), '--quiet');
        expect(run.code).toBe(2);
        expect(run.stderr.trim()).toBe(`njord-backtest: ${message}`);
        expect(run.ms).toBeLessThan(30_000);
      },
      60_000,
    );
  }
});

describe('outputs of one run change together', () => {
  it('a failed rerun leaves the previous result, report and journal byte for byte', () => {
    const out = join(work, 'keep-out');
    const journalDir = join(work, 'keep-journal');
    expect(shortRun(out, journalDir).code).toBe(0);
    const before = [snapshot(out), snapshot(journalDir)];
    expect([...(before[0]?.keys() ?? [])].sort()).toEqual([REPORT, RESULT]);
    expect([...(before[1]?.keys() ?? [])]).toEqual([JOURNAL]);
    // A range after the data fails inside the engine, after the journal was opened.
    const failed = cli(
      '--start',
      '2030-01-01',
      '--out',
      out,
      '--journal-dir',
      journalDir,
      '--quiet',
    );
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain('2030-01-01');
    expect(snapshot(out)).toEqual(before[0]);
    expect(snapshot(journalDir)).toEqual(before[1]);
  });

  it('a --no-report rerun removes the previous report', () => {
    const out = join(work, 'noreport-out');
    const journalDir = join(work, 'noreport-journal');
    expect(shortRun(out, journalDir).code).toBe(0);
    expect(existsSync(join(out, REPORT))).toBe(true);
    const rerun = cli(
      '--start',
      '2019-01-01',
      '--end',
      '2019-02-28',
      '--out',
      out,
      '--journal-dir',
      journalDir,
      '--no-report',
    );
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain('an older report was removed');
    expect(readdirSync(out)).toEqual([RESULT]);
  });

  it('SIGTERM while writing leaves the previous outputs and no partial file under a final name', async () => {
    const out = join(work, 'term-out');
    const journalDir = join(work, 'term-journal');
    expect(shortRun(out, journalDir).code).toBe(0);
    const before = [snapshot(out), snapshot(journalDir)];
    const data = join(work, 'term.csv');
    expect(
      cli(
        'generate-data',
        '--symbols',
        '3',
        '--bars',
        '20000',
        '--seed',
        '7',
        '--out',
        data,
        '--quiet',
      ).code,
    ).toBe(0);
    const child = spawn(
      process.execPath,
      [bin, '--data', data, '--out', out, '--journal-dir', journalDir, '--quiet'],
      { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    // Wait until the result's temporary file exists: the run is writing.
    const temp = `.${RESULT}.tmp-${child.pid}`;
    const deadline = Date.now() + 120_000;
    while (!existsSync(join(out, temp)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(existsSync(join(out, temp))).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(stderr).toContain('interrupted (SIGTERM)');
    expect(snapshot(out)).toEqual(before[0]);
    expect(snapshot(journalDir)).toEqual(before[1]);
  }, 180_000);

  it('SIGTERM while writing rebalance parts leaves the previous run and its parts as they were', async () => {
    const out = join(work, 'term-parts-out');
    const journalDir = join(work, 'term-parts-journal');
    // The previous run wrote parts of its own (a 20 kB limit over a quarter of rebalances).
    expect(shortRun(out, journalDir, '--max-file-mb', '0.02').code).toBe(0);
    const outBefore = snapshot(out);
    const journalBefore = snapshot(journalDir);
    expect([...outBefore.keys()].filter((n) => n.includes('.rebalances.')).length).toBeGreaterThan(
      1,
    );
    expect(journalBefore.size).toBeGreaterThan(1);
    const data = join(work, 'term-parts.csv');
    expect(
      cli('generate-data', '--symbols', '3', '--bars', '20000', '--seed', '9', '--out', data).code,
    ).toBe(0);
    const child = spawn(
      process.execPath,
      [bin, '--data', data, '--out', out, '--journal-dir', journalDir, '--max-file-mb', '0.5'],
      { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    // Wait until the second rebalance part's temporary file exists: parts are being written.
    const temp = `.${RESULT.slice(0, -5)}.rebalances.0002.ndjson.tmp-${child.pid}`;
    const deadline = Date.now() + 150_000;
    while (!existsSync(join(out, temp)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(existsSync(join(out, temp))).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(stderr).toContain('interrupted (SIGTERM)');
    expect(snapshot(out)).toEqual(outBefore);
    expect(snapshot(journalDir)).toEqual(journalBefore);
  }, 240_000);

  it('removes temporary files left by a run that was killed outright', () => {
    const out = join(work, 'stale-out');
    const journalDir = join(work, 'stale-journal');
    mkdirSync(out, { recursive: true });
    // pid 2^22 + 1 is above Linux's default pid_max: no such process.
    const stale = join(out, `.${RESULT}.tmp-4194305`);
    writeFileSync(stale, '{"partial');
    expect(shortRun(out, journalDir).code).toBe(0);
    expect(readdirSync(out).sort()).toEqual([REPORT, RESULT]);
  });
});

describe('generate-data', () => {
  it("streams the README's 100,000-bar example (from 1700 when 2000 would pass 2261)", () => {
    const path = join(work, 'g100k.csv');
    const run = cli(
      'generate-data',
      '--symbols',
      '2',
      '--bars',
      '100000',
      '--seed',
      '1',
      '--out',
      path,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('1700-01-01 to 2083-04-22');
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    // 1 header + 2 symbols x 100,000 bars.
    expect(lines).toHaveLength(1 + 2 * 100_000);
    expect(lines[1]).toMatch(/^1700-01-01,S01,/);
    expect(lines.at(-1)).toMatch(/^2083-04-22,S02,/);
  }, 120_000);

  it('pads symbol names to the count, so they sort in number order', () => {
    const path = join(work, 'g-names.csv');
    expect(
      cli(
        'generate-data',
        '--symbols',
        '120',
        '--bars',
        '2',
        '--seed',
        '1',
        '--out',
        path,
        '--quiet',
      ).code,
    ).toBe(0);
    const symbols = readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(1, 121)
      .map((l) => l.split(',')[1]);
    expect(symbols[0]).toBe('S001');
    expect(symbols[119]).toBe('S120');
    expect([...symbols].sort()).toEqual(symbols);
  });

  it('makes daily bars from a --start past 2261 on business days every day instead, as before calendars (W)', () => {
    // 50,000 business days from 2100 end in 2291; every day they end in 2236. The bars are
    // the generator's own (its 252-a-year dynamics, one a day), the engine benchmarks' W.
    const path = join(work, 'every-day.csv');
    const run = cli(
      'generate-data',
      '--symbols',
      '2',
      '--bars',
      '50000',
      '--seed',
      '7',
      '--start',
      '2100-01-01',
      '--out',
      path,
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      'generate-data: 50000 business days from 2100-01-01 would pass 2261: bars on every day instead',
    );
    const start = parseTimestamp('2100-01-01');
    if (!start.success) throw new Error(start.error);
    const expected = formatPriceCsv(
      generateSyntheticData({ symbols: 2, bars: 50_000, seed: 7, startNs: start.data.ns }),
    );
    expect(readFileSync(path, 'utf8')).toBe(expected);
    // Asked for by name, the business calendar still refuses.
    const business = cli(
      'generate-data',
      '--symbols',
      '1',
      '--bars',
      '50000',
      '--seed',
      '7',
      '--start',
      '2100-01-01',
      '--calendar',
      'business',
      '--out',
      join(work, 'business.csv'),
    );
    expect(business.code).toBe(2);
    expect(business.stderr).toMatch(
      /on the business calendar from 2100-01-01 would end in the year 2291/,
    );
  });

  it('exits 2 naming the 2261 limit and what to change, and leaves no file', () => {
    const path = join(work, 'too-long.csv');
    const run = cli(
      'generate-data',
      '--symbols',
      '1',
      '--bars',
      '300000',
      '--seed',
      '1',
      '--out',
      path,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /past 2261 .*use fewer --bars, a shorter --interval or an earlier --start/,
    );
    expect(existsSync(path)).toBe(false);
    const intraday = cli(
      'generate-data',
      '--symbols',
      '1',
      '--bars',
      '100000000',
      '--interval',
      '1m',
      '--seed',
      '1',
      '--start',
      '2200-01-01',
      '--out',
      path,
    );
    expect(intraday.code).toBe(2);
    expect(intraday.stderr).toContain(
      '100000000 bars of 1m on the all calendar from 2200-01-01T00:00:00',
    );
  });

  it('refuses a request larger than the free disk space before writing', () => {
    const path = join(work, 'huge.csv');
    const run = cli(
      'generate-data',
      '--symbols',
      '10000',
      '--bars',
      '2000000',
      '--interval',
      '1m',
      '--seed',
      '1',
      '--out',
      path,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/20000000000 rows need about .* GiB, but only .* is free/);
    expect(existsSync(path)).toBe(false);
  });
});

describe('user strategy faults end with exit 1 naming the strategy, the bar and the symbol', () => {
  function strategyRun(name: string, onBar: string) {
    const module = file(
      `${name}.mjs`,
      `function decide(ctx) {\n  if (ctx.step < 4779) return undefined; ${onBar}\n}\nexport default (registry) => {\n  registry.register('mine', ({ id, symbols }) => ({ id, symbols, onBar: (ctx) => decide(ctx) }));\n};\n`,
    );
    const config = file(
      `${name}.yaml`,
      'portfolio:\n  id: faulty\n  total_capital: 10000\n  rebalance_threshold: 0.1\n  allocations:\n    - {strategy_id: mine_v1, target_weight: 1, min_capital: 0, max_capital: 10000, strategy: {kind: mine}}\n',
    );
    const out = join(work, `fault-${name}`);
    const run = cli(
      '--portfolio-config',
      config,
      '--strategies',
      module,
      '--start',
      '2019-01-02',
      '--end',
      '2019-01-31',
      '--out',
      out,
      '--journal-dir',
      out,
      '--quiet',
    );
    return { ...run, module, out };
  }

  it('a throw in onBar: the user frames, not the engine', () => {
    // Step s is the shipped file's row on line s + 2 (after the header): 2019-01-02 is on
    // line 4781 (step 4779, the first bar run), 2019-01-04 on line 4783 (step 4781).
    const run = strategyRun(
      'throws',
      "if (ctx.step === 4781) throw new RangeError('boom');\n  return { SPX: 1 };",
    );
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toBe(
      'njord-backtest: strategy mine_v1 at 2019-01-04T00:00:00Z (step 4781, symbol SPX): onBar threw RangeError: boom',
    );
    expect(lines[1]).toMatch(new RegExp(`^    at decide \\(file://${run.module}:2:\\d+\\)$`));
    expect(
      lines
        .slice(1)
        .every((l) => !l.includes('portfolio-backtest') && !l.includes('backtest-runner')),
    ).toBe(true);
    expect(existsSync(run.out) ? readdirSync(run.out) : []).toEqual([]);
  });

  it('NaN exposure, an unknown symbol and an exposure of 1e6', () => {
    const nan = strategyRun('nan', 'return { SPX: NaN };');
    expect(nan.code).toBe(1);
    expect(nan.stderr.trim()).toBe(
      'njord-backtest: strategy mine_v1 at 2019-01-02T00:00:00Z (step 4779, symbol SPX): exposure NaN is not a finite number',
    );
    const unknown = strategyRun('unknown', 'return { AAPL: 1 };');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(
      'symbol AAPL): a target for a symbol the strategy does not trade (its symbols: SPX)',
    );
    const huge = strategyRun('huge', 'return { SPX: 1e6 };');
    expect(huge.code).toBe(1);
    expect(huge.stderr).toContain('exposure 1000000 is beyond +-10');
  });
});

describe('validate-config checks what a run checks', () => {
  const allocation = (strategy: string) =>
    `portfolio:\n  id: v\n  total_capital: 100\n  rebalance_threshold: 0.1\n  allocations:\n    - {strategy_id: a, target_weight: 1, min_capital: 0, max_capital: 100, strategy: ${strategy}}\n`;

  function validate(...args: string[]) {
    const out = spawnSync(process.execPath, [join(root, 'scripts/validate-config.mjs'), ...args], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: out.status, stdout: out.stdout, stderr: out.stderr };
  }

  it('passes the shipped example, listing each resolved strategy', () => {
    const run = validate('config/portfolio.yaml');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('momentum_v1: momentum lookback=63 rebalance_every=21 on SPX');
  });

  it('rejects an unknown kind and a string lookback, naming the file', () => {
    const unknown = file('v-unknown.yaml', allocation('{kind: nope}'));
    const run = validate(unknown);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `${unknown}: portfolio.allocations[0].strategy.kind: unknown strategy kind "nope"`,
    );
    const lookback = file(
      'v-lookback.yaml',
      allocation('{kind: trendline_break, params: {lookback: "20"}}'),
    );
    const second = validate(lookback);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(
      `${lookback}: portfolio.allocations[0].strategy.params.lookback: must be an integer in 2..1000000, got string "20"`,
    );
    // The runner itself names the file for a schema error too.
    const schema = file(
      'v-schema.yaml',
      allocation('{kind: momentum}').replace('total_capital: 100', 'total_capital: -1'),
    );
    expect(cli('--portfolio-config', schema, '--quiet').stderr).toContain(
      `${schema}: portfolio.total_capital: must be > 0`,
    );
  });

  it('answers `help` as a subcommand, in the script and the runner', () => {
    const script = validate('help');
    expect(script.code).toBe(0);
    expect(script.stdout).toContain('validate-config [options] [path]');
    const runner = cli('help');
    expect(runner.code).toBe(0);
    expect(runner.stdout).toContain('generate-data');
    expect(cli('help', 'generate-data').stdout).toContain('--calendar');
  });
});

describe('the summary', () => {
  it('shows the period run (not the whole file), equity, costs, turnover, rebalances by reason and what is annualised', () => {
    const run = cli(
      '--start',
      '2019-01-01',
      '--end',
      '2019-03-31',
      '--out',
      join(work, 'summary-out'),
      '--journal-dir',
      join(work, 'summary-journal'),
      '--no-report',
    );
    expect(run.code).toBe(0);
    const result = JSON.parse(readFileSync(join(work, 'summary-out', RESULT), 'utf8')) as {
      final_equity: number;
      rebalances: { reason: string }[];
    };
    // Q1 2019 has 61 NYSE sessions (Jan 21, Feb 18 closed): Jan 21 + Feb 19 + Mar 21.
    expect(run.stdout).toContain(
      'period:       2019-01-02 to 2019-03-29: 61 bars run (of 5105 in the data)',
    );
    const equity = result.final_equity.toLocaleString('en-US', {
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    });
    expect(run.stdout).toContain(`equity:       50,000.00 -> ${equity}`);
    const reasons = new Map<string, number>();
    for (const r of result.rebalances) reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
    expect(run.stdout).toContain(
      `rebalances:   ${result.rebalances.length} (${[...reasons].map(([k, v]) => `${k} ${v}`).join(', ')})`,
    );
    expect(run.stdout).toMatch(/costs: +[\d,.]+ \(commission and slippage\)/);
    expect(run.stdout).toMatch(/turnover: +\d+\.\d\d/);
    expect(run.stdout).toContain('* annualised');
  });
});
