// Redis going away (child processes): down at start, restarted mid-stream (AOF on), and a
// consumer group lost; on a redis-server this test starts itself on a free port.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { decodeFillEvent, parsePortfolioConfig } from '@njord/portfolio-contracts';
import { PortfolioTracker, type TrackerStateJson } from '@njord/portfolio-tracker';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redisKeys } from './adapters/streams.js';
import {
  addEntries,
  freePort,
  isDrained,
  killAndWait,
  type ManagerProcess,
  MAIN_JS,
  portfolioYaml,
  readJournalLines,
  sleep,
  spawnManager,
  tempDir,
  type TestPortfolio,
  uniquePrefix,
  waitFor,
  writeConfigs,
} from './test-support.js';

const PORTFOLIO: TestPortfolio = {
  id: 'restart',
  totalCapital: 100_000,
  threshold: 1000,
  weights: { a: 0.5, b: 0.5 },
};

function fills(from: number, to: number): string[] {
  const out: string[] = [];
  for (let i = from; i < to; i++) {
    out.push(
      JSON.stringify({
        fill_id: `f-${i}`,
        strategy_id: i % 2 === 0 ? 'a' : 'b',
        symbol: i % 5 === 0 ? 'Y' : 'X',
        side: i % 4 === 0 ? 'sell' : 'buy',
        quantity: 1 + (i % 3),
        price: 50 + (i % 13),
        fee: 0.1,
        timestamp_ns: String(1_700_000_000_000_000_000n + BigInt(i)),
      }),
    );
  }
  return out;
}

describe('Redis restarts (child processes, own redis-server)', () => {
  let dir: string;
  let port: number;
  let server: ChildProcess | undefined;
  let client: Redis | undefined;
  const children: ManagerProcess[] = [];

  const startServer = async () => {
    const dataDir = join(dir, 'redis');
    mkdirSync(dataDir, { recursive: true });
    const child = spawn(
      'redis-server',
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
      { stdio: 'ignore' },
    );
    server = child;
    const probe = new Redis(port, '127.0.0.1', {
      maxRetriesPerRequest: null,
      retryStrategy: () => 50,
    });
    probe.on('error', () => undefined);
    try {
      await waitFor(async () => (await probe.ping()) === 'PONG', 10_000, 'redis-server to answer');
    } finally {
      probe.disconnect();
    }
  };

  const stopServer = async () => {
    const child = server;
    server = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // SIGTERM: Redis flushes its AOF and exits.
    child.kill('SIGTERM');
    await exited;
  };

  beforeEach(async () => {
    if (!existsSync(MAIN_JS)) throw new Error(`build the app first: ${MAIN_JS} is missing`);
    dir = tempDir('restart');
    port = await freePort();
  });

  afterEach(async () => {
    await killAndWait(children.splice(0));
    client?.disconnect();
    client = undefined;
    await stopServer();
    rmSync(dir, { recursive: true, force: true });
  });

  it('waits for Redis at start, rides out a restart and a lost consumer group, losing nothing', async () => {
    const prefix = uniquePrefix('restart');
    const files = writeConfigs(dir, {
      prefix,
      redisUrl: `redis://127.0.0.1:${port}`,
      portfolio: PORTFOLIO,
      extra: ['check_interval_seconds: 1', 'snapshot_interval_seconds: 1'],
    });
    const keys = redisKeys(prefix, PORTFOLIO.id);
    const manager = spawnManager(['--config', files.basePath]);
    children.push(manager);

    // Redis is not there yet: the manager retries with backoff and says so.
    await manager.waitForLog('redis unavailable, retrying', 10_000);
    await sleep(300);
    await startServer();
    await manager.waitForLog('portfolio status', 15_000);
    client = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: null, retryStrategy: () => 100 });
    client.on('error', () => undefined);
    const redis = client;
    const drained = () =>
      waitFor(
        async () =>
          (await isDrained(redis, keys.fills, keys.group)) &&
          (await isDrained(redis, keys.prices, keys.group)),
        20_000,
        'streams drained',
        50,
      );

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
    const reference = new PortfolioTracker(config);
    for (const [, fields] of await redis.xrange(keys.fills, '-', '+')) {
      reference.onFill(decodeFillEvent(JSON.parse(fields[1] ?? '')));
    }
    const checkpoint = readJournalLines(files.journalPath, PORTFOLIO.id)
      .filter((line) => line.type === 'checkpoint')
      .at(-1);
    const state = checkpoint?.tracker as TrackerStateJson;
    // Every fill once, in stream order; the re-read after the group was recreated found only duplicates.
    expect(state.applied_fills).toHaveLength(5000);
    expect(state.applied_fills).toEqual(reference.serialize().applied_fills);
    const restored = PortfolioTracker.restore(config, state);
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
    const prefix = uniquePrefix('restart');
    const files = writeConfigs(dir, {
      prefix,
      redisUrl: `redis://127.0.0.1:${port}`,
      portfolio: PORTFOLIO,
    });
    const keys = redisKeys(prefix, PORTFOLIO.id);
    await startServer();
    const manager = spawnManager(['--config', files.basePath]);
    children.push(manager);
    await manager.waitForLog('portfolio status', 15_000);
    client = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: null, retryStrategy: () => 100 });
    client.on('error', () => undefined);
    await addEntries(client, keys.fills, fills(0, 100));
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
    expect((journal.at(-1)?.tracker as TrackerStateJson).applied_fills).toHaveLength(100);
  }, 30_000);

  it('exits 1 when Redis stays away longer than the lock lease (it may no longer hold the lock)', async () => {
    const prefix = uniquePrefix('restart');
    const files = writeConfigs(dir, {
      prefix,
      redisUrl: `redis://127.0.0.1:${port}`,
      portfolio: PORTFOLIO,
    });
    await startServer();
    const manager = spawnManager(['--config', files.basePath]);
    children.push(manager);
    await manager.waitForLog('portfolio status', 15_000);
    const downAt = Date.now();
    await stopServer();
    // TTL 10 s, renewed every 3 s, writes stop 2 s before the lease could end: within 8 s.
    expect(await manager.exited).toBe(1);
    expect(Date.now() - downAt).toBeLessThan(10_000);
    expect(manager.hasLog('lost the portfolio lock; stopping without writing')).toBe(true);
  }, 30_000);
});
