/**
 * The small-K product kernel: C += A·B straight into C when K is tiny (the NHWC
 * per-tap product, M = 90000 × K = 3 × N = 16). For such K the packed GEMM's
 * costs are not flops but data movement: packing A (M·K values), a C block in
 * wasm memory and a second pass adding it into C (M·N reads and writes) — as much
 * traffic as the product itself. This kernel reads each A row through its offset
 * tables (no A pack), keeps the K×N values of B in locals (B is packed once per
 * batch entry into a K×N array, the only copy), and adds the K-term sums into C
 * in one pass: C is read and written once.
 *
 * The code is generated per (K, N, dtype, C column layout): fully unrolled over K
 * and N, so the inner body is straight-line code with B's values hoisted out of the
 * row loop. Where code generation is unavailable (a CSP without unsafe-eval, or a
 * JsBackend in "interpreted" mode) the kernel declines and the general GEMM runs.
 *
 * Float32 C: B is packed as float32 and A values are rounded to float32 as they are
 * read (as the wasm float32 route rounds operands when packing); the ≤ K products
 * and their sum are formed in float64 and rounded once into float32 C — at least as
 * accurate as summing in float32 (float32 products are exact in float64).
 */
import { canGenerateCode } from "./cache";
import { GemmTask } from "./tasks";

/**
 * Largest K the kernel takes. Measured (bench/smallk_quick.ts, M 90000, N 16, wasm
 * sweep vs this kernel): the kernel wins by 2–3× at K ≤ 4 and still at K = 8;
 * from about K = 12 the packed wasm kernel's SIMD outweighs the saved C pass.
 */
export const SMALL_K_MAX_K = 8;
/** Largest N: the kernel is unrolled over N and holds K·N values of B in locals. */
export const SMALL_K_MAX_N = 32;
/** Most B values hoisted into locals (K·N) for a float64 C. */
export const SMALL_K_MAX_KN = 128;
/**
 * The same for a float32 C: measured, the float32 kernel (a conversion on every load
 * and store) falls behind the packed f32x4 kernel from K·N ≈ 120 (N 32 × K 4, N 24 × K 5).
 */
export const SMALL_K_MAX_KN_F32 = 96;

/**
 * Rows per kernel call: many calls of a bounded loop rather than one M-long loop, so
 * V8 optimizes the generated function at entry and not only by on-stack replacement;
 * 4096 rows amortize the call and the K·N hoisted loads of B.
 */
const ROW_CHUNK = 4096;

/** Signature of a generated small-K kernel (rows i0..i1 of one batch entry). */
type SmallKFn = (
  i0: number, i1: number, a: ArrayLike<number>, aBase: number, aRow: Int32Array, aCol: Int32Array,
  b: Float64Array | Float32Array, c: Float64Array | Float32Array, cBase: number, cRow: Int32Array, cCol: Int32Array,
) => void;

/** The code shape of one small-K product: what its generated kernel depends on. */
export interface SmallKShape {
  readonly k: number;
  readonly n: number;
  /** C is float32 (A values rounded to float32 as read, B packed as float32). */
  readonly f32: boolean;
  /** A's storage is not float32 while C is: its values are rounded with Math.fround. */
  readonly roundA: boolean;
  /** C's columns are one unit-stride run (cCol[j] = cCol[0] + j): constant offsets, no column table. */
  readonly unitColumns: boolean;
}

/**
 * Whether a task takes the small-K kernel: K ≤ {@link SMALL_K_MAX_K}, N ≤
 * {@link SMALL_K_MAX_N}, a float64 C with K·N ≤ {@link SMALL_K_MAX_KN} or a float32 C
 * with K·N ≤ {@link SMALL_K_MAX_KN_F32}.
 *
 * @example
 * smallKShape(task)?.k; // 3 for the NHWC per-tap product, undefined for a 512³ matmul
 */
export function smallKShape(task: GemmTask): SmallKShape | undefined {
  const { k, n, c } = task;
  if (k < 1 || k > SMALL_K_MAX_K || n < 1 || n > SMALL_K_MAX_N) return undefined;
  if (!(c instanceof Float64Array || c instanceof Float32Array)) return undefined;
  const f32 = c instanceof Float32Array;
  if (k * n > (f32 ? SMALL_K_MAX_KN_F32 : SMALL_K_MAX_KN)) return undefined;
  let unitColumns = true;
  for (let j = 1; j < n; j++) if (task.cCol[j] !== task.cCol[0] + j) unitColumns = false;
  return { k, n, f32, roundA: f32 && !(task.a instanceof Float32Array), unitColumns };
}

/** Cache key of a shape's generated code. */
function shapeKey(s: SmallKShape): string {
  return `smallk:k${s.k}:n${s.n}:${s.f32 ? "f32" : "f64"}:${s.roundA ? "roundA" : "a"}:${s.unitColumns ? "unit" : "table"}`;
}

/**
 * The kernel source for a shape: locals `ac{p}` (A column offsets), `b{p}_{j}` (B),
 * `cc{j}` (C column offsets, general layout only); per row, K reads of A and N
 * read-add-writes of C.
 *
 * @example
 * emitSmallK({ k: 1, n: 2, f32: false, roundA: false, unitColumns: true });
 * // "... c[rc] += a0 * b0_0; c[rc + 1] += a0 * b0_1; ..."
 */
export function emitSmallK(s: SmallKShape): string {
  const { k, n } = s;
  const ps = Array.from({ length: k }, (_, p) => p);
  const js = Array.from({ length: n }, (_, j) => j);
  const lines: string[] = [];
  for (const p of ps) lines.push(`const ac${p} = aCol[${p}];`);
  for (const p of ps) lines.push(js.map((j) => `const b${p}_${j} = b[${p * n + j}];`).join(" "));
  if (s.unitColumns) lines.push("const cc0 = cCol[0];");
  else lines.push(js.map((j) => `const cc${j} = cCol[${j}];`).join(" "));
  lines.push("for (let i = i0; i < i1; i++) {");
  lines.push("  const ra = aBase + aRow[i];");
  lines.push(`  const rc = cBase + cRow[i]${s.unitColumns ? " + cc0" : ""};`);
  for (const p of ps) lines.push(`  const a${p} = ${s.roundA ? `Math.fround(a[ra + ac${p}])` : `a[ra + ac${p}]`};`);
  for (const j of js) {
    const at = s.unitColumns ? (j === 0 ? "rc" : `rc + ${j}`) : `rc + cc${j}`;
    lines.push(`  c[${at}] += ${ps.map((p) => `a${p} * b${p}_${j}`).join(" + ")};`);
  }
  lines.push("}");
  return lines.join("\n");
}

/**
 * Generated small-K kernels, built on first use per {@link SmallKShape} and kept
 * (at most 8 K × 32 N × 2 dtypes × 2 rounding × 2 layouts shapes; each is a few
 * hundred bytes of source). One per backend or wasm kernel instance.
 *
 * @example
 * const smallK = new SmallKKernels();
 * if (!smallK.run(task)) gemm(task); // task.c += A·B either way
 */
export class SmallKKernels {
  private readonly kernels = new Map<string, SmallKFn>();
  /** False: never generate code, {@link run} always declines. */
  readonly enabled: boolean;

  /** `generate` (default: whether `new Function` works here) false: decline every task. */
  constructor(options: { readonly generate?: boolean } = {}) {
    this.enabled = (options.generate ?? true) && canGenerateCode();
  }

  /** Number of kernels generated so far. */
  get size(): number {
    return this.kernels.size;
  }

  /**
   * Runs the task (C += A·B for every batch entry) and returns true when it takes the
   * small-K kernel; returns false, touching nothing, when it does not. `beforeWrite` runs
   * once, after the kernel has taken the task and before its first write (a fresh C's fault-in).
   */
  run(task: GemmTask, beforeWrite?: () => void): boolean {
    if (!this.enabled || task.m === 0) return false;
    const shape = smallKShape(task);
    if (shape === undefined) return false;
    beforeWrite?.();
    const kernel = this.kernel(shape);
    const { k, n } = shape;
    const c = task.c as Float64Array | Float32Array;
    // The one copy: B (K×N, row-major) per batch entry, float32 for a float32 C.
    const bp = shape.f32 ? new Float32Array(k * n) : new Float64Array(k * n);
    for (let batch = 0; batch < task.aBatch.length; batch++) {
      const bBase = task.bBatch[batch];
      for (let p = 0; p < k; p++) {
        const row = bBase + task.bRow[p];
        for (let j = 0; j < n; j++) bp[p * n + j] = task.b[row + task.bCol[j]];
      }
      for (let i0 = 0; i0 < task.m; i0 += ROW_CHUNK) {
        kernel(i0, Math.min(task.m, i0 + ROW_CHUNK), task.a, task.aBatch[batch], task.aRow, task.aCol, bp, c, task.cBatch[batch], task.cRow, task.cCol);
      }
    }
    return true;
  }

  private kernel(shape: SmallKShape): SmallKFn {
    const key = shapeKey(shape);
    let fn = this.kernels.get(key);
    if (fn === undefined) {
      fn = new Function("i0", "i1", "a", "aBase", "aRow", "aCol", "b", "c", "cBase", "cRow", "cCol", `"use strict";\n${emitSmallK(shape)}`) as SmallKFn;
      this.kernels.set(key, fn);
    }
    return fn;
  }
}
