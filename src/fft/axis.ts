/**
 * 1-D transforms applied along one axis of an N-D array, line by line.
 *
 * Each function gathers lines into scratch buffers (zero-padding them to the
 * transform size), runs fft.js, and scatters the results into a NEW row-major
 * array: the output always differs in size from the input along the axis, so a
 * copy is inherent. Other axes are batch axes and keep their lengths.
 *
 * Lines are processed a block at a time (see `Plan.block`), gathering and
 * scattering element k of every line in the block together: for lines that
 * sit side by side in memory (columns of a row-major array, channels of a
 * channel-last image) each cache line is then touched once per block.
 */
import { ConvError } from "./errors";
import { IndexRange } from "./sizes";
import { FFTPlans } from "./plan";
import { RealView, Spectrum, batchOrder, lineStarts, rowMajorStrides, sizeOf, withAxis } from "./layout";

/** A row-major real N-D array (the result of an inverse real transform). */
export interface RealArray {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

function checkAxis(rank: number, axis: number): void {
  if (!Number.isInteger(axis) || axis < 0 || axis >= rank) {
    throw new ConvError(`axis ${axis} is out of range for an array of rank ${rank}`);
  }
}

function fullRange(n: number): IndexRange {
  return { start: 0, length: n, step: 1 };
}

function checkRange(range: IndexRange, n: number): void {
  const last = range.start + (range.length - 1) * range.step;
  if (range.length < 0 || range.step < 1 || range.start < 0 || (range.length > 0 && last >= n)) {
    throw new ConvError(`crop ${JSON.stringify(range)} does not fit in a transform of length ${n}`);
  }
}

/** Input/output line starts of a pass over a row-major array, paired by index. */
function rowMajorLines(inShape: readonly number[], outShape: readonly number[], axis: number): { from: Float64Array; to: Float64Array } {
  return {
    from: lineStarts(inShape, rowMajorStrides(inShape), 0, axis),
    to: lineStarts(outShape, rowMajorStrides(outShape), 0, axis),
  };
}

/**
 * Forward transform of REAL data along `axis`, zero-padded (or cropped) to `n`
 * samples, using fft.js's real-input transform. Keeps the non-redundant half:
 * the output has `n/2 + 1` bins along `axis` (numpy's `rfft`).
 *
 * @example
 * // x: ndarray of shape (3, 5) -> spectrum of shape (3, 5) for n = 8
 * const s = rfftAxis(x, 1, 8, new FFTPlans());
 */
export function rfftAxis(x: RealView, axis: number, n: number, plans: FFTPlans): Spectrum {
  checkAxis(x.shape.length, axis);
  const plan = plans.get(n);
  const half = n / 2 + 1;
  const len = Math.min(x.shape[axis], n);
  const outShape = withAxis(x.shape, axis, half);
  const out = new Float64Array(2 * sizeOf(outShape));
  const outStride = 2 * rowMajorStrides(outShape)[axis];
  // Enumerate lines in the input's memory order; outputs go to their row-major place.
  const order = batchOrder(x.shape, x.stride, axis);
  const from = lineStarts(x.shape, x.stride, x.offset, axis, order);
  const to = lineStarts(outShape, rowMajorStrides(outShape), 0, axis, order);
  const src = x.data;
  const inStride = x.stride[axis];
  const { real, output, realLines, outputLines, block } = plan;
  // Padding tails stay zero: only [0, len) of each scratch line is rewritten.
  for (let b = 0; b < block; b++) real.fill(0, b * n + len, (b + 1) * n);
  const n2 = 2 * n;
  for (let l0 = 0; l0 < from.length; l0 += block) {
    const nb = Math.min(block, from.length - l0);
    for (let k = 0, off = 0; k < len; k++, off += inStride) {
      for (let b = 0, r = k; b < nb; b++, r += n) real[r] = src[from[l0 + b] + off];
    }
    for (let b = 0; b < nb; b++) plan.fft.realTransform(outputLines[b], realLines[b]);
    for (let k = 0, off = 0; k < 2 * half; k += 2, off += outStride) {
      for (let b = 0, r = k; b < nb; b++, r += n2) {
        const q = 2 * to[l0 + b] + off;
        out[q] = output[r];
        out[q + 1] = output[r + 1];
      }
    }
  }
  return { shape: outShape, data: out };
}

/**
 * Complex forward (or inverse, divided by n) transform along `axis`, input
 * zero-padded (or cropped) to `n`. `crop` keeps only some output indices
 * (default all n), which lets later passes skip lines nobody will read.
 *
 * @example
 * const s2 = fftAxis(s, 0, 16, plans, { inverse: false });
 */
export function fftAxis(
  s: Spectrum,
  axis: number,
  n: number,
  plans: FFTPlans,
  opts: { inverse: boolean; crop?: IndexRange },
): Spectrum {
  checkAxis(s.shape.length, axis);
  const crop = opts.crop ?? fullRange(n);
  checkRange(crop, n);
  const plan = plans.get(n);
  const len = Math.min(s.shape[axis], n);
  const outShape = withAxis(s.shape, axis, crop.length);
  const out = new Float64Array(2 * sizeOf(outShape));
  const inStride = 2 * rowMajorStrides(s.shape)[axis];
  const outStride = 2 * rowMajorStrides(outShape)[axis];
  const { from, to } = rowMajorLines(s.shape, outShape, axis);
  const src = s.data;
  const { input, output, inputLines, outputLines, block } = plan;
  const n2 = 2 * n;
  for (let b = 0; b < block; b++) input.fill(0, b * n2 + 2 * len, (b + 1) * n2);
  const first = 2 * crop.start, jump = 2 * crop.step;
  for (let l0 = 0; l0 < from.length; l0 += block) {
    const nb = Math.min(block, from.length - l0);
    for (let k = 0, off = 0; k < 2 * len; k += 2, off += inStride) {
      for (let b = 0, r = k; b < nb; b++, r += n2) {
        const p = 2 * from[l0 + b] + off;
        input[r] = src[p];
        input[r + 1] = src[p + 1];
      }
    }
    for (let b = 0; b < nb; b++) {
      if (opts.inverse) plan.fft.inverseTransform(outputLines[b], inputLines[b]);
      else plan.fft.transform(outputLines[b], inputLines[b]);
    }
    for (let j = 0, k = first, off = 0; j < crop.length; j++, k += jump, off += outStride) {
      for (let b = 0, r = k; b < nb; b++, r += n2) {
        const q = 2 * to[l0 + b] + off;
        out[q] = output[r];
        out[q + 1] = output[r + 1];
      }
    }
  }
  return { shape: outShape, data: out };
}

/**
 * Inverse of {@link rfftAxis}: half spectra along `axis` (bins 0..n/2; missing
 * bins read as zero) -> real signals of length `n` (or the `crop` of them),
 * divided by n (numpy's `irfft`). The imaginary parts of bins 0 and n/2 are
 * ignored, as numpy does.
 *
 * fft.js has no real inverse, so two lines go through one complex inverse:
 * with Z = A + iB for the Hermitian extensions A, B of two half spectra,
 * ifft(Z) = a + ib with a, b real, so each complex transform yields two rows.
 *
 * @example
 * const x = irfftAxis(rfftAxis(v, 0, 8, plans), 0, 8, plans); // v zero-padded to 8
 */
export function irfftAxis(
  s: Spectrum,
  axis: number,
  n: number,
  plans: FFTPlans,
  crop: IndexRange = fullRange(n),
): RealArray {
  checkAxis(s.shape.length, axis);
  checkRange(crop, n);
  const plan = plans.get(n);
  const halfN = n / 2;
  const bins = Math.min(s.shape[axis], halfN + 1);
  const outShape = withAxis(s.shape, axis, crop.length);
  const out = new Float64Array(sizeOf(outShape));
  const inStride = 2 * rowMajorStrides(s.shape)[axis];
  const outStride = rowMajorStrides(outShape)[axis];
  const { from, to } = rowMajorLines(s.shape, outShape, axis);
  const src = s.data;
  const { input, output, inputLines, outputLines, block } = plan;
  const n2 = 2 * n;
  const lines = from.length;
  // Line 2b of a block goes to the real part of transform b, line 2b+1 to its imaginary part.
  for (let l0 = 0; l0 < lines; l0 += 2 * block) {
    const nb = Math.min(block, Math.ceil((lines - l0) / 2));
    for (let k = 0; k < n; k++) {
      const mirrored = k > halfN;
      const j = mirrored ? n - k : k;
      const zeroImag = j === 0 || j === halfN;
      const sign = mirrored ? -1 : 1;
      for (let b = 0, r = 2 * k; b < nb; b++, r += n2) {
        const line = l0 + 2 * b;
        let ar = 0, ai = 0, br = 0, bi = 0;
        if (j < bins) {
          const pa = 2 * from[line] + j * inStride;
          ar = src[pa];
          ai = zeroImag ? 0 : sign * src[pa + 1];
          if (line + 1 < lines) {
            const pb = 2 * from[line + 1] + j * inStride;
            br = src[pb];
            bi = zeroImag ? 0 : sign * src[pb + 1];
          }
        }
        input[r] = ar - bi;
        input[r + 1] = ai + br;
      }
    }
    for (let b = 0; b < nb; b++) plan.fft.inverseTransform(outputLines[b], inputLines[b]);
    for (let j = 0, k = 2 * crop.start, off = 0; j < crop.length; j++, k += 2 * crop.step, off += outStride) {
      for (let b = 0, r = k; b < nb; b++, r += n2) {
        const line = l0 + 2 * b;
        out[to[line] + off] = output[r];
        if (line + 1 < lines) out[to[line + 1] + off] = output[r + 1];
      }
    }
  }
  return { shape: outShape, data: out };
}

/**
 * Copy of `s` keeping only `range` along `axis` (used to crop batch axes
 * before transforming, so no work is spent on discarded lines).
 */
export function cropAxis(s: Spectrum, axis: number, range: IndexRange): Spectrum {
  checkAxis(s.shape.length, axis);
  checkRange(range, s.shape[axis]);
  const outShape = withAxis(s.shape, axis, range.length);
  const out = new Float64Array(2 * sizeOf(outShape));
  const inStride = 2 * rowMajorStrides(s.shape)[axis];
  const outStride = 2 * rowMajorStrides(outShape)[axis];
  const { from, to } = rowMajorLines(s.shape, outShape, axis);
  for (let line = 0; line < from.length; line++) {
    let p = 2 * from[line] + range.start * inStride;
    let q = 2 * to[line];
    for (let j = 0; j < range.length; j++, p += range.step * inStride, q += outStride) {
      out[q] = s.data[p];
      out[q + 1] = s.data[p + 1];
    }
  }
  return { shape: outShape, data: out };
}
