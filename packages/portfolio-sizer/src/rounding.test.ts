import { describe, expect, it } from 'vitest';
import { roundUnitsToLot } from './rounding.js';

describe('roundUnitsToLot', () => {
  it('counts 0.3 / 0.1 (= 2.9999999999999996 in floats) as 3 lots', () => {
    expect(0.3 / 0.1).toBeLessThan(3); // the float trap the tolerance exists for
    // 3 lots of 0.1, returned as 3 / 10 (the double nearest 0.3), not 3 x 0.1 = 0.30000000000000004
    expect(roundUnitsToLot(0.3, 0.1)).toBe(0.3);
  });

  it('rounds toward zero on both sides', () => {
    // 0.35 / 0.1 = 3.5 lots -> 3 lots; -0.35 -> -3 lots
    expect(roundUnitsToLot(0.35, 0.1)).toBe(0.3);
    expect(roundUnitsToLot(-0.35, 0.1)).toBe(-0.3);
    // 299.9 / 100 = 2.999 lots: far outside the 1e-9 tolerance -> 2 lots
    expect(roundUnitsToLot(299.9, 100)).toBe(200);
  });

  it('snaps a count within 1e-9 relative of an integer, not one outside it', () => {
    // 7 x (1 - 1e-10) lots is within 7e-9... of 7 (|diff| = 7e-10 <= 1e-9 x 7) -> 7 lots
    expect(roundUnitsToLot(7 * (1 - 1e-10), 1)).toBe(7);
    // 7 x (1 - 1e-8): |diff| = 7e-8 > 7e-9 -> truncated to 6 lots
    expect(roundUnitsToLot(7 * (1 - 1e-8), 1)).toBe(6);
  });

  it('leaves fractional units alone and never returns -0', () => {
    expect(roundUnitsToLot(1.2345, undefined)).toBe(1.2345);
    expect(Object.is(roundUnitsToLot(-0.05, 0.1), 0)).toBe(true);
    expect(Object.is(roundUnitsToLot(-0, undefined), 0)).toBe(true);
  });
});

describe('roundUnitsToLot on non-decimal lots', () => {
  it('multiplies lots that are not 1/integer', () => {
    // lot 0.3: 1 / 0.3 is not an integer; 1.0 / 0.3 = 3.33 lots -> 3 lots = 3 x 0.3
    expect(roundUnitsToLot(1.0, 0.3)).toBe(3 * 0.3);
    // lot 100: 1 / 100 < 1 -> 2.5 lots -> 2 x 100 = 200
    expect(roundUnitsToLot(250, 100)).toBe(200);
  });
});
