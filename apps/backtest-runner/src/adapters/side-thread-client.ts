// Starts the runner's second thread (dist/side-thread.js) and hands it one backtest's side runs.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BacktestError, type SideRunsOutput, type SideRunsTask } from '@njord/portfolio-backtest';
import { untilOrAfter } from '../until-or-after.js';

type Reply =
  | { loaded: true }
  | { ok: true; output: SideRunsOutput }
  | {
      ok: false;
      error: string;
      /** A BacktestError thrown on the thread, remade here with its code. */
      backtest?: { code: BacktestError['code']; message: string };
    };

export interface SideThread {
  /** The side runs of `task` on the thread; rejects when they throw or the thread dies. */
  run(task: SideRunsTask): Promise<SideRunsOutput>;
  /** Ends the thread (again: nothing). */
  close(): Promise<void>;
}

/**
 * The side thread's young generation, in MB. Its runs keep little past a bar, so the room V8
 * grows it to by default (once enough has survived) only adds resident memory: capped, W's
 * peak RSS with two threads is about 15 MB lower (233-245 against 250-258 MB here, three
 * runs each) in the same time.
 */
const SIDE_THREAD_YOUNG_MB = 8;

/** The thread starts loading its modules at once (they load while this thread works). */
export function startSideThread(): SideThread {
  const worker = new Worker(fileURLToPath(new URL('./side-thread.js', import.meta.url)), {
    resourceLimits: { maxYoungGenerationSizeMb: SIDE_THREAD_YOUNG_MB },
  });
  // Node may abort the whole process when a thread is terminated while it still loads its
  // modules: `close` waits for the thread's word that it loaded (or its exit, or 30 s).
  const loaded = new Promise<void>((resolve) => {
    const done = () => {
      worker.off('message', onMessage);
      resolve();
    };
    const onMessage = (message: Reply) => {
      if ('loaded' in message) done();
    };
    worker.on('message', onMessage);
    worker.once('exit', done);
    worker.once('error', done);
  });
  let closed: Promise<void> | null = null;
  return {
    run(task) {
      return new Promise<SideRunsOutput>((resolve, reject) => {
        const fail = (error: Error) => {
          worker.off('message', reply);
          reject(error);
        };
        const exit = (code: number) =>
          fail(new Error(`the side-run thread exited (code ${code}) before it answered`));
        const reply = (message: Reply) => {
          if ('loaded' in message) return;
          worker.off('message', reply);
          worker.off('error', fail);
          worker.off('exit', exit);
          if (message.ok) resolve(message.output);
          else if (message.backtest !== undefined)
            reject(new BacktestError(message.backtest.code, message.backtest.message));
          else reject(new Error(`the side-run thread failed: ${message.error}`));
        };
        worker.on('message', reply);
        worker.once('error', fail);
        worker.once('exit', exit);
        worker.postMessage(task);
      });
    },
    close() {
      closed ??= untilOrAfter(loaded, 30_000)
        .then(() => worker.terminate())
        .then(() => undefined);
      return closed;
    },
  };
}
