/**
 * The one geometry of every convolution-like window in einconv: `convolve`,
 * `conv2dNHWC`, `Conv2D`, pooling, `windows()` / `viewAsWindows`, the sub-matrix
 * slabs and the FFT's stride split all take their output sizes and paddings from
 * {@link axisGeometry}, and report impossible geometry with its one error text.
 *
 * One axis of a convolution is the affine index (src/affine.ts)
 *
 *     stride*o + dilation*k - padBefore      (o < out, k < kernel)
 *
 * read from an input of `size` with `padBefore` zeros in front and `padAfter`
 * behind. The output size `out` is the largest range of `o` that keeps the index
 * inside `-padBefore .. size-1+padAfter` ({@link largestRange}), i.e. Tullio's
 * "valid" rule: no separate output-size formula exists anywhere else.
 *
 * The "same" conventions are also named and defined here, once ({@link samePadding}).
 */
import { AffineIndex, largestRange } from "./affine";
import { ConvError } from "./fft/errors";

/** What {@link axisGeometry} needs for one axis. */
export interface AxisGeometryInput {
  /** Input length along the axis (before padding). */
  readonly size: number;
  /** Kernel taps along the axis. */
  readonly kernel: number;
  /** Step between consecutive outputs; default 1. */
  readonly stride?: number;
  /** Spacing between kernel taps; default 1. */
  readonly dilation?: number;
  /** Zeros before / after the input; default 0. */
  readonly padBefore?: number;
  readonly padAfter?: number;
}

/** One axis of a convolution, resolved: every size a method needs, computed once. */
export interface AxisGeometry {
  readonly size: number;
  readonly kernel: number;
  readonly stride: number;
  readonly dilation: number;
  readonly padBefore: number;
  readonly padAfter: number;
  /** Inputs spanned by the (dilated) kernel: `dilation*(kernel-1)+1`. */
  readonly span: number;
  /** `size + padBefore + padAfter`. */
  readonly padded: number;
  /** Number of outputs: the largest range of `o` in {@link convIndex}. */
  readonly out: number;
}

/** How {@link axisGeometry} words its error: who calls, the axis name, the mode. */
export interface GeometryContext {
  /** Prefix naming the caller, e.g. `"conv2dNHWC"`; none by default. */
  readonly who?: string;
  /** Axis name in the message: "height", "width", "length", "size" (default). */
  readonly axis?: string;
  /** Border mode the padding came from, quoted in the message when given. */
  readonly mode?: string;
  /** What to do about it, appended after "; " (e.g. "pad the input first"). */
  readonly hint?: string;
}

/**
 * The axis as an affine index over labels `o` (output) and `k` (tap):
 * `stride*o + dilation*k - padBefore`, indexing the unpadded input.
 *
 * @example
 * convIndex({ stride: 2, dilation: 1, padBefore: 1 }); // (2o+k-1)
 */
export function convIndex(g: { readonly stride: number; readonly dilation: number; readonly padBefore: number }): AffineIndex {
  return { terms: [{ label: "o", coef: g.stride }, { label: "k", coef: g.dilation }], constant: -g.padBefore };
}

/** Throws a {@link ConvError} unless `value` is an integer >= `min` (1 for sizes and steps, 0 for paddings). */
export function checkCount(name: string, value: number, min: number): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    const want = min === 0 ? "a non-negative integer" : `an integer >= ${min}`;
    throw new ConvError(`${name} must be ${want}, got ${String(value)}`);
  }
}

/**
 * Validates one axis and resolves it. The single error for impossible geometry
 * (the dilated kernel does not fit in the padded input) reads, for example:
 * `conv2dNHWC: kernel height 7 is larger than the padded input height 6 (input 6 + padding 0+0)`.
 *
 * @example
 * axisGeometry({ size: 56, kernel: 5, stride: 2, padBefore: 1, padAfter: 1 }).out; // 27
 * axisGeometry({ size: 10, kernel: 3, dilation: 2 }).out;                          // 6
 */
export function axisGeometry(input: AxisGeometryInput, context: GeometryContext = {}): AxisGeometry {
  const { size, kernel, stride = 1, dilation = 1, padBefore = 0, padAfter = 0 } = input;
  const name = context.axis ?? "size";
  checkCount(`input ${name}`, size, 1);
  checkCount(`kernel ${name}`, kernel, 1);
  checkCount("stride", stride, 1);
  checkCount("dilation", dilation, 1);
  checkCount("padding (before)", padBefore, 0);
  checkCount("padding (after)", padAfter, 0);
  const span = dilation * (kernel - 1) + 1;
  const padded = size + padBefore + padAfter;
  const g = { size, kernel, stride, dilation, padBefore, padAfter, span, padded };
  const out = largestRange(convIndex(g), "o", () => kernel, { lo: -padBefore, hi: size - 1 + padAfter });
  if (out === 0) {
    throw new ConvError(
      `${context.who ? `${context.who}: ` : ""}kernel ${name} ${kernel}${span !== kernel ? ` (spanning ${span} with dilation ${dilation})` : ""} ` +
        `is larger than the padded input ${name} ${padded} (input ${size} + padding ${padBefore}+${padAfter})` +
        (context.mode ? ` in "${context.mode}" mode` : "") +
        (context.hint ? `; ${context.hint}` : ""),
    );
  }
  return { ...g, out };
}

/**
 * The outputs `[first, end)` of an axis whose tap `k` reads a real input element
 * (not padding): `o` with `0 <= stride*o + dilation*k - padBefore < size`. Used by
 * the sub-matrix method to clip each tap's slab instead of padding.
 *
 * @example
 * insideOutputs(axisGeometry({ size: 5, kernel: 3, padBefore: 1, padAfter: 1 }), 0); // { first: 1, end: 5 }
 */
export function insideOutputs(g: AxisGeometry, k: number): { first: number; end: number } {
  // The index with k fixed is stride*o + (dilation*k - padBefore): the first o reaching 0,
  // then the largest range from there that stays below size.
  const shift = g.dilation * k - g.padBefore;
  const first = Math.min(g.out, Math.max(0, Math.ceil(-shift / g.stride)));
  const start = g.stride * first + shift;
  if (start >= g.size || first >= g.out) return { first, end: first };
  const count = largestRange({ terms: [{ label: "o", coef: g.stride }], constant: start }, "o", () => 1, { lo: 0, hi: g.size - 1 });
  return { first, end: Math.min(g.out, first + count) };
}

/** A named "same" convention: see {@link samePadding}. */
export type SameConvention = "correlate2d" | "tensorflow" | "scipy";

/**
 * Zeros before and after an axis under a "same" convention, each defined once here:
 * - `"correlate2d"`: `scipy.signal.correlate2d(mode="same")`, also TF's SAME at stride 1:
 *   `span-1` zeros in total, `floor((span-1)/2)` before, the extra zero of an even kernel
 *   after. Used by `convolve` (before its stride is applied).
 * - `"tensorflow"`: TF's SAME for any stride: output `ceil(size/stride)`, total padding
 *   `max((out-1)*stride + span - size, 0)`, the extra zero after. Used by `conv2dNHWC`;
 *   equal to `"correlate2d"` at stride 1.
 * - `"scipy"`: the N-D `scipy.signal.correlate(mode="same")`: the centred slice of the
 *   full correlation, so an even kernel gets its extra zero *before*. `correlate` and
 *   `fftconvolve` take their crop from the full result ({@link centeredStart}); this is
 *   that crop written as a padding.
 *
 * @example
 * samePadding("correlate2d", { size: 10, span: 4 }); // { before: 1, after: 2 }
 * samePadding("scipy", { size: 10, span: 4 });       // { before: 2, after: 1 }
 * samePadding("tensorflow", { size: 7, span: 3, stride: 2 }); // { before: 1, after: 1 }
 */
export function samePadding(
  convention: SameConvention,
  axis: { readonly size: number; readonly span: number; readonly stride?: number },
): { before: number; after: number } {
  const { size, span, stride = 1 } = axis;
  switch (convention) {
    case "correlate2d":
      return { before: Math.floor((span - 1) / 2), after: Math.ceil((span - 1) / 2) };
    case "scipy":
      return { before: Math.ceil((span - 1) / 2), after: Math.floor((span - 1) / 2) };
    case "tensorflow": {
      const total = Math.max((Math.ceil(size / stride) - 1) * stride + span - size, 0);
      return { before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
    }
    default:
      throw new ConvError(`unknown "same" convention ${JSON.stringify(convention)}`);
  }
}

/**
 * Start of the centred slice of length `wanted` in a result of length `current`
 * (numpy/scipy's `_centered`): the "same" and "valid" crops of `fftconvolve` and
 * `correlate`. With `current = n + span - 1` (the full result) and `wanted = n` this
 * is `floor((span-1)/2)`, the zeros a true convolution keeps before; a correlation
 * (flipped kernel) keeps `ceil((span-1)/2)`, which is {@link samePadding}'s `"scipy"`.
 */
export function centeredStart(current: number, wanted: number): number {
  return Math.floor((current - wanted) / 2);
}
