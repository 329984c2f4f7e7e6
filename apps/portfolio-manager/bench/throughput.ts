// End-to-end benchmark through the local Redis with the journal on: sustained fills/s, and
// latency from XADD to journaled and to acknowledged at a steady 5,000 fills/s, in
// alternating pairs of runs without and with the HTTP side (one dashboard's /events open,
// /metrics scraped each second), so the cost of HTTP can be told from the run-to-run noise.
// Figures are printed, never asserted. Run: pnpm --filter @njord/portfolio-manager bench
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Redis } from 'ioredis';
import { benchFillPayload, writeBenchConfigs } from './long-journal.js';

const REDIS_URL = process.env.NJORD_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const THROUGHPUT_FILLS = Number(process.env.NJORD_BENCH_FILLS ?? 200_000);
const LATENCY_RATE = 5_000;
const LATENCY_SECONDS = Number(process.env.NJORD_BENCH_SECONDS ?? 5);
/** Pairs of latency runs, off then on: off, on, off, on, ... */
const PAIRS = Number(process.env.NJORD_BENCH_PAIRS ?? 3);
const FSYNC = process.env.NJORD_BENCH_FSYNC ?? 'batch';

const now = () => performance.timeOrigin + performance.now();
/** An hour ago in ns: the fills are inside the manager's dedupe window. */
const RECENT_NS = BigInt(Math.round(now()) - 3_600_000) * 1_000_000n;

function fill(i: number, prefix: string): string {
  return benchFillPayload(i, prefix, RECENT_NS + BigInt(i));
}

function setup(label: string) {
  const dir = mkdtempSync(join(tmpdir(), `njord-bench-${label}-`));
  const prefix = `njbench-${label}-${randomBytes(4).toString('hex')}`;
  const basePath = writeBenchConfigs(dir, {
    portfolioId: 'bench',
    redisUrl: REDIS_URL,
    prefix,
    extra: [
      'check_interval_seconds: 60',
      'snapshot_interval_seconds: 10',
      `journal_fsync: ${FSYNC}`,
      ...(process.env.NJORD_BENCH_CHECKPOINT_EVERY
        ? [`checkpoint_every: ${process.env.NJORD_BENCH_CHECKPOINT_EVERY}`]
        : []),
    ],
  });
  return { dir, prefix, basePath, journal: join(dir, 'journal', 'portfolio.ndjson') };
}

interface Done {
  kind: 'done';
  committedAt: Float64Array;
  journaledAt: Float64Array;
  serviceMs: Float64Array;
  /** Per batch: when it was read (epoch ms), its journal fsync and its ack round trip (ms). */
  readMs: Float64Array;
  fsyncMs: Float64Array;
  ackMs: Float64Array;
  batches: number;
  gc: { count: number; totalMs: number; maxMs: number };
  counters: Record<string, number>;
  /** Heap bytes the manager's thread allocated over its run (tracing included). */
  allocatedBytes: number;
  /** Checkpoint lines (recorded without the HTTP side). */
  checkpoints: { count: number; maxMs: number; over20: number };
}

function startWorker(basePath: string, trace: number, http = false) {
  // tsx's loader is registered inside the worker (node 20 workers ignore `--import tsx`).
  const tsx = import.meta.resolve('tsx/esm/api');
  const script = new URL('./manager-worker.ts', import.meta.url).href;
  const worker = new Worker(
    `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(script)}); });`,
    { eval: true, workerData: { basePath, trace, http } },
  );
  let resolveStarted: (url: string | null) => void = () => undefined;
  const started = new Promise<string | null>((resolve) => (resolveStarted = resolve));
  const done = new Promise<Done>((resolve, reject) => {
    worker.on('message', (message: { kind: string; url?: string | null }) => {
      if (message.kind === 'started') resolveStarted(message.url ?? null);
      if (message.kind === 'done') resolve(message as Done);
    });
    worker.on('error', reject);
  });
  return { worker, started, done };
}

async function isDrained(redis: Redis, stream: string, group: string): Promise<boolean> {
  const groups = (await redis.xinfo('GROUPS', stream).catch(() => [])) as unknown[][];
  for (const info of groups) {
    const fields = new Map<string, unknown>();
    for (let i = 0; i + 1 < info.length; i += 2) fields.set(String(info[i]), info[i + 1]);
    if (fields.get('name') === group) return fields.get('pending') === 0 && fields.get('lag') === 0;
  }
  return false;
}

async function cleanup(redis: Redis, prefix: string, dir: string) {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  rmSync(dir, { recursive: true, force: true });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitForGroup(redis: Redis, stream: string, group: string) {
  for (;;) {
    const groups = (await redis.xinfo('GROUPS', stream).catch(() => [])) as unknown[][];
    if (groups.some((info) => info[1] === group)) return;
    await sleep(20);
  }
}

async function throughput(redis: Redis) {
  const run = setup('throughput');
  const fills = `${run.prefix}:fills`;
  const group = 'portfolio-manager:bench';
  const { worker, started, done } = startWorker(run.basePath, 0);
  await started;
  await waitForGroup(redis, fills, group);
  const t0 = now();
  // The producer pipelines 1,000 fills per round trip, as fast as Redis takes them.
  for (let i = 0; i < THROUGHPUT_FILLS; i += 1000) {
    const pipeline = redis.pipeline();
    for (let j = i; j < Math.min(i + 1000, THROUGHPUT_FILLS); j++)
      pipeline.xadd(fills, '*', 'data', fill(j, 't'));
    await pipeline.exec();
  }
  const produced = now();
  while (!(await isDrained(redis, fills, group))) await sleep(5);
  const t1 = now();
  worker.postMessage('stop');
  const result = await done;
  await worker.terminate();
  const seconds = (t1 - t0) / 1000;
  console.log(
    `throughput: ${THROUGHPUT_FILLS} fills end to end in ${seconds.toFixed(2)} s = ` +
      `${Math.round(THROUGHPUT_FILLS / seconds).toLocaleString('en-US')} fills/s ` +
      `(producer alone ${Math.round(THROUGHPUT_FILLS / ((produced - t0) / 1000)).toLocaleString('en-US')} fills/s; ` +
      `journal ${(statSync(run.journal).size / 1e6).toFixed(1)} MB, fsync ${FSYNC}, ` +
      `${result.counters.checkpoints} checkpoints; goal >= 50,000 fills/s); ` +
      `${perFill(result)} allocated per fill applied (goal <= 2 KB); ` +
      `checkpoints longest ${result.checkpoints.maxMs.toFixed(1)} ms, ${result.checkpoints.over20} over 20 ms`,
  );
  if (process.env.NJORD_BENCH_RESTART !== '0') {
    // A start on the journal just written, in a fresh process (its peak RSS is the start's).
    const script = fileURLToPath(new URL('./long-life.ts', import.meta.url));
    process.stdout.write(
      execFileSync(process.execPath, ['--import', 'tsx', script, 'restart', run.basePath], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      }),
    );
  }
  await cleanup(redis, run.prefix, run.dir);
}

/** Heap bytes allocated per fill applied, in KB (the whole run: start, idle reads and stop included). */
function perFill(result: Done): string {
  const fills = result.counters.fills_applied ?? 0;
  return fills > 0 ? `${(result.allocatedBytes / fills / 1024).toFixed(2)} KB` : 'n/a';
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/**
 * One dashboard open (the /events stream, read and dropped) and a Prometheus scrape of
 * /metrics every second, for as long as the run lasts.
 */
function watch(url: string) {
  const controller = new AbortController();
  let events = 0;
  let scrapes = 0;
  void fetch(`${url}/events`, { signal: controller.signal })
    .then(async (response) => {
      const reader = response.body?.getReader();
      if (!reader) return;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        events += value.byteLength;
      }
    })
    .catch(() => undefined);
  const timer = setInterval(() => {
    void fetch(`${url}/metrics`)
      .then((response) => response.text())
      .then(() => scrapes++)
      .catch(() => undefined);
  }, 1000);
  return {
    stop() {
      clearInterval(timer);
      controller.abort();
      return { eventBytes: events, scrapes };
    },
  };
}

interface LatencyRun {
  readonly http: boolean;
  readonly offered: number;
  /** XADD -> applied + journaled + acked, per fill (ms). */
  readonly e2e: { readonly p50: number; readonly p99: number; readonly p999: number };
  /** XADD -> the fill's journal line written, per fill (ms). */
  readonly journal: { readonly p50: number; readonly p99: number };
  /**
   * The manager's own time per batch (ms): read -> applied + journaled + its ack sent, when the
   * loop goes on to the next read (the ack's round trip overlaps it; the next batch waits for
   * a late one, inside its own time).
   */
  readonly manager: { readonly p50: number; readonly p99: number };
  /**
   * The same batches' parts: fsync and the rest (decode, apply, decide, write, a late ack's
   * wait); and beside them the ack's round trip, overlapped with the next read.
   */
  readonly phases: {
    readonly fsync: { readonly p50: number; readonly p99: number };
    readonly ack: { readonly p50: number; readonly p99: number };
    readonly cpu: { readonly p50: number; readonly p99: number };
  };
}

async function latency(redis: Redis, http: boolean, label: string): Promise<LatencyRun> {
  const env = setup(http ? 'latency-http' : 'latency');
  const fills = `${env.prefix}:fills`;
  const group = 'portfolio-manager:bench';
  const total = LATENCY_RATE * LATENCY_SECONDS;
  const { worker, started, done } = startWorker(env.basePath, total, http);
  const url = await started;
  const watcher = url === null ? undefined : watch(url);
  await waitForGroup(redis, fills, group);
  const sentAt = new Float64Array(total);
  const spacing = 1000 / LATENCY_RATE;
  const start = now();
  const replies: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * spacing;
    // Sleep until due (1 ms timer resolution): the producer must not spin on a core the manager needs.
    if (due - now() > 1) await sleep(due - now() - 0.5);
    sentAt[i] = now();
    replies.push(redis.xadd(fills, '*', 'data', fill(i, 'l')).then(() => undefined));
  }
  await Promise.all(replies);
  const elapsed = (now() - start) / 1000;
  while (!(await isDrained(redis, fills, group))) await sleep(5);
  const watched = watcher?.stop();
  worker.postMessage('stop');
  const result = await done;
  await worker.terminate();
  // The first second is warm-up (JIT, connections).
  const warmup = LATENCY_RATE;
  const samples: number[] = [];
  for (let i = warmup; i < total; i++) {
    const took = (result.committedAt[i] ?? Number.NaN) - (sentAt[i] ?? Number.NaN);
    if (Number.isFinite(took)) samples.push(took);
  }
  samples.sort((a, b) => a - b);
  // XADD -> the fill's journal line written (synced per journal_fsync), before its ack.
  const toJournal: number[] = [];
  for (let i = warmup; i < total; i++) {
    const took = (result.journaledAt[i] ?? Number.NaN) - (sentAt[i] ?? Number.NaN);
    if (Number.isFinite(took)) toJournal.push(took);
  }
  // Batches read in the warm-up second are left out, as the fills sent in it are.
  const warmupEndMs = start + 1000;
  const service: number[] = [];
  const fsync: number[] = [];
  const ack: number[] = [];
  const cpu: number[] = [];
  for (let b = 0; b < result.serviceMs.length; b++) {
    if ((result.readMs[b] ?? 0) < warmupEndMs) continue;
    const total = result.serviceMs[b] ?? NaN;
    const synced = result.fsyncMs[b] ?? NaN;
    const acked = result.ackMs[b] ?? NaN;
    service.push(total);
    fsync.push(synced);
    ack.push(acked);
    cpu.push(total - synced);
  }
  const quantiles = (xs: number[]) => {
    xs.sort((a, b) => a - b);
    return { p50: percentile(xs, 50), p99: percentile(xs, 99) };
  };
  const { gc } = result;
  const run: LatencyRun = {
    http,
    offered: total / elapsed,
    e2e: {
      p50: percentile(samples, 50),
      p99: percentile(samples, 99),
      p999: percentile(samples, 99.9),
    },
    manager: quantiles(service),
    journal: quantiles(toJournal),
    phases: { fsync: quantiles(fsync), ack: quantiles(ack), cpu: quantiles(cpu) },
  };
  const part = (name: string, q: { p50: number; p99: number }) =>
    `${name} p99 ${ms(q.p99)} (p50 ${ms(q.p50)})`;
  console.log(
    `${label} HTTP ${http ? 'on ' : 'off'}: manager p99 ${ms(run.manager.p99)} (p50 ${ms(run.manager.p50)}, ` +
      `batches of ${(total / Math.max(1, result.batches)).toFixed(1)} fills; ${service.length} after warm-up); ` +
      `of which ${part('fsync', run.phases.fsync)}, ${part('the rest', run.phases.cpu)}; ` +
      `${part('ack round trip (overlaps the next read)', run.phases.ack)}; end to end p99 ${ms(run.e2e.p99)} ` +
      `(p50 ${ms(run.e2e.p50)}, p99.9 ${ms(run.e2e.p999)}, max ${ms(samples.at(-1) ?? NaN)}); ` +
      `${part('fill to journal', run.journal)}; ` +
      `${Math.round(run.offered).toLocaleString('en-US')} fills/s offered, ${samples.length} measured; ` +
      `GC ${gc.count} pauses, longest ${gc.maxMs.toFixed(1)} ms, ${perFill(result)} allocated per fill` +
      (watched === undefined
        ? ''
        : `; /events ${watched.eventBytes.toLocaleString('en-US')} bytes, ${watched.scrapes} scrapes`) +
      `; load ${loadText()}`,
  );
  await cleanup(redis, env.prefix, env.dir);
  return run;
}

const ms = (x: number) => `${x.toFixed(3)} ms`;
const loadText = () =>
  `${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} on ${cpus().length} cores`;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/** Median p99 off against on, and the spread of same-config runs as the noise. */
function compare(name: string, off: readonly number[], on: readonly number[]): void {
  const offMedian = median(off);
  const onMedian = median(on);
  const spread = (xs: readonly number[], mid: number) =>
    xs.length < 2
      ? 'n/a (one run)'
      : `${ms(Math.max(...xs) - Math.min(...xs))} (${(((Math.max(...xs) - Math.min(...xs)) / mid) * 100).toFixed(0)}% of its median)`;
  console.log(
    `${name} p99, median of ${off.length} off / ${on.length} on: off ${ms(offMedian)}, on ${ms(onMedian)}, ` +
      `on/off ${(onMedian / offMedian).toFixed(3)} (${((onMedian / offMedian - 1) * 100).toFixed(1)}%; goal < +5%)`,
  );
  console.log(
    `  noise, max - min of same-config runs: off ${spread(off, offMedian)}, on ${spread(on, onMedian)}`,
  );
}

const redis = new Redis(REDIS_URL);
try {
  console.log(
    `portfolio-manager bench: Redis ${REDIS_URL.replace(/\/\/[^@/]*@/, '//***@')}, node ${process.version}`,
  );
  if (process.env.NJORD_BENCH_THROUGHPUT !== '0') await throughput(redis);
  // Alternating runs (off, on, off, on, ...): a drift of the machine's load hits both alike.
  // NJORD_BENCH_HTTP=0 keeps only the runs without HTTP.
  const withHttp = process.env.NJORD_BENCH_HTTP !== '0';
  console.log(
    `latency at ${LATENCY_RATE.toLocaleString('en-US')} fills/s, ${LATENCY_SECONDS} s a run (the first second is ` +
      `warm-up), ${PAIRS} pair(s) off/on; XADD -> applied + journaled (fsync ${FSYNC}) + XACK; HTTP on = ` +
      `one /events client + /metrics scraped each second`,
  );
  const runs: LatencyRun[] = [];
  for (let pair = 1; pair <= PAIRS; pair++) {
    runs.push(await latency(redis, false, `pair ${pair}`));
    if (withHttp) runs.push(await latency(redis, true, `pair ${pair}`));
  }
  const off = runs.filter((run) => !run.http);
  const on = runs.filter((run) => run.http);
  if (on.length > 0) {
    compare(
      'manager',
      off.map((run) => run.manager.p99),
      on.map((run) => run.manager.p99),
    );
    compare(
      'end to end',
      off.map((run) => run.e2e.p99),
      on.map((run) => run.e2e.p99),
    );
    console.log(
      '  a difference off/on smaller than the noise is not a measurement of the HTTP side',
    );
  }
  console.log(`load average at the end ${loadText()}`);
} finally {
  redis.disconnect();
}
