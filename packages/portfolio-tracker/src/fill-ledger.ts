// The applied-fill ledger: fill id -> a compact, exact signature of the fill's content (columnar,
// typed arrays), in shards that are dropped whole once every fill in them is older than the
// dedupe horizon.
import type { FillEvent } from '@njord/portfolio-contracts';

/** A V8 Map holds at most 2^24 entries: the ledger spreads ids over shards of 2^23. */
const SHARD_LIMIT = 1 << 23;
const INITIAL_CAPACITY = 1024;
/** A ledger index is `shard number x SHARD_SPAN + index in the shard`. */
const SHARD_SPAN = 1 << 24;
const FLAG_SELL = 1;
const FLAG_PORTFOLIO_ID = 2;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** One applied fill as the ledger serializes it. */
export type LedgerEntry = readonly [
  fillId: string,
  strategyId: string,
  symbol: string,
  side: 'buy' | 'sell',
  quantity: number,
  price: number,
  fee: number,
  timestampNs: string,
  portfolioId: string | null,
  intentId: string | null,
];

/** One shard: ids -> local index, and the signature columns of its fills. */
class Shard {
  readonly ids = new Map<string, number>();
  /** The ids by local index (so the fills from an index on are listed without a walk of `ids`). */
  readonly idAt: string[] = [];
  count = 0;
  capacity = INITIAL_CAPACITY;
  strategy = new Int32Array(INITIAL_CAPACITY);
  symbol = new Int32Array(INITIAL_CAPACITY);
  flags = new Uint8Array(INITIAL_CAPACITY);
  quantity = new Float64Array(INITIAL_CAPACITY);
  price = new Float64Array(INITIAL_CAPACITY);
  fee = new Float64Array(INITIAL_CAPACITY);
  timestamp = new BigInt64Array(INITIAL_CAPACITY);
  /** Timestamps outside int64 (legal in the contract, absurd in practice) by local index. */
  readonly wideTimestamps = new Map<number, bigint>();
  readonly intents: (string | undefined)[] = [];
  /** The newest fill timestamp in the shard: it is dropped once this is below the horizon. */
  newestNs: bigint | undefined;
  /** The first fill's timestamp: the shard's time bucket starts there. */
  startNs: bigint | undefined;

  /** `firstAdd`: the ledger-wide number of the shard's first fill (see `FillLedger.added`). */
  constructor(
    readonly number: number,
    readonly firstAdd: number,
  ) {}

  timestampAt(index: number): bigint {
    if (this.wideTimestamps.size > 0) {
      const wide = this.wideTimestamps.get(index);
      if (wide !== undefined) return wide;
    }
    return this.timestamp[index] as bigint;
  }

  grow(): void {
    const capacity = this.capacity * 2;
    const int32 = (from: Int32Array): Int32Array<ArrayBuffer> => {
      const to = new Int32Array(capacity);
      to.set(from);
      return to;
    };
    const float64 = (from: Float64Array): Float64Array<ArrayBuffer> => {
      const to = new Float64Array(capacity);
      to.set(from);
      return to;
    };
    this.strategy = int32(this.strategy);
    this.symbol = int32(this.symbol);
    const flags = new Uint8Array(capacity);
    flags.set(this.flags);
    this.flags = flags;
    this.quantity = float64(this.quantity);
    this.price = float64(this.price);
    this.fee = float64(this.fee);
    const timestamp = new BigInt64Array(capacity);
    timestamp.set(this.timestamp);
    this.timestamp = timestamp;
    this.capacity = capacity;
  }
}

export class FillLedger {
  /** Oldest first; `shards[i].number === firstShard + i`. */
  private readonly shards: Shard[] = [];
  private current: Shard;
  private count = 0;
  private addedCount = 0;
  private readonly names: string[] = [];
  private readonly nameIndex = new Map<string, number>();
  private readonly shardLimit: number;
  private horizon: bigint | undefined;
  private readonly bucketNs: bigint | undefined;

  /**
   * `bucketNs`: a new shard is started when a fill is stamped more than this after the
   * current shard's first fill, so `forgetBefore` frees memory in steps of about that much
   * time (use a fraction of the dedupe window). `shardLimit` is for tests; the default keeps
   * each Map well under V8's limit.
   */
  constructor(shardLimit = SHARD_LIMIT, bucketNs?: bigint) {
    this.bucketNs = bucketNs !== undefined && bucketNs > 0n ? bucketNs : undefined;
    if (!(shardLimit >= 1 && shardLimit < SHARD_SPAN))
      throw new RangeError(`shardLimit must be in [1, ${SHARD_SPAN}), got ${shardLimit}`);
    this.shardLimit = shardLimit;
    this.current = new Shard(0, 0);
    this.shards.push(this.current);
  }

  /**
   * Fills ever recorded (remembered or forgotten since): the `n`-th fill recorded is fill
   * number `n - 1`. Checkpoints use these numbers to write only the fills recorded since the
   * previous one.
   */
  get added(): number {
    return this.addedCount;
  }

  /** The number of the oldest fill still remembered (`added` when none is). */
  get oldestRemembered(): number {
    for (const shard of this.shards) if (shard.count > 0) return shard.firstAdd;
    return this.addedCount;
  }

  /** Fills remembered (applied and not yet dropped past the horizon). */
  get size(): number {
    return this.count;
  }

  /** Fills stamped before this are no longer remembered (undefined: all are). */
  get dedupeHorizonNs(): bigint | undefined {
    return this.horizon;
  }

  /** A small integer for a strategy id or symbol, stored in the signature columns. */
  intern(name: string): number {
    let id = this.nameIndex.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.nameIndex.set(name, id);
    }
    return id;
  }

  /** The ledger index of a remembered fill id, or -1. */
  find(fillId: string): number {
    const shards = this.shards;
    for (let s = shards.length - 1; s >= 0; s--) {
      const shard = shards[s] as Shard;
      const index = shard.ids.get(fillId);
      if (index !== undefined) return shard.number * SHARD_SPAN + index;
    }
    return -1;
  }

  private shardAt(index: number): { shard: Shard; local: number } {
    const number = Math.floor(index / SHARD_SPAN);
    const shard = this.shards[number - (this.shards[0] as Shard).number] as Shard;
    return { shard, local: index - number * SHARD_SPAN };
  }

  /** Whether `fill` has exactly the content recorded at `index` (given its portfolio id check passed). */
  matches(index: number, fill: FillEvent): boolean {
    const { shard, local } = this.shardAt(index);
    const flags = shard.flags[local] as number;
    return (
      this.names[shard.strategy[local] as number] === fill.strategyId &&
      this.names[shard.symbol[local] as number] === fill.symbol &&
      ((flags & FLAG_SELL) !== 0) === (fill.side === 'sell') &&
      ((flags & FLAG_PORTFOLIO_ID) !== 0) === (fill.portfolioId !== undefined) &&
      shard.quantity[local] === fill.quantity &&
      shard.price[local] === fill.price &&
      shard.fee[local] === fill.fee &&
      shard.timestampAt(local) === fill.timestampNs &&
      shard.intents[local] === fill.intentId
    );
  }

  /** Records a fill; `strategyName` and `symbolName` are the interned ids of its strategy and symbol. */
  add(fill: FillEvent, strategyName: number, symbolName: number): void {
    this.record(
      fill.fillId,
      strategyName,
      symbolName,
      fill.side === 'sell',
      fill.portfolioId !== undefined,
      fill.quantity,
      fill.price,
      fill.fee,
      fill.timestampNs,
      fill.intentId,
    );
  }

  /** Records a fill as `entries` lists it (a checkpoint's applied fills, read back). */
  addEntry(entry: LedgerEntry): void {
    this.record(
      entry[0],
      this.intern(entry[1]),
      this.intern(entry[2]),
      entry[3] === 'sell',
      entry[8] !== null,
      entry[4],
      entry[5],
      entry[6],
      BigInt(entry[7]),
      entry[9] ?? undefined,
    );
  }

  private record(
    fillId: string,
    strategyName: number,
    symbolName: number,
    sell: boolean,
    hasPortfolioId: boolean,
    quantity: number,
    price: number,
    fee: number,
    ts: bigint,
    intentId: string | undefined,
  ): void {
    let shard = this.current;
    if (
      shard.count >= this.shardLimit ||
      (this.bucketNs !== undefined &&
        shard.startNs !== undefined &&
        ts - shard.startNs > this.bucketNs)
    ) {
      shard = new Shard(shard.number + 1, this.addedCount);
      this.current = shard;
      this.shards.push(shard);
    }
    const index = shard.count;
    if (index === shard.capacity) shard.grow();
    shard.ids.set(fillId, index);
    shard.idAt.push(fillId);
    shard.strategy[index] = strategyName;
    shard.symbol[index] = symbolName;
    shard.flags[index] = (sell ? FLAG_SELL : 0) | (hasPortfolioId ? FLAG_PORTFOLIO_ID : 0);
    shard.quantity[index] = quantity;
    shard.price[index] = price;
    shard.fee[index] = fee;
    if (ts >= INT64_MIN && ts <= INT64_MAX) shard.timestamp[index] = ts;
    else shard.wideTimestamps.set(index, ts);
    if (shard.newestNs === undefined || ts > shard.newestNs) shard.newestNs = ts;
    shard.startNs ??= ts;
    shard.intents.push(intentId);
    shard.count = index + 1;
    this.count++;
    this.addedCount++;
  }

  /**
   * Forgets fills stamped before `horizonNs` (it never moves back): every shard whose newest
   * fill is older is dropped. Fills stamped at or after the horizon are always kept; older
   * ones may be kept a while longer (up to a bucket). Returns the fills dropped.
   */
  forgetBefore(horizonNs: bigint): number {
    if (this.horizon !== undefined && horizonNs <= this.horizon) return 0;
    this.horizon = horizonNs;
    let dropped = 0;
    while (this.shards.length > 1) {
      const oldest = this.shards[0] as Shard;
      if (oldest.newestNs !== undefined && oldest.newestNs >= horizonNs) break;
      this.shards.shift();
      dropped += oldest.count;
    }
    const only = this.shards[0] as Shard;
    if (this.shards.length === 1 && only.count > 0) {
      if (only.newestNs !== undefined && only.newestNs < horizonNs) {
        // All of it is past the horizon: start afresh.
        dropped += only.count;
        this.current = new Shard(only.number + 1, this.addedCount);
        this.shards[0] = this.current;
      }
    }
    this.count -= dropped;
    return dropped;
  }

  /**
   * Every remembered fill, in the order applied; `portfolioId` fills in the flag. With `since`,
   * only those numbered `since` or later (see `added`).
   */
  entries(portfolioId: string, since = 0): LedgerEntry[] {
    const out: LedgerEntry[] = [];
    for (const shard of this.shards) {
      if (shard.firstAdd + shard.count <= since) continue;
      for (let index = Math.max(0, since - shard.firstAdd); index < shard.count; index++) {
        const fillId = shard.idAt[index] as string;
        const flags = shard.flags[index] as number;
        out.push([
          fillId,
          this.names[shard.strategy[index] as number] as string,
          this.names[shard.symbol[index] as number] as string,
          (flags & FLAG_SELL) !== 0 ? 'sell' : 'buy',
          shard.quantity[index] as number,
          shard.price[index] as number,
          shard.fee[index] as number,
          shard.timestampAt(index).toString(),
          (flags & FLAG_PORTFOLIO_ID) !== 0 ? portfolioId : null,
          shard.intents[index] ?? null,
        ]);
      }
    }
    return out;
  }
}
