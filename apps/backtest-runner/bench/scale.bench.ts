// Scale benchmark of njord-backtest: for each size (symbols x bars) it generates synthetic
// daily data, runs the example portfolio through the built binary, and prints wall time,
// peak RSS (GNU time's maximum resident set size), the size of every output file, the
// time and peak RSS of reading the outputs back (bench/read-back.ts: the result JSON
// through the package's bounded-memory reader, the Parquet files with hyparquet), and
// whether the report opens in Chromium with its charts drawn. Then `generate-data` of
// 10 million rows alone. Each figure is printed with the machine's load (`uptime`).
// Prints figures only; never fails on timing.
//
//   pnpm --filter @njord/backtest-runner bench:scale                          # 10x100000,50x100000,200x50000
//   pnpm --filter @njord/backtest-runner bench:scale -- --sizes 10x10000,20x5000 --generate-rows 0
//   ... --no-bytes (skip bench/output-bytes.ts: what the result's and journal's bytes are made of)
import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const readBack = fileURLToPath(new URL('./read-back.ts', import.meta.url));
const outputBytes = fileURLToPath(new URL('./output-bytes.ts', import.meta.url));
const appDir = fileURLToPath(new URL('../', import.meta.url));
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
const generateRows = Number(argument('--generate-rows') ?? 10_000_000);
const hasGnuTime = existsSync('/usr/bin/time');
const measureBytes = !process.argv.includes('--no-bytes');

interface Measured {
  readonly code: number | null;
  readonly seconds: number;
  readonly peakMb: number | null;
  readonly stderr: string;
  readonly stdout: string;
}

function uptime(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return 'uptime: n/a';
  }
}

/** Runs node with `args`, measuring wall time and (with GNU time) peak RSS. */
function measure(args: string[], cwd = root): Measured {
  const work = mkdtempSync(join(tmpdir(), 'njord-scale-time-'));
  const timeFile = join(work, 'time');
  const started = performance.now();
  const run = hasGnuTime
    ? spawnSync('/usr/bin/time', ['-f', '%M', '-o', timeFile, process.execPath, ...args], {
        cwd,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      })
    : spawnSync(process.execPath, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = (performance.now() - started) / 1000;
  let peakMb: number | null = null;
  if (hasGnuTime && existsSync(timeFile)) {
    const kb = Number(readFileSync(timeFile, 'utf8').trim().split('\n').at(-1));
    if (Number.isFinite(kb)) peakMb = kb / 1024;
  }
  rmSync(work, { recursive: true, force: true });
  return { code: run.status, seconds, peakMb, stderr: run.stderr, stdout: run.stdout };
}

function mb(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
}

function peak(value: number | null): string {
  return value === null ? 'n/a' : `${value.toFixed(0)} MB`;
}

/** Opens the report in Chromium (every request but file: refused); says what it found. */
async function openReport(path: string): Promise<string> {
  const started = performance.now();
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  let browser: Awaited<ReturnType<typeof chromium.launch>>;
  try {
    browser = await chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
  } catch (error) {
    return `not opened: Chromium does not start at ${executablePath} (${(error as Error).message.split('\n')[0]?.slice(0, 120) ?? ''}); \`pnpm test\` provisions it, CHROMIUM_PATH points elsewhere`;
  }
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.route('**/*', (route) =>
      route.request().url().startsWith('file:') ? route.continue() : route.abort(),
    );
    await page.goto(pathToFileURL(path).href, { waitUntil: 'load', timeout: 600_000 });
    await page.waitForSelector('#chart-equity .uplot', { timeout: 600_000 });
    const found = await page.evaluate(() => ({
      charts: document.querySelectorAll('.uplot').length,
      rebalanceRows: document.querySelectorAll('#rebalances-table tbody tr').length,
      omitted: document.querySelector('#rebalances-omitted')?.textContent ?? '',
    }));
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    return `${errors.length === 0 ? 'opened' : `ERRORS ${errors.join('; ')}`} in ${seconds} s: ${found.charts} charts, ${found.rebalanceRows} rebalance rows on the first page${found.omitted === '' ? '' : `; ${found.omitted.slice(0, 160)}...`}`;
  } catch (error) {
    return `FAILED: ${(error as Error).message.split('\n')[0]}`;
  } finally {
    await browser.close();
  }
}

console.log(`njord-backtest scale benchmark (example portfolio, --format ${formats})`);
console.log(uptime());
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
    // The goal is every file under 200 MB (10^6 bytes each, the stricter reading).
    let largest = { name: '-', size: 0 };
    let files = 0;
    for (const dir of [out, journal]) {
      if (!existsSync(dir)) continue;
      const names = readdirSync(dir).sort();
      files += names.length;
      // Dozens of parts: the first three and the last of each kind are listed, all are counted.
      const listed = new Set<string>();
      const kinds = new Map<string, string[]>();
      for (const name of names) {
        const kind = name.replace(/\.\d+\.ndjson$/, '.<n>.ndjson');
        kinds.set(kind, [...(kinds.get(kind) ?? []), name]);
      }
      for (const group of kinds.values())
        for (const name of group.length <= 4
          ? group
          : [...group.slice(0, 3), group[group.length - 1] as string])
          listed.add(name);
      for (const name of names) {
        const size = statSync(join(dir, name)).size;
        if (size > largest.size) largest = { name, size };
        if (!listed.has(name)) continue;
        console.log(
          `  ${name.padEnd(56)} ${mb(size).padStart(10)}${size > 200e6 ? '  (over 200 MB)' : ''}`,
        );
      }
      if (listed.size < names.length) console.log(`  ... ${names.length - listed.size} more parts`);
    }
    console.log(
      `  ${files} files; largest ${largest.name}: ${(largest.size / 1e6).toFixed(1)} MB (10^6 bytes)${largest.size > 200e6 ? ' OVER 200 MB' : ', under 200 MB'}`,
    );
    console.log(`  (${uptime()})`);
    if (run.code !== 0) continue;
    const read = measure(['--import', 'tsx', readBack, out], appDir);
    console.log(
      `  read back: exit ${read.code}, ${read.seconds.toFixed(1)} s, peak RSS ${peak(read.peakMb)}  (${uptime()})`,
    );
    for (const line of `${read.stdout}${read.stderr}`.trim().split('\n').slice(0, 12))
      console.log(`    ${line}`);
    // The journal read back by the project's reader of journals: the manager's offline replay
    // (through every part), whose equity at the last marks is the run's final equity.
    const manager = join(root, 'apps/portfolio-manager/dist/main.js');
    const journalFirst = join(journal, 'backtest_multi_strategy_v1.ndjson');
    if (!existsSync(manager)) {
      console.log('  journal replay: skipped (build @njord/portfolio-manager first)');
    } else if (existsSync(journalFirst)) {
      const replayed = measure([manager, 'replay', '--journal', journalFirst]);
      let verdict = `exit ${replayed.code}: ${replayed.stderr.trim().split('\n').slice(0, 3).join(' / ')}`;
      if (replayed.code === 0) {
        const report = JSON.parse(replayed.stdout) as { equity: number; last_seq: number };
        // The summary's first members (final_equity among them) are in the first megabyte.
        const fd = openSync(join(out, 'portfolio_multi_strategy_v1_result.json'), 'r');
        const buffer = Buffer.alloc(1 << 20);
        const head = buffer.toString('utf8', 0, readSync(fd, buffer, 0, buffer.length, 0));
        closeSync(fd);
        const finalEquity = Number(/"final_equity":([^,]+),/.exec(head)?.[1]);
        verdict = `${report.last_seq.toLocaleString('en-US')} lines, equity ${report.equity} ${report.equity === finalEquity ? '= final_equity' : `MISMATCH (final_equity ${finalEquity})`}`;
      }
      console.log(
        `  journal replay: ${replayed.seconds.toFixed(1)} s, peak RSS ${peak(replayed.peakMb)}, ${verdict}  (${uptime()})`,
      );
    }
    if (measureBytes && existsSync(join(out, 'portfolio_multi_strategy_v1_result.json'))) {
      const bytes = measure(
        [
          '--import',
          'tsx',
          outputBytes,
          join(out, 'portfolio_multi_strategy_v1_result.json'),
          join(journal, 'backtest_multi_strategy_v1.ndjson'),
        ],
        appDir,
      );
      console.log(`  bytes by row type (exit ${bytes.code}, ${bytes.seconds.toFixed(1)} s):`);
      for (const line of `${bytes.stdout}${bytes.stderr}`.trim().split('\n').slice(0, 30))
        console.log(`    ${line}`);
    }
    const report = join(out, `portfolio_multi_strategy_v1_report.html`);
    if (existsSync(report)) console.log(`  report in chromium: ${await openReport(report)}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (generateRows > 0) {
  // generate-data alone at 10 million rows (100 symbols x 100 000 bars by default).
  const symbols = 100;
  const bars = Math.ceil(generateRows / symbols);
  const work = mkdtempSync(join(tmpdir(), 'njord-scale-gen-'));
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
      `\ngenerate-data ${symbols} x ${bars} (${(symbols * bars).toLocaleString('en-US')} rows): exit ${generated.code}, ${generated.seconds.toFixed(1)} s, peak RSS ${peak(generated.peakMb)}, ${existsSync(data) ? mb(statSync(data).size) : 'no file'}  (${uptime()})`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
