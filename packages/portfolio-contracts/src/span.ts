// Config durations (hours, days, seconds: doubles) as bigint nanoseconds, the unit of every
// timestamp.

/**
 * `amount` units of `unitNs` nanoseconds each, rounded to a bigint. A span whose nanoseconds
 * pass the largest double (`rebalance_frequency_hours: 1e300`) is the largest double: longer
 * than any clock runs, where `BigInt(Infinity)` would throw. NaN throws a RangeError.
 */
export function spanNs(amount: number, unitNs: number): bigint {
  const ns = Math.round(amount * unitNs);
  return BigInt(ns - ns === 0 || ns !== ns ? ns : Math.sign(ns) * Number.MAX_VALUE);
}
