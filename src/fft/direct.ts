/**
 * Direct (nested-loop) convolution with the same axis/crop conventions as the
 * FFT path: the "direct" method of `correlate`, and the path used when no axis
 * needs a transform (everything broadcasts).
 */
import ndarray from "ndarray";
import { displayable } from "../display_hook";
import type { NdArray } from "ndarray";
import { IndexRange } from "./sizes";
import { RealView, sizeOf } from "./layout";

/** Odometer step over `shape`; returns false after the last index. */
function advance(idx: number[], shape: readonly number[]): boolean {
  for (let i = shape.length - 1; i >= 0; i--) {
    if (++idx[i] < shape[i]) return true;
    idx[i] = 0;
  }
  return false;
}

/**
 * `out[o] = sum_j a[m - j] * b[j]` over the convolved `axes` (m = the full-result
 * index `crop.start + o * crop.step`), with length-1 broadcasting on the other
 * axes. Cost: output size x kernel size multiply-adds, no padding.
 */
export function directConvolve(
  a: RealView,
  b: RealView,
  axes: readonly number[],
  crop: readonly IndexRange[],
): NdArray<Float64Array> {
  const rank = a.shape.length;
  const outShape = crop.map((r) => r.length);
  const out = new Float64Array(sizeOf(outShape));
  const nc = axes.length;
  const tapShape = axes.map((i) => b.shape[i]);
  const taps = sizeOf(tapShape);
  // Every kernel tap: its index along each convolved axis and its offset in b.
  const tapIndex = new Int32Array(taps * nc);
  const tapOffset = new Float64Array(taps);
  const j = new Array<number>(nc).fill(0);
  for (let t = 0; t < taps; t++) {
    let off = 0;
    for (let c = 0; c < nc; c++) {
      tapIndex[t * nc + c] = j[c];
      off += j[c] * b.stride[axes[c]];
    }
    tapOffset[t] = off;
    advance(j, tapShape);
  }
  const isConv = a.shape.map((_, i) => axes.includes(i));
  const full = new Array<number>(rank).fill(0);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let aBase = a.offset;
    let bBase = b.offset;
    for (let i = 0; i < rank; i++) {
      full[i] = crop[i].start + idx[i] * crop[i].step;
      if (isConv[i]) continue;
      if (a.shape[i] !== 1) aBase += full[i] * a.stride[i];
      if (b.shape[i] !== 1) bBase += full[i] * b.stride[i];
    }
    let sum = 0;
    for (let t = 0; t < taps; t++) {
      let aOff = aBase;
      let inside = true;
      for (let c = 0; c < nc; c++) {
        const axis = axes[c];
        const ia = full[axis] - tapIndex[t * nc + c];
        if (ia < 0 || ia >= a.shape[axis]) {
          inside = false;
          break;
        }
        aOff += ia * a.stride[axis];
      }
      if (inside) sum += a.data[aOff] * b.data[bBase + tapOffset[t]];
    }
    out[o] = sum;
    advance(idx, outShape);
  }
  return displayable(ndarray(out, outShape));
}
