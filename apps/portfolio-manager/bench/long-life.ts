// Long life: a journal of N fills built directly (the live kernel's own path: admitLiveEntry,
// journal lines, checkpoints at the manager's cadence), then a start on it in a fresh process.
// Prints the restart time, the start's peak RSS and the longest checkpoint / event-loop pause
// while building. Figures are printed, never asserted.
// Run: pnpm --filter @njord/portfolio-manager bench:long-life   (NJORD_LONG_LIFE_FILLS=10000000)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { encodePortfolioConfig } from '@njord/portfolio-contracts';
import { admitLiveEntry, beginLiveBatch, PortfolioKernel } from '@njord/portfolio-kernel';
import { decodeScannedLines, FileJournal, scanJournal } from '../src/adapters/journal-file.js';
import { readConfig } from '../src/config.js';
import { JournalWriter } from '../src/journal.js';
import {
  checkpointBody,
  hashPortfolioConfig,
  liveKernelOptions,
  recoverKernel,
} from '../src/recovery.js';

const FILLS = Number(process.env.NJORD_LONG_LIFE_FILLS ?? 2_000_000);
/** Fills per hour of fill time (default: the fills span 4 dedupe windows, 3/4 of them outside). */
const FILLS_PER_HOUR = Number(
  process.env.NJORD_LONG_LIFE_FILLS_PER_HOUR ?? Math.max(1, Math.round(FILLS / (4 * 168))),
);
const STRATEGIES = ['trend', 'meanrev', 'momo'];
const SYMBOLS = ['AAA', 'BBB', 'CCC', 'DDD'];
const BATCH = 1000;
const HOUR_NS = 3_600_000_000_000n;

function load(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
}

function setup(dir: string): string {
  writeFileSync(
    join(dir, 'portfolio.yaml'),
    [
      'portfolio:',
      '  id: long',
      '  total_capital: 1000000000',
      '  rebalance_threshold: 1000',
      '  allocations:',
      ...STRATEGIES.map(
        (id) =>
          `    - {strategy_id: ${id}, target_weight: ${id === 'trend' ? 0.34 : 0.33}, min_capital: 0, max_capital: 1000000000000}`,
      ),
      '',
    ].join('\n'),
  );
  const basePath = join(dir, 'base.yaml');
  writeFileSync(
    basePath,
    [
      'redis: {url: "redis://127.0.0.1:6379", prefix: "njord-long-life"}',
      `portfolio_config: ${join(dir, 'portfolio.yaml')}`,
      `journal_dir: ${join(dir, 'journal')}`,
      'journal_fsync: never',
      '',
    ].join('\n'),
  );
  return basePath;
}

async function build(basePath: string): Promise<void> {
  const loaded = await readConfig(basePath, {});
  if (!loaded.success) throw new Error(loaded.error.message);
  const { portfolio, manager, journalPath } = loaded.data;
  const options = liveKernelOptions(manager);
  const window = options.dedupeWindowNs ?? 0n;
  // Fill time ends now: the last `window` of it is inside the dedupe window.
  const spanNs = (BigInt(FILLS) * HOUR_NS) / BigInt(FILLS_PER_HOUR);
  const endNs = BigInt(Date.now()) * 1_000_000n;
  const startNs = endNs - spanNs;
  const stepNs = spanNs / BigInt(FILLS);
  const kernel = new PortfolioKernel(portfolio, { ...options, startNs });
  const file = FileJournal.open(journalPath, 'never');
  const writer = new JournalWriter(file, portfolio.id, 0);
  const configHash = hashPortfolioConfig(portfolio);
  writer.add('config', startNs, {
    hash: configHash,
    previous_hash: null,
    config: encodePortfolioConfig(portfolio).portfolio,
  });
  const funded = kernel.tracker.getSnapshot(startNs);
  writer.add('funding', startNs, {
    allocations: funded.strategyAllocations,
    unallocated_cash: funded.unallocatedCash,
    total_capital: portfolio.totalCapital,
  });
  const stream = 'njord-long-life:fills';
  let lastId = '0-0';
  const checkpoint = (nowNs: bigint) => {
    const started = performance.now();
    writer.add('checkpoint', nowNs, {
      ...checkpointBody(kernel, configHash),
      positions: { [stream]: lastId },
    });
    return performance.now() - started;
  };
  checkpoint(startNs);
  writer.flush();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let checkpoints = 0;
  let maxCheckpointMs = 0;
  let maxCheckpointBytes = 0;
  const started = performance.now();
  for (let from = 0; from < FILLS; from += BATCH) {
    const nowNs = startNs + BigInt(Math.min(FILLS, from + BATCH)) * stepNs;
    const rules = { nowNs, maxFutureNs: null, dedupeWindowNs: window };
    beginLiveBatch(kernel, rules);
    for (let i = from; i < Math.min(FILLS, from + BATCH); i++) {
      lastId = `${1_700_000_000_000 + Math.floor(i / 100)}-${i % 100}`;
      const data = JSON.stringify({
        fill_id: `long-${i}`,
        strategy_id: STRATEGIES[i % 3],
        symbol: SYMBOLS[i % 4],
        side: i % 5 < 3 ? 'buy' : 'sell',
        quantity: 1 + (i % 9),
        price: 100 + (i % 17) * 0.25,
        fee: 0.01,
        timestamp_ns: String(startNs + BigInt(i) * stepNs),
      });
      const outcome = admitLiveEntry(kernel, { source: 'fills', id: lastId, data }, rules);
      if (outcome.kind !== 'fill' || outcome.status === 'duplicate')
        throw new Error(`fill ${i}: ${JSON.stringify(outcome)}`);
      writer.add('fill', nowNs, { source: { stream, id: lastId }, fill: outcome.wire });
    }
    // The manager's cadence (loop.ts maybeCheckpoint): max(checkpoint_every, ledger size) lines.
    if (
      writer.linesSinceCheckpoint >=
      Math.max(manager.checkpointEvery, kernel.tracker.appliedFillCount)
    ) {
      const before = file.bytesWritten;
      writer.flush();
      const ms = checkpoint(nowNs);
      writer.flush();
      checkpoints++;
      maxCheckpointMs = Math.max(maxCheckpointMs, ms);
      maxCheckpointBytes = Math.max(maxCheckpointBytes, file.bytesWritten - before);
    }
    writer.flush();
    // Let the event loop turn: its delay histogram sees the longest synchronous stretch.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  delay.disable();
  file.close();
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `built ${FILLS.toLocaleString('en')} fills in ${seconds.toFixed(1)} s: ${(statSync(journalPath).size / 1e6).toFixed(0)} MB, ` +
      `${checkpoints} checkpoints (longest ${maxCheckpointMs.toFixed(1)} ms, largest ${(maxCheckpointBytes / 1e6).toFixed(1)} MB), ` +
      `fill ids in the window at the end ${kernel.tracker.appliedFillCount.toLocaleString('en')}, ` +
      `event-loop delay max ${(delay.max / 1e6).toFixed(1)} ms with a turn per batch of ${BATCH} (load ${load()})`,
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
  const lines = decodeScannedLines(journalPath, scan.lines);
  const recovered = recoverKernel(
    lines,
    portfolio,
    liveKernelOptions(manager),
    BigInt(Date.now()) * 1_000_000n,
  );
  const done = performance.now();
  const rssMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    `restart: ${((done - started) / 1000).toFixed(2)} s (scan ${((scanned - started) / 1000).toFixed(2)} s, ` +
      `${scan.lines.length.toLocaleString('en')} lines from the last checkpoint, replayed ${recovered.replayed.toLocaleString('en')}), ` +
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
    const base = setup(dir);
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
