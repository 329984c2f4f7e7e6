// `njord-backtest sweep`: grid file -> combinations -> jobs (stored results reused) -> runs on
// threads or BullMQ -> walk-forward -> the sweep JSON, Parquet table and HTML report.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { ContractError, encodePortfolioConfig } from '@njord/portfolio-contracts';
import { loadPortfolioConfig, redactRedisUrl } from '@njord/portfolio-contracts/node';
import { createStrategyRegistry, PortfolioBacktestEngine } from '@njord/portfolio-backtest';
import { loadPriceCsv } from '@njord/portfolio-backtest/node';
import {
  assembleSweepResult,
  chooseInSample,
  type Combination,
  decodePortfolioRun,
  expandGrid,
  planWalkForward,
  type PortfolioRun,
  runHash,
  safeParseSweepGrid,
  type SweepResultWire,
} from '@njord/portfolio-sweep';
import { prepareOutputDir } from '../adapters/output-files.js';
import { parseDateFlag } from '../dates.js';
import { SweepFailed, SweepInterrupted } from './names.js';
import {
  createDistributedExecutor,
  createLocalExecutor,
  DEFAULT_PREFIX,
  type Executor,
  startThreadPool,
  type ThreadPool,
} from './executors.js';
import { planTapes, type SweepJob } from './job.js';
import { engineVersion, packageVersions } from './versions.js';
import { writeSweepOutputs, type SweepOutputPaths } from './outputs.js';
import { createSweepProgress, type SweepProgress } from './progress.js';
import {
  createFileStore,
  createRedisStore,
  dataKey,
  REDIS_TTL_SECONDS,
  type ResultStore,
} from './store.js';

const SHIPPED_DATA = fileURLToPath(new URL('../../../data/spx-daily.csv', import.meta.url));

export interface SweepFlags {
  readonly grid: string;
  readonly out: string;
  readonly workers?: number;
  readonly redis?: string;
  readonly prefix?: string;
  readonly curves: boolean;
  readonly quiet: boolean;
}

export { SweepFailed, SweepInterrupted };

async function readGrid(path: string) {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ContractError([{ path, message: `cannot read the file (${reason})` }], 'io');
  }
  const parsed = safeParseSweepGrid(text, path);
  if (!parsed.success) throw parsed.error;
  return parsed.data;
}

export interface SweepOutcome {
  readonly result: SweepResultWire;
  readonly paths: SweepOutputPaths;
  readonly ran: number;
  readonly cached: number;
}

export async function runSweep(
  flags: SweepFlags,
  log: (line: string) => void,
): Promise<SweepOutcome> {
  const started = performance.now();
  // --out is checked first (made, written to), not after hours of runs.
  prepareOutputDir('--out', flags.out);
  // A local sweep's threads start first: their module loading overlaps the reading of the
  // grid and the data here (it is part of every sweep's fixed cost).
  const pool =
    flags.redis === undefined
      ? startThreadPool(Math.max(1, flags.workers ?? availableParallelism()))
      : undefined;
  try {
    return await runSweepOn(flags, log, pool, started);
  } finally {
    await pool?.destroy();
  }
}

async function runSweepOn(
  flags: SweepFlags,
  log: (line: string) => void,
  pool: ThreadPool | undefined,
  started: number,
): Promise<SweepOutcome> {
  const grid = await readGrid(flags.grid);
  const here = dirname(resolve(flags.grid));
  const config = await loadPortfolioConfig(resolve(here, grid.portfolio));
  const dataPath =
    grid.data !== undefined
      ? resolve(here, grid.data)
      : existsSync('data/spx-daily.csv')
        ? resolve('data/spx-daily.csv')
        : SHIPPED_DATA;
  const start =
    grid.start === undefined ? undefined : parseDateFlag('sweep.start', grid.start, false);
  const end = grid.end === undefined ? undefined : parseDateFlag('sweep.end', grid.end, true);
  if (start !== undefined && end !== undefined && end < start) {
    throw new ContractError([
      { path: `${flags.grid}: sweep.end`, message: `is before sweep.start (${grid.start})` },
    ]);
  }
  const loaded = await loadPriceCsv(dataPath);
  if (!loaded.success) throw loaded.error;
  const { data, sha256 } = loaded.data;
  const { combinations, product, rejected } = expandGrid(
    grid,
    encodePortfolioConfig(config).portfolio,
  );
  const { firstStep, lastStep } = new PortfolioBacktestEngine(config, createStrategyRegistry(), {
    ...(start === undefined ? {} : { start }),
    ...(end === undefined ? {} : { end }),
  }).stepRange(data);
  const bars = lastStep - firstStep + 1;
  const timestamps = data.timestamps.slice(firstStep, lastStep + 1);
  if (bars < grid.pboPartitions) {
    throw new ContractError([
      {
        path: `${flags.grid}: sweep.pbo_partitions`,
        message: `${grid.pboPartitions} blocks need at least as many bars; the run has ${bars}`,
      },
    ]);
  }
  const windows = planWalkForward(grid, bars);
  if (grid.walkForward !== undefined && windows.length === 0) {
    throw new ContractError([
      {
        path: `${flags.grid}: sweep.walk_forward.in_sample_bars`,
        message: `must be below the run's ${bars} bars`,
      },
    ]);
  }
  const versions = packageVersions();
  const engine = engineVersion(versions);
  const jobFor = (c: Combination, from: bigint | undefined, to: bigint | undefined): SweepJob => ({
    hash: runHash({
      portfolio: c.portfolio,
      dataSha256: sha256,
      engineVersion: engine,
      ...(from === undefined ? {} : { start: from }),
      ...(to === undefined ? {} : { end: to }),
    }),
    portfolio: c.portfolio,
    ...(from === undefined ? {} : { start: from.toString() }),
    ...(to === undefined ? {} : { end: to.toString() }),
    dataSha256: sha256,
    dataPath,
    engineVersion: engine,
  });
  const at = (bar: number) => timestamps[bar] as bigint;
  const fullJobs = combinations.map((c) => jobFor(c, start, end));
  const inSampleJobs = windows.map((w) =>
    combinations.map((c) => jobFor(c, at(w.isStart), at(w.isEnd - 1))),
  );
  log(
    `${grid.id}: ${combinations.length} combination(s) (${product} in the grid, ${rejected} removed by constraints` +
      `${grid.sample === undefined ? '' : `, sampled with seed ${grid.sample.seed}`}), ${bars} bars of ${data.symbols.length} symbol(s)` +
      `${windows.length > 0 ? `, ${windows.length} walk-forward window(s)` : ''}`,
  );

  const prefix = flags.prefix ?? DEFAULT_PREFIX;
  let redis: Redis | undefined;
  let store: ResultStore;
  let executor: Executor;
  if (flags.redis !== undefined) {
    // ioredis and BullMQ only for a distributed sweep (a local one starts without them).
    const { Redis: RedisClient } = await import('ioredis');
    // A sweep's Redis must answer at the start (a few tries over about 3 s), not after the
    // first job; once connected, a blip is ridden out (reconnect with backoff).
    let connected = false;
    let lastError = '';
    redis = new RedisClient(flags.redis, {
      maxRetriesPerRequest: null,
      lazyConnect: true,
      retryStrategy: (times) => (connected || times <= 5 ? Math.min(times * 200, 2000) : null),
    });
    redis.on('error', (error: Error) => {
      lastError = error.message;
    });
    try {
      await redis.connect();
      connected = true;
    } catch (error) {
      redis.disconnect();
      throw new ContractError(
        [
          {
            path: `--redis ${redactRedisUrl(flags.redis)}`,
            message: `cannot connect (${lastError || (error instanceof Error ? error.message : String(error))})`,
          },
        ],
        'io',
      );
    }
    store = createRedisStore(redis, prefix);
    // The data once per sha256, for workers whose own path lacks it.
    const key = dataKey(prefix, sha256);
    if ((await redis.set(key, await readFile(dataPath), 'EX', REDIS_TTL_SECONDS, 'NX')) === null) {
      await redis.expire(key, REDIS_TTL_SECONDS);
    }
    executor = await createDistributedExecutor({ redis, prefix, store });
  } else {
    if (pool === undefined) throw new Error('runSweep: a local sweep without its threads');
    store = createFileStore(join(flags.out, 'sweep_cache'));
    executor = createLocalExecutor(pool, store, {
      data: { sha256, columns: data.sharedColumns() },
      planTapes: (jobs) => planTapes(jobs, data),
    });
  }

  const progress = createSweepProgress(grid.id, !flags.quiet);
  progress.start(fullJobs.length + windows.length * (combinations.length + 1));
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    void executor.close();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const results = new Map<string, Uint8Array>();
  const failures = new Map<string, string>();
  let cached = 0;
  let ran = 0;
  const runPhase = async (jobs: readonly SweepJob[], p: SweepProgress): Promise<void> => {
    const unique = new Map<string, SweepJob>();
    for (const job of jobs) if (!results.has(job.hash)) unique.set(job.hash, job);
    const found = await store.getMany([...unique.keys()]);
    for (const [hash, bytes] of found) results.set(hash, bytes);
    cached += found.size;
    p.cached(jobs.length - (unique.size - found.size));
    const missing = [...unique.values()].filter((job) => !found.has(job.hash));
    if (missing.length === 0) return;
    await executor.run(missing, {
      done(hash, bytes) {
        results.set(hash, bytes);
        ran++;
        p.done();
      },
      failed(hash, reason) {
        failures.set(hash, reason);
        p.failed();
      },
    });
  };
  const decode = (job: SweepJob): PortfolioRun =>
    decodePortfolioRun(results.get(job.hash) as Uint8Array);
  let result: SweepResultWire;
  try {
    await runPhase([...fullJobs, ...inSampleJobs.flat()], progress);
    const check = () => {
      if (interrupted) {
        throw new SweepInterrupted(
          `interrupted: ${results.size} result(s) stored` +
            (redis === undefined ? '' : '; queued jobs stay in the queue for the workers') +
            '; run the same command again to resume',
        );
      }
      if (failures.size > 0) {
        const byHash = new Map(fullJobs.map((job, i) => [job.hash, i]));
        const lines = [...failures].slice(0, 10).map(([hash, reason]) => {
          const index = byHash.get(hash);
          return `  ${index === undefined ? `walk-forward run ${hash.slice(0, 12)}` : `combination ${index}`}: ${reason}`;
        });
        throw new SweepFailed(`${failures.size} run(s) failed:\n${lines.join('\n')}`);
      }
    };
    check();
    let walkForward;
    if (windows.length > 0) {
      const inSample = inSampleJobs.map((jobs) => jobs.map(decode));
      const chosen = chooseInSample(inSample, grid.objective);
      const outJobs = windows.map((w, k) =>
        jobFor(combinations[chosen[k] as number] as Combination, at(w.oosStart), at(w.oosEnd - 1)),
      );
      await runPhase(outJobs, progress);
      check();
      walkForward = { windows, inSample, outOfSample: outJobs.map(decode) };
    }
    const runMs = performance.now() - started;
    result = assembleSweepResult({
      grid,
      combinations,
      runs: fullJobs.map(decode),
      timestamps,
      data: { path: dataPath, sha256, symbols: data.symbols, bars: data.steps },
      versions,
      ...(walkForward === undefined ? {} : { walkForward }),
      curves: flags.curves,
      stats: {
        combinations: combinations.length,
        run_ms: runMs,
        combinations_per_second: runMs > 0 ? (combinations.length / runMs) * 1000 : 0,
        workers: executor.workers,
        cache_hits: cached,
      },
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    progress.stop();
    await executor.close();
    redis?.disconnect();
  }
  const paths = await writeSweepOutputs(flags.out, result, combinations);
  return { result, paths, ran, cached };
}
