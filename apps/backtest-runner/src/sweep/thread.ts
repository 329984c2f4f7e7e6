// A local sweep thread (piscina): runs one job and hands back its stored form.
import { runSweepJob, type SweepJob } from './job.js';

export default async function runOnThread(job: SweepJob): Promise<Uint8Array> {
  return runSweepJob(job, null);
}
