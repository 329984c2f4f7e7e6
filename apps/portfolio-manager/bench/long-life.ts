// Long life: a journal of N fills built directly (the live kernel's own path: admitLiveEntry,
// journal lines, checkpoints at the manager's cadence), then a start on it in a fresh process.
// Prints the restart time, the start's peak RSS and the longest checkpoint / event-loop pause
// while building. Figures are printed, never asserted.
// Run: pnpm --filter @njord/portfolio-manager bench:long-life   (NJORD_LONG_LIFE_FILLS=10000000)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { scanJournal } from '../src/adapters/journal-file.js';
import { readConfig } from '../src/config.js';
import { liveKernelOptions, recoverFromScan } from '../src/recovery.js';
import { buildLongJournal, type LongJournalOptions, writeLongLifeConfig } from './long-journal.js';

const FILLS = Number(process.env.NJORD_LONG_LIFE_FILLS ?? 2_000_000);
/** Fills per hour of fill time (default: the fills span 4 dedupe windows, 3/4 of them outside). */
const FILLS_PER_HOUR = Number(
  process.env.NJORD_LONG_LIFE_FILLS_PER_HOUR ?? Math.max(1, Math.round(FILLS / (4 * 168))),
);
const OPTIONS: LongJournalOptions = { fills: FILLS, fillsPerHour: FILLS_PER_HOUR };

function load(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
}

async function build(basePath: string): Promise<void> {
  const built = await buildLongJournal(basePath, OPTIONS);
  const sorted = [...built.checkpointMs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  console.log(
    `built ${FILLS.toLocaleString('en')} fills in ${built.seconds.toFixed(1)} s: ${(statSync(built.journalPath).size / 1e6).toFixed(0)} MB, ` +
      `${built.checkpoints} checkpoints (p50 ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms, longest ${built.maxCheckpointMs.toFixed(1)} ms; ` +
      `${built.slowCheckpoints} over 20 ms, ${built.slowWithGc} of them with a GC pause inside, ${built.slowPreempted} with less CPU time than half their wall time` +
      `${built.slowCpuMs.length > 0 ? ` (CPU ms ${built.slowCpuMs.map((ms) => ms.toFixed(1)).join(', ')})` : ''}; largest ${(built.maxCheckpointBytes / 1e6).toFixed(2)} MB), ` +
      `fill ids in the window at the end ${built.kernel.tracker.appliedFillCount.toLocaleString('en')}, ` +
      `event-loop delay max ${built.maxDelayMs.toFixed(1)} ms with a turn per batch of 1000 fills; ` +
      `longest batch ${built.longestBatch.ms.toFixed(1)} ms (from fill ${built.longestBatch.firstFill.toLocaleString('en')}, ` +
      `CPU ${built.longestBatch.cpuMs.toFixed(1)} ms, GC pauses inside ${built.longestBatch.gcMs.toFixed(1)} ms) (load ${load()})`,
  );
}

/** One start's recovery (scan, decode, replay), in this process: its time and peak RSS. */
async function restart(basePath: string): Promise<void> {
  const loaded = await readConfig(basePath, {});
  if (!loaded.success) throw new Error(loaded.error.message);
  const { portfolio, manager, journalPath } = loaded.data;
  const started = performance.now();
  const scan = scanJournal(journalPath, portfolio.id);
  const scanned = performance.now();
  const { recovered, links } = recoverFromScan(
    journalPath,
    scan,
    portfolio,
    liveKernelOptions(manager),
    BigInt(Date.now()) * 1_000_000n,
  );
  const done = performance.now();
  const rssMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    `restart: ${((done - started) / 1000).toFixed(2)} s (scan ${((scanned - started) / 1000).toFixed(2)} s, ` +
      `${scan.lines.length.toLocaleString('en')} lines from the last checkpoint, replayed ${recovered.replayed.toLocaleString('en')}, ` +
      `${links.length.toLocaleString('en')} checkpoint links read), ` +
      `fill ids ${recovered.kernel.tracker.appliedFillCount.toLocaleString('en')}, peak RSS ${rssMb.toFixed(0)} MB (load ${load()})`,
  );
}

async function main(): Promise<void> {
  const [mode, basePath] = process.argv.slice(2);
  if (mode === 'restart' && basePath !== undefined) return restart(basePath);
  const dir = mkdtempSync(join(tmpdir(), 'njord-long-life-'));
  try {
    console.log(
      `long life: ${FILLS.toLocaleString('en')} fills at ${FILLS_PER_HOUR.toLocaleString('en')} per hour of fill time, ` +
        `dedupe window 168 h (${cpus().length} cpus, load ${load()})`,
    );
    const base = writeLongLifeConfig(dir, OPTIONS);
    await build(base);
    const script = fileURLToPath(import.meta.url);
    // A fresh process, as a start is: its peak RSS is the start's own.
    const out = execFileSync(process.execPath, ['--import', 'tsx', script, 'restart', base], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    process.stdout.write(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
