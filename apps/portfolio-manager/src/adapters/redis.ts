// ioredis clients: reconnect with backoff, say so in the log, never log the password.
import { Redis } from 'ioredis';
import { redactRedisUrl } from '../config.js';
import type { Logger } from '../logger.js';

export type { Redis };

export interface RedisClientOptions {
  readonly url: string;
  readonly logger: Logger;
  /** Shown in logs and as the connection name (CLIENT LIST). */
  readonly name: string;
  /** Longest wait between reconnection attempts. */
  readonly maxBackoffMs?: number;
}

/** Backoff of attempt n (1-based): 100 ms doubling, capped. */
export function backoffMs(attempt: number, maxMs: number): number {
  return Math.min(100 * 2 ** Math.min(Math.max(attempt - 1, 0), 10), maxMs);
}

/**
 * A client that waits for Redis instead of failing: commands queue while it is away
 * (`maxRetriesPerRequest: null`) and each reconnection attempt is logged.
 */
export function createRedisClient(options: RedisClientOptions): Redis {
  const { logger, name } = options;
  const url = redactRedisUrl(options.url);
  const maxBackoff = options.maxBackoffMs ?? 3000;
  let lastError = '';
  const client = new Redis(options.url, {
    connectionName: name,
    maxRetriesPerRequest: null,
    enableAutoPipelining: false,
    retryStrategy(times) {
      const delay = backoffMs(times, maxBackoff);
      logger.warn(
        { connection: name, redis: url, attempt: times, retry_in_ms: delay, error: lastError },
        'redis unavailable, retrying',
      );
      return delay;
    },
  });
  client.on('error', (error: Error) => {
    lastError = error.message;
  });
  client.on('ready', () => {
    logger.info({ connection: name, redis: url }, 'redis connected');
  });
  return client;
}

/** PING with a deadline, for `--check`: resolves to an error message or null. */
export async function pingRedis(url: string, timeoutMs: number): Promise<string | null> {
  let lastError = 'no answer';
  const client = new Redis(url, {
    maxRetriesPerRequest: null,
    connectTimeout: timeoutMs,
    retryStrategy: (times) => backoffMs(times, 500),
  });
  client.on('error', (error: Error) => {
    lastError = error.message;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise<string>((resolve) => {
      timer = setTimeout(
        () => resolve(`no answer within ${timeoutMs} ms (last error: ${lastError})`),
        timeoutMs,
      );
    });
    const ping = client
      .ping()
      .then(() => null)
      .catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
    return await Promise.race([ping, deadline]);
  } finally {
    if (timer) clearTimeout(timer);
    client.disconnect();
  }
}
