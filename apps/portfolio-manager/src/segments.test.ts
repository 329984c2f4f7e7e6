// A segmented journal under the built manager (dist/main.js): segments rotate at checkpoints
// while fills stream in and the manager is killed; every start reads across the segments, and
// the final sleeves equal an uninterrupted run's.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parsePortfolioConfig } from '@njord/portfolio-contracts/yaml';
import { describe, expect, it } from 'vitest';
import { redisKeys } from './adapters/streams.js';
import {
  addEntries,
  portfolioYaml,
  recoveredTracker,
  replayFillStream,
  RECENT_NS,
  sleeveFacts,
  type TestPortfolio,
  waitForDrained,
  type WireFill,
  writeConfigs,
} from './test-support.js';
import { useManagerProcesses } from './test-support/fixtures.js';

const PORTFOLIO: TestPortfolio = {
  id: 'seg',
  totalCapital: 1_000_000,
  // No rebalance may fire: the reference run feeds fills only.
  threshold: 1000,
  weights: { a: 0.6, b: 0.4 },
};

function fills(from: number, count: number): string[] {
  const out: string[] = [];
  for (let i = from; i < from + count; i++) {
    const fill: WireFill = {
      fill_id: `seg-${i}`,
      strategy_id: i % 3 === 0 ? 'b' : 'a',
      symbol: i % 2 === 0 ? 'AAA' : 'BBB',
      side: i % 5 < 3 ? 'buy' : 'sell',
      quantity: 1 + (i % 7),
      price: 100 + (i % 13) * 0.5,
      fee: 0.25,
      timestamp_ns: String(RECENT_NS + BigInt(i) * 1_000_000n),
    };
    out.push(JSON.stringify(fill));
  }
  return out;
}

describe('segmented journal (child processes, real Redis)', () => {
  const env = useManagerProcesses('segments');

  it('rotates at checkpoints, survives SIGKILLs, and restores across segments', async () => {
    const { redis } = env;
    const files = writeConfigs(env.dir, {
      prefix: env.prefix,
      portfolio: PORTFOLIO,
      extra: [
        'check_interval_seconds: 60',
        'snapshot_interval_seconds: 60',
        'checkpoint_every: 40',
        // About 40 fill lines of ~480 bytes: a new segment every checkpoint or two.
        'journal_segment_mb: 0.02',
      ],
    });
    const keys = redisKeys(env.prefix, PORTFOLIO.id);
    const args = ['--config', files.basePath];
    const folder = join(env.dir, 'journal');
    const segments = () =>
      readdirSync(folder).filter((name) => /^portfolio\.seg\.\d{16}\.ndjson$/.test(name));

    let sent = 0;
    for (const round of [0, 1, 2]) {
      const manager = env.spawn(args);
      await manager.waitForLog('portfolio status', 30_000);
      await addEntries(redis, keys.fills, fills(sent, 400));
      sent += 400;
      if (round < 2) {
        // Killed while the batch is being worked through: mid-rotation, maybe.
        await new Promise((resolve) => setTimeout(resolve, 40 * (round + 1)));
        manager.child.kill('SIGKILL');
        await manager.exited;
      } else {
        await waitForDrained(redis, keys, 30_000, { everyMs: 50 });
        manager.child.kill('SIGTERM');
        expect(await manager.exited).toBe(0);
      }
    }
    // The last start applied what the killed ones left; drain once more from a clean start.
    const last = env.spawn(args);
    await last.waitForLog('portfolio status', 30_000);
    await waitForDrained(redis, keys, 30_000, { everyMs: 50 });
    last.child.kill('SIGTERM');
    expect(await last.exited).toBe(0);

    const names = segments();
    expect(names.length).toBeGreaterThan(3);
    // Nothing went to the one shared file; every segment starts with a checkpoint, and a
    // finished one holds its 20 kB plus at most the rest of a batch (here at most 400 fills
    // of about 480 bytes).
    expect(readdirSync(folder)).not.toContain('portfolio.ndjson');
    for (const name of names) {
      const text = readFileSync(join(folder, name), 'utf8');
      expect(text.slice(0, 120), name).toMatch(
        /^\{"v":1,"seq":\d+,"portfolio_id":"seg","type":"checkpoint"/,
      );
    }
    for (const name of names.slice(0, -1))
      expect(statSync(join(folder, name)).size).toBeLessThan(20_000 + 400 * 600);

    const config = parsePortfolioConfig(portfolioYaml(PORTFOLIO));
    const reference = await replayFillStream(redis, keys.fills, config);
    const restored = recoveredTracker(join(folder, 'portfolio.ndjson'), config, {
      segmented: true,
    });
    expect(reference.appliedFillCount).toBe(1200);
    expect(sleeveFacts(restored)).toEqual(sleeveFacts(reference));
    expect(restored.serialize().applied_fills).toEqual(reference.serialize().applied_fills);
  }, 120_000);
});
