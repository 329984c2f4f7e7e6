// Rounding a quantity toward zero to a whole number of lots, with a 1e-9 relative tolerance.

/** How close (relative) a lot count must be to an integer to count as that integer. */
export const LOT_TOLERANCE = 1e-9;

/**
 * Rounds `units` toward zero to a multiple of `lotSize`. A lot count within 1e-9
 * (relative) of an integer is that integer, so 0.3 / 0.1 = 2.9999999999999996 is 3 lots.
 * `lotSize` undefined means fractional units: the value is returned as is. Never -0.
 * The result is the double nearest `n x lotSize` for decimal lots (0.3, not 0.30000000000000004).
 */
export function roundUnitsToLot(units: number, lotSize: number | undefined): number {
  if (units === 0) return 0;
  if (lotSize === undefined) return units;
  const lots = units / lotSize;
  const nearest = Math.round(lots);
  const whole =
    Math.abs(lots - nearest) <= LOT_TOLERANCE * Math.abs(lots) ? nearest : Math.trunc(lots);
  if (whole === 0) return 0;
  // A decimal lot (0.1, 0.01, 0.25) divides: 3 / 10 is the double nearest 0.3, 3 x 0.1 is not.
  const perUnit = Math.round(1 / lotSize);
  if (perUnit >= 1 && Math.abs(1 / lotSize - perUnit) <= LOT_TOLERANCE * perUnit)
    return whole / perUnit;
  return whole * lotSize;
}
