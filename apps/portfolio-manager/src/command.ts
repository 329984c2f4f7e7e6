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
  if (strategyId !== undefined) {
    const ids = portfolio.allocations.map((a) => a.strategyId);
    if (!ids.includes(strategyId)) {
      problems(io, `cannot ${command}:`, [
        {
          path: '--strategy',
          message: `portfolio ${portfolio.id} has no strategy ${JSON.stringify(strategyId)} (it has ${ids.join(', ')})`,
        },
      ]);
      return COMMAND_BAD_INPUT;
    }
  }
  const payload = JSON.stringify(
    encodeManagerCommand({
      command,
      ...(strategyId === undefined ? {} : { strategyId }),
      timestampNs: io.nowNs(),
    }),
  );
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
    const id = await redis.xadd(stream, '*', 'data', payload);
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
