// The second thread of bench/w-threads.ts: the engine's side runs (the baseline, each strategy
// alone, the benchmark) from the task `runColumnarWith` hands over. Plain JavaScript on the
// built package, as a worker loads it.
import { parentPort } from 'node:worker_threads';
import { runSideRunsTask } from '@njord/portfolio-backtest';

parentPort.on('message', (task) => {
  const started = performance.now();
  const output = runSideRunsTask(task);
  parentPort.postMessage({ output, ms: performance.now() - started });
});
