// The runner's second thread: the runs of a backtest that do not depend on the portfolio's
// (the baseline, each strategy alone, the benchmark), from the task the engine hands over.
// Loaded by path, next to main.js (dist/side-thread.js).
import { parentPort } from 'node:worker_threads';
import { isBacktestError, runSideRunsTask, type SideRunsTask } from '@njord/portfolio-backtest';

const port = parentPort;
if (port === null) throw new Error('side-thread.js runs as a worker thread');
// Loaded: the runner may end this thread from now on (ending it while it still loads its
// modules can abort the whole process).
port.postMessage({ loaded: true });

port.on('message', (task: SideRunsTask) => {
  try {
    const output = runSideRunsTask(task);
    const curves = [
      output.baseline.equity,
      ...output.standalone.map((run) => run.equity),
      output.benchmark,
    ];
    // The curves move back without a copy.
    port.postMessage(
      { ok: true, output },
      curves.map((curve) => curve.buffer as ArrayBuffer),
    );
  } catch (error) {
    port.postMessage({
      ok: false,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      // A run that cannot be done (an overflow) is the user's input: it crosses as itself.
      ...(isBacktestError(error) ? { backtest: { code: error.code, message: error.message } } : {}),
    });
  }
});
