// Test helper (not shipped): a private redis-server child process, started and stopped by a test.
import { type ChildProcess, spawn } from 'node:child_process';
import { Redis, type RedisOptions } from 'ioredis';
import { waitFor } from '../test-support.js';

export interface RedisServerProcess {
  readonly child: ChildProcess;
  /** SIGTERM (Redis flushes its AOF and exits), then waits for the exit; a no-op once it exited. */
  stop(): Promise<void>;
}

/**
 * Spawns `redis-server args` and waits (10 s) until a probe built from `probe` gets PONG;
 * `what` names the wait in the timeout error. A server that never answers is stopped.
 */
export async function startRedisServer(
  args: readonly string[],
  probe: RedisOptions,
  what: string,
): Promise<RedisServerProcess> {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const server: RedisServerProcess = {
    child,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
  const client = new Redis({ ...probe, maxRetriesPerRequest: null, retryStrategy: () => 50 });
  client.on('error', () => undefined);
  try {
    await waitFor(async () => (await client.ping()) === 'PONG', 10_000, what);
  } catch (error) {
    await server.stop();
    throw error;
  } finally {
    client.disconnect();
  }
  return server;
}
