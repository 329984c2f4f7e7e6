// Round-trip properties of every wire contract: decode(JSON(encode(x))) equals x.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  backtestResultArb,
  barArb,
  fillEventArb,
  orderIntentArb,
  portfolioConfigArb,
  portfolioSnapshotArb,
  priceMarkArb,
  rebalancePlanArb,
} from './arbitraries.test-util.js';
import { decodePortfolioBacktestResult, encodePortfolioBacktestResult } from './backtest-result.js';
import {
  decodeBar,
  decodeFillEvent,
  decodeOrderIntent,
  decodePortfolioSnapshot,
  decodePriceMark,
  decodeRebalancePlan,
  encodeBar,
  encodeFillEvent,
  encodeOrderIntent,
  encodePortfolioSnapshot,
  encodePriceMark,
  encodeRebalancePlan,
} from './events.js';
import { encodePortfolioConfig, parsePortfolioConfig } from './portfolio-config.js';

const settings = { numRuns: 200, seed: 20261125 };
// A backtest result is large (curves, rebalances): fewer runs keep this test near 2 s on a
// loaded 2-core machine, far under the 60 s limit (200 runs took 5.3 s at load 30).
const resultSettings = { ...settings, numRuns: 80 };

function throughJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

function roundTrip<T>(
  arb: fc.Arbitrary<T>,
  encode: (x: T) => unknown,
  decode: (raw: unknown) => T,
  runs: typeof settings = settings,
) {
  fc.assert(
    fc.property(arb, (value) => {
      const wire = throughJson(encode(value));
      expect(decode(wire)).toEqual(value);
      // Encoding is deterministic: a second trip gives the same wire text.
      expect(JSON.stringify(encode(decode(wire)))).toBe(JSON.stringify(wire));
    }),
    runs,
  );
}

describe('wire codecs round-trip', () => {
  it('FillEvent', () => roundTrip(fillEventArb, encodeFillEvent, decodeFillEvent));
  it('PriceMark', () => roundTrip(priceMarkArb, encodePriceMark, decodePriceMark));
  it('OrderIntent', () => roundTrip(orderIntentArb, encodeOrderIntent, decodeOrderIntent));
  it('RebalancePlan', () => roundTrip(rebalancePlanArb, encodeRebalancePlan, decodeRebalancePlan));
  it('PortfolioSnapshot', () =>
    roundTrip(portfolioSnapshotArb, encodePortfolioSnapshot, decodePortfolioSnapshot));
  it('Bar', () => roundTrip(barArb, encodeBar, decodeBar));
  it('PortfolioBacktestResult', () =>
    roundTrip(
      backtestResultArb,
      encodePortfolioBacktestResult,
      decodePortfolioBacktestResult,
      resultSettings,
    ));
  it('PortfolioConfig', () =>
    roundTrip(portfolioConfigArb, encodePortfolioConfig, (raw) => parsePortfolioConfig(raw)));
});

describe('timestamps on the wire', () => {
  it('are decimal strings that keep every nanosecond of a bigint', () => {
    fc.assert(
      fc.property(priceMarkArb, (mark) => {
        const wire = encodePriceMark(mark);
        expect(wire.timestamp_ns).toBe(mark.timestampNs.toString());
      }),
      settings,
    );
  });
});
