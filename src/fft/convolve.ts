/**
 * N-D convolution and cross-correlation with scipy.signal's semantics
 * (`fftconvolve`, `correlate`), computed with fft.js.
 */
import ndarray from "ndarray";
import { displayable } from "../display_hook";
import type { NdArray } from "ndarray";
import type { Tensor } from "../types";
import { ConvError, assertConvOperand } from "./errors";
import { checkIntegerList, checkOptionKeys, describe } from "../validate";
import { FFTPlans } from "./plan";
import { IndexRange, circularLength, fftSize } from "./sizes";
import { RealView, sizeOf } from "./layout";
import { rfftn, irfftn } from "./nd";
import { multiplySpectra } from "./products";
import { directConvolve } from "./direct";
import { centeredStart } from "../geometry";
import { conv2dFFT } from "../conv/fft/conv2d";
import { pad } from "../views/pad";

/** Output extent of a convolution, as in numpy/scipy. */
export type ConvMode = "full" | "same" | "valid";

/** Options of {@link fftconvolve}. */
export interface FFTConvolveOptions {
  /** "full" (default), "same" (centred, size of `a`) or "valid" (no zero-padded samples). */
  mode?: ConvMode;
  /** Axes to convolve over (default all, negative counts from the end); the others broadcast. */
  axes?: number | readonly number[];
  /** FFT cache to reuse across calls; a fresh one per call otherwise. */
  plans?: FFTPlans;
}

/** Options of {@link correlate}. */
export interface CorrelateOptions {
  mode?: ConvMode;
  /** "fft", "direct" (nested loops) or "auto" (default: cheaper by an operation count). */
  method?: "auto" | "fft" | "direct";
  plans?: FFTPlans;
}

/** What to compute along each axis: which axes are convolved, and the output slice. */
interface ConvPlan {
  /** The inputs in the order used (scipy swaps them for "valid" when b is the larger). */
  a: RealView;
  b: RealView;
  /** Convolved axes, ascending. */
  axes: number[];
  /** Slice of the full (or broadcast) result kept along every axis. */
  crop: IndexRange[];
}

const MODES: readonly ConvMode[] = ["full", "same", "valid"];

function checkMode(mode: string): asserts mode is ConvMode {
  if (!(MODES as readonly string[]).includes(mode)) {
    throw new ConvError(`mode must be "full", "same" or "valid", got ${describe(mode)}`);
  }
}

function normalizeAxes(axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = checkIntegerList(axes, "axes", -Infinity, ConvError);
  if (list.length === 0) throw new ConvError("axes, when given, cannot be empty");
  const seen = new Set<number>();
  for (const raw of list) {
    if (!Number.isInteger(raw) || raw < -rank || raw >= rank) {
      throw new ConvError(`axis ${raw} is out of range for arrays of rank ${rank}`);
    }
    const a = raw < 0 ? raw + rank : raw;
    if (seen.has(a)) throw new ConvError(`axis ${raw} is listed twice`);
    seen.add(a);
  }
  return [...seen].sort((x, y) => x - y);
}

/** "valid" needs one input at least as large as the other on every convolved axis. */
function swapForValid(s1: readonly number[], s2: readonly number[], axes: readonly number[]): boolean {
  const ok1 = axes.every((i) => s1[i] >= s2[i]);
  const ok2 = axes.every((i) => s2[i] >= s1[i]);
  if (!ok1 && !ok2) {
    throw new ConvError(
      `in "valid" mode one input must be at least as large as the other along every convolved axis; ` +
        `got shapes [${s1.join(", ")}] and [${s2.join(", ")}]`,
    );
  }
  return !ok1;
}

function centered(current: number, wanted: number): IndexRange {
  return { start: centeredStart(current, wanted), length: wanted, step: 1 };
}

/**
 * scipy's argument handling: axes where either input has length 1 are not
 * convolved but broadcast (same result, no transform), other unconvolved axes
 * must match or be 1, and "valid" swaps the inputs when b is larger.
 */
function planConvolution(a0: RealView, b0: RealView, mode: ConvMode, axesOpt: number | readonly number[] | undefined): ConvPlan {
  const rank = a0.shape.length;
  const requested = normalizeAxes(axesOpt, rank);
  const axes = requested.filter((i) => a0.shape[i] !== 1 && b0.shape[i] !== 1);
  for (let i = 0; i < rank; i++) {
    const d1 = a0.shape[i], d2 = b0.shape[i];
    if (!axes.includes(i) && d1 !== d2 && d1 !== 1 && d2 !== 1) {
      throw new ConvError(
        `shapes [${a0.shape.join(", ")}] and [${b0.shape.join(", ")}] differ along axis ${i}, ` +
          `which is not convolved (sizes must match or be 1)`,
      );
    }
  }
  const swap = mode === "valid" && swapForValid(a0.shape, b0.shape, axes);
  const a = swap ? b0 : a0;
  const b = swap ? a0 : b0;
  const crop = a.shape.map((n1, i): IndexRange => {
    const n2 = b.shape[i];
    const conv = axes.includes(i);
    const length = conv ? n1 + n2 - 1 : Math.max(n1, n2);
    if (mode === "same") return centered(length, n1);
    if (mode === "valid" && conv) return centered(length, n1 - n2 + 1);
    return { start: 0, length, step: 1 };
  });
  return { a, b, axes, crop };
}

function emptyOrScalar(a: Tensor, b: Tensor, name: string): NdArray<Float64Array> | undefined {
  if (a.shape.length !== b.shape.length) {
    throw new ConvError(`${name}: inputs must have the same rank, got shapes [${a.shape.join(", ")}] and [${b.shape.join(", ")}]`);
  }
  if (a.shape.length === 0) return displayable(ndarray(Float64Array.of(a.data[a.offset] * b.data[b.offset]), []));
  // scipy returns an empty 1-D array when either input is empty.
  if (sizeOf(a.shape) === 0 || sizeOf(b.shape) === 0) return displayable(ndarray(new Float64Array(0), [0]));
  return undefined;
}

function fftFromPlan(p: ConvPlan, plans: FFTPlans): NdArray<Float64Array> {
  if (p.axes.length === 0) return directConvolve(p.a, p.b, p.axes, p.crop);
  const planar = planeConvolve(p, plans);
  if (planar !== undefined) return planar;
  const sizes = p.axes.map((i) =>
    fftSize(circularLength(p.a.shape[i], p.b.shape[i], { start: p.crop[i].start, span: p.crop[i].length })),
  );
  const A = rfftn(p.a, p.axes, sizes, plans);
  const B = rfftn(p.b, p.axes, sizes, plans);
  return irfftn(multiplySpectra(A, B), p.axes, sizes, p.crop, plans);
}

/**
 * 2-D convolutions over both axes through conv2dFFT's plane engine (real row
 * transforms, fused column passes, overlap-save blocks; src/fft/plane.ts), which
 * beats the N-D path 1.8x at 256² (3.3 vs 1.8 ms, f 9). conv2dFFT is a valid
 * correlation, so the kernel is b reversed (a view) and the data is the part of a,
 * zero-padded, that the kept outputs `p.crop` (indices of the full convolution)
 * read: windows start at crop.start - (nb - 1). The padding is a copy (none for
 * "valid"). Other ranks and axes take the N-D path (undefined here).
 */
function planeConvolve(p: ConvPlan, plans: FFTPlans): NdArray<Float64Array> | undefined {
  if (p.a.shape.length !== 2 || p.axes.length !== 2 || p.crop.some((r) => r.step !== 1 || r.length === 0)) return undefined;
  const widths = p.crop.map((r, i): [number, number] => {
    const nb = p.b.shape[i];
    const first = r.start - (nb - 1);
    return [Math.max(0, -first), Math.max(0, first + r.length + nb - 1 - p.a.shape[i])];
  });
  // The rows and columns of (zero-padded) a that the kept windows cover.
  const a = ndarray(p.a.data as Float64Array, [...p.a.shape], [...p.a.stride], p.a.offset);
  const padded = widths.some(([lo, hi]) => lo > 0 || hi > 0) ? pad(a, widths) : a;
  const origin = p.crop.map((r, i) => r.start - (p.b.shape[i] - 1) + widths[i][0]);
  const span = p.crop.map((r, i) => r.length + p.b.shape[i] - 1);
  const data = ndarray(padded.data as Float64Array, span, [...padded.stride], padded.offset + origin[0] * padded.stride[0] + origin[1] * padded.stride[1]);
  const b = reversed(p.b);
  const kernel = ndarray(b.data as Float64Array, [...b.shape], [...b.stride], b.offset);
  return conv2dFFT(data, kernel, { stride: [1, 1], plans });
}

/**
 * Convolution of two N-D arrays by FFT, like `scipy.signal.fftconvolve`: a TRUE
 * convolution (b is flipped), over all axes or over `axes`.
 *
 * - mode "full": every overlap, length n1 + n2 - 1 per convolved axis;
 *   "same": the centred slice of a's size (scipy.signal's convention, `centeredStart` in
 *   src/geometry.ts: the slice starts at floor((n2-1)/2)); "valid": only full overlaps,
 *   |n1 - n2| + 1 (the inputs are swapped if b is larger on every axis, and
 *   mixed sizes are an error).
 * - Unconvolved axes broadcast (equal sizes or 1); so do convolved axes where
 *   an input has length 1, as in scipy.
 * - Inputs may be any strided views; the result is a new contiguous float64
 *   ndarray. Rank-0 inputs multiply; an empty input gives an empty [0] array.
 *
 * Transform lengths: per axis, the next power of two holding the wanted
 * output without wrap-around (see `circularLength`): n1+n2-1 for "full", only
 * max(n1, n2) for "valid".
 *
 * @example
 * const y = fftconvolve(ndarray([1, 2, 3]), ndarray([0, 1, 0.5])); // [0, 1, 2.5, 4, 1.5]
 * @example
 * // per-row 1-D convolution of a (4, 100) array with a (1, 9) filter
 * const rows = fftconvolve(x, h, { mode: "same", axes: [1] });
 */
export function fftconvolve(a: Tensor, b: Tensor, opts: FFTConvolveOptions = {}): NdArray<Float64Array> {
  assertConvOperand(a, "fftconvolve: a");
  assertConvOperand(b, "fftconvolve: b");
  opts ??= {};
  checkOptionKeys(opts, ["mode", "axes", "plans"], "fftconvolve", ConvError);
  const mode = opts.mode ?? "full";
  checkMode(mode);
  const early = emptyOrScalar(a, b, "fftconvolve");
  if (early !== undefined) return early;
  return fftFromPlan(planConvolution(a, b, mode, opts.axes), opts.plans ?? new FFTPlans());
}

/** b reversed along every axis: a zero-copy view with negated strides. */
function reversed(b: RealView): RealView {
  let offset = b.offset;
  for (let i = 0; i < b.shape.length; i++) if (b.shape[i] > 0) offset += (b.shape[i] - 1) * b.stride[i];
  return { data: b.data, shape: b.shape, stride: b.stride.map((s) => -s), offset };
}

/**
 * Cross-correlation like `scipy.signal.correlate` (real data):
 * `z[k] = sum_n a[n + k - (nb - 1)] * b[n]` in "full" mode, i.e. the
 * convolution of a with b reversed, then cropped by `mode` exactly as
 * {@link fftconvolve} crops ("same" keeps a's size, centred). For "same" this is the
 * `"scipy"` convention of `samePadding` (src/geometry.ts): an even-length b gets its extra
 * zero *before* a, unlike `convolve`'s `"correlate2d"` convention, which puts it after.
 *
 * `method` "auto" takes the direct sum when its multiply count
 * (output size x kernel size) is below a rough FFT cost, else the FFT.
 * Unlike scipy, integer inputs are not rounded: the result is always float64.
 *
 * @example
 * correlate(ndarray([1, 2, 3]), ndarray([0, 1, 0.5])); // [0.5, 2, 3.5, 3, 0]
 */
export function correlate(a: Tensor, b: Tensor, opts: CorrelateOptions = {}): NdArray<Float64Array> {
  assertConvOperand(a, "correlate: a");
  assertConvOperand(b, "correlate: b");
  opts ??= {};
  checkOptionKeys(opts, ["mode", "method", "plans"], "correlate", ConvError);
  const mode = opts.mode ?? "full";
  checkMode(mode);
  const method = opts.method ?? "auto";
  if (method !== "auto" && method !== "fft" && method !== "direct") {
    throw new ConvError(`method must be "auto", "fft" or "direct", got ${describe(method)}`);
  }
  const early = emptyOrScalar(a, b, "correlate");
  if (early !== undefined) return early;
  // scipy.signal.correlate checks "valid" sizes on every axis, length-1 axes included.
  if (mode === "valid") swapForValid(a.shape, b.shape, a.shape.map((_, i) => i));
  const p = planConvolution(a, reversed(b), mode, undefined);
  const useDirect = method === "direct" || (method === "auto" && directIsCheaper(p));
  return useDirect ? directConvolve(p.a, p.b, p.axes, p.crop) : fftFromPlan(p, opts.plans ?? new FFTPlans());
}

/**
 * Rough operation counts: one multiply-add per (output, kernel tap) for the
 * direct sum against ~3 transforms of the padded volume for the FFT
 * (constants in the spirit of scipy's `choose_conv_method`, not fitted).
 */
function directIsCheaper(p: ConvPlan): boolean {
  const out = sizeOf(p.crop.map((r) => r.length));
  const taps = sizeOf(p.axes.map((i) => Math.min(p.a.shape[i], p.b.shape[i])));
  let padded = 1;
  for (let i = 0; i < p.a.shape.length; i++) {
    const conv = p.axes.includes(i);
    padded *= conv ? fftSize(p.a.shape[i] + p.b.shape[i] - 1) : Math.max(p.a.shape[i], p.b.shape[i]);
  }
  return out * taps < 3 * 4 * padded * Math.log2(Math.max(2, padded));
}
