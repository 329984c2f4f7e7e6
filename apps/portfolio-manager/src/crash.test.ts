// Crash safety of the built manager (dist/main.js): SIGKILL at seeded random points while
// fills stream in; after every restart the final sleeves equal an uninterrupted run.
import { appendFileSync, existsSync } from 'node:fs';
import { appliedFillCount } from '@njord/portfolio-tracker';
import { type PortfolioConfig } from '@njord/portfolio-contracts';
import { parsePortfolioConfig } from '@njord/portfolio-contracts/yaml';
import { createRandom } from '@njord/test-kit';
import { describe, expect, it } from 'vitest';
import { replayJournalFile } from './replay.js';
import { redisKeys } from './adapters/streams.js';
import {
  addEntries,
  lastCheckpoint,
  recoveredTracker,
  portfolioYaml,
  readJournalLines,
  replayFillStream,
  sleep,
  type TestPortfolio,
  waitForDrained,
  type WireFill,
  writeConfigs,
  RECENT_NS,
  sleeveFacts,
} from './test-support.js';
import { useManagerProcesses } from './test-support/fixtures.js';

const PORTFOLIO: TestPortfolio = {
  id: 'crash',
  totalCapital: 1_000_000,
  // No rebalance may fire: the reference run below feeds fills only.
  threshold: 1000,
  weights: { alpha: 0.4, beta: 0.35, gamma: 0.25 },
};
const STRATEGIES = Object.keys(PORTFOLIO.weights);
const SYMBOLS = ['AAA', 'BBB', 'CCC'];

function portfolioConfig(): PortfolioConfig {
  return parsePortfolioConfig(portfolioYaml(PORTFOLIO));
}

/** 12,000 fills in seeded random order, with ~10% exact re-sends of earlier ones mixed in. */
function generateInputs(seed: number, count: number): { fills: string[]; marks: string[] } {
  const random = createRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const fills: string[] = [];
  for (let i = 0; i < count; i++) {
    const fill: WireFill = {
      fill_id: `fill-${i}`,
      strategy_id: pick(STRATEGIES),
      symbol: pick(SYMBOLS),
      side: random() < 0.55 ? 'buy' : 'sell',
      quantity: 1 + Math.floor(random() * 20),
      price: Math.round((90 + random() * 20) * 100) / 100,
      fee: Math.round(random() * 100) / 100,
      timestamp_ns: String(RECENT_NS + BigInt(i) * 1_000_000n),
    };
    if (random() < 0.2) fill.portfolio_id = PORTFOLIO.id;
    fills.push(JSON.stringify(fill));
    if (i > 0 && random() < 0.1) fills.push(fills[Math.floor(random() * fills.length)] as string);
  }
  const marks: string[] = [];
  for (let i = 0; i < count / 50; i++) {
    marks.push(
      JSON.stringify({
        symbol: pick(SYMBOLS),
        price: Math.round((95 + random() * 10) * 100) / 100,
        timestamp_ns: String(1_700_000_000_000_000_000n + BigInt(i) * 50_000_000n),
      }),
    );
  }
  return { fills, marks };
}

describe('crash safety (child processes, real Redis)', () => {
  const env = useManagerProcesses('crash');

  it('ends with the sleeves of an uninterrupted run after repeated SIGKILLs', async () => {
    const seed = Number(process.env.NJORD_CRASH_SEED ?? Date.now() % 2 ** 31);
    console.log(`crash test seed: ${seed} (rerun with NJORD_CRASH_SEED=${seed})`);
    const random = createRandom(seed ^ 0x5eed);
    const { fills, marks } = generateInputs(seed, 12_000);
    const { redis } = env;
    const files = writeConfigs(env.dir, {
      prefix: env.prefix,
      portfolio: PORTFOLIO,
      extra: ['check_interval_seconds: 1', 'snapshot_interval_seconds: 1', 'checkpoint_every: 500'],
    });
    const keys = redisKeys(env.prefix, PORTFOLIO.id);
    const args = ['--config', files.basePath];
    // No takeover on a guess: a SIGKILLed holder keeps the portfolio until its lease runs
    // out, so the restarts use a 2 s lease to keep the test short.
    const lockEnv = { NJORD_LOCK_TTL_MS: '2000' };
    let current = env.spawn(args, lockEnv);

    // Producer: chunks of 100 fills (and a mark now and then) every ~40 ms.
    let produced = 0;
    const producer = (async () => {
      for (let i = 0; i < fills.length; i += 100) {
        await addEntries(redis, keys.fills, fills.slice(i, i + 100));
        const mark = marks[i / 100];
        if (mark !== undefined) await addEntries(redis, keys.prices, [mark]);
        produced = i + 100;
        await sleep(40);
      }
    })();

    // Killer: SIGKILL at seeded random points while the fills stream in, at least 8 times
    // (the last ones while the restarted manager catches up).
    let kills = 0;
    let killsWhileRunning = 0;
    while (produced < fills.length || kills < 8) {
      // Mostly once the manager runs (mid-batch), sometimes during its start or recovery.
      if (random() < 0.25) await sleep(Math.floor(random() * 800));
      else {
        await current.waitForLog('state recovered from the journal', 30_000);
        await sleep(20 + Math.floor(random() * 400));
      }
      current.child.kill('SIGKILL');
      await current.exited;
      kills++;
      if (current.hasLog('state recovered from the journal')) killsWhileRunning++;
      if (kills % 3 === 0 && existsSync(files.journalPath)) {
        // A torn write: half a line at the end of the journal.
        appendFileSync(
          files.journalPath,
          '{"portfolio_id":"crash","seq":999999,"type":"fill","timest',
        );
      }
      current = env.spawn(args, lockEnv);
    }
    await producer;
    const recoveries = env.children
      .map((child) => child.logs.find((line) => line.msg === 'state recovered from the journal'))
      .filter((line) => line !== undefined);
    const replayed = recoveries.reduce((sum, line) => sum + (line.replayed_lines as number), 0);
    console.log(
      `crash test: ${kills} SIGKILLs (${killsWhileRunning} after recovery), ${fills.length} fill entries, ` +
        `${marks.length} marks, ${replayed} journal lines replayed over ${recoveries.length} starts`,
    );
    expect(killsWhileRunning).toBeGreaterThanOrEqual(3);

    await waitForDrained(redis, keys, 60_000, {
      everyMs: 100,
      what: 'the last manager to drain the streams',
    });
    // SIGTERM once its handlers are installed (it is in its loop): a clean stop, exit 0.
    await current.waitForLog('portfolio status', 30_000);
    current.child.kill('SIGTERM');
    expect(await current.exited).toBe(0);
    expect(current.hasLog('stopped')).toBe(true);

    // The uninterrupted run: one tracker fed each stream entry once, in stream order.
    const config = portfolioConfig();
    const reference = await replayFillStream(redis, keys.fills, config);
    // The state the last manager checkpointed when it stopped (its chain of checkpoints).
    const journal = readJournalLines(files.journalPath, PORTFOLIO.id);
    expect(lastCheckpoint(journal)).toBeDefined();
    const recovered = recoveredTracker(files.journalPath, config);
    const state = recovered.serialize();

    expect(sleeveFacts(recovered)).toEqual(sleeveFacts(reference));
    const referenceState = reference.serialize();
    // The same fills in the same order: ids' and contents' hashes and stamps, packed.
    expect(state.applied_fills).toEqual(referenceState.applied_fills);
    expect(appliedFillCount(state.applied_fills)).toBe(12_000);
    // Nothing was planned (threshold 1000) and nothing was dead-lettered.
    expect(journal.some((line) => line.type === 'plan')).toBe(false);
    expect(await redis.xlen(keys.dead)).toBe(0);
    // The replay command on this live journal (checkpoints, restarts) gives the same sleeves.
    const fromFile = replayJournalFile(files.journalPath, PORTFOLIO.id);
    if (!fromFile.success) throw new Error(fromFile.problems.join('\n'));
    expect(fromFile.report.from_checkpoint_seq).not.toBeNull();
    const fromReplay = Object.fromEntries(
      Object.entries(fromFile.report.sleeves).map(([id, sleeve]) => [
        id,
        {
          cash: sleeve.cash,
          fees: sleeve.fees,
          realizedPnl: sleeve.realized_pnl,
          units: sleeve.units,
        },
      ]),
    );
    expect(fromReplay).toEqual(sleeveFacts(reference));
    // Journal seqs strictly increase across all the restarts.
    const seqs = journal.map((line) => line.seq as number);
    expect(seqs.every((seq, i) => i === 0 || seq > (seqs[i - 1] as number))).toBe(true);
  }, 240_000);
});
