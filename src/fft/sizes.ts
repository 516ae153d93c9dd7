/**
 * Transform-size choices. fft.js only implements power-of-two sizes (and not
 * size 1), so every padded length here is a power of two >= 2.
 */
import { ConvError } from "./errors";

/**
 * Smallest power of two >= n (n >= 1).
 *
 * @example nextPow2(5) // 8
 * @example nextPow2(8) // 8
 */
export function nextPow2(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new ConvError(`nextPow2: expected a positive integer, got ${n}`);
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** True when n is a power of two that fft.js accepts (n >= 2). */
export function isFFTSize(n: number): boolean {
  return Number.isInteger(n) && n >= 2 && (n & (n - 1)) === 0;
}

/**
 * Transform length to use for a line that must hold at least `minLength`
 * samples: the next power of two, at least 2 (fft.js rejects size 1).
 *
 * Why powers of two and not "next fast length" as scipy does: fft.js has
 * radix-2/4 kernels only. Padding to the next power of two costs at most a
 * factor 2 per axis; the mode-aware minimum from {@link circularLength} keeps
 * that minimum as small as the wanted outputs allow.
 *
 * @example fftSize(1) // 2
 * @example fftSize(264) // 512
 */
export function fftSize(minLength: number): number {
  return Math.max(2, nextPow2(Math.max(1, minLength)));
}

/** A range of output indices along one axis: `start, start+step, ...` (`length` of them). */
export interface IndexRange {
  start: number;
  length: number;
  step: number;
}

/**
 * Minimum circular-convolution length along one axis so that the wanted slice
 * of the LINEAR convolution of lengths `n1` and `n2` comes out free of
 * wrap-around.
 *
 * The linear result has `full = n1 + n2 - 1` samples; a circular one of length
 * N folds samples `N..full-1` onto `0..full-1-N`. The wanted slice
 * `[start, start + span)` is clean when it lies below N and above the folded
 * part, i.e. N >= max(start + span, full - start). Both inputs must also fit.
 * For "full" this is n1+n2-1; for "valid" (n1 >= n2) it is only n1, which
 * halves the padded size per axis compared with padding for the full result.
 *
 * @example circularLength(256, 9, { start: 8, span: 248 }) // 256 (valid)
 * @example circularLength(256, 9, { start: 0, span: 264 }) // 264 (full)
 */
export function circularLength(n1: number, n2: number, wanted: { start: number; span: number }): number {
  const full = n1 + n2 - 1;
  return Math.max(n1, n2, wanted.start + wanted.span, full - wanted.start);
}
