// The NDJSON journal line, shared by the live manager and backtests: one zod union on `type`,
// the line format (`v`, `seq`, `portfolio_id`, `type`, `timestamp_ns`, body, `crc` last) and
// its CRC-32. Lines written before `v` and `crc` existed still decode.
import { z } from 'zod';
import { crc32Hex, crc32String } from './crc32.js';
import { ContractError, type Result } from './errors.js';
import {
  fillEventCodec,
  type FillEventWire,
  portfolioSnapshotCodec,
  priceMarkCodec,
  rebalancePlanCodec,
} from './events.js';
import { idRecord } from './codec.js';
import { toContractIssues } from './issues.js';
import { safeParsePortfolioConfig } from './portfolio-config.js';
import { taggedError } from './tagged-error.js';
import { IdSchema, timestampNs } from './primitives.js';
import { BREAKER_REASONS, HALT_REASONS, MANAGER_COMMANDS, RESUME_CAUSES } from './constants.js';

export const JOURNAL_LINE_TYPES = [
  'fill',
  'mark',
  'funding',
  'plan',
  'published',
  'adjustment',
  'snapshot',
  'checkpoint',
  'config',
  'error',
  'breaker',
  'halt',
  'resume',
  'command',
] as const;
export type JournalLineType = (typeof JOURNAL_LINE_TYPES)[number];

/** The line format version written in `v`. */
export const JOURNAL_VERSION = 1;

const amounts = idRecord(IdSchema, z.number());
const finiteNumber = z.number();
/** A JSON object whose inner shape another package owns (checked there when restored). */
const jsonObject = z.record(z.string(), z.unknown());

/** Where a line of live input came from: the stream key and the entry id. */
export const JournalSourceSchema = z.strictObject({
  stream: z.string().min(1),
  id: z.string().regex(/^\d+-\d+$/, { error: 'must be a stream entry id like 1700000000000-0' }),
});
export type JournalSource = z.output<typeof JournalSourceSchema>;

/** Stream key -> entry id: how far a live manager had read each input stream. */
const streamPositions = z.record(
  z.string().min(1),
  z.string().regex(/^\d+-\d+$/, { error: 'must be a stream entry id like 1700000000000-0' }),
);

const configWire = z.unknown().transform((wire, ctx) => {
  const parsed = safeParsePortfolioConfig({ portfolio: wire });
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    ctx.addIssue({ code: 'custom', message: `${issue.path}: ${issue.message}` });
  }
  return z.NEVER;
});

const header = {
  v: z.literal(JOURNAL_VERSION).optional(),
  seq: z.int().gte(1),
  portfolio_id: IdSchema,
  timestamp_ns: timestampNs.schema,
  crc: z
    .string()
    .regex(/^[0-9a-f]{8}$/)
    .optional(),
};

function line<T extends JournalLineType, S extends z.ZodRawShape>(type: T, body: S) {
  return z.object({ ...header, type: z.literal(type), ...body });
}

/** A rebalance trade's execution in a backtest (the plan line of older backtest journals). */
const planFillWire = z.strictObject({
  intent_id: z.string(),
  fill_price: finiteNumber,
  commission: finiteNumber,
  slippage: finiteNumber,
});

/** Plans in flight in a checkpoint: each plan on the wire, its flag, what is left to fill. */
const planBookWire = z.object({
  plans: z.array(
    z.object({
      plan: z.looseObject({}),
      published: z.boolean(),
      remaining: idRecord(z.string(), z.number()),
    }),
  ),
});

/** The mark guard in a checkpoint: each symbol's last accepted mark and last refused price. */
const markGuardWire = z.object({
  last: idRecord(z.string(), z.object({ price: z.number(), timestamp_ns: z.string() })),
  rejected: idRecord(z.string(), z.number()),
});

/** The risk state in a checkpoint (clock samples, the last adjustment, the weights in force). */
const riskStateWire = z.object({
  sampler: jsonObject.optional(),
  last_adjustment_ns: z.string().nullable(),
  last_input_ns: z.string().nullable().optional(),
  weights: amounts.nullable(),
});

/** An earlier checkpoint line of the same portfolio: its seq and (a hint) its byte offset in the file. */
const checkpointRef = z.strictObject({
  seq: z.int().gte(1),
  /** Where the line started when it was written (null: unknown); readers verify it by seq. */
  offset: z.int().gte(0).nullable(),
  /** The segment file holding the line (a file name in the journal's folder); absent: the same file. */
  segment: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/)
    .optional(),
});

/**
 * A checkpoint that is a link of a chain: its tracker state (version 2) holds only the fills
 * applied since the checkpoint `since`; the links from `from` through `since` hold the older
 * fills still remembered. Both null: the checkpoint holds every remembered fill.
 */
export const CheckpointLedgerSchema = z.strictObject({
  since: checkpointRef.nullable(),
  from: checkpointRef.nullable(),
});
export type CheckpointLedger = z.output<typeof CheckpointLedgerSchema>;

/** Every journal line, by `type`. Decoded values: bigint timestamps, camelCase contracts. */
export const JournalLineSchema = z.discriminatedUnion('type', [
  line('fill', {
    fill: fillEventCodec.schema,
    source: JournalSourceSchema.optional(),
    /** Lines before `source`: the entry id only. */
    entry_id: z.string().optional(),
  }),
  line('mark', {
    mark: priceMarkCodec.schema,
    source: JournalSourceSchema.optional(),
    entry_id: z.string().optional(),
  }),
  line('funding', {
    allocations: amounts,
    unallocated_cash: finiteNumber,
    total_capital: finiteNumber,
  }),
  line('plan', {
    plan: rebalancePlanCodec.schema,
    /** Older backtest journals: how each trade filled (newer ones write `fill` lines). */
    fills: z.array(planFillWire).optional(),
  }),
  line('published', {
    plan_id: z.string().min(1),
    intents: z.int().gte(0).optional(),
    dry_run: z.boolean().optional(),
  }),
  line('adjustment', {
    /** The risk package's adjustment on the wire; `weights` are what is put in force. */
    adjustment: z.looseObject({ weights: amounts }),
    /** The newest return sample the adjustment saw (absent in older lines: its timestamp). */
    input_latest_ns: timestampNs.schema.nullable().optional(),
    previous_weights: amounts.optional(),
    inputs: jsonObject.optional(),
  }),
  line('snapshot', {
    reason: z.string().optional(),
    snapshot: portfolioSnapshotCodec.schema,
    /** Live manager: the last entry id it had processed on each input stream (see `positions`). */
    positions: streamPositions.optional(),
  }),
  line('checkpoint', {
    /** Written first in the body, so a reader finds the chain from the line's head. */
    ledger: CheckpointLedgerSchema.optional(),
    config_hash: z.string().optional(),
    config: configWire.optional(),
    /** The tracker's serialized state (its package checks it when restoring). */
    tracker: jsonObject.optional(),
    plans: planBookWire.optional(),
    marks: markGuardWire.optional(),
    risk: riskStateWire.optional(),
    /** Breakers: paused sleeves, the halt, the drawdown watch (the kernel checks it). */
    breakers: jsonObject.optional(),
    /**
     * Live manager: per input stream key, the entry id up to which every entry was processed
     * (applied and journaled, or skipped) when the line was written.
     */
    positions: streamPositions.optional(),
    /** Older backtest journals: the final tracker state. */
    final: z.boolean().optional(),
    state: jsonObject.optional(),
  }),
  line('config', {
    hash: z.string().optional(),
    previous_hash: z.string().nullable().optional(),
    config: configWire,
  }),
  line('error', {
    code: z.string().optional(),
    message: z.string().optional(),
    error: z.string().optional(),
    /** Live input: `{stream, id}`; older lines: `fills` | `prices` beside `entry_id`. */
    source: z.union([JournalSourceSchema, z.string()]).optional(),
    entry_id: z.string().optional(),
    mark: priceMarkCodec.schema.optional(),
  }),
  /** A sleeve paused: its target is 0 and a rebalance (reason `breaker`) follows at once. */
  line('breaker', {
    strategy_id: IdSchema,
    reason: z.enum(BREAKER_REASONS),
    /** The sleeve's flow-adjusted index below its peak when it tripped (negative). */
    drawdown: finiteNumber.optional(),
    message: z.string().optional(),
  }),
  /** The portfolio halted: no new plan until a `resume` line without `strategy_id`. */
  line('halt', {
    reason: z.enum(HALT_REASONS),
    message: z.string().optional(),
    /** Portfolio equity below its peak when `max_drawdown` halted it (negative). */
    drawdown: finiteNumber.optional(),
  }),
  /** A paused sleeve (`strategy_id`) or the halted portfolio (no `strategy_id`) resumes. */
  line('resume', {
    strategy_id: IdSchema.optional(),
    by: z.enum(RESUME_CAUSES).optional(),
  }),
  /** An operator's command, read from the commands stream, journaled before it is applied. */
  line('command', {
    command: z.enum(MANAGER_COMMANDS),
    strategy_id: IdSchema.optional(),
    source: JournalSourceSchema.optional(),
  }),
]);

/** A decoded journal line. */
export type JournalLine = z.output<typeof JournalLineSchema>;
export type JournalLineOf<T extends JournalLineType> = Extract<JournalLine, { type: T }>;

type HeaderKey = 'v' | 'seq' | 'portfolio_id' | 'type' | 'timestamp_ns' | 'crc';
/** The body of a line of type `T` on the wire (what `formatJournalLine` takes). */
export type JournalBodyWire<T extends JournalLineType> = Omit<
  z.input<
    Extract<(typeof JournalLineSchema)['options'][number], { shape: { type: z.ZodLiteral<T> } }>
  >,
  HeaderKey
>;

const CRC_TAIL = /,"crc":"([0-9a-f]{8})"}$/;

const bigintAsText = (_key: string, value: unknown): unknown =>
  typeof value === 'bigint' ? value.toString() : value;

function stringifyBody(body: object): string {
  // Most bodies hold no bigint: JSON.stringify without a replacer is several times faster,
  // and throws a TypeError on a bigint, when the replacer writes it as a decimal string.
  try {
    return JSON.stringify(body);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return JSON.stringify(body, bigintAsText);
  }
}

/**
 * A CRC-32 (zlib's) of a string's UTF-8 bytes, continuing from `previous` as zlib does:
 * `crc32String` here; node's `zlib.crc32` is the same function, natively.
 */
export type StringCrc32 = (text: string, previous?: number) => number;

/**
 * One journal line (no newline): `v`, `seq`, `portfolio_id`, `type`, `timestamp_ns`, then the
 * body's keys (bigints as decimal strings), then `crc`: the CRC-32 of the line's UTF-8 bytes
 * without the `,"crc":"..."` member, computed by `crc32` (default `crc32String`; a writer on
 * node may pass `zlib.crc32`, which is faster and gives the same line).
 */
export function formatJournalLine<T extends JournalLineType>(
  portfolioId: string,
  seq: number,
  type: T,
  timestampNsValue: bigint,
  body: JournalBodyWire<T>,
  crc32: StringCrc32 = crc32String,
): string {
  return signLine(journalLineOpen(portfolioId, seq, type, timestampNsValue, body), crc32);
}

/**
 * A journal line without its closing brace and crc: `{"v":1,...,body members`. The line is
 * this + `}` with the crc member before that brace; the CRC runs over this + `}`.
 */
export function journalLineOpen<T extends JournalLineType>(
  portfolioId: string,
  seq: number,
  type: T,
  timestampNsValue: bigint,
  body: JournalBodyWire<T>,
): string {
  const rest = stringifyBody(body);
  const members = rest === '{}' ? '' : `,${rest.slice(1, -1)}`;
  return `${lineHead(portfolioId, seq, type, timestampNsValue)}${members}`;
}

/**
 * `journalLineOpen` in its two parts, not joined (a writer of bytes puts them one after the
 * other): the head, and the body as JSON; the open line is the head, then (unless the body
 * is `{}`) a comma and the body's JSON without its braces. Not part of the package's entry.
 */
export function journalLineParts<T extends JournalLineType>(
  portfolioId: string,
  seq: number,
  type: T,
  timestampNsValue: bigint,
  body: JournalBodyWire<T>,
): { readonly head: string; readonly body: string } {
  return {
    head: lineHead(portfolioId, seq, type, timestampNsValue),
    body: stringifyBody(body),
  };
}

/** The crc of an open line (`journalLineOpen`) as 8 lowercase hex digits. */
function crcHex(open: string, crc32: StringCrc32): string {
  return crc32('}', crc32(open)).toString(16).padStart(8, '0');
}

function signLine(open: string, crc32: StringCrc32): string {
  return `${open},"crc":"${crcHex(open, crc32)}"}`;
}

/** The last bigint timestamp printed, and its text (lines of one bar share it). */
let lastNs: bigint | undefined;
let lastNsText = '';

function lineHead(portfolioId: string, seq: number, type: string, timestampNsValue: bigint) {
  if (timestampNsValue !== lastNs) {
    lastNs = timestampNsValue;
    lastNsText = timestampNsValue.toString();
  }
  return `{"v":${JOURNAL_VERSION},"seq":${seq},"portfolio_id":${jsonString(portfolioId)},"type":"${type}","timestamp_ns":"${lastNsText}"`;
}

/** A string as JSON.stringify writes it: printable ASCII without `"` and `\` as is. */
function jsonString(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7e) return JSON.stringify(text);
  }
  return `"${text}"`;
}

function jsonNumber(value: number): string {
  return value - value === 0 ? String(value) : 'null';
}

/**
 * A `fill` line without building and stringifying a body: the very text of
 * `formatJournalLine(portfolioId, seq, 'fill', timestampNs, {fill}, crc32)` when `fill` has
 * its keys in the wire order (as `encodeFillEvent` writes them), several times faster. For a
 * writer of many fills (a backtest's journal).
 */
export function formatFillLine(
  portfolioId: string,
  seq: number,
  timestampNsValue: bigint,
  fill: FillEventWire,
  crc32: StringCrc32 = crc32String,
): string {
  return signLine(fillLineOpen(portfolioId, seq, timestampNsValue, fill), crc32);
}

/** `journalLineOpen` of a bare fill body (see `formatFillLine`). */
export function fillLineOpen(
  portfolioId: string,
  seq: number,
  timestampNsValue: bigint,
  fill: FillEventWire,
): string {
  let open = `${lineHead(portfolioId, seq, 'fill', timestampNsValue)},"fill":{"fill_id":${jsonString(fill.fill_id)},"strategy_id":${jsonString(fill.strategy_id)},"symbol":${jsonString(fill.symbol)},"side":${jsonString(fill.side)},"quantity":${jsonNumber(fill.quantity)},"price":${jsonNumber(fill.price)},"fee":${jsonNumber(fill.fee)},"timestamp_ns":${jsonString(fill.timestamp_ns)}`;
  if (fill.portfolio_id !== undefined) open += `,"portfolio_id":${jsonString(fill.portfolio_id)}`;
  if (fill.intent_id !== undefined) open += `,"intent_id":${jsonString(fill.intent_id)}`;
  return `${open}}`;
}

/** Why a journal line does not decode. */
export const JOURNAL_FAULTS = ['not_json', 'bad_crc', 'invalid_line'] as const;
export type JournalFault = (typeof JOURNAL_FAULTS)[number];

/** A journal line that does not decode; `code` from `JOURNAL_FAULTS`. */
export class JournalLineError extends taggedError('JournalLineError', JOURNAL_FAULTS) {}

/**
 * Decodes one journal line: JSON, then its CRC (lines with `v` must carry one), then the
 * schema. Expected faults are values.
 */
export function safeDecodeJournalLine(text: string): Result<JournalLine, JournalLineError> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return {
      success: false,
      error: new JournalLineError(
        'not_json',
        `not JSON: ${error instanceof Error ? error.message : String(error)}`,
      ),
    };
  }
  const versioned = typeof raw === 'object' && raw !== null && 'v' in raw;
  const match = CRC_TAIL.exec(text);
  if (versioned && match === null) {
    return {
      success: false,
      error: new JournalLineError('bad_crc', 'a line with "v" must end with its "crc"'),
    };
  }
  if (match !== null && crc32Hex(`${text.slice(0, match.index)}}`) !== match[1]) {
    return {
      success: false,
      error: new JournalLineError('bad_crc', `crc ${match[1] ?? ''} does not match the line`),
    };
  }
  const parsed = JournalLineSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = toContractIssues(parsed.error.issues, raw);
    return {
      success: false,
      error: new JournalLineError('invalid_line', new ContractError(issues).message),
    };
  }
  return { success: true, data: parsed.data };
}

/** Like `safeDecodeJournalLine`, but throws the JournalLineError. */
export function decodeJournalLine(text: string): JournalLine {
  const result = safeDecodeJournalLine(text);
  if (!result.success) throw result.error;
  return result.data;
}

/** Digits of the first seq in a part's name (as in the live manager's segment names). */
export const JOURNAL_PART_SEQ_DIGITS = 16;

/**
 * A journal written in parts (the backtest's, past its file size limit): the first file keeps
 * its name, each further part is named after it and its first line's seq.
 *
 * The name of the part of journal `journalName` (`backtest_<id>.ndjson`) whose first line has
 * seq `firstSeq`: `backtest_<id>.<firstSeq, 16 digits>.ndjson`.
 */
export function journalPartName(journalName: string, firstSeq: number): string {
  return `${journalName.replace(/\.ndjson$/, '')}.${String(firstSeq).padStart(JOURNAL_PART_SEQ_DIGITS, '0')}.ndjson`;
}

/** Whether `name` is a part of journal `journalName` (any first seq). */
export function isJournalPartName(journalName: string, name: string): boolean {
  const prefix = `${journalName.replace(/\.ndjson$/, '')}.`;
  return (
    name.startsWith(prefix) &&
    new RegExp(`^\\d{${JOURNAL_PART_SEQ_DIGITS}}\\.ndjson$`).test(name.slice(prefix.length))
  );
}
