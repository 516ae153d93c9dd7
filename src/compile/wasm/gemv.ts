/**
 * The narrow-N route of the wasm GEMM: when B has fewer columns than a micro-tile
 * (N < 4: the strided convolution's `hwklc,klc->hw` is N = 1), the 4×4 kernel would
 * leave most of its lanes idle and packing A costs as much as the products. Instead
 * each output is one dot product read straight from A's staged copy: A's K offsets
 * are split into equal runs of consecutive elements (a window view's innermost axes:
 * kernel width × channels), and wasm `gemv` sums each run with f64x2 loads.
 *
 * Copies: A's reachable range (the staging copy of pack.ts), its row and run tables,
 * one column of B at a time (K doubles), and M results added into C by JS.
 */
import { GemmTask } from "../tasks";

/** How A's K offsets split into runs: `starts[r] + j` for j < `length`. */
export interface ColumnRuns {
  readonly starts: Int32Array;
  readonly length: number;
}

/** Narrowest N that goes to the 4×4 kernel instead (its tile width). */
export const GEMV_MAX_N = 3;
/** Shortest run worth the f64x2 loop (measured: runs of 3, a 3×3 kernel over 2-D data, ran 1.2 ms against 0.93 ms in the packed sweep at 254×254 outputs). */
export const GEMV_MIN_RUN = 4;

/**
 * The runs of a K offset table, or undefined unless it is `count` runs of one common
 * length ≥ GEMV_MIN_RUN, each of consecutive offsets (pure; O(K)).
 *
 * @example
 * columnRuns(Int32Array.of(0, 1, 2, 3, 10, 11, 12, 13)); // { starts: [0, 10], length: 4 }
 */
export function columnRuns(col: Int32Array): ColumnRuns | undefined {
  let length = 1;
  while (length < col.length && col[length] === col[length - 1] + 1) length++;
  if (length < GEMV_MIN_RUN || col.length % length !== 0) return undefined;
  const starts = new Int32Array(col.length / length);
  for (let r = 0; r < starts.length; r++) {
    const s = col[r * length];
    for (let j = 1; j < length; j++) if (col[r * length + j] !== s + j) return undefined;
    starts[r] = s;
  }
  return { starts, length };
}

/** Whether a float64 task takes the narrow-N route, and with which runs. */
export function gemvRuns(task: GemmTask): ColumnRuns | undefined {
  if (task.n > GEMV_MAX_N || !(task.c instanceof Float64Array)) return undefined;
  return columnRuns(task.aCol);
}
