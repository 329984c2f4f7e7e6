// Entry point: flags -> read config -> wire adapters -> run; the only place that exits.
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command, CommanderError } from 'commander';
import type { ContractIssue } from '@njord/portfolio-contracts';
import { createEventClock } from './adapters/clock.js';
import { pingRedis } from './adapters/redis.js';
import { type LoadedConfig, readConfig, redactRedisUrl } from './config.js';
import { createLogger } from './logger.js';
import { createHttpSide, type HttpSide } from './http/index.js';
import { PortfolioManager } from './service.js';
import { runReplayCommand } from './replay.js';
import { isManagerCommand, runManagerCommand } from './command.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_CONFIG = 2;

const CHECK_REDIS_TIMEOUT_MS = 5_000;

interface Flags {
  readonly config: string;
  readonly redisUrl?: string;
  readonly check?: boolean;
  readonly dryRun?: boolean;
  readonly logLevel: string;
  readonly http?: string;
  readonly fresh?: boolean;
  readonly trustJournal?: boolean;
}

function buildProgram(): Command {
  return new Command()
    .name('njord-portfolio-manager')
    .description(
      'The live Njord portfolio manager: reads fills and price marks from Redis streams, keeps ' +
        'every strategy sleeve, rebalances on drift or schedule (order intents to the orders ' +
        'stream) and journals everything to an NDJSON file it recovers from after a crash.',
    )
    .option(
      '-c, --config <path>',
      'manager config (YAML), relative to the working directory',
      'config/base.yaml',
    )
    .option(
      '--redis-url <url>',
      'Redis URL (redis:// or rediss://); beats NJORD_REDIS_URL and the file',
    )
    .option(
      '--check',
      'validate the configs and reach Redis (5 s), then exit 0, or 2 listing the problems',
    )
    .option('--dry-run', 'plan and journal rebalances, but publish no order intents')
    .option(
      '--http <host:port>',
      'serve /metrics, /healthz, /readyz, /api/snapshot, /events, the dashboard and its halt/resume here (beats `http.listen`)',
    )
    .option(
      '--fresh',
      'start without a journal although the consumer group delivered entries (their effect is lost)',
    )
    .option(
      '--trust-journal',
      'start on a journal that lost lines the streams no longer hold (their effect is lost)',
    )
    .option('--log-level <level>', 'pino level: fatal, error, warn, info, debug, trace', 'info')
    .addHelpText(
      'after',
      '\nEnvironment:\n  NJORD_REDIS_URL   Redis URL, used when --redis-url is not given\n' +
        '  NJORD_HTTP_TOKEN  bearer token of the HTTP side off loopback, and of its halt/resume whenever set (the name is http.token_env)\n' +
        '\nExit codes:\n  0  stopped cleanly (SIGTERM/SIGINT), or --check found no problem\n' +
        '  1  failure, or the portfolio lock was lost to another manager\n' +
        '  2  bad flags or config (--check: problems found), or a damaged or missing journal\n' +
        '\nSubcommands:\n  replay --journal FILE [--portfolio ID]   rebuild the state from a journal, no Redis (replay --help)\n' +
        '  halt [--strategy ID] --config FILE      halt the portfolio, or pause one sleeve (through the commands stream)\n' +
        '  resume [--strategy ID] --config FILE    resume the portfolio, or one paused sleeve\n' +
        '  check --config FILE                     evaluate the rebalance trigger at once\n' +
        '\nExample:\n  pnpm manager --config config/base.yaml\n',
    )
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
}

function printProblems(title: string, issues: readonly ContractIssue[]): void {
  process.stderr.write(`${title}\n`);
  for (const issue of issues) {
    process.stderr.write(`  - ${issue.path ? `${issue.path}: ` : ''}${issue.message}\n`);
  }
}

/** The nearest existing folder on the way to `path` must be writable. */
function journalProblem(journalPath: string): string | null {
  let folder = dirname(journalPath);
  while (!existsSync(folder)) {
    const parent = dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  try {
    accessSync(folder, constants.W_OK);
    return null;
  } catch {
    return `journal folder ${dirname(journalPath)} cannot be created or written (${folder} is not writable)`;
  }
}

async function runCheck(loaded: LoadedConfig): Promise<number> {
  const problems: ContractIssue[] = [];
  const url = loaded.manager.redis.url;
  const redisError = await pingRedis(url, CHECK_REDIS_TIMEOUT_MS);
  if (redisError !== null)
    problems.push({ path: 'redis', message: `${redactRedisUrl(url)}: ${redisError}` });
  const journal = journalProblem(loaded.journalPath);
  if (journal !== null) problems.push({ path: 'journal_dir', message: journal });
  if (problems.length > 0) {
    printProblems('check failed:', problems);
    return EXIT_BAD_CONFIG;
  }
  process.stdout.write(
    `ok: ${loaded.configPath} and ${loaded.portfolioPath} are valid (portfolio ${loaded.portfolio.id}, ` +
      `${loaded.portfolio.allocations.length} strategies); Redis answers at ${redactRedisUrl(url)}; ` +
      `journal ${loaded.journalPath}\n`,
  );
  return EXIT_OK;
}

export async function main(argv: readonly string[]): Promise<number> {
  const args = argv.slice(2);
  // pnpm passes a leading `--` through to the script.
  if (args[0] === '--') args.shift();
  if (args[0] === 'replay') return runReplayCommand(args.slice(1));
  if (isManagerCommand(args[0])) return runManagerCommand(args[0], args.slice(1));
  const program = buildProgram();
  try {
    program.parse(args, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version'
        ? EXIT_OK
        : EXIT_BAD_CONFIG;
    }
    throw error;
  }
  const flags = program.opts<Flags>();
  const loaded = await readConfig(flags.config, {
    redisUrlFlag: flags.redisUrl,
    redisUrlEnv: process.env.NJORD_REDIS_URL,
    httpFlag: flags.http,
  });
  if (!loaded.success) {
    printProblems('invalid configuration:', loaded.error.issues);
    return EXIT_BAD_CONFIG;
  }
  if (flags.check) return runCheck(loaded.data);

  const logger = createLogger({ level: flags.logLevel, portfolioId: loaded.data.portfolio.id });
  const httpConfig = loaded.data.manager.http;
  let http: HttpSide | undefined;
  if (httpConfig !== null) {
    http = createHttpSide({
      config: loaded.data,
      http: httpConfig,
      token: process.env[httpConfig.tokenEnv] ?? null,
      logger,
    });
  }
  const manager = new PortfolioManager({
    config: loaded.data,
    logger,
    dryRun: flags.dryRun ?? false,
    fresh: flags.fresh ?? false,
    trustJournal: flags.trustJournal ?? false,
    ...(loaded.data.manager.clock === 'event' ? { clock: createEventClock() } : {}),
    ...(http === undefined ? {} : { observer: http.observer }),
  });
  if (http !== undefined) {
    try {
      await http.start(manager);
    } catch (error) {
      printProblems('cannot serve http:', [
        { path: 'http', message: error instanceof Error ? error.message : String(error) },
      ]);
      return EXIT_BAD_CONFIG;
    }
  }
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(EXIT_FAILURE);
    }
    manager.stop(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const outcome = await manager.run();
    http?.markStopped();
    return outcome === 'lost_lock' ? EXIT_FAILURE : EXIT_OK;
  } catch (error) {
    http?.markStopped();
    if (error instanceof Error && (error as { _tag?: unknown })._tag === 'JournalDamageError') {
      // The journal cannot be replayed exactly: refuse to start rather than run on a guess.
      logger.fatal({ error: error.message }, 'journal damaged; refusing to start');
      printProblems('journal damaged:', [{ path: 'journal', message: error.message }]);
      return EXIT_BAD_CONFIG;
    }
    logger.fatal(
      { error: error instanceof Error ? (error.stack ?? error.message) : String(error) },
      'manager failed',
    );
    return EXIT_FAILURE;
  }
}

main(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(EXIT_FAILURE);
  },
);
