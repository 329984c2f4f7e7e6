// Sweep benchmarks (printed, never failing): a 64-combination sweep on a 10 x 20k file against
// separate njord-backtest runs of the same configs, 1 against 2 local threads, the per-job
// overhead through BullMQ, and the Redis figures behind the N-machine model in the README.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { threeKindsPortfolioYaml } from '@njord/test-kit';
import { writeSweepGrid } from '@njord/test-kit/node';
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
// A Redis of the bench's own (when redis-server is installed), so its command counters and
// latency are not shared with anything else on the machine; NJORD_BENCH_REDIS_URL overrides.
const ownRedis =
  process.env.NJORD_BENCH_REDIS_URL === undefined && existsSync('/usr/bin/redis-server')
    ? spawn(
        '/usr/bin/redis-server',
        [
          '--port',
          String(6400 + (process.pid % 500)),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
        ],
        { stdio: 'ignore' },
      )
    : null;
const REDIS_URL =
  process.env.NJORD_BENCH_REDIS_URL ??
  (ownRedis === null
    ? 'redis://127.0.0.1:6379'
    : `redis://127.0.0.1:${6400 + (process.pid % 500)}`);
const PREFIX = `njord-bench-sweeps-${process.pid}`;
const SEPARATE_SAMPLE = Number(process.env.NJORD_BENCH_SEPARATE ?? 8);
/** Which parts run: threads (1 vs 2 threads and separate runs), overhead (BullMQ), redis. */
const PARTS = new Set((process.env.NJORD_BENCH_PARTS ?? 'threads,overhead,redis').split(','));
/** The two sizes of the per-job overhead sweeps (multiples of 10). */
const TINY_JOBS = [50, 250] as const;

/** Redis's own totals over every command: calls and microseconds of server time. */
async function commandStats(redis: Redis): Promise<{ calls: number; usec: number }> {
  const info = await redis.info('commandstats');
  let calls = 0;
  let usec = 0;
  for (const match of info.matchAll(/calls=(\d+),usec=(\d+)/g)) {
    calls += Number(match[1]);
    usec += Number(match[2]);
  }
  return { calls, usec };
}

/** The machine's CPU counters (ms, summed over CPUs): idle and total. */
function cpuTimes(): { idle: number; total: number } {
  return cpus().reduce(
    (a, c) => ({
      idle: a.idle + c.times.idle,
      total: a.total + Object.values(c.times).reduce((sum, v) => sum + v, 0),
    }),
    { idle: 0, total: 0 },
  );
}

/** The share of the machine's CPU time left idle over `ms` (sleeping, so it does not count itself). */
async function cpuIdle(ms = 1000): Promise<number> {
  const first = cpuTimes();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const second = cpuTimes();
  return (second.idle - first.idle) / (second.total - first.total);
}

/**
 * How busy the machine was while a command ran: idle share, and the CPUs the rest of the
 * machine used on average (busy CPU time minus the command's own, over the wall time).
 */
function during(
  before: { idle: number; total: number },
  after: { idle: number; total: number },
  ownCpuS: number | null,
  wallMs: number,
): string {
  const total = after.total - before.total;
  const idle = after.idle - before.idle;
  const others = ownCpuS === null ? null : (total - idle - ownCpuS * 1000) / wallMs;
  return `machine ${((idle / total) * 100).toFixed(0)}% idle during it${others === null ? '' : `, other processes using ${Math.max(0, others).toFixed(2)} of ${cpus().length} CPUs`}`;
}

function machine(label: string): string {
  return `${label}: load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${cpus().length} CPUs`;
}

/** Runs njord-backtest; wall ms, and the CPU seconds it used (user + system, GNU time). */
function cli(args: string[]): { ms: number; stdout: string; cpuS: number | null } {
  const timeFile = join(work, 'time.txt');
  const timed = existsSync('/usr/bin/time');
  const started = performance.now();
  const out = timed
    ? spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, process.execPath, bin, ...args], {
        cwd: work,
        encoding: 'utf8',
        timeout: 1_800_000,
      })
    : spawnSync(process.execPath, [bin, ...args], {
        cwd: work,
        encoding: 'utf8',
        timeout: 1_800_000,
      });
  const ms = performance.now() - started;
  if (out.status !== 0)
    throw new Error(`njord-backtest ${args.join(' ')} exited ${out.status}: ${out.stderr}`);
  let cpuS: number | null = null;
  if (timed) {
    const [user, system] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ');
    cpuS = Number(user) + Number(system);
  }
  return { ms, stdout: out.stdout, cpuS };
}

const PORTFOLIO = threeKindsPortfolioYaml({
  id: 'bench',
  capital: 1_000_000,
  weights: [0.4, 0.35, 0.25],
  costs: { commissionBps: 1, slippageBps: 1 },
});

function writeGrid(id: string, data: string, parameters: string): string {
  return writeSweepGrid(work, {
    id,
    data,
    body: `  pbo_partitions: 16\n  parameters:\n${parameters}`,
  });
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
  console.log(`CPU idle over 1 s before the runs: ${((await cpuIdle()) * 100).toFixed(0)}%`);
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
  const redis = new Redis(REDIS_URL);
  await cleanRedis(redis);
  if (PARTS.has('threads')) {
    const timed: Record<number, number> = {};
    for (const workers of [1, 2]) {
      const out = join(work, `out-${workers}`);
      const before = cpuTimes();
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
        `  ${during(before, cpuTimes(), run.cpuS, run.ms)}; the sweep used ${run.cpuS === null ? 'n/a' : `${run.cpuS.toFixed(1)} CPU s (${(run.cpuS / 64).toFixed(2)} per combination, ${((run.cpuS * 1000) / run.ms).toFixed(2)} CPUs on average)`}`,
      );
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
  }
  if (PARTS.has('overhead')) {
    // Per-job overhead through BullMQ: tiny jobs (1 symbol x 60 bars), one worker, one thread.
    // Two sweeps of N1 and N2 jobs: the difference of their times over N2 - N1 is the cost of
    // one more job (the sweep's start-up, reading the grid and the data, cancels out); minus
    // the compute alone, measured in this process, it is the queue's overhead per job. Redis's
    // own counters (INFO commandstats) say how many commands and how much server time a job costs.
    const tinyGridOf = (jobs: number): string =>
      writeGrid(
        `tiny${jobs}`,
        'tiny.csv',
        `    rebalance_threshold: [${Array.from({ length: 10 }, (_, i) => (0.01 * (i + 1)).toFixed(2)).join(', ')}]
    allocations.mom.strategy.params.lookback: [${Array.from({ length: jobs / 10 }, (_, i) => i + 2).join(', ')}]
`,
      );
    const tinyData = parsePriceCsv(readFileSync(join(work, 'tiny.csv'), 'utf8'));
    if (!tinyData.success) throw tinyData.error;
    const tinyCombos = expandGrid(
      parseSweepGrid(readFileSync(tinyGridOf(TINY_JOBS[1]), 'utf8')),
      encodePortfolioConfig(parsePortfolioConfig(PORTFOLIO)).portfolio,
    ).combinations;
    const registry = createStrategyRegistry();
    for (const c of tinyCombos.slice(0, 20)) runPortfolio(c.config, tinyData.data, registry); // warm
    const computeStarted = performance.now();
    for (const c of tinyCombos) runPortfolio(c.config, tinyData.data, registry);
    const computeMs = (performance.now() - computeStarted) / tinyCombos.length;
    for (const concurrency of [1, 2]) {
      await cleanRedis(redis);
      const workers = startWorkers(1, concurrency);
      // Let the worker connect and spin up its threads before timing (the first run warms them).
      cli([
        'sweep',
        '--grid',
        writeGrid('warm', 'tiny.csv', '    rebalance_threshold: [0.5, 0.6, 0.7, 0.8]\n'),
        '--out',
        join(work, 'warm'),
        '--redis',
        REDIS_URL,
        '--prefix',
        PREFIX,
        '--quiet',
      ]);
      // Three rounds of both sizes, alternating; the median slope is printed (a loaded machine
      // makes single figures jump).
      const slopes: number[] = [];
      const commandRates: { calls: number; usec: number }[] = [];
      const runs: string[] = [];
      for (let round = 0; round < 3; round++) {
        const measured: { jobs: number; ms: number; calls: number; usec: number }[] = [];
        for (const jobs of TINY_JOBS) {
          const before = await commandStats(redis);
          const out = join(work, `tiny-${concurrency}-${jobs}-${round}`);
          cli([
            'sweep',
            '--grid',
            tinyGridOf(jobs),
            '--out',
            out,
            '--redis',
            REDIS_URL,
            '--prefix',
            PREFIX,
            '--quiet',
            '--no-curves',
          ]);
          const after = await commandStats(redis);
          const result = JSON.parse(
            readFileSync(join(out, `sweep_tiny${jobs}.json`), 'utf8'),
          ) as SweepResultWire;
          measured.push({
            jobs,
            ms: result.stats.run_ms,
            calls: after.calls - before.calls,
            usec: after.usec - before.usec,
          });
          // The next round runs the jobs again, not their stored results.
          await cleanRedis(redis);
        }
        const [small, large] = measured as [(typeof measured)[0], (typeof measured)[0]];
        const extra = large.jobs - small.jobs;
        slopes.push((large.ms - small.ms) / extra);
        commandRates.push({
          calls: (large.calls - small.calls) / extra,
          usec: (large.usec - small.usec) / extra,
        });
        runs.push(`${small.ms.toFixed(0)}/${large.ms.toFixed(0)}`);
      }
      const middle = (values: number[]) => [...values].sort((a, b) => a - b)[1] as number;
      const perJob = middle(slopes);
      const calls = middle(commandRates.map((r) => r.calls));
      const usec = middle(commandRates.map((r) => r.usec));
      const computeAfter = (() => {
        const started = performance.now();
        for (const c of tinyCombos) runPortfolio(c.config, tinyData.data, registry);
        return (performance.now() - started) / tinyCombos.length;
      })();
      const compute = (computeMs + computeAfter) / 2;
      console.log(
        `BullMQ, 1 worker x ${concurrency} thread(s), ${TINY_JOBS.join(' and ')} tiny jobs (ms, 3 rounds: ${runs.join(', ')}): ` +
          `${perJob.toFixed(2)} ms per extra job (median; ${slopes.map((v) => v.toFixed(2)).join(', ')}) against ${compute.toFixed(2)} ms of compute alone ` +
          `(${computeMs.toFixed(2)} before, ${computeAfter.toFixed(2)} after): overhead ${(perJob - compute / concurrency).toFixed(2)} ms per job (${(1000 / perJob).toFixed(0)} jobs/s); ` +
          `Redis: ${calls.toFixed(1)} commands (scripts' inner calls included) and ${(usec / 1000).toFixed(2)} ms of server time per job`,
      );
      console.log(machine(`  after ${concurrency} thread(s)`));
      for (const w of workers) w.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
    }
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
  ownRedis?.kill('SIGTERM');
}

await main();
