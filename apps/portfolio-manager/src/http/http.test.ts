// The HTTP side against a real manager on the real Redis: Prometheus text whose counters equal
// the manager's own, readiness while another process holds the lock, and the token off loopback.
import { afterEach, describe, expect, it } from 'vitest';
import { readConfig } from '../config.js';
import { type ManagerOutcome, PortfolioManager } from '../service.js';
import {
  addEntries,
  memoryLogger,
  REDIS_URL,
  waitFor,
  writeConfigs,
  type TestPortfolio,
  RECENT_NS,
} from '../test-support.js';
import { useInProcessManager, useManagerWithHttp } from '../test-support/fixtures.js';
import { createHttpSide, type HttpSide } from './index.js';

const PORTFOLIO: TestPortfolio = {
  id: 'opsdesk',
  totalCapital: 100_000,
  threshold: 0.05,
  weights: { alpha: 0.5, beta: 0.3, gamma: 0.2 },
};

// --- an independent reader of the Prometheus text format (0.0.4) ---------------------------

interface Sample {
  readonly name: string;
  readonly labels: Map<string, string>;
  readonly value: number;
}

interface Exposition {
  readonly types: Map<string, string>;
  readonly samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE_LINE = new RegExp(
  `^(${NAME})(?:\\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*",?)*)\\})? (\\S+)(?: -?\\d+)?$`,
);
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"/g;

function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  text.split('\n').forEach((line, index) => {
    if (line === '') return;
    if (line.startsWith('# HELP ')) return;
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1] as string, type[2] as string);
      return;
    }
    if (line.startsWith('#')) throw new Error(`line ${index + 1}: unknown comment ${line}`);
    const match = SAMPLE_LINE.exec(line);
    if (!match) throw new Error(`line ${index + 1}: not a sample: ${line}`);
    const labels = new Map<string, string>();
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL))
      labels.set(key as string, value as string);
    const raw = match[3] as string;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    if (Number.isNaN(value) && raw !== 'NaN')
      throw new Error(`line ${index + 1}: bad value ${raw}`);
    const family = (match[1] as string).replace(/_(bucket|sum|count)$/, '');
    if (!types.has(match[1] as string) && !types.has(family))
      throw new Error(`line ${index + 1}: sample before its TYPE: ${line}`);
    samples.push({ name: match[1] as string, labels, value });
  });
  return { types, samples };
}

function sum(exposition: Exposition, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const sample of exposition.samples) {
    if (sample.name !== name) continue;
    if (Object.entries(labels).every(([k, v]) => sample.labels.get(k) === v)) total += sample.value;
  }
  return total;
}

const DESIGN_METRICS: [string, string][] = [
  ['njord_fills_applied_total', 'counter'],
  ['njord_fills_duplicate_total', 'counter'],
  ['njord_dead_letters_total', 'counter'],
  ['njord_plans_total', 'counter'],
  ['njord_intents_published_total', 'counter'],
  ['njord_marks_applied_total', 'counter'],
  ['njord_marks_stale_total', 'counter'],
  ['njord_sleeve_capital', 'gauge'],
  ['njord_sleeve_target', 'gauge'],
  ['njord_sleeve_drift', 'gauge'],
  ['njord_portfolio_equity', 'gauge'],
  ['njord_pending_entries', 'gauge'],
  ['njord_batch_seconds', 'histogram'],
  ['njord_journal_fsync_seconds', 'histogram'],
  ['njord_redis_ack_seconds', 'histogram'],
  ['njord_checkpoint_seconds', 'gauge'],
  ['njord_lock_held', 'gauge'],
  ['njord_halted', 'gauge'],
];

// prom-client names counters without `_total` in TYPE lines? No: it keeps the name given.
function typeOf(exposition: Exposition, name: string): string | undefined {
  return exposition.types.get(name) ?? exposition.types.get(name.replace(/_total$/, ''));
}

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

describe('the HTTP side of a running manager', () => {
  const env = useManagerWithHttp('ops-http');

  const startWithHttp = (listen = '127.0.0.1:0', token: string | null = null) =>
    env.startWithHttp(PORTFOLIO, { listen, token });

  it('serves every metric named for operators, with counters equal to the manager’s own', async () => {
    const { manager, base } = await startWithHttp();
    const fills = `${env.prefix}:fills`;
    const prices = `${env.prefix}:prices`;
    const fill = (id: string, strategy: string, symbol: string, quantity: number, price: number) =>
      JSON.stringify({
        fill_id: id,
        strategy_id: strategy,
        symbol,
        side: 'buy',
        quantity,
        price,
        fee: 1,
        timestamp_ns: String(RECENT_NS),
      });
    // The sequence: 2 fills applied, 1 duplicate, 2 dead letters on fills (not JSON, invalid),
    // a mark applied that makes alpha drift past 5% (a plan), a mark jump dead-lettered.
    await addEntries(env.redis, fills, [
      fill('f-1', 'alpha', 'AAA', 400, 100),
      fill('f-2', 'beta', 'BBB', 100, 50),
      fill('f-1', 'alpha', 'AAA', 400, 100),
      '{not json',
      JSON.stringify({ fill_id: 'bad', strategy_id: 'alpha', symbol: 'AAA', side: 'buy' }),
    ]);
    await waitFor(() => manager.counters.fills_duplicate === 1, 5000, 'the fills');
    // AAA 100 -> 140: alpha holds 400 AAA, so its capital is 50000 - 1 + 400 x 40 = 65999 and
    // the equity 100000 - 2 + 16000 = 115998 (target 57999): drift 13.8% > 5%, a plan.
    await addEntries(env.redis, prices, [
      JSON.stringify({ symbol: 'AAA', price: 140, timestamp_ns: '1700000000000000001' }),
    ]);
    await waitFor(() => manager.counters.plans === 1, 5000, 'a plan');
    await addEntries(env.redis, prices, [
      JSON.stringify({ symbol: 'AAA', price: 1400, timestamp_ns: '1700000000000000002' }),
    ]);
    await waitFor(() => manager.counters.dead_lettered === 3, 5000, 'the mark jump');

    const response = await get(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const metrics = parseExposition(response.text);
    for (const [name, type] of DESIGN_METRICS) expect(typeOf(metrics, name), name).toBe(type);

    const own = manager.counters;
    // The hand-counted sequence, and the manager's own counters, agree with the exposition.
    expect([own.fills_applied, own.fills_duplicate, own.dead_lettered, own.plans]).toEqual([
      2, 1, 3, 1,
    ]);
    expect(sum(metrics, 'njord_fills_applied_total')).toBe(own.fills_applied);
    expect(sum(metrics, 'njord_fills_duplicate_total')).toBe(own.fills_duplicate);
    expect(sum(metrics, 'njord_dead_letters_total')).toBe(own.dead_lettered);
    expect(sum(metrics, 'njord_dead_letters_total', { source: 'fills' })).toBe(2);
    expect(sum(metrics, 'njord_dead_letters_total', { source: 'fills', reason: 'not_json' })).toBe(
      1,
    );
    expect(
      sum(metrics, 'njord_dead_letters_total', { source: 'prices', reason: 'mark_jump' }),
    ).toBe(1);
    expect(sum(metrics, 'njord_plans_total', { reason: 'threshold' })).toBe(1);
    expect(sum(metrics, 'njord_intents_published_total')).toBe(own.intents_published);
    expect(own.intents_published).toBeGreaterThan(0);
    expect(sum(metrics, 'njord_marks_applied_total')).toBe(own.marks_applied);
    expect(sum(metrics, 'njord_marks_applied_total')).toBe(1);
    expect(sum(metrics, 'njord_lock_held')).toBe(1);
    expect(sum(metrics, 'njord_halted')).toBe(0);
    // Every batch was timed; the journal was synced at least once per batch (fsync: batch).
    expect(sum(metrics, 'njord_batch_seconds_count')).toBeGreaterThanOrEqual(3);
    expect(sum(metrics, 'njord_journal_fsync_seconds_count')).toBeGreaterThanOrEqual(3);
    expect(sum(metrics, 'njord_redis_ack_seconds_count')).toBe(
      sum(metrics, 'njord_batch_seconds_count'),
    );
    // Gauges: equal to the state the manager reports now (three sleeves).
    const snapshot = manager.currentSnapshot();
    expect(snapshot).not.toBeNull();
    if (snapshot === null) return;
    for (const id of Object.keys(PORTFOLIO.weights)) {
      expect(sum(metrics, 'njord_sleeve_capital', { strategy: id })).toBeCloseTo(
        snapshot.strategyAllocations[id] as number,
        6,
      );
      expect(sum(metrics, 'njord_sleeve_target', { strategy: id })).toBeCloseTo(
        snapshot.targetAllocations[id] as number,
        6,
      );
    }
    // 115998 before the plan's trades; the plan's costs are zero here (no costs in the file).
    expect(sum(metrics, 'njord_portfolio_equity')).toBeCloseTo(snapshot.totalEquity, 6);
    expect(snapshot.totalEquity).toBeCloseTo(115_998, 6);
    // Everything read and acknowledged: nothing pending on either stream.
    expect(sum(metrics, 'njord_pending_entries', { stream: 'fills' })).toBe(0);
    expect(sum(metrics, 'njord_pending_entries', { stream: 'prices' })).toBe(0);

    const snap = await get(`${base}/api/snapshot`);
    expect(snap.status).toBe(200);
    const wire = JSON.parse(snap.text) as { portfolio_id: string; total_equity: number };
    expect(wire.portfolio_id).toBe('opsdesk');
    expect(wire.total_equity).toBeCloseTo(115_998, 6);
    expect((await get(`${base}/healthz`)).status).toBe(200);
    expect((await get(`${base}/readyz`)).status).toBe(200);
    expect((await get(`${base}/nope`)).status).toBe(404);
  });

  it('refuses a listen address off loopback without a token, and asks every path but /healthz for it', async () => {
    const files = writeConfigs(env.dir, { prefix: env.prefix, portfolio: PORTFOLIO });
    const loaded = await readConfig(files.basePath);
    if (!loaded.success) throw loaded.error;
    const tokenless = createHttpSide({
      config: loaded.data,
      http: { listen: '0.0.0.0:0', tokenEnv: 'X' },
      token: null,
      logger: env.log.logger,
    });
    await expect(
      tokenless.start({
        counters: {
          fills_applied: 0,
          fills_duplicate: 0,
          marks_applied: 0,
          marks_stale: 0,
          dead_lettered: 0,
          plans: 0,
          intents_published: 0,
        },
        recovered: false,
        lockHeld: false,
        currentSnapshot: () => null,
      }),
    ).rejects.toThrow(/not a loopback address/);

    const token = 'ops-secret-7f3a9c';
    const { base } = await startWithHttp('0.0.0.0:0', token);
    const port = new URL(base).port;
    const local = `http://127.0.0.1:${port}`;
    for (const path of ['/metrics', '/readyz', '/api/snapshot', '/', '/events']) {
      expect((await get(`${local}${path}`)).status, path).toBe(401);
      expect((await get(`${local}${path}`, { authorization: 'Bearer wrong' })).status, path).toBe(
        401,
      );
      // A token that only shares a prefix with the real one is refused too.
      expect(
        (await get(`${local}${path}`, { authorization: `Bearer ${token.slice(0, -1)}` })).status,
      ).toBe(401);
    }
    expect((await get(`${local}/healthz`)).status).toBe(200);
    expect((await get(`${local}/metrics`, { authorization: `Bearer ${token}` })).status).toBe(200);
    const basic = Buffer.from(`ops:${token}`).toString('base64');
    expect((await get(`${local}/readyz`, { authorization: `Basic ${basic}` })).status).toBe(200);
    // The secret never reaches a log line.
    expect(JSON.stringify(env.log.lines)).not.toContain(token);
  });
});

describe('readiness while another process holds the lock', () => {
  let http: HttpSide | undefined;
  let manager: PortfolioManager | undefined;
  let running: Promise<ManagerOutcome> | undefined;
  const env = useInProcessManager('ops-ready');

  afterEach(async () => {
    manager?.stop('test over');
    await running?.catch(() => undefined);
    await http?.close();
  });

  it('answers 503 on /readyz until the lock is free and taken, then 200', async () => {
    const files = writeConfigs(env.dir, { prefix: env.prefix, portfolio: PORTFOLIO });
    const lockKey = `${env.prefix}:portfolio:${PORTFOLIO.id}:lock`;
    // Another manager's token (host:pid:uuid form), held for a minute.
    await env.redis.set(lockKey, 'elsewhere:1:00000000-0000-4000-8000-000000000000', 'PX', 60_000);
    const loaded = await readConfig(files.basePath);
    if (!loaded.success) throw loaded.error;
    const { logger } = memoryLogger();
    http = createHttpSide({
      config: loaded.data,
      http: { listen: '127.0.0.1:0', tokenEnv: 'X' },
      token: null,
      logger,
    });
    manager = new PortfolioManager({
      config: loaded.data,
      logger,
      lock: { retryEveryMs: 50 },
      observer: http.observer,
    });
    const server = await http.start(manager);
    running = manager.run();
    const first = await get(`${server.url}/readyz`);
    expect(first.status).toBe(503);
    expect(JSON.parse(first.text)).toMatchObject({ ready: false, lock_held: false, redis: true });
    // Alive though not ready: a liveness probe must not restart a standby.
    expect((await get(`${server.url}/healthz`)).status).toBe(200);
    const metrics = await get(`${server.url}/metrics`);
    expect(metrics.text).toMatch(/^njord_lock_held 0$/m);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await get(`${server.url}/readyz`)).status).toBe(503);

    await env.redis.del(lockKey);
    await waitFor(
      async () => (await get(`${server.url}/readyz`)).status === 200,
      10_000,
      'ready after the lock is freed',
      50,
    );
    expect((await get(`${server.url}/metrics`)).text).toMatch(/^njord_lock_held 1$/m);
    void REDIS_URL;
  });
});
