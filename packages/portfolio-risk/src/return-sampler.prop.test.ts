// Properties of the live return sampler: telescoping returns, checkpoint round trips, bounded memory.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReturnSampler, type ReturnSamplerJson } from './return-sampler.js';

type Event =
  { kind: 'snapshot'; dt: number; a: number; b: number } | { kind: 'transfer'; amount: number };

const capital = fc.oneof(
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 9, arbitrary: fc.integer({ min: 1, max: 5000 }) },
);
const event: fc.Arbitrary<Event> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('snapshot' as const),
      dt: fc.integer({ min: 0, max: 250 }),
      a: capital,
      b: capital,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('transfer' as const),
      amount: fc.integer({ min: -500, max: 500 }),
    }),
  },
);

function run(s: ReturnSampler, events: readonly Event[], startNs: bigint): bigint {
  let t = startNs;
  for (const e of events) {
    if (e.kind === 'transfer') s.onTransfers({ a: e.amount, b: -e.amount });
    else {
      t += BigInt(e.dt);
      s.onSnapshot(t, { a: e.a, b: e.b });
    }
  }
  return t;
}

describe('ReturnSampler (properties)', () => {
  it('a checkpoint (through JSON) at any point continues as an uninterrupted run', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), fc.nat(), (events, cut) => {
        const options = { periodNs: 100n, windowNs: 700n };
        const whole = new ReturnSampler(['a', 'b'], options);
        run(whole, events, 0n);
        const k = cut % (events.length + 1);
        const first = new ReturnSampler(['a', 'b'], options);
        const t = run(first, events.slice(0, k), 0n);
        const second = new ReturnSampler(['a', 'b'], options);
        second.restore(JSON.parse(JSON.stringify(first.toJSON())) as ReturnSamplerJson);
        run(second, events.slice(k), t);
        expect(second.toJSON()).toEqual(whole.toJSON());
      }),
      { numRuns: 200, seed: 20_260_601 },
    );
  });

  it('without transfers a sample is the capital ratio between closing snapshots', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ dt: fc.integer({ min: 1, max: 120 }), a: fc.integer({ min: 1, max: 9999 }) }),
          { minLength: 1, maxLength: 80 },
        ),
        (steps) => {
          const s = new ReturnSampler(['a'], { periodNs: 100n, windowNs: 1n << 40n });
          // Brute force: record the capital at each snapshot that closes a period.
          const closes: { t: bigint; r: number }[] = [];
          let t = 0n;
          s.onSnapshot(t, { a: 1000 });
          let base = { t, capital: 1000 };
          for (const step of steps) {
            t += BigInt(step.dt);
            if (s.onSnapshot(t, { a: step.a })) {
              closes.push({ t, r: step.a / base.capital - 1 });
              base = { t, capital: step.a };
            }
          }
          const history = s.history(null).a;
          expect([...(history?.timestampsNs ?? [])]).toEqual(closes.map((c) => c.t));
          closes.forEach((c, k) => {
            expect(history?.returns[k]).toBeCloseTo(c.r, 9);
          });
          // Each sample closes a different cell of the grid of 100 from the first snapshot.
          for (let k = 1; k < closes.length; k++) {
            expect((closes[k] as { t: bigint }).t / 100n).toBeGreaterThan(
              (closes[k - 1] as { t: bigint }).t / 100n,
            );
          }
        },
      ),
      { numRuns: 200, seed: 7_341 },
    );
  });

  it('holds only the samples of the window (memory bounded by window / period)', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 120 }), (events) => {
        const s = new ReturnSampler(['a', 'b'], { periodNs: 100n, windowNs: 450n });
        run(s, events, 0n);
        const times = s.history(null).a?.timestampsNs ?? [];
        const latest = s.latestNs;
        for (const t of times) expect(t > (latest as bigint) - 450n).toBe(true);
        // Samples are >= 100 apart, so (latest - 450, latest] holds at most 5.
        expect(s.size).toBeLessThanOrEqual(5);
      }),
      { numRuns: 200, seed: 99 },
    );
  });
});
