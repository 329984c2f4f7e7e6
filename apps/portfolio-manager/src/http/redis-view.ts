// The HTTP side's own Redis connection: readiness pings, pending entries per input stream and
// the lock's holder. Commands fail fast while Redis is away, so a probe never queues up.
import { Redis } from 'ioredis';
import { parseLockToken } from '../adapters/lock.js';
import { backoffMs } from '../adapters/redis.js';
import type { RedisKeys } from '../adapters/streams.js';
import type { CommandStreamClient } from '../command.js';
import type { PendingEntries, RedisView } from './view.js';

type GroupInfo = (string | number | null)[];

/** Pending + lag of `group` from an XINFO GROUPS reply; null when the group is unknown. */
export function unacknowledged(reply: readonly GroupInfo[], group: string): number | null {
  for (const fields of reply) {
    const info = new Map<string, string | number | null>();
    for (let i = 0; i + 1 < fields.length; i += 2)
      info.set(String(fields[i]), fields[i + 1] ?? null);
    if (info.get('name') !== group) continue;
    const pending = Number(info.get('pending') ?? 0);
    const lag = info.get('lag');
    // Redis cannot always tell the lag (after deletions): count what it knows.
    return pending + (lag === null || lag === undefined ? 0 : Number(lag));
  }
  return null;
}

/** The view, and its connection for the commands the dashboard sends (fails fast while Redis is away). */
export interface RedisViewWithClient extends RedisView {
  readonly client: CommandStreamClient;
}

export function createRedisView(url: string, keys: RedisKeys, name: string): RedisViewWithClient {
  const client = new Redis(url, {
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    lazyConnect: false,
    retryStrategy: (times) => backoffMs(times, 3000),
  });
  // Connection errors surface as failed probes; the manager's own clients log them.
  client.on('error', () => undefined);

  // One shared wait for the next 'ready', however many probes arrive meanwhile.
  let readyWait: Promise<void> | null = null;
  function untilReady(): Promise<void> {
    readyWait ??= new Promise<void>((resolve) =>
      client.once('ready', () => {
        readyWait = null;
        resolve();
      }),
    );
    return readyWait;
  }

  async function groupBacklog(stream: string): Promise<number | null> {
    try {
      const reply = (await client.call('XINFO', 'GROUPS', stream)) as GroupInfo[];
      return unacknowledged(reply, keys.group);
    } catch {
      return null;
    }
  }

  return {
    client,
    async ping(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      // Still connecting (or reconnecting): wait for it within the same deadline.
      const connected = client.status === 'ready' ? Promise.resolve() : untilReady();
      try {
        return await Promise.race([
          connected.then(() =>
            client.ping().then(
              () => true,
              () => false,
            ),
          ),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), timeoutMs);
          }),
        ]);
      } finally {
        if (timer) clearTimeout(timer);
      }
    },
    async pending(): Promise<PendingEntries> {
      const [fills, prices] = await Promise.all([
        groupBacklog(keys.fills),
        groupBacklog(keys.prices),
      ]);
      return { fills, prices };
    },
    async lockHolder() {
      const token = await client.get(keys.lock).catch(() => null);
      if (token === null) return null;
      const holder = parseLockToken(token);
      return holder === null ? 'unknown holder' : `${holder.host}:${holder.pid}`;
    },
    close() {
      client.disconnect();
    },
  };
}
