// Seeded random numbers for fixtures and benchmarks: the same seed, the same sequence, everywhere.

/** Uniform draws in [0, 1) from a 32-bit seed (mulberry32: small, fast, good enough for fixtures). */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws from uniform ones (Box-Muller, one value per two draws). */
export function createNormal(random: () => number): () => number {
  return () => {
    const u = Math.max(random(), 1e-12); // ln(0) would be -Infinity
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
}

/** An integer in [min, max] (both included). */
export function randomInteger(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}
