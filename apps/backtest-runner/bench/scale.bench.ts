// Scale benchmark of njord-backtest: for each size (symbols x bars) it generates synthetic
// daily data, runs the example portfolio through the built binary, and prints wall time,
// peak RSS (GNU time's maximum resident set size) and the size of every output file.
// Prints figures only; never fails on timing.
//
//   pnpm --filter @njord/backtest-runner bench:scale                          # 10x100000,50x100000,200x50000
//   pnpm --filter @njord/backtest-runner bench:scale -- --sizes 10x10000,20x5000
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const DEFAULT_SIZES = '10x100000,50x100000,200x50000';

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}

const sizes = (argument('--sizes') ?? DEFAULT_SIZES).split(',').map((size) => {
  const [symbols, bars] = size.split('x').map(Number);
  if (!Number.isInteger(symbols) || !Number.isInteger(bars)) {
    throw new Error(`--sizes: expected SYMBOLSxBARS[,...], got ${JSON.stringify(size)}`);
  }
  return { symbols: symbols as number, bars: bars as number };
});
const formats = argument('--format') ?? 'json,parquet';
const hasGnuTime = existsSync('/usr/bin/time');

interface Measured {
  readonly code: number | null;
  readonly seconds: number;
  readonly peakMb: number | null;
  readonly stderr: string;
}

/** Runs node with `args`, measuring wall time and (with GNU time) peak RSS. */
function measure(args: string[]): Measured {
  const work = mkdtempSync(join(tmpdir(), 'njord-scale-time-'));
  const timeFile = join(work, 'time');
  const started = performance.now();
  const run = hasGnuTime
    ? spawnSync('/usr/bin/time', ['-f', '%M', '-o', timeFile, process.execPath, ...args], {
        cwd: root,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      })
    : spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  const seconds = (performance.now() - started) / 1000;
  let peakMb: number | null = null;
  if (hasGnuTime && existsSync(timeFile)) {
    const kb = Number(readFileSync(timeFile, 'utf8').trim().split('\n').at(-1));
    if (Number.isFinite(kb)) peakMb = kb / 1024;
  }
  rmSync(work, { recursive: true, force: true });
  return { code: run.status, seconds, peakMb, stderr: run.stderr };
}

function mb(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
}

function peak(value: number | null): string {
  return value === null ? 'n/a' : `${value.toFixed(0)} MB`;
}

console.log(`njord-backtest scale benchmark (example portfolio, --format ${formats})`);
for (const { symbols, bars } of sizes) {
  const work = mkdtempSync(join(tmpdir(), 'njord-scale-'));
  try {
    const data = join(work, 'data.csv');
    const generated = measure([
      bin,
      'generate-data',
      '--symbols',
      String(symbols),
      '--bars',
      String(bars),
      '--seed',
      '1',
      '--out',
      data,
      '--quiet',
    ]);
    console.log(
      `\n${symbols} x ${bars} (${(symbols * bars).toLocaleString('en-US')} rows): generate-data ${generated.seconds.toFixed(1)} s, peak RSS ${peak(generated.peakMb)}, ${mb(statSync(data).size)}`,
    );
    if (generated.code !== 0) {
      console.log(`  generate-data failed (${generated.code}): ${generated.stderr.trim()}`);
      continue;
    }
    const out = join(work, 'out');
    const journal = join(work, 'journal');
    const run = measure([
      bin,
      '--portfolio-config',
      'config/portfolio.yaml',
      '--data',
      data,
      '--out',
      out,
      '--journal-dir',
      journal,
      '--format',
      formats,
      '--quiet',
    ]);
    console.log(
      `  backtest: exit ${run.code}, wall ${run.seconds.toFixed(1)} s, peak RSS ${peak(run.peakMb)}`,
    );
    if (run.code !== 0) console.log(`  ${run.stderr.trim().split('\n').slice(0, 5).join('\n  ')}`);
    for (const dir of [out, journal]) {
      if (!existsSync(dir)) continue;
      for (const name of readdirSync(dir).sort()) {
        const size = statSync(join(dir, name)).size;
        console.log(
          `  ${name.padEnd(48)} ${mb(size).padStart(10)}${size > 200 * 1024 ** 2 ? '  (over 200 MB)' : ''}`,
        );
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
