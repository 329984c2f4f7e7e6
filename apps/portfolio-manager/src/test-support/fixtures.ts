// Test fixtures (not shipped): per-test Redis prefix, temp dir and managers, with their cleanup hooks.
import { existsSync, rmSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, expect } from 'vitest';
import { readConfig } from '../config.js';
import { createHttpSide, type HttpSide } from '../http/index.js';
import { type ManagerOptions, type ManagerOutcome, PortfolioManager } from '../service.js';
import {
  connectTestRedis,
  deleteKeys,
  killAndWait,
  MAIN_JS,
  type ManagerProcess,
  memoryLogger,
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
