// `pnpm backtest`'s launcher: the pool size it picks, and a child that is njord-backtest as
// far as a caller can tell (arguments, output, exit codes, signals).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bin, root } from './cli.test-util.js';
import { helperThreadsFor, launchArgs, NODE_DEFAULT_HELPERS } from './helper-threads.js';

const launcher = fileURLToPath(new URL('../dist/launch.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'njord-launch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('helperThreadsFor', () => {
  it('gives one thread fewer than the cores, at least one, else Node’s default', () => {
    // cores -> helpers, by hand: 1 and 2 -> 1, 3 -> 2, 4 -> 3, 5 and more -> Node's 4.
    const expected = [1, 1, 2, 3, undefined, undefined, undefined];
    [1, 2, 3, 4, 5, 8, 64].forEach((cores, i) => {
      expect(helperThreadsFor(cores, [], [])).toBe(expected[i]);
    });
    expect(helperThreadsFor(0, [], [])).toBe(1);
    expect(NODE_DEFAULT_HELPERS).toBe(4);
  });

  it('leaves the threaded commands and a pool size given already to Node', () => {
    expect(helperThreadsFor(2, ['sweep', '--grid', 'g.yaml'], [])).toBeUndefined();
    expect(helperThreadsFor(2, ['worker', '--redis', 'redis://x'], [])).toBeUndefined();
    expect(helperThreadsFor(2, ['--data', 'x.csv'], ['--v8-pool-size=3'])).toBeUndefined();
    expect(helperThreadsFor(2, [], ['--v8-pool-size', '3'])).toBeUndefined();
    expect(helperThreadsFor(2, ['generate-data', '--bars', '9'], ['--inspect'])).toBe(1);
  });

  it('puts node’s flags, the pool size, the script and its arguments in that order', () => {
    expect(launchArgs('/m.js', ['--quiet'], 2, ['--enable-source-maps'], undefined)).toEqual([
      '--enable-source-maps',
      '--v8-pool-size=1',
      '/m.js',
      '--quiet',
    ]);
    expect(launchArgs('/m.js', [], 2, [], ' --v8-pool-size=2  --trace-warnings')).toEqual([
      '/m.js',
    ]);
    expect(launchArgs('/m.js', ['sweep'], 16, [], undefined)).toEqual(['/m.js', 'sweep']);
  });
});

describe('the launcher', () => {
  const launch = (...args: string[]) =>
    spawnSync(process.execPath, [launcher, ...args], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
    });
  const direct = (...args: string[]) =>
    spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });

  it('passes arguments, output and the exit code through', () => {
    for (const args of [['--help'], ['--portfolio-config', join(dir, 'missing.yaml')]]) {
      const through = launch(...args);
      const own = direct(...args);
      expect(through.status).toBe(own.status);
      expect(through.stdout).toBe(own.stdout);
      expect(through.stderr).toBe(own.stderr);
    }
    expect(direct('--portfolio-config', join(dir, 'missing.yaml')).status).not.toBe(0);
  }, 120_000);

  it.each([
    ['the runner', bin],
    ['the launcher', launcher],
  ])(
    '%s ends on a SIGTERM sent as the bar loop starts, leaving no runner behind',
    async (_, script) => {
      // A run of a few seconds (300,000 bar events on one thread), so the signal lands early.
      const data = join(dir, 'long.csv');
      if (!existsSync(data)) {
        const made = spawnSync(
          process.execPath,
          [
            bin,
            'generate-data',
            '--symbols',
            '3',
            '--bars',
            '100000',
            '--seed',
            '5',
            '--out',
            data,
          ],
          { cwd: root, encoding: 'utf8', timeout: 120_000 },
        );
        expect(made.status).toBe(0);
      }
      const out = join(dir, `signal-${script === bin ? 'runner' : 'launcher'}`);
      const child = spawn(
        process.execPath,
        [
          script,
          '--data',
          data,
          '--threads',
          '1',
          '--out',
          out,
          '--journal-dir',
          out,
          '--no-report',
        ],
        { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const exit = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
        child.on('exit', (code, signal) => resolve([code, signal])),
      );
      // Its first line comes once the data is loaded, just before the bar loop: the signal
      // reaches the runner's handler (exit 143) or, in the loop, ends it at once; a signal
      // caught as the handlers were taken out was once dropped and the run went on (exit 0).
      child.stdout.once('data', () => child.kill('SIGTERM'));
      const [code, signal] = await exit;
      expect([
        [143, null],
        [null, 'SIGTERM'],
      ]).toContainEqual([code, signal]);
      expect(existsSync(join(out, 'portfolio_multi_strategy_v1_result.json'))).toBe(false);
      // No runner left behind (its command line names `out`).
      if (existsSync('/proc/self/cmdline')) {
        const left = readdirSync('/proc')
          .filter((pid) => /^\d+$/.test(pid))
          .filter((pid) => {
            try {
              return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(out);
            } catch {
              return false; // ended while looked at
            }
          });
        expect(left).toEqual([]);
      }
    },
    120_000,
  );
});
