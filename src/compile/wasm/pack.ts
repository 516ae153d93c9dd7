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
 *  - in wasm (`pack` in gemm.wat), from a float64 (float32: `pack32`) copy of just the storage range the
 *    task can reach ("staging"), made once per task with one TypedArray.set — worth
 *    it when that range is not much larger than what gets gathered (e.g. a window
 *    view's padded input: 2.2 M doubles copied instead of 18.9 M gathered in JS).
 * Either way the packs themselves are the only per-block copies; window views are
 * never materialized.
 */
import { NumericData } from "../../types";

export { STRIP, packStrips } from "../pack";
import { StripTables as PackTables } from "../pack";

/** An operand's strip tables plus its per-batch base offsets (staging needs every batch's reach). */
export interface StripTables extends PackTables {
  readonly batch: Int32Array;
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

/** Copies data[lo, lo + size) into `dst` at `at`, converting to dst's type (the staging copy). */
export function stage(data: NumericData, r: Reach, dst: Float64Array | Float32Array, at: number): void {
  const part = Array.isArray(data) ? data.slice(r.lo, r.lo + r.size) : data.subarray(r.lo, r.lo + r.size);
  dst.set(part, at);
}

/** The smallest and largest entry of an offset table. */
export function extent(table: Int32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < table.length; i++) {
    const v = table[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/**
 * JS gather into `width`-lane strips of a float32 pack (the float32 kernel packs A
 * 4 wide and B 8 wide): strip s, step p → data[base + x[x0 + width·s + r] + y[y0 + p]],
 * lanes past `count` packed as zeros. Values are rounded to float32 on the store (the
 * float32 GEMM's inputs are float32 already, or are cast as numpy's `dtype=` does).
 */
export function packStrips32(
  data: NumericData, base: number, t: PackTables, x0: number, count: number, y0: number, len: number,
  dst: Float32Array, at: number, width: number,
): void {
  const { x, y } = t;
  const lanes = new Int32Array(width);
  let w = at;
  for (let s = 0; s < count; s += width) {
    const full = Math.min(width, count - s);
    for (let r = 0; r < full; r++) lanes[r] = base + x[x0 + s + r];
    for (let p = 0; p < len; p++) {
      const off = y[y0 + p];
      for (let r = 0; r < full; r++) dst[w + r] = data[lanes[r] + off];
      for (let r = full; r < width; r++) dst[w + r] = 0;
      w += width;
    }
  }
}
