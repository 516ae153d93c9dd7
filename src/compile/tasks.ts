/**
 * The records the kernel layer executes. A backend (plain JS today; WebAssembly
 * SIMD or worker threads later) only sees these: flat data, offsets, strides and
 * sizes — never specs, labels or plans.
 */
import { allocate } from "../validate";
import { DType, NumericData } from "../types";

/** A strided operand of a loop nest: `strides[l]` is its step along loop l (0 if it does not move). */
export interface LoopOperand {
  readonly data: NumericData;
  readonly offset: number;
  readonly strides: readonly number[];
  readonly dtype: DType;
}

/**
 * `out[...] += prod(inputs[...])` over every index of `sizes` (outermost loop first).
 * `out` must be zeroed by the caller; arithmetic is int32 (wrapping) when `integer`.
 */
export interface LoopTask {
  readonly inputs: readonly LoopOperand[];
  readonly out: LoopOperand;
  readonly sizes: readonly number[];
  readonly integer: boolean;
}

/**
 * A batched matrix product over arbitrary strided operands:
 * `C[cBatch[b] + cRow[i] + cCol[j]] += Σ_p A[aBatch[b] + aRow[i] + aCol[p]] · B[bBatch[b] + bRow[p] + bCol[j]]`.
 * The offset tables let one kernel serve any layout (multi-axis M, N, K, windows, transposes).
 * Kernels only read the tables: the runner may share one table between calls (run.ts caches them).
 */
export interface GemmTask {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly a: NumericData;
  readonly b: NumericData;
  readonly c: NumericData;
  readonly aBatch: Int32Array;
  readonly aRow: Int32Array;
  readonly aCol: Int32Array;
  readonly bBatch: Int32Array;
  readonly bRow: Int32Array;
  readonly bCol: Int32Array;
  readonly cBatch: Int32Array;
  readonly cRow: Int32Array;
  readonly cCol: Int32Array;
  /**
   * C's storage is a fresh zero-filled array that nothing has written yet, and no two
   * (batch, row, column) triples share an element: the kernel maps its pages in with writes
   * (`faultInZeros`, pages.ts) before its first write-back, at a moment of its choosing (the
   * threaded route overlaps it with the workers' first panel), and may store the first K
   * span's sums instead of adding them (scatter.ts).
   */
  readonly cFresh?: boolean;
}

/** What a kernel backend provides. */
export interface Backend {
  readonly name: string;
  runLoops(task: LoopTask): void;
  runGemm(task: GemmTask): void;
}

/** Offsets of every index of a multi-axis group (row-major over `sizes`), starting at `base`. */
export function offsetTable(sizes: readonly number[], strides: readonly number[], base = 0): Int32Array {
  let total = 1;
  for (const s of sizes) total *= s;
  const table = allocate(total, "int32", "a GEMM offset table", sizes) as Int32Array;
  if (total === 0) return table;
  table[0] = base;
  let filled = 1;
  // Build from the innermost axis outwards: each axis repeats the table so far shifted by its stride.
  for (let axis = sizes.length - 1; axis >= 0; axis--) {
    const n = sizes[axis];
    const stride = strides[axis];
    for (let i = 1; i < n; i++) {
      const shift = i * stride;
      for (let j = 0; j < filled; j++) table[i * filled + j] = table[j] + shift;
    }
    filled *= n;
  }
  return table;
}
