// Test fixtures (not shipped): per-test Redis prefix, temp dir and managers, with their cleanup hooks.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, expect } from 'vitest';
import { createEventClock } from '../adapters/clock.js';
import { readConfig } from '../config.js';
import { createHttpSide, type HttpSide } from '../http/index.js';
import { PaperBroker } from '../paper/broker.js';
import { type ManagerOptions, type ManagerOutcome, PortfolioManager } from '../service.js';
import { playTape, readTape } from '../tape/tape.js';
import {
  connectTestRedis,
  deleteKeys,
  killAndWait,
  MAIN_JS,
  type ManagerProcess,
  memoryLogger,
  REDIS_URL,
  spawnManager,
  tempDir,
  type TestConfigFiles,
  type TestPortfolio,
  uniquePrefix,
  waitFor,
  writeConfigs,
} from '../test-support.js';

/** What one test gets: a connection to the shared Redis, its own key prefix and temp dir. */
export interface TestEnv {
  readonly redis: Redis;
  readonly prefix: string;
  readonly dir: string;
}

interface Hooks {
  /** Runs after the env is ready (before each test). */
  readonly setup?: () => Promise<void> | void;
  /** Runs first after each test, before the keys are deleted and the dir removed. */
  readonly cleanup?: () => Promise<void> | void;
}

/**
 * Before each test: a fresh prefix, temp dir and (unless `sharedRedis` is false) connection;
 * after it: `cleanup`, then the prefix's keys deleted, the connection closed, the dir removed.
 */
function useTestEnv(label: string, options: Hooks & { sharedRedis?: boolean }): TestEnv {
  const sharedRedis = options.sharedRedis ?? true;
  let redis: Redis | undefined;
  let prefix = '';
  let dir = '';
  beforeEach(async () => {
    if (sharedRedis) redis = connectTestRedis();
    prefix = uniquePrefix(label);
    dir = tempDir(label);
    await options.setup?.();
  });
  afterEach(async () => {
    await options.cleanup?.();
    if (redis) {
      await deleteKeys(redis, prefix);
      redis.disconnect();
      redis = undefined;
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    get redis() {
      if (!redis) throw new Error('this fixture has no shared Redis connection');
      return redis;
    },
    get prefix() {
      return prefix;
    },
    get dir() {
      return dir;
    },
  };
}

/** `env` with `extra`'s properties, getters kept as getters. */
function extendEnv<T extends object>(env: TestEnv, extra: T): TestEnv & T {
  return Object.defineProperties(
    Object.create(env) as TestEnv,
    Object.getOwnPropertyDescriptors(extra),
  ) as TestEnv & T;
}

export interface ManagerProcessEnv extends TestEnv {
  /** Every manager spawned in this test, oldest first. */
  readonly children: readonly ManagerProcess[];
  /** `spawnManager`, and SIGKILLed after the test if it still runs. */
  spawn(
    args: readonly string[],
    env?: NodeJS.ProcessEnv,
    wrapper?: readonly string[],
  ): ManagerProcess;
}

/**
 * The env for tests of the built manager (dist/main.js, which must exist): managers spawned
 * through it are killed after each test, before `cleanup` and the env's own cleanup.
 */
export function useManagerProcesses(
  label: string,
  options: Hooks & { sharedRedis?: boolean } = {},
): ManagerProcessEnv {
  const children: ManagerProcess[] = [];
  const env = useTestEnv(label, {
    sharedRedis: options.sharedRedis ?? true,
    setup: async () => {
      if (!existsSync(MAIN_JS)) throw new Error(`build the app first: ${MAIN_JS} is missing`);
      await options.setup?.();
    },
    cleanup: async () => {
      await killAndWait(children.splice(0));
      await options.cleanup?.();
    },
  });
  return extendEnv<Omit<ManagerProcessEnv, keyof TestEnv>>(env, {
    children,
    spawn(args: readonly string[], childEnv?: NodeJS.ProcessEnv, wrapper?: readonly string[]) {
      const manager = spawnManager(args, childEnv, wrapper);
      children.push(manager);
      return manager;
    },
  });
}

export interface InProcessEnv extends TestEnv {
  /** The log lines of the running manager (cleared at each start). */
  readonly log: ReturnType<typeof memoryLogger>;
  /** The manager started last, until it is stopped. */
  readonly manager: PortfolioManager | undefined;
  /** Reads the config at `basePath`, runs a manager and waits (5 s) for its first status line. */
  start(
    basePath: string,
    options?: Omit<ManagerOptions, 'config' | 'logger' | 'lock'>,
  ): Promise<PortfolioManager>;
  /** Stops the manager and expects its run to end 'stopped'. */
  stop(): Promise<void>;
}

/** The env for tests of PortfolioManager in-process: a running manager is stopped after each test. */
export function useInProcessManager(label: string, options: Hooks = {}): InProcessEnv {
  const log = memoryLogger();
  let manager: PortfolioManager | undefined;
  let running: Promise<ManagerOutcome> | undefined;
  const env = useTestEnv(label, {
    setup: async () => {
      await options.setup?.();
      log.lines.length = 0;
    },
    cleanup: async () => {
      manager?.stop('test over');
      if (running) await running.catch(() => undefined);
      manager = undefined;
      running = undefined;
      await options.cleanup?.();
    },
  });
  return extendEnv<Omit<InProcessEnv, keyof TestEnv>>(env, {
    log,
    get manager() {
      return manager;
    },
    async start(
      basePath: string,
      managerOptions: Omit<ManagerOptions, 'config' | 'logger' | 'lock'> = {},
    ) {
      const loaded = await readConfig(basePath);
      if (!loaded.success) throw loaded.error;
      log.lines.length = 0;
      const started = new PortfolioManager({
        config: loaded.data,
        logger: log.logger,
        lock: { retryEveryMs: 50 },
        ...managerOptions,
      });
      manager = started;
      running = started.run();
      await waitFor(
        () => log.lines.some((line) => line.msg === 'portfolio status'),
        5000,
        'manager start',
      );
      return started;
    },
    async stop() {
      manager?.stop('test');
      expect(await running).toBe('stopped');
      manager = undefined;
      running = undefined;
    },
  });
}

export interface HttpManagerEnv extends InProcessEnv {
  /**
   * Writes the configs for `portfolio` (`extra`: raw base.yaml lines), runs a manager and
   * serves its HTTP side (loopback, a free port, no token unless given); both end after the test.
   */
  startWithHttp(
    portfolio: TestPortfolio,
    options?: {
      readonly listen?: string;
      readonly token?: string | null;
      readonly extra?: readonly string[];
      readonly nowNs?: () => bigint;
    },
  ): Promise<{
    readonly manager: PortfolioManager;
    /** `http://host:port` of the HTTP side. */
    readonly base: string;
    readonly files: TestConfigFiles;
    readonly http: HttpSide;
  }>;
}

/** The env for tests of the manager's HTTP side: an in-process manager and its server. */
export function useManagerWithHttp(label: string): HttpManagerEnv {
  let http: HttpSide | undefined;
  const env = useInProcessManager(label, {
    cleanup: async () => {
      await http?.close();
      http = undefined;
    },
  });
  return extendEnv<Pick<HttpManagerEnv, 'startWithHttp'>>(env, {
    async startWithHttp(portfolio, options = {}) {
      const files = writeConfigs(env.dir, {
        prefix: env.prefix,
        portfolio,
        ...(options.extra === undefined ? {} : { extra: options.extra }),
      });
      const loaded = await readConfig(files.basePath);
      if (!loaded.success) throw loaded.error;
      const side = createHttpSide({
        config: loaded.data,
        http: { listen: options.listen ?? '127.0.0.1:0', tokenEnv: 'UNUSED' },
        token: options.token ?? null,
        logger: env.log.logger,
        ...(options.nowNs === undefined ? {} : { nowNs: options.nowNs }),
      });
      http = side;
      const manager = await env.start(files.basePath, { observer: side.observer });
      const server = await side.start(manager);
      return { manager, base: server.url, files, http: side };
    },
  }) as HttpManagerEnv;
}

// --- the live path against a backtest, through a tape --------------------------------------

/** The repository's root (this file is apps/portfolio-manager/src/test-support/fixtures.ts). */
export const REPO_ROOT = join(import.meta.dirname, '..', '..', '..', '..');
/** The built backtest runner (`pnpm build` first). */
export const BACKTEST_RUNNER = join(REPO_ROOT, 'apps', 'backtest-runner', 'dist', 'main.js');

/** Equal to 1e-9: relative past 1, absolute below. */
export function closeTo(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

export interface WireTrade {
  readonly strategy_id: string;
  readonly symbol: string;
  readonly side: string;
  readonly quantity: number;
}

/** A plan as the runner's result file and the manager's journal both write it. */
export interface WirePlan {
  readonly timestamp_ns: string;
  readonly reason: string;
  readonly transfers: Record<string, number>;
  readonly trades: WireTrade[];
}

export interface WireBreaker {
  readonly timestamp_ns: string;
  readonly type: string;
  readonly strategy_id: string | null;
  readonly reason: string;
  readonly drawdown: number | null;
}

/** What the tests read of the runner's result file. */
export interface BacktestResult {
  readonly breakers: WireBreaker[];
  readonly rebalances: WirePlan[];
  readonly equity_curve: { timestamp_ns: string; strategies: Record<string, number> }[];
}

/**
 * Backtests the portfolio `portfolioText` (whose id is `id`) on the prices at `dataPath` with
 * the built runner, writing its inputs as a tape: the tape's path and the result file, both in
 * `dir`.
 */
export function backtestWithTape(
  dir: string,
  id: string,
  portfolioText: string,
  dataPath: string,
): { tapePath: string; result: BacktestResult } {
  if (!existsSync(BACKTEST_RUNNER))
    throw new Error(`build the runner first: ${BACKTEST_RUNNER} is missing`);
  const portfolioPath = join(dir, `${id}.yaml`);
  writeFileSync(portfolioPath, portfolioText);
  const tapePath = join(dir, `${id}.tape.ndjson`);
  execFileSync(
    process.execPath,
    [
      BACKTEST_RUNNER,
      '--portfolio-config',
      portfolioPath,
      '--data',
      dataPath,
      '--journal-dir',
      dir,
      '--out',
      dir,
      '--no-report',
      '--quiet',
      '--tape',
      tapePath,
    ],
    { stdio: 'pipe' },
  );
  const result = JSON.parse(
    readFileSync(join(dir, `portfolio_${id}_result.json`), 'utf8'),
  ) as BacktestResult;
  return { tapePath, result };
}

/**
 * Plays the tape at `tapePath` through a manager of `env` (clock: event, no timed check or
 * snapshot, plans that never time out; `extra`: more base.yaml lines) and a paper broker on the
 * real Redis, at full speed, settling after each check. The broker is stopped after; the
 * manager is left running (`env.stop()` ends it).
 */
export async function playThroughManager(
  env: InProcessEnv,
  options: {
    readonly portfolioId: string;
    readonly portfolioText: string;
    readonly tapePath: string;
    readonly extra?: readonly string[];
  },
): Promise<{ manager: PortfolioManager; broker: PaperBroker; files: TestConfigFiles }> {
  const files = writeConfigs(env.dir, {
    prefix: env.prefix,
    portfolio: { id: options.portfolioId, totalCapital: 1, threshold: 1, weights: {} },
    portfolioText: options.portfolioText,
    extra: [
      'clock: event',
      'check_interval_seconds: 60',
      'snapshot_interval_seconds: 60',
      'plan_timeout_seconds: 1000000000',
      ...(options.extra ?? []),
    ],
  });
  const loaded = await readConfig(files.basePath);
  if (!loaded.success) throw loaded.error;
  const manager = await env.start(files.basePath, { clock: createEventClock() });
  const broker = new PaperBroker(loaded.data, memoryLogger().logger, { blockMs: 50 });
  const brokerRun = broker.run();
  const redis = new Redis(REDIS_URL);
  try {
    await playTape(redis, readTape(options.tapePath), {
      prefix: env.prefix,
      speed: 'max',
      settle: true,
      settleTimeoutMs: 30_000,
      nowMs: () => Date.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
  } finally {
    redis.disconnect();
    broker.stop();
    await brokerRun;
  }
  return { manager, broker, files };
}
