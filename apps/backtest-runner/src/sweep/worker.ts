// `njord-backtest worker`: a BullMQ worker on the `sweep` queue; jobs run sandboxed on worker
// threads, so a long run never blocks the lock renewal and a killed worker takes its threads along.
import { fileURLToPath } from 'node:url';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { redactRedisUrl } from '@njord/portfolio-contracts/node';
import { SWEEP_QUEUE } from './names.js';

export interface WorkerFlags {
  readonly redis: string;
  readonly concurrency: number;
  readonly prefix: string;
  readonly lockDurationMs: number;
  readonly quiet: boolean;
}

export async function runWorker(flags: WorkerFlags): Promise<void> {
  const say = (line: string) => {
    if (!flags.quiet) console.log(line);
  };
  // The processor threads read these (they open their own connection for results and data).
  process.env.NJORD_SWEEP_REDIS_URL = flags.redis;
  process.env.NJORD_SWEEP_PREFIX = flags.prefix;
  const connection = new Redis(flags.redis, { maxRetriesPerRequest: null });
  const worker = new Worker(
    SWEEP_QUEUE,
    fileURLToPath(new URL('./sweep/processor.js', import.meta.url)),
    {
      connection,
      prefix: flags.prefix,
      concurrency: flags.concurrency,
      useWorkerThreads: true,
      lockDuration: flags.lockDurationMs,
      stalledInterval: flags.lockDurationMs,
      maxStalledCount: 5,
    },
  );
  let done = 0;
  worker.on('completed', () => {
    done++;
  });
  worker.on('failed', (job, error) => {
    console.error(`njord-backtest worker: job ${job?.id ?? '?'} failed: ${error.message}`);
  });
  worker.on('error', (error) => {
    console.error(`njord-backtest worker: ${error.message}`);
  });
  await worker.waitUntilReady();
  say(
    `worker on ${redactRedisUrl(flags.redis)} (queue ${SWEEP_QUEUE}, prefix ${flags.prefix}), ${flags.concurrency} thread(s); Ctrl-C to stop`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  say(`stopping after the running job(s); ${done} job(s) done`);
  await worker.close();
  connection.disconnect();
}
