/**
 * The "sub-matrix" method: one shifted slab of the data per kernel tap, scaled by
 * that tap and accumulated into the output. `kh*kw` passes, each streaming over a
 * contiguous output and a strided slab, so it shines for very small kernels.
 *
 * Padding costs no copy here: a tap whose slab would read padding zeros simply
 * skips those output rows/columns (zeros add nothing), so each slab is clipped to
 * the part that lies inside the data.
 */
import ndarray from "ndarray";
import { displayable } from "../display_hook";
import { Tensor } from "../types";
import { insideOutputs } from "../geometry";
import { ConvInfo, convAxis } from "./info";
import { checkShape } from "./padding";
import { tapPass } from "./tap_kernel";

/**
 * `out[r, q] += sum_c slab[r, q, c] * weights[c]` over a 3-D slab view and a
 * contiguous row-major `out` window starting at `outOffset` (row length `outRow`).
 * Written once for every rank: 2-D data arrives as depth 1.
 */
function accumulateTap(out: Float64Array, outOffset: number, outRow: number, slab: Tensor, weights: Float64Array): void {
  const d = slab.data;
  const [rows, cols, depth] = slab.shape;
  const [s0, s1, s2] = slab.stride;
  if (depth === 1) {
    // One multiply-add per element: keep the channel loop out of the hot path.
    const w = weights[0];
    if (w === 0) return;
    for (let r = 0; r < rows; r++) {
      let p = slab.offset + r * s0;
      const o = outOffset + r * outRow;
      for (let q = 0; q < cols; q++, p += s1) out[o + q] += w * d[p];
    }
    return;
  }
  // Several channels: the generated pass for this depth (tap_kernel.ts), or the loop.
  tapPass(depth, s2)(d, slab.offset, rows, cols, s0, s1, s2, out, outOffset, outRow, weights);
}

/**
 * Cross-correlation by sub-matrix accumulation. `info` (from
 * `convInfo(x.shape, kernel.shape, ...)`) carries padding, stride, dilation and mode.
 * Returns a new float64 `(outHeight, outWidth)` array; the slabs are views (no copy
 * of the data, no padded copy).
 *
 * @example
 * correlateSubmatrix(x, k, convInfo(x.shape, k.shape, { stride: 2 }));
 */
export function correlateSubmatrix(x: Tensor, k: Tensor, info: ConvInfo): Tensor {
  const { data, kernel } = checkShape(x, k); // 3-D views: one code path for 2-D and 3-D
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const out = new Float64Array(oh * ow);
  const depth = data.shape[2];
  const weights = new Float64Array(depth);
  const rowAxis = convAxis(info, "height");
  const colAxis = convAxis(info, "width");
  for (let i = 0; i < info.kernelHeight; i++) {
    const rowShift = i * info.dilationHeight - info.padTop;
    const rows = insideOutputs(rowAxis, i);
    if (rows.end <= rows.first) continue;
    for (let j = 0; j < info.kernelWidth; j++) {
      const colShift = j * info.dilationWidth - info.padLeft;
      const cols = insideOutputs(colAxis, j);
      if (cols.end <= cols.first) continue;
      for (let c = 0; c < depth; c++) weights[c] = kernel.get(i, j, c);
      // The slab: data rows first*sh+rowShift, +sh, ... (same for columns), all channels. A view.
      const slab = data
        .lo(rows.first * sh + rowShift, cols.first * sw + colShift, 0)
        .step(sh, sw, 1)
        .hi(rows.end - rows.first, cols.end - cols.first, depth);
      accumulateTap(out, rows.first * ow + cols.first, ow, slab, weights);
    }
  }
  return displayable(ndarray(out, [oh, ow]));
}
