// The BullMQ processor (sandboxed on a worker thread): runs a job and stores its result under
// its hash in Redis before the job completes, so a completed job always has its result.
import type { SandboxedJob } from 'bullmq';
import { Redis } from 'ioredis';
import { runSweepJob, type SweepJob } from './job.js';
import { createRedisStore, dataKey } from './store.js';
import { engineVersion, packageVersions } from './versions.js';

const ENGINE_VERSION = engineVersion(packageVersions());

let redis: Redis | undefined;

function connect(): { redis: Redis; prefix: string } {
  const url = process.env.NJORD_SWEEP_REDIS_URL;
  const prefix = process.env.NJORD_SWEEP_PREFIX;
  if (url === undefined || prefix === undefined) {
    throw new Error(
      'the sweep processor needs NJORD_SWEEP_REDIS_URL and NJORD_SWEEP_PREFIX (set by `njord-backtest worker`)',
    );
  }
  redis ??= new Redis(url, { maxRetriesPerRequest: 3 });
  return { redis, prefix };
}

export default async function processSweepJob(
  job: SandboxedJob<SweepJob>,
): Promise<{ bytes: number; reused: boolean }> {
  if (job.data.engineVersion !== ENGINE_VERSION) {
    // Its result would be stored under a hash that names other versions.
    throw new Error(
      `this worker runs ${ENGINE_VERSION}, the sweep wants ${job.data.engineVersion}`,
    );
  }
  const { redis: connection, prefix } = connect();
  const store = createRedisStore(connection, prefix);
  // A retried job (its first worker killed after storing) has nothing left to do. Only a
  // job started before looks: a first attempt saves the round trip.
  const retried = job.attemptsStarted > 1 || job.attemptsMade > 0;
  if (retried && (await connection.exists(`${prefix}:sweep:result:${job.data.hash}`)) === 1)
    return { bytes: 0, reused: true };
  const bytes = await runSweepJob(job.data, async (sha256) => {
    const stored = await connection.getBuffer(dataKey(prefix, sha256));
    return stored === null ? null : new Uint8Array(stored);
  });
  await store.put(job.data.hash, bytes);
  return { bytes: bytes.length, reused: false };
}
