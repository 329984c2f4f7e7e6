// The hashed ledger against a plain reference: a Map of the id strings to the fills themselves
// (content compared field by field), in shards kept by the same documented rule (a new shard
// past `shardLimit` fills or `bucketNs` after its first fill's stamp; a shard is forgotten once
// its newest stamp is before the horizon). Ids include lone surrogates, U+FFFD, `__proto__`.
import fc from 'fast-check';
import type { FillEvent } from '@njord/portfolio-contracts';
import { describe, expect, it } from 'vitest';
import { FillLedger, type PackedFillsJson } from './fill-ledger.js';

type Verdict = 'new' | 'duplicate' | 'conflict' | 'too_old';

interface RefShard {
  readonly fills: Map<string, FillEvent>;
  readonly order: FillEvent[];
  startNs: bigint | undefined;
  newestNs: bigint | undefined;
}

function sameContent(a: FillEvent, b: FillEvent): boolean {
  return (
    a.strategyId === b.strategyId &&
    a.symbol === b.symbol &&
    a.side === b.side &&
    a.quantity === b.quantity &&
    a.price === b.price &&
    a.fee === b.fee &&
    a.timestampNs === b.timestampNs &&
    a.intentId === b.intentId &&
    (a.portfolioId === undefined) === (b.portfolioId === undefined)
  );
}

class Reference {
  shards: RefShard[] = [];
  horizon: bigint | undefined;

  constructor(
    readonly shardLimit: number,
    readonly bucketNs: bigint | undefined,
  ) {}

  private newShard(): RefShard {
    const shard: RefShard = {
      fills: new Map(),
      order: [],
      startNs: undefined,
      newestNs: undefined,
    };
    this.shards.push(shard);
    return shard;
  }

  find(id: string): FillEvent | undefined {
    for (let s = this.shards.length - 1; s >= 0; s--) {
      const found = this.shards[s]?.fills.get(id);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  add(fill: FillEvent): void {
    let shard = this.shards.at(-1) ?? this.newShard();
    if (
      shard.order.length >= this.shardLimit ||
      (this.bucketNs !== undefined &&
        shard.startNs !== undefined &&
        fill.timestampNs - shard.startNs > this.bucketNs)
    )
      shard = this.newShard();
    shard.fills.set(fill.fillId, fill);
    shard.order.push(fill);
    shard.startNs ??= fill.timestampNs;
    if (shard.newestNs === undefined || fill.timestampNs > shard.newestNs)
      shard.newestNs = fill.timestampNs;
  }

  forget(horizon: bigint): void {
    if (this.horizon !== undefined && horizon <= this.horizon) return;
    this.horizon = horizon;
    // Every shard but the newest goes once its newest stamp is older; the newest is emptied.
    while (this.shards.length > 1) {
      const oldest = this.shards[0] as RefShard;
      if (oldest.newestNs !== undefined && oldest.newestNs >= horizon) break;
      this.shards.shift();
    }
    const only = this.shards[0];
    if (this.shards.length === 1 && only !== undefined && only.order.length > 0) {
      if (only.newestNs !== undefined && only.newestNs < horizon) this.shards = [];
    }
  }

  remembered(): FillEvent[] {
    return this.shards.flatMap((shard) => shard.order);
  }
}

const specialIds = fc.constantFrom(
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '\ud800',
  '\udfff',
  '\ufffd',
  '\udfff\ud800',
  '\ud83d\ude00',
  'é',
  'e\u0301',
  'a',
  'a\u0000',
);
const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const idPool = fc.uniqueArray(
  fc.oneof(
    specialIds,
    fc.string({ minLength: 1, maxLength: 12, unit: anyUnit }),
    fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }),
    fc.string({ minLength: 1, maxLength: 20 }),
  ),
  { minLength: 1, maxLength: 24 },
);

type Op =
  | { kind: 'fill'; id: number; variant: number; dt: number }
  | { kind: 'forget'; back: number }
  | { kind: 'restart' }
  | { kind: 'bulk'; count: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('fill' as const),
      id: fc.nat(),
      variant: fc.nat({ max: 7 }),
      dt: fc.integer({ min: -3, max: 10 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('forget' as const), back: fc.nat({ max: 60 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('bulk' as const),
      count: fc.integer({ min: 1, max: 900 }),
    }),
  },
);

/** Fill `variant` of an id: variants 1..7 differ from 0 in one field each (a resend may conflict). */
function content(id: string, variant: number, ts: bigint): FillEvent {
  return {
    fillId: id,
    strategyId: variant === 1 ? 'B' : 'A',
    symbol: variant === 2 ? '__proto__' : 'X',
    side: variant === 3 ? 'sell' : 'buy',
    quantity: variant === 4 ? 1.0000000000000002 : 1,
    price: 10,
    fee: 0,
    timestampNs: variant === 7 ? ts + 1n : ts,
    ...(variant === 5 ? { intentId: 'plan:0' } : {}),
    ...(variant === 6 ? { portfolioId: 'p' } : {}),
  };
}

describe('FillLedger against a Map of the id strings', () => {
  it('answers new / duplicate / conflict / too_old, forgets and restores as the reference', () => {
    fc.assert(
      fc.property(
        idPool,
        fc.array(op, { maxLength: 120 }),
        fc.integer({ min: 1, max: 40 }),
        fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
        (ids, ops, shardLimit, bucket) => {
          const bucketNs = bucket === undefined ? undefined : BigInt(bucket);
          let ledger = new FillLedger(shardLimit, bucketNs);
          let reference = new Reference(shardLimit, bucketNs);
          // The first stamp of each id seen: a resend keeps it (a variant then changes one field).
          const firstStamp = new Map<string, bigint>();
          let clock = 1000n;
          let bulk = 0;
          const submit = (fill: FillEvent): Verdict => {
            const horizon = reference.horizon;
            let expected: Verdict;
            if (horizon !== undefined && fill.timestampNs < horizon) expected = 'too_old';
            else {
              const prior = reference.find(fill.fillId);
              expected =
                prior === undefined ? 'new' : sameContent(prior, fill) ? 'duplicate' : 'conflict';
            }
            let actual: Verdict;
            if (ledger.dedupeHorizonNs !== undefined && fill.timestampNs < ledger.dedupeHorizonNs)
              actual = 'too_old';
            else {
              const at = ledger.find(fill.fillId);
              actual = at < 0 ? 'new' : ledger.matches(at, fill) ? 'duplicate' : 'conflict';
            }
            expect(actual, JSON.stringify([...fill.fillId].map((c) => c.codePointAt(0)))).toBe(
              expected,
            );
            if (expected === 'new') {
              ledger.add(fill);
              reference.add(fill);
            }
            return expected;
          };
          for (const step of ops) {
            if (step.kind === 'fill') {
              clock += BigInt(step.dt);
              const id = ids[step.id % ids.length] as string;
              const ts = firstStamp.get(id) ?? clock;
              firstStamp.set(id, ts);
              submit(content(id, step.variant, ts));
            } else if (step.kind === 'bulk') {
              for (let n = 0; n < step.count; n++, bulk++) {
                if (n % 50 === 0) clock += 1n;
                expect(submit(content(`bulk-${bulk}`, n % 8, clock))).toBe('new');
              }
            } else if (step.kind === 'forget') {
              const horizon = clock - BigInt(step.back);
              const before = ledger.size;
              const dropped = ledger.forgetBefore(horizon);
              reference.forget(horizon);
              expect(ledger.size).toBe(before - dropped);
            } else {
              // A restart: the packed fills through JSON into a new ledger, then the horizon (as
              // the tracker restores); the reference rebuilt from its fills the same way.
              const packed = JSON.parse(JSON.stringify(ledger.packed())) as PackedFillsJson;
              const horizon = ledger.dedupeHorizonNs;
              ledger = new FillLedger(shardLimit, bucketNs);
              ledger.addPacked(packed, 'fills');
              if (horizon !== undefined) ledger.forgetBefore(horizon);
              const kept = reference.remembered();
              reference = new Reference(shardLimit, bucketNs);
              for (const fill of kept) reference.add(fill);
              if (horizon !== undefined) reference.forget(horizon);
            }
            expect(ledger.size).toBe(reference.remembered().length);
            expect(ledger.dedupeHorizonNs).toBe(reference.horizon);
          }
          // Every id the reference remembers is found with its content; forgotten ones are not.
          for (const fill of reference.remembered())
            expect(ledger.matches(ledger.find(fill.fillId), fill)).toBe(true);
          for (const id of ids) expect(ledger.find(id) >= 0).toBe(reference.find(id) !== undefined);
        },
      ),
      { seed: 1101, numRuns: 300 },
    );
  });
});
