/**
 * Packing operands into 4-wide strips for the wasm macro-kernel. A and B pack the
 * same way once each is described by a "strip table" x and an "inner table" y:
 *
 *   strip s, step p  →  data[base + x[4s + r] + y[p]]   (r = 0..3; entries past the end → 0)
 *
 * A: x = aRow, y = aCol (4-row strips).  B: x = bCol, y = bRow (4-column strips).
 *
 * Two ways to gather, chosen per operand and task ({@link planStaging}):
 *  - in JS, straight from the operand's storage through its offset tables;
 *  - in wasm (`pack` in gemm.wat), from a float64 copy of just the storage range the
 *    task can reach ("staging"), made once per task with one TypedArray.set — worth
 *    it when that range is not much larger than what gets gathered (e.g. a window
 *    view's padded input: 2.2 M doubles copied instead of 18.9 M gathered in JS).
 * Either way the packs themselves are the only per-block copies; window views are
 * never materialized.
 */
import { NumericData } from "../../types";

/** Strip width of gemm.wat's micro-kernel (MR = NR = 4). */
export const STRIP = 4;

/** The offset tables of one operand, named by role in the packing. */
export interface StripTables {
  /** One entry per strip lane (A's rows, B's columns). */
  readonly x: Int32Array;
  /** One entry per step inside a strip (the K index for both operands). */
  readonly y: Int32Array;
  /** Per-batch base offsets. */
  readonly batch: Int32Array;
}

/**
 * JS gather: packs lanes x0..x0+count (zero-padded to a multiple of 4) × steps
 * y0..y0+len of `data` into `dst` from index `at`.
 */
export function packStrips(
  data: NumericData, base: number, t: StripTables, x0: number, count: number, y0: number, len: number,
  dst: Float64Array, at: number,
): void {
  const { x, y } = t;
  let w = at;
  for (let s = 0; s < count; s += STRIP) {
    const lanes = Math.min(STRIP, count - s);
    // Missing lanes alias lane 0 for the address arithmetic only; they are packed as zeros.
    const r0 = base + x[x0 + s];
    const r1 = lanes > 1 ? base + x[x0 + s + 1] : r0;
    const r2 = lanes > 2 ? base + x[x0 + s + 2] : r0;
    const r3 = lanes > 3 ? base + x[x0 + s + 3] : r0;
    if (lanes === STRIP) {
      for (let p = 0; p < len; p++) {
        const off = y[y0 + p];
        dst[w] = data[r0 + off];
        dst[w + 1] = data[r1 + off];
        dst[w + 2] = data[r2 + off];
        dst[w + 3] = data[r3 + off];
        w += STRIP;
      }
    } else {
      for (let p = 0; p < len; p++) {
        const off = y[y0 + p];
        dst[w] = data[r0 + off];
        dst[w + 1] = lanes > 1 ? data[r1 + off] : 0;
        dst[w + 2] = lanes > 2 ? data[r2 + off] : 0;
        dst[w + 3] = 0;
        w += STRIP;
      }
    }
  }
}

/** Most doubles of one operand that are staged into wasm memory (128 MiB); larger ranges pack in JS. */
export const STAGE_MAX = 1 << 24;
/** Stage only when the reachable range is at most this many times the elements gathered. */
export const STAGE_RATIO = 2;

/** The storage range [lo, lo + size) an operand's tables can reach. */
export interface Reach {
  readonly lo: number;
  readonly size: number;
}

/** The reachable range of `data` through base + x + y (all offsets, any signs). */
export function reach(t: StripTables): Reach {
  const [bLo, bHi] = extent(t.batch);
  const [xLo, xHi] = extent(t.x);
  const [yLo, yHi] = extent(t.y);
  const lo = bLo + xLo + yLo;
  return { lo, size: bHi + xHi + yHi - lo + 1 };
}

/**
 * Whether to stage an operand: its reachable range is small enough to copy and
 * not much larger than what the GEMM gathers from it (batch · lanes · steps).
 */
export function shouldStage(r: Reach, t: StripTables, dataLength: number): boolean {
  const gathered = t.batch.length * t.x.length * t.y.length;
  return canStage(r, dataLength) && r.size <= STAGE_MAX && r.size <= STAGE_RATIO * gathered;
}

/** Whether the range lies inside the storage (and fits wasm32 addressing), so it can be copied. */
export function canStage(r: Reach, dataLength: number): boolean {
  return r.lo >= 0 && r.lo + r.size <= dataLength && r.size < 2 ** 28;
}

/** Copies data[lo, lo + size) into `dst` at `at`, converting to float64 (the staging copy). */
export function stage(data: NumericData, r: Reach, dst: Float64Array, at: number): void {
  const part = Array.isArray(data) ? data.slice(r.lo, r.lo + r.size) : data.subarray(r.lo, r.lo + r.size);
  dst.set(part, at);
}

function extent(table: Int32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < table.length; i++) {
    const v = table[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}
