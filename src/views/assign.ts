/** Element-wise copy between two views of the same shape (rank-generic odometer). */
import { EinsumError } from "../errors";
import { Tensor } from "../types";

/** Copies `src` into `dst` (same shape). `dst` must not overlap itself. */
export function assign(dst: Tensor, src: Tensor): void {
  const rank = dst.shape.length;
  if (src.shape.length !== rank || src.shape.some((n, i) => n !== dst.shape[i])) {
    throw new EinsumError(`assign: shapes [${dst.shape.join(", ")}] and [${src.shape.join(", ")}] differ`);
  }
  if (dst.shape.some((n) => n === 0)) return;
  const d = dst.data as Float64Array;
  const s = src.data as ArrayLike<number>;
  const index = new Array<number>(rank).fill(0);
  let pd = dst.offset;
  let ps = src.offset;
  const inner = rank === 0 ? 1 : dst.shape[rank - 1];
  const dInner = rank === 0 ? 0 : dst.stride[rank - 1];
  const sInner = rank === 0 ? 0 : src.stride[rank - 1];
  for (;;) {
    for (let i = 0, a = pd, b = ps; i < inner; i++, a += dInner, b += sInner) d[a] = s[b];
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
