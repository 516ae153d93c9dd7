/**
 * The transposed half-spectrum engine (src/fft/plane.ts) and conv2dFFT built on it:
 * scipy fixtures at the sizes that exercise overlap-save, odd / non-power-of-two
 * sizes, f = n, f = 1, depth and the full/same modes of `convolve`; a brute-force
 * DFT check of the spectrum layout; and job ranges: any split of a pass into
 * ranges gives bitwise the same result as one call (what a worker pool relies on).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ndarray from "ndarray";
import type { NdArray } from "ndarray";
import { symmetricRandom as rng } from "../src/random";
import { FFTPlans, fftSize } from "../src/fft";
import {
  accumulateColumns, columnSpectra, inverseRows, newPlaneSpectrum, planeBins, rowSpectra, type JobRange, type PlaneSize,
} from "../src/fft/plane";
import { conv2dFFT, planConv2dFFT } from "../src/conv/fft";
import { convolve } from "../src/conv";
import type { ConvMode } from "../src/fft";

interface Encoded {
  shape: number[];
  data: number[];
}
interface SizeCase {
  name: string;
  x: Encoded;
  k: Encoded;
  mode: ConvMode;
  stride: [number, number];
  out: Encoded;
}

// dist/test/ -> test/fixtures/ (the JSON is not copied into dist)
const cases: SizeCase[] = JSON.parse(readFileSync(join(__dirname, "..", "..", "test", "fixtures", "fftconv_sizes.json"), "utf8")).cases;

const decode = (e: Encoded): NdArray<Float64Array> => ndarray(Float64Array.from(e.data), e.shape);

/**
 * FFT rounding, relative to the largest reference magnitude: measured worst 6.79e-16 over this file's cases
 * (EINCONV_MEASURE=1 prints it); 1e-14 leaves a 15x margin (was 1e-9). A float32-rounded answer
 * (~6e-8) fails it.
 */
const FFT_REL_TOL = 1e-14;

/** Measured worst error / largest reference magnitude, printed with EINCONV_MEASURE=1. */
let worstRelative = 0;
process.on("exit", () => process.env.EINCONV_MEASURE && console.log(`MEASURE ${__filename}: ${worstRelative.toExponential(2)}`));

/** Shape equal, and every element within FFT_REL_TOL relative to the largest reference magnitude. */
function assertClose(got: { shape: readonly number[]; data: ArrayLike<number> }, want: Encoded, what: string): void {
  assert.deepEqual([...got.shape], want.shape, `${what}: shape`);
  let scale = 1e-300;
  for (const v of want.data) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < want.data.length; i++) {
    const err = Math.abs(got.data[i] - want.data[i]);
    worstRelative = Math.max(worstRelative, err / scale);
    assert.ok(err <= FFT_REL_TOL * scale, `${what}: element ${i} got ${got.data[i]} want ${want.data[i]}`);
  }
}

test("conv2dFFT matches scipy at overlap-save, odd, non-power-of-two, f = n, f = 1 and depth sizes", () => {
  let blocked = 0;
  for (const c of cases.filter((c) => c.mode === "valid")) {
    const x = decode(c.x), k = decode(c.k);
    const plan = planConv2dFFT(x.shape, k.shape, { stride: c.stride });
    if (plan.rows.blocks * plan.cols.blocks > 1) blocked++;
    assertClose(conv2dFFT(x, k, { stride: c.stride }), c.out, `${c.name} (auto plan)`);
    assertClose(conv2dFFT(x, k, { stride: c.stride, blockSizes: "single" }), c.out, `${c.name} (one block)`);
    // The smallest blocks the kernel allows: the most overlap-save blocks, short last blocks.
    const smallest: [number, number] = [fftSize(k.shape[0]), fftSize(k.shape[1])];
    assertClose(conv2dFFT(x, k, { stride: c.stride, polyphase: false, blockSizes: smallest }), c.out, `${c.name} (blocks ${smallest})`);
  }
  assert.ok(blocked > 0, "some auto plan should use overlap-save blocks");
});

test("convolve (FFT method) matches scipy's correlate2d in full and same modes", () => {
  const linear = cases.filter((c) => c.mode !== "valid");
  assert.ok(linear.length >= 4);
  for (const c of linear) {
    const got = convolve(decode(c.x), decode(c.k), { mode: c.mode, method: "fft" });
    assertClose(got, c.out, c.name);
  }
});

/** Brute-force 2-D DFT of a real n0 x n1 plane (zero-padded), bins 0..n1/2 along the width. */
function bruteHalfSpectrum(x: Float64Array, h: number, w: number, rowStride: number, size: PlaneSize): Float64Array {
  const { n0, n1 } = size;
  const bins = planeBins(size);
  const out = new Float64Array(2 * bins * n0);
  for (let m0 = 0; m0 < n0; m0++) {
    for (let j = 0; j < bins; j++) {
      let re = 0, im = 0;
      for (let r = 0; r < h; r++) {
        for (let c = 0; c < w; c++) {
          const t = -2 * Math.PI * ((m0 * r) / n0 + (j * c) / n1);
          re += x[r * rowStride + c] * Math.cos(t);
          im += x[r * rowStride + c] * Math.sin(t);
        }
      }
      out[2 * (j * n0 + m0)] = re;
      out[2 * (j * n0 + m0) + 1] = im;
    }
  }
  return out;
}

test("rowSpectra + columnSpectra give the 2-D half spectrum in column layout (against a brute-force DFT)", () => {
  const next = rng(3);
  const plans = new FFTPlans();
  for (const [h, w, n0, n1] of [[5, 7, 8, 8], [8, 3, 8, 16], [1, 1, 2, 2], [6, 6, 16, 4]]) {
    const x = Float64Array.from({ length: h * w }, next);
    const size = { n0, n1 };
    const spec = newPlaneSpectrum(size);
    rowSpectra({ data: x, shape: [h, w], stride: [w, 1], offset: 0 }, size, plans, spec, { start: 0, end: h });
    columnSpectra(spec, size, plans, { start: 0, end: planeBins(size) }, 0.5);
    const want = bruteHalfSpectrum(x, Math.min(h, n0), Math.min(w, n1), w, size);
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(spec[i] - 0.5 * want[i]) < 1e-12, `${h}x${w} in ${n0}x${n1}: ${i}`);
  }
});

/** Splits [0, n) into consecutive ranges of the given lengths (the last one takes the rest). */
function split(n: number, lengths: readonly number[]): JobRange[] {
  const out: JobRange[] = [];
  let start = 0;
  for (const len of lengths) {
    if (start >= n) break;
    out.push({ start, end: Math.min(n, start + len) });
    start += len;
  }
  if (start < n) out.push({ start, end: n });
  return out;
}

test("every pass gives bitwise the same result split into job ranges as in one call", () => {
  const next = rng(5);
  const plans = new FFTPlans();
  const [h, w, kh, kw] = [13, 11, 4, 3];
  const size = { n0: 16, n1: 16 };
  const bins = planeBins(size);
  const x = { data: Float64Array.from({ length: h * w }, next), shape: [h, w], stride: [w, 1], offset: 0 };
  const k = { data: Float64Array.from({ length: kh * kw }, next), shape: [kh, kw], stride: [kw, 1], offset: 0 };
  const rowCrop = { start: 0, length: h - kh + 1, step: 1 }; // correlation: valid outputs start at 0
  const colCrop = { start: 0, length: w - kw + 1, step: 1 };
  const run = (rowJobs: JobRange[], binJobs: JobRange[], outJobs: JobRange[]): Float64Array => {
    const xs = newPlaneSpectrum(size), ks = newPlaneSpectrum(size), acc = newPlaneSpectrum(size);
    for (const r of rowJobs) rowSpectra(x, size, plans, xs, r);
    rowSpectra(k, size, plans, ks, { start: 0, end: kh });
    for (const b of binJobs) columnSpectra(ks, size, plans, b, 1 / 256);
    for (const b of binJobs) accumulateColumns(acc, xs, { spectrum: ks }, size, plans, b, { first: true, last: true });
    const out = new Float64Array(rowCrop.length * colCrop.length);
    for (const o of outJobs) inverseRows(acc, size, plans, rowCrop, { data: out, offset: 0, rowStride: colCrop.length, crop: colCrop }, o);
    return out;
  };
  const whole = run([{ start: 0, end: h }], [{ start: 0, end: bins }], [{ start: 0, end: rowCrop.length }]);
  // Odd-length output ranges leave an unpaired row in the middle of the output.
  const pieces = run(split(h, [3, 1, 5]), split(bins, [2, 1, 3]), split(rowCrop.length, [3, 1, 2]));
  assert.deepEqual(Array.from(pieces), Array.from(whole));
  // And the result is the correlation (brute force).
  for (let i = 0; i < rowCrop.length; i++) {
    for (let j = 0; j < colCrop.length; j++) {
      let s = 0;
      for (let u = 0; u < kh; u++) for (let v = 0; v < kw; v++) s += x.data[(i + u) * w + j + v] * k.data[u * kw + v];
      assert.ok(Math.abs(whole[i * colCrop.length + j] - s) < 1e-12, `(${i}, ${j})`);
    }
  }
});

test("a kernel formed per column (compact rows) equals a stored kernel spectrum", () => {
  const next = rng(9);
  const plans = new FFTPlans();
  const size = { n0: 8, n1: 16 };
  const all = { start: 0, end: planeBins(size) };
  const x = { data: Float64Array.from({ length: 8 * 16 }, next), shape: [8, 16], stride: [16, 1], offset: 0 };
  const k = { data: Float64Array.from({ length: 6 }, next), shape: [2, 3], stride: [3, 1], offset: 0 };
  const xs = newPlaneSpectrum(size), kSpec = newPlaneSpectrum(size);
  const compact = { n0: 2, n1: 16 }; // the kernel's 2 rows only
  const kRows = newPlaneSpectrum(compact);
  rowSpectra(x, size, plans, xs, { start: 0, end: 8 });
  rowSpectra(k, size, plans, kSpec, { start: 0, end: 2 });
  rowSpectra(k, compact, plans, kRows, { start: 0, end: 2 });
  columnSpectra(kSpec, size, plans, all, 1 / 128);
  const a = newPlaneSpectrum(size), b = newPlaneSpectrum(size);
  accumulateColumns(a, xs, { spectrum: kSpec }, size, plans, all, { first: true, last: true });
  accumulateColumns(b, xs, { rows: kRows, height: 2, scale: 1 / 128 }, size, plans, all, { first: true, last: true });
  // Bitwise: scaling by a power of two is exact, wherever it is applied.
  assert.deepEqual(Array.from(b), Array.from(a));
});
