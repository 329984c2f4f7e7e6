// Live input: one stream entry (fills or prices) -> a fill or mark to apply, or why not (a dead
// letter with its reason, a quiet skip, a stale mark). Pure: no clock (the caller passes its
// time), no I/O. `classifyLiveEntry` changes nothing; `admitLiveEntry` applies what it admits.
import {
  decodeFillEventText,
  decodePriceMarkText,
  decodeUtf8,
  type FillEvent,
  type PriceMark,
} from '@njord/portfolio-contracts';
import type { PortfolioKernel } from './kernel.js';

/** The input stream an entry came from. */
export type LiveSource = 'fills' | 'prices';

/** One stream entry as read. */
export interface LiveEntry {
  readonly source: LiveSource;
  /** The stream entry id (`<ms>-<seq>`). */
  readonly id: string;
  /** The entry's `data` field: its bytes (checked as UTF-8) or text; undefined when missing. */
  readonly data: Uint8Array | string | undefined;
}

/** What the rules measure an entry against. */
export interface LiveInputRules {
  /** The manager's time now. */
  readonly nowNs: bigint;
  /**
   * How far ahead of `nowNs` an input may be stamped (`max_future_seconds`); null: no limit
   * (under an event clock time is the inputs' own).
   */
  readonly maxFutureNs: bigint | null;
  /**
   * The exactly-once window for fill ids (`dedupe_window_hours`); null or absent: fill ids are
   * never forgotten and no fill is too old.
   */
  readonly dedupeWindowNs?: bigint | null;
}

/** Why an entry is dead-lettered (the label of `njord_dead_letters_total`). */
export const LIVE_DEAD_LETTER_REASONS = [
  'no_data',
  'invalid_utf8',
  'not_json',
  'invalid_input',
  'future_timestamp',
  'unknown_strategy',
  'too_old',
  'fill_conflict',
  'out_of_range',
  'mark_jump',
] as const;
export type LiveDeadLetterReason = (typeof LIVE_DEAD_LETTER_REASONS)[number];

/** A decoded event and its wire form (known keys only, `timestamp_ns` a decimal string). */
interface Decoded<T> {
  readonly wire: Readonly<Record<string, unknown>>;
  /** Keys a newer producer added, ignored. */
  readonly unknownKeys: readonly string[];
  readonly value: T;
}

export type LiveFill = { readonly kind: 'fill'; readonly fill: FillEvent } & Omit<
  Decoded<FillEvent>,
  'value'
>;
export type LiveMark = { readonly kind: 'mark'; readonly mark: PriceMark } & Omit<
  Decoded<PriceMark>,
  'value'
>;

/** An entry that is not applied and not an error: another portfolio's fill, or a stale mark. */
export interface LiveSkip {
  readonly kind: 'skip';
  /**
   * `other_portfolio`: the fill names another portfolio; `unknown_strategy`: it names none and
   * a strategy this portfolio lacks (a shared stream); `stale`: a mark older than the symbol's
   * last.
   */
  readonly reason: 'other_portfolio' | 'unknown_strategy' | 'stale';
}

/** An entry refused: dead-lettered with `error` (`<reason>: ...` for coded reasons). */
export interface LiveDead {
  readonly kind: 'dead';
  readonly reason: LiveDeadLetterReason;
  readonly error: string;
  /** A mark refused by `max_mark_jump`: the mark guard remembers its price (journaled). */
  readonly rejectedMark?: {
    readonly mark: PriceMark;
    readonly wire: Readonly<Record<string, unknown>>;
  };
}

/** What `classifyLiveEntry` says of an entry. */
export type LiveInput = LiveFill | LiveMark | LiveSkip | LiveDead;

/** What `admitLiveEntry` did with an entry. */
export type LiveOutcome =
  | (LiveFill & { readonly status: 'applied' | 'duplicate' })
  | (LiveMark & { readonly status: 'applied' })
  | LiveSkip
  | LiveDead;

function dead(reason: LiveDeadLetterReason, message: string): LiveDead {
  return { kind: 'dead', reason, error: `${reason}: ${message}` };
}

function entryText(entry: LiveEntry): string | LiveDead {
  const data = entry.data;
  if (data === undefined)
    return { kind: 'dead', reason: 'no_data', error: 'entry has no data field' };
  if (typeof data === 'string') return data;
  const text = decodeUtf8(data);
  return text === null ? dead('invalid_utf8', 'payload is not valid UTF-8') : text;
}

function decodeFailure(message: string): LiveDead {
  return {
    kind: 'dead',
    reason: message.startsWith('not JSON') ? 'not_json' : 'invalid_input',
    error: message,
  };
}

function futureProblem(
  what: string,
  timestampNs: bigint,
  rules: LiveInputRules,
): LiveDead | undefined {
  if (rules.maxFutureNs === null || timestampNs <= rules.nowNs + rules.maxFutureNs)
    return undefined;
  const ahead = Number(timestampNs - rules.nowNs) / 1e9;
  return dead(
    'future_timestamp',
    `${what} is stamped ${timestampNs.toString()}, ${String(ahead)} s ahead of the clock (${rules.nowNs.toString()}); max_future_seconds is ${String(Number(rules.maxFutureNs) / 1e9)}`,
  );
}

/**
 * Classifies one entry against the kernel's state, changing nothing: bytes that are not
 * UTF-8, text that is not a valid event, a time too far ahead, a mark that cannot be valued
 * or jumps past `max_mark_jump` (a symbol's first mark against its last fill price) are dead
 * letters; another portfolio's fill and a stale mark are skips. A fill's refusals by the
 * tracker (duplicate, conflict, too old, unknown strategy, overflow) come when it is applied.
 */
export function classifyLiveEntry(
  kernel: PortfolioKernel,
  entry: LiveEntry,
  rules: LiveInputRules,
): LiveInput {
  const text = entryText(entry);
  if (typeof text !== 'string') return text;
  if (entry.source === 'fills') {
    const decoded = decodeFillEventText(text);
    if (!decoded.success) return decodeFailure(decoded.error.message);
    const { value: fill, wire, unknownKeys } = decoded.data;
    if (fill.portfolioId !== undefined && fill.portfolioId !== kernel.portfolioId)
      return { kind: 'skip', reason: 'other_portfolio' };
    const future = futureProblem(`fill ${fill.fillId}`, fill.timestampNs, rules);
    if (future !== undefined) return future;
    return { kind: 'fill', fill, wire, unknownKeys };
  }
  const decoded = decodePriceMarkText(text);
  if (!decoded.success) return decodeFailure(decoded.error.message);
  const { value: mark, wire, unknownKeys } = decoded.data;
  const future = futureProblem(`mark for ${mark.symbol}`, mark.timestampNs, rules);
  if (future !== undefined) return future;
  const tracker = kernel.tracker;
  const range = tracker.checkMark(mark.symbol, mark.price);
  if (range !== null) return dead('out_of_range', range);
  // A first mark is held to the rule against the symbol's last fill price.
  const verdict = kernel.marks.check(
    mark.symbol,
    mark.price,
    mark.timestampNs,
    tracker.getPrice(mark.symbol),
  );
  if (verdict.kind === 'stale') return { kind: 'skip', reason: 'stale' };
  if (verdict.kind === 'jump') {
    return {
      ...dead(
        'mark_jump',
        `${mark.symbol} moved ${String(verdict.jump)} from ${String(verdict.lastPrice)} (max_mark_jump ${String(kernel.marks.maxJump)})`,
      ),
      rejectedMark: { mark, wire },
    };
  }
  return { kind: 'mark', mark, wire, unknownKeys };
}

/**
 * Starts a batch at `rules.nowNs`: the dedupe horizon moves to `nowNs - dedupeWindowNs` (it
 * never moves back), so fill ids stamped before it are forgotten and a fill stamped before it
 * is refused `too_old` rather than applied unchecked. Returns how many ids were forgotten.
 */
export function beginLiveBatch(kernel: PortfolioKernel, rules: LiveInputRules): number {
  const window = rules.dedupeWindowNs;
  if (window === undefined || window === null) return 0;
  return kernel.tracker.forgetFillsBefore(rules.nowNs - window);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Classifies one entry and applies what is admitted: a fill (its refusals become dead letters
 * with the tracker's code, except a strategy this portfolio lacks on a fill that names no
 * portfolio: skipped quietly), a mark, a refused mark's price to the mark guard. Nothing an
 * entry holds can throw out of here: whatever the state refuses is a dead letter.
 */
export function admitLiveEntry(
  kernel: PortfolioKernel,
  entry: LiveEntry,
  rules: LiveInputRules,
): LiveOutcome {
  const input = classifyLiveEntry(kernel, entry, rules);
  switch (input.kind) {
    case 'skip':
      return input;
    case 'dead':
      if (input.rejectedMark !== undefined) {
        const { symbol, price } = input.rejectedMark.mark;
        kernel.apply({ type: 'mark_rejected', symbol, price });
      }
      return input;
    case 'mark':
      try {
        kernel.apply({ type: 'mark', mark: input.mark });
      } catch (error) {
        return dead('invalid_input', errorMessage(error));
      }
      return {
        kind: 'mark',
        mark: input.mark,
        wire: input.wire,
        unknownKeys: input.unknownKeys,
        status: 'applied',
      };
    case 'fill': {
      let result: ReturnType<PortfolioKernel['apply']>;
      try {
        result = kernel.apply({ type: 'fill', fill: input.fill });
      } catch (error) {
        return { kind: 'dead', reason: 'invalid_input', error: errorMessage(error) };
      }
      // Built member by member (a spread of a union's objects is a slow copy).
      if (result.success)
        return {
          kind: 'fill',
          fill: input.fill,
          wire: input.wire,
          unknownKeys: input.unknownKeys,
          status: result.data.status,
        };
      const { code, message } = result.error;
      switch (code) {
        case 'unknown_strategy':
          // Named this portfolio: an error; named none: another portfolio's on a shared stream.
          return input.fill.portfolioId === undefined
            ? { kind: 'skip', reason: 'unknown_strategy' }
            : dead('unknown_strategy', message);
        case 'portfolio_mismatch':
          return { kind: 'skip', reason: 'other_portfolio' };
        case 'too_old':
        case 'fill_conflict':
        case 'out_of_range':
          return dead(code, message);
        default:
          return { kind: 'dead', reason: 'invalid_input', error: `${code}: ${message}` };
      }
    }
  }
}
