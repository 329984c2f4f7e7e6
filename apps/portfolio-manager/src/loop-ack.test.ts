// The loop sends a batch's acknowledgement and goes on to the next read; the next batch waits
// for it before anything of its own is applied or journaled, so one at most is in flight, and
// a failed one stops the loop before more is journaled. Driven in-process with an output whose
// acknowledgements the test settles by hand.
import { rmSync } from 'node:fs';
import { parsePortfolioConfig } from '@njord/portfolio-contracts';
import { scenarioPortfolioWire } from '@njord/test-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { createManualClock } from './adapters/clock.js';
import { type Outbox, redisKeys, type StreamEntry } from './adapters/streams.js';
import { createCounters, LiveLoop, type LoopOutput } from './loop.js';
import { inProcessLoopConfig, readJournalLines, silentLogger, tempDir } from './test-support.js';

const portfolio = parsePortfolioConfig(scenarioPortfolioWire('acks'));
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** An acknowledgement the test settles. */
interface PendingCommit {
  readonly ids: readonly string[];
  resolve(): void;
  reject(error: Error): void;
}

async function startLoop() {
  const dir = tempDir('loop-ack');
  dirs.push(dir);
  const config = inProcessLoopConfig(dir, portfolio);
  const commits: PendingCommit[] = [];
  const snapshots: string[] = [];
  const committed: string[][] = [];
  const output: LoopOutput = {
    commit: (outbox: Outbox) =>
      new Promise<void>((resolve, reject) =>
        commits.push({ ids: [...outbox.ack.fills, ...outbox.ack.prices], resolve, reject }),
      ),
    publishOrders: () => Promise.resolve(),
    publishSnapshot: (payload) => {
      snapshots.push(payload);
      return Promise.resolve();
    },
  };
  const clock = createManualClock(1_700_000_000_000);
  const loop = LiveLoop.recover(
    {
      config,
      logger: silentLogger(),
      clock,
      dryRun: false,
      keys: redisKeys('acks', portfolio.id),
      output,
      counters: createCounters(),
      observer: undefined,
      onCommitted: (entries) => committed.push(entries.map((entry) => entry.id)),
    },
    { isValid: () => true },
    () => {
      throw new Error('the lease cannot run out here');
    },
  );
  await loop.begin();
  const journaledFills = () =>
    readJournalLines(config.journalPath, portfolio.id)
      .filter((line) => line.type === 'fill')
      .map((line) => (line.fill as { fill_id: string }).fill_id);
  return { loop, clock, commits, snapshots, committed, journaledFills };
}

let nextId = 1;
/** A fill entry of sleeve A, buying 1 X at 100. */
function fillEntry(fillId: string): StreamEntry {
  return {
    source: 'fills',
    id: `${nextId++}-0`,
    data: JSON.stringify({
      fill_id: fillId,
      strategy_id: 'A',
      symbol: 'X',
      side: 'buy',
      quantity: 1,
      price: 100,
      fee: 0,
      timestamp_ns: '1700000000000000000',
    }),
  };
}

/** Lets every settled promise's reactions run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('a batch’s acknowledgement in flight', () => {
  it('is not waited for by its batch, and is waited for by the next before it journals', async () => {
    const { loop, commits, committed, journaledFills } = await startLoop();
    const first = fillEntry('f1');
    // The batch returns with its acknowledgement still in flight.
    await loop.processBatch([first]);
    expect(commits.map((c) => c.ids)).toEqual([[first.id]]);
    expect(journaledFills()).toEqual(['f1']);
    expect(committed).toEqual([]);

    // The next batch waits: nothing of it applied, journaled or sent.
    const second = fillEntry('f2');
    let secondDone = false;
    const processing = loop.processBatch([second]).then(() => (secondDone = true));
    let drained = false;
    void loop.drain().then(() => (drained = true));
    await settle();
    expect([secondDone, drained, commits.length]).toEqual([false, false, 1]);
    expect(journaledFills()).toEqual(['f1']);
    expect(loop.kernel.tracker.getSleeve('A').positions.X?.units).toBe(1);

    commits[0]?.resolve();
    await processing;
    expect(drained).toBe(true);
    expect(committed).toEqual([[first.id]]);
    expect(commits.map((c) => c.ids)).toEqual([[first.id], [second.id]]);
    expect(journaledFills()).toEqual(['f1', 'f2']);
    expect(loop.kernel.tracker.getSleeve('A').positions.X?.units).toBe(2);
    commits[1]?.resolve();
    await loop.drain();
    expect(committed).toEqual([[first.id], [second.id]]);
    loop.close();
  });

  it('failing, stops the next batch before it applies or journals anything', async () => {
    const { loop, commits, journaledFills } = await startLoop();
    await loop.processBatch([fillEntry('g1')]);
    const next = loop.processBatch([fillEntry('g2')]);
    commits[0]?.reject(new Error('the portfolio lock is no longer held'));
    await expect(next).rejects.toThrow('the portfolio lock is no longer held');
    expect(commits).toHaveLength(1);
    expect(journaledFills()).toEqual(['g1']);
    expect(loop.kernel.tracker.getSleeve('A').positions.X?.units).toBe(1);
    loop.close();
  });

  it('is waited for by a snapshot before it is published', async () => {
    const { loop, clock, commits, snapshots } = await startLoop();
    const before = snapshots.length;
    await loop.processBatch([fillEntry('h1')]);
    // Past the snapshot interval (1e9 s): the timers journal a snapshot and publish it.
    clock.advance(1e12 + 1);
    let timersDone = false;
    const timers = loop.runTimers().then(() => (timersDone = true));
    await settle();
    expect(timersDone).toBe(false);
    expect(snapshots.length).toBe(before);
    commits[0]?.resolve();
    await timers;
    expect(snapshots.length).toBeGreaterThan(before);
    loop.close();
  });
});
