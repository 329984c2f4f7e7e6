// `njord-backtest sweep` end to end on a short synthetic file: outputs, equality with plain
// runs, resuming from stored results, and the same sweep on two BullMQ worker processes
// (the real Redis), with a worker and the coordinator killed mid-sweep.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { parquetReadObjects } from 'hyparquet';
import { threeKindsPortfolioYaml } from '@njord/test-kit';
import { writeSweepGrid } from '@njord/test-kit/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePortfolioConfig } from '@njord/portfolio-contracts';
import { parsePortfolioConfig } from '@njord/portfolio-contracts/yaml';
import { generateSyntheticData } from '@njord/portfolio-backtest';
import { formatPriceCsv } from '@njord/portfolio-backtest/csv';
import { MAX_THREADS } from '../cli.js';
import {
  getParameter,
  setParameter,
  type SweepResultWire,
  walkForwardWindows,
} from '@njord/portfolio-sweep';

const bin = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'njord-sweeps-'));
const REDIS_URL = process.env.NJORD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `njord-test-sweeps-${process.pid}`;
const children: ChildProcess[] = [];

// The third sleeve is the registered id (trendline_break with its defaults).
const PORTFOLIO = threeKindsPortfolioYaml({
  id: 'synth',
  capital: 100_000,
  weights: [0.5, 0.3, 0.2],
  costs: { commissionBps: 2, slippageBps: 1 },
  ids: ['mom', 'rsi', 'trendline_break_v1'],
});

function grid(id: string, body: string): string {
  return writeSweepGrid(work, { id, data: 'prices.csv', body });
}

function cli(args: string[], timeout = 240_000) {
  const out = spawnSync(process.execPath, [bin, ...args], { cwd: work, encoding: 'utf8', timeout });
  return { code: out.status, signal: out.signal, stdout: out.stdout, stderr: out.stderr };
}

function readResult(out: string, id: string): SweepResultWire {
  return JSON.parse(readFileSync(join(out, `sweep_${id}.json`), 'utf8')) as SweepResultWire;
}

function startWorker(extra: string[] = []): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      bin,
      'worker',
      '--redis',
      REDIS_URL,
      '--prefix',
      PREFIX,
      '--lock-duration-ms',
      '2000',
      '--quiet',
      ...extra,
    ],
    { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  children.push(child);
  return child;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function deleteKeys(redis: Redis): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

beforeAll(() => {
  writeFileSync(join(work, 'portfolio.yaml'), PORTFOLIO);
  writeFileSync(
    join(work, 'prices.csv'),
    formatPriceCsv(generateSyntheticData({ symbols: 3, bars: 700, seed: 3 })),
  );
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  const redis = new Redis(REDIS_URL);
  await deleteKeys(redis);
  redis.disconnect();
  rmSync(work, { recursive: true, force: true });
});

describe('sweep on local threads', () => {
  const out = () => join(work, 'local');
  let result: SweepResultWire;
  const gridFile = () =>
    grid(
      'small',
      `  parameters:
    rebalance_threshold: [0.02, 0.1]
    allocations.mom.strategy.params.lookback: [10, 40]
    weights: [{mom: 0.5, rsi: 0.3, trendline_break_v1: 0.2}, {mom: 0.2, rsi: 0.3, trendline_break_v1: 0.5}]
  constraints: [{left: weights.mom, op: ">=", right: 0.5}]
  objective: sharpe
  pbo_partitions: 4
  walk_forward: {in_sample_bars: 300, out_of_sample_bars: 150, anchored: false}
`,
    );

  beforeAll(() => {
    const run = cli(['sweep', '--grid', gridFile(), '--out', out(), '--workers', '2']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    result = readResult(out(), 'small');
  }, 240_000);

  it('writes the JSON, the Parquet table and the report', async () => {
    // 2 x 2 x 2 = 8; the constraint keeps the 4 with weights.mom = 0.5.
    expect(result.combinations).toHaveLength(4);
    expect(
      result.combinations.every((c) => (c.params.weights as { mom: number }).mom === 0.5),
    ).toBe(true);
    expect(result.timestamps_ns).toHaveLength(700);
    expect(result.combinations.every((c) => c.equity?.length === 700)).toBe(true);
    expect(result.stats.combinations).toBe(4);
    expect(result.stats.workers).toBe(2);
    // The best has the highest Sharpe, the lowest index on ties.
    const sharpes = result.combinations.map((c) => c.metrics.sharpe ?? -Infinity);
    expect(result.best).toBe(sharpes.indexOf(Math.max(...sharpes)));
    // C(4, 2) = 6 splits.
    expect(result.overfitting.logits).toHaveLength(6);
    expect(result.overfitting.deflated_sharpe.trials).toBe(4);
    expect(result.overfitting.deflated_sharpe.observations).toBe(700);

    const buffer = readFileSync(join(out(), 'sweep_small.parquet'));
    const rows = await parquetReadObjects({
      file: buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength),
    });
    expect(rows).toHaveLength(4);
    rows.forEach((row, i) => {
      const c = result.combinations[i]!;
      expect(row.index).toBe(c.index);
      expect(row.id).toBe(c.id);
      expect(row.rebalance_threshold).toBe(c.params.rebalance_threshold);
      expect(row['allocations.mom.strategy.params.lookback']).toBe(
        c.params['allocations.mom.strategy.params.lookback'],
      );
      expect(JSON.parse(row.weights as string)).toEqual(c.params.weights);
      expect(row.sharpe).toBe(c.metrics.sharpe);
      expect(row.rebalance_count).toBe(c.metrics.rebalance_count);
    });
    expect(existsSync(join(out(), 'sweep_small_report.html'))).toBe(true);
  });

  it('walks forward over the windows worked out by hand', () => {
    // T = 700, is = 300, oos = 150: IS [0,300) OOS [300,450); IS [150,450) OOS [450,600);
    // IS [300,600) OOS [600,700) (cut at the end); k = 3 would need IS to end at 750 > 700.
    const wf = result.walk_forward!;
    expect(wf.windows.map((w) => [w.is_start, w.is_end, w.oos_start, w.oos_end])).toEqual([
      [0, 300, 300, 450],
      [150, 450, 450, 600],
      [300, 600, 600, 700],
    ]);
    expect(
      walkForwardWindows(700, { inSampleBars: 300, outOfSampleBars: 150, anchored: false }),
    ).toHaveLength(3);
    expect(wf.equity_curve).toHaveLength(400);
    expect(wf.equity_curve[0]!.timestamp_ns).toBe(result.timestamps_ns[300]);
    // The stitched curve chains each window's out-of-sample returns: a window's first point
    // is the previous window's last times (its own first equity / the initial capital).
    expect(wf.equity_curve.every((p) => Number.isFinite(p.equity) && p.equity > 0)).toBe(true);
  });

  it("equals a plain njord-backtest run of each combination's config", () => {
    const base = encodePortfolioConfig(parsePortfolioConfig(PORTFOLIO)).portfolio;
    for (const c of result.combinations.slice(0, 3)) {
      const portfolio = structuredClone(base);
      for (const [path, value] of Object.entries(c.params)) setParameter(portfolio, path, value);
      expect(getParameter(portfolio, 'weights.mom')).toBe(0.5);
      const configPath = join(work, `combination-${c.index}.json`);
      writeFileSync(configPath, JSON.stringify({ portfolio }));
      const plainOut = join(work, `plain-${c.index}`);
      const plain = cli([
        '--portfolio-config',
        configPath,
        '--data',
        'prices.csv',
        '--out',
        plainOut,
        '--journal-dir',
        plainOut,
        '--no-report',
        '--quiet',
      ]);
      expect(plain.code).toBe(0);
      const full = JSON.parse(
        readFileSync(join(plainOut, 'portfolio_synth_result.json'), 'utf8'),
      ) as {
        metrics: { portfolio: unknown };
        equity_curve: { equity: number }[];
      };
      expect(c.metrics).toEqual(full.metrics.portfolio);
      expect(c.equity).toEqual(full.equity_curve.map((p) => p.equity));
    }
  }, 240_000);

  it('reuses every stored result when run again', () => {
    const again = cli([
      'sweep',
      '--grid',
      gridFile(),
      '--out',
      out(),
      '--workers',
      '2',
      '--no-curves',
    ]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^0 run\(s\), 19 stored result\(s\) reused/m);
    const second = readResult(out(), 'small');
    // 4 full runs + 3 windows x 4 in-sample + 3 out-of-sample = 19 stored runs.
    expect(second.stats.cache_hits).toBe(19);
    expect(second.combinations.map((c) => c.metrics)).toEqual(
      result.combinations.map((c) => c.metrics),
    );
    expect(second.combinations[0]!.equity).toBeUndefined();
    expect(second.overfitting).toEqual(result.overfitting);
  }, 240_000);

  it('names a bad grid field and exits 2', () => {
    const bad = grid('bad', '  parameters:\n    allocations.nope.target_weight: [1]\n');
    const run = cli(['sweep', '--grid', bad, '--out', join(work, 'bad')]);
    // Once (of many runs, under load) this process ended by a signal: shown whole if again.
    expect({ code: run.code, signal: run.signal, stderr: run.stderr }).toMatchObject({ code: 2 });
    expect(run.stderr).toMatch(
      /sweep\.parameters\.allocations\.nope\.target_weight.*no allocation with strategy_id "nope"/,
    );
  });

  it('refuses more threads than it would start safely (all at once, tens of MB each)', () => {
    const ok = grid('threads', '  parameters:\n    rebalance_threshold: [0.1]\n');
    const sweep = cli([
      'sweep',
      '--grid',
      ok,
      '--out',
      join(work, 'threads'),
      '--workers',
      '100000',
    ]);
    expect(sweep.code).toBe(2);
    expect(sweep.stderr).toContain(
      `option '--workers <n>' argument '100000' is invalid. expected an integer from 1 to ${MAX_THREADS}`,
    );
    const worker = cli(['worker', '--redis', REDIS_URL, '--concurrency', '257']);
    expect(worker.code).toBe(2);
    expect(worker.stderr).toContain(`expected an integer from 1 to ${MAX_THREADS}, got "257"`);
  });

  it('refuses a Redis it cannot reach within seconds, naming it without its password', () => {
    const ok = grid('noredis', '  parameters:\n    rebalance_threshold: [0.1]\n');
    const run = cli(
      [
        'sweep',
        '--grid',
        ok,
        '--out',
        join(work, 'noredis'),
        '--redis',
        'redis://:hunter2@127.0.0.1:1',
        '--quiet',
      ],
      60_000,
    );
    expect({ code: run.code, signal: run.signal, stderr: run.stderr.trim() }).toEqual({
      code: 2,
      signal: null,
      stderr:
        'njord-backtest: --redis redis://:***@127.0.0.1:1: cannot connect (connect ECONNREFUSED 127.0.0.1:1)',
    });
  });

  it('refuses an --out it cannot make before any run (under /proc mkdir -p never returns)', () => {
    const ok = grid('proc', '  parameters:\n    rebalance_threshold: [0.1]\n');
    const run = cli(['sweep', '--grid', ok, '--out', '/proc/njord-no-such', '--quiet'], 60_000);
    expect({ code: run.code, signal: run.signal, stderr: run.stderr.trim() }).toEqual({
      code: 2,
      signal: null,
      stderr: 'njord-backtest: --out /proc/njord-no-such: cannot create the directory (ENOENT)',
    });
  });
});

describe('sweep on BullMQ workers', () => {
  // 5 thresholds x 5 lookbacks x 2 frequencies = 50 combinations.
  const body = `  parameters:
    rebalance_threshold: [0.01, 0.02, 0.04, 0.08, 0.16]
    allocations.mom.strategy.params.lookback: [5, 10, 20, 40, 80]
    rebalance_frequency_hours: [null, 168]
  pbo_partitions: 8
`;
  let local: SweepResultWire;
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
    const run = cli([
      'sweep',
      '--grid',
      grid('fifty', body),
      '--out',
      join(work, 'fifty-local'),
      '--workers',
      '2',
      '--quiet',
    ]);
    expect(run.code).toBe(0);
    local = readResult(join(work, 'fifty-local'), 'fifty');
  }, 240_000);

  afterAll(() => {
    redis.disconnect();
  });

  const resultKeys = async () => (await redis.keys(`${PREFIX}:sweep:result:*`)).length;
  const queueCounts = async () => {
    const [wait, active, failed, delayed] = await Promise.all([
      redis.llen(`${PREFIX}:sweep:wait`),
      redis.llen(`${PREFIX}:sweep:active`),
      redis.zcard(`${PREFIX}:sweep:failed`),
      redis.zcard(`${PREFIX}:sweep:delayed`),
    ]);
    return { wait, active, failed, delayed };
  };

  it('two worker processes give the local result to the last bit, despite a SIGKILLed worker', async () => {
    expect(local.combinations).toHaveLength(50);
    const first = startWorker();
    startWorker();
    const coordinator = spawn(
      process.execPath,
      [
        bin,
        'sweep',
        '--grid',
        join(work, 'fifty.yaml'),
        '--out',
        join(work, 'fifty-bull'),
        '--redis',
        REDIS_URL,
        '--prefix',
        PREFIX,
        '--quiet',
      ],
      { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(coordinator);
    let stderr = '';
    coordinator.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) =>
      coordinator.on('exit', (code) => resolve(code)),
    );
    // Kill one worker while it is running jobs (results are landing and some remain).
    await waitFor(async () => (await resultKeys()) >= 5, 120_000);
    first.kill('SIGKILL');
    expect(await resultKeys()).toBeLessThan(50);
    const code = await exited;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const bull = readResult(join(work, 'fifty-bull'), 'fifty');
    // Every combination exactly once, in order, with bit-equal metrics and curves
    // (JSON numbers round-trip doubles exactly).
    expect(bull.combinations.map((c) => c.id)).toEqual(local.combinations.map((c) => c.id));
    expect(new Set(bull.combinations.map((c) => c.id)).size).toBe(50);
    expect(bull.combinations).toEqual(local.combinations);
    expect(bull.overfitting).toEqual(local.overfitting);
    expect(bull.best).toBe(local.best);
    // The worker left standing (the killed one may not have been cleaned up yet).
    expect(bull.stats.workers).toBeGreaterThanOrEqual(1);
    expect(await resultKeys()).toBe(50);
    // Nothing left behind in the queue: no job waiting, running, retrying or failed. The
    // killed worker's job may have stored its result before the kill (the sweep needed no
    // more); it stays active until its lock expires, then runs again, finds the result
    // and completes.
    await waitFor(
      async () =>
        JSON.stringify(await queueCounts()) ===
        JSON.stringify({ wait: 0, active: 0, failed: 0, delayed: 0 }),
      60_000,
    );
    expect(await resultKeys()).toBe(50);
  }, 240_000);

  it('a killed coordinator is resumed from the stored results', async () => {
    // A fresh key space for this sweep: drop the stored results of the last test.
    const stored = await redis.keys(`${PREFIX}:sweep:result:*`);
    if (stored.length > 0) await redis.del(...stored);
    const out = join(work, 'fifty-resumed');
    const coordinator = spawn(
      process.execPath,
      [
        bin,
        'sweep',
        '--grid',
        join(work, 'fifty.yaml'),
        '--out',
        out,
        '--redis',
        REDIS_URL,
        '--prefix',
        PREFIX,
        '--quiet',
      ],
      { cwd: work, stdio: 'ignore' },
    );
    children.push(coordinator);
    const exited = new Promise<void>((resolve) => coordinator.on('exit', () => resolve()));
    await waitFor(async () => (await resultKeys()) >= 3, 120_000);
    coordinator.kill('SIGKILL');
    await exited;
    const before = await resultKeys();
    expect(before).toBeLessThan(50);
    const rerun = cli([
      'sweep',
      '--grid',
      join(work, 'fifty.yaml'),
      '--out',
      out,
      '--redis',
      REDIS_URL,
      '--prefix',
      PREFIX,
    ]);
    expect(rerun.code).toBe(0);
    const resumed = readResult(out, 'fifty');
    // The rerun found at least what was stored when the first coordinator died (the workers
    // kept working on its queued jobs meanwhile).
    expect(resumed.stats.cache_hits).toBeGreaterThanOrEqual(before);
    expect(resumed.combinations).toEqual(local.combinations);
    expect(await queueCounts()).toEqual({ wait: 0, active: 0, failed: 0, delayed: 0 });
  }, 240_000);
});
