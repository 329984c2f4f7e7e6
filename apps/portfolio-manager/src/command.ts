// `njord-portfolio-manager halt|resume|check [--strategy ID] --config base.yaml`: writes one
// operator command to the portfolio's commands stream. The running manager (the lock holder)
// reads it in order with its input, journals it and applies it; this only sends it.
import {
  encodeManagerCommand,
  MANAGER_COMMANDS,
  type ManagerCommand,
  type ContractIssue,
} from '@njord/portfolio-contracts';
import { Command, CommanderError } from 'commander';
import { Redis } from 'ioredis';
import { redisKeys } from './adapters/streams.js';
import { readConfig, redactRedisUrl } from './config.js';

export const COMMAND_OK = 0;
export const COMMAND_FAILED = 1;
export const COMMAND_BAD_INPUT = 2;

const CONNECT_TIMEOUT_MS = 5_000;

export function isManagerCommand(word: string | undefined): word is ManagerCommand {
  return (MANAGER_COMMANDS as readonly (string | undefined)[]).includes(word);
}

interface CommandFlags {
  readonly config: string;
  readonly strategy?: string;
  readonly redisUrl?: string;
}

export interface CommandIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Nanoseconds since the epoch, for the command's `timestamp_ns`. */
  readonly nowNs: () => bigint;
}

const processIo: CommandIo = {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  nowNs: () => BigInt(Date.now()) * 1_000_000n,
};

function problems(io: CommandIo, title: string, issues: readonly ContractIssue[]): void {
  io.stderr(`${title}\n`);
  for (const issue of issues)
    io.stderr(`  - ${issue.path ? `${issue.path}: ` : ''}${issue.message}\n`);
}

/** What the writer needs of a Redis connection (ioredis's `xadd`). */
export interface CommandStreamClient {
  xadd(key: string, id: '*', field: 'data', value: string): Promise<string | null>;
}

export interface CommandEntry {
  readonly command: ManagerCommand;
  readonly strategyId?: string;
  readonly timestampNs: bigint;
}

/**
 * Why `strategyId` cannot be paused or resumed in this portfolio (it has no such sleeve), or
 * null when it can (or when no strategy is named).
 */
export function strategyProblem(
  portfolioId: string,
  strategyIds: readonly string[],
  strategyId: string | undefined,
): string | null {
  if (strategyId === undefined || strategyIds.includes(strategyId)) return null;
  return `portfolio ${portfolioId} has no strategy ${JSON.stringify(strategyId)} (it has ${strategyIds.join(', ')})`;
}

/**
 * The one writer of operator commands (the CLI and the HTTP side both call it): XADDs
 * `data = {command, strategy_id?, timestamp_ns}` to `stream` (`<prefix>:portfolio:<id>:commands`)
 * and resolves to the entry id.
 */
export async function writeManagerCommand(
  redis: CommandStreamClient,
  stream: string,
  entry: CommandEntry,
): Promise<string> {
  const payload = JSON.stringify(encodeManagerCommand(entry));
  const id = await redis.xadd(stream, '*', 'data', payload);
  if (id === null) throw new Error(`XADD to ${stream} returned no id`);
  return id;
}

/**
 * Sends `command` (`args` are the words after it): checks the configs and, with `--strategy`,
 * that the portfolio has that strategy; then XADDs `{command, strategy_id?, timestamp_ns}` to
 * `<prefix>:portfolio:<id>:commands` and prints the entry id. 0 sent, 1 Redis failed, 2 bad
 * flags, config or strategy.
 */
export async function runManagerCommand(
  command: ManagerCommand,
  args: readonly string[],
  io: CommandIo = processIo,
): Promise<number> {
  const program = new Command()
    .name(`njord-portfolio-manager ${command}`)
    .description(
      command === 'check'
        ? 'Ask the running manager to evaluate the rebalance trigger (and its breakers) at once.'
        : command === 'halt'
          ? 'Halt the portfolio (no new plan until resumed), or with --strategy pause one sleeve (its target is 0 and a rebalance moves its capital to the others).'
          : 'Resume the halted portfolio, or with --strategy a paused sleeve (a rebalance funds it back).',
    )
    .option('-c, --config <path>', 'manager config (YAML)', 'config/base.yaml')
    .option('--strategy <id>', 'the sleeve to pause or resume (halt and resume only)')
    .option('--redis-url <url>', 'Redis URL; beats NJORD_REDIS_URL and the file')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)');
  try {
    program.parse([...args], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError)
      return error.code === 'commander.helpDisplayed' ? COMMAND_OK : COMMAND_BAD_INPUT;
    throw error;
  }
  const flags = program.opts<CommandFlags>();
  const loaded = await readConfig(flags.config, {
    redisUrlFlag: flags.redisUrl,
    redisUrlEnv: io.env.NJORD_REDIS_URL,
  });
  if (!loaded.success) {
    problems(io, 'invalid configuration:', loaded.error.issues);
    return COMMAND_BAD_INPUT;
  }
  const { manager, portfolio } = loaded.data;
  const strategyId = flags.strategy;
  const unknown = strategyProblem(
    portfolio.id,
    portfolio.allocations.map((a) => a.strategyId),
    strategyId,
  );
  if (unknown !== null) {
    problems(io, `cannot ${command}:`, [{ path: '--strategy', message: unknown }]);
    return COMMAND_BAD_INPUT;
  }
  const stream = redisKeys(manager.redis.prefix, portfolio.id).commands;
  const redis = new Redis(manager.redis.url, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const id = await writeManagerCommand(redis, stream, {
      command,
      ...(strategyId === undefined ? {} : { strategyId }),
      timestampNs: io.nowNs(),
    });
    io.stdout(
      `${command}${strategyId === undefined ? '' : ` ${strategyId}`} sent to ${stream} as ${String(id)}\n`,
    );
    return COMMAND_OK;
  } catch (error) {
    problems(io, `cannot send ${command}:`, [
      {
        path: 'redis',
        message: `${redactRedisUrl(manager.redis.url)}: ${error instanceof Error ? error.message : String(error)}`,
      },
    ]);
    return COMMAND_FAILED;
  } finally {
    redis.disconnect();
  }
}
