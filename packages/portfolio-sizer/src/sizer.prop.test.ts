import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PositionSizer } from './sizer.js';
import { makeConfig } from './test-config.test-util.js';

const TOL = 1e-9;
const RUNS = { seed: 20240611, numRuns: 400 };

const lots = fc.constantFrom<number | undefined>(undefined, 0.001, 0.1, 0.25, 1, 100);
const scenario = fc.record({
  lot: lots,
  minNotional: fc.constantFrom(0, 50, 1000),
  risk: fc.double({ min: 0.1, max: 3, noNaN: true }),
  capital: fc.double({ min: 0, max: 1e7, noNaN: true }),
  price: fc.double({ min: 0.01, max: 1e5, noNaN: true }),
  exposure: fc.double({ min: -2, max: 2, noNaN: true }),
  leverage: fc.option(fc.double({ min: 0.1, max: 4, noNaN: true }), { nil: undefined }),
  symbolCap: fc.option(fc.double({ min: 1, max: 1e7, noNaN: true }), { nil: undefined }),
  equity: fc.double({ min: 1, max: 1e8, noNaN: true }),
  grossElsewhere: fc.double({ min: 0, max: 1e8, noNaN: true }),
  symbolElsewhere: fc.double({ min: 0, max: 1e7, noNaN: true }),
});

function isWholeLots(units: number, lot: number | undefined): boolean {
  if (lot === undefined) return true;
  const count = units / lot;
  return Math.abs(count - Math.round(count)) <= TOL * Math.max(1, Math.abs(count));
}

describe('PositionSizer properties', () => {
  it('positionUnits is calculatePositionSize(...).units without limits, and refuses limits', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const config = makeConfig(
          {
            instruments: {
              X: {
                ...(s.lot === undefined ? {} : { lot_size: s.lot }),
                min_notional: s.minNotional,
              },
            },
          },
          s.risk,
        );
        const sizer = new PositionSizer(config);
        const units = sizer.positionUnits(
          sizer.riskMultiplier('B'),
          sizer.instrumentRule('X'),
          s.capital,
          s.price,
          s.exposure,
        );
        expect(
          Object.is(
            units,
            sizer.calculatePositionSize('B', 'X', s.capital, s.price, s.exposure).units,
          ),
        ).toBe(true);
      }),
      RUNS,
    );
    const limited = new PositionSizer(makeConfig({ limits: { max_gross_leverage: 1 } }));
    expect(() => limited.positionUnits(1, limited.instrumentRule('X'), 100, 10, 1)).toThrow(
      /has limits/,
    );
  });

  it('never deploys more than the budget or the limits, in whole lots, toward zero', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const limits: Record<string, number> = {};
        if (s.leverage !== undefined) limits.max_gross_leverage = s.leverage;
        if (s.symbolCap !== undefined) limits.max_symbol_notional = s.symbolCap;
        const config = makeConfig(
          {
            instruments: {
              X: {
                ...(s.lot === undefined ? {} : { lot_size: s.lot }),
                min_notional: s.minNotional,
              },
            },
            ...(Object.keys(limits).length > 0 ? { limits } : {}),
          },
          s.risk,
        );
        const sizer = new PositionSizer(config);
        const context = {
          portfolioEquity: s.equity,
          grossNotionalElsewhere: s.grossElsewhere,
          symbolNotionalElsewhere: s.symbolElsewhere,
        };
        const size = sizer.calculatePositionSize('B', 'X', s.capital, s.price, s.exposure, context);
        const budget = s.capital * Math.abs(s.exposure) * s.risk;

        expect(size.notional).toBeLessThanOrEqual(budget * (1 + TOL));
        expect(Math.abs(size.units * s.price)).toBeCloseTo(size.notional, 6);
        expect(size.residual).toBeCloseTo(budget - size.notional, 6);
        expect(isWholeLots(size.units, s.lot)).toBe(true);
        if (size.units !== 0) {
          expect(Math.sign(size.units)).toBe(Math.sign(s.exposure));
          expect(size.reason).toBeNull();
          expect(size.notional).toBeGreaterThanOrEqual(s.minNotional);
        } else {
          expect(size.reason).not.toBeNull();
        }
        if (s.leverage !== undefined) {
          expect(
            size.notional + s.grossElsewhere <= s.leverage * s.equity * (1 + TOL) ||
              size.units === 0,
          ).toBe(true);
        }
        if (s.symbolCap !== undefined) {
          expect(
            size.notional + s.symbolElsewhere <= s.symbolCap * (1 + TOL) || size.units === 0,
          ).toBe(true);
        }
        // Rounding toward zero loses less than one lot of the capacity (when nothing else zeroed it).
        if (size.reason === null && s.lot !== undefined && size.limitedBy === null) {
          expect(budget - size.notional).toBeLessThan(s.lot * s.price * (1 + TOL) + budget * TOL);
        }
      }),
      RUNS,
    );
  });

  it('rounds toward zero, idempotently, to whole lots', () => {
    const sizer = new PositionSizer(makeConfig());
    fc.assert(
      fc.property(
        fc.constantFrom('LOT', 'BIG', 'FRAC'),
        fc.double({ min: -1e9, max: 1e9, noNaN: true }),
        (symbol, units) => {
          const lot = sizer.lotSize(symbol);
          const once = sizer.roundToLot(symbol, units);
          expect(sizer.roundToLot(symbol, once)).toBe(once);
          expect(Math.abs(once)).toBeLessThanOrEqual(Math.abs(units) * (1 + TOL));
          expect(once === 0 || Math.sign(once) === Math.sign(units)).toBe(true);
          expect(isWholeLots(once, lot)).toBe(true);
          if (lot !== undefined)
            expect(Math.abs(units) - Math.abs(once)).toBeLessThan(lot * (1 + TOL));
        },
      ),
      RUNS,
    );
  });

  it('rounds a lot count that is an integer up to float error back to that integer', () => {
    const sizer = new PositionSizer(makeConfig());
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000, max: 1_000_000 }), (count) => {
        // count x 0.1 computed in floats may sit just below count lots; it must still be count lots
        const units = sizer.roundToLot('LOT', count * 0.1);
        expect(Math.round(units / 0.1)).toBe(count);
        expect(Math.abs(units / 0.1 - count)).toBeLessThanOrEqual(
          TOL * Math.max(1, Math.abs(count)),
        );
      }),
      RUNS,
    );
  });
});
