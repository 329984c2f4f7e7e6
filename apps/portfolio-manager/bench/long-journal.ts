// A long journal built directly, on the live kernel's own path (admitLiveEntry, journal lines,
// chained checkpoints at the manager's cadence): for the long-life benchmark and test.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { encodePortfolioConfig } from '@njord/portfolio-contracts';
import { admitLiveEntry, beginLiveBatch, PortfolioKernel } from '@njord/portfolio-kernel';
import { FileJournal, segmentName } from '../src/adapters/journal-file.js';
import { readConfig } from '../src/config.js';
import { CheckpointChain, JournalWriter, segmentPruner } from '../src/journal.js';
import { addChainedCheckpoint, hashPortfolioConfig, liveKernelOptions } from '../src/recovery.js';

export const LONG_STRATEGIES = ['trend', 'meanrev', 'momo'] as const;
const SYMBOLS = ['AAA', 'BBB', 'CCC', 'DDD'];
const BATCH = 1000;
const HOUR_NS = 3_600_000_000_000n;

export interface LongJournalOptions {
  readonly fills: number;
  /** Fills per hour of fill time: with the window, how many ids the window holds. */
  readonly fillsPerHour: number;
  readonly dedupeWindowHours?: number;
  readonly checkpointEvery?: number;
  /** Segment files of about this many MB (absent: one file). */
  readonly journalSegmentMb?: number;
}

/**
 * The benchmarks' configs in `dir`: a portfolio of the three strategies (threshold 1000: fills
 * only, no rebalance) and a manager config with `extra` lines. Returns the manager config's path.
 */
export function writeBenchConfigs(
  dir: string,
  options: {
    readonly portfolioId: string;
    readonly redisUrl: string;
    readonly prefix: string;
    readonly extra: readonly string[];
  },
): string {
  writeFileSync(
    join(dir, 'portfolio.yaml'),
    [
      'portfolio:',
      `  id: ${options.portfolioId}`,
      '  total_capital: 1000000000',
      '  rebalance_threshold: 1000',
      '  allocations:',
      ...LONG_STRATEGIES.map(
        (id) =>
          `    - {strategy_id: ${id}, target_weight: ${id === 'trend' ? 0.34 : 0.33}, min_capital: 0, max_capital: 1000000000000}`,
      ),
      '',
    ].join('\n'),
  );
  const basePath = join(dir, 'base.yaml');
  writeFileSync(
    basePath,
    [
      `redis: {url: "${options.redisUrl}", prefix: "${options.prefix}"}`,
      `portfolio_config: ${join(dir, 'portfolio.yaml')}`,
      `journal_dir: ${join(dir, 'journal')}`,
      ...options.extra,
      '',
    ].join('\n'),
  );
  return basePath;
}

/** Writes the long-life configs into `dir`; returns the manager config's path. */
export function writeLongLifeConfig(dir: string, options: LongJournalOptions): string {
  return writeBenchConfigs(dir, {
    portfolioId: 'long',
    redisUrl: 'redis://127.0.0.1:6379',
    prefix: 'njord-long-life',
    extra: [
      'journal_fsync: never',
      ...(options.dedupeWindowHours === undefined
        ? []
        : [`dedupe_window_hours: ${options.dedupeWindowHours}`]),
      ...(options.checkpointEvery === undefined
        ? []
        : [`checkpoint_every: ${options.checkpointEvery}`]),
      ...(options.journalSegmentMb === undefined
        ? []
        : [`journal_segment_mb: ${options.journalSegmentMb}`]),
    ],
  });
}

/** The benchmarks' fill `i` (id `<prefix>-<i>`) stamped `timestampNs`, as a producer writes it. */
export function benchFillPayload(i: number, prefix: string, timestampNs: bigint): string {
  return JSON.stringify({
    fill_id: `${prefix}-${i}`,
    strategy_id: LONG_STRATEGIES[i % 3],
    symbol: SYMBOLS[i % 4],
    side: i % 5 < 3 ? 'buy' : 'sell',
    quantity: 1 + (i % 9),
    price: 100 + (i % 17) * 0.25,
    fee: 0.01,
    timestamp_ns: String(timestampNs),
  });
}

export interface LongJournal {
  /** The kernel that wrote the journal (its state at the end). */
  readonly kernel: PortfolioKernel;
  /** The file written last (the newest segment when segmented). */
  readonly journalPath: string;
  /** Fill `i` is stamped `startNs + i * stepNs`; the last batch's clock is `endNs`. */
  readonly startNs: bigint;
  readonly stepNs: bigint;
  readonly endNs: bigint;
  readonly seconds: number;
  readonly checkpoints: number;
  readonly maxCheckpointMs: number;
  /** Every checkpoint's time, in ms, in order. */
  readonly checkpointMs: readonly number[];
  /** Checkpoints over 20 ms, and how many of those had a GC pause inside them. */
  readonly slowCheckpoints: number;
  readonly slowWithGc: number;
  /** Of those, how many had less CPU time than half their wall time (preempted), and each one's CPU ms. */
  readonly slowPreempted: number;
  readonly slowCpuMs: readonly number[];
  readonly maxCheckpointBytes: number;
  /** The event loop's longest delay while building (a turn per batch of 1,000 fills). */
  readonly maxDelayMs: number;
  /** The longest batch: its time, the process's CPU time in it, the GC pauses inside it (ms). */
  readonly longestBatch: {
    readonly ms: number;
    readonly cpuMs: number;
    readonly gcMs: number;
    readonly firstFill: number;
  };
}

/** Builds the journal of `options.fills` fills, fill time ending now. */
export async function buildLongJournal(
  basePath: string,
  options: LongJournalOptions,
): Promise<LongJournal> {
  const loaded = await readConfig(basePath, {});
  if (!loaded.success) throw new Error(loaded.error.message);
  const { portfolio, manager, journalPath } = loaded.data;
  const kernelOptions = liveKernelOptions(manager);
  const window = kernelOptions.dedupeWindowNs ?? 0n;
  const count = options.fills;
  const spanNs = (BigInt(count) * HOUR_NS) / BigInt(options.fillsPerHour);
  const endNs = BigInt(Date.now()) * 1_000_000n;
  const startNs = endNs - spanNs;
  const stepNs = spanNs / BigInt(count);
  const kernel = new PortfolioKernel(portfolio, { ...kernelOptions, startNs });
  const segments = manager.journalSegmentBytes;
  const folder = dirname(journalPath);
  const file = FileJournal.open(
    segments === null ? journalPath : join(folder, segmentName(portfolio.id, 1)),
    'never',
  );
  const writer = new JournalWriter(
    file,
    portfolio.id,
    0,
    segments === null ? null : { maxBytes: segments },
  );
  const configHash = hashPortfolioConfig(portfolio);
  writer.add('config', startNs, {
    hash: configHash,
    previous_hash: null,
    config: encodePortfolioConfig(portfolio).portfolio,
  });
  const funded = kernel.tracker.getSnapshot(startNs);
  writer.add('funding', startNs, {
    allocations: funded.strategyAllocations,
    unallocated_cash: funded.unallocatedCash,
    total_capital: portfolio.totalCapital,
  });
  const stream = 'njord-long-life:fills';
  let lastId = '0-0';
  const chain = new CheckpointChain();
  const prune = segments === null ? () => {} : segmentPruner(folder, portfolio.id, chain);
  const checkpointMs: number[] = [];
  /** Checkpoints over 20 ms: when, and the process's CPU time in them (all its threads). */
  const slow: { start: number; end: number; cpuMs: number }[] = [];
  const checkpoint = (nowNs: bigint) => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    addChainedCheckpoint(writer, chain, kernel, configHash, nowNs, { [stream]: lastId });
    const ended = performance.now();
    checkpointMs.push(ended - started);
    if (ended - started > 20) {
      const used = process.cpuUsage(cpu);
      slow.push({ start: started, end: ended, cpuMs: (used.user + used.system) / 1000 });
    }
    return ended - started;
  };
  // GC pauses, to tell a checkpoint's own time from a collection that landed in it.
  const gcPauses: { start: number; end: number }[] = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      gcPauses.push({ start: entry.startTime, end: entry.startTime + entry.duration });
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  checkpoint(startNs);
  writer.flush();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let checkpoints = 0;
  let maxCheckpointMs = 0;
  let maxCheckpointBytes = 0;
  let nowNs = startNs;
  const started = performance.now();
  /** The longest batch (its fills, journal lines and any checkpoint): when, and its CPU time. */
  let longest = { start: 0, end: 0, cpuMs: 0, from: 0 };
  for (let from = 0; from < count; from += BATCH) {
    const batchCpu = process.cpuUsage();
    const batchStart = performance.now();
    const to = Math.min(count, from + BATCH);
    nowNs = startNs + BigInt(to) * stepNs;
    const rules = { nowNs, maxFutureNs: null, dedupeWindowNs: window };
    beginLiveBatch(kernel, rules);
    for (let i = from; i < to; i++) {
      lastId = `${1_700_000_000_000 + Math.floor(i / 100)}-${i % 100}`;
      const data = benchFillPayload(i, 'long', startNs + BigInt(i) * stepNs);
      const outcome = admitLiveEntry(kernel, { source: 'fills', id: lastId, data }, rules);
      if (outcome.kind !== 'fill' || outcome.status === 'duplicate')
        throw new Error(`fill ${i}: ${JSON.stringify(outcome)}`);
      writer.add('fill', nowNs, { source: { stream, id: lastId }, fill: outcome.wire });
      // The manager's cadence (loop.ts maybeCheckpoint): every `checkpoint_every` lines.
      if (writer.linesSinceCheckpoint >= manager.checkpointEvery) {
        writer.flush();
        const before = file.bytesWritten;
        const ms = checkpoint(nowNs);
        writer.flush();
        prune();
        checkpoints++;
        maxCheckpointMs = Math.max(maxCheckpointMs, ms);
        maxCheckpointBytes = Math.max(maxCheckpointBytes, file.bytesWritten - before);
      }
    }
    writer.flush();
    const batchEnd = performance.now();
    if (batchEnd - batchStart > longest.end - longest.start) {
      const used = process.cpuUsage(batchCpu);
      longest = { start: batchStart, end: batchEnd, cpuMs: (used.user + used.system) / 1000, from };
    }
    // Let the event loop turn: its delay histogram sees the longest synchronous stretch.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  delay.disable();
  file.close();
  // Let the observer deliver the last entries.
  await new Promise<void>((resolve) => setImmediate(resolve));
  gcObserver.disconnect();
  const slowWithGc = slow.filter((c) =>
    gcPauses.some((gc) => gc.start < c.end && gc.end > c.start),
  ).length;
  const longestGcMs = gcPauses
    .filter((gc) => gc.start < longest.end && gc.end > longest.start)
    .reduce((sum, gc) => sum + (gc.end - gc.start), 0);
  // The process ran for less than half the time: it waited for a core (the machine is shared).
  const slowPreempted = slow.filter((c) => c.cpuMs < (c.end - c.start) / 2).length;
  return {
    kernel,
    journalPath: file.path,
    startNs,
    stepNs,
    endNs: nowNs,
    seconds: (performance.now() - started) / 1000,
    checkpoints,
    maxCheckpointMs,
    checkpointMs,
    slowCheckpoints: slow.length,
    slowWithGc,
    slowPreempted,
    slowCpuMs: slow.map((c) => c.cpuMs),
    maxCheckpointBytes,
    maxDelayMs: delay.max / 1e6,
    longestBatch: {
      ms: longest.end - longest.start,
      cpuMs: longest.cpuMs,
      gcMs: longestGcMs,
      firstFill: longest.from,
    },
  };
}
