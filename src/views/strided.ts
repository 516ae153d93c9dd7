/**
 * The one canonical view constructor. Every view einconv makes goes through
 * {@link makeView}, which checks that no index of the view can reach outside the
 * data buffer, so a bad shape/stride pair fails loudly instead of reading garbage.
 */
import ndarray from "ndarray";
import { displayable } from "../display_hook";
import { EinsumError } from "../errors";
import { assertTensor, reachableRange } from "../ndutil";
import { NumericData, Tensor } from "../types";

function checkIntegers(values: readonly number[], what: string, fn: string): void {
  for (const v of values) {
    if (!Number.isInteger(v)) throw new EinsumError(`${fn}: ${what} [${values.join(", ")}] must be integers`);
  }
}

/** Builds a validated view over `data`. Strides and offset are in elements, not bytes. */
export function makeView(data: NumericData, shape: readonly number[], strides: readonly number[], offset: number, fn = "view"): Tensor {
  if (shape.length !== strides.length) {
    throw new EinsumError(`${fn}: shape [${shape.join(", ")}] has ${shape.length} axes but strides [${strides.join(", ")}] has ${strides.length}`);
  }
  checkIntegers(shape, "shape", fn);
  checkIntegers(strides, "strides", fn);
  checkIntegers([offset], "offset", fn);
  if (shape.some((d) => d < 0)) throw new EinsumError(`${fn}: shape [${shape.join(", ")}] has a negative size`);
  const range = reachableRange(shape, strides, offset);
  if (range && (range.lo < 0 || range.hi >= data.length)) {
    throw new EinsumError(
      `${fn}: view with shape [${shape.join(", ")}], strides [${strides.join(", ")}] and offset ${offset} ` +
        `reaches data indices ${range.lo}..${range.hi}, outside the buffer 0..${data.length - 1}`,
    );
  }
  // w7disp: views display numpy-style as a cell's last value (src/display_hook.ts).
  return displayable(ndarray(data, [...shape], [...strides], offset));
}

/**
 * numpy's `as_strided`, bounds-checked: a zero-copy view of `x`'s buffer.
 * Strides and offset are counted in elements (ndarray's convention), not bytes;
 * the offset defaults to `x.offset`.
 *
 * Views whose windows overlap (a stride smaller than the extent of the axes
 * inside it) are fine to read; never write through them: one element has
 * several indices. einconv itself refuses such views as an `out` argument.
 *
 * @example
 * const x = fromFlat([0, 1, 2, 3, 4, 5], [6]);
 * asStrided(x, [4, 3], [1, 1]); // the 4 length-3 windows of x, no copy
 */
export function asStrided(x: Tensor, shape: readonly number[], strides: readonly number[], offset: number = x.offset): Tensor {
  assertTensor(x, "asStrided: x");
  return makeView(x.data, shape, strides, offset, "asStrided");
}

/** A view with its axes permuted (`perm[i]` is the source axis of result axis i). */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  return makeView(x.data, perm.map((p) => x.shape[p]), perm.map((p) => x.stride[p]), x.offset, "permute");
}
