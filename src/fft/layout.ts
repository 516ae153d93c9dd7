/**
 * Memory layout helpers shared by the axis transforms: strided real views,
 * row-major complex spectra, and enumeration of the 1-D lines along an axis.
 */
import { sizeOf } from "../ndutil";

export { sizeOf, rowMajorStrides } from "../ndutil";

/**
 * A read-only strided view of real numbers, structurally what a scijs ndarray
 * is. Any `Tensor` satisfies it, including transposed, stepped (negative steps
 * too) and offset views: elements are read through index arithmetic only.
 */
export interface RealView {
  readonly data: ArrayLike<number>;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
  readonly offset: number;
}

/**
 * A row-major N-D array of complex numbers, stored interleaved
 * (`data[2k]` real part, `data[2k+1]` imaginary part of element k).
 */

export interface Spectrum {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

/** A zero-filled spectrum of the given shape. */
export function zeroSpectrum(shape: readonly number[]): Spectrum {
  return { shape: [...shape], data: new Float64Array(2 * sizeOf(shape)) };
}

/** `shape` with axis `axis` replaced by `length`. */
export function withAxis(shape: readonly number[], axis: number, length: number): number[] {
  const out = [...shape];
  out[axis] = length;
  return out;
}

/**
 * The axes other than `axis`, outermost first, ordered by decreasing |stride|
 * so that consecutive lines start at neighbouring addresses (e.g. for a
 * channel-last image read along its width, the channels are enumerated
 * innermost). Ties keep the axis order.
 */
export function batchOrder(shape: readonly number[], strides: readonly number[], axis: number): number[] {
  const others = shape.map((_, i) => i).filter((i) => i !== axis);
  return others.sort((i, j) => Math.abs(strides[j]) - Math.abs(strides[i]) || i - j);
}

/**
 * Start offsets of every 1-D line along `axis` of a strided layout, in the
 * order given by `order` (the other axes, outermost first; default row-major).
 * Two layouts enumerated with the same `order` list their lines in the same
 * order, which is how a transform pairs an input line with its output line.
 *
 * @example lineStarts([2, 3], [3, 1], 0, 1) // [0, 3]: the two rows
 */
export function lineStarts(
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
  axis: number,
  order: readonly number[] = shape.map((_, i) => i).filter((i) => i !== axis),
): Float64Array {
  let count = 1;
  for (const i of order) count *= shape[i];
  const starts = new Float64Array(count);
  if (count === 0) return starts;
  const idx = new Array<number>(shape.length).fill(0);
  let pos = offset;
  for (let line = 0; line < count; line++) {
    starts[line] = pos;
    // Odometer over `order`, innermost (last) first.
    for (let o = order.length - 1; o >= 0; o--) {
      const i = order[o];
      idx[i]++;
      pos += strides[i];
      if (idx[i] < shape[i]) break;
      pos -= strides[i] * shape[i];
      idx[i] = 0;
    }
  }
  return starts;
}
