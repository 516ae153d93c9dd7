/**
 * Sliding-window views: numpy's `sliding_window_view`, skimage's
 * `view_as_windows`, and the CNN layout `(B, C, H', W', K, L)` used by
 * `einsum("bihwkl,oikl->bohw", ...)`. All are zero-copy except `windows` with
 * padding, which copies the input once into a zero-padded buffer.
 */
import { EinsumError } from "../errors";
import { assertTensor, checkIntegerList, checkOptionKeys } from "../validate";
import { Tensor } from "../types";
import { makeView } from "./strided";
import { pad } from "./pad";
import { axisGeometry } from "../geometry";

function asList(v: number | readonly number[], n: number, what: string, fn: string): number[] {
  const list = typeof v === "number" ? new Array<number>(n).fill(v) : checkIntegerList(v, `${fn}: ${what}`);
  if (list.length !== n) throw new EinsumError(`${fn}: ${what} [${list.join(", ")}] needs ${n} entries`);
  for (const x of list) if (!Number.isInteger(x)) throw new EinsumError(`${fn}: ${what} [${list.join(", ")}] must be integers`);
  return list;
}

function normalizeAxis(axis: number, rank: number, fn: string): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new EinsumError(`${fn}: axis ${axis} is out of bounds for an array of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * numpy's `sliding_window_view`: windows of `windowShape` over `axis` (default all
 * axes); the result has `x`'s axes (shrunk by window-1) followed by the window axes.
 *
 * @example
 * slidingWindowView(x10x10, [3, 3]).shape; // [8, 8, 3, 3]
 */
export function slidingWindowView(x: Tensor, windowShape: number | readonly number[], axis?: number | readonly number[]): Tensor {
  const fn = "slidingWindowView";
  assertTensor(x, `${fn}: x`);
  const rank = x.shape.length;
  const windowList = checkIntegerList(windowShape, `${fn}: window shape`, 0);
  let axes: number[];
  if (axis === undefined) {
    if (windowList.length !== rank) {
      throw new EinsumError(`${fn}: window shape [${windowList.join(", ")}] has ${windowList.length} entries but the array has ${rank} axes; pass axis to window fewer axes`);
    }
    axes = windowList.map((_, i) => i);
  } else {
    axes = checkIntegerList(axis, `${fn}: axis`).map((a) => normalizeAxis(a, rank, fn));
    if (axes.length !== windowList.length) {
      throw new EinsumError(`${fn}: window shape [${windowList.join(", ")}] and axis [${axes.join(", ")}] have different lengths`);
    }
  }
  const shape = [...x.shape];
  windowList.forEach((w, i) => {
    if (!Number.isInteger(w) || w < 0) throw new EinsumError(`${fn}: window size ${w} must be a non-negative integer`);
    const ax = axes[i];
    // numpy allows an empty window (one more position than elements); others use the shared geometry.
    if (w === 0) shape[ax] += 1;
    else {
      if (shape[ax] === 0) throw new EinsumError(`${fn}: window size ${w} is larger than axis ${ax} (size 0)`);
      shape[ax] = axisGeometry({ size: shape[ax], kernel: w }, { who: fn, axis: `length (axis ${ax})` }).out;
    }
  });
  return makeView(x.data, [...shape, ...windowList], [...x.stride, ...axes.map((a) => x.stride[a])], x.offset, fn);
}

/**
 * skimage's `view_as_windows`: windows of `windowShape` every `step` along each axis;
 * result shape: the number of `step`-spaced windows that fit (src/geometry.ts), followed by `windowShape`.
 *
 * @example
 * viewAsWindows(x7x7, [3, 3], 2).shape; // [3, 3, 3, 3]
 */
export function viewAsWindows(x: Tensor, windowShape: number | readonly number[], step: number | readonly number[] = 1): Tensor {
  const fn = "viewAsWindows";
  assertTensor(x, `${fn}: x`);
  const rank = x.shape.length;
  const windowList = asList(windowShape, rank, "window shape", fn);
  const steps = asList(step, rank, "step", fn);
  const counts = x.shape.map((n, i) => {
    if (windowList[i] < 1) throw new EinsumError(`${fn}: window size ${windowList[i]} on axis ${i} must be at least 1`);
    if (steps[i] < 1) throw new EinsumError(`${fn}: step ${steps[i]} on axis ${i} must be at least 1`);
    return axisGeometry({ size: n, kernel: windowList[i], stride: steps[i] }, { who: fn, axis: `length (axis ${i})` }).out;
  });
  const strides = [...x.stride.map((s, i) => s * steps[i]), ...x.stride];
  return makeView(x.data, [...counts, ...windowList], strides, x.offset, fn);
}

/** Geometry of a 2-D CNN window: kernel, stride, dilation, padding per spatial axis. */
export interface WindowOptions {
  kernel: number | readonly [number, number];
  stride?: number | readonly [number, number];
  dilation?: number | readonly [number, number];
  padding?: number | readonly [number, number];
}

/**
 * CNN windows of an NCHW tensor: shape `(B, C, H', W', K, L)`, `H'` the largest range
 * of the affine index `s*h + d*k - p` inside the padded input (src/geometry.ts). A zero-copy view of `x` when
 * padding is 0; with padding, `x` is copied once into a zero-padded buffer and
 * the windows view that buffer.
 *
 * @example
 * const win = windows(x, { kernel: 3, stride: 2, padding: 1 }); // x: (4, 3, 12, 10)
 * win.shape; // [4, 3, 6, 5, 3, 3]
 * einsum("bihwkl,oikl->bohw", win, weight);
 */
export function windows(x: Tensor, opts: WindowOptions): Tensor {
  const fn = "windows";
  assertTensor(x, `${fn}: x`);
  if (opts === null || typeof opts !== "object") throw new EinsumError(`${fn}: options { kernel, stride?, dilation?, padding? } are required`);
  checkOptionKeys(opts, ["kernel", "stride", "dilation", "padding"], fn);
  if (x.shape.length !== 4) throw new EinsumError(`${fn}: expected an NCHW tensor of rank 4, got shape [${x.shape.join(", ")}]`);
  const [kh, kw] = asList(opts.kernel as number | number[], 2, "kernel", fn);
  const [sh, sw] = asList((opts.stride ?? 1) as number | number[], 2, "stride", fn);
  const [dh, dw] = asList((opts.dilation ?? 1) as number | number[], 2, "dilation", fn);
  const [ph, pw] = asList((opts.padding ?? 0) as number | number[], 2, "padding", fn);
  if (kh < 1 || kw < 1) throw new EinsumError(`${fn}: kernel [${kh}, ${kw}] must be at least 1`);
  if (sh < 1 || sw < 1) throw new EinsumError(`${fn}: stride [${sh}, ${sw}] must be at least 1`);
  if (dh < 1 || dw < 1) throw new EinsumError(`${fn}: dilation [${dh}, ${dw}] must be at least 1`);
  if (ph < 0 || pw < 0) throw new EinsumError(`${fn}: padding [${ph}, ${pw}] must be non-negative`);
  // The one geometry (src/geometry.ts); its error names the kernel, span and padded size.
  const axis = (name: "height" | "width", size: number, kernel: number, stride: number, dilation: number, padding: number) =>
    axisGeometry({ size, kernel, stride, dilation, padBefore: padding, padAfter: padding }, { who: fn, axis: name });
  const oh = axis("height", x.shape[2], kh, sh, dh, ph).out;
  const ow = axis("width", x.shape[3], kw, sw, dw, pw).out;
  const src = ph > 0 || pw > 0 ? pad(x, [[0, 0], [0, 0], [ph, ph], [pw, pw]]) : x;
  const [b, c] = src.shape;
  const [s0, s1, s2, s3] = src.stride;
  return makeView(src.data, [b, c, oh, ow, kh, kw], [s0, s1, s2 * sh, s3 * sw, s2 * dh, s3 * dw], src.offset, fn);
}
