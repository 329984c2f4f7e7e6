// Chained checkpoints: each holds only the fill ids applied since the previous one; a start
// reads the links back to the dedupe window. Built directly on the live kernel's path.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  currentSegment,
  JournalDamageError,
  listSegments,
  scanJournal,
} from './adapters/journal-file.js';
import { readConfig } from './config.js';
import { liveKernelOptions, recoverFromScan } from './recovery.js';
import { sleeveFacts } from './test-support.js';
import {
  buildLongJournal,
  type LongJournalOptions,
  writeLongLifeConfig,
} from '../bench/long-journal.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Window 1 h at 5,000 fills per hour: 5,000 ids in the window; a checkpoint per 200 lines. */
const BASE = { fillsPerHour: 5000, dedupeWindowHours: 1, checkpointEvery: 200 } as const;

async function built(fills: number, extra: Partial<LongJournalOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'njord-chain-'));
  dirs.push(dir);
  const options: LongJournalOptions = { ...BASE, ...extra, fills };
  const basePath = writeLongLifeConfig(dir, options);
  const journal = await buildLongJournal(basePath, options);
  const loaded = await readConfig(basePath, {});
  if (!loaded.success) throw new Error(loaded.error.message);
  const oneFile = loaded.data.journalPath;
  const start = (path = journal.journalPath) => {
    const current =
      extra.journalSegmentMb === undefined
        ? { path, segment: undefined }
        : currentSegment(oneFile, 'long');
    return recoverFromScan(
      current.path,
      scanJournal(current.path, 'long'),
      loaded.data.portfolio,
      liveKernelOptions(loaded.data.manager),
      journal.endNs,
      { segment: current.segment, oneFile: extra.journalSegmentMb === undefined ? path : oneFile },
    );
  };
  return { journal, start, dir };
}

function ownCheckpointLines(text: string): { line: string; number: number }[] {
  return text
    .split('\n')
    .map((line, i) => ({ line, number: i + 1 }))
    .filter(({ line }) => line.includes('"type":"checkpoint"'));
}

describe('chained checkpoints (long journals built on the live path)', () => {
  it('restore the state of the uninterrupted run, every id in the window, and stay bounded as history grows', async () => {
    const short = await built(20_000);
    const long = await built(40_000);
    for (const { journal, start } of [short, long]) {
      const { recovered, links } = start();
      const tracker = recovered.kernel.tracker;
      expect(sleeveFacts(tracker)).toEqual(sleeveFacts(journal.kernel.tracker));
      // Fill i is stamped startNs + i * stepNs; the horizon is the last clock minus 1 h.
      const horizon = journal.endNs - 3_600_000_000_000n;
      expect(tracker.dedupeHorizonNs).toBe(horizon);
      let inWindow = 0;
      const total = journal.journalPath === short.journal.journalPath ? 20_000 : 40_000;
      for (let i = 0; i < total; i++) {
        if (journal.startNs + BigInt(i) * journal.stepNs < horizon) continue;
        inWindow++;
        if (!tracker.hasFill(`long-${i}`)) expect.fail(`long-${i} is in the window but forgotten`);
      }
      // 5,000 fills per hour: 5,000 (one more at the edge) in the 1 h window.
      expect(inWindow).toBeGreaterThanOrEqual(5000);
      expect(inWindow).toBeLessThanOrEqual(5001);
      // Links: the window's ids in links of 200 lines, plus up to a bucket (window / 8) kept
      // longer and the links at both ends: 5,000 * 1.125 / 200 + 2 = 30.1.
      expect(links.length).toBeLessThanOrEqual(31);
      // Every checkpoint line holds at most a link's fills (200 of about 80 bytes) plus the
      // fixed state, whatever the window holds (a whole ledger line would be over 400 kB).
      const lines = ownCheckpointLines(readFileSync(journal.journalPath, 'utf8'));
      const largest = Math.max(...lines.map(({ line }) => Buffer.byteLength(line)));
      expect(largest).toBeLessThan(200 * 100 + 8192);
    }
    // Twice the history: the same links read at the start.
    expect(Math.abs(short.start().links.length - long.start().links.length)).toBeLessThanOrEqual(1);
  }, 120_000);

  it('finds the links by seq when their offsets are wrong (another writer shares the file)', async () => {
    const { journal, start } = await built(6_000);
    const intact = start();
    const foreign = `${JSON.stringify({ portfolio_id: 'other', seq: 1, type: 'config' })}\n`;
    const shifted = join(journal.journalPath, '..', 'shifted.ndjson');
    writeFileSync(shifted, foreign + readFileSync(journal.journalPath, 'utf8'));
    const { recovered, links } = start(shifted);
    expect(links.map((link) => link.seq)).toEqual(intact.links.map((link) => link.seq));
    expect(links.map((link) => link.offset)).toEqual(
      intact.links.map((link) => (link.offset ?? 0) + Buffer.byteLength(foreign)),
    );
    expect(sleeveFacts(recovered.kernel.tracker)).toEqual(
      sleeveFacts(intact.recovered.kernel.tracker),
    );
    expect(recovered.kernel.tracker.appliedFillCount).toBe(
      intact.recovered.kernel.tracker.appliedFillCount,
    );
  }, 60_000);

  it('refuses a damaged or missing link, naming the file, the line and the fault', async () => {
    const { journal, start } = await built(6_000);
    const text = readFileSync(journal.journalPath, 'utf8');
    const { links } = start();
    expect(links.length).toBeGreaterThan(3);
    // The oldest link read: change one character inside its fills.
    const oldest = links[0];
    const lines = text.split('\n');
    const at = lines.findIndex((line) => line.startsWith(`{"v":1,"seq":${oldest?.seq},`));
    expect(at).toBeGreaterThan(0);
    const target = lines[at] as string;
    // One character of its packed fill id hashes (base64) changed to another.
    const digit = target.indexOf('"id_hashes":"') + 13;
    expect(digit).toBeGreaterThan(13);
    const flipped = `${target.slice(0, digit)}${target[digit] === 'A' ? 'B' : 'A'}${target.slice(digit + 1)}`;
    const damaged = [...lines];
    damaged[at] = flipped;
    writeFileSync(journal.journalPath, damaged.join('\n'));
    const badCrc = (() => {
      try {
        start();
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(badCrc).toBeInstanceOf(JournalDamageError);
    expect((badCrc as JournalDamageError).code).toBe('bad_crc');
    expect((badCrc as JournalDamageError).line).toBe(at + 1);
    expect((badCrc as JournalDamageError).message).toContain(journal.journalPath);

    // A digit added to a link's reference to the link before it: the damaged line is named
    // (bad_crc), not the link it no longer finds. (The last checkpoint damaged would be passed
    // over for the one before it, as every damaged checkpoint is.)
    const checkpoints = lines.flatMap((line, i) =>
      line.includes('"type":"checkpoint"') ? [i] : [],
    );
    const last = checkpoints.at(-2) as number;
    const head = lines[last] as string;
    const since = head.indexOf('"since":{"seq":') + '"since":{"seq":'.length;
    const pointer = [...lines];
    pointer[last] = `${head.slice(0, since)}9${head.slice(since)}`;
    writeFileSync(journal.journalPath, pointer.join('\n'));
    expect(() => start()).toThrow(new RegExp(`line ${last + 1} \\(byte \\d+\\): bad_crc`));

    // The link's line gone altogether.
    const missing = [...lines];
    missing.splice(at, 1);
    writeFileSync(journal.journalPath, missing.join('\n'));
    expect(() => start()).toThrow(/lost_lines: checkpoint seq \d+, a link of the checkpoint chain/);
    expect(statSync(journal.journalPath).size).toBeLessThan(Buffer.byteLength(text));
  }, 60_000);

  it('in segment files: old segments removed as the window moves, the start reads across the rest', async () => {
    // Fill lines are about 430 bytes: 20,000 fills are about 8.6 MB, in segments of 0.5 MB;
    // the window's 5,000 fills (about 2.2 MB) and its links span about 5 of them.
    const { journal, start, dir } = await built(20_000, { journalSegmentMb: 0.5 });
    const segments = listSegments(join(dir, 'journal'), 'long');
    expect(segments.length).toBeGreaterThanOrEqual(4);
    expect(segments.length).toBeLessThanOrEqual(8);
    expect(segments[0]?.firstSeq).toBeGreaterThan(1); // the first ones are gone
    for (const segment of segments.slice(0, -1))
      expect(statSync(join(dir, 'journal', segment.name)).size).toBeLessThan(500_000 + 100_000);
    const { recovered, links } = start();
    const tracker = recovered.kernel.tracker;
    expect(sleeveFacts(tracker)).toEqual(sleeveFacts(journal.kernel.tracker));
    const horizon = journal.endNs - 3_600_000_000_000n;
    for (let i = 0; i < 20_000; i++) {
      if (journal.startNs + BigInt(i) * journal.stepNs < horizon) continue;
      if (!tracker.hasFill(`long-${i}`)) expect.fail(`long-${i} is in the window but forgotten`);
    }
    // The links span several segments, every one of them still there.
    const named = new Set(links.map((link) => link.segment));
    expect(named.size).toBeGreaterThan(1);
    for (const name of named) expect(segments.map((segment) => segment.name)).toContain(name);
    // A segment a link needs, gone: refused, naming it.
    const needed = links[0]?.segment as string;
    rmSync(join(dir, 'journal', needed));
    expect(() => start()).toThrow(/lost_lines: the segment file is gone/);
  }, 120_000);
});
