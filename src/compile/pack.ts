/**
 * Strip packing shared by the JS GEMM (gemm.ts) and the wasm GEMM (wasm/): an
 * operand described by a "strip table" x and an "inner table" y packs as
 *
 *   strip s, step p  →  data[base + x[4s + r] + y[p]]   (r = 0..3; lanes past the end → 0)
 *
 * A: x = aRow, y = aCol (4-row strips).  B: x = bCol, y = bRow (4-column strips).
 * Reading through offset tables lets any strided layout pack without materializing it.
 */
import { NumericData } from "../types";

/** Strip width of both GEMM micro-kernels (MR = NR = 4). */
export const STRIP = 4;

/** The offset tables of one operand, named by role in the packing. */
export interface StripTables {
  /** One entry per strip lane (A's rows, B's columns). */
  readonly x: Int32Array;
  /** One entry per step inside a strip (the K index for both operands). */
  readonly y: Int32Array;
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

