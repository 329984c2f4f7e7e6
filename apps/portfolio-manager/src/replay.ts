// `njord-portfolio-manager replay`: rebuilds a portfolio's state from a journal file (live or
// backtest) without Redis and prints it as JSON. Reading and printing only; the replay is the
// kernel's.
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  isJournalPartName,
  type JournalLine,
  safeDecodeJournalLine,
} from '@njord/portfolio-contracts';
import { type PortfolioKernel, replayJournalStream } from '@njord/portfolio-kernel';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { readCheckpointChain } from './adapters/journal-file.js';
import { fileLines } from './file-lines.js';
import { appliedFillsIn } from './recovery.js';

export const REPLAY_OK = 0;
/** The manager's default `dedupe_window_hours`: the replay keeps fill ids for two of them. */
export const DEFAULT_REPLAY_WINDOW_HOURS = 168;
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
 * The files of the journal at `path`: itself, then the parts a backtest wrote past its size
 * limit (`<name>.<first seq, 16 digits>.ndjson` beside it), in seq order.
 */
function journalFiles(path: string): string[] {
  const dir = dirname(path);
  const name = basename(path);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [path];
  }
  // The 16-digit seqs sort as text.
  const parts = names.filter((n) => isJournalPartName(name, n)).sort();
  return [path, ...parts.map((n) => join(dir, n))];
}

/** Faults listed at most; the rest are counted. */
const MAX_LISTED = 50;

/** Per portfolio in a journal: what the first pass learns, so the second keeps only what it needs. */
interface PortfolioLines {
  count: number;
  lastSeq: number;
  /** Places (counting lines across the files) of the latest checkpoint and of the latest config line before it. */
  checkpointAt: number;
  configBeforeCheckpointAt: number;
  lastConfigAt: number;
  gaps: string[];
}

/**
 * Replays `path`'s lines of one portfolio (`portfolioId`, or the only one in the file). Refuses
 * (problems naming file and line) on a damaged line or a seq that does not rise by exactly 1.
 * Reads the file twice in chunks: first to check every line and find the latest checkpoint,
 * then to keep the lines the replay starts from (the checkpoint and what follows it).
 */
export function replayJournalFile(
  path: string,
  portfolioId?: string,
  chunkBytes = 1 << 20,
  dedupeWindowHours: number = DEFAULT_REPLAY_WINDOW_HOURS,
): ReplayOutcome {
  const portfolios = new Map<string, PortfolioLines>();
  const files = journalFiles(path);
  const problems: string[] = [];
  let faults = 0;
  let tornLastLine = false;
  /** Complete lines that are not JSON since the last decoded line, and those dropped as torn. */
  let unreadable: string[] = [];
  let dropped = 0;
  try {
    for (const { path: file, number, index, text, complete } of fileLines(files, chunkBytes)) {
      if (text.length === 0) continue;
      const where = `${file}:${number}`;
      const decoded = safeDecodeJournalLine(text);
      if (!decoded.success) {
        if (!complete) tornLastLine = true;
        // Not JSON at all: a write torn by a crash (the next start begins a fresh line) or
        // garbage; judged by whether the seqs around it follow on.
        else if (decoded.error.code === 'not_json') unreadable.push(where);
        else if (faults++ < MAX_LISTED)
          problems.push(`${where}: ${decoded.error.code}: ${decoded.error.message}`);
        continue;
      }
      const line = decoded.data;
      let seen = portfolios.get(line.portfolio_id);
      if (unreadable.length > 0) {
        if (seen === undefined || line.seq === seen.lastSeq + 1) dropped += unreadable.length;
        else
          for (const at of unreadable)
            if (faults++ < MAX_LISTED)
              problems.push(
                `${at}: unreadable line where seq ${seen.lastSeq + 1} should be (the next line of ${line.portfolio_id} is seq ${line.seq})`,
              );
        unreadable = [];
      }
      if (seen === undefined) {
        seen = {
          count: 0,
          lastSeq: line.seq - 1,
          checkpointAt: 0,
          configBeforeCheckpointAt: 0,
          lastConfigAt: 0,
          gaps: [],
        };
        portfolios.set(line.portfolio_id, seen);
      }
      if (line.seq !== seen.lastSeq + 1 && seen.gaps.length < MAX_LISTED)
        seen.gaps.push(`${where}: seq ${line.seq} after seq ${seen.lastSeq} (a gap or a repeat)`);
      seen.count++;
      seen.lastSeq = line.seq;
      if (line.type === 'config') seen.lastConfigAt = index;
      if (line.type === 'checkpoint') {
        seen.checkpointAt = index;
        seen.configBeforeCheckpointAt = seen.lastConfigAt;
      }
    }
  } catch (error) {
    return { success: false, problems: [`${path}: ${(error as Error).message}`] };
  }
  dropped += unreadable.length; // at the end: torn writes the last start left behind
  if (faults > MAX_LISTED) problems.push(`${path}: and ${faults - MAX_LISTED} more damaged lines`);
  if (problems.length > 0) return { success: false, problems };
  const ids = [...portfolios.keys()];
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
  const portfolio = portfolios.get(id);
  if (portfolio === undefined)
    return {
      success: false,
      problems: [`${path}: no lines of portfolio ${id} (it has ${ids.join(', ') || 'none'})`],
    };
  if (portfolio.gaps.length > 0) return { success: false, problems: portfolio.gaps };
  // The replay starts at the latest checkpoint (with the config line before it), or at the
  // first line: those are read into `head`; the lines after it are replayed as they are read
  // (a backtest's journal, with no checkpoint, can hold millions).
  const head: JournalLine[] = [];
  let checkpointOffset = 0;
  let checkpointFile = path;
  const { checkpointAt, configBeforeCheckpointAt } = portfolio;
  function* ownJournalLines(): Generator<{ index: number; line: JournalLine }> {
    for (const { path: file, index, offset, text } of fileLines(files, chunkBytes)) {
      if (index < checkpointAt && index !== configBeforeCheckpointAt) continue;
      if (text.length === 0) continue;
      if (index === checkpointAt) {
        checkpointOffset = offset;
        checkpointFile = file;
      }
      const decoded = safeDecodeJournalLine(text);
      if (decoded.success && decoded.data.portfolio_id === id) yield { index, line: decoded.data };
    }
  }
  const ownIterator = ownJournalLines();
  for (;;) {
    const next = ownIterator.next();
    if (next.done === true) break;
    head.push(next.value.line);
    if (next.value.index >= checkpointAt) break;
  }
  function* tail(): Generator<JournalLine> {
    for (let next = ownIterator.next(); next.done !== true; next = ownIterator.next())
      yield next.value.line;
  }
  let replayed: ReturnType<typeof replayJournalStream>;
  try {
    const checkpoint = head.find((line) => line.type === 'checkpoint');
    // A chained checkpoint: the older fill ids are in the earlier links.
    const chain =
      checkpoint?.type === 'checkpoint'
        ? readCheckpointChain(checkpointFile, id, {
            seq: checkpoint.seq,
            offset: checkpointOffset,
            ledger: checkpoint.ledger,
            ownFills: appliedFillsIn(checkpoint),
          })
        : null;
    replayed = replayJournalStream(head, tail(), {
      ...(chain === null ? {} : { earlierFills: chain.earlierFills }),
      ...(dedupeWindowHours > 0
        ? {
            dedupeWindowNs: BigInt(Math.round(dedupeWindowHours * 3600)) * 1_000_000_000n,
            forgetByLineTime: true,
          }
        : {}),
    });
  } catch (error) {
    return { success: false, problems: [`${path}: ${(error as Error).message}`] };
  } finally {
    ownIterator.return(undefined); // closes the file a failed replay left open
  }
  const warnings = [
    ...(tornLastLine ? ['torn last line dropped'] : []),
    ...(dropped > 0
      ? [`${dropped} unreadable line(s) dropped (torn writes: the seqs around them follow on)`]
      : []),
    ...replayed.warnings,
  ];
  return {
    success: true,
    report: reportKernel(
      replayed.kernel,
      replayed.lastSeq,
      portfolio.count,
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
    .requiredOption(
      '--journal <file>',
      'the NDJSON journal to replay (a backtest journal written in parts: its first file; the parts beside it are read after it)',
    )
    .option('--portfolio <id>', 'the portfolio whose lines to replay (default: the only one)')
    .option(
      '--dedupe-window-hours <hours>',
      "the manager's dedupe_window_hours: fill ids older than two windows before the newest line are forgotten as the replay goes, so memory follows the window, not the journal; 0 keeps every id",
      (value: string) => {
        const hours = Number(value);
        if (value.trim() === '' || !Number.isFinite(hours) || hours < 0 || hours > 1e6)
          throw new InvalidArgumentError(
            `expected hours from 0 to 1000000, got ${JSON.stringify(value.slice(0, 40))}`,
          );
        return hours;
      },
      DEFAULT_REPLAY_WINDOW_HOURS,
    )
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
  const flags = command.opts<{ journal: string; portfolio?: string; dedupeWindowHours: number }>();
  const outcome = replayJournalFile(
    flags.journal,
    flags.portfolio,
    undefined,
    flags.dedupeWindowHours,
  );
  if (!outcome.success) {
    err(`cannot replay the journal:\n${outcome.problems.map((p) => `  ${p}`).join('\n')}\n`);
    return REPLAY_BAD_INPUT;
  }
  out(`${JSON.stringify(outcome.report, null, 2)}\n`);
  return REPLAY_OK;
}
