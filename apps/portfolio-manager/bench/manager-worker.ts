// Benchmark worker: one PortfolioManager in its own thread, reporting when entries are committed.
import { PerformanceObserver } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { readConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { PortfolioManager } from '../src/service.js';

interface WorkerInput {
  readonly basePath: string;
  /** Number of latency fills to trace (0: none); fill ids end in `-<index>`. */
  readonly trace: number;
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

// Typed arrays by fill index: tracing must not keep strings alive (that would slow the GC it measures).
const committedAt = new Float64Array(input.trace).fill(Number.NaN);
const serviceMs = new Float64Array(Math.max(1, input.trace));
let batches = 0;
const INDEX = /"fill_id":"[a-z]+-(\d+)"/;
const manager = new PortfolioManager({
  config: loaded.data,
  logger: createLogger({ level: 'warn' }),
  ...(input.trace > 0
    ? {
        onCommitted: (entries, atMs, readAtMs) => {
          for (const entry of entries) {
            const match = entry.data === undefined ? null : INDEX.exec(entry.data);
            if (match) committedAt[Number(match[1])] = atMs;
          }
          if (batches < serviceMs.length) serviceMs[batches] = atMs - readAtMs;
          batches++;
        },
      }
    : {}),
});
port.on('message', (message: string) => {
  if (message === 'stop') manager.stop('benchmark over');
});
const running = manager.run();
port.postMessage({ kind: 'started' });
const outcome = await running;
port.postMessage({
  kind: 'done',
  outcome,
  committedAt,
  serviceMs: serviceMs.subarray(0, Math.min(batches, serviceMs.length)),
  batches,
  gc,
  counters: manager.counters,
});
