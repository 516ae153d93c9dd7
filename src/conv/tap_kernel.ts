/**
 * The sub-matrix method's inner pass, `out[r, q] += Σ_c slab[r, q, c] · w[c]`, as code
 * generated per channel count: the `depth` weights become locals and the channel sum one
 * straight-line expression, so the loop over channels, its counter and the weight loads
 * leave the per-output work. Measured on the blog's grid 3 (depth 10, stride 5, 3×3
 * kernel): 325 → 157 µs at n = 256, 78 → 27 µs at n = 128, against the loop over channels.
 *
 * The expression sums in the loop's order (`((s0·w0 + s1·w1) + s2·w2) + …`, then added to
 * `out`), so generated and interpreted passes give bitwise the same result. Kernels are
 * cached per (depth, unit channel stride) in a table bounded by {@link MAX_TAP_DEPTH}; where
 * code generation is unavailable (a CSP without unsafe-eval) or the depth is larger, the
 * interpreted loop runs ({@link accumulateTapLoop}).
 */
import { canGenerateCode } from "../compile/cache";

/** Channel counts up to this get a generated kernel (beyond it, the unrolled sum stops paying: it is a dot product). */
export const MAX_TAP_DEPTH = 32;

/** One tap pass over a 3-D slab `(rows, cols, depth)` at `offset` with strides `s0, s1, s2`. */
export type TapPass = (
  d: ArrayLike<number>, offset: number, rows: number, cols: number, s0: number, s1: number, s2: number,
  out: Float64Array, outOffset: number, outRow: number, w: Float64Array,
) => void;

/** The interpreted pass (any depth and stride; the reference for the generated ones). */
export const accumulateTapLoop: TapPass = (d, offset, rows, cols, s0, s1, s2, out, outOffset, outRow, w) => {
  const depth = w.length;
  for (let r = 0; r < rows; r++) {
    let p = offset + r * s0;
    const o = outOffset + r * outRow;
    for (let q = 0; q < cols; q++, p += s1) {
      let acc = 0;
      for (let c = 0, pc = p; c < depth; c++, pc += s2) acc += d[pc] * w[c];
      out[o + q] += acc;
    }
  }
};

/** The body of the generated pass for `depth` channels (`unit`: channel stride 1), for reading and tests. */
export function tapKernelSource(depth: number, unit: boolean): string {
  const weights = Array.from({ length: depth }, (_, c) => `const w${c} = w[${c}];`).join(" ");
  const at = (c: number) => (c === 0 ? "p" : unit ? `p + ${c}` : `p + ${c} * s2`);
  const sum = Array.from({ length: depth }, (_, c) => `d[${at(c)}] * w${c}`).join(" + ");
  return [
    `// einconv tap pass: depth ${depth}, channel stride ${unit ? "1" : "s2"}`,
    weights,
    "for (let r = 0; r < rows; r++) {",
    "  let p = offset + r * s0;",
    "  const o = outOffset + r * outRow;",
    "  for (let q = 0; q < cols; q++, p += s1) {",
    `    out[o + q] += ${sum};`,
    "  }",
    "}",
  ].join("\n");
}

const generated = new Map<string, TapPass>();
let generation: boolean | undefined;

/** The pass for `depth` channels: generated when possible (cached), else the loop. */
export function tapPass(depth: number, channelStride: number): TapPass {
  if (depth < 2 || depth > MAX_TAP_DEPTH) return accumulateTapLoop;
  generation ??= canGenerateCode();
  if (!generation) return accumulateTapLoop;
  const unit = channelStride === 1;
  const key = `${depth}|${unit ? 1 : 0}`;
  let pass = generated.get(key);
  if (pass === undefined) {
    pass = new Function("d", "offset", "rows", "cols", "s0", "s1", "s2", "out", "outOffset", "outRow", "w", `"use strict";\n${tapKernelSource(depth, unit)}`) as TapPass;
    generated.set(key, pass);
  }
  return pass;
}

/** Kernels generated so far (at most 2 · (MAX_TAP_DEPTH - 1)). */
export function tapKernelCount(): number {
  return generated.size;
}
