// The manager's own config (config/base.yaml): schema, defaults, overrides and file loading.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  ContractError,
  type ContractIssue,
  type PortfolioConfig,
  type Result,
  toContractIssues,
} from '@njord/portfolio-contracts';
import { parseYamlText } from '@njord/portfolio-contracts/yaml';
import { loadPortfolioConfig } from '@njord/portfolio-contracts/node';
import { z } from 'zod';

export const JOURNAL_FSYNC_POLICIES = ['batch', 'always', 'never'] as const;
export type JournalFsyncPolicy = (typeof JOURNAL_FSYNC_POLICIES)[number];

export const CLOCK_KINDS = ['system', 'event'] as const;
export type ClockKind = (typeof CLOCK_KINDS)[number];

export const DEFAULT_HTTP_TOKEN_ENV = 'NJORD_HTTP_TOKEN';

/** The HTTP side (metrics, probes, dashboard); off when the file has no `http` and no `--http`. */
export interface HttpConfig {
  /** `host:port` (IPv6 hosts in brackets: `[::1]:9464`). */
  readonly listen: string;
  /** The environment variable holding the bearer token (required off loopback). */
  readonly tokenEnv: string;
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_PREFIX = 'njord';
/** The seed's journal file name, inside `journal_dir`. */
export const JOURNAL_FILE_NAME = 'portfolio.ndjson';

export interface ManagerConfig {
  readonly redis: { readonly url: string; readonly prefix: string };
  /** As written in the file; `readConfig` resolves it against the working directory. */
  readonly portfolioConfig: string;
  readonly journalDir: string;
  readonly checkIntervalSeconds: number;
  readonly snapshotIntervalSeconds: number;
  readonly journalFsync: JournalFsyncPolicy;
  readonly maxMarkJump: number;
  readonly planTimeoutSeconds: number;
  /** A fill or mark stamped more than this ahead of the clock is dead-lettered (`future_timestamp`). */
  readonly maxFutureSeconds: number;
  /**
   * Exactly-once per `fill_id` holds within this window of the clock; an older fill is
   * dead-lettered (`too_old`), and fill ids older than it are forgotten.
   */
  readonly dedupeWindowHours: number;
  /** A `checkpoint` line after at least this many journal lines (an addition to the documented keys). */
  readonly checkpointEvery: number;
  /**
   * Keep the journal in per-portfolio segment files of about this many bytes, removing those
   * no checkpoint needs (null: one file, `portfolio.ndjson`).
   */
  readonly journalSegmentBytes: number | null;
  /**
   * Length of one sleeve-return sample for risk adjustment (an addition): every snapshot's
   * flow-adjusted return is chained into the open period, which closes at the first snapshot
   * this long after it opened.
   */
  readonly returnSampleSeconds: number;
  /** `system`: the wall clock; `event`: time is the latest input's timestamp (tapes). */
  readonly clock: ClockKind;
  readonly http: HttpConfig | null;
}

const PREFIX_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

function isRedisUrl(value: string): boolean {
  if (!/^rediss?:\/\//i.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

const redisUrl = z.string().refine(isRedisUrl, {
  error: 'must be a redis:// or rediss:// URL',
});

function strict<S extends z.core.$ZodLooseShape>(shape: S) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? `unknown key (allowed: ${allowed})` : undefined,
  });
}

const positive = z.number().gt(0);

const LISTEN_PATTERN = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `host:port`, `[v6]:port`; port 0 picks a free one. Null when malformed. */
export function parseListen(listen: string): { host: string; port: number } | null {
  if (!LISTEN_PATTERN.test(listen)) return null;
  const colon = listen.lastIndexOf(':');
  const port = Number(listen.slice(colon + 1));
  if (!Number.isInteger(port) || port > 65_535) return null;
  let host = listen.slice(0, colon);
  if (host.startsWith('[')) host = host.slice(1, -1);
  return { host, port };
}

const listenAddress = z.string().refine((value) => parseListen(value) !== null, {
  error: 'must be host:port (IPv6 as [addr]:port), port 0..65535',
});

const ManagerConfigFileSchema = strict({
  redis: strict({
    url: redisUrl.default(DEFAULT_REDIS_URL),
    prefix: z
      .string()
      .regex(PREFIX_PATTERN, { error: `must match ${String(PREFIX_PATTERN)}` })
      .default(DEFAULT_PREFIX),
  }).default({ url: DEFAULT_REDIS_URL, prefix: DEFAULT_PREFIX }),
  portfolio_config: z.string().min(1),
  journal_dir: z.string().min(1).default('var/log/njord'),
  check_interval_seconds: positive.default(60),
  snapshot_interval_seconds: positive.default(10),
  journal_fsync: z.enum(JOURNAL_FSYNC_POLICIES).default('batch'),
  max_mark_jump: positive.default(0.5),
  plan_timeout_seconds: positive.default(300),
  max_future_seconds: positive.default(300),
  dedupe_window_hours: positive.default(168),
  checkpoint_every: z.int().gte(1).default(1000),
  journal_segment_mb: positive.optional(),
  return_sample_seconds: positive.default(3600),
  clock: z.enum(CLOCK_KINDS).default('system'),
  http: strict({
    listen: listenAddress,
    token_env: z
      .string()
      .regex(ENV_NAME_PATTERN, { error: 'must be an environment variable name' })
      .default(DEFAULT_HTTP_TOKEN_ENV),
  }).optional(),
});

/** Validates the parsed base.yaml; every broken rule is reported at once, with wire paths. */
export function validateConfig(raw: unknown): Result<ManagerConfig, ContractError> {
  const parsed = ManagerConfigFileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    return { success: false, error: new ContractError(toContractIssues(parsed.error.issues, raw)) };
  }
  const file = parsed.data;
  return {
    success: true,
    data: {
      redis: { url: file.redis.url, prefix: file.redis.prefix },
      portfolioConfig: file.portfolio_config,
      journalDir: file.journal_dir,
      checkIntervalSeconds: file.check_interval_seconds,
      snapshotIntervalSeconds: file.snapshot_interval_seconds,
      journalFsync: file.journal_fsync,
      maxMarkJump: file.max_mark_jump,
      planTimeoutSeconds: file.plan_timeout_seconds,
      maxFutureSeconds: file.max_future_seconds,
      dedupeWindowHours: file.dedupe_window_hours,
      checkpointEvery: file.checkpoint_every,
      journalSegmentBytes:
        file.journal_segment_mb === undefined
          ? null
          : Math.max(1, Math.round(file.journal_segment_mb * 1e6)),
      returnSampleSeconds: file.return_sample_seconds,
      clock: file.clock,
      http:
        file.http === undefined
          ? null
          : { listen: file.http.listen, tokenEnv: file.http.token_env },
    },
  };
}

export interface ConfigOverrides {
  /** `--redis-url`. */
  readonly redisUrlFlag?: string | undefined;
  /** `NJORD_REDIS_URL`. */
  readonly redisUrlEnv?: string | undefined;
  /** `--http host:port`: turns the HTTP side on (or moves it). */
  readonly httpFlag?: string | undefined;
}

/** A flag beats NJORD_REDIS_URL beats the file beats the default. Pure. */
export function applyOverrides(
  config: ManagerConfig,
  overrides: ConfigOverrides,
): Result<ManagerConfig, ContractError> {
  const candidates: [string, string | undefined][] = [
    ['--redis-url', overrides.redisUrlFlag],
    ['NJORD_REDIS_URL', overrides.redisUrlEnv],
  ];
  if (overrides.httpFlag !== undefined) {
    if (parseListen(overrides.httpFlag) === null) {
      return {
        success: false,
        error: new ContractError([
          { path: '--http', message: 'must be host:port (IPv6 as [addr]:port), port 0..65535' },
        ]),
      };
    }
    config = {
      ...config,
      http: {
        listen: overrides.httpFlag,
        tokenEnv: config.http?.tokenEnv ?? DEFAULT_HTTP_TOKEN_ENV,
      },
    };
  }
  for (const [source, value] of candidates) {
    if (value === undefined || value === '') continue;
    if (!isRedisUrl(value)) {
      return {
        success: false,
        error: new ContractError([
          { path: source, message: 'must be a redis:// or rediss:// URL' },
        ]),
      };
    }
    return { success: true, data: { ...config, redis: { ...config.redis, url: value } } };
  }
  return { success: true, data: config };
}

export { redactRedisUrl } from '@njord/portfolio-contracts/node';

export interface LoadedConfig {
  readonly manager: ManagerConfig;
  readonly portfolio: PortfolioConfig;
  /** Absolute paths, resolved against the working directory. */
  readonly configPath: string;
  readonly portfolioPath: string;
  readonly journalPath: string;
}

function prefixIssues(error: ContractError, file: string): ContractIssue[] {
  // Syntax and I/O issues already name the file (with line and column).
  if (error.code !== 'invalid_input') return [...error.issues];
  return error.issues.map((issue) => ({ path: `${file}: ${issue.path}`, message: issue.message }));
}

/**
 * Reads base.yaml and the portfolio file it names; every problem of both files is
 * reported in one ContractError (paths prefixed by the file).
 */
export async function readConfig(
  path: string,
  overrides: ConfigOverrides = {},
  cwd: string = process.cwd(),
): Promise<Result<LoadedConfig, ContractError>> {
  const configPath = resolve(cwd, path);
  let text: string;
  try {
    text = await readFile(configPath, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    return {
      success: false,
      error: new ContractError([{ path, message: `cannot read the file (${reason})` }], 'io'),
    };
  }
  const yaml = parseYamlText(text, path);
  if (!yaml.success) return yaml;
  const validated = validateConfig(yaml.data);
  if (!validated.success) {
    return { success: false, error: new ContractError(prefixIssues(validated.error, path)) };
  }
  const overridden = applyOverrides(validated.data, overrides);
  if (!overridden.success) return overridden;
  const manager = overridden.data;
  const portfolioPath = resolve(cwd, manager.portfolioConfig);
  let portfolio: PortfolioConfig;
  try {
    portfolio = await loadPortfolioConfig(portfolioPath);
  } catch (error) {
    if (error instanceof ContractError) {
      return {
        success: false,
        error: new ContractError(prefixIssues(error, manager.portfolioConfig), error.code),
      };
    }
    throw error;
  }
  return {
    success: true,
    data: {
      manager,
      portfolio,
      configPath,
      portfolioPath,
      journalPath: resolve(cwd, manager.journalDir, JOURNAL_FILE_NAME),
    },
  };
}
