// `njord-portfolio-manager replay`: rebuilds a portfolio's state from a journal file (live or
// backtest) without Redis and prints it as JSON. Reading and printing only; the replay is the
// kernel's.
import { readFileSync } from 'node:fs';
import { type JournalLine, safeDecodeJournalLine } from '@njord/portfolio-contracts';
import { type PortfolioKernel, replayJournal } from '@njord/portfolio-kernel';
import { Command, CommanderError } from 'commander';

export const REPLAY_OK = 0;
export const REPLAY_BAD_INPUT = 2;

/** A journal line that cannot be used: where and why. */
export interface JournalFault {
  readonly line: number;
  readonly message: string;
}

export interface ReadJournal {
  /** Decoded lines with their 1-based line numbers in the file. */
  readonly lines: readonly { readonly number: number; readonly line: JournalLine }[];
  readonly faults: readonly JournalFault[];
  /** The file did not end with a newline and its last line does not parse: dropped. */
  readonly tornLastLine: boolean;
}

/**
 * Splits and decodes a journal's text. A last line without its newline that does not decode
 * is a torn write (dropped); any other line that does not decode (not JSON, a bad CRC, a
 * schema fault) is a fault.
 */
export function readJournalText(text: string): ReadJournal {
  const raw = text.split('\n');
  const complete = text.endsWith('\n');
  if (complete) raw.pop();
  const lines: { number: number; line: JournalLine }[] = [];
  const faults: JournalFault[] = [];
  let tornLastLine = false;
  raw.forEach((content, index) => {
    if (content.length === 0) return;
    const decoded = safeDecodeJournalLine(content);
    if (decoded.success) lines.push({ number: index + 1, line: decoded.data });
    else if (!complete && index === raw.length - 1) tornLastLine = true;
    else
      faults.push({ line: index + 1, message: `${decoded.error.code}: ${decoded.error.message}` });
  });
  return { lines, faults, tornLastLine };
}

/** What `replay` prints. */
export interface ReplayReport {
  readonly portfolio_id: string;
  readonly last_seq: number;
  readonly lines: number;
  readonly from_checkpoint_seq: number | null;
  readonly equity: number;
  readonly unallocated_cash: number;
  readonly sleeves: Readonly<
    Record<
      string,
      {
        readonly cash: number;
        readonly capital: number;
        readonly fees: number;
        readonly realized_pnl: number;
        readonly units: Readonly<Record<string, number>>;
      }
    >
  >;
  readonly warnings: readonly string[];
}

/** The report of a replayed kernel: per sleeve cash, units, fees, realized PnL, capital; equity. */
export function reportKernel(
  kernel: PortfolioKernel,
  lastSeq: number,
  lines: number,
  fromCheckpointSeq: number | null,
  warnings: readonly string[],
): ReplayReport {
  const tracker = kernel.tracker;
  const sleeves = tracker.getStrategyIds().map((id) => {
    const sleeve = tracker.getSleeve(id);
    const units = Object.fromEntries(
      Object.values(sleeve.positions).map((position) => [position.symbol, position.units]),
    );
    return [
      id,
      {
        cash: sleeve.cash,
        capital: tracker.getStrategyCapital(id),
        fees: sleeve.fees,
        realized_pnl: sleeve.realizedPnl,
        units,
      },
    ] as const;
  });
  return {
    portfolio_id: kernel.portfolioId,
    last_seq: lastSeq,
    lines,
    from_checkpoint_seq: fromCheckpointSeq,
    equity: kernel.totalEquity,
    unallocated_cash: tracker.unallocatedCash,
    sleeves: Object.fromEntries(sleeves),
    warnings,
  };
}

export type ReplayOutcome =
  | { readonly success: true; readonly report: ReplayReport }
  | { readonly success: false; readonly problems: readonly string[] };

/**
 * Replays `path`'s lines of one portfolio (`portfolioId`, or the only one in the file). Refuses
 * (problems naming file and line) on a damaged line or a seq that does not rise by exactly 1.
 */
export function replayJournalFile(path: string, portfolioId?: string): ReplayOutcome {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { success: false, problems: [`${path}: ${(error as Error).message}`] };
  }
  const read = readJournalText(text);
  if (read.faults.length > 0) {
    return {
      success: false,
      problems: read.faults.map((fault) => `${path}:${fault.line}: ${fault.message}`),
    };
  }
  const ids = [...new Set(read.lines.map(({ line }) => line.portfolio_id))];
  const id = portfolioId ?? (ids.length === 1 ? ids[0] : undefined);
  if (id === undefined) {
    return {
      success: false,
      problems: [
        ids.length === 0
          ? `${path}: no journal lines`
          : `${path}: lines of several portfolios (${ids.join(', ')}): pick one with --portfolio`,
      ],
    };
  }
  const own = read.lines.filter(({ line }) => line.portfolio_id === id);
  if (own.length === 0)
    return {
      success: false,
      problems: [`${path}: no lines of portfolio ${id} (it has ${ids.join(', ') || 'none'})`],
    };
  const problems: string[] = [];
  for (let i = 1; i < own.length; i++) {
    const previous = (own[i - 1] as (typeof own)[number]).line.seq;
    const { number, line } = own[i] as (typeof own)[number];
    if (line.seq !== previous + 1)
      problems.push(`${path}:${number}: seq ${line.seq} after seq ${previous} (a gap or a repeat)`);
  }
  if (problems.length > 0) return { success: false, problems };
  let replayed: ReturnType<typeof replayJournal>;
  try {
    replayed = replayJournal(
      own.map(({ line }) => line),
      {},
    );
  } catch (error) {
    return { success: false, problems: [`${path}: ${(error as Error).message}`] };
  }
  const warnings = read.tornLastLine
    ? ['torn last line dropped', ...replayed.warnings]
    : replayed.warnings;
  return {
    success: true,
    report: reportKernel(
      replayed.kernel,
      replayed.lastSeq,
      own.length,
      replayed.fromCheckpointSeq,
      warnings,
    ),
  };
}

/** The `replay` subcommand: prints the report on stdout, problems on stderr. Returns the exit code. */
export function runReplayCommand(
  args: readonly string[],
  out: (text: string) => void = (text) => process.stdout.write(text),
  err: (text: string) => void = (text) => process.stderr.write(text),
): number {
  const command = new Command()
    .name('njord-portfolio-manager replay')
    .description(
      'Rebuild a portfolio from a journal file (live or backtest) without Redis and print its ' +
        'state as JSON: per sleeve cash, units per symbol, fees, realized PnL and capital at the ' +
        'last marks; equity; the last seq.',
    )
    .requiredOption('--journal <file>', 'the NDJSON journal to replay')
    .option('--portfolio <id>', 'the portfolio whose lines to replay (default: the only one)')
    .addHelpText(
      'after',
      '\nExit codes:\n  0  replayed, JSON on stdout\n' +
        '  2  bad flags, or a damaged journal (bad CRC, unreadable line, seq gap): each named with its line\n' +
        '\nExample:\n  njord-portfolio-manager replay --journal var/log/njord/backtest_multi_strategy_v1.ndjson\n',
    )
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: err })
    .showHelpAfterError('(run with --help for usage)');
  try {
    command.parse([...args], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError)
      return error.code === 'commander.helpDisplayed' ? REPLAY_OK : REPLAY_BAD_INPUT;
    throw error;
  }
  const flags = command.opts<{ journal: string; portfolio?: string }>();
  const outcome = replayJournalFile(flags.journal, flags.portfolio);
  if (!outcome.success) {
    err(`cannot replay the journal:\n${outcome.problems.map((p) => `  ${p}`).join('\n')}\n`);
    return REPLAY_BAD_INPUT;
  }
  out(`${JSON.stringify(outcome.report, null, 2)}\n`);
  return REPLAY_OK;
}
