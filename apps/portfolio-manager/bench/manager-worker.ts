// Benchmark worker: one PortfolioManager in its own thread, reporting when entries are committed.
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { readConfig } from '../src/config.js';
import { startAllocationMeter, startHeapSampling } from './allocation.js';
import { createLogger } from '../src/logger.js';
import { createHttpSide, fanOut, type ManagerObserver } from '../src/http/index.js';
import { PortfolioManager } from '../src/service.js';

interface WorkerInput {
  readonly basePath: string;
  /** Number of latency fills to trace (0: none); fill ids end in `-<index>`. */
  readonly trace: number;
  /** Serve metrics and the dashboard's events on a free loopback port. */
  readonly http?: boolean;
}

const input = workerData as WorkerInput;
const port = parentPort;
if (!port) throw new Error('run as a worker');

const loaded = await readConfig(input.basePath);
if (!loaded.success) throw loaded.error;

// GC pauses of the manager's thread (they are part of its latency).
const gc = { count: 0, totalMs: 0, maxMs: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gc.count++;
    gc.totalMs += entry.duration;
    gc.maxMs = Math.max(gc.maxMs, entry.duration);
  }
}).observe({ entryTypes: ['gc'] });

/** Checkpoint lines built and written: how many, the longest, how many over 20 ms. */
const checkpoints = { count: 0, maxMs: 0, over20: 0 };
function recordCheckpoint(seconds: number): void {
  checkpoints.count++;
  checkpoints.maxMs = Math.max(checkpoints.maxMs, seconds * 1000);
  if (seconds > 0.02) checkpoints.over20++;
}

// Typed arrays by fill index: tracing must not keep strings alive (that would slow the GC it measures).
const committedAt = new Float64Array(input.trace).fill(Number.NaN);
/** When each traced fill's journal line was written (and synced): its batch's `sentAtMs`. */
const journaledAt = new Float64Array(input.trace).fill(Number.NaN);
const serviceMs = new Float64Array(Math.max(1, input.trace));
/** Per batch: when it was read (epoch ms), its fsync time and its ack round trip (ms). */
const readMs = new Float64Array(serviceMs.length);
const fsyncMs = new Float64Array(serviceMs.length);
const ackMs = new Float64Array(serviceMs.length);
let batches = 0;
/** Fsyncs since the last batch committed: when each started (epoch ms) and how long it took. */
const syncStarts: number[] = [];
const syncTimes: number[] = [];
/** The batch's phases as the loop reports them. */
const phases: ManagerObserver = {
  fsync: (seconds) => {
    syncStarts.push(performance.timeOrigin + performance.now() - seconds * 1000);
    syncTimes.push(seconds * 1000);
  },
  ack: (seconds) => {
    if (batches < ackMs.length) ackMs[batches] = seconds * 1000;
  },
};
const FILL_ID = '"fill_id":"';
/** The index at the end of a traced fill's id (`"fill_id":"l-42"` -> 42), -1 when none; no match objects made. */
function fillIndex(text: string): number {
  const at = text.indexOf(FILL_ID);
  if (at < 0) return -1;
  let i = text.indexOf('-', at + FILL_ID.length);
  if (i < 0) return -1;
  let index = 0;
  let digits = 0;
  for (i++; i < text.length; i++, digits++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return digits > 0 ? index : -1;
    if (c < 0x30 || c > 0x39) return -1;
    index = index * 10 + (c - 0x30);
  }
  return -1;
}
const logger = createLogger({ level: 'warn' });
const http = input.http
  ? createHttpSide({
      config: loaded.data,
      http: { listen: '127.0.0.1:0', tokenEnv: 'UNUSED' },
      token: null,
      logger,
    })
  : undefined;
const manager = new PortfolioManager({
  config: loaded.data,
  logger,
  // Without HTTP: checkpoint times recorded (the HTTP side has its own observer).
  observer:
    http === undefined
      ? fanOut({ checkpoint: recordCheckpoint }, phases)
      : fanOut(http.observer, phases),
  ...(input.trace > 0
    ? {
        onCommitted: (entries, atMs, readAtMs, sentAtMs) => {
          for (const entry of entries) {
            const index = typeof entry.data === 'string' ? fillIndex(entry.data) : -1;
            if (index >= 0) {
              committedAt[index] = atMs;
              journaledAt[index] = sentAtMs;
            }
          }
          // The batch's own time: read -> done with it (its acknowledgement sent; the round
          // trip overlaps the next read, and the next batch waits for it if it is late).
          if (batches < serviceMs.length) {
            serviceMs[batches] = sentAtMs - readAtMs;
            readMs[batches] = readAtMs;
            // Syncs between batches (a plan's, a snapshot's) are not this batch's; a rotation's
            // two are; the next batch's may already have started.
            let synced = 0;
            for (let i = 0; i < syncStarts.length; i++) {
              const start = syncStarts[i] as number;
              if (start >= readAtMs && start < sentAtMs) synced += syncTimes[i] as number;
            }
            fsyncMs[batches] = synced;
          }
          let kept = 0;
          for (let i = 0; i < syncStarts.length; i++) {
            if ((syncStarts[i] as number) < sentAtMs) continue;
            syncStarts[kept] = syncStarts[i] as number;
            syncTimes[kept++] = syncTimes[i] as number;
          }
          syncStarts.length = kept;
          syncTimes.length = kept;
          batches++;
        },
      }
    : {}),
});
port.on('message', (message: string) => {
  if (message === 'stop') manager.stop('benchmark over');
});
// Heap bytes allocated on the manager's thread while it runs (per fill: / fills applied).
const meter = startAllocationMeter();
// NJORD_BENCH_HEAP_PROFILE=FILE: where the manager's thread allocates (a sampling profile).
const profilePath = process.env.NJORD_BENCH_HEAP_PROFILE;
const sampling =
  profilePath === undefined || profilePath === ''
    ? undefined
    : startHeapSampling(`${profilePath}.${input.trace > 0 ? 'latency' : 'throughput'}.heapprofile`);
const running = manager.run();
const server = http === undefined ? undefined : await http.start(manager);
port.postMessage({ kind: 'started', url: server?.url ?? null });
const outcome = await running;
const allocatedBytes = meter.stop();
sampling?.stop();
await http?.close();
port.postMessage({
  kind: 'done',
  outcome,
  committedAt,
  journaledAt,
  serviceMs: serviceMs.subarray(0, Math.min(batches, serviceMs.length)),
  readMs: readMs.subarray(0, Math.min(batches, readMs.length)),
  fsyncMs: fsyncMs.subarray(0, Math.min(batches, fsyncMs.length)),
  ackMs: ackMs.subarray(0, Math.min(batches, ackMs.length)),
  batches,
  gc,
  counters: manager.counters,
  allocatedBytes,
  checkpoints,
});
