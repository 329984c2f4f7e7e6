// Would a second thread make W faster? The runs that do not depend on the portfolio's (the
// baseline, each strategy alone, the benchmark) moved to a worker thread while this thread
// runs the portfolio with its journal (`runColumnarWith`, as `njord-backtest --threads 2`),
// against the engine's one-thread path (`runColumnar`), in the same process, alternately.
// Both read W's CSV (bench/w.bench.ts writes it) and the same built package; the threaded
// path records every strategy's tape first (the worker reads them) and gets the curves back.
// Curves are compared bit for bit. Run: `pnpm build`, then `pnpm --filter @njord/portfolio-backtest exec tsx
// bench/w-threads.ts` (BENCH_W_CSV for another file, BENCH_RUNS for the rounds).
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PortfolioBacktestEngine, type SideRunsOutput } from '@njord/portfolio-backtest';
import { loadPriceCsv } from '@njord/portfolio-backtest/node';
import { type FillEventWire, parsePortfolioConfig } from '@njord/portfolio-contracts';
import { JournalLineBuffer } from '@njord/portfolio-contracts/node';
import { W_PORTFOLIO } from './w-config.js';

const csvPath = process.env.BENCH_W_CSV ?? join(tmpdir(), 'njord-bench-w', 'w.csv');
if (!existsSync(csvPath)) throw new Error(`${csvPath} is missing: run bench/w.bench.ts first`);
const ROUNDS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const journalPath = join(tmpdir(), 'njord-bench-w', 'threads-journal.ndjson');
const portfolio = W_PORTFOLIO;
const config = parsePortfolioConfig(portfolio);

/** The runner's journal: lines gathered as bytes, written synchronously every 1 MiB. */
function openJournal() {
  const fd = openSync(journalPath, 'w');
  let seq = 0;
  const buffer = new JournalLineBuffer((1 << 20) + (1 << 18));
  const flush = (): void => {
    const data = buffer.take();
    for (let at = 0; at < data.length;) at += writeSync(fd, data, at, data.length - at);
  };
  return {
    add(type: never, timestampNs: bigint, body: Record<string, unknown>) {
      seq++;
      if (type === 'fill' && Object.keys(body).length === 1)
        buffer.addFill(config.id, seq, timestampNs, body.fill as FillEventWire);
      else buffer.add(config.id, seq, type, timestampNs, body as never);
      if (buffer.length >= 1 << 20) flush();
    },
    close() {
      flush();
      closeSync(fd);
    },
  };
}

interface Figures {
  ms: number;
  curves: Float64Array[];
  parts: string;
}

/** The engine's path: load, then every run on this thread (metrics left out of the time). */
async function oneThread(): Promise<Figures> {
  const t0 = performance.now();
  const loaded = await loadPriceCsv(csvPath);
  if (!loaded.success) throw loaded.error;
  const journal = openJournal();
  let metricsMs = 0;
  const result = new PortfolioBacktestEngine(config, undefined, {
    journal: journal as never,
    onPhase: (name, ms) => {
      if (name === 'metrics') metricsMs = ms;
    },
    clock: () => performance.now(),
  }).runColumnar(loaded.data.data);
  journal.close();
  const ms = performance.now() - t0 - metricsMs;
  const c = result.curves;
  return {
    ms,
    curves: [c.equity, c.baseline, ...c.standalone, c.benchmark],
    parts: `load ${loaded.data.loadMs.toFixed(0)}`,
  };
}

/** The same work with the independent runs on `worker` (started before the load). */
async function twoThreads(worker: Worker): Promise<Figures> {
  const t0 = performance.now();
  const loaded = await loadPriceCsv(csvPath);
  if (!loaded.success) throw loaded.error;
  const journal = openJournal();
  let metricsMs = 0;
  let portfolioMs = 0;
  let workerMs = 0;
  let waitedFrom = 0;
  let waitMs = 0;
  const result = await new PortfolioBacktestEngine(config, undefined, {
    journal: journal as never,
    onPhase: (name, ms) => {
      if (name === 'metrics') metricsMs = ms;
      if (name === 'portfolio') {
        portfolioMs = ms;
        waitedFrom = performance.now();
      }
    },
    clock: () => performance.now(),
  }).runColumnarWith(loaded.data.data, (task) => {
    const done = new Promise<SideRunsOutput>((resolve) =>
      worker.once('message', (message: { output: SideRunsOutput; ms: number }) => {
        workerMs = message.ms;
        waitMs = performance.now() - waitedFrom;
        resolve(message.output);
      }),
    );
    worker.postMessage(task);
    return done;
  });
  journal.close();
  const c = result.curves;
  return {
    ms: performance.now() - t0 - metricsMs,
    curves: [c.equity, c.baseline, ...c.standalone, c.benchmark],
    parts: `load ${loaded.data.loadMs.toFixed(0)}, tapes and portfolio ${portfolioMs.toFixed(0)}, worker ${workerMs.toFixed(0)} (waited ${waitMs.toFixed(0)})`,
  };
}

const worker = new Worker(new URL('./w-threads-worker.mjs', import.meta.url));
const times: Record<'one' | 'two', number[]> = { one: [], two: [] };
for (let round = 0; round < ROUNDS; round++) {
  const one = await oneThread();
  const two = await twoThreads(worker);
  const same = one.curves.every((c, i) =>
    Buffer.from(c.buffer).equals(Buffer.from(two.curves[i]!.buffer)),
  );
  times.one.push(one.ms);
  times.two.push(two.ms);
  console.log(
    `round ${round + 1}: one thread ${one.ms.toFixed(0)} ms (${one.parts}); two threads ${two.ms.toFixed(0)} ms (${two.parts}); curves ${same ? 'bit-identical' : 'DIFFERENT'}`,
  );
}
await worker.terminate();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `median: one thread ${median(times.one).toFixed(0)} ms, two threads ${median(times.two).toFixed(0)} ms (${(median(times.one) / median(times.two)).toFixed(2)}x); load ${(
    await import('node:os')
  )
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
