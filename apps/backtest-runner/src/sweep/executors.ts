// Where jobs run: worker threads on this machine (piscina) or BullMQ workers on any machine
// that reaches the Redis. Both report each job once: done (its stored bytes) or failed.
import { fileURLToPath } from 'node:url';
import type { Queue as BullQueue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Piscina } from 'piscina';
import type { PriceDataColumns, RecordedTape } from '@njord/portfolio-backtest';
import type { SweepJob, TapeTask } from './job.js';
import type { ThreadTask } from './thread.js';
import type { ResultStore } from './store.js';

import { SWEEP_QUEUE, THREAD_LOADED } from './names.js';
import { untilOrAfter } from '../until-or-after.js';

export { DEFAULT_PREFIX, SWEEP_QUEUE } from './names.js';

export interface JobEvents {
  done(hash: string, bytes: Uint8Array): void;
  failed(hash: string, reason: string): void;
}

export interface Executor {
  readonly workers: number;
  /** Runs `jobs` (none of them stored yet); resolves when each is done or failed, or on close(). */
  run(jobs: readonly SweepJob[], events: JobEvents): Promise<void>;
  close(): Promise<void>;
}

/** A file next to the bundle (dist/sweep/NAME). */
function distFile(name: string): string {
  return fileURLToPath(new URL(`./sweep/${name}`, import.meta.url));
}

export interface LocalOptions {
  /** The price data the coordinator parsed (on shared memory): threads do not parse it again. */
  readonly data?: { readonly sha256: string; readonly columns: PriceDataColumns };
  /** The tapes a batch of jobs shares: recorded once, spread over the threads, before the jobs. */
  readonly planTapes?: (jobs: readonly SweepJob[]) => TapeTask[];
}

/** A sweep's worker threads; `destroy` ends them (again: nothing). */
export interface ThreadPool {
  readonly workers: number;
  run(task: ThreadTask): Promise<Uint8Array | RecordedTape | undefined>;
  destroy(): Promise<void>;
}

/**
 * Starts `workers` threads at once, before there is work for them: they load their modules
 * while the coordinator reads the grid and the price data.
 */
export function startThreadPool(workers: number): ThreadPool {
  const pool = new Piscina<ThreadTask, Uint8Array | RecordedTape | undefined>({
    filename: distFile('thread-entry.cjs'),
    workerData: { loaded: THREAD_LOADED },
    // An idle thread waits on its event loop, not in Atomics.wait: it finishes loading its
    // modules while idle (thread-entry.cjs), which a thread blocked in Atomics.wait would not.
    atomics: 'disabled',
    minThreads: workers,
    maxThreads: workers,
    // One job per thread at a time: the runs are CPU-bound.
    concurrentTasksPerWorker: 1,
  });
  // Node may abort the whole process when a thread is terminated while it still loads its
  // modules (file reads in flight), which a sweep with every result stored, or one refused
  // before its first job, used to do: the pool is ended only once each thread said its
  // import settled (thread-entry.cjs), or after LOADED_WAIT_MS.
  let loaded = 0;
  let allLoaded: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (allLoaded = resolve));
  pool.on('message', (message: unknown) => {
    if (message === THREAD_LOADED && ++loaded >= workers) allLoaded();
  });
  let destroyed: Promise<void> | null = null;
  return {
    workers,
    run: (task) => pool.run(task),
    destroy() {
      destroyed ??= untilOrAfter(ready, LOADED_WAIT_MS).then(() => pool.destroy());
      return destroyed;
    },
  };
}

/** How long `destroy` waits for threads still loading their modules. */
const LOADED_WAIT_MS = 30_000;

/** Jobs on `pool`'s threads, each result put in `store`; `close` ends the threads. */
export function createLocalExecutor(
  pool: ThreadPool,
  store: ResultStore,
  options: LocalOptions = {},
): Executor {
  const data = options.data;
  const workers = pool.workers;
  let closed = false;
  return {
    workers,
    async run(jobs, events) {
      // Each shared strategy runs once for the batch, on whichever thread is free; a tape that
      // fails to record is left to its jobs (they meet the strategy's fault themselves).
      const recorded = await Promise.all(
        (options.planTapes?.(jobs) ?? []).map((tape) =>
          pool
            .run({ kind: 'tape', tape, ...(data === undefined ? {} : { data }) })
            .catch(() => undefined),
        ),
      );
      const tapes = recorded.filter(
        (tape): tape is RecordedTape => tape !== undefined && !(tape instanceof Uint8Array),
      );
      await Promise.all(
        jobs.map(async (job) => {
          try {
            const bytes = (await pool.run({
              kind: 'job',
              job,
              tapes,
              ...(data === undefined ? {} : { data }),
            })) as Uint8Array;
            if (closed) return;
            await store.put(job.hash, bytes);
            events.done(job.hash, bytes);
          } catch (error) {
            if (closed) return;
            events.failed(job.hash, error instanceof Error ? error.message : String(error));
          }
        }),
      );
    },
    async close() {
      closed = true;
      await pool.destroy();
    },
  };
}

export interface DistributedOptions {
  readonly redis: Redis;
  readonly prefix: string;
  readonly store: ResultStore;
  /** Milliseconds between checks of the store for results whose events were missed. */
  readonly pollMs?: number;
}

const LIVE_STATES = new Set([
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'paused',
]);

/**
 * Jobs go to the `sweep` queue under their hash as job id: a job still queued from an
 * interrupted sweep is not added twice, and a finished one is removed so a later sweep can
 * add it again. One QueueEvents listener serves every job; the store is polled as well.
 */
export async function createDistributedExecutor(options: DistributedOptions): Promise<Executor> {
  // BullMQ is loaded here, not with the module: a sweep on this machine's threads never
  // needs it (it adds about 200 ms to a start).
  const { Queue, QueueEvents } = await import('bullmq');
  const { redis, prefix, store } = options;
  const queue: BullQueue<SweepJob> = new Queue<SweepJob>(SWEEP_QUEUE, {
    connection: redis,
    prefix,
  });
  const queueEvents = new QueueEvents(SWEEP_QUEUE, { connection: redis.duplicate(), prefix });
  await queueEvents.waitUntilReady();
  await queue.waitUntilReady();
  let closed = false;
  let wake: (() => void) | null = null;
  const pollMs = options.pollMs ?? 1000;
  let workers = 0;
  return {
    /** Worker processes connected to the queue when the last batch finished. */
    get workers() {
      return workers;
    },
    async run(jobs, events) {
      const pending = new Map(jobs.map((job) => [job.hash, job]));
      const settle = async (hash: string, reason: string | null): Promise<void> => {
        if (!pending.has(hash)) return;
        const bytes = await store.get(hash);
        if (!pending.has(hash)) return;
        if (bytes !== null) {
          pending.delete(hash);
          events.done(hash, bytes);
        } else if (reason !== null) {
          const state = await queue.getJobState(hash);
          if (LIVE_STATES.has(state) || !pending.has(hash)) return; // retrying
          pending.delete(hash);
          events.failed(hash, reason);
        }
        if (pending.size === 0) wake?.();
      };
      const onCompleted = ({ jobId }: { jobId: string }) => void settle(jobId, null);
      const onFailed = ({ jobId, failedReason }: { jobId: string; failedReason: string }) =>
        void settle(jobId, failedReason);
      queueEvents.on('completed', onCompleted);
      queueEvents.on('failed', onFailed);
      try {
        for (let i = 0; i < jobs.length; i += 500) {
          await queue.addBulk(
            jobs.slice(i, i + 500).map((job) => ({
              name: 'run',
              data: job,
              opts: {
                jobId: job.hash,
                attempts: 3,
                backoff: { type: 'fixed', delay: 500 },
                removeOnComplete: true,
                removeOnFail: true,
              },
            })),
          );
        }
        let sweeps = 0;
        while (pending.size > 0 && !closed) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, pollMs);
          });
          wake = null;
          if (closed || pending.size === 0) break;
          // Results whose events were missed, and jobs lost from the queue (re-added).
          const found = await store.getMany([...pending.keys()]);
          for (const [hash, bytes] of found) {
            if (pending.delete(hash)) events.done(hash, bytes);
          }
          if (++sweeps % 5 === 0) {
            for (const [hash, job] of pending) {
              const state = await queue.getJobState(hash);
              if (state === 'unknown' && pending.has(hash) && (await store.get(hash)) === null) {
                await queue.add('run', job, {
                  jobId: hash,
                  attempts: 3,
                  backoff: { type: 'fixed', delay: 500 },
                  removeOnComplete: true,
                  removeOnFail: true,
                });
              }
            }
          }
        }
        workers = Math.max(workers, await queue.getWorkersCount());
      } finally {
        queueEvents.off('completed', onCompleted);
        queueEvents.off('failed', onFailed);
      }
    },
    async close() {
      closed = true;
      wake?.();
      await queueEvents.close();
      await queue.close();
    },
  };
}
