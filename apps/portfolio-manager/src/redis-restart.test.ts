// Redis going away (child processes): down at start, restarted mid-stream (AOF on), and a
// consumer group lost; on a redis-server this test starts itself on a free port.
import { mkdirSync } from 'node:fs';
import { appliedFillCount } from '@njord/portfolio-tracker';
import { join } from 'node:path';
import { parsePortfolioConfig } from '@njord/portfolio-contracts/yaml';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisKeys } from './adapters/streams.js';
import {
  addEntries,
  freePort,
  isDrained,
  lastCheckpoint,
  recoveredTracker,
  numberedFills,
  portfolioYaml,
  readJournalLines,
  replayFillStream,
  sleep,
  type TestPortfolio,
  waitFor,
  waitForDrained,
  writeConfigs,
} from './test-support.js';
import { useManagerProcesses } from './test-support/fixtures.js';
import { type RedisServerProcess, startRedisServer } from './test-support/redis-server.js';

const PORTFOLIO: TestPortfolio = {
  id: 'restart',
  totalCapital: 100_000,
  threshold: 1000,
  weights: { a: 0.5, b: 0.5 },
};

function fills(from: number, to: number): string[] {
  return numberedFills(from, to, (i) => ({
    strategy_id: i % 2 === 0 ? 'a' : 'b',
    symbol: i % 5 === 0 ? 'Y' : 'X',
    side: i % 4 === 0 ? 'sell' : 'buy',
    quantity: 1 + (i % 3),
    price: 50 + (i % 13),
    fee: 0.1,
  }));
}

describe('Redis restarts (child processes, own redis-server)', () => {
  let port: number;
  let server: RedisServerProcess | undefined;
  let client: Redis | undefined;
  const env = useManagerProcesses('restart', {
    sharedRedis: false,
    setup: async () => {
      port = await freePort();
    },
    cleanup: async () => {
      client?.disconnect();
      client = undefined;
      await stopServer();
    },
  });

  /** redis-server on `port` with its AOF in the test's dir: a restart keeps the streams. */
  const startServer = async () => {
    const dataDir = join(env.dir, 'redis');
    mkdirSync(dataDir, { recursive: true });
    server = await startRedisServer(
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--appendonly',
        'yes',
        '--dir',
        dataDir,
        '--save',
        '',
      ],
      { port, host: '127.0.0.1' },
      'redis-server to answer',
    );
  };

  const stopServer = async () => {
    const stopping = server;
    server = undefined;
    await stopping?.stop();
  };

  /** A client of the private server that rides out its restarts. */
  const connectClient = () => {
    client = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: null, retryStrategy: () => 100 });
    client.on('error', () => undefined);
    return client;
  };

  /** Config files pointing at the private server; `extra` as in writeConfigs. */
  const writeRestartConfigs = (extra?: readonly string[]) =>
    writeConfigs(env.dir, {
      prefix: env.prefix,
      redisUrl: `redis://127.0.0.1:${port}`,
      portfolio: PORTFOLIO,
      ...(extra === undefined ? {} : { extra }),
    });

  it('waits for Redis at start, rides out a restart and a lost consumer group, losing nothing', async () => {
    const files = writeRestartConfigs([
      'check_interval_seconds: 1',
      'snapshot_interval_seconds: 1',
    ]);
    const keys = redisKeys(env.prefix, PORTFOLIO.id);
    const manager = env.spawn(['--config', files.basePath]);

    // Redis is not there yet: the manager retries with backoff and says so.
    await manager.waitForLog('redis unavailable, retrying', 10_000);
    await sleep(300);
    await startServer();
    await manager.waitForLog('portfolio status', 15_000);
    const redis = connectClient();
    const drained = () => waitForDrained(redis, keys, 20_000, { everyMs: 50 });

    await addEntries(redis, keys.fills, fills(0, 2000));
    // Restart Redis while the manager is busy with the first fills.
    await sleep(20);
    await stopServer();
    await sleep(500);
    await startServer();
    await addEntries(redis, keys.fills, fills(2000, 4000));
    await drained();
    expect(manager.child.exitCode).toBeNull();
    // Both of its connections came back after the restart (2 connections x 2 server starts).
    expect(
      manager.logs.filter((line) => line.msg === 'redis connected').length,
    ).toBeGreaterThanOrEqual(4);

    // A Redis that lost the group (as after a restart without persistence): recreated at 0.
    await redis.xgroup('DESTROY', keys.fills, keys.group);
    await redis.xgroup('DESTROY', keys.prices, keys.group);
    await addEntries(redis, keys.fills, fills(4000, 5000));
    await manager.waitForLog('consumer group missing (Redis lost it); recreating at 0', 10_000);
    await drained();

    manager.child.kill('SIGTERM');
    expect(await manager.exited).toBe(0);
    const config = parsePortfolioConfig(portfolioYaml(PORTFOLIO));
    const reference = await replayFillStream(redis, keys.fills, config);
    expect(lastCheckpoint(readJournalLines(files.journalPath, PORTFOLIO.id))).toBeDefined();
    const restored = recoveredTracker(files.journalPath, config);
    const state = restored.serialize();
    // Every fill once, in stream order; the re-read after the group was recreated found only duplicates.
    expect(appliedFillCount(state.applied_fills)).toBe(5000);
    expect(state.applied_fills).toEqual(reference.serialize().applied_fills);
    for (const id of ['a', 'b']) {
      expect(restored.getSleeve(id).cash).toBe(reference.getSleeve(id).cash);
      expect(restored.getSleeve(id).realizedPnl).toBe(reference.getSleeve(id).realizedPnl);
      expect(restored.getSleeve(id).fees).toBe(reference.getSleeve(id).fees);
    }
    const stopped = manager.logs.find((line) => line.msg === 'stopped');
    const counters = stopped?.counters as Record<string, number>;
    expect(counters.fills_applied).toBe(5000);
    // The re-read after the group was recreated delivered the 4000 earlier fills again.
    expect(counters.fills_duplicate).toBeGreaterThanOrEqual(4000);
    expect(counters.groups_recreated).toBeGreaterThanOrEqual(1);
  });

  it('stops cleanly on SIGTERM while Redis is down: journal flushed, exit 0', async () => {
    const files = writeRestartConfigs();
    const keys = redisKeys(env.prefix, PORTFOLIO.id);
    await startServer();
    const manager = env.spawn(['--config', files.basePath]);
    await manager.waitForLog('portfolio status', 15_000);
    const redis = connectClient();
    await addEntries(redis, keys.fills, fills(0, 100));
    await waitFor(
      async () => client !== undefined && (await isDrained(client, keys.fills, keys.group)),
      10_000,
      'drained',
    );
    await stopServer();
    await manager.waitForLog('redis unavailable, retrying', 10_000);
    const stoppedAt = Date.now();
    manager.child.kill('SIGTERM');
    expect(await manager.exited).toBe(0);
    // Within the 5 s grace period plus the 3 s limits on the final Redis writes.
    expect(Date.now() - stoppedAt).toBeLessThan(12_000);
    const journal = readJournalLines(files.journalPath, PORTFOLIO.id);
    expect(journal.at(-1)?.type).toBe('checkpoint');
    expect(
      recoveredTracker(files.journalPath, parsePortfolioConfig(portfolioYaml(PORTFOLIO)))
        .appliedFillCount,
    ).toBe(100);
  }, 30_000);

  it('exits 1 when Redis stays away longer than the lock lease (it may no longer hold the lock)', async () => {
    const files = writeRestartConfigs();
    await startServer();
    const manager = env.spawn(['--config', files.basePath]);
    await manager.waitForLog('portfolio status', 15_000);
    const downAt = Date.now();
    await stopServer();
    // TTL 10 s, renewed every 3 s, writes stop 2 s before the lease could end: within 8 s.
    expect(await manager.exited).toBe(1);
    expect(Date.now() - downAt).toBeLessThan(10_000);
    expect(manager.hasLog('lost the portfolio lock; stopping without writing')).toBe(true);
  }, 30_000);
});
