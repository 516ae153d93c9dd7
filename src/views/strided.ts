/**
 * The one canonical view constructor. Every view einconv makes goes through
 * {@link makeView}, which checks that no index of the view can reach outside the
 * data buffer, so a bad shape/stride pair fails loudly instead of reading garbage.
 */
import ndarray from "ndarray";
import { displayable } from "../display_hook";
import { assertTensor, checkPermutation, checkView } from "../validate";
import { NumericData, Tensor } from "../types";

/** Builds a validated view over `data`. Strides and offset are in elements, not bytes. */
export function makeView(data: NumericData, shape: readonly number[], strides: readonly number[], offset: number, fn = "view"): Tensor {
  checkView(data, shape, strides, offset, fn);
  // Views display numpy-style as a cell's last value (src/display_hook.ts).
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
export function asStrided(x: Tensor, shape: readonly number[], strides: readonly number[], offset?: number): Tensor {
  assertTensor(x, "asStrided: x");
  return makeView(x.data, shape, strides, offset ?? x.offset, "asStrided");
}

/** A view with its axes permuted (`perm[i]` is the source axis of result axis i). */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  assertTensor(x, "permute: x");
  checkPermutation(perm, x.shape.length, "permute");
  return makeView(x.data, perm.map((p) => x.shape[p]), perm.map((p) => x.stride[p]), x.offset, "permute");
}
