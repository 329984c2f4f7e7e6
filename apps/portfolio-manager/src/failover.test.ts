// One active manager per portfolio (child processes, real Redis): the second waits and takes
// over when the first dies; a manager whose lock is taken exits 1.
import { parsePortfolioConfig } from '@njord/portfolio-contracts/yaml';
import { appliedFillCount } from '@njord/portfolio-tracker';
import { describe, expect, it } from 'vitest';
import { redisKeys } from './adapters/streams.js';
import {
  addEntries,
  lastCheckpoint,
  recoveredTracker,
  numberedFills,
  portfolioYaml,
  readJournalLines,
  replayFillStream,
  type TestPortfolio,
  waitFor,
  waitForDrained,
  writeConfigs,
} from './test-support.js';
import { useManagerProcesses } from './test-support/fixtures.js';

const PORTFOLIO: TestPortfolio = {
  id: 'race',
  totalCapital: 100_000,
  threshold: 1000,
  weights: { a: 0.6, b: 0.4 },
};

function fills(from: number, to: number): string[] {
  return numberedFills(from, to, (i) => ({
    strategy_id: i % 2 === 0 ? 'a' : 'b',
    symbol: 'X',
    side: i % 3 === 0 ? 'sell' : 'buy',
    quantity: 1 + (i % 7),
    price: 100 + (i % 11),
    fee: 0.25,
  }));
}

describe('the portfolio lock (child processes, real Redis)', () => {
  const env = useManagerProcesses('race');
  const drained = (keys: ReturnType<typeof redisKeys>) =>
    waitForDrained(env.redis, keys, 20_000, { everyMs: 50 });

  it('two managers race: one runs, the other waits and takes over when the first is killed', async () => {
    const { redis } = env;
    const files = writeConfigs(env.dir, { prefix: env.prefix, portfolio: PORTFOLIO });
    const keys = redisKeys(env.prefix, PORTFOLIO.id);
    const first = env.spawn(['--config', files.basePath]);
    const second = env.spawn(['--config', files.basePath]);
    const waitingLine = 'another manager holds this portfolio; waiting for its lock';
    await waitFor(
      () =>
        (first.hasLog('lock acquired') && second.hasLog(waitingLine)) ||
        (second.hasLog('lock acquired') && first.hasLog(waitingLine)),
      20_000,
      'one manager holding the lock and the other waiting',
    );
    const [active, standby] = first.hasLog('lock acquired') ? [first, second] : [second, first];
    await active.waitForLog('portfolio status', 10_000);
    await addEntries(redis, keys.fills, fills(0, 1500));
    await drained(keys);
    // The standby never read the journal nor the streams.
    expect(standby.hasLog('state recovered from the journal')).toBe(false);
    expect(standby.hasLog('lock acquired')).toBe(false);

    active.child.kill('SIGKILL');
    await active.exited;
    await standby.waitForLog('lock acquired after waiting', 15_000);
    await standby.waitForLog('portfolio status', 10_000);
    await addEntries(redis, keys.fills, fills(1500, 3000));
    // Some of the first batch again: duplicates after the takeover.
    await addEntries(redis, keys.fills, fills(1400, 1500));
    await drained(keys);
    standby.child.kill('SIGTERM');
    expect(await standby.exited).toBe(0);
    // After a clean stop the lock is released at once.
    expect(await redis.exists(keys.lock)).toBe(0);

    const config = parsePortfolioConfig(portfolioYaml(PORTFOLIO));
    const reference = await replayFillStream(redis, keys.fills, config);
    expect(lastCheckpoint(readJournalLines(files.journalPath, PORTFOLIO.id))).toBeDefined();
    const restored = recoveredTracker(files.journalPath, config);
    const state = restored.serialize();
    expect(appliedFillCount(state.applied_fills)).toBe(3000);
    expect(state.applied_fills).toEqual(reference.serialize().applied_fills);
    for (const id of ['a', 'b']) {
      expect(restored.getSleeve(id).cash).toBe(reference.getSleeve(id).cash);
      expect(restored.getSleeve(id).positions.X?.units).toBe(
        reference.getSleeve(id).positions.X?.units,
      );
      expect(restored.getSleeve(id).realizedPnl).toBe(reference.getSleeve(id).realizedPnl);
      expect(restored.getSleeve(id).fees).toBe(reference.getSleeve(id).fees);
    }
  });

  it('a manager whose lock is taken by another stops writing and exits 1', async () => {
    const { redis } = env;
    const files = writeConfigs(env.dir, { prefix: env.prefix, portfolio: PORTFOLIO });
    const keys = redisKeys(env.prefix, PORTFOLIO.id);
    const manager = env.spawn(['--config', files.basePath]);
    await manager.waitForLog('portfolio status', 20_000);
    await redis.set(keys.lock, 'another-host:1:00000000-0000-4000-8000-000000000000', 'PX', 60_000);
    // Renewal runs every 3 s: the loss is seen within one renewal.
    const code = await Promise.race([
      manager.exited,
      new Promise((resolve) => setTimeout(() => resolve('timeout'), 8000)),
    ]);
    expect(code).toBe(1);
    expect(manager.hasLog('lost the portfolio lock; stopping without writing')).toBe(true);
    // It did not release (delete) the other holder's key.
    expect(await redis.get(keys.lock)).toBe('another-host:1:00000000-0000-4000-8000-000000000000');
  });
});
