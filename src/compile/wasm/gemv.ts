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
import { NumericData } from "../../types";
import { Reach, extent } from "./pack";

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
 * The runs of an offset table, or undefined unless it is runs of one common length
 * ≥ `minRun`, each of consecutive offsets (pure; O(K)).
 *
 * @example
 * columnRuns(Int32Array.of(0, 1, 2, 3, 10, 11, 12, 13)); // { starts: [0, 10], length: 4 }
 */
export function columnRuns(col: Int32Array, minRun = GEMV_MIN_RUN): ColumnRuns | undefined {
  const runs = cachedRuns(col);
  return runs !== undefined && runs.length >= minRun ? runs : undefined;
}

/**
 * Runs by table object: run.ts hands out the same (cached, never written) offset
 * tables for repeated shapes, and a K of 150 000 (a kernel the size of the data)
 * costs more to scan than to multiply. Weak, so it holds no table alive.
 */
const runsByTable = new WeakMap<Int32Array, ColumnRuns | null>();

function cachedRuns(col: Int32Array): ColumnRuns | undefined {
  let runs = runsByTable.get(col);
  if (runs === undefined) {
    runs = splitRuns(col) ?? null;
    runsByTable.set(col, runs);
  }
  return runs ?? undefined;
}

function splitRuns(col: Int32Array): ColumnRuns | undefined {
  if (col.length === 0) return undefined;
  let length = 1;
  while (length < col.length && col[length] === col[length - 1] + 1) length++;
  if (col.length % length !== 0) return undefined;
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

/** The storage range A's tables reach (what `reach` in pack.ts gives), from the runs instead of all K offsets. */
export function runsReach(task: GemmTask, runs: ColumnRuns): Reach {
  const [bLo, bHi] = extent(task.aBatch);
  const [xLo, xHi] = extent(task.aRow);
  const [yLo, yHi] = extent(runs.starts);
  const lo = bLo + xLo + yLo;
  return { lo, size: bHi + xHi + yHi + runs.length - 1 - lo + 1 };
}

/** dst[at + p] = data[base + offsets[p]] for p < offsets.length: one block copy per run when the storage is a typed array. */
export function gatherRuns(data: NumericData, base: number, offsets: Int32Array, dst: Float64Array, at: number): void {
  const runs = cachedRuns(offsets);
  if (runs !== undefined && !Array.isArray(data)) {
    const typed = data as Exclude<NumericData, number[]>;
    for (let r = 0; r < runs.starts.length; r++) {
      const from = base + runs.starts[r];
      dst.set(typed.subarray(from, from + runs.length), at + r * runs.length);
    }
    return;
  }
  for (let p = 0; p < offsets.length; p++) dst[at + p] = data[base + offsets[p]];
}
