/**
 * Shape arithmetic for 2-D convolutions: the output-size formula and a flat
 * `ConvInfo` record (in the spirit of tfjs' `Conv2DInfo`) that every method in
 * `src/conv` computes once from the shapes and options and then only reads.
 *
 * Convolution here is cross-correlation (no kernel flip), as in CNNs.
 */

import { describe } from "../validate";
import { BoundedMemo } from "../memo";
import { ConvError } from "../fft/errors";
import { AxisGeometry, axisGeometry, checkCount, samePadding } from "../geometry";

export { checkCount };

// One ConvError class for every convolution module (the FFT layer defines it);
// re-exported here so `src/conv` users need not know where it lives.
export { ConvError };

// The mode names are shared with the N-D fftconvolve/correlate (same type, one export).
import type { ConvMode } from "../fft/convolve";

/** Border handling, as in numpy/scipy ("valid" | "same" | "full"): see {@link modePadding}. */
export type { ConvMode };

/** A per-axis value given once for both spatial axes or as `[height, width]`. */
export type PerAxis = number | readonly [number, number];

/** Options of {@link outputSize}. */
export interface OutputSizeOptions {
  /** Zeros added on each side (default 0). */
  padding?: number;
  /** Step between consecutive kernel positions (default 1). */
  stride?: number;
  /** Spacing between kernel taps (default 1 = contiguous kernel). */
  dilation?: number;
}

/**
 * Number of outputs along one axis: the largest range of the affine index
 * `stride*o + dilation*k - padding` inside the padded input ({@link axisGeometry}).
 *
 * @example
 * outputSize(28, 3);                             // 26
 * outputSize(56, 5, { padding: 1, stride: 2 });  // 27 (the blog prints 23, an arithmetic slip)
 * outputSize(10, 3, { dilation: 2 });            // 6 (the kernel spans 5 inputs)
 */
export function outputSize(inSize: number, kernel: number, options: OutputSizeOptions = {}): number {
  const { padding = 0, stride = 1, dilation = 1 } = options;
  checkCount("input size", inSize, 1);
  checkCount("kernel size", kernel, 1);
  checkCount("padding", padding, 0);
  checkCount("stride", stride, 1);
  checkCount("dilation", dilation, 1);
  return axisGeometry({ size: inSize, kernel, stride, dilation, padBefore: padding, padAfter: padding }).out;
}

/** Splits a {@link PerAxis} value into its height and width parts, validating both. */
export function perAxis(name: string, value: PerAxis, min: number): { height: number; width: number } {
  if (typeof value === "number") {
    checkCount(name, value, min);
    return { height: value, width: value };
  }
  if (!Array.isArray(value) || value.length !== 2) {
    throw new ConvError(`${name} must be a number or a [height, width] pair, got ${describe(value)}`);
  }
  checkCount(`${name} (height)`, value[0], min);
  checkCount(`${name} (width)`, value[1], min);
  return { height: value[0], width: value[1] };
}

/**
 * Zeros a mode adds before and after one axis for a kernel spanning `span` inputs:
 * - `valid`: none;
 * - `same`: the `"correlate2d"` convention of {@link samePadding} (`scipy.signal.correlate2d`,
 *   TF's "SAME" at stride 1): `span - 1` in total, the extra zero of an even kernel at the end.
 *   The N-D `scipy.signal.correlate(mode="same")` (`"scipy"`) puts it at the start instead;
 * - `full`: `span - 1` on both sides.
 *
 * @example
 * modePadding("same", 4); // { before: 1, after: 2 }
 */
export function modePadding(mode: ConvMode, span: number): { before: number; after: number } {
  switch (mode) {
    case "valid":
      return { before: 0, after: 0 };
    case "same":
      return samePadding("correlate2d", { size: span, span });
    case "full":
      return { before: span - 1, after: span - 1 };
    default:
      throw new ConvError(`unknown mode ${describe(mode)}: expected "valid", "same" or "full"`);
  }
}

/** Options shared by `convolve` and {@link convInfo}. */
export interface ConvShapeOptions {
  /** Step between kernel positions; default 1. */
  stride?: PerAxis;
  /** Zeros added on both sides of each spatial axis before the mode is applied; default 0. */
  padding?: PerAxis;
  /** Spacing between kernel taps; default 1. */
  dilation?: PerAxis;
  /** Border mode applied after `padding`; default "valid". */
  mode?: ConvMode;
}

/**
 * Everything a 2-D convolution method needs to know, computed once by {@link convInfo}.
 * Spatial axes are the first two of the data `(h, w)` / `(h, w, c)`; paddings are totals
 * (explicit padding plus the mode's padding).
 */
export interface ConvInfo {
  /** Rank of the data: 2 for `(h, w)`, 3 for `(h, w, c)`. */
  dataRank: 2 | 3;
  /** Rank of the kernel: 2 for `(kh, kw)` (repeated along depth), 3 for `(kh, kw, c)`. */
  kernelRank: 2 | 3;
  inHeight: number;
  inWidth: number;
  /** Depth summed over (1 for 2-D data). */
  inChannels: number;
  kernelHeight: number;
  kernelWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  /** Inputs spanned by the kernel: `dilation*(k-1)+1`. */
  effectiveKernelHeight: number;
  effectiveKernelWidth: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  /** Input size after padding: `inHeight + padTop + padBottom`. */
  paddedHeight: number;
  paddedWidth: number;
  outHeight: number;
  outWidth: number;
  mode: ConvMode;
}

/**
 * Validates data/kernel shapes and options and returns the {@link ConvInfo}.
 *
 * Semantics (padding, then mode, then stride): the data is zero-padded by `padding`
 * on both sides of the first two axes, the mode adds {@link modePadding} zeros, a
 * valid cross-correlation is taken and every `stride`-th output kept, starting at 0.
 * For 2-D data and `padding = 0` this is `scipy.signal.correlate2d(x, k, mode)[::s, ::s]`.
 *
 * @example
 * const info = convInfo([7, 7], [3, 3], { stride: 2 });
 * info.outHeight; // 3
 * convInfo([50, 60, 3], [4, 4], { mode: "same" }).padBottom; // 2
 */
export function convInfo(dataShape: readonly number[], kernelShape: readonly number[], options: ConvShapeOptions = {}): ConvInfo {
  // Small convolutions take 10-20 µs, and working this out is 2-3 of them: repeated shapes are
  // memoised (a copy is returned, so callers may change theirs). Keys only from plain numbers,
  // so anything that must raise an error is computed, never looked up.
  const key = infoKey(dataShape, kernelShape, options);
  if (key === undefined) return computeConvInfo(dataShape, kernelShape, options);
  return { ...infos.get(key, () => computeConvInfo(dataShape, kernelShape, options)) };
}

const infos = new BoundedMemo<ConvInfo>(256);

/** A memo key for finite-number shapes and options (undefined when anything else is given). */
function infoKey(dataShape: readonly number[], kernelShape: readonly number[], options: ConvShapeOptions | undefined): string | undefined {
  if (options === null || typeof options !== "object") return undefined;
  const parts: string[] = [];
  const add = (v: unknown): boolean => {
    if (v === undefined) parts.push("u");
    else if (typeof v === "number" && Number.isFinite(v)) parts.push(String(v));
    else if (Array.isArray(v) && v.every((x) => typeof x === "number" && Number.isFinite(x))) parts.push(`[${v.join(",")}]`);
    else return false;
    return true;
  };
  const mode = options.mode;
  if (mode !== undefined && mode !== "valid" && mode !== "same" && mode !== "full") return undefined;
  if (!Array.isArray(dataShape) || !Array.isArray(kernelShape) || !add(dataShape) || !add(kernelShape)) return undefined;
  if (!add(options.stride) || !add(options.padding) || !add(options.dilation)) return undefined;
  return `${mode ?? "valid"}|${parts.join("|")}`;
}

function computeConvInfo(dataShape: readonly number[], kernelShape: readonly number[], options: ConvShapeOptions): ConvInfo {
  const mode = options.mode ?? "valid";
  modePadding(mode, 1); // validates the name
  if (dataShape.length !== 2 && dataShape.length !== 3) {
    throw new ConvError(`data must be 2-D (h, w) or 3-D (h, w, c), got rank ${dataShape.length} (shape [${dataShape.join(", ")}])`);
  }
  if (kernelShape.length !== 2 && kernelShape.length !== 3) {
    throw new ConvError(
      `kernel must be 2-D (kh, kw) or 3-D (kh, kw, c), got rank ${kernelShape.length} (shape [${kernelShape.join(", ")}])`,
    );
  }
  if (kernelShape.length > dataShape.length) {
    throw new ConvError(
      `a 3-D kernel (shape [${kernelShape.join(", ")}]) needs 3-D data, got 2-D data (shape [${dataShape.join(", ")}])`,
    );
  }
  dataShape.forEach((n, axis) => checkCount(`data size on axis ${axis}`, n, 1));
  kernelShape.forEach((n, axis) => checkCount(`kernel size on axis ${axis}`, n, 1));
  const inChannels = dataShape.length === 3 ? dataShape[2] : 1;
  if (kernelShape.length === 3 && kernelShape[2] !== inChannels) {
    throw new ConvError(`kernel has ${kernelShape[2]} channels but the data has ${inChannels} channels`);
  }
  const stride = perAxis("stride", options.stride ?? 1, 1);
  const padding = perAxis("padding", options.padding ?? 0, 0);
  const dilation = perAxis("dilation", options.dilation ?? 1, 1);

  const axis = (name: "height" | "width", inSize: number, k: number): AxisGeometry => {
    const extra = modePadding(mode, dilation[name] * (k - 1) + 1);
    return axisGeometry(
      { size: inSize, kernel: k, stride: stride[name], dilation: dilation[name], padBefore: padding[name] + extra.before, padAfter: padding[name] + extra.after },
      { axis: name, mode },
    );
  };
  const h = axis("height", dataShape[0], kernelShape[0]);
  const w = axis("width", dataShape[1], kernelShape[1]);
  return {
    dataRank: dataShape.length as 2 | 3,
    kernelRank: kernelShape.length as 2 | 3,
    inHeight: dataShape[0],
    inWidth: dataShape[1],
    inChannels,
    kernelHeight: kernelShape[0],
    kernelWidth: kernelShape[1],
    strideHeight: stride.height,
    strideWidth: stride.width,
    dilationHeight: dilation.height,
    dilationWidth: dilation.width,
    effectiveKernelHeight: h.span,
    effectiveKernelWidth: w.span,
    padTop: h.padBefore,
    padBottom: h.padAfter,
    padLeft: w.padBefore,
    padRight: w.padAfter,
    paddedHeight: h.padded,
    paddedWidth: w.padded,
    outHeight: h.out,
    outWidth: w.out,
    mode,
  };
}

/**
 * One spatial axis of a {@link ConvInfo} as the shared {@link AxisGeometry} record
 * (the flat fields are its 2-D spelling).
 *
 * @example
 * convAxis(convInfo([7, 7], [3, 3], { stride: 2 }), "height").out; // 3
 */
export function convAxis(info: ConvInfo, axis: "height" | "width"): AxisGeometry {
  const h = axis === "height";
  return {
    size: h ? info.inHeight : info.inWidth,
    kernel: h ? info.kernelHeight : info.kernelWidth,
    stride: h ? info.strideHeight : info.strideWidth,
    dilation: h ? info.dilationHeight : info.dilationWidth,
    padBefore: h ? info.padTop : info.padLeft,
    padAfter: h ? info.padBottom : info.padRight,
    span: h ? info.effectiveKernelHeight : info.effectiveKernelWidth,
    padded: h ? info.paddedHeight : info.paddedWidth,
    out: h ? info.outHeight : info.outWidth,
  };
}
