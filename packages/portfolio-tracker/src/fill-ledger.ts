// The applied-fill ledger: fill id -> a compact, exact signature of the fill's content (columnar, typed arrays).
import type { FillEvent } from '@njord/portfolio-contracts';

/** A V8 Map holds at most 2^24 entries: the ledger spreads ids over shards of 2^23. */
const SHARD_LIMIT = 1 << 23;
const INITIAL_CAPACITY = 1024;
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

export class FillLedger {
  private readonly shards: Map<string, number>[];
  private current: Map<string, number>;
  private count = 0;
  private capacity = INITIAL_CAPACITY;
  private strategy = new Int32Array(INITIAL_CAPACITY);
  private symbol = new Int32Array(INITIAL_CAPACITY);
  private flags = new Uint8Array(INITIAL_CAPACITY);
  private quantity = new Float64Array(INITIAL_CAPACITY);
  private price = new Float64Array(INITIAL_CAPACITY);
  private fee = new Float64Array(INITIAL_CAPACITY);
  private timestamp = new BigInt64Array(INITIAL_CAPACITY);
  /** Timestamps outside int64 (legal in the contract, absurd in practice) by ledger index. */
  private readonly wideTimestamps = new Map<number, bigint>();
  private readonly intents: (string | undefined)[] = [];
  private readonly names: string[] = [];
  private readonly nameIndex = new Map<string, number>();

  private readonly shardLimit: number;

  /** `shardLimit` is for tests; the default keeps each Map well under V8's limit. */
  constructor(shardLimit = SHARD_LIMIT) {
    this.shardLimit = shardLimit;
    this.current = new Map();
    this.shards = [this.current];
  }

  get size(): number {
    return this.count;
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

  /** The ledger index of an applied fill id, or -1. */
  find(fillId: string): number {
    const shards = this.shards;
    for (let s = shards.length - 1; s >= 0; s--) {
      const index = (shards[s] as Map<string, number>).get(fillId);
      if (index !== undefined) return index;
    }
    return -1;
  }

  /** Whether `fill` has exactly the content recorded at `index` (given its portfolio id check passed). */
  matches(index: number, fill: FillEvent): boolean {
    const flags = this.flags[index] as number;
    return (
      this.names[this.strategy[index] as number] === fill.strategyId &&
      this.names[this.symbol[index] as number] === fill.symbol &&
      ((flags & FLAG_SELL) !== 0) === (fill.side === 'sell') &&
      ((flags & FLAG_PORTFOLIO_ID) !== 0) === (fill.portfolioId !== undefined) &&
      this.quantity[index] === fill.quantity &&
      this.price[index] === fill.price &&
      this.fee[index] === fill.fee &&
      this.timestampAt(index) === fill.timestampNs &&
      this.intents[index] === fill.intentId
    );
  }

  /** Records a fill; `strategyName` and `symbolName` are the interned ids of its strategy and symbol. */
  add(fill: FillEvent, strategyName: number, symbolName: number): void {
    if (this.current.size >= this.shardLimit) {
      this.current = new Map();
      this.shards.push(this.current);
    }
    const index = this.count;
    if (index === this.capacity) this.grow();
    this.current.set(fill.fillId, index);
    this.strategy[index] = strategyName;
    this.symbol[index] = symbolName;
    this.flags[index] =
      (fill.side === 'sell' ? FLAG_SELL : 0) |
      (fill.portfolioId !== undefined ? FLAG_PORTFOLIO_ID : 0);
    this.quantity[index] = fill.quantity;
    this.price[index] = fill.price;
    this.fee[index] = fill.fee;
    const ts = fill.timestampNs;
    if (ts >= INT64_MIN && ts <= INT64_MAX) this.timestamp[index] = ts;
    else this.wideTimestamps.set(index, ts);
    this.intents.push(fill.intentId);
    this.count = index + 1;
  }

  /** Every applied fill, in the order applied; `portfolioId` fills in the flag. */
  entries(portfolioId: string): LedgerEntry[] {
    const out: LedgerEntry[] = [];
    for (const shard of this.shards) {
      for (const [fillId, index] of shard) {
        const flags = this.flags[index] as number;
        out.push([
          fillId,
          this.names[this.strategy[index] as number] as string,
          this.names[this.symbol[index] as number] as string,
          (flags & FLAG_SELL) !== 0 ? 'sell' : 'buy',
          this.quantity[index] as number,
          this.price[index] as number,
          this.fee[index] as number,
          this.timestampAt(index).toString(),
          (flags & FLAG_PORTFOLIO_ID) !== 0 ? portfolioId : null,
          this.intents[index] ?? null,
        ]);
      }
    }
    return out;
  }

  private timestampAt(index: number): bigint {
    if (this.wideTimestamps.size > 0) {
      const wide = this.wideTimestamps.get(index);
      if (wide !== undefined) return wide;
    }
    return this.timestamp[index] as bigint;
  }

  private grow(): void {
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
