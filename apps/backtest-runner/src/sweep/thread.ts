// A local sweep thread (piscina): records a strategy's tape for the whole sweep, or runs one
// job and hands back its stored form. Price data parsed by the coordinator comes in workerData.
import { isMainThread, workerData } from 'node:worker_threads';
import type { PriceDataColumns, RecordedTape } from '@njord/portfolio-backtest';
import {
  providePriceData,
  recordSweepTape,
  runSweepJob,
  type SweepJob,
  type TapeTask,
} from './job.js';

/** What the coordinator gives every thread at start: the parsed data, by sha256. */
export interface ThreadData {
  readonly data?: { readonly sha256: string; readonly columns: PriceDataColumns };
}

/** A task: record one tape (`tape`) or run one job reading the tapes recorded so far. */
export type ThreadTask =
  | { readonly kind: 'tape'; readonly tape: TapeTask }
  | { readonly kind: 'job'; readonly job: SweepJob; readonly tapes: readonly RecordedTape[] };

const given = (isMainThread ? undefined : workerData) as ThreadData | undefined;
if (given?.data !== undefined) providePriceData(given.data.sha256, given.data.columns);

export default async function runOnThread(
  task: ThreadTask,
): Promise<Uint8Array | RecordedTape | undefined> {
  return task.kind === 'tape'
    ? recordSweepTape(task.tape, null)
    : runSweepJob(task.job, null, task.tapes);
}
