// Flags of njord-backtest (commander): what they mean, their defaults, and the help text.
import { Command, InvalidArgumentError, Option } from 'commander';
import type { SyntheticCalendar, SyntheticInterval } from '@njord/portfolio-backtest';

export interface RunFlags {
  readonly portfolioConfig: string;
  readonly data?: string;
  readonly start?: string;
  readonly end?: string;
  readonly journalDir: string;
  readonly out: string;
  readonly fillModel?: 'close' | 'next_open';
  readonly curveEvery: number;
  readonly report: boolean;
  readonly quiet: boolean;
  readonly strategies?: string;
  readonly format: readonly OutputFormat[];
  readonly tape?: string;
  /** The largest output file in MB of 1,000,000 bytes (0: no limit). */
  readonly maxFileMb: number;
  /** Threads for the simulations (`auto`: see SIDE_THREAD_MIN_BAR_EVENTS). */
  readonly threads: 'auto' | 1 | 2;
}

/** `--threads auto` uses a second thread from this many bar events in the data on. */
export const SIDE_THREAD_MIN_BAR_EVENTS = 250_000;

function threadCount(value: string): 'auto' | 1 | 2 {
  if (value === 'auto') return value;
  if (value === '1' || value === '2') return Number(value) as 1 | 2;
  throw new InvalidArgumentError(
    `expected 1, 2 or auto, got ${JSON.stringify(value.slice(0, 40))}`,
  );
}

/** `--max-file-mb`'s default: under 200 MB with room for one long line. */
export const DEFAULT_MAX_FILE_MB = 190;

function fileLimit(value: string): number {
  const mb = Number(value);
  if (value.trim() === '' || !Number.isFinite(mb) || mb < 0 || (mb > 0 && mb < 0.001))
    throw new InvalidArgumentError(
      `expected a size in MB (1 MB = 1,000,000 bytes) of at least 0.001, or 0 for no limit; got ${JSON.stringify(value.slice(0, 40))}`,
    );
  return mb;
}

export const OUTPUT_FORMATS = ['json', 'parquet'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

function formatList(value: string): OutputFormat[] {
  const formats = value.split(',').map((f) => f.trim());
  for (const format of formats) {
    if (!(OUTPUT_FORMATS as readonly string[]).includes(format))
      throw new InvalidArgumentError(
        `unknown format ${JSON.stringify(format.slice(0, 40))} (allowed: json, parquet, or both as json,parquet)`,
      );
  }
  return [...new Set(formats)] as OutputFormat[];
}

export interface GenerateFlags {
  readonly interval: SyntheticInterval;
  readonly calendar?: SyntheticCalendar;
  readonly symbols: number;
  readonly bars: number;
  readonly seed: number;
  readonly out: string;
  readonly start?: string;
  readonly quiet: boolean;
}

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected an integer >= 1, got ${JSON.stringify(value)}`);
  return n;
}

/** The most threads a sweep or a worker starts (each is an isolate of its own, tens of MB). */
export const MAX_THREADS = 256;

/** A number of threads: 1..MAX_THREADS (more would start them all at once and run out of memory). */
export function threadsFlag(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS)
    throw new InvalidArgumentError(
      `expected an integer from 1 to ${MAX_THREADS}, got ${JSON.stringify(value)}`,
    );
  return n;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n))
    throw new InvalidArgumentError(`expected an integer, got ${JSON.stringify(value)}`);
  return n;
}

export function buildProgram(handlers: {
  run: (flags: RunFlags) => Promise<void>;
  generate: (flags: GenerateFlags) => Promise<void>;
  validate: (path: string, flags: { data?: string; strategies?: string }) => Promise<void>;
}): Command {
  const program = new Command('njord-backtest')
    .description(
      'Backtest a Njord portfolio on price history: writes <out>/portfolio_<id>_result.json, ' +
        '<out>/portfolio_<id>_report.html and <journal-dir>/backtest_<id>.ndjson.\n' +
        'Exit codes: 0 done, 2 bad input (the message names the file and the field or line), 1 failure.',
    )
    .option('--portfolio-config <path>', 'portfolio YAML', 'config/portfolio.yaml')
    .option(
      '--data <path>',
      'price CSV (timestamp,symbol,open,high,low,close,volume); default: the shipped S&P 500 daily file (symbol SPX)',
    )
    .option(
      '--start <date>',
      'first UTC date or date-time traded (inclusive); earlier bars only feed indicators',
    )
    .option(
      '--end <date>',
      'last UTC date or date-time traded (inclusive; a date means the whole day)',
    )
    .option('--journal-dir <dir>', 'directory of the NDJSON journal', 'var/log/njord')
    .option('--out <dir>', 'directory of the result JSON and the report', 'var/backtest')
    .addOption(
      new Option(
        '--fill-model <model>',
        "fill orders at the bar's close or the next bar's open (default: the config's)",
      ).choices(['close', 'next_open']),
    )
    .option(
      '--curve-every <n>',
      'keep every Nth bar in the equity curve (rebalance bars are always kept)',
      positiveInteger,
      1,
    )
    .option(
      '--format <list>',
      'result files: json, parquet (curves, rebalances and trades tables) or json,parquet',
      formatList,
      ['json'],
    )
    .option(
      '--max-file-mb <mb>',
      'size limit in MB (1,000,000 bytes) for the files that grow with trades: past it the ' +
        'journal goes on in parts (backtest_<id>.<first seq>.ndjson) and the rebalances leave ' +
        'the result JSON for parts beside it (portfolio_<id>_result.rebalances.<n>.ndjson); ' +
        'the curves grow with bars (see --curve-every); 0 for no limit',
      fileLimit,
      DEFAULT_MAX_FILE_MB,
    )
    .option(
      '--threads <n>',
      'threads for the simulations: 1 runs them all on this thread; 2 runs the baseline, each ' +
        'strategy alone and the benchmark on a second thread while this one runs the portfolio ' +
        '(same results, bit for bit); auto: 2 on a machine with two or more cores when the data ' +
        `holds at least ${SIDE_THREAD_MIN_BAR_EVENTS.toLocaleString('en-US')} bar events`,
      threadCount,
      'auto' as const,
    )
    .option('--no-report', 'do not write the HTML report')
    .option(
      '--tape <file>',
      "also write the run's inputs as a tape (marks, strategy fills, a check per bar) for njord-tape play",
    )
    .option('--quiet', 'print nothing but errors', false)
    .option(
      '--strategies <module>',
      'ES module that registers user strategies (default export (registry) => ..., or `strategies`)',
    )
    .showHelpAfterError('(the same command with --help lists every flag)')
    // `njord-backtest help [command]` as well as --help (the root has its own action).
    .helpCommand('help [command]', 'show help for a command')
    // Options after `generate-data` are its own (both have --out and --start).
    .enablePositionalOptions()
    .action(async (flags: RunFlags) => handlers.run(flags));

  program
    .command('generate-data')
    .description(
      'write seeded synthetic OHLCV (geometric Brownian motion with regime switches) as a price CSV',
    )
    .requiredOption(
      '--symbols <n>',
      'number of symbols (S01, S02, ...; zero-padded to the count, e.g. S001..S200)',
      positiveInteger,
    )
    .requiredOption('--bars <n>', 'bars per symbol', positiveInteger)
    .addOption(
      new Option('--interval <interval>', 'bar spacing')
        .choices(['1d', '1h', '5m', '1m'])
        .default('1d'),
    )
    .addOption(
      new Option(
        '--calendar <calendar>',
        'business = Monday to Friday only, all = every day (default: business for 1d, all intraday)',
      ).choices(['business', 'all']),
    )
    .requiredOption('--seed <n>', 'random seed (the same seed gives the same file)', integer)
    .requiredOption('--out <file>', 'CSV file to write')
    .option(
      '--start <date>',
      'first bar (UTC date); default 2000-01-03, or 1700-01-01 when from 2000 the bars would pass 2261',
    )
    .option('--quiet', 'print nothing but errors', false)
    .action(async (flags: GenerateFlags) => handlers.generate(flags));

  program
    .command('validate-config')
    .description(
      'check a portfolio YAML as a run would (schema, then every strategy resolved against the data) without running',
    )
    .argument('[path]', 'portfolio YAML', 'config/portfolio.yaml')
    .option(
      '--data <path>',
      'price CSV whose symbols strategies resolve against (default: the shipped S&P 500 file)',
    )
    .option('--strategies <module>', 'ES module that registers user strategies')
    .action(async (path: string, flags: { data?: string; strategies?: string }) =>
      handlers.validate(path, flags),
    );

  return program;
}

/** pnpm passes a literal `--` before the script's arguments: drop a leading one. */
export function normalizeArgv(argv: readonly string[]): string[] {
  const args = argv.slice(2);
  if (args[0] === '--') args.shift();
  return args;
}
