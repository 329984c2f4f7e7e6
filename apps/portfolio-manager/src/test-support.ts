// Test helpers (not shipped): Redis prefixes and streams, temp dirs, loggers, configs, journal, child managers.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import {
  decodeFillEvent,
  type PortfolioConfig,
  safeDecodeJournalLine,
} from '@njord/portfolio-contracts';
import { PortfolioTracker } from '@njord/portfolio-tracker';
import { pino } from 'pino';
import { currentSegment, scanJournal } from './adapters/journal-file.js';
import type { RedisKeys } from './adapters/streams.js';
import { type LoadedConfig, validateConfig } from './config.js';
import { recoverFromScan } from './recovery.js';
import type { Logger } from './logger.js';

export const REDIS_URL = process.env.NJORD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniquePrefix(label: string): string {
  return `njtest-${label}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

export function connectTestRedis(url = REDIS_URL): Redis {
  return new Redis(url, { maxRetriesPerRequest: 3 });
}

/** Deletes every key under the prefix (SCAN, not KEYS). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `njord-${label}-`));
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** A logger whose lines a test can read. */
export function memoryLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    {
      write(chunk: string) {
        lines.push(JSON.parse(chunk) as Record<string, unknown>);
      },
    },
  );
  return { logger, lines };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until `check` returns a value other than undefined/false, or throws after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  what: string,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

// --- configs --------------------------------------------------------------------------

export interface TestPortfolio {
  readonly id: string;
  readonly totalCapital: number;
  readonly threshold: number;
  /** strategy id -> target weight. */
  readonly weights: Record<string, number>;
}

export function portfolioYaml(portfolio: TestPortfolio): string {
  const allocations = Object.entries(portfolio.weights)
    .map(
      ([id, weight]) =>
        `    - {strategy_id: ${id}, target_weight: ${weight}, min_capital: 0, max_capital: 1000000000}`,
    )
    .join('\n');
  return [
    'portfolio:',
    `  id: ${portfolio.id}`,
    `  total_capital: ${portfolio.totalCapital}`,
    `  rebalance_threshold: ${portfolio.threshold}`,
    '  allocations:',
    allocations,
    '',
  ].join('\n');
}

export interface TestConfigFiles {
  readonly dir: string;
  readonly basePath: string;
  readonly portfolioPath: string;
  readonly journalPath: string;
}

/** Writes base.yaml (+ the portfolio file) into `dir`. `extra` are raw YAML lines. */
export function writeConfigs(
  dir: string,
  options: {
    prefix: string;
    redisUrl?: string;
    portfolio: TestPortfolio;
    /** The portfolio file's text, instead of `portfolioYaml(portfolio)` (bounds, risk_adjustment...). */
    portfolioText?: string;
    extra?: readonly string[];
  },
): TestConfigFiles {
  const portfolioPath = join(dir, 'portfolio.yaml');
  writeFileSync(portfolioPath, options.portfolioText ?? portfolioYaml(options.portfolio));
  const basePath = join(dir, 'base.yaml');
  writeFileSync(
    basePath,
    [
      `redis: {url: "${options.redisUrl ?? REDIS_URL}", prefix: "${options.prefix}"}`,
      `portfolio_config: ${portfolioPath}`,
      `journal_dir: ${join(dir, 'journal')}`,
      ...(options.extra ?? ['check_interval_seconds: 60', 'snapshot_interval_seconds: 60']),
      '',
    ].join('\n'),
  );
  return { dir, basePath, portfolioPath, journalPath: join(dir, 'journal', 'portfolio.ndjson') };
}

// --- inputs ---------------------------------------------------------------------------

export interface WireFill {
  fill_id: string;
  strategy_id: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: number;
  price: number;
  fee: number;
  timestamp_ns: string;
  portfolio_id?: string;
  intent_id?: string;
}

/**
 * An hour before the tests started, in ns: fills stamped from here on are inside the manager's
 * default dedupe window (168 h) and not in its future.
 */
export const RECENT_NS = BigInt(Date.now() - 3_600_000) * 1_000_000n;

/**
 * Fills `from` to `to` - 1 as stream payloads: fill `i` has id `f-i`, timestamp RECENT_NS + i ns
 * and the rest from `fields(i)`.
 */
export function numberedFills(
  from: number,
  to: number,
  fields: (i: number) => Omit<WireFill, 'fill_id' | 'timestamp_ns'>,
): string[] {
  const out: string[] = [];
  for (let i = from; i < to; i++) {
    out.push(
      JSON.stringify({
        fill_id: `f-${i}`,
        ...fields(i),
        timestamp_ns: String(RECENT_NS + BigInt(i)),
      }),
    );
  }
  return out;
}

/** XADDs `data` payloads to a stream in one pipeline; returns the entry ids. */
export async function addEntries(
  redis: Redis,
  stream: string,
  payloads: readonly string[],
): Promise<string[]> {
  const pipeline = redis.pipeline();
  for (const payload of payloads) pipeline.xadd(stream, '*', 'data', payload);
  const results = (await pipeline.exec()) ?? [];
  return results.map(([error, id]) => {
    if (error) throw error;
    return id as string;
  });
}

/** True when the group has delivered and acknowledged everything on the stream. */
export async function isDrained(redis: Redis, stream: string, group: string): Promise<boolean> {
  const groups = (await redis.xinfo('GROUPS', stream)) as unknown[][];
  for (const info of groups) {
    const fields = new Map<string, unknown>();
    for (let i = 0; i + 1 < info.length; i += 2) fields.set(String(info[i]), info[i + 1]);
    if (fields.get('name') !== group) continue;
    return fields.get('pending') === 0 && fields.get('lag') === 0;
  }
  return false;
}

/** Waits until the manager's group has drained both the fills and the prices stream. */
export async function waitForDrained(
  redis: Redis,
  keys: RedisKeys,
  timeoutMs: number,
  options: { everyMs?: number; what?: string } = {},
): Promise<void> {
  await waitFor(
    async () =>
      (await isDrained(redis, keys.fills, keys.group)) &&
      (await isDrained(redis, keys.prices, keys.group)),
    timeoutMs,
    options.what ?? 'streams drained',
    options.everyMs,
  );
}

/** The uninterrupted run: one tracker fed each entry of the fills stream once, in stream order. */
export async function replayFillStream(
  redis: Redis,
  stream: string,
  config: PortfolioConfig,
): Promise<PortfolioTracker> {
  const reference = new PortfolioTracker(config);
  for (const [, fields] of await redis.xrange(stream, '-', '+')) {
    reference.onFill(decodeFillEvent(JSON.parse(fields[1] ?? '')));
  }
  return reference;
}

// --- journal --------------------------------------------------------------------------

export function readJournalLines(path: string, portfolioId?: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.length === 0) continue;
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue; // a torn fragment
    }
    // Every whole line the manager writes validates against the journal schema (crc included).
    const decoded = safeDecodeJournalLine(line);
    if (!decoded.success) throw new Error(`${path}: ${decoded.error.message}\n${line}`);
    if (portfolioId === undefined || value.portfolio_id === portfolioId) out.push(value);
  }
  return out;
}

/**
 * The portfolio's tracker as a start recovers it from the journal file: the last checkpoint,
 * the chain of earlier checkpoints behind it (the older fill ids) and the lines after it.
 */
export function recoveredTracker(
  journalPath: string,
  config: PortfolioConfig,
  options: { readonly segmented?: boolean } = {},
): PortfolioTracker {
  const current =
    options.segmented === true
      ? currentSegment(journalPath, config.id)
      : { path: journalPath, segment: undefined };
  const scan = scanJournal(current.path, config.id);
  return recoverFromScan(current.path, scan, config, {}, 0n, {
    segment: current.segment,
    oneFile: journalPath,
  }).recovered.kernel.tracker;
}

/** The last checkpoint line of a journal's lines, if any. */
export function lastCheckpoint(
  lines: readonly Record<string, unknown>[],
): Record<string, unknown> | undefined {
  return lines.filter((line) => line.type === 'checkpoint').at(-1);
}

// --- child processes ------------------------------------------------------------------

export const MAIN_JS = join(import.meta.dirname, '..', 'dist', 'main.js');

export interface ManagerProcess {
  readonly child: ChildProcess;
  readonly logs: Record<string, unknown>[];
  readonly stderr: string[];
  readonly exited: Promise<number | null>;
  hasLog(message: string): boolean;
  waitForLog(message: string, timeoutMs: number): Promise<Record<string, unknown>>;
}

/** `wrapper`: a command the manager runs under (`['unshare', '-p', ...]`), default none. */
export function spawnManager(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  wrapper: readonly string[] = [],
): ManagerProcess {
  const childEnv = { ...process.env, ...env };
  delete childEnv.NJORD_REDIS_URL;
  if (env.NJORD_REDIS_URL !== undefined) childEnv.NJORD_REDIS_URL = env.NJORD_REDIS_URL;
  const command = [...wrapper, process.execPath, MAIN_JS, ...args];
  const child = spawn(command[0] as string, command.slice(1), {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.length === 0) continue;
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const hasLog = (message: string) => logs.some((line) => line.msg === message);
  return {
    child,
    logs,
    stderr,
    exited,
    hasLog,
    waitForLog: (message, timeoutMs) =>
      waitFor(() => logs.find((line) => line.msg === message), timeoutMs, `log "${message}"`),
  };
}

export async function killAndWait(processes: readonly ManagerProcess[]): Promise<void> {
  await Promise.all(
    processes.map(async (manager) => {
      if (manager.child.exitCode === null && manager.child.signalCode === null) {
        manager.child.kill('SIGKILL');
        await manager.exited;
      }
    }),
  );
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A sleeve's book, for comparing two runs exactly. */
export interface SleeveFacts {
  cash: number;
  fees: number;
  realizedPnl: number;
  units: Record<string, number>;
}

/** Each sleeve's cash, fees, realized PnL and units per symbol. */
export function sleeveFacts(tracker: PortfolioTracker): Record<string, SleeveFacts> {
  const out: Record<string, SleeveFacts> = {};
  for (const id of tracker.getStrategyIds()) {
    const sleeve = tracker.getSleeve(id);
    const units: Record<string, number> = {};
    for (const [symbol, position] of Object.entries(sleeve.positions))
      units[symbol] = position.units;
    out[id] = { cash: sleeve.cash, fees: sleeve.fees, realizedPnl: sleeve.realizedPnl, units };
  }
  return out;
}

/**
 * A loaded config for a LiveLoop driven in-process (no Redis, no config files): the journal in
 * `dir`, not fsynced, checks hourly and no interval snapshot.
 */
export function inProcessLoopConfig(dir: string, portfolio: PortfolioConfig): LoadedConfig {
  const manager = validateConfig({
    portfolio_config: 'portfolio.yaml',
    journal_dir: dir,
    journal_fsync: 'never',
    check_interval_seconds: 3600,
    snapshot_interval_seconds: 1e9,
  });
  if (!manager.success) throw manager.error;
  return {
    manager: manager.data,
    portfolio,
    configPath: join(dir, 'base.yaml'),
    portfolioPath: join(dir, 'portfolio.yaml'),
    journalPath: join(dir, 'portfolio.ndjson'),
  };
}
