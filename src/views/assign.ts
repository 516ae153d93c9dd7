/** Element-wise updates between two views of the same shape (one rank-generic odometer). */
import { EinsumError } from "../errors";
import { Tensor } from "../types";
import { assertTensor } from "../validate";

/**
 * Walks `dst` and `src` together, calling `update(d, i, s, j)` with `dst`'s data and
 * index and `src`'s data and index for every element (innermost axis in a tight loop).
 */
function zipWalk(dst: Tensor, src: Tensor, fn: string, inner: (d: Float64Array, a: number, s: ArrayLike<number>, b: number, n: number, da: number, db: number) => void): void {
  const rank = dst.shape.length;
  if (src.shape.length !== rank || src.shape.some((n, i) => n !== dst.shape[i])) {
    throw new EinsumError(`${fn}: shapes [${dst.shape.join(", ")}] and [${src.shape.join(", ")}] differ`);
  }
  if (dst.shape.some((n) => n === 0)) return;
  const d = dst.data as Float64Array;
  const s = src.data as ArrayLike<number>;
  const index = new Array<number>(rank).fill(0);
  let pd = dst.offset;
  let ps = src.offset;
  const n = rank === 0 ? 1 : dst.shape[rank - 1];
  const dStep = rank === 0 ? 0 : dst.stride[rank - 1];
  const sStep = rank === 0 ? 0 : src.stride[rank - 1];
  for (;;) {
    inner(d, pd, s, ps, n, dStep, sStep);
    let axis = rank - 2;
    for (; axis >= 0; axis--) {
      index[axis]++;
      pd += dst.stride[axis];
      ps += src.stride[axis];
      if (index[axis] < dst.shape[axis]) break;
      pd -= index[axis] * dst.stride[axis];
      ps -= index[axis] * src.stride[axis];
      index[axis] = 0;
    }
    if (axis < 0) return;
  }
}

/** Copies `src` into `dst` (same shape; `src` may broadcast with zero strides). `dst` must not overlap itself. */
export function assign(dst: Tensor, src: Tensor): void {
  assertTensor(dst, "assign: dst"), assertTensor(src, "assign: src");
  zipWalk(dst, src, "assign", (d, a, s, b, n, da, db) => {
    for (let i = 0; i < n; i++, a += da, b += db) d[a] = s[b];
  });
}

/** `dst += scale * src` element-wise (same shape; `src` may broadcast). `dst` must not overlap itself. */
export function addScaled(dst: Tensor, src: Tensor, scale = 1): void {
  assertTensor(dst, "addScaled: dst"), assertTensor(src, "addScaled: src");
  zipWalk(dst, src, "addScaled", (d, a, s, b, n, da, db) => {
    for (let i = 0; i < n; i++, a += da, b += db) d[a] += scale * s[b];
  });
}
