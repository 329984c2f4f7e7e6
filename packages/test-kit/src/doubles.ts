// Doubles across the whole finite range, for tests of numbers at the edges.
import fc from 'fast-check';

/**
 * Positive doubles from the least subnormal (5e-324) to the largest finite (1.8e308): m x 10^e
 * with the exponent uniform, so every scale turns up; plus a share near the largest double,
 * where sums and products overflow; plus `ordinary` ones in [0.01, 10,000] when asked.
 */
export function doubleMagnitude(options: { ordinary?: boolean } = {}): fc.Arbitrary<number> {
  const scales = [
    fc
      .tuple(fc.integer({ min: -323, max: 307 }), fc.double({ min: 1, max: 9.99, noNaN: true }))
      .map(([e, m]) => m * 10 ** e),
    fc.double({ min: 1e307, max: Number.MAX_VALUE, noNaN: true }),
  ];
  if (options.ordinary === true) scales.push(fc.double({ min: 0.01, max: 1e4, noNaN: true }));
  return fc.oneof(...scales);
}
