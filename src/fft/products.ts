/**
 * Pointwise products of spectra: the frequency-domain half of a convolution.
 */
import { ConvError } from "./errors";
import { Spectrum, lineStarts, rowMajorStrides, sizeOf } from "./layout";

/** Row-major strides of `shape`, zeroed on axes broadcast to a longer output axis. */
function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const strides = rowMajorStrides(shape);
  return strides.map((s, i) => (shape[i] === 1 && outShape[i] !== 1 ? 0 : s));
}

/**
 * Broadcast shape of two equal-rank shapes (numpy rules: equal or 1).
 *
 * @example broadcastShape([1, 4], [3, 4]) // [3, 4]
 */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new ConvError(`cannot broadcast rank ${a.length} with rank ${b.length}`);
  return a.map((d, i) => {
    const e = b[i];
    if (d !== e && d !== 1 && e !== 1) {
      throw new ConvError(`shapes [${a.join(", ")}] and [${b.join(", ")}] do not broadcast along axis ${i}`);
    }
    return d === 1 ? e : d;
  });
}

/**
 * New spectrum `A * B` (elementwise complex product) with numpy broadcasting
 * over length-1 axes. This is where two convolved inputs meet.
 *
 * @example multiplySpectra({ shape: [1], data: Float64Array.of(1, 2) }, { shape: [1], data: Float64Array.of(3, 4) })
 * // (1+2i)(3+4i) = -5+10i
 */
export function multiplySpectra(A: Spectrum, B: Spectrum): Spectrum {
  const shape = broadcastShape(A.shape, B.shape);
  const out = new Float64Array(2 * sizeOf(shape));
  if (out.length === 0) return { shape, data: out };
  const rank = shape.length;
  const last = rank - 1;
  const aStrides = broadcastStrides(A.shape, shape);
  const bStrides = broadcastStrides(B.shape, shape);
  const aStarts = lineStarts(shape, aStrides, 0, last);
  const bStarts = lineStarts(shape, bStrides, 0, last);
  const oStarts = lineStarts(shape, rowMajorStrides(shape), 0, last);
  const n = shape[last];
  const sa = 2 * aStrides[last];
  const sb = 2 * bStrides[last];
  const a = A.data;
  const b = B.data;
  for (let line = 0; line < oStarts.length; line++) {
    let p = 2 * aStarts[line];
    let q = 2 * bStarts[line];
    let o = 2 * oStarts[line];
    for (let k = 0; k < n; k++, p += sa, q += sb, o += 2) {
      const ar = a[p], ai = a[p + 1], br = b[q], bi = b[q + 1];
      out[o] = ar * br - ai * bi;
      out[o + 1] = ar * bi + ai * br;
    }
  }
  return { shape, data: out };
}

/**
 * `acc += sum_c X[c] * conj(K[c])` over the leading (channel) axis: the
 * frequency-domain form of a cross-correlation summed over depth. X has shape
 * (C, ...rest); K has shape (C, ...rest) or (1, ...rest) (one kernel reused for
 * every channel); acc has shape rest.
 */
export function accumulateCorrelation(acc: Spectrum, X: Spectrum, K: Spectrum): void {
  const plane = acc.data.length;
  const channels = X.shape[0];
  const kChannels = K.shape[0];
  if (X.data.length !== channels * plane || K.data.length !== kChannels * plane || (kChannels !== 1 && kChannels !== channels)) {
    throw new ConvError(
      `accumulateCorrelation: shapes [${X.shape.join(", ")}] and [${K.shape.join(", ")}] do not match accumulator [${acc.shape.join(", ")}]`,
    );
  }
  const out = acc.data;
  const x = X.data;
  const k = K.data;
  for (let c = 0; c < channels; c++) {
    const xo = c * plane;
    const ko = kChannels === 1 ? 0 : c * plane;
    for (let i = 0; i < plane; i += 2) {
      const xr = x[xo + i], xi = x[xo + i + 1], kr = k[ko + i], ki = k[ko + i + 1];
      // x * conj(k)
      out[i] += xr * kr + xi * ki;
      out[i + 1] += xi * kr - xr * ki;
    }
  }
}
