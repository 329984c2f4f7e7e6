// The example backtest as a user runs it: `pnpm backtest` (the launcher, dist/launch.js) and
// the installed binary (dist/main.js), alternating, each run a fresh process on the example
// portfolio and data/spx-daily.csv with the report. Prints the result's `stats.run_ms` (the
// run of the engine: the goal is under 300 ms) and the wall time from start to exit,
// as median, min and max of each, the launcher's median over the binary's, and the machine's
// load before and after. Prints figures only; never fails on timing.
//
//   pnpm --filter @njord/backtest-runner exec tsx bench/example.bench.ts [--runs N]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const commands = {
  'pnpm backtest (launch.js)': fileURLToPath(new URL('../dist/launch.js', import.meta.url)),
  'njord-backtest (main.js)': fileURLToPath(new URL('../dist/main.js', import.meta.url)),
} as const;
type Name = keyof typeof commands;

const at = process.argv.indexOf('--runs');
const runs = at === -1 ? 9 : Number(process.argv[at + 1]);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: a positive integer, got ${runs}`);

const dir = mkdtempSync(join(tmpdir(), 'njord-example-bench-'));
const figures = new Map<Name, { runMs: number[]; wallMs: number[] }>();
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
console.log(`example backtest, ${runs} run(s) of each, alternating; load ${load()}`);
try {
  for (let round = 0; round < runs; round++) {
    for (const name of Object.keys(commands) as Name[]) {
      const out = join(dir, `r${round}`);
      const started = performance.now();
      const done = spawnSync(
        process.execPath,
        [commands[name], '--out', out, '--journal-dir', out, '--quiet'],
        { cwd: root, encoding: 'utf8', timeout: 120_000 },
      );
      const wallMs = performance.now() - started;
      if (done.status !== 0) throw new Error(`${name} exited ${done.status}: ${done.stderr}`);
      const result = JSON.parse(
        readFileSync(join(out, 'portfolio_multi_strategy_v1_result.json'), 'utf8'),
      ) as { stats: { run_ms: number } };
      const entry = figures.get(name) ?? { runMs: [], wallMs: [] };
      entry.runMs.push(result.stats.run_ms);
      entry.wallMs.push(wallMs);
      figures.set(name, entry);
      rmSync(out, { recursive: true, force: true });
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const sorted = (values: readonly number[]) => [...values].sort((a, b) => a - b);
const median = (values: readonly number[]) => {
  const s = sorted(values);
  const mid = s.length >> 1;
  return s.length % 2 === 1
    ? (s[mid] as number)
    : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const spread = (values: readonly number[]) => {
  const s = sorted(values);
  return `median ${median(s).toFixed(0)} ms (${(s[0] as number).toFixed(0)}-${(s[s.length - 1] as number).toFixed(0)})`;
};
for (const [name, entry] of figures) {
  console.log(
    `${name.padEnd(28)} run_ms ${spread(entry.runMs)}; start to exit ${spread(entry.wallMs)}`,
  );
}
const launcher = figures.get('pnpm backtest (launch.js)');
const binary = figures.get('njord-backtest (main.js)');
if (launcher !== undefined && binary !== undefined) {
  console.log(
    `launcher / binary: run_ms ${(median(launcher.runMs) / median(binary.runMs)).toFixed(2)}, start to exit ${(median(launcher.wallMs) / median(binary.wallMs)).toFixed(2)}; goal: run_ms under 300 ms (pnpm backtest); load after ${load()}`,
  );
}
