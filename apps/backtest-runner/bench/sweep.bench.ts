// Sweep benchmarks (printed, never failing): a 64-combination sweep on a 10 x 20k file against
// separate njord-backtest runs of the same configs, 1 against 2 local threads, the per-job
// overhead through BullMQ, and the Redis figures behind the N-machine model in the README.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { encodePortfolioConfig } from '@njord/portfolio-contracts';
import { parsePortfolioConfig } from '@njord/portfolio-contracts/yaml';
import { createStrategyRegistry, generateSyntheticData } from '@njord/portfolio-backtest';
import { formatPriceCsv, parsePriceCsv } from '@njord/portfolio-backtest/csv';
import {
  expandGrid,
  parseSweepGrid,
  runPortfolio,
  type SweepResultWire,
} from '@njord/portfolio-sweep';

const bin = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'njord-sweep-bench-'));
const REDIS_URL = process.env.NJORD_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `njord-bench-sweeps-${process.pid}`;
const SEPARATE_SAMPLE = Number(process.env.NJORD_BENCH_SEPARATE ?? 8);

function cpuIdle(): number {
  const snapshot = () =>
    cpus().reduce(
      (a, c) => ({
        idle: a.idle + c.times.idle,
        total: a.total + Object.values(c.times).reduce((s, v) => s + v, 0),
      }),
      { idle: 0, total: 0 },
    );
  const first = snapshot();
  const until = Date.now() + 1000;
  while (Date.now() < until) {
    // sample a second of CPU time
  }
  const second = snapshot();
  return (second.idle - first.idle) / (second.total - first.total);
}

function machine(label: string): string {
  return `${label}: load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${cpus().length} CPUs`;
}

function cli(args: string[]): { ms: number; stdout: string } {
  const started = performance.now();
  const out = spawnSync(process.execPath, [bin, ...args], {
    cwd: work,
    encoding: 'utf8',
    timeout: 1_800_000,
  });
  const ms = performance.now() - started;
  if (out.status !== 0)
    throw new Error(`njord-backtest ${args.join(' ')} exited ${out.status}: ${out.stderr}`);
  return { ms, stdout: out.stdout };
}

const PORTFOLIO = `
portfolio:
  id: bench
  total_capital: 1000000
  rebalance_threshold: 0.05
  rebalance_frequency_hours: 168
  costs: {commission_bps: 1, slippage_bps: 1}
  allocations:
    - {strategy_id: mom, target_weight: 0.4, min_capital: 0, max_capital: 1000000,
       strategy: {kind: momentum, params: {lookback: 21}}}
    - {strategy_id: rsi, target_weight: 0.35, min_capital: 0, max_capital: 1000000,
       strategy: {kind: rsi_tema_bb}}
    - {strategy_id: trend, target_weight: 0.25, min_capital: 0, max_capital: 1000000,
       strategy: {kind: trendline_break}}
`;

function writeGrid(id: string, data: string, parameters: string): string {
  const path = join(work, `${id}.yaml`);
  writeFileSync(
    path,
    `sweep:\n  id: ${id}\n  portfolio: portfolio.yaml\n  data: ${data}\n  pbo_partitions: 16\n  parameters:\n${parameters}`,
  );
  return path;
}

function startWorkers(n: number, concurrency: number): ChildProcess[] {
  return Array.from({ length: n }, () =>
    spawn(
      process.execPath,
      [
        bin,
        'worker',
        '--redis',
        REDIS_URL,
        '--prefix',
        PREFIX,
        '--concurrency',
        String(concurrency),
        '--quiet',
      ],
      {
        cwd: work,
        stdio: 'ignore',
      },
    ),
  );
}

async function cleanRedis(redis: Redis): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

async function main(): Promise<void> {
  writeFileSync(join(work, 'portfolio.yaml'), PORTFOLIO);
  const big = formatPriceCsv(generateSyntheticData({ symbols: 10, bars: 20_000, seed: 1 }));
  writeFileSync(join(work, 'big.csv'), big);
  writeFileSync(
    join(work, 'tiny.csv'),
    formatPriceCsv(generateSyntheticData({ symbols: 1, bars: 60, seed: 2 })),
  );
  console.log(machine('before'));
  console.log(`CPU idle over 1 s before the runs: ${(cpuIdle() * 100).toFixed(0)}%`);
  console.log(
    `data: 10 symbols x 20000 bars, ${(statSync(join(work, 'big.csv')).size / 1e6).toFixed(1)} MB CSV`,
  );

  // 4 thresholds x 4 lookbacks x 2 frequencies x 2 weight vectors = 64 combinations.
  const params = `    rebalance_threshold: [0.02, 0.04, 0.08, 0.16]
    allocations.mom.strategy.params.lookback: [10, 21, 63, 126]
    rebalance_frequency_hours: [null, 720]
    weights: [{mom: 0.4, rsi: 0.35, trend: 0.25}, {mom: 0.25, rsi: 0.35, trend: 0.4}]
`;
  const gridFile = writeGrid('bench64', 'big.csv', params);
  const timed: Record<number, number> = {};
  for (const workers of [1, 2]) {
    const out = join(work, `out-${workers}`);
    const run = cli([
      'sweep',
      '--grid',
      gridFile,
      '--out',
      out,
      '--workers',
      String(workers),
      '--no-curves',
      '--quiet',
    ]);
    const result = JSON.parse(
      readFileSync(join(out, 'sweep_bench64.json'), 'utf8'),
    ) as SweepResultWire;
    timed[workers] = run.ms;
    console.log(
      `sweep of 64 on ${workers} thread(s): ${(run.ms / 1000).toFixed(1)} s wall (process included), ${(run.ms / 64).toFixed(0)} ms per combination; ` +
        `${result.stats.combinations_per_second.toFixed(2)} combinations/s inside`,
    );
    console.log(machine(`  after ${workers} thread(s)`));
  }
  console.log(`1 -> 2 threads: ${(timed[1]! / timed[2]!).toFixed(2)}x`);

  // The same configs as separate runs of the runner (full backtest, no report).
  const grid = parseSweepGrid(readFileSync(gridFile, 'utf8'));
  const { combinations } = expandGrid(
    grid,
    encodePortfolioConfig(parsePortfolioConfig(PORTFOLIO)).portfolio,
  );
  const step = Math.floor(combinations.length / SEPARATE_SAMPLE);
  let separateMs = 0;
  for (let k = 0; k < SEPARATE_SAMPLE; k++) {
    const c = combinations[k * step]!;
    const path = join(work, `config-${c.index}.json`);
    writeFileSync(path, JSON.stringify({ portfolio: c.portfolio }));
    separateMs += cli([
      '--portfolio-config',
      path,
      '--data',
      'big.csv',
      '--out',
      join(work, 'separate'),
      '--journal-dir',
      join(work, 'separate'),
      '--no-report',
      '--quiet',
    ]).ms;
  }
  const perSeparate = separateMs / SEPARATE_SAMPLE;
  console.log(
    `separate njord-backtest runs: ${SEPARATE_SAMPLE} of the 64 measured (every ${step}th), ${(perSeparate / 1000).toFixed(2)} s each; ` +
      `64 extrapolated: ${((perSeparate * 64) / 1000).toFixed(0)} s`,
  );
  console.log(
    `seconds per combination, separate / sweep: ${(perSeparate / (timed[1]! / 64)).toFixed(1)}x (1 thread), ${(perSeparate / (timed[2]! / 64)).toFixed(1)}x (2 threads)`,
  );

  // Per-job overhead through BullMQ: 200 tiny jobs (1 symbol x 60 bars), one worker, one at a time.
  const tinyGrid = writeGrid(
    'tiny200',
    'tiny.csv',
    `    rebalance_threshold: [${Array.from({ length: 10 }, (_, i) => (0.01 * (i + 1)).toFixed(2)).join(', ')}]
    allocations.mom.strategy.params.lookback: [${Array.from({ length: 20 }, (_, i) => i + 2).join(', ')}]
`,
  );
  const tinyData = parsePriceCsv(readFileSync(join(work, 'tiny.csv'), 'utf8'));
  if (!tinyData.success) throw tinyData.error;
  const tinyCombos = expandGrid(
    parseSweepGrid(readFileSync(tinyGrid, 'utf8')),
    encodePortfolioConfig(parsePortfolioConfig(PORTFOLIO)).portfolio,
  ).combinations;
  const registry = createStrategyRegistry();
  const computeStarted = performance.now();
  for (const c of tinyCombos) runPortfolio(c.config, tinyData.data, registry);
  const computeMs = (performance.now() - computeStarted) / tinyCombos.length;
  const redis = new Redis(REDIS_URL);
  await cleanRedis(redis);
  for (const concurrency of [1, 4]) {
    await cleanRedis(redis);
    const workers = startWorkers(1, concurrency);
    // Let the worker connect and spin up its threads before timing (the first run warms them).
    cli([
      'sweep',
      '--grid',
      writeGrid('warm', 'tiny.csv', '    rebalance_threshold: [0.5]\n'),
      '--out',
      join(work, 'warm'),
      '--redis',
      REDIS_URL,
      '--prefix',
      PREFIX,
      '--quiet',
    ]);
    const run = cli([
      'sweep',
      '--grid',
      tinyGrid,
      '--out',
      join(work, `tiny-${concurrency}`),
      '--redis',
      REDIS_URL,
      '--prefix',
      PREFIX,
      '--quiet',
      '--no-curves',
    ]);
    const result = JSON.parse(
      readFileSync(join(work, `tiny-${concurrency}`, 'sweep_tiny200.json'), 'utf8'),
    ) as SweepResultWire;
    const perJob = result.stats.run_ms / 200;
    console.log(
      `BullMQ, 1 worker x ${concurrency} thread(s), 200 tiny jobs: ${perJob.toFixed(2)} ms per job inside the sweep (compute alone ${computeMs.toFixed(2)} ms): ` +
        `overhead ${(perJob - computeMs / concurrency).toFixed(2)} ms per job; ${(1000 / perJob).toFixed(0)} jobs/s`,
    );
    for (const w of workers) w.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
  }

  // The Redis figures of the model: data upload/download and result store writes.
  const bytes = Buffer.from(big);
  let started = performance.now();
  await redis.set(`${PREFIX}:probe:data`, bytes);
  const setMs = performance.now() - started;
  started = performance.now();
  await redis.getBuffer(`${PREFIX}:probe:data`);
  const getMs = performance.now() - started;
  const result = Buffer.alloc(20_000 * 8 + 512);
  started = performance.now();
  for (let i = 0; i < 100; i++) await redis.set(`${PREFIX}:probe:result:${i}`, result);
  const putMs = (performance.now() - started) / 100;
  console.log(
    `Redis on ${REDIS_URL}: data ${(bytes.length / 1e6).toFixed(1)} MB SET ${setMs.toFixed(0)} ms, GET ${getMs.toFixed(0)} ms; ` +
      `a 20k-bar stored run (${(result.length / 1e3).toFixed(0)} kB) SET ${putMs.toFixed(2)} ms`,
  );
  await cleanRedis(redis);
  redis.disconnect();
  console.log(machine('after'));
  rmSync(work, { recursive: true, force: true });
}

await main();
