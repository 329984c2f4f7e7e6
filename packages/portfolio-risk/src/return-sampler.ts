// Sleeve returns sampled from a live run's snapshots: flow-adjusted, chained into fixed periods,
// kept for a bounded window, and the wire forms (history, checkpoint) they are journaled in.
import { createIdRecord } from '@njord/portfolio-contracts/core';
import { RiskError } from './errors.js';
import { calculateFlowAdjustedReturn } from './flow-adjusted-return.js';
import type { PerformanceHistory } from './risk-adjusted-allocator.js';

/** The sampler's period and window, in ns. */
export interface ReturnSamplerOptions {
  /** Length of one sample period (> 0). */
  readonly periodNs: bigint;
  /** Samples older than this before the latest are dropped (> 0). */
  readonly windowNs: bigint;
}

/** The window of returns on the wire: one timeline shared by every sleeve, null = missing. */
export interface ReturnHistoryWire {
  readonly timestamps_ns: readonly string[];
  readonly returns: Readonly<Record<string, readonly (number | null)[]>>;
}

/** The sampler's state in a checkpoint. */
export interface ReturnSamplerJson {
  /** The last snapshot sampled and each sleeve's capital then (the base of the next return). */
  readonly last_snapshot_ns: string | null;
  readonly last_capital: Readonly<Record<string, number>>;
  /** Plan transfers into each sleeve since that snapshot. */
  readonly transfers: Readonly<Record<string, number>>;
  /** The open period closes at the first snapshot at or after this. */
  readonly period_end_ns: string | null;
  /** Product of (1 + r) over the open period's snapshot returns, per sleeve that has one. */
  readonly period_growth: Readonly<Record<string, number>>;
  readonly history: ReturnHistoryWire;
}

function malformed(message: string): RiskError {
  return new RiskError('invalid_history', message);
}

function finiteRecord(value: unknown, what: string): Record<string, number> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed(`${what} must be an object`);
  }
  const out = createIdRecord<number>();
  for (const [id, entry] of Object.entries(value)) {
    if (typeof entry !== 'number' || !Number.isFinite(entry)) {
      throw malformed(`${what}.${id} must be a finite number`);
    }
    out[id] = entry;
  }
  return out;
}

function parseNs(value: unknown, what: string): bigint {
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) {
    throw malformed(`${what} must be a decimal string of ns`);
  }
  return BigInt(value);
}

function parseNullableNs(value: unknown, what: string): bigint | null {
  return value === null ? null : parseNs(value, what);
}

function checkOptions(strategyIds: readonly string[], options: ReturnSamplerOptions): void {
  if (new Set(strategyIds).size !== strategyIds.length) {
    throw new RiskError('invalid_options', 'strategy ids must be unique');
  }
  if (options.periodNs <= 0n) {
    throw new RiskError('invalid_options', `periodNs must be > 0, got ${options.periodNs}`);
  }
  if (options.windowNs <= 0n) {
    throw new RiskError('invalid_options', `windowNs must be > 0, got ${options.windowNs}`);
  }
}

/**
 * Decodes a history on the wire into records for `calculateAdjustedAllocations` (null -> NaN, a
 * missing return). Throws `RiskError` (`invalid_history`) if malformed.
 */
export function decodeReturnHistory(wire: ReturnHistoryWire): PerformanceHistory {
  const timestampsNs = wire.timestamps_ns.map((value, k) => parseNs(value, `timestamps_ns[${k}]`));
  const history = createIdRecord<{ timestampsNs: bigint[]; returns: number[] }>();
  for (const [id, returns] of Object.entries(wire.returns)) {
    if (returns.length !== timestampsNs.length) {
      throw malformed(
        `returns.${id} has ${returns.length} values for ${timestampsNs.length} timestamps`,
      );
    }
    history[id] = {
      timestampsNs,
      returns: returns.map((value) => (value === null ? Number.NaN : value)),
    };
  }
  return history;
}

/**
 * Each sleeve's flow-adjusted return, sampled from every snapshot of a live run:
 * `calculateFlowAdjustedReturn(capital at the previous snapshot, capital now, plan transfers in
 * between)`, so a transfer is never mistaken for performance. The snapshot returns are chained
 * (time-weighted) into periods of `periodNs`; a period closes at the first snapshot at or after
 * its end and becomes one sample, timestamped with that snapshot. Samples older than `windowNs`
 * before the latest are dropped, so memory is bounded by window / period. Pure: the caller passes
 * every snapshot's time.
 */
export class ReturnSampler {
  private ids: string[];
  private periodNs: bigint;
  private windowNs: bigint;
  private lastSnapshotNs: bigint | null = null;
  private readonly lastCapital = new Map<string, number>();
  private readonly transfers = new Map<string, number>();
  private periodEndNs: bigint | null = null;
  private readonly growth = new Map<string, number>();
  private timestamps: bigint[] = [];
  private readonly returns = new Map<string, number[]>();

  /** Throws `RiskError` (`invalid_options`) for duplicate ids or a period or window <= 0. */
  constructor(strategyIds: readonly string[], options: ReturnSamplerOptions) {
    checkOptions(strategyIds, options);
    this.ids = [...strategyIds];
    for (const id of this.ids) this.returns.set(id, []);
    this.periodNs = options.periodNs;
    this.windowNs = options.windowNs;
  }

  /** Samples held (all strategies share one timeline). */
  get size(): number {
    return this.timestamps.length;
  }

  /** Timestamp of the latest sample, null before the first. */
  get latestNs(): bigint | null {
    return this.timestamps[this.timestamps.length - 1] ?? null;
  }

  get strategyIds(): readonly string[] {
    return this.ids;
  }

  /**
   * Under a new config: strategies added get missing (NaN) returns for the samples held,
   * strategies removed are forgotten; the period and the window take the new values.
   */
  reconfigure(strategyIds: readonly string[], options: ReturnSamplerOptions): void {
    checkOptions(strategyIds, options);
    const keep = new Set(strategyIds);
    for (const id of this.ids) {
      if (keep.has(id)) continue;
      this.returns.delete(id);
      this.growth.delete(id);
      this.lastCapital.delete(id);
    }
    for (const id of strategyIds) {
      if (!this.returns.has(id))
        this.returns.set(
          id,
          this.timestamps.map(() => Number.NaN),
        );
    }
    this.ids = [...strategyIds];
    this.periodNs = options.periodNs;
    this.windowNs = options.windowNs;
    this.trim();
  }

  /** Transfers of an applied plan (strategy id -> amount into the sleeve). */
  onTransfers(transfers: Readonly<Record<string, number>>): void {
    for (const [id, amount] of Object.entries(transfers)) {
      this.transfers.set(id, (this.transfers.get(id) ?? 0) + amount);
    }
  }

  /** One snapshot's sleeve capital; true when it closed a period (a new sample). */
  onSnapshot(timestampNs: bigint, capitals: Readonly<Record<string, number>>): boolean {
    if (this.lastSnapshotNs !== null) {
      for (const id of this.ids) {
        const r = calculateFlowAdjustedReturn(
          this.lastCapital.get(id) ?? Number.NaN,
          capitals[id] ?? Number.NaN,
          this.transfers.get(id) ?? 0,
        );
        // A return is missing while the sleeve had no capital; the period chains the others.
        if (Number.isFinite(r)) this.growth.set(id, (this.growth.get(id) ?? 1) * (1 + r));
      }
    }
    this.lastSnapshotNs = timestampNs;
    this.lastCapital.clear();
    for (const id of this.ids) {
      const capital = capitals[id];
      if (capital !== undefined) this.lastCapital.set(id, capital);
    }
    this.transfers.clear();
    if (this.periodEndNs === null) {
      this.periodEndNs = timestampNs + this.periodNs;
      return false;
    }
    if (timestampNs < this.periodEndNs) return false;
    this.timestamps.push(timestampNs);
    for (const id of this.ids) {
      const growth = this.growth.get(id);
      (this.returns.get(id) as number[]).push(growth === undefined ? Number.NaN : growth - 1);
    }
    this.growth.clear();
    // The next end is the first point of the period grid after this snapshot (after downtime too).
    this.periodEndNs += ((timestampNs - this.periodEndNs) / this.periodNs + 1n) * this.periodNs;
    this.trim();
    return true;
  }

  /** The samples with timestamp > afterNs (all: null), per strategy (NaN = missing), for `calculateAdjustedAllocations`. */
  history(afterNs: bigint | null): PerformanceHistory {
    const from = this.firstAfter(afterNs);
    const timestampsNs = this.timestamps.slice(from);
    const history = createIdRecord<{ timestampsNs: bigint[]; returns: number[] }>();
    for (const id of this.ids) {
      history[id] = { timestampsNs, returns: (this.returns.get(id) as number[]).slice(from) };
    }
    return history;
  }

  /** The same samples on the wire (NaN -> null). */
  historyWire(afterNs: bigint | null): ReturnHistoryWire {
    const from = this.firstAfter(afterNs);
    const returns = createIdRecord<(number | null)[]>();
    for (const id of this.ids) {
      returns[id] = (this.returns.get(id) as number[])
        .slice(from)
        .map((value) => (Number.isFinite(value) ? value : null));
    }
    return { timestamps_ns: this.timestamps.slice(from).map(String), returns };
  }

  toJSON(): ReturnSamplerJson {
    return {
      last_snapshot_ns: this.lastSnapshotNs === null ? null : this.lastSnapshotNs.toString(),
      last_capital: Object.fromEntries(this.lastCapital),
      transfers: Object.fromEntries(this.transfers),
      period_end_ns: this.periodEndNs === null ? null : this.periodEndNs.toString(),
      period_growth: Object.fromEntries(this.growth),
      history: this.historyWire(null),
    };
  }

  /**
   * Loads a checkpoint's state (strategies not in this sampler's config are dropped). Throws
   * `RiskError` (`invalid_history`) if malformed.
   */
  restore(json: ReturnSamplerJson): void {
    this.lastSnapshotNs = parseNullableNs(json.last_snapshot_ns, 'last_snapshot_ns');
    this.periodEndNs = parseNullableNs(json.period_end_ns, 'period_end_ns');
    const known = new Set(this.ids);
    const load = (target: Map<string, number>, value: unknown, what: string) => {
      target.clear();
      for (const [id, amount] of Object.entries(finiteRecord(value, what))) {
        if (known.has(id)) target.set(id, amount);
      }
    };
    load(this.lastCapital, json.last_capital, 'last_capital');
    load(this.transfers, json.transfers, 'transfers');
    load(this.growth, json.period_growth, 'period_growth');
    const history = decodeReturnHistory(json.history);
    this.timestamps = json.history.timestamps_ns.map((value, k) =>
      parseNs(value, `timestamps_ns[${k}]`),
    );
    for (const id of this.ids) {
      this.returns.set(
        id,
        history[id] === undefined
          ? this.timestamps.map(() => Number.NaN)
          : [...(history[id] as { returns: readonly number[] }).returns],
      );
    }
    this.trim();
  }

  private firstAfter(afterNs: bigint | null): number {
    if (afterNs === null) return 0;
    let k = 0;
    while (k < this.timestamps.length && (this.timestamps[k] as bigint) <= afterNs) k++;
    return k;
  }

  private trim(): void {
    const latest = this.latestNs;
    if (latest === null) return;
    const drop = this.firstAfter(latest - this.windowNs);
    if (drop === 0) return;
    this.timestamps.splice(0, drop);
    for (const returns of this.returns.values()) returns.splice(0, drop);
  }
}
