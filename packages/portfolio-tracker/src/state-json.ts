// The tracker's serialized state (checkpoints): its JSON shape and the hand-written check that reads it back.
import type { LedgerEntry } from './fill-ledger.js';
import { TrackerError } from './errors.js';

/** A state whose `applied_fills` hold every remembered fill. */
export const TRACKER_STATE_VERSION = 1;
/**
 * A state whose `applied_fills` hold only the fills applied since an earlier state (a chain of
 * checkpoints): restoring it needs the earlier states' fills too.
 */
export const TRACKER_CHAINED_STATE_VERSION = 2;

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

/** Plain JSON: bigints as decimal strings, numbers exact through JSON.stringify/parse. */
export interface TrackerStateJson {
  readonly version: typeof TRACKER_STATE_VERSION | typeof TRACKER_CHAINED_STATE_VERSION;
  readonly portfolio_id: string;
  readonly unallocated_cash: number;
  readonly last_rebalance_ns: string;
  readonly sleeves: readonly SleeveStateJson[];
  readonly symbols: readonly SymbolStateJson[];
  /**
   * `[fill_id, strategy_id, symbol, side, quantity, price, fee, timestamp_ns, portfolio_id,
   * intent_id]`, in order applied: every remembered fill (version 1), or those applied since the
   * previous state of a chain (version 2).
   */
  readonly applied_fills: readonly AppliedFillJson[];
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
  if (state.version !== TRACKER_STATE_VERSION && state.version !== TRACKER_CHAINED_STATE_VERSION)
    fail(
      'state.version',
      `must be ${TRACKER_STATE_VERSION} or ${TRACKER_CHAINED_STATE_VERSION}, got ${String(state.version)}`,
    );
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
  checkAppliedFills(state.applied_fills, 'state.applied_fills');
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
 * Checks a list of applied fills (a state's `applied_fills`, or an earlier state's in a chain);
 * `path` names it in the error.
 */
export function checkAppliedFills(raw: unknown, path: string): readonly AppliedFillJson[] {
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
