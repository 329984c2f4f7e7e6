// Entry point of njord-tape: `record` streams to a file, `play` a file into a prefix; the only place that exits.
import { once } from 'node:events';
import { createWriteStream, existsSync, openSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { Redis } from 'ioredis';
import { DEFAULT_REDIS_URL, redactRedisUrl } from './config.js';
import {
  encodeTapeEntry,
  type PlaySpeed,
  playTape,
  readTape,
  recordStreams,
  tapeHeaderLine,
} from './tape/tape.js';

const nowMs = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function parseSpeed(value: string): PlaySpeed {
  if (value === 'max') return 'max';
  const speed = Number(value);
  if (!Number.isFinite(speed) || speed <= 0)
    throw new InvalidArgumentError('must be a number > 0 (1 = real time) or "max"');
  return speed;
}

/** An entry id bound from an id, epoch milliseconds or an ISO date-time. */
function parseBound(value: string): string {
  if (/^\d+(-\d+)?$/.test(value)) return value;
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new InvalidArgumentError('must be an entry id, epoch milliseconds or an ISO date-time');
  return String(ms);
}

function redisUrl(flag: string | undefined): string {
  return flag ?? process.env.NJORD_REDIS_URL ?? DEFAULT_REDIS_URL;
}

interface RecordFlags {
  prefix: string;
  redisUrl?: string;
  from?: string;
  to?: string;
  force?: boolean;
  streams: string;
}

interface PlayFlags {
  prefix: string;
  redisUrl?: string;
  speed: PlaySpeed;
  settle?: boolean;
}

async function record(file: string, flags: RecordFlags): Promise<number> {
  if (existsSync(file) && !flags.force) {
    process.stderr.write(`${file} exists: pass --force to overwrite it\n`);
    return 2;
  }
  let fd: number;
  try {
    fd = openSync(file, 'w');
  } catch (error) {
    process.stderr.write(
      `${file}: cannot write the tape (${(error as NodeJS.ErrnoException).code ?? String(error)})\n`,
    );
    return 2;
  }
  const out = createWriteStream('', { fd, encoding: 'utf8' });
  const redis = new Redis(redisUrl(flags.redisUrl), { maxRetriesPerRequest: 3 });
  redis.on('error', () => undefined);
  let failed: Error | undefined;
  out.on('error', (error) => (failed ??= error));
  let count = 0;
  try {
    out.write(`${tapeHeaderLine(`redis:${flags.prefix}`, Math.round(nowMs()))}\n`);
    for await (const entry of recordStreams(redis, {
      prefix: flags.prefix,
      keys: flags.streams.split(',').map((s) => s.trim()),
      ...(flags.from === undefined ? {} : { fromId: flags.from }),
      ...(flags.to === undefined ? {} : { toId: flags.to }),
    })) {
      // A write error (a full disk) rejects the wait for 'drain' rather than leave it hanging.
      if (!out.write(`${encodeTapeEntry(entry)}\n`)) await once(out, 'drain');
      count++;
    }
  } finally {
    await new Promise<void>((resolve) => out.end(() => resolve()));
    redis.disconnect();
  }
  if (failed !== undefined) throw failed;
  process.stdout.write(
    `recorded ${count} entries of ${flags.streams} under ${flags.prefix} from ${redactRedisUrl(redisUrl(flags.redisUrl))} to ${file}\n`,
  );
  return 0;
}

async function play(file: string, flags: PlayFlags): Promise<number> {
  if (!existsSync(file)) {
    process.stderr.write(`${file}: no such file\n`);
    return 2;
  }
  const redis = new Redis(redisUrl(flags.redisUrl), { maxRetriesPerRequest: 3 });
  redis.on('error', () => undefined);
  let stop = false;
  process.on('SIGINT', () => (stop = true));
  process.on('SIGTERM', () => (stop = true));
  try {
    const written = await playTape(redis, readTape(file), {
      prefix: flags.prefix,
      speed: flags.speed,
      settle: flags.settle ?? false,
      nowMs,
      sleep,
      shouldStop: () => stop,
    });
    process.stdout.write(`played ${written} entries of ${file} into ${flags.prefix}\n`);
    return 0;
  } finally {
    redis.disconnect();
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const args = argv.slice(2);
  if (args[0] === '--') args.shift();
  let result: Promise<number> = Promise.resolve(0);
  const program = new Command()
    .name('njord-tape')
    .description(
      'Record the fills and prices streams to a tape file, or play a tape into another prefix ' +
        '(a rehearsal of a day, or of a backtest written with njord-backtest --tape).',
    )
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  program
    .command('record')
    .description(
      'write the entries of the streams (ids, arrival times, payloads) to FILE, in id order',
    )
    .argument('<file>', 'the tape to write (NDJSON)')
    .option('--prefix <prefix>', 'Redis key prefix to read', 'njord')
    .option('--redis-url <url>', 'Redis URL; beats NJORD_REDIS_URL')
    .option('--streams <keys>', 'stream keys under the prefix, comma separated', 'fills,prices')
    .option(
      '--from <bound>',
      'first entry: an id, epoch ms or ISO date-time (inclusive)',
      parseBound,
    )
    .option('--to <bound>', 'last entry: an id, epoch ms or ISO date-time (inclusive)', parseBound)
    .option('--force', 'overwrite FILE')
    .addHelpText(
      'after',
      '\nExample (yesterday, UTC):\n  njord-tape record var/tapes/2026-12-01.ndjson --prefix njord --from 2026-12-01T00:00:00Z --to 2026-12-01T23:59:59.999Z\n',
    )
    .exitOverride()
    .action((file: string, flags: RecordFlags) => {
      result = record(file, flags);
    });
  program
    .command('play')
    .description('write the entries of FILE into the streams of another prefix (new entry ids)')
    .argument('<file>', 'a tape (from record or njord-backtest --tape)')
    .requiredOption('--prefix <prefix>', 'Redis key prefix to write into')
    .option('--redis-url <url>', 'Redis URL; beats NJORD_REDIS_URL')
    .option(
      '--speed <n|max>',
      'pace: N times the recorded arrival times (1 = as recorded), or max',
      parseSpeed,
      'max' as PlaySpeed,
    )
    .option(
      '--settle',
      'after each check command, wait until every consumer group of the prefix is idle (manager and paper broker caught up)',
    )
    .addHelpText(
      'after',
      '\nExample:\n  njord-tape play var/tapes/2026-12-01.ndjson --prefix rehearsal --speed 60\n',
    )
    .exitOverride()
    .action((file: string, flags: PlayFlags) => {
      result = play(file, flags);
    });
  try {
    program.parse(args, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError)
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.help' ? 0 : 2;
    throw error;
  }
  if (args.length === 0) {
    program.outputHelp();
    return 2;
  }
  try {
    return await result;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof Error && (error as { _tag?: string })._tag === 'TapeError' ? 2 : 1;
  }
}

main(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
