// One sweep job (a portfolio over a range of one data file) and how a worker runs it: the same
// code on a local thread and on a BullMQ worker, so both store the same bytes.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { safeParsePortfolioConfig } from '@njord/portfolio-contracts';
import { createStrategyRegistry, type PriceData, SignalCache } from '@njord/portfolio-backtest';
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

/** Runs a job; returns the stored form of its run. */
export async function runSweepJob(job: SweepJob, fetch: FetchData | null): Promise<Uint8Array> {
  const data = await priceDataFor(job.dataSha256, job.dataPath, fetch);
  const parsed = safeParsePortfolioConfig({ portfolio: job.portfolio });
  if (!parsed.success) throw parsed.error;
  let signals = signalCaches.get(job.dataSha256);
  if (signals === undefined || signals.data !== data) {
    signals = new SignalCache(data, SIGNAL_TAPES);
    signalCaches.set(job.dataSha256, signals);
  }
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
