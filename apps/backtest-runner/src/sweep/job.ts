// One sweep job (a portfolio over a range of one data file) and how a worker runs it: the same
// code on a local thread and on a BullMQ worker, so both store the same bytes.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { safeParsePortfolioConfig } from '@njord/portfolio-contracts';
import {
  createStrategyRegistry,
  maxAbsExposureOf,
  PortfolioBacktestEngine,
  PriceData,
  type PriceDataColumns,
  type RecordedTape,
  SignalCache,
  signalIdentity,
} from '@njord/portfolio-backtest';
import { parsePriceCsv } from '@njord/portfolio-backtest/csv';
import { encodePortfolioRun, runPortfolio } from '@njord/portfolio-sweep';

/** What a job carries (JSON-safe: timestamps as decimal strings). */
export interface SweepJob {
  /** runHash(...): the key of the stored result. */
  readonly hash: string;
  /** The portfolio's wire form (the inside of `{portfolio: ...}`). */
  readonly portfolio: Record<string, unknown>;
  readonly start?: string;
  readonly end?: string;
  readonly dataSha256: string;
  /** The coordinator's path of the data; a worker uses it only when its bytes match the sha256. */
  readonly dataPath: string;
  /** The coordinator's engine version (in the hash): a worker with another one refuses the job. */
  readonly engineVersion: string;
}

/** Where a worker gets the data's bytes when its own path does not hold them. */
export type FetchData = (sha256: string) => Promise<Uint8Array | null>;

const cache = new Map<string, Promise<PriceData>>();
/**
 * Per data set, the strategies' targets already computed on this thread: a combination whose
 * strategy another one ran before reads its tape instead of running it again.
 */
const signalCaches = new Map<string, SignalCache>();
/** Tapes kept per data set (a tape is about 12 bytes per target a strategy gives). */
const SIGNAL_TAPES = 16;

function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function readIfMatching(path: string, sha256: string): Promise<Uint8Array | null> {
  try {
    const bytes = await readFile(path);
    return sha256Of(bytes) === sha256 ? bytes : null;
  } catch {
    return null;
  }
}

/** The price data of `sha256`: from `path` when it matches, else from `fetch`; parsed once per thread. */
export function priceDataFor(
  sha256: string,
  path: string,
  fetch: FetchData | null,
): Promise<PriceData> {
  let loaded = cache.get(sha256);
  if (loaded === undefined) {
    loaded = (async () => {
      const bytes =
        (await readIfMatching(path, sha256)) ?? (fetch === null ? null : await fetch(sha256));
      if (bytes === null) {
        throw new Error(
          `price data ${sha256.slice(0, 12)}: ${path} is missing or differs, and no copy is stored`,
        );
      }
      if (sha256Of(bytes) !== sha256)
        throw new Error(
          `price data ${sha256.slice(0, 12)}: the stored copy does not match its sha256`,
        );
      const parsed = parsePriceCsv(new TextDecoder().decode(bytes), { source: path });
      if (!parsed.success) throw parsed.error;
      return parsed.data;
    })();
    cache.set(sha256, loaded);
    loaded.catch(() => cache.delete(sha256));
  }
  return loaded;
}

/**
 * Gives this thread price data the coordinator already parsed (columns on shared memory):
 * its jobs on `sha256` read them instead of parsing the file again.
 */
export function providePriceData(sha256: string, columns: PriceDataColumns): void {
  if (!cache.has(sha256)) cache.set(sha256, Promise.resolve(new PriceData(columns)));
}

function signalCacheFor(sha256: string, data: PriceData): SignalCache {
  let signals = signalCaches.get(sha256);
  if (signals === undefined || signals.data !== data) {
    signals = new SignalCache(data, SIGNAL_TAPES);
    signalCaches.set(sha256, signals);
  }
  return signals;
}

function configOf(job: SweepJob) {
  const parsed = safeParsePortfolioConfig({ portfolio: job.portfolio });
  if (!parsed.success) throw parsed.error;
  return parsed.data;
}

function engineFor(job: SweepJob, config: ReturnType<typeof configOf>) {
  return new PortfolioBacktestEngine(config, createStrategyRegistry(), {
    ...(job.start === undefined ? {} : { start: BigInt(job.start) }),
    ...(job.end === undefined ? {} : { end: BigInt(job.end) }),
  });
}

/** One strategy's targets to record once for a whole sweep: job `job`'s strategy `strategy`. */
export interface TapeTask {
  readonly job: SweepJob;
  readonly strategy: number;
  /** The last step any job reading it runs to. */
  readonly throughStep: number;
}

/** Tapes recorded ahead of a batch at most: the threads' caches held as many before. */
export const SHARED_TAPES = 2 * SIGNAL_TAPES;

/**
 * The strategies `jobs` share (same identity: id, kind, symbols, params, exposure cap), each
 * once with the last step any of its jobs needs: record these once and every job reads them.
 * The `limit` read by the most jobs are kept (a tape holds about 12 bytes per target, so a
 * sweep over hundreds of strategy parameters must not hold them all); the others, and
 * strategies that cannot be told apart, are left to their jobs' threads.
 */
export function planTapes(
  jobs: readonly SweepJob[],
  data: PriceData,
  limit = SHARED_TAPES,
): TapeTask[] {
  const tasks = new Map<string, TapeTask & { uses: number }>();
  for (const job of jobs) {
    let config, engine, lastStep, strategies;
    try {
      config = configOf(job);
      engine = engineFor(job, config);
      lastStep = engine.stepRange(data).lastStep;
      strategies = engine.resolveStrategies(config, data);
    } catch {
      continue; // the job itself fails with the reason
    }
    const cap = maxAbsExposureOf(config.limits);
    strategies.forEach((strategy, k) => {
      const key = signalIdentity(strategy, cap);
      if (key === undefined) return;
      const known = tasks.get(key);
      if (known === undefined) tasks.set(key, { job, strategy: k, throughStep: lastStep, uses: 1 });
      else {
        known.uses++;
        if (known.throughStep < lastStep) tasks.set(key, { ...known, throughStep: lastStep });
      }
    });
  }
  // Most used first (a stable sort: ties keep the jobs' order).
  return [...tasks.values()]
    .sort((a, b) => b.uses - a.uses)
    .slice(0, limit)
    .map(({ job, strategy, throughStep }) => ({ job, strategy, throughStep }));
}

/**
 * Records one strategy's tape through `task.throughStep` and returns it on shared memory;
 * undefined when the strategy faults (its jobs then meet the fault themselves).
 */
export async function recordSweepTape(
  task: TapeTask,
  fetch: FetchData | null,
): Promise<RecordedTape | undefined> {
  const { job } = task;
  const data = await priceDataFor(job.dataSha256, job.dataPath, fetch);
  const config = configOf(job);
  const strategy = engineFor(job, config).resolveStrategies(config, data)[task.strategy];
  if (strategy === undefined) return undefined;
  const [tape] = signalCacheFor(job.dataSha256, data).tapesFor(
    [strategy],
    maxAbsExposureOf(config.limits),
    task.throughStep,
  );
  try {
    tape?.record(task.throughStep);
  } catch {
    return undefined;
  }
  return tape?.share();
}

/** Runs a job; returns the stored form of its run. `tapes`: targets recorded elsewhere to read. */
export async function runSweepJob(
  job: SweepJob,
  fetch: FetchData | null,
  tapes: readonly RecordedTape[] = [],
): Promise<Uint8Array> {
  const data = await priceDataFor(job.dataSha256, job.dataPath, fetch);
  const parsed = safeParsePortfolioConfig({ portfolio: job.portfolio });
  if (!parsed.success) throw parsed.error;
  const signals = signalCacheFor(job.dataSha256, data);
  signals.adopt(tapes);
  const run = runPortfolio(
    parsed.data,
    data,
    createStrategyRegistry(),
    {
      ...(job.start === undefined ? {} : { start: BigInt(job.start) }),
      ...(job.end === undefined ? {} : { end: BigInt(job.end) }),
    },
    signals,
  );
  return encodePortfolioRun(run);
}
