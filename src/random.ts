/** Seeded pseudo-random numbers, shared by weight initialization and the tests. */

/**
 * mulberry32: a small, fast 32-bit generator; the same seed gives the same
 * sequence on every platform. Returns uniform floats in [0, 1).
 */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform floats in [-1, 1) from {@link mulberry32}. */
export function symmetricRandom(seed: number): () => number {
  const u = mulberry32(seed);
  return () => 2 * u() - 1;
}
