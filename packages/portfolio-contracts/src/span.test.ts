import { describe, expect, it } from 'vitest';
import { spanNs } from './span.js';

describe('spanNs', () => {
  it('rounds to nanoseconds, and saturates at the largest double past it', () => {
    // 24 h = 86,400 s; 1.5 s = 1,500,000,000 ns.
    expect(spanNs(24, 3_600e9)).toBe(86_400_000_000_000n);
    expect(spanNs(1.5, 1e9)).toBe(1_500_000_000n);
    expect(spanNs(1e-300, 3_600e9)).toBe(0n);
    // 1e300 h x 3.6e12 ns/h overflows a double: the span is the largest one instead.
    expect(spanNs(1e300, 3_600e9)).toBe(BigInt(Number.MAX_VALUE));
    expect(spanNs(-1e300, 3_600e9)).toBe(-BigInt(Number.MAX_VALUE));
    expect(() => spanNs(Number.NaN, 1e9)).toThrow(RangeError);
  });
});
