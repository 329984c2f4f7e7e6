// Lines lost from the journal's end (child processes, real Redis): a cut tail, a file cut to
// half, a deleted journal. Each start ends with the sleeves of an uninterrupted run (the lost
// entries read again from the streams and applied) or refuses (exit 2, naming file, line and
// fault); never a state that silently differs.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { appliedFillCount } from '@njord/portfolio-tracker';
import type { PortfolioConfig } from '@njord/portfolio-contracts';
import { parsePortfolioConfig } from '@njord/portfolio-contracts/yaml';
import type { PortfolioTracker } from '@njord/portfolio-tracker';
import { createRandom } from '@njord/test-kit';
import { describe, expect, it } from 'vitest';
import { redisKeys } from './adapters/streams.js';
import {
  addEntries,
  lastCheckpoint,
  recoveredTracker,
  portfolioYaml,
  readJournalLines,
  replayFillStream,
  type TestPortfolio,
  waitForDrained,
  type WireFill,
  writeConfigs,
  RECENT_NS,
  sleeveFacts,
} from './test-support.js';
import { useManagerProcesses } from './test-support/fixtures.js';

const PORTFOLIO: TestPortfolio = {
  id: 'loss',
  totalCapital: 1_000_000,
  // No rebalance may fire: the reference run feeds fills only.
  threshold: 1000,
  weights: { a: 0.5, b: 0.3, c: 0.2 },
};
const STRATEGIES = Object.keys(PORTFOLIO.weights);

function portfolioConfig(): PortfolioConfig {
  return parsePortfolioConfig(portfolioYaml(PORTFOLIO));
}

/** `count` seeded fills from `from` on, with a few exact re-sends (duplicates) mixed in. */
function fills(seed: number, from: number, count: number): string[] {
  const random = createRandom(seed);
  const out: string[] = [];
  for (let i = from; i < from + count; i++) {
    const fill: WireFill = {
      fill_id: `loss-${i}`,
      strategy_id: STRATEGIES[i % STRATEGIES.length] as string,
      symbol: random() < 0.5 ? 'AAA' : 'BBB',
      side: random() < 0.6 ? 'buy' : 'sell',
      quantity: 1 + Math.floor(random() * 9),
      price: Math.round((90 + random() * 20) * 100) / 100,
      fee: Math.round(random() * 100) / 100,
      timestamp_ns: String(RECENT_NS + BigInt(i) * 1_000_000n),
    };
    out.push(JSON.stringify(fill));
    if (random() < 0.05) out.push(out[Math.floor(random() * out.length)] as string);
  }
  return out;
}

const LOCK_ENV = { NJORD_LOCK_TTL_MS: '1000' };

describe('journal lines lost at its end (child processes, real Redis)', () => {
  const env = useManagerProcesses('journal-loss');

  it('restores a cut tail and a file cut to half from the streams; refuses a deleted journal and lost entries the streams no longer hold', async () => {
    const { redis } = env;
    const files = writeConfigs(env.dir, {
      prefix: env.prefix,
      portfolio: PORTFOLIO,
      extra: [
        'check_interval_seconds: 60',
        'snapshot_interval_seconds: 60',
        'checkpoint_every: 100000',
      ],
    });
    const keys = redisKeys(env.prefix, PORTFOLIO.id);
    const args = ['--config', files.basePath];

    // The run every case starts from: 2 x 150 fills, a clean stop (its last lines: the stop
    // snapshot and checkpoint). Every entry was acknowledged after its line was written.
    const first = env.spawn(args, LOCK_ENV);
    await first.waitForLog('portfolio status', 30_000);
    await addEntries(redis, keys.fills, fills(11, 0, 150));
    await waitForDrained(redis, keys, 30_000, { everyMs: 50 });
    await addEntries(redis, keys.fills, fills(12, 150, 150));
    await waitForDrained(redis, keys, 30_000, { everyMs: 50 });
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const intact = readFileSync(files.journalPath, 'utf8');

    // The uninterrupted run: one tracker fed each stream entry once, in stream order.
    const config = portfolioConfig();
    const reference = await replayFillStream(redis, keys.fills, config);
    const referenceState = reference.serialize();
    expect(appliedFillCount(referenceState.applied_fills)).toBe(300);

    /** Starts on the journal as it is, waits until it recovered, stops it; its final state. */
    const restart = async (what: string) => {
      const manager = env.spawn(args, LOCK_ENV);
      const recovered = await manager.waitForLog('state recovered from the journal', 30_000);
      await manager.waitForLog('portfolio status', 30_000);
      manager.child.kill('SIGTERM');
      expect(await manager.exited, what).toBe(0);
      expect(lastCheckpoint(readJournalLines(files.journalPath, PORTFOLIO.id))).toBeDefined();
      const tracker = recoveredTracker(files.journalPath, config);
      return { recovered, manager, tracker };
    };
    const expectExact = (tracker: PortfolioTracker, what: string) => {
      expect(sleeveFacts(tracker), what).toEqual(sleeveFacts(reference));
      expect(tracker.serialize().applied_fills, what).toEqual(referenceState.applied_fills);
    };

    const lines = intact.split('\n');
    const fillLines = lines.flatMap((line, i) => (line.includes('"type":"fill"') ? [i] : []));
    expect(fillLines.length).toBe(300);

    // A cut tail: the file ends inside the 6th-last fill line (a torn end): 6 acknowledged
    // fills and the stop lines are gone.
    const tornAt = fillLines.at(-6) as number;
    const cutTail =
      lines.slice(0, tornAt).join('\n') + '\n' + (lines[tornAt] as string).slice(0, 40);
    // Half the file: acknowledged fills lost by the hundred, the last checkpoint with them.
    const cutHalf = intact.slice(0, Math.floor(intact.length / 2));
    /** Fill lines the cut text lost: all but the whole ones it still holds. */
    const lostFills = (text: string) =>
      300 -
      text
        .split('\n')
        .slice(0, -1)
        .filter((line) => line.includes('"type":"fill"')).length;
    expect(lostFills(cutTail)).toBe(6);
    expect(lostFills(cutHalf)).toBeGreaterThan(100);
    for (const [what, text] of [
      ['cut tail', cutTail],
      ['cut half', cutHalf],
    ] as const) {
      writeFileSync(files.journalPath, text);
      const { recovered, manager, tracker } = await restart(what);
      // Every entry after the journal's last position was read again, the lost fills among them.
      expect(recovered.restored_entries as number, what).toBeGreaterThanOrEqual(lostFills(text));
      expect(
        manager.hasLog('journal: lines it lost restored from the entries the streams still hold'),
        what,
      ).toBe(true);
      expectExact(tracker, what);
      // A second start finds the journal whole: nothing to restore, the same state.
      const again = await restart(`${what}, again`);
      expect(again.recovered.restored_entries, what).toBe(0);
      expectExact(again.tracker, `${what}, again`);
    }

    // Deleted: the group delivered 300+ entries, the journal is gone: refused, nothing written.
    rmSync(files.journalPath);
    const deleted = env.spawn(args, LOCK_ENV);
    expect(await deleted.exited).toBe(2);
    const deletedErr = deleted.stderr.join('');
    expect(deletedErr).toContain(`journal ${files.journalPath} line 1 (byte 0): missing_journal`);
    expect(deletedErr).toContain('--fresh');
    expect(() => readFileSync(files.journalPath)).toThrow();

    // Half the file while the stream was trimmed: the lost fills cannot be read again.
    writeFileSync(files.journalPath, cutHalf);
    await redis.xtrim(keys.fills, 'MAXLEN', 0);
    const trimmed = env.spawn(args, LOCK_ENV);
    expect(await trimmed.exited).toBe(2);
    const trimmedErr = trimmed.stderr.join('');
    const lastLine = cutHalf.split('\n').length;
    expect(trimmedErr).toContain(
      `journal ${files.journalPath} line ${lastLine} (byte ${Buffer.byteLength(cutHalf)}): lost_lines`,
    );
    expect(trimmedErr).toContain('--trust-journal');
    expect(readFileSync(files.journalPath, 'utf8')).toBe(cutHalf);

    // The documented ways on: --fresh on the deleted journal starts from the targets.
    rmSync(files.journalPath);
    const fresh = env.spawn([...args, '--fresh'], LOCK_ENV);
    const freshState = await fresh.waitForLog('state recovered from the journal', 30_000);
    expect(freshState.fresh).toBe(true);
    expect(freshState.applied_fills).toBe(0);
    fresh.child.kill('SIGTERM');
    expect(await fresh.exited).toBe(0);
  }, 180_000);
});
