/** Constant padding (a copy: padding needs new memory around the data). */
import { EinsumError } from "../errors";
import { dtypeOf, zeros } from "../ndutil";
import { assertTensor, describe } from "../validate";
import { DType, Tensor } from "../types";
import { makeView } from "./strided";
import { assign } from "./assign";

/**
 * Pads every axis of `x` with `value`: `widths[i] = [before, after]` for axis i.
 * Always returns a new contiguous tensor, of `x`'s dtype unless `dtype` says otherwise
 * (converting while padding costs no extra copy).
 *
 * @example
 * pad(x50x60, [[1, 1], [1, 1]]).shape; // [52, 62]
 */
export function pad(x: Tensor, widths: ReadonlyArray<readonly [number, number]>, value = 0, dtype?: DType): Tensor {
  assertTensor(x, "pad: x");
  dtype ??= dtypeOf(x);
  if (typeof value !== "number") throw new EinsumError(`pad: fill value must be a number, got ${describe(value)}`);
  if (dtype === "int32" && !(Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31)) {
    throw new EinsumError(`pad: fill value ${value} cannot be stored in an int32 array`);
  }
  if (!Array.isArray(widths) || widths.some((w) => !Array.isArray(w) || w.length !== 2)) throw new EinsumError(`pad: widths must be a list of [before, after] pairs, got ${describe(widths)}`);
  if (widths.length !== x.shape.length) {
    throw new EinsumError(`pad: ${widths.length} padding widths for an array of rank ${x.shape.length}`);
  }
  for (const [before, after] of widths) {
    if (!Number.isInteger(before) || !Number.isInteger(after) || before < 0 || after < 0) {
      throw new EinsumError(`pad: widths ${describe(widths)} must be non-negative integers`);
    }
  }
  const out = zeros(x.shape.map((n, i) => n + widths[i][0] + widths[i][1]), dtype, "the padded array");
  if (value !== 0) (out.data as Float64Array).fill(value);
  const offset = widths.reduce((acc, [before], i) => acc + before * out.stride[i], 0);
  assign(makeView(out.data, x.shape, out.stride, offset, "pad"), x);
  return out;
}
