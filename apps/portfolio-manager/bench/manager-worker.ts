// Benchmark worker: one PortfolioManager in its own thread, reporting when entries are committed.
import { parentPort, workerData } from 'node:worker_threads';
import { readConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { PortfolioManager } from '../src/service.js';

interface WorkerInput {
  readonly basePath: string;
  readonly trace: boolean;
}

const input = workerData as WorkerInput;
const port = parentPort;
if (!port) throw new Error('run as a worker');

const loaded = await readConfig(input.basePath);
if (!loaded.success) throw loaded.error;
const committed: [string, number][] = [];
const serviceMs: number[] = [];
const manager = new PortfolioManager({
  config: loaded.data,
  logger: createLogger({ level: 'warn' }),
  ...(input.trace
    ? {
        onCommitted: (entries, atMs, readAtMs) => {
          for (const entry of entries) committed.push([entry.id, atMs]);
          serviceMs.push(atMs - readAtMs);
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
port.postMessage({ kind: 'done', outcome, committed, serviceMs, counters: manager.counters });
