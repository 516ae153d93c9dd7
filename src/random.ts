/**
 * Seeded pseudo-random numbers: one generator for weight initialization, the
 * tests and the public `rand`/`randn`.
 *
 * The generator is mulberry32 (Tommy Ettinger's 32-bit mixer: a Weyl sequence
 * s += 0x6d2b79f5 passed through two xor-shift-multiply rounds). It is integer
 * math only (`Math.imul`, shifts, xors), so a seed gives the same 32-bit words on
 * every machine, engine and kernel. Period 2^32 words; not cryptographic.
 *
 * Floats from the words:
 * - `rand` float64: two words per value, numpy's 53-bit rule
 *   `((w1 >>> 5) * 2^26 + (w2 >>> 6)) / 2^53`, uniform on [0, 1), exact in a double.
 * - `rand` float32: the same value truncated to its top 24 bits (`floor(u * 2^24) / 2^24`),
 *   so it stays below 1 (rounding to float32 could give 1.0) and is exact in a float32.
 * - `randn`: Marsaglia's polar method on pairs of those 53-bit uniforms:
 *   x, y = 2u - 1 until 0 < s = x² + y² < 1, then x·f and y·f with f = sqrt(-2 ln s / s).
 *   float32 results are the float64 values rounded (`Math.fround`).
 *   Only `Math.log` and `Math.sqrt` are used: sqrt is correctly rounded (IEEE 754), and
 *   Node, Deno and Chromium share V8's fdlibm-derived log, so every einconv kernel gives
 *   the same bits; another JS engine's log may differ in the last bit.
 */
import ndarray from "ndarray";
import { displayable } from "./display_hook";
import { EinsumError } from "./errors";
import { rowMajorStrides, sizeOf } from "./ndutil";
import type { DType, NumericData, Shape, Tensor } from "./types";
import { allocate, checkOptionKeys, describe } from "./validate";

/** mulberry32's raw stream: uniform 32-bit unsigned integers. */
export function mulberry32Words(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/**
 * mulberry32: a small, fast 32-bit generator; the same seed gives the same
 * sequence on every platform. Returns uniform floats in [0, 1) (one word / 2^32).
 */
export function mulberry32(seed: number): () => number {
  const next = mulberry32Words(seed);
  return () => next() / 4294967296;
}

/** Uniform floats in [-1, 1) from {@link mulberry32}. */
export function symmetricRandom(seed: number): () => number {
  const u = mulberry32(seed);
  return () => 2 * u() - 1;
}

/** Uniform doubles on [0, 1) with 53 random bits, two mulberry32 words each (numpy's `next_double` rule). */
export function uniform53(seed: number): () => number {
  const next = mulberry32Words(seed);
  return () => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
}

/** Standard normal doubles by Marsaglia's polar method over {@link uniform53} (two normals per accepted pair). */
export function polarNormal(seed: number): () => number {
  const u = uniform53(seed);
  let spare = NaN;
  let hasSpare = false;
  return () => {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    let x: number;
    let y: number;
    let s: number;
    do {
      x = 2 * u() - 1;
      y = 2 * u() - 1;
      s = x * x + y * y;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    spare = y * f;
    hasSpare = true;
    return x * f;
  };
}

/** Options of {@link rand} and {@link randn}. */
export interface RandomOptions {
  /** Required: an integer in [0, 2^32). The same seed gives the same array everywhere. */
  seed: number;
  /** "float64" (default) or "float32". */
  dtype?: "float64" | "float32";
}

function randomTensor(fn: string, shape: number | Shape, options: RandomOptions, fill: (seed: number, n: number, data: Float64Array | Float32Array, f32: boolean) => void): Tensor {
  checkOptionKeys(options, ["seed", "dtype"], fn);
  if (options === undefined) throw new EinsumError(`${fn}: give a seed, e.g. ${fn}([2, 3], { seed: 0 }) (einconv keeps no global random state)`);
  const { seed, dtype = "float64" } = options;
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) throw new EinsumError(`${fn}: seed must be an integer in [0, 2^32), got ${describe(seed)}`);
  if (dtype !== "float64" && dtype !== "float32") throw new EinsumError(`${fn}: dtype must be "float64" or "float32", got ${describe(dtype as DType)}`);
  const dims = checkShape(shape, fn);
  const n = sizeOf(dims);
  const data = allocate(n, dtype, `${fn}'s array`, dims) as Float64Array | Float32Array;
  fill(seed, n, data, dtype === "float32");
  return displayable(ndarray(data as NumericData, dims, rowMajorStrides(dims), 0));
}

/** A shape given as a size or a list of sizes, checked (non-negative integers). */
export function checkShape(shape: unknown, fn: string): number[] {
  const dims = typeof shape === "number" ? [shape] : shape;
  if (!Array.isArray(dims) || dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new EinsumError(`${fn}: invalid shape ${describe(shape)}: sizes must be non-negative integers`);
  }
  return [...(dims as number[])];
}

/**
 * numpy's `rng.random(shape)`: uniform values on [0, 1) from the seeded mulberry32
 * generator (see the top of src/random.ts for the exact rule).
 *
 * @example
 * rand([2, 3], { seed: 0 });                      // 6 values in [0, 1), the same on every machine
 * rand(4, { seed: 1, dtype: "float32" });
 */
export function rand(shape: number | Shape, options: RandomOptions): Tensor {
  return randomTensor("rand", shape, options, (seed, n, data, f32) => {
    const u = uniform53(seed);
    if (f32) for (let i = 0; i < n; i++) data[i] = Math.floor(u() * 16777216) / 16777216;
    else for (let i = 0; i < n; i++) data[i] = u();
  });
}

/**
 * numpy's `rng.standard_normal(shape)`: standard normal values (mean 0, variance 1)
 * by the polar method over the seeded generator (see the top of src/random.ts).
 *
 * @example
 * randn([2, 3], { seed: 0 });
 */
export function randn(shape: number | Shape, options: RandomOptions): Tensor {
  return randomTensor("randn", shape, options, (seed, n, data) => {
    const z = polarNormal(seed);
    for (let i = 0; i < n; i++) data[i] = z(); // float32 storage rounds each value
  });
}
