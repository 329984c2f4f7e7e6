// Workload W: the whole runner path (load the CSV, every simulation, metrics, result and
// journal writing; no report) beside a tight typed-array reference loop of the same shape,
// in one process, repeated to show the machine's noise. Prints figures; never fails.
//
// W: 10 synthetic symbols x 100,000 daily bars (`njord-backtest generate-data --symbols 10
// --bars 100000 --seed 7 --start 1970-01-02`, generated here with the same generator), the
// three registered strategies at 0.4 / 0.35 / 0.25, min 0, max 1e7, capital 1e6, threshold 0.05.
//
//   BENCH_W_RUNS=3 (runner repeats)  BENCH_W_REF_RUNS=7  BENCH_W_CSV=path (reuse a file)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { crc32 } from 'node:zlib';
import { parsePortfolioConfig } from '@njord/portfolio-contracts';
import { generateSyntheticData } from '../src/synthetic-data.js';
import { W_PORTFOLIO } from './w-config.js';
import { openJournal } from './journal-file.mjs';
import { formatPriceCsv } from '../src/price-csv.js';
import { parseTimestamp } from '../src/timestamp-text.js';
import { PortfolioBacktestEngine, type BacktestPhase } from '../src/engine/portfolio-engine.js';
import { createSignalTapes } from '../src/engine/simulate.js';
import { createStrategyRegistry } from '../src/strategy-registry.js';
import { loadPriceCsv } from '../src/node/load-price-csv.js';
import { writeBacktestResult } from '../src/node/write-result.js';
import type { SignalTape } from '../src/engine/signals.js';
import { differences, realStrategies } from './w-real-strategies.js';
import type { ColumnarBacktestResult } from '../src/engine/columnar-result.js';
import type { SideRunsOutput } from '../src/engine/side-runs.js';
import type { PriceData } from '../src/price-data.js';

const RUNS = Math.max(1, Number(process.env.BENCH_W_RUNS ?? 3));
const REF_RUNS = Math.max(1, Number(process.env.BENCH_W_REF_RUNS ?? 7));
const dir = join(tmpdir(), 'njord-bench-w');
mkdirSync(dir, { recursive: true });
const csvPath = process.env.BENCH_W_CSV ?? join(dir, 'w.csv');

const generatedHere = !existsSync(csvPath);
if (generatedHere) {
  const started = performance.now();
  const start = parseTimestamp('1970-01-02');
  if (!start.success) throw new Error(start.error);
  const generated = generateSyntheticData({
    symbols: 10,
    bars: 100_000,
    seed: 7,
    startNs: start.data.ns,
  });
  writeFileSync(csvPath, formatPriceCsv(generated));
  console.log(`generated ${csvPath} in ${(performance.now() - started).toFixed(0)} ms`);
}

const config = parsePortfolioConfig(W_PORTFOLIO);

/**
 * Digests of everything a run computes: every curve's bytes, and the summary without its
 * timings, to see that a change to the engine left W's results bit for bit as they were.
 */
function resultDigests(result: ColumnarBacktestResult): { curves: string; summary: string } {
  const curves = createHash('sha256');
  const c = result.curves;
  const series = [
    c.equity,
    c.cash,
    c.unallocated,
    ...c.strategies,
    ...c.targets,
    ...c.drift,
    ...(c.baseTargets ?? []),
    c.baseline,
    c.benchmark,
    ...c.standalone,
  ];
  for (const values of series)
    curves.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  curves.update(new Uint8Array(c.bars.buffer, c.bars.byteOffset, c.bars.byteLength));
  const { stats: _stats, versions: _versions, ...summary } = result.summary;
  const text = JSON.stringify(summary, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
  return {
    curves: curves.digest('hex'),
    summary: createHash('sha256').update(text).digest('hex'),
  };
}

interface RunnerFigures {
  total: number;
  /** CPU time of the process over the path (user + system), ms. */
  cpu: number;
  fills: Map<string, number>;
  phases: Map<string, number>;
  digests: { curves: string; summary: string };
  rebalances: number;
  runMs: number;
  bytes: number;
  journalBytes: number;
}

/** The data of the latest runner path (earlier ones are dropped: they would hold memory). */
let latest: PriceData | null = null;

/**
 * The runner path; with `threads` 2, as `njord-backtest --threads 2` (its default on W): a
 * worker started for the run, the side runs on it while this thread runs the portfolio.
 */
async function runnerPath(threads: 1 | 2 = 1): Promise<RunnerFigures> {
  latest = null;
  const phases = new Map<string, number>();
  const fills = new Map<string, number>();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const loaded = await loadPriceCsv(csvPath);
  if (!loaded.success) throw loaded.error;
  const data = loaded.data.data;
  phases.set('load csv', performance.now() - t0);
  const journal = openJournal(join(dir, 'journal.ndjson'), config.id);
  const engine = new PortfolioBacktestEngine(config, undefined, {
    journal,
    clock: () => performance.now(),
    onPhase: (name: BacktestPhase, ms: number, made: number) => {
      phases.set(name, ms);
      fills.set(name, made);
    },
    dataPath: csvPath,
    dataSha256: loaded.data.sha256,
    loadMs: loaded.data.loadMs,
  });
  let result: ColumnarBacktestResult;
  if (threads === 1) {
    result = engine.runColumnar(data);
  } else {
    const worker = new Worker(new URL('./w-threads-worker.mjs', import.meta.url));
    try {
      result = await engine.runColumnarWith(
        data,
        (task) =>
          new Promise<SideRunsOutput>((resolve, reject) => {
            worker.once('message', (message: { output: SideRunsOutput }) =>
              resolve(message.output),
            );
            worker.once('error', reject);
            worker.postMessage(task);
          }),
      );
    } finally {
      await worker.terminate();
    }
  }
  let t = performance.now();
  journal.close();
  phases.set('journal close', performance.now() - t);
  t = performance.now();
  const bytes = await writeBacktestResult(join(dir, 'result.json'), result);
  phases.set('write result', performance.now() - t);
  const total = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  latest = data;
  return {
    total,
    cpu: (cpu.user + cpu.system) / 1000,
    phases,
    fills,
    digests: resultDigests(result),
    rebalances: result.summary.rebalances.length,
    runMs: result.summary.stats.runMs,
    bytes,
    journalBytes: journal.bytes,
  };
}

/** The engine alone, without a journal: its phases (to tell the journal's share). */
function engineWithoutJournal(data: PriceData): Map<string, number> {
  const phases = new Map<string, number>();
  new PortfolioBacktestEngine(config, undefined, {
    clock: () => performance.now(),
    onPhase: (name: BacktestPhase, ms: number) => phases.set(name, ms),
  }).runColumnar(data);
  return phases;
}

/** The three strategies alone over every step (what the engine records once per backtest). */
function strategiesAlone(data: PriceData): { ms: number; tapes: SignalTape[] } {
  const resolved = createStrategyRegistry().resolveStrategies(config, data.symbols);
  if (!resolved.success) throw resolved.error;
  const started = performance.now();
  const tapes = createSignalTapes(resolved.data, data, config);
  for (const tape of tapes) tape.record(data.steps - 1);
  return { ms: performance.now() - started, tapes };
}

// ---------------------------------------------------------------------------------------
// The reference: the same shape in plain typed arrays. Three strategy classes behind one
// onBar call write target exposures into a preallocated row; books are cash + units per
// sleeve; a drift check against fixed weights; a proportional rebalance when it fires.

interface RefStrategy {
  /** Writes target exposures (NaN = keep) for every symbol into `out`; false = hold. */
  onBar(step: number, close: readonly Float64Array[], out: Float64Array): boolean;
}

/** Long while the close is above its moving average of `window` bars, else flat. */
class RefTrend implements RefStrategy {
  readonly #sum: Float64Array;
  constructor(
    symbols: number,
    private readonly window: number,
  ) {
    this.#sum = new Float64Array(symbols);
  }
  onBar(step: number, close: readonly Float64Array[], out: Float64Array): boolean {
    const w = this.window;
    let wrote = false;
    for (let s = 0; s < out.length; s++) {
      const c = close[s] as Float64Array;
      const x = c[step] as number;
      let sum = (this.#sum[s] as number) + x;
      if (step >= w) sum -= c[step - w] as number;
      this.#sum[s] = sum;
      if (step + 1 < w) {
        out[s] = Number.NaN;
        continue;
      }
      out[s] = x > sum / w ? 1 / out.length : 0;
      wrote = true;
    }
    return wrote;
  }
}

/** Long after `window` down closes in a row, flat after as many up closes. */
class RefMeanRevert implements RefStrategy {
  readonly #run: Float64Array;
  constructor(
    symbols: number,
    private readonly window: number,
  ) {
    this.#run = new Float64Array(symbols);
  }
  onBar(step: number, close: readonly Float64Array[], out: Float64Array): boolean {
    if (step === 0) return false;
    let named = false;
    for (let s = 0; s < out.length; s++) {
      const c = close[s] as Float64Array;
      const change = (c[step] as number) - (c[step - 1] as number);
      let run = this.#run[s] as number;
      run = change < 0 ? Math.min(run, 0) - 1 : Math.max(run, 0) + 1;
      this.#run[s] = run;
      out[s] = run <= -this.window ? 0.5 / out.length : run >= this.window ? 0 : Number.NaN;
      if (out[s] === out[s]) named = true;
    }
    return named;
  }
}

/** Every `every` bars: equal weight in the symbols whose `lookback` return is positive. */
class RefMomentum implements RefStrategy {
  constructor(
    private readonly lookback: number,
    private readonly every: number,
  ) {}
  onBar(step: number, close: readonly Float64Array[], out: Float64Array): boolean {
    if (step < this.lookback || step % this.every !== 0) return false;
    for (let s = 0; s < out.length; s++) {
      const c = close[s] as Float64Array;
      out[s] = (c[step] as number) > (c[step - this.lookback] as number) ? 1 / out.length : 0;
    }
    return true;
  }
}

function referenceLoop(data: PriceData): { equity: Float64Array; fills: number; ms: number } {
  const started = performance.now();
  const m = data.symbols.length;
  const steps = data.steps;
  const close = data.close;
  const weights = Float64Array.from(config.allocations, (a) => a.targetWeight);
  const n = weights.length;
  const strategies: RefStrategy[] = [
    new RefTrend(m, 50),
    new RefMeanRevert(m, 3),
    new RefMomentum(60, 20),
  ];
  const cash = Float64Array.from(weights, (w) => w * config.totalCapital);
  const units = new Float64Array(n * m);
  const marks = new Float64Array(m);
  const targets = new Float64Array(m);
  const capital = new Float64Array(n);
  const equityCurve = new Float64Array(steps);
  const minTrade = config.minTradeValue;
  const threshold = config.rebalanceThreshold;
  let fills = 0;
  for (let t = 0; t < steps; t++) {
    for (let s = 0; s < m; s++) {
      const c = (close[s] as Float64Array)[t] as number;
      if (c === c) marks[s] = c;
    }
    let equity = 0;
    for (let k = 0; k < n; k++) {
      const base = k * m;
      let value = cash[k] as number;
      for (let s = 0; s < m; s++) value += (units[base + s] as number) * (marks[s] as number);
      if ((strategies[k] as RefStrategy).onBar(t, close, targets)) {
        for (let s = 0; s < m; s++) {
          const exposure = targets[s] as number;
          if (exposure !== exposure) continue;
          const price = marks[s] as number;
          const delta = (exposure * value) / price - (units[base + s] as number);
          if (Math.abs(delta) * price < minTrade) continue;
          units[base + s] = (units[base + s] as number) + delta;
          cash[k] = (cash[k] as number) - delta * price;
          fills++;
        }
      }
      capital[k] = value;
      equity += value;
    }
    let fire = false;
    for (let k = 0; k < n; k++) {
      const target = (weights[k] as number) * equity;
      if (Math.abs((capital[k] as number) - target) > threshold * target) fire = true;
    }
    if (fire) {
      for (let k = 0; k < n; k++) {
        const target = (weights[k] as number) * equity;
        const scale = target / (capital[k] as number);
        const base = k * m;
        for (let s = 0; s < m; s++) {
          const held = units[base + s] as number;
          if (held === 0) continue;
          const delta = held * (scale - 1);
          if (Math.abs(delta) * (marks[s] as number) < minTrade) continue;
          units[base + s] = held + delta;
          cash[k] = (cash[k] as number) - delta * (marks[s] as number);
          fills++;
        }
        cash[k] = (cash[k] as number) + target - (capital[k] as number);
      }
    }
    equityCurve[t] = equity;
  }
  return { equity: equityCurve, fills, ms: performance.now() - started };
}

/** The reference's three strategies alone over every step (its share of the reference loop). */
function referenceStrategiesAlone(data: PriceData): number {
  const started = performance.now();
  const m = data.symbols.length;
  const strategies: RefStrategy[] = [
    new RefTrend(m, 50),
    new RefMeanRevert(m, 3),
    new RefMomentum(60, 20),
  ];
  const targets = new Float64Array(m);
  let named = 0;
  for (let t = 0; t < data.steps; t++)
    for (const strategy of strategies) if (strategy.onBar(t, data.close, targets)) named++;
  if (named < 0) throw new Error('unreachable');
  return performance.now() - started;
}

// ---------------------------------------------------------------------------------------

const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const spread = (xs: readonly number[]): string => {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return `min ${lo.toFixed(0)} / median ${median(xs).toFixed(0)} / max ${hi.toFixed(0)} ms (spread ${((100 * (hi - lo)) / median(xs)).toFixed(0)}%)`;
};
const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;

const runner: RunnerFigures[] = [];
/** The same path with two threads (njord-backtest's default on W), alternating with it. */
const threaded: RunnerFigures[] = [];
const reference: number[] = [];
let refFills = 0;
let peakAfterFirst = 0;
for (let round = 0; round < Math.max(RUNS, REF_RUNS); round++) {
  if (round < RUNS) {
    const figures = await runnerPath();
    runner.push(figures);
    if (round === 0) peakAfterFirst = process.resourceUsage().maxRSS * 1024;
    console.log(
      `runner path #${round + 1}: ${figures.total.toFixed(0)} ms (cpu ${figures.cpu.toFixed(0)} ms)`,
    );
    const two = await runnerPath(2);
    threaded.push(two);
    console.log(
      `runner path #${round + 1}, two threads: ${two.total.toFixed(0)} ms (cpu ${two.cpu.toFixed(0)} ms, run_ms ${two.runMs.toFixed(0)} against ${figures.runMs.toFixed(0)})`,
    );
  }
  if (round < REF_RUNS) {
    const ref = referenceLoop(latest as unknown as PriceData);
    reference.push(ref.ms);
    refFills = ref.fills;
  }
}
const data = latest as unknown as PriceData;
// The breakdown: the engine without its journal, the strategies alone, the reference's
// strategies alone (each as often as the runner ran, medians).
const bare: Map<string, number>[] = [];
const signals: number[] = [];
const refSignals: number[] = [];
// The real strategies' rules as tight loops (bench/w-real-strategies.ts), checked against the
// engine's tapes: steps whose targets differ, over the three strategies.
const realSignals: number[] = [];
let realDiffer = 0;
for (let round = 0; round < RUNS; round++) {
  bare.push(engineWithoutJournal(data));
  const alone = strategiesAlone(data);
  signals.push(alone.ms);
  refSignals.push(referenceStrategiesAlone(data));
  const real = realStrategies(data);
  realSignals.push(real.ms);
  realDiffer += differences(real, alone.tapes, data.symbols.length);
}

/**
 * Floors for the file work, on this machine now: the least any writer of the same bytes
 * pays. Writing `bytes` with writeSync in 1 MiB pieces, zlib's CRC over them, and printing
 * `numbers` doubles of W's prices (shortest round-trip text, as JSON writes them).
 */
function floors(
  bytes: number,
  numbers: number,
  prices: Float64Array,
): {
  write: number;
  crc: number;
  print: number;
} {
  const piece = Buffer.alloc(1 << 20, 0x61);
  const fd = openSync(join(dir, 'floor.bin'), 'w');
  let t = performance.now();
  for (let done = 0; done < bytes; done += piece.length)
    writeSync(fd, piece, 0, Math.min(piece.length, bytes - done));
  closeSync(fd);
  const write = performance.now() - t;
  t = performance.now();
  let crc = 0;
  for (let done = 0; done < bytes; done += piece.length)
    crc = crc32(piece.subarray(0, Math.min(piece.length, bytes - done)), crc);
  const crcMs = performance.now() - t;
  t = performance.now();
  let length = 0;
  for (let i = 0; i < numbers; i++)
    length += String((prices[i % prices.length] as number) * (1 + i * 1e-9)).length;
  const print = performance.now() - t;
  if (length < 0 || crc < 0) throw new Error('unreachable');
  return { write, crc: crcMs, print };
}

const last = runner[runner.length - 1] as RunnerFigures;
const totals = runner.map((r) => r.total);
const runnerMs = median(totals);
const refMs = median(reference);
const fills = [...last.fills.values()].reduce((a, b) => a + b, 0);
const events = data.barEvents;
const dataBytes = data.byteLength;
const phase = (name: string, from: readonly Map<string, number>[] = runner.map((r) => r.phases)) =>
  median(from.map((phases) => phases.get(name) ?? 0));

console.log(
  `\nW: ${data.symbols.length} symbols x ${data.steps} bars = ${events} bar-events; columnar data ${mb(dataBytes)}; result JSON ${mb(last.bytes)}; journal ${mb(last.journalBytes)} (${last.journalBytes} bytes)`,
);
// W's results as an earlier engine gave them (bench/w-result.sha256: `curves <hex>` and
// `summary <hex>` lines, and where they came from).
const digests = last.digests;
const digestPath = new URL('./w-result.sha256', import.meta.url);
const recorded = new Map(
  (existsSync(digestPath) ? readFileSync(digestPath, 'utf8') : '')
    .split('\n')
    .map((line) => line.split(/\s+/))
    .filter((words) => words.length >= 2)
    .map((words) => [words[0] as string, words[1] as string]),
);
const differ = new Set([...runner, ...threaded].map((r) => JSON.stringify(r.digests))).size > 1;
for (const [name, digest] of Object.entries(digests)) {
  const before = recorded.get(name);
  console.log(
    `${name.padEnd(8)} sha256 ${digest}${differ ? ' (RUNS DIFFER)' : ''}: ${
      before === undefined
        ? 'nothing recorded to compare with'
        : before === digest
          ? 'bit-identical to the recorded digest'
          : `DIFFERENT from the recorded ${before}`
    }`,
  );
}
console.log(
  `runner path (whole): ${spread(totals)}  ${(events / runnerMs / 1e3).toFixed(2)}M bar-events/s; cpu median ${median(runner.map((r) => r.cpu)).toFixed(0)} ms`,
);
console.log(
  `reference loop:      ${spread(reference)}  ${(events / refMs / 1e3).toFixed(2)}M bar-events/s, ${refFills} fills`,
);
console.log(
  `runner / reference:  ${(runnerMs / refMs).toFixed(1)}x (goal <= 4x); runner fills ${fills} (portfolio ${last.fills.get('portfolio') ?? 0}), rebalances ${last.rebalances}; stats.run_ms ${last.runMs.toFixed(0)}`,
);
const threadedMs = median(threaded.map((r) => r.total));
console.log(
  `runner path, two threads: ${spread(threaded.map((r) => r.total))}; / reference ${(threadedMs / refMs).toFixed(1)}x; stats.run_ms median ${median(threaded.map((r) => r.runMs)).toFixed(0)} against ${median(runner.map((r) => r.runMs)).toFixed(0)} on one thread; peak RSS of the process after them ${mb(process.resourceUsage().maxRSS * 1024)}`,
);
console.log(
  `peak RSS ${mb(peakAfterFirst)} after the first runner path${generatedHere ? ' (this process also generated the CSV: run again for the runner alone)' : ''}; goal < 2 x columnar data + 100 MB = ${mb(2 * dataBytes + 100 * 2 ** 20)}`,
);
// Loading W's CSV alone, in a fresh process (the peak above includes the whole path).
const loadAlone = spawnSync(
  process.execPath,
  [...process.execArgv, fileURLToPath(new URL('./load-memory.ts', import.meta.url)), csvPath],
  { encoding: 'utf8' },
);
if (loadAlone.status === 0) {
  const m = JSON.parse(loadAlone.stdout) as { before: number; peak: number; data: number };
  console.log(
    `load csv alone (own process): RSS ${mb(m.before)} before, peak ${mb(m.peak)} (+${mb(m.peak - m.before)} for ${mb(m.data)} of columns)`,
  );
} else console.log(`load csv alone: failed (${loadAlone.stderr.trim().split('\n')[0] ?? ''})`);
// The runner path once, in a fresh process from the built package (no TypeScript loader): the
// peak RSS the goal is about, without this process's reference loop, tapes and loader. With
// Node's four V8 helper threads (the binary) and with one (what `pnpm backtest` gives on two
// cores).
for (const [label, flags] of [
  ["Node's helper pool", []],
  ['one V8 helper', ['--v8-pool-size=1']],
] as const) {
  const pathAlone = spawnSync(
    process.execPath,
    [
      ...flags,
      fileURLToPath(new URL('./runner-memory.mjs', import.meta.url)),
      csvPath,
      JSON.stringify(W_PORTFOLIO),
      dir,
    ],
    { encoding: 'utf8' },
  );
  if (pathAlone.status === 0) {
    const m = JSON.parse(pathAlone.stdout) as { before: number; peak: number; data: number };
    const goal = 2 * m.data + 100 * 2 ** 20;
    console.log(
      `runner path alone (own process, built package, ${label}): RSS ${mb(m.before)} after its modules, peak ${mb(m.peak)}; goal < ${mb(goal)}: ${m.peak < goal ? 'met' : `missed by ${mb(m.peak - goal)}`}`,
    );
  } else
    console.log(
      `runner path alone (${label}): failed (${pathAlone.stderr.trim().split('\n')[0] ?? ''})`,
    );
}
console.log('per phase (median over runs, ms):');
for (const name of last.phases.keys()) {
  const made = last.fills.get(name) ?? 0;
  console.log(
    `  ${name.padEnd(14)} ${phase(name).toFixed(0).padStart(7)}${made > 0 ? `  (${made} fills)` : ''}`,
  );
}
// Where the gap comes from: the work the reference loop does not do, and the like-for-like
// part (one rebalancing simulation without journal and strategies) against the reference
// loop without its strategies.
const portfolio = phase('portfolio');
const portfolioBare = phase('portfolio', bare);
const journalMs = Math.max(0, portfolio - portfolioBare) + phase('journal close');
const strategiesMs = median(signals);
const refStrategiesMs = median(refSignals);
const others = phase('baseline') + phase('standalone') + phase('benchmark') + phase('metrics');
const core = Math.max(0, portfolioBare - strategiesMs);
const refCore = Math.max(1e-3, refMs - refStrategiesMs);
console.log('where the runner path goes beside the reference (medians, ms):');
console.log(
  `  load csv (reference: none)                      ${phase('load csv').toFixed(0).padStart(6)}`,
);
console.log(
  `  journal (${last.journalBytes} bytes; reference: none)  ${journalMs.toFixed(0).padStart(6)}`,
);
console.log(
  `  write result (reference: none)                  ${phase('write result').toFixed(0).padStart(6)}`,
);
console.log(
  `  baseline, strategies alone, benchmark, metrics   ${others.toFixed(0).padStart(6)}  (reference: none)`,
);
const realMs = median(realSignals);
console.log(
  `  strategies (3 real, once each)                  ${strategiesMs.toFixed(0).padStart(6)}  (reference's 3 toy strategies: ${refStrategiesMs.toFixed(0)}; the 3 real ones as tight loops: ${realMs.toFixed(0)}, ${(strategiesMs / realMs).toFixed(1)}x)`,
);
console.log(
  `  portfolio simulation, no journal, no strategies ${core.toFixed(0).padStart(6)}  (reference loop without its strategies: ${refCore.toFixed(0)}; ${(core / refCore).toFixed(1)}x)`,
);
console.log(
  `  like for like: ${(strategiesMs + core).toFixed(0)} ms against the reference loop with the real strategies' tight loops, ${(realMs + refCore).toFixed(0)} ms: ${((strategiesMs + core) / (realMs + refCore)).toFixed(1)}x (goal <= 4x); their targets ${realDiffer === 0 ? "equal the engine's at every step" : `DIFFER from the engine's at ${realDiffer} steps`} (${RUNS} x ${3 * data.steps} strategy-steps compared)`,
);

// The journal writes 3 numbers per fill line (quantity, price, fee) plus the plans'; the result
// file 3 + 3 per strategy per point of the main curve and 1 per point of the 5 others.
const journalFloor = floors(
  last.journalBytes,
  3 * (last.fills.get('portfolio') ?? 0),
  data.close[0] as Float64Array,
);
const points = data.steps;
const resultFloor = floors(
  last.bytes,
  points * (3 + 3 * config.allocations.length) + points * (2 + config.allocations.length),
  data.close[0] as Float64Array,
);
console.log(
  `floors on this machine: journal ${mb(last.journalBytes)}: write ${journalFloor.write.toFixed(0)} + crc ${journalFloor.crc.toFixed(0)} + ${3 * (last.fills.get('portfolio') ?? 0)} numbers printed ${journalFloor.print.toFixed(0)} = ${(journalFloor.write + journalFloor.crc + journalFloor.print).toFixed(0)} ms; result ${mb(last.bytes)}: write ${resultFloor.write.toFixed(0)} + numbers printed ${resultFloor.print.toFixed(0)} = ${(resultFloor.write + resultFloor.print).toFixed(0)} ms`,
);

/**
 * A plain loader of the CSV: its bytes read, cut into lines and fields, and each price and
 * volume field through Number() (timestamps not even parsed). The loader's floor is the lesser
 * of this and the loader itself.
 */
function csvFloor(path: string): number {
  const started = performance.now();
  const text = readFileSync(path).toString('latin1');
  let sum = 0;
  let lineStart = text.indexOf('\n') + 1;
  while (lineStart < text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    const fields = text.slice(lineStart, lineEnd).split(',');
    for (let f = 2; f < fields.length; f++) sum += Number(fields[f]);
    lineStart = lineEnd + 1;
  }
  if (Number.isNaN(sum) && sum === 0) throw new Error('unreachable');
  return performance.now() - started;
}

/** The metrics' floor: one pass over each of the 9 curves (mean, variance, drawdown). */
function metricsFloor(curves: readonly Float64Array[]): number {
  const started = performance.now();
  let check = 0;
  for (const curve of curves) {
    let peak = -Infinity;
    let worst = 0;
    let mean = 0;
    let m2 = 0;
    for (let i = 1; i < curve.length; i++) {
      const value = curve[i] as number;
      const r = value / (curve[i - 1] as number) - 1;
      const delta = r - mean;
      mean += delta / i;
      m2 += delta * (r - mean);
      if (value > peak) peak = value;
      else if (value / peak - 1 < worst) worst = value / peak - 1;
    }
    check += mean + m2 + worst;
  }
  if (Number.isNaN(check) && check === 0) throw new Error('unreachable');
  return performance.now() - started;
}

// Every part of the path beside its floor: what is intrinsic (work the reference loop does not
// do, at the least it can cost here) and what is ours above it. The five other runs' floor is
// the reference loop's simulation twice (the baseline holds the three sleeves, the three
// strategies alone one each; the benchmark only marks).
const csvFloorMs = median([csvFloor(csvPath), csvFloor(csvPath), csvFloor(csvPath)]);
const curvesForFloor = Array.from({ length: 9 }, () => data.close[0] as Float64Array);
const metricsFloorMs = median([0, 1, 2].map(() => metricsFloor(curvesForFloor)));
const journalFloorMs = journalFloor.write + journalFloor.crc + journalFloor.print;
const resultFloorMs = resultFloor.write + resultFloor.print;
const sideFloorMs = 2 * refCore;
const floorParts: readonly (readonly [string, number, number])[] = [
  ['load csv', phase('load csv'), Math.min(csvFloorMs, phase('load csv'))],
  ['journal', journalMs, journalFloorMs],
  ['write result', phase('write result'), resultFloorMs],
  [
    'baseline, alone, benchmark',
    phase('baseline') + phase('standalone') + phase('benchmark'),
    sideFloorMs,
  ],
  ['metrics', phase('metrics'), metricsFloorMs],
  ['strategies + simulation', strategiesMs + core, realMs + refCore],
];
console.log(
  `each part beside its floor on this machine (medians, ms; the CSV's plain loader: ${csvFloorMs.toFixed(0)}):`,
);
for (const [name, ms, floor] of floorParts)
  console.log(
    `  ${name.padEnd(27)} ${ms.toFixed(0).padStart(6)}  floor ${floor.toFixed(0).padStart(6)}  ${(ms / floor).toFixed(1)}x`,
  );
const floorSum = floorParts.reduce((sum, [, , floor]) => sum + floor, 0);
const partsSum = floorParts.reduce((sum, [, ms]) => sum + ms, 0);
console.log(
  `  all of it: ${partsSum.toFixed(0)} ms (the whole path ${runnerMs.toFixed(0)}) against floors summing to ${floorSum.toFixed(0)} ms: ${(runnerMs / floorSum).toFixed(1)}x; the floors alone are ${(floorSum / refMs).toFixed(1)}x the reference loop (${refMs.toFixed(0)} ms), the intrinsic part of the gap`,
);
