/**
 * A 2-D real correlation engine over fft.js, built around one layout: the
 * TRANSPOSED HALF SPECTRUM. A plane of n0 x n1 real samples is stored after its
 * row transforms as `bins = n1/2 + 1` columns of n0 complex numbers, column j
 * contiguous (element (m0, j) at `2 * (j * n0 + m0)`). Why:
 *
 * - Rows are real, so only the n1/2 + 1 non-redundant bins are kept (the column
 *   pass has n1/2 + 1 columns, not n1), and two rows share one complex fft.js
 *   transform (cheaper than two real ones), split afterwards.
 * - Columns are contiguous, so the column pass hands each column to fft.js
 *   as is (no strided gather per column). The transpose happens once, in the
 *   row pass, a block of rows at a time (`ROW_BLOCK` rows give 2 * ROW_BLOCK
 *   contiguous doubles per bin, whole cache lines).
 * - One pass per column ({@link accumulateColumns}) does the data's column
 *   transform, the product with the kernel summed over terms (channels,
 *   polyphase pairs) and, on the last term, the inverse column transform, so
 *   a column stays in L1 from forward to inverse.
 * - The inverse never calls fft.js's `inverseTransform` (slower than the
 *   forward one: a separate scaling loop). ifft(v) = conj(fft(conj v)) / n, so
 *   the products are formed conjugated and pre-scaled by 1 / (n0 * n1) (a power
 *   of two: exact), the inverse column transform is a forward one, and
 *   {@link inverseRows} packs two real output rows into one forward transform.
 *
 * Every pass is a function of a plain index range (rows, bins, or output rows)
 * that writes only its own part of the output, with its own scratch: the jobs
 * are independent, so a worker pool can split any pass by range, and rows are
 * paired by index (2q, 2q + 1), so results are the same bit for bit for any split.
 *
 * Copies: the row pass copies the (strided) input into transform scratch and
 * its spectra into the transposed buffer; the column and inverse passes copy
 * columns into and out of scratch. Nothing reads the input view after the row pass.
 */
import { FFTPlans } from "./plan";
import { IndexRange } from "./sizes";
import { RealView } from "./layout";

/** Rows transformed before their spectra are transposed into the column layout. */
const ROW_BLOCK = 8;

/** Half-open range [start, end) of rows, bins or output rows handled by one job. */
export interface JobRange {
  start: number;
  end: number;
}

/** Geometry of a transposed half spectrum: n0 x n1 transform, `bins` = n1/2 + 1 columns. */
export interface PlaneSize {
  readonly n0: number;
  readonly n1: number;
}

/** Number of columns (bins) of the transposed half spectrum of an n0 x n1 transform. */
export function planeBins(size: PlaneSize): number {
  return size.n1 / 2 + 1;
}

/** A zeroed transposed half spectrum (2 * bins * n0 doubles). */
export function newPlaneSpectrum(size: PlaneSize): Float64Array {
  return new Float64Array(2 * planeBins(size) * size.n0);
}

/**
 * Row pass: rows `range` of the 2-D real view `x` (shape [h, w], any strides;
 * rows past n0 and samples past n1 are cropped, shorter rows zero-padded) are
 * transformed to length n1 and their half spectra written, transposed, into
 * `out` (a transposed half spectrum). Rows of `out` outside the view's rows are
 * not written: `out` must be zero there (fresh, or cleared by the caller).
 *
 * Two real rows go through one complex transform (z = a + i b; A[m] = (Z[m] +
 * conj Z[-m]) / 2, B[m] = (Z[m] - conj Z[-m]) / 2i), cheaper in fft.js than two
 * real transforms. Rows pair as (2q, 2q + 1) whatever the range (a row past the
 * view pairs as zeros), so results do not depend on how rows are split into jobs.
 *
 * @example
 * const T = newPlaneSpectrum({ n0: 8, n1: 8 });
 * rowSpectra(view, { n0: 8, n1: 8 }, plans, T, { start: 0, end: view.shape[0] });
 */
export function rowSpectra(x: RealView, size: PlaneSize, plans: FFTPlans, out: Float64Array, range: JobRange): void {
  const { n0, n1 } = size;
  const half = n1 / 2;
  const fft = plans.get(n1).fft;
  const rows = Math.min(x.shape[0], n0);
  const end = Math.min(range.end, rows);
  const len = Math.min(x.shape[1], n1);
  const [s0, s1] = x.stride;
  const src = x.data;
  const pairs = ROW_BLOCK / 2;
  const packed = new Float64Array(pairs * 2 * n1);
  const spec = new Float64Array(pairs * 2 * n1);
  const packedLines = Array.from({ length: pairs }, (_, b) => packed.subarray(2 * b * n1, 2 * (b + 1) * n1));
  const specLines = Array.from({ length: pairs }, (_, b) => spec.subarray(2 * b * n1, 2 * (b + 1) * n1));
  const n2 = 2 * n1, col = 2 * n0;
  for (let r0 = range.start - (range.start % 2); r0 < end; r0 += ROW_BLOCK) {
    const np = Math.min(pairs, Math.ceil((end - r0) / 2));
    for (let b = 0; b < np; b++) {
      // Zero tail [2 len, 2 n1) stays zero: only [0, 2 len) is ever written.
      const line = packedLines[b];
      const ra = r0 + 2 * b;
      let p = x.offset + ra * s0;
      for (let k = 0; k < 2 * len; k += 2, p += s1) line[k] = src[p];
      if (ra + 1 < rows) {
        p = x.offset + (ra + 1) * s0;
        for (let k = 1; k < 2 * len; k += 2, p += s1) line[k] = src[p];
      } else {
        for (let k = 1; k < 2 * len; k += 2) line[k] = 0;
      }
      fft.transform(specLines[b], line);
    }
    // Split each packed spectrum and transpose: bin m of rows r0.. are neighbours in column m.
    for (let m = 0, q0 = 2 * r0; m <= half; m++, q0 += col) {
      const mm = m === 0 ? 0 : 2 * (n1 - m);
      for (let b = 0, o = 0, q = q0; b < np; b++, o += n2, q += 4) {
        const zr = spec[o + 2 * m], zi = spec[o + 2 * m + 1], wr = spec[o + mm], wi = spec[o + mm + 1];
        const ra = r0 + 2 * b;
        if (ra >= range.start && ra < end) {
          out[q] = 0.5 * (zr + wr);
          out[q + 1] = 0.5 * (zi - wi);
        }
        if (ra + 1 >= range.start && ra + 1 < end) {
          out[q + 2] = 0.5 * (zi + wi);
          out[q + 3] = 0.5 * (wr - zr);
        }
      }
    }
  }
}

/**
 * In-place forward transform of columns `range` (bins) of a transposed half
 * spectrum, times `scale`: after {@link rowSpectra} and this, `spec` holds the
 * scaled 2-D spectrum (used for kernels, which are reused by every block and
 * channel; the inverse's 1 / (n0 * n1) is folded in here, once per kernel).
 */
export function columnSpectra(spec: Float64Array, size: PlaneSize, plans: FFTPlans, range: JobRange, scale = 1): void {
  const n0 = size.n0;
  const fft = plans.get(n0).fft;
  const tmp = new Float64Array(2 * n0);
  for (let j = range.start; j < range.end; j++) {
    const base = 2 * j * n0;
    fft.transform(tmp, spec.subarray(base, base + 2 * n0));
    for (let i = 0; i < 2 * n0; i++) spec[base + i] = scale * tmp[i];
  }
}

/**
 * The kernel side of {@link accumulateColumns}: its scaled 2-D spectrum (from
 * {@link columnSpectra}, when several blocks reuse it), or its row spectra and
 * the scale, column-transformed on the fly (when it is used once: saves writing,
 * scaling and rereading a spectrum). The row spectra are compact: `height` rows
 * (the kernel's), i.e. {@link rowSpectra} run with `{ n0: height, n1 }`; each
 * column is zero-padded to n0 in scratch.
 */
export type KernelColumns =
  | { readonly spectrum: Float64Array; readonly rows?: undefined }
  | { readonly rows: Float64Array; readonly height: number; readonly scale: number; readonly spectrum?: undefined };

/** Which contribution to a product sum a call of {@link accumulateColumns} is. */
export interface SumPosition {
  /** The first term: `acc` is overwritten (its old contents are ignored). */
  first: boolean;
  /** The last term: the inverse column transform runs on the finished sum. */
  last: boolean;
}

/**
 * Column pass, product and (on the last term) inverse column pass, for bins
 * `range`. Column j of `rows` (row spectra of one data plane, from
 * {@link rowSpectra}) is transformed and `conj(X) * K` is added to column j
 * of `acc`, where K is the scaled 2-D kernel spectrum (see
 * {@link KernelColumns}): the conjugate of the correlation spectrum X conj(K).
 * Summing over calls sums over channels and polyphase pairs. On the last term
 * the column is forward-transformed in place (ifft(v) = conj(fft(conj v)) / n):
 * `acc` then holds the conjugated row spectra of the result, column-major,
 * ready for {@link inverseRows}. One pass per column keeps it in L1.
 * `acc` may be `rows` itself on a call that is both first and last (column j of
 * `rows` is read before column j of `acc` is written).
 */
export function accumulateColumns(
  acc: Float64Array,
  rows: Float64Array,
  kernel: KernelColumns,
  size: PlaneSize,
  plans: FFTPlans,
  range: JobRange,
  position: SumPosition,
): void {
  const n0 = size.n0;
  const fft = plans.get(n0).fft;
  const x = new Float64Array(2 * n0);
  const p = new Float64Array(2 * n0);
  const kc = new Float64Array(2 * n0);
  // A kernel column zero-padded to n0 (its tail past the kernel's rows stays zero).
  const kPadded = new Float64Array(2 * n0);
  const kh2 = kernel.rows === undefined ? 0 : 2 * Math.min(kernel.height, n0);
  const sc = kernel.rows === undefined ? 1 : kernel.scale;
  const { first, last } = position;
  for (let j = range.start; j < range.end; j++) {
    const base = 2 * j * n0;
    fft.transform(x, rows.subarray(base, base + 2 * n0));
    // Kernel column: stored spectrum, or transformed here (no spectrum written or reread).
    let k = kc, kb = 0;
    if (kernel.rows === undefined) {
      k = kernel.spectrum;
      kb = base;
    } else {
      kPadded.set(kernel.rows.subarray(j * kh2, (j + 1) * kh2));
      fft.transform(kc, kPadded);
    }
    // The sum goes to p when the column is transformed next, else straight to acc.
    const to = last ? p : acc;
    const o = last ? 0 : base;
    for (let i = 0, q = base; i < 2 * n0; i += 2, q += 2) {
      const xr = x[i], xi = x[i + 1], kr = k[kb + i], ki = k[kb + i + 1];
      // conj(x) * k (times the scale not yet in k), plus the previous terms
      const re = sc * (xr * kr + xi * ki), im = sc * (xr * ki - xi * kr);
      to[o + i] = first ? re : acc[q] + re;
      to[o + i + 1] = first ? im : acc[q + 1] + im;
    }
    if (last) fft.transform(acc.subarray(base, base + 2 * n0), p);
  }
}

/** Where {@link inverseRows} writes: a row-major real array, and the crop of each row. */
export interface RowTarget {
  readonly data: Float64Array;
  /** Index of output row 0 in `data`, and the distance between output rows. */
  readonly offset: number;
  readonly rowStride: number;
  /** Samples kept from each length-n1 result row (start, length, step). */
  readonly crop: IndexRange;
}

/**
 * Inverse row pass: output rows `range` (indices into `rowCrop`, the kept rows
 * of the n0 result rows) of `spec`, the conjugated row spectra left in column
 * layout by the last {@link accumulateColumns}, become real rows of length n1,
 * cropped into `target`. Two rows go through one forward complex transform:
 * with W_a, W_b the conjugated half spectra of real rows a and b, fft of
 * conj(Z_a + i Z_b) (Z the Hermitian extensions) is n1 * conj(a + i b); the
 * 1 / n1 is already in the kernel spectrum. The imaginary parts of bins 0 and
 * n1/2 are ignored, as numpy's irfft does. Reading rows a and b of every
 * column touches neighbouring doubles, so consecutive pairs share cache lines.
 */
export function inverseRows(
  spec: Float64Array,
  size: PlaneSize,
  plans: FFTPlans,
  rowCrop: IndexRange,
  target: RowTarget,
  range: JobRange,
): void {
  const { n0, n1 } = size;
  const half = n1 / 2;
  const fft = plans.get(n1).fft;
  const s = new Float64Array(2 * n1);
  const f = new Float64Array(2 * n1);
  const { data: out, crop } = target;
  const col = 2 * n0;
  // Rows pair as (2q, 2q + 1) whatever the range, so a row's rounding never depends on
  // how the rows were split into jobs; a range edge inside a pair transforms the pair
  // and writes only its own row.
  const rows = rowCrop.length;
  for (let a = range.start - (range.start % 2); a < range.end; a += 2) {
    const hasB = a + 1 < rows;
    const writeA = a >= range.start, writeB = hasB && a + 1 < range.end;
    const pa = 2 * (rowCrop.start + a * rowCrop.step);
    // A missing partner row reads as zeros: row a is then the only real output.
    const rb = hasB ? spec : zeroColumns;
    const pb = hasB ? pa + 2 * rowCrop.step : 0;
    const cb = hasB ? col : 0;
    // Bins 0 and n1/2: real parts only.
    s[0] = spec[pa];
    s[1] = -rb[pb];
    s[n1] = spec[pa + half * col];
    s[n1 + 1] = -rb[pb + half * cb];
    for (let m = 2, q = 2 * n1 - 2, ia = pa + col, ib = pb + cb; m < n1; m += 2, q -= 2, ia += col, ib += cb) {
      const ar = spec[ia], ai = spec[ia + 1];
      const br = rb[ib], bi = rb[ib + 1];
      s[m] = ar + bi;
      s[m + 1] = ai - br;
      s[q] = ar - bi;
      s[q + 1] = -ai - br;
    }
    fft.transform(f, s);
    const oa = target.offset + a * target.rowStride;
    const ob = oa + target.rowStride;
    const step = 2 * crop.step;
    const count = crop.length;
    if (writeA && writeB) {
      for (let j = 0, k = 2 * crop.start; j < count; j++, k += step) {
        out[oa + j] = f[k];
        out[ob + j] = -f[k + 1];
      }
    } else if (writeA) {
      for (let j = 0, k = 2 * crop.start; j < count; j++, k += step) out[oa + j] = f[k];
    } else if (writeB) {
      for (let j = 0, k = 2 * crop.start + 1; j < count; j++, k += step) out[ob + j] = -f[k];
    }
  }
}

/** The partner of an unpaired row: one complex zero, read with stride 0. */
const zeroColumns = new Float64Array(2);
