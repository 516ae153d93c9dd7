/**
 * How much the convolution methods differ in rounding (README, "Choosing a method"):
 * on seeded random data and kernels (uniform in [-1, 1)), the largest |difference| between
 * two methods' outputs relative to the largest |output|, per pair of methods, over a few
 * shapes of the blog's three grids and one large kernel.
 *
 *   node dist/bench/rounding.js
 */
import { convInfo, convolveWith, type ConvMethodName } from "../src/conv";
import { symmetricRandom } from "../src/random";
import ndarray from "ndarray";
import type { Tensor } from "../src/types";

const CASES: ReadonlyArray<{ x: number[]; k: number[]; stride: number }> = [
  { x: [64, 64], k: [3, 3], stride: 1 },
  { x: [128, 128], k: [9, 9], stride: 1 },
  { x: [256, 256], k: [31, 31], stride: 1 },
  { x: [128, 128, 5], k: [9, 9, 5], stride: 2 },
  { x: [256, 256, 10], k: [15, 15, 10], stride: 5 },
  { x: [96, 96], k: [92, 92], stride: 1 },
];
const PAIRS: ReadonlyArray<[ConvMethodName, ConvMethodName]> = [["fft", "submatrix"], ["fft", "strided"], ["submatrix", "strided"]];

function random(shape: number[], seed: number): Tensor {
  const r = symmetricRandom(seed);
  return ndarray(Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r()), shape) as unknown as Tensor;
}

/** Per pair, the worst relative difference over the cases and seeds 1-3. */
export function roundingDifferences(): Record<string, number> {
  const worst: Record<string, number> = {};
  for (const c of CASES) {
    for (const seed of [1, 2, 3]) {
      const x = random(c.x, seed);
      const k = random(c.k, seed + 100);
      const info = convInfo(c.x, c.k, { stride: c.stride });
      const out = Object.fromEntries((["fft", "submatrix", "strided"] as const).map((m) => [m, convolveWith(m, x, k, info).data as Float64Array]));
      const scale = out.submatrix.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      for (const [a, b] of PAIRS) {
        let d = 0;
        for (let i = 0; i < out[a].length; i++) d = Math.max(d, Math.abs(out[a][i] - out[b][i]));
        const name = `${a} vs ${b}`;
        worst[name] = Math.max(worst[name] ?? 0, d / scale);
      }
    }
  }
  return worst;
}

if (require.main === module) {
  for (const [pair, d] of Object.entries(roundingDifferences())) console.log(`${pair}: max |difference| / max |output| = ${d.toExponential(2)}`);
  process.exit(0); // thread pools
}
