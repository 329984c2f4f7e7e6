// A local sweep thread (piscina loads it through thread-entry.cjs): records a strategy's tape
// for the whole sweep, or runs one job and hands back its stored form. Price data parsed by the
// coordinator comes with each task (columns on shared memory: nothing is copied); the thread
// keeps it by sha256.
import type { PriceDataColumns, RecordedTape } from '@njord/portfolio-backtest';
import {
  providePriceData,
  recordSweepTape,
  runSweepJob,
  type SweepJob,
  type TapeTask,
} from './job.js';

/** The price data the coordinator parsed, by sha256. */
export interface ThreadData {
  readonly sha256: string;
  readonly columns: PriceDataColumns;
}

/** A task: record one tape (`tape`) or run one job reading the tapes recorded so far. */
export type ThreadTask =
  | { readonly kind: 'tape'; readonly tape: TapeTask; readonly data?: ThreadData }
  | {
      readonly kind: 'job';
      readonly job: SweepJob;
      readonly tapes: readonly RecordedTape[];
      readonly data?: ThreadData;
    };

export default async function runOnThread(
  task: ThreadTask,
): Promise<Uint8Array | RecordedTape | undefined> {
  if (task.data !== undefined) providePriceData(task.data.sha256, task.data.columns);
  return task.kind === 'tape'
    ? recordSweepTape(task.tape, null)
    : runSweepJob(task.job, null, task.tapes);
}
