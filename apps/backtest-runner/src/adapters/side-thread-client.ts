// Starts the runner's second thread (dist/side-thread.js) and hands it one backtest's side runs.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SideRunsOutput, SideRunsTask } from '@njord/portfolio-backtest';

type Reply = { ok: true; output: SideRunsOutput } | { ok: false; error: string };

export interface SideThread {
  /** The side runs of `task` on the thread; rejects when they throw or the thread dies. */
  run(task: SideRunsTask): Promise<SideRunsOutput>;
  /** Ends the thread (again: nothing). */
  close(): Promise<void>;
}

/** The thread starts loading its modules at once (they load while this thread works). */
export function startSideThread(): SideThread {
  const worker = new Worker(fileURLToPath(new URL('./side-thread.js', import.meta.url)));
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
          worker.off('error', fail);
          worker.off('exit', exit);
          if (message.ok) resolve(message.output);
          else reject(new Error(`the side-run thread failed: ${message.error}`));
        };
        worker.once('message', reply);
        worker.once('error', fail);
        worker.once('exit', exit);
        worker.postMessage(task);
      });
    },
    close() {
      closed ??= worker.terminate().then(() => undefined);
      return closed;
    },
  };
}
