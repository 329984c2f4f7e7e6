// A seeded pseudo-random generator (SplitMix32) and the normal draws the synthetic data needs.

/** Uniform draws in [0, 1) from a 32-bit seed; the same seed gives the same sequence everywhere. */
export class SeededRandom {
  #state: number;
  #spareNormal = Number.NaN;

  constructor(seed: number) {
    if (!Number.isFinite(seed))
      throw new Error(`SeededRandom: seed must be a finite number, got ${String(seed)}`);
    // Fold any finite seed (negative, fractional, above 2^32) into 32 bits deterministically.
    this.#state = (Math.trunc(seed) ^ Math.trunc(seed / 4294967296)) >>> 0;
  }

  /** The next 32-bit unsigned integer (SplitMix32: golden-ratio increment, two multiply-xorshift rounds). */
  nextUint32(): number {
    this.#state = (this.#state + 0x9e3779b9) >>> 0;
    let z = this.#state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** A standard normal draw (Box-Muller, the second value of each pair kept for the next call). */
  nextNormal(): number {
    const spare = this.#spareNormal;
    if (spare === spare) {
      this.#spareNormal = Number.NaN;
      return spare;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.#spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }
}
