// Input hygiene for price marks: a mark jumping more than `max_mark_jump` from the last
// accepted one is rejected, unless the mark before it (rejected too) confirms the new level.
import { createIdRecord } from '@njord/portfolio-contracts';

/** What `MarkGuard.check` says of a mark: apply it, or why not. */
export type MarkVerdict =
  | { readonly kind: 'accept' }
  | { readonly kind: 'stale'; readonly lastTimestampNs: bigint }
  | { readonly kind: 'jump'; readonly lastPrice: number; readonly jump: number };

/** A `MarkGuard`'s state in a checkpoint (timestamps as decimal strings of ns). */
export interface MarkGuardJson {
  readonly last: Record<string, { readonly price: number; readonly timestamp_ns: string }>;
  readonly rejected: Record<string, number>;
}

/**
 * The `max_mark_jump` filter of the live manager (docs/formats.md), per symbol. Pure: the caller
 * passes each mark's time and reports what it did with the verdict (`accept` or `reject`).
 */
export class MarkGuard {
  private readonly last = new Map<string, { price: number; timestampNs: bigint }>();
  /** The last rejected price per symbol, while no mark has been accepted since. */
  private readonly rejected = new Map<string, number>();

  constructor(readonly maxJump: number) {}

  /**
   * `stale`: older than the last accepted mark (a re-read after a consumer group was
   * recreated, or a late tick); `jump`: |price / reference - 1| > maxJump and not confirmed
   * by the previous rejected mark (itself within maxJump of this one). The reference is the
   * last accepted mark; for a symbol's first mark it is `firstReference` (the live manager
   * passes the symbol's last fill price), so a first mark is held to the same rule.
   */
  check(symbol: string, price: number, timestampNs: bigint, firstReference?: number): MarkVerdict {
    const last = this.last.get(symbol);
    if (last !== undefined && timestampNs < last.timestampNs)
      return { kind: 'stale', lastTimestampNs: last.timestampNs };
    const reference = last?.price ?? firstReference;
    if (reference === undefined || !(reference > 0)) return { kind: 'accept' };
    const jump = Math.abs(price / reference - 1);
    if (jump <= this.maxJump) return { kind: 'accept' };
    const previous = this.rejected.get(symbol);
    if (previous !== undefined && Math.abs(price / previous - 1) <= this.maxJump)
      return { kind: 'accept' };
    return { kind: 'jump', lastPrice: reference, jump };
  }

  /** Records a mark as applied: the new reference; a remembered rejected mark is forgotten. */
  accept(symbol: string, price: number, timestampNs: bigint): void {
    this.last.set(symbol, { price, timestampNs });
    this.rejected.delete(symbol);
  }

  /** Records a mark as rejected (dead-lettered): the next one may confirm its level. */
  reject(symbol: string, price: number): void {
    this.rejected.set(symbol, price);
  }

  toJSON(): MarkGuardJson {
    const last = createIdRecord<{ price: number; timestamp_ns: string }>();
    for (const [symbol, mark] of this.last)
      last[symbol] = { price: mark.price, timestamp_ns: String(mark.timestampNs) };
    return { last, rejected: Object.fromEntries(this.rejected) };
  }

  /** The last accepted mark's time for `symbol`, or undefined. */
  lastTimestampNs(symbol: string): bigint | undefined {
    return this.last.get(symbol)?.timestampNs;
  }

  /** The guard of a checkpoint (`undefined`: a fresh guard); `maxJump` comes from the config. */
  static fromJSON(maxJump: number, json: MarkGuardJson | undefined): MarkGuard {
    const guard = new MarkGuard(maxJump);
    if (!json) return guard;
    for (const [symbol, mark] of Object.entries(json.last)) {
      guard.last.set(symbol, { price: mark.price, timestampNs: BigInt(mark.timestamp_ns) });
    }
    for (const [symbol, price] of Object.entries(json.rejected)) guard.rejected.set(symbol, price);
    return guard;
  }
}
