/**
 * Padding, striding and shape normalisation for the convolutions over the first
 * two axes of `(h, w)` / `(h, w, c)` data.
 *
 * Copies happen only in the padding functions (padding needs new memory around
 * the data); `pickStrided`, `repeatKernel` and `checkShape` return views.
 */
import { describe } from "../validate";
import { asStrided, pad } from "../views";
import { Tensor } from "../types";
import { ConvError, PerAxis, checkCount, perAxis } from "./info";

/** Zeros before and after one axis: one number for both sides, or `[before, after]`. */
export type AxisPadding = number | readonly [number, number];

function sides(name: string, width: AxisPadding): [number, number] {
  if (typeof width === "number") {
    checkCount(name, width, 0);
    return [width, width];
  }
  if (!Array.isArray(width) || width.length !== 2) {
    throw new ConvError(`${name} must be a number or a [before, after] pair, got ${describe(width)}`);
  }
  checkCount(`${name} (before)`, width[0], 0);
  checkCount(`${name} (after)`, width[1], 0);
  return [width[0], width[1]];
}

/**
 * General N-D constant padding. `widths` lists the padding of the leading axes,
 * each a number (both sides) or `[before, after]`; axes past its end are not padded.
 * A single number pads every axis on both sides.
 * Copies `x` into a new contiguous array of the same dtype (wraps the engine's `pad`),
 * except when every width is zero: then `x` itself is returned, not a copy.
 *
 * @example
 * // x: (2, 3, 4)
 * padND(x, [0, [1, 2]]).shape; // [2, 6, 4]: axis 1 gets 1 zero before, 2 after
 * padND(x, 1).shape;           // [4, 5, 6]
 */
export function padND(x: Tensor, widths: number | readonly AxisPadding[], value = 0): Tensor {
  const rank = x.shape.length;
  const perAxisWidths: readonly AxisPadding[] = typeof widths === "number" ? new Array<number>(rank).fill(widths) : widths;
  if (perAxisWidths.length > rank) {
    throw new ConvError(`padND: ${perAxisWidths.length} padding widths for an array of rank ${rank}`);
  }
  const pairs = x.shape.map((_, axis) =>
    axis < perAxisWidths.length ? sides(`padding of axis ${axis}`, perAxisWidths[axis]) : ([0, 0] as [number, number]),
  );
  if (pairs.every(([b, a]) => b === 0 && a === 0)) return x;
  return pad(x, pairs, value);
}

/**
 * Zero-pads the first two axes of 2-D `(h, w)` or 3-D `(h, w, c)` data (the blog's
 * `padArray`); the depth axis is never padded. A copy unless both paddings are zero
 * (then `x` itself is returned).
 *
 * @example
 * padSpatial(x50x60, 1).shape;       // [52, 62]
 * padSpatial(x50x60x3, 1, 1).shape;  // [52, 62, 3]
 * padSpatial(x5x5, [1, 2], 0).shape; // [8, 5]: 1 row on top, 2 below
 */
export function padSpatial(x: Tensor, rows: AxisPadding, cols: AxisPadding = rows): Tensor {
  checkDataRank(x, "padSpatial");
  return padND(x, [sides("row padding", rows), sides("column padding", cols)]);
}

/**
 * Every `stride`-th element along the first two axes, starting at 0 (the blog's
 * `pickStrided`, numpy's `x[::s, ::s, ...]`). A view: no data is copied.
 *
 * @example
 * pickStrided(x5x7, 2).shape;        // [3, 4]
 * pickStrided(x5x7x3, [1, 3]).shape; // [5, 3, 3]
 */
export function pickStrided(x: Tensor, stride: PerAxis): Tensor {
  if (x.shape.length < 2) throw new ConvError(`pickStrided: needs at least 2 axes, got rank ${x.shape.length}`);
  const s = perAxis("stride", stride, 1);
  return s.height === 1 && s.width === 1 ? x : x.step(s.height, s.width);
}

/**
 * Repeats a 2-D kernel `(kh, kw)` along a new depth axis: `(kh, kw, depth)`, as the
 * blog's `checkShape` does with `np.repeat`. Zero-copy: the depth axis has stride 0,
 * so every depth slice is the same memory (read-only use).
 *
 * @example
 * repeatKernel(k3x3, 5).shape; // [3, 3, 5], sharing k3x3.data
 */
export function repeatKernel(kernel: Tensor, depth: number): Tensor {
  if (kernel.shape.length !== 2) {
    throw new ConvError(`repeatKernel: expects a 2-D kernel (kh, kw), got rank ${kernel.shape.length} (shape [${kernel.shape.join(", ")}])`);
  }
  checkCount("repeatKernel depth", depth, 1);
  return asStrided(kernel, [kernel.shape[0], kernel.shape[1], depth], [kernel.stride[0], kernel.stride[1], 0]);
}

/** Data and kernel as 3-D views, see {@link checkShape}. */
export interface ConvOperands {
  /** The data as `(h, w, c)`; 2-D data gets a depth axis of size 1. */
  data: Tensor;
  /** The kernel as `(kh, kw, c)`; a 2-D kernel is repeated along the data's depth. */
  kernel: Tensor;
}

/**
 * Validates ranks and channel counts (the blog's `checkShape`) and returns both
 * operands as 3-D views, so each method has one code path for 2-D and 3-D inputs.
 * No copies: the extra depth axis of 2-D data has size 1, a 2-D kernel on 3-D
 * data is repeated with a stride-0 view ({@link repeatKernel}).
 *
 * @example
 * checkShape(x7x7, k3x3).kernel.shape;   // [3, 3, 1]
 * checkShape(x9x9x4, k3x3).kernel.shape; // [3, 3, 4]
 */
export function checkShape(x: Tensor, kernel: Tensor): ConvOperands {
  checkDataRank(x, "data");
  checkKernelRank(kernel);
  if (kernel.shape.length === 3 && x.shape.length === 2) {
    throw new ConvError(
      `a 3-D kernel (shape [${kernel.shape.join(", ")}]) needs 3-D data, got 2-D data (shape [${x.shape.join(", ")}])`,
    );
  }
  const depth = x.shape.length === 3 ? x.shape[2] : 1;
  if (kernel.shape.length === 3 && kernel.shape[2] !== depth) {
    throw new ConvError(`kernel has ${kernel.shape[2]} channels but the data has ${depth} channels`);
  }
  const data = x.shape.length === 3 ? x : asStrided(x, [x.shape[0], x.shape[1], 1], [x.stride[0], x.stride[1], 0]);
  const k3 = kernel.shape.length === 3 ? kernel : repeatKernel(kernel, depth);
  return { data, kernel: k3 };
}

function checkDataRank(x: Tensor, what: string): void {
  if (x.shape.length !== 2 && x.shape.length !== 3) {
    throw new ConvError(`${what} must be 2-D (h, w) or 3-D (h, w, c), got rank ${x.shape.length} (shape [${x.shape.join(", ")}])`);
  }
}

function checkKernelRank(k: Tensor): void {
  if (k.shape.length !== 2 && k.shape.length !== 3) {
    throw new ConvError(`kernel must be 2-D (kh, kw) or 3-D (kh, kw, c), got rank ${k.shape.length} (shape [${k.shape.join(", ")}])`);
  }
}
