/**
 * N-D transforms composed axis by axis from the 1-D passes in `axis.ts`.
 *
 * Forward real transforms run the real-input pass first (on the last listed
 * axis, numpy's convention) so the complex passes see half as many lines, and
 * every pass only visits lines that exist in the unpadded input along the axes
 * not yet transformed. Inverse transforms run the complex passes first and the
 * real pass last, cropping each axis as soon as it is done so the following
 * passes skip discarded lines.
 */
import ndarray from "ndarray";
import { displayable } from "../display_hook";
import type { NdArray } from "ndarray";
import { ConvError } from "./errors";
import { FFTPlans } from "./plan";
import { IndexRange, isFFTSize } from "./sizes";
import { RealView, Spectrum } from "./layout";
import { cropAxis, fftAxis, irfftAxis, rfftAxis } from "./axis";

/** Per-array-axis crop of an inverse transform's output (undefined = keep all). */
export type Crop = ReadonlyArray<IndexRange | undefined>;

function checkAxesAndSizes(rank: number, axes: readonly number[], sizes: readonly number[]): void {
  if (axes.length === 0) throw new ConvError("at least one axis must be transformed");
  if (axes.length !== sizes.length) {
    throw new ConvError(`got ${axes.length} axes but ${sizes.length} sizes`);
  }
  const seen = new Set<number>();
  for (const a of axes) {
    if (!Number.isInteger(a) || a < 0 || a >= rank) throw new ConvError(`axis ${a} is out of range for rank ${rank}`);
    if (seen.has(a)) throw new ConvError(`axis ${a} is listed twice`);
    seen.add(a);
  }
  for (const n of sizes) {
    if (!isFFTSize(n)) throw new ConvError(`transform sizes must be powers of two >= 2 (fft.js), got ${n}`);
  }
}

/**
 * N-D forward transform of real data over `axes`, each zero-padded to the
 * matching entry of `sizes` (powers of two). The last listed axis gets the
 * real-input transform and keeps `size/2 + 1` bins (numpy's `rfftn`).
 *
 * @example
 * // x: (h, w, c) view; 2-D spectra of every channel, shape (16, 9, c)
 * const X = rfftn(x, [0, 1], [16, 16]);
 */
export function rfftn(
  x: RealView,
  axes: readonly number[],
  sizes: readonly number[],
  plans: FFTPlans = new FFTPlans(),
): Spectrum {
  checkAxesAndSizes(x.shape.length, axes, sizes);
  const last = axes.length - 1;
  let s = rfftAxis(x, axes[last], sizes[last], plans);
  for (let i = last - 1; i >= 0; i--) s = fftAxis(s, axes[i], sizes[i], plans, { inverse: false });
  return s;
}

/**
 * Inverse of {@link rfftn}: `s` holds half spectra along the last listed axis
 * (`sizes[last]/2 + 1` bins) and full spectra along the other listed axes.
 * Returns a new contiguous float64 ndarray, optionally cropped per axis
 * (`crop[axis]`, for transformed and batch axes alike).
 *
 * @example
 * const y = irfftn(X, [0, 1], [16, 16], [{ start: 2, length: 8, step: 1 }, undefined]);
 */
export function irfftn(
  s: Spectrum,
  axes: readonly number[],
  sizes: readonly number[],
  crop: Crop = [],
  plans: FFTPlans = new FFTPlans(),
): NdArray<Float64Array> {
  const rank = s.shape.length;
  checkAxesAndSizes(rank, axes, sizes);
  const transformed = new Set(axes);
  for (let a = 0; a < rank; a++) {
    const range = crop[a];
    if (range !== undefined && !transformed.has(a)) s = cropAxis(s, a, range);
  }
  const last = axes.length - 1;
  for (let i = 0; i < last; i++) {
    s = fftAxis(s, axes[i], sizes[i], plans, { inverse: true, crop: crop[axes[i]] });
  }
  const realAxis = axes[last];
  const out = irfftAxis(s, realAxis, sizes[last], plans, crop[realAxis]);
  return displayable(ndarray(out.data, [...out.shape]));
}

/**
 * Complex N-D transform (forward, or inverse divided by the sizes) over `axes`,
 * each zero-padded/cropped to `sizes`.
 *
 * @example
 * const back = fftn(fftn(s, [0, 1], [8, 8]), [0, 1], [8, 8], { inverse: true });
 */
export function fftn(
  s: Spectrum,
  axes: readonly number[],
  sizes: readonly number[],
  opts: { inverse?: boolean; plans?: FFTPlans } = {},
): Spectrum {
  checkAxesAndSizes(s.shape.length, axes, sizes);
  const plans = opts.plans ?? new FFTPlans();
  for (let i = 0; i < axes.length; i++) s = fftAxis(s, axes[i], sizes[i], plans, { inverse: opts.inverse ?? false });
  return s;
}
