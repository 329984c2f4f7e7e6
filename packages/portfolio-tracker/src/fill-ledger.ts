// The applied-fill ledger: for each applied fill, a 128-bit hash of its id and a 64-bit hash of
// its content (typed arrays, open addressing; no id string is kept), in shards that are dropped
// whole once every fill in them is older than the dedupe horizon.
import type { FillEvent } from '@njord/portfolio-contracts';
import { decodeBase64, encodeBase64 } from './base64.js';
import { TrackerError } from './errors.js';
import { Hasher128 } from './hash128.js';

/** Fills in one shard at most (its table is then 2^24 slots, 64 MB). */
const SHARD_LIMIT = 1 << 23;
const INITIAL_CAPACITY = 1024;
/** A ledger index is `shard number x SHARD_SPAN + index in the shard`. */
const SHARD_SPAN = 1 << 24;
/** The hash of an id: MurmurHash3_x86_128 of its UTF-16LE bytes, seed 0. */
const ID_SEED = 0;
/** The content hash's seed (another function than the ids'). */
const CONTENT_SEED = 0x5bd1e995 | 0;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const ID_BYTES = 16;
const CONTENT_BYTES = 8;
const TIMESTAMP_BYTES = 8;

/** One applied fill as states of versions 1 and 2 list it (still read). */
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

/**
 * Applied fills as states of version 3 and 4 hold them: three columns of little-endian bytes,
 * base64, in the order applied.
 */
export interface PackedFillsJson {
  readonly count: number;
  /** 16 bytes a fill: MurmurHash3_x86_128 (seed 0) of the fill id's UTF-16LE bytes. */
  readonly id_hashes: string;
  /**
   * 8 bytes a fill: the first half of a 128-bit MurmurHash3 of the fill's content (strategy,
   * symbol, side, whether it named the portfolio, quantity, price, fee, timestamp, intent id).
   */
  readonly content_hashes: string;
  /** 8 bytes a fill: its timestamp (ns, int64; one outside int64 is clamped to it). */
  readonly timestamps_ns: string;
}

/**
 * Packed fills with their columns' bytes already decoded (a caller with a faster base64 decoder
 * than this package's own, e.g. Node's Buffer): as `PackedFillsJson`, a column may be its bytes.
 */
export interface PackedFillsBytes {
  readonly count: number;
  readonly id_hashes: string | Uint8Array;
  readonly content_hashes: string | Uint8Array;
  readonly timestamps_ns: string | Uint8Array;
}

/** One shard: the hash columns of its fills and an open-addressing table over their id hashes. */
class Shard {
  count = 0;
  capacity: number;
  /** Four 32-bit words a fill: its id's hash. */
  ids: Int32Array;
  /** Two words a fill: its content's hash. */
  content: Int32Array;
  timestamp: BigInt64Array;
  /**
   * Local index + 1 by slot (0: empty), linear probing from the hash's first word: the fills
   * before `indexed` are in it; the others are placed by the next `find` (so a restart reading
   * many fills builds each table once, at its final size). At most half full.
   */
  table: Int32Array;
  mask: number;
  indexed = 0;
  /** The newest fill timestamp in the shard: it is dropped once this is below the horizon. */
  newestNs: bigint | undefined;
  /** The first fill's timestamp: the shard's time bucket starts there. */
  startNs: bigint | undefined;
  /** `startNs` + the bucket: a fill stamped after it starts a new shard. */
  bucketEndNs: bigint | undefined;

  /**
   * `firstAdd`: the ledger-wide number of the shard's first fill (see `FillLedger.added`);
   * `capacity`: room for this many fills at first (time buckets hold about as many as the last).
   */
  constructor(
    readonly number: number,
    readonly firstAdd: number,
    capacity = INITIAL_CAPACITY,
  ) {
    this.capacity = capacity;
    this.ids = new Int32Array(4 * capacity);
    this.content = new Int32Array(2 * capacity);
    this.timestamp = new BigInt64Array(capacity);
    this.table = new Int32Array(2 * INITIAL_CAPACITY);
    this.mask = 2 * INITIAL_CAPACITY - 1;
  }

  /** The local index of the fill whose id hashes to `h1..h4`, or -1. */
  find(h1: number, h2: number, h3: number, h4: number): number {
    if (this.indexed < this.count) this.index();
    const table = this.table;
    const ids = this.ids;
    const mask = this.mask;
    for (let slot = h1 & mask; ; slot = (slot + 1) & mask) {
      const entry = table[slot] as number;
      if (entry === 0) return -1;
      const at = (entry - 1) * 4;
      if (ids[at] === h1 && ids[at + 1] === h2 && ids[at + 2] === h3 && ids[at + 3] === h4)
        return entry - 1;
    }
  }

  /** Places the fills not yet in the table; a new table when it would be over half full. */
  private index(): void {
    if (this.table.length < 2 * this.count) {
      let size = this.table.length;
      while (size < 2 * this.count) size *= 2;
      this.table = new Int32Array(size);
      this.mask = size - 1;
      this.indexed = 0;
    }
    for (let local = this.indexed; local < this.count; local++) this.place(local);
    this.indexed = this.count;
  }

  private place(local: number): void {
    const table = this.table;
    const mask = this.mask;
    let slot = (this.ids[local * 4] as number) & mask;
    while (table[slot] !== 0) slot = (slot + 1) & mask;
    table[slot] = local + 1;
  }

  append(
    h1: number,
    h2: number,
    h3: number,
    h4: number,
    c1: number,
    c2: number,
    ts: bigint,
  ): number {
    const local = this.count;
    if (local === this.capacity) this.grow();
    const at = local * 4;
    this.ids[at] = h1;
    this.ids[at + 1] = h2;
    this.ids[at + 2] = h3;
    this.ids[at + 3] = h4;
    this.content[local * 2] = c1;
    this.content[local * 2 + 1] = c2;
    this.timestamp[local] = ts < INT64_MIN ? INT64_MIN : ts > INT64_MAX ? INT64_MAX : ts;
    this.count = local + 1;
    return local;
  }

  private grow(): void {
    this.resize(this.capacity * 2);
  }

  private resize(capacity: number): void {
    const ids = new Int32Array(4 * capacity);
    ids.set(this.ids.subarray(0, 4 * this.count));
    this.ids = ids;
    const content = new Int32Array(2 * capacity);
    content.set(this.content.subarray(0, 2 * this.count));
    this.content = content;
    const timestamp = new BigInt64Array(capacity);
    timestamp.set(this.timestamp.subarray(0, this.count));
    this.timestamp = timestamp;
    this.capacity = capacity;
  }

  /** A shard no fill will be added to: its columns cut to its fills (its table stays). */
  close(): void {
    if (this.capacity > this.count) this.resize(this.count);
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
  private readonly hasher = new Hasher128();
  /** The id last hashed and its hash (a fill's id is looked up, then recorded). */
  private hashedId: string | undefined;
  private i1 = 0;
  private i2 = 0;
  private i3 = 0;
  private i4 = 0;
  /** The content hash last computed. */
  private c1 = 0;
  private c2 = 0;

  /**
   * `bucketNs`: a new shard is started when a fill is stamped more than this after the
   * current shard's first fill, so `forgetBefore` frees memory in steps of about that much
   * time (use a fraction of the dedupe window). `shardLimit` is for tests.
   */
  constructor(shardLimit = SHARD_LIMIT, bucketNs?: bigint) {
    this.bucketNs = bucketNs !== undefined && bucketNs > 0n ? bucketNs : undefined;
    if (!(shardLimit >= 1 && shardLimit <= SHARD_LIMIT))
      throw new RangeError(`shardLimit must be in [1, ${SHARD_LIMIT}], got ${shardLimit}`);
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

  /** A small integer for a strategy id or symbol (the sleeves' and symbols' name ids). */
  intern(name: string): number {
    let id = this.nameIndex.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.nameIndex.set(name, id);
    }
    return id;
  }

  private hashId(fillId: string): void {
    if (fillId === this.hashedId) return;
    const h = this.hasher.begin(ID_SEED).units(fillId).finish();
    this.i1 = h.h1;
    this.i2 = h.h2;
    this.i3 = h.h3;
    this.i4 = h.h4;
    this.hashedId = fillId;
  }

  private hashContent(
    strategyId: string,
    symbol: string,
    sell: boolean,
    hasPortfolioId: boolean,
    quantity: number,
    price: number,
    fee: number,
    ts: bigint,
    intentId: string | undefined,
  ): void {
    const h = this.hasher
      .begin(CONTENT_SEED)
      .text(strategyId)
      .text(symbol)
      .word((sell ? 1 : 0) | (hasPortfolioId ? 2 : 0) | (intentId === undefined ? 0 : 4))
      .number(quantity)
      .number(price)
      .number(fee)
      .bigint(ts);
    if (intentId !== undefined) h.text(intentId);
    h.finish();
    this.c1 = h.h1;
    this.c2 = h.h2;
  }

  private hashFill(fill: FillEvent): void {
    this.hashContent(
      fill.strategyId,
      fill.symbol,
      fill.side === 'sell',
      fill.portfolioId !== undefined,
      fill.quantity,
      fill.price,
      fill.fee,
      fill.timestampNs,
      fill.intentId,
    );
  }

  /** The ledger index of a remembered fill id, or -1. */
  find(fillId: string): number {
    this.hashId(fillId);
    const { i1, i2, i3, i4 } = this;
    const shards = this.shards;
    for (let s = shards.length - 1; s >= 0; s--) {
      const shard = shards[s] as Shard;
      if (shard.count === 0) continue;
      const local = shard.find(i1, i2, i3, i4);
      if (local >= 0) return shard.number * SHARD_SPAN + local;
    }
    return -1;
  }

  private shardAt(index: number): { shard: Shard; local: number } {
    const number = Math.floor(index / SHARD_SPAN);
    const shard = this.shards[number - (this.shards[0] as Shard).number] as Shard;
    return { shard, local: index - number * SHARD_SPAN };
  }

  /**
   * Whether `fill` has the content recorded at `index` (given its portfolio id check passed):
   * compared by a 64-bit hash, so a fill of other content passes for the same with
   * probability 2^-64.
   */
  matches(index: number, fill: FillEvent): boolean {
    const { shard, local } = this.shardAt(index);
    this.hashFill(fill);
    return shard.content[local * 2] === this.c1 && shard.content[local * 2 + 1] === this.c2;
  }

  /** Records a fill (its id not remembered yet: see `find`). */
  add(fill: FillEvent): void {
    this.hashId(fill.fillId);
    this.hashFill(fill);
    this.record(this.i1, this.i2, this.i3, this.i4, this.c1, this.c2, fill.timestampNs);
  }

  /** Records a fill as a state of version 1 or 2 lists it. */
  addEntry(entry: LedgerEntry): void {
    const ts = BigInt(entry[7]);
    this.hashId(entry[0]);
    this.hashContent(
      entry[1],
      entry[2],
      entry[3] === 'sell',
      entry[8] !== null,
      entry[4],
      entry[5],
      entry[6],
      ts,
      entry[9] ?? undefined,
    );
    this.record(this.i1, this.i2, this.i3, this.i4, this.c1, this.c2, ts);
  }

  /** Records packed fills (`packed`'s output, read back); `path` names them in errors. */
  addPacked(packed: PackedFillsJson | PackedFillsBytes, path: string): void {
    const n = packed.count;
    const ids = columnBytes(packed.id_hashes, n, ID_BYTES, `${path}.id_hashes`);
    const content = columnBytes(packed.content_hashes, n, CONTENT_BYTES, `${path}.content_hashes`);
    const times = columnBytes(packed.timestamps_ns, n, TIMESTAMP_BYTES, `${path}.timestamps_ns`);
    for (let i = 0; i < n; i++) {
      this.record(
        ids.getInt32(i * 16, true),
        ids.getInt32(i * 16 + 4, true),
        ids.getInt32(i * 16 + 8, true),
        ids.getInt32(i * 16 + 12, true),
        content.getInt32(i * 8, true),
        content.getInt32(i * 8 + 4, true),
        times.getBigInt64(i * 8, true),
      );
    }
  }

  private record(
    h1: number,
    h2: number,
    h3: number,
    h4: number,
    c1: number,
    c2: number,
    ts: bigint,
  ): void {
    let shard = this.current;
    if (
      shard.count >= this.shardLimit ||
      (shard.bucketEndNs !== undefined && ts > shard.bucketEndNs)
    ) {
      shard.close();
      shard = new Shard(
        shard.number + 1,
        this.addedCount,
        Math.min(this.shardLimit, Math.max(INITIAL_CAPACITY, shard.count)),
      );
      this.current = shard;
      this.shards.push(shard);
    }
    shard.append(h1, h2, h3, h4, c1, c2, ts);
    if (shard.newestNs === undefined || ts > shard.newestNs) shard.newestNs = ts;
    if (shard.startNs === undefined) {
      shard.startNs = ts;
      if (this.bucketNs !== undefined) shard.bucketEndNs = ts + this.bucketNs;
    }
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
   * The remembered fills numbered `since` or later (see `added`; default every one), packed, in
   * the order applied.
   */
  packed(since = 0): PackedFillsJson {
    let n = 0;
    for (const shard of this.shards) {
      if (shard.firstAdd + shard.count <= since) continue;
      n += shard.count - Math.max(0, since - shard.firstAdd);
    }
    const ids = new DataView(new ArrayBuffer(n * ID_BYTES));
    const content = new DataView(new ArrayBuffer(n * CONTENT_BYTES));
    const times = new DataView(new ArrayBuffer(n * TIMESTAMP_BYTES));
    let i = 0;
    for (const shard of this.shards) {
      if (shard.firstAdd + shard.count <= since) continue;
      for (let local = Math.max(0, since - shard.firstAdd); local < shard.count; local++, i++) {
        for (let w = 0; w < 4; w++)
          ids.setInt32(i * 16 + w * 4, shard.ids[local * 4 + w] as number, true);
        content.setInt32(i * 8, shard.content[local * 2] as number, true);
        content.setInt32(i * 8 + 4, shard.content[local * 2 + 1] as number, true);
        times.setBigInt64(i * 8, shard.timestamp[local] as bigint, true);
      }
    }
    return {
      count: n,
      id_hashes: encodeBase64(new Uint8Array(ids.buffer)),
      content_hashes: encodeBase64(new Uint8Array(content.buffer)),
      timestamps_ns: encodeBase64(new Uint8Array(times.buffer)),
    };
  }
}

function columnBytes(
  column: string | Uint8Array,
  count: number,
  width: number,
  path: string,
): DataView {
  const bytes = typeof column === 'string' ? decodeBase64(column) : column;
  if (bytes === null) throw new TrackerError('invalid_state', `${path}: must be base64`);
  if (bytes.length !== count * width)
    throw new TrackerError(
      'invalid_state',
      `${path}: must hold ${count} x ${width} bytes, got ${bytes.length}`,
    );
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
