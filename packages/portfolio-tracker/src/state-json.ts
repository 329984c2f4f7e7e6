// The tracker's serialized state (checkpoints): its JSON shape and the hand-written check that reads it back.
import type { LedgerEntry, PackedFillsBytes, PackedFillsJson } from './fill-ledger.js';
import { TrackerError } from './errors.js';

/** A state whose `applied_fills` hold every remembered fill, packed (hashes). */
export const TRACKER_STATE_VERSION = 3;
/**
 * A state whose `applied_fills` hold only the fills applied since an earlier state (a chain of
 * checkpoints), packed: restoring it needs the earlier states' fills too.
 */
export const TRACKER_CHAINED_STATE_VERSION = 4;
/** Versions 1 and 2: as 3 and 4, with each fill listed whole (id and content); still read. */
export const TRACKER_LISTED_STATE_VERSION = 1;
export const TRACKER_LISTED_CHAINED_STATE_VERSION = 2;
const VERSIONS: readonly number[] = [1, 2, 3, 4];

export interface PositionStateJson {
  readonly symbol: string;
  readonly units: number;
  readonly average_cost: number;
  readonly realized_pnl: number;
  readonly fees: number;
}

export interface SleeveStateJson {
  readonly strategy_id: string;
  readonly cash: number;
  readonly positions: readonly PositionStateJson[];
}

export interface SymbolStateJson {
  readonly symbol: string;
  /** The value in use: the last mark, or the last fill price when `marked_ns` is null. */
  readonly price: number;
  /** Timestamp of the last mark (decimal string), null when never marked (stale). */
  readonly marked_ns: string | null;
}

export type AppliedFillJson = LedgerEntry;
export type { PackedFillsBytes, PackedFillsJson };
/** A state's applied fills: packed (versions 3 and 4) or listed one by one (1 and 2). */
export type AppliedFillsJson = PackedFillsJson | readonly AppliedFillJson[];

/** Plain JSON: bigints as decimal strings, numbers exact through JSON.stringify/parse. */
export interface TrackerStateJson {
  readonly version:
    | typeof TRACKER_STATE_VERSION
    | typeof TRACKER_CHAINED_STATE_VERSION
    | typeof TRACKER_LISTED_STATE_VERSION
    | typeof TRACKER_LISTED_CHAINED_STATE_VERSION;
  readonly portfolio_id: string;
  readonly unallocated_cash: number;
  readonly last_rebalance_ns: string;
  readonly sleeves: readonly SleeveStateJson[];
  readonly symbols: readonly SymbolStateJson[];
  /**
   * Every remembered fill (versions 3 and 1), or those applied since the previous state of a
   * chain (4 and 2), in order applied: packed hashes (3, 4), or `[fill_id, strategy_id, symbol,
   * side, quantity, price, fee, timestamp_ns, portfolio_id, intent_id]` each (1, 2).
   */
  readonly applied_fills: AppliedFillsJson;
  readonly applied_plans: readonly string[];
  /**
   * Each applied plan's time (ns, decimal), in the order of `applied_plans`; plans stamped
   * before the dedupe horizon are forgotten with the fill ids. Absent in states written
   * before it existed (each plan is then taken as of `last_rebalance_ns`).
   */
  readonly applied_plan_ns?: readonly string[];
  /** Fill ids stamped before this were forgotten (absent or null: none was). */
  readonly dedupe_horizon_ns?: string | null;
}

const DECIMAL_INTEGER = /^-?(0|[1-9][0-9]*)$/;

function fail(path: string, message: string): never {
  throw new TrackerError('invalid_state', `${path}: ${message}`);
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(path, 'must be an object');
  return value as Record<string, unknown>;
}

function list(value: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(value)) fail(path, 'must be an array');
  return value as readonly unknown[];
}

function finite(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    fail(path, `must be a finite number, got ${String(value)}`);
  return value;
}

function text(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.length === 0) fail(path, 'must be a non-empty string');
  return value;
}

function nullableText(value: unknown, path: string): string | null {
  return value === null ? null : text(value, path);
}

/** Checks an integer written as a decimal string (without converting it). */
function decimalInteger(value: unknown, path: string): void {
  if (typeof value !== 'string' || !DECIMAL_INTEGER.test(value))
    fail(path, 'must be an integer as a decimal string');
}

export function parseNs(value: unknown, path: string): bigint {
  if (typeof value !== 'string' || !DECIMAL_INTEGER.test(value))
    fail(path, 'must be an integer as a decimal string');
  return BigInt(value);
}

/** Checks the shape of a serialized state (the tracker's own output, read back from a journal). */
export function checkTrackerState(raw: unknown): TrackerStateJson {
  const state = record(raw, 'state');
  if (typeof state.version !== 'number' || !VERSIONS.includes(state.version))
    fail('state.version', `must be 1, 2, 3 or 4, got ${String(state.version)}`);
  text(state.portfolio_id, 'state.portfolio_id');
  finite(state.unallocated_cash, 'state.unallocated_cash');
  parseNs(state.last_rebalance_ns, 'state.last_rebalance_ns');
  list(state.sleeves, 'state.sleeves').forEach((entry, i) => {
    const sleeve = record(entry, `state.sleeves[${i}]`);
    text(sleeve.strategy_id, `state.sleeves[${i}].strategy_id`);
    finite(sleeve.cash, `state.sleeves[${i}].cash`);
    list(sleeve.positions, `state.sleeves[${i}].positions`).forEach((p, j) => {
      const path = `state.sleeves[${i}].positions[${j}]`;
      const position = record(p, path);
      text(position.symbol, `${path}.symbol`);
      for (const key of ['units', 'average_cost', 'realized_pnl', 'fees'])
        finite(position[key], `${path}.${key}`);
    });
  });
  list(state.symbols, 'state.symbols').forEach((entry, i) => {
    const symbol = record(entry, `state.symbols[${i}]`);
    text(symbol.symbol, `state.symbols[${i}].symbol`);
    finite(symbol.price, `state.symbols[${i}].price`);
    if (symbol.marked_ns !== null) parseNs(symbol.marked_ns, `state.symbols[${i}].marked_ns`);
  });
  const fills = checkAppliedFills(state.applied_fills, 'state.applied_fills');
  if (Array.isArray(fills) !== state.version <= TRACKER_LISTED_CHAINED_STATE_VERSION)
    fail(
      'state.applied_fills',
      state.version <= TRACKER_LISTED_CHAINED_STATE_VERSION
        ? `must be an array in a state of version ${state.version}`
        : `must be packed ({count, id_hashes, content_hashes, timestamps_ns}) in a state of version ${state.version}`,
    );
  const plans = list(state.applied_plans, 'state.applied_plans');
  plans.forEach((id, i) => text(id, `state.applied_plans[${i}]`));
  if (state.applied_plan_ns !== undefined) {
    const times = list(state.applied_plan_ns, 'state.applied_plan_ns');
    if (times.length !== plans.length)
      fail(
        'state.applied_plan_ns',
        `must hold one time per applied plan (${plans.length}), got ${times.length}`,
      );
    times.forEach((ns, i) => parseNs(ns, `state.applied_plan_ns[${i}]`));
  }
  if (state.dedupe_horizon_ns !== undefined && state.dedupe_horizon_ns !== null)
    parseNs(state.dedupe_horizon_ns, 'state.dedupe_horizon_ns');
  return state as unknown as TrackerStateJson;
}

/**
 * Checks a state's applied fills (its `applied_fills`, or an earlier state's in a chain), packed
 * or listed; `path` names them in the error. The packed columns' bytes are checked when read; an
 * earlier state's columns may be given as bytes (`PackedFillsBytes`).
 */
export function checkAppliedFills(raw: unknown, path: string): AppliedFillsJson | PackedFillsBytes {
  if (!Array.isArray(raw)) {
    const packed = record(raw, path);
    const count = packed.count;
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0)
      fail(`${path}.count`, `must be an integer >= 0, got ${String(count)}`);
    for (const key of ['id_hashes', 'content_hashes', 'timestamps_ns'])
      if (typeof packed[key] !== 'string' && !(packed[key] instanceof Uint8Array))
        fail(`${path}.${key}`, 'must be a string (base64)');
    return packed as unknown as PackedFillsBytes;
  }
  list(raw, path).forEach((entry, i) => {
    const at = `${path}[${i}]`;
    const fill = list(entry, at);
    if (fill.length !== 10) fail(at, `must have 10 fields, got ${fill.length}`);
    text(fill[0], `${at}[0]`);
    text(fill[1], `${at}[1]`);
    text(fill[2], `${at}[2]`);
    if (fill[3] !== 'buy' && fill[3] !== 'sell') fail(`${at}[3]`, 'must be "buy" or "sell"');
    finite(fill[4], `${at}[4]`);
    finite(fill[5], `${at}[5]`);
    finite(fill[6], `${at}[6]`);
    decimalInteger(fill[7], `${at}[7]`);
    nullableText(fill[8], `${at}[8]`);
    nullableText(fill[9], `${at}[9]`);
  });
  return raw as readonly AppliedFillJson[];
}

/** How many fills a state's `applied_fills` (packed or listed) hold; undefined if neither. */
export function appliedFillCount(raw: unknown): number | undefined {
  if (Array.isArray(raw)) return raw.length;
  if (typeof raw !== 'object' || raw === null) return undefined;
  const count = (raw as { count?: unknown }).count;
  return typeof count === 'number' && Number.isSafeInteger(count) && count >= 0 ? count : undefined;
}
