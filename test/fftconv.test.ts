import { test } from "node:test";
import { symmetricRandom as rng } from "../src/random";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ndarray from "ndarray";
import type { NdArray } from "ndarray";
import { fftconvolve, correlate, ConvError, FFTPlans, fftSize } from "../src/fft";
import { conv2dFFT, planConv2dFFT, Conv2dFFTPlanOptions } from "../src/conv/fft";
import { EinsumError } from "../src/errors";

interface Encoded {
  shape: number[];
  data: number[];
}
interface Fixtures {
  fftconvolve: Array<{ a: Encoded; b: Encoded; mode: "full" | "same" | "valid"; axes: number[] | null; out: Encoded }>;
  correlate: Array<{ a: Encoded; b: Encoded; mode: "full" | "same" | "valid"; out: Encoded }>;
  conv2d: Array<{ x: Encoded; k: Encoded; stride: [number, number]; out: Encoded }>;
}

// dist/test/ -> test/fixtures/ (the JSON is not copied into dist)
const fixtures: Fixtures = JSON.parse(readFileSync(join(__dirname, "..", "..", "test", "fixtures", "fftconv.json"), "utf8"));

const decode = (e: Encoded): NdArray<Float64Array> => ndarray(Float64Array.from(e.data), e.shape);

const randInt = (next: () => number, lo: number, hi: number): number => lo + Math.floor(((next() + 1) / 2) * (hi - lo + 1));

/**
 * FFT rounding, relative to the largest reference magnitude: measured worst 5.31e-15 over this file's cases
 * (EINCONV_MEASURE=1 prints it); 1e-13 leaves a 19x margin (was 1e-9). A float32-rounded answer
 * (~6e-8) fails it.
 */
const FFT_REL_TOL = 1e-13;

/** Measured worst error / largest reference magnitude, printed with EINCONV_MEASURE=1. */
let worstRelative = 0;
process.on("exit", () => process.env.EINCONV_MEASURE && console.log(`MEASURE ${__filename}: ${worstRelative.toExponential(2)}`));

/** Shape equal, and every element within FFT_REL_TOL relative to the largest reference magnitude. */
function assertClose(got: NdArray<Float64Array>, want: { shape: readonly number[]; data: ArrayLike<number> }, what: string): void {
  assert.deepEqual(got.shape, [...want.shape], `${what}: shape`);
  assert.equal(got.data.length, want.data.length, `${what}: size`);
  let scale = 1e-300;
  for (let i = 0; i < want.data.length; i++) scale = Math.max(scale, Math.abs(want.data[i]));
  for (let i = 0; i < want.data.length; i++) {
    const err = Math.abs(got.data[i] - want.data[i]);
    worstRelative = Math.max(worstRelative, err / scale);
    assert.ok(err <= FFT_REL_TOL * scale, `${what}: element ${i} got ${got.data[i]} want ${want.data[i]}`);
  }
}

/** Brute-force strided valid cross-correlation over the first two axes, summed over depth, through .get. */
function bruteConv2d(x: NdArray, k: NdArray, stride: [number, number]): { shape: number[]; data: Float64Array } {
  const [h, w] = x.shape;
  const [kh, kw] = k.shape;
  const c = x.shape.length === 3 ? x.shape[2] : 1;
  const oh = Math.floor((h - kh) / stride[0]) + 1;
  const ow = Math.floor((w - kw) / stride[1]) + 1;
  const out = new Float64Array(oh * ow);
  const xg = (i: number, j: number, ch: number): number => (x.shape.length === 3 ? x.get(i, j, ch) : x.get(i, j));
  const kg = (i: number, j: number, ch: number): number => (k.shape.length === 3 ? k.get(i, j, ch) : k.get(i, j));
  for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
    let s = 0;
    for (let u = 0; u < kh; u++) for (let v = 0; v < kw; v++) for (let ch = 0; ch < c; ch++) {
      s += xg(i * stride[0] + u, j * stride[1] + v, ch) * kg(u, v, ch);
    }
    out[i * ow + j] = s;
  }
  return { shape: [oh, ow], data: out };
}

/** Brute-force full N-D convolution over all axes, then scipy's centred crop for the mode. */
function bruteConvolve(a: NdArray, b: NdArray, mode: "full" | "same" | "valid"): { shape: number[]; data: Float64Array } {
  const fullShape = a.shape.map((n, i) => n + b.shape[i] - 1);
  const full = ndarray(new Float64Array(fullShape.reduce((p, q) => p * q, 1)), fullShape);
  const each = (shape: number[], f: (idx: number[]) => void): void => {
    const idx = new Array<number>(shape.length).fill(0);
    const total = shape.reduce((p, q) => p * q, 1);
    for (let t = 0; t < total; t++) {
      f(idx);
      for (let i = shape.length - 1; i >= 0 && ++idx[i] === shape[i]; i--) idx[i] = 0;
    }
  };
  each(a.shape, (ia) => each(b.shape, (ib) => {
    const io = ia.map((v, i) => v + ib[i]);
    full.set(...io, full.get(...io) + a.get(...ia) * b.get(...ib));
  }));
  const swap = mode === "valid" && a.shape.some((n, i) => n < b.shape[i]);
  const [n1, n2] = swap ? [b.shape, a.shape] : [a.shape, b.shape];
  const outShape = fullShape.map((f, i) => (mode === "full" ? f : mode === "same" ? n1[i] : n1[i] - n2[i] + 1));
  const start = fullShape.map((f, i) => Math.floor((f - outShape[i]) / 2));
  const out = new Float64Array(outShape.reduce((p, q) => p * q, 1));
  let o = 0;
  each(outShape, (idx) => { out[o++] = full.get(...idx.map((v, i) => v + start[i])); });
  return { shape: outShape, data: out };
}

/** A random (h, w[, c]) array returned as a NON-contiguous view of the kind picked by `kind`. */
function randomView(shape: number[], kind: number, next: () => number): NdArray<Float64Array> {
  const rank = shape.length;
  if (kind === 0) return ndarray(Float64Array.from({ length: shape.reduce((p, q) => p * q, 1) }, next), shape);
  if (kind === 1) {
    // transposed: store reversed axes, view them back
    const rev = [...shape].reverse();
    const base = ndarray(Float64Array.from({ length: rev.reduce((p, q) => p * q, 1) }, next), rev);
    return base.transpose(...Array.from({ length: rank }, (_, i) => rank - 1 - i));
  }
  if (kind === 2) {
    // stepped by 2 on the first axis, with an offset
    const big = [2 * shape[0] + 1, ...shape.slice(1)];
    const base = ndarray(Float64Array.from({ length: big.reduce((p, q) => p * q, 1) }, next), big);
    return base.lo(1).step(2);
  }
  // reversed along every axis (negative strides)
  const base = ndarray(Float64Array.from({ length: shape.reduce((p, q) => p * q, 1) }, next), shape);
  return base.step(...new Array<number>(rank).fill(-1));
}

test("fftconvolve matches scipy.signal.fftconvolve (1-D..3-D, modes, axes, broadcasting)", () => {
  assert.ok(fixtures.fftconvolve.length >= 20);
  for (const [i, c] of fixtures.fftconvolve.entries()) {
    const got = fftconvolve(decode(c.a), decode(c.b), { mode: c.mode, axes: c.axes ?? undefined });
    assertClose(got, c.out, `fftconvolve case ${i} ${JSON.stringify(c.a.shape)}*${JSON.stringify(c.b.shape)} ${c.mode} axes=${c.axes}`);
  }
});

test("correlate matches scipy.signal.correlate for every method", () => {
  for (const [i, c] of fixtures.correlate.entries()) {
    for (const method of ["fft", "direct", "auto"] as const) {
      const got = correlate(decode(c.a), decode(c.b), { mode: c.mode, method });
      assertClose(got, c.out, `correlate case ${i} ${c.mode} ${method}`);
    }
  }
});

test("conv2dFFT matches scipy's strided valid correlation, for every polyphase setting", () => {
  for (const [i, c] of fixtures.conv2d.entries()) {
    for (const polyphase of ["auto", true, false] as const) {
      const got = conv2dFFT(decode(c.x), decode(c.k), { stride: c.stride, polyphase });
      assertClose(got, c.out, `conv2d case ${i} x=${JSON.stringify(c.x.shape)} k=${JSON.stringify(c.k.shape)} s=${c.stride} ${polyphase}`);
    }
  }
});

test("conv2dFFT reproduces the 7x7 / 3x3 / stride-2 worked example to the integer", () => {
  const c = fixtures.conv2d[0];
  const y = conv2dFFT(decode(c.x), decode(c.k), { stride: [2, 2] });
  const rounded = Array.from(y.data, Math.round);
  assert.deepEqual(rounded, c.out.data);
  const scale = Math.max(...rounded.map(Math.abs));
  for (let i = 0; i < rounded.length; i++) assert.ok(Math.abs(y.data[i] - rounded[i]) <= FFT_REL_TOL * scale, `element ${i}: ${y.data[i]}`);
});

test("conv2dFFT agrees with a brute-force loop on random shapes, strides and non-contiguous views", () => {
  const next = rng(7);
  const plans = new FFTPlans(); // shared across calls: must not change results
  for (let trial = 0; trial < 50; trial++) {
    const h = randInt(next, 1, 19), w = randInt(next, 1, 19);
    const kh = randInt(next, 1, h), kw = randInt(next, 1, w);
    const depth = randInt(next, 0, 3); // 0 -> 2-D data
    const stride: [number, number] = [randInt(next, 1, 6), randInt(next, 1, 6)];
    const xShape = depth === 0 ? [h, w] : [h, w, depth];
    const kernel2dOn3d = depth > 0 && trial % 5 === 0;
    const kShape = depth === 0 || kernel2dOn3d ? [kh, kw] : [kh, kw, depth];
    const x = randomView(xShape, trial % 4, next);
    const k = randomView(kShape, (trial + 1) % 4, next);
    const want = bruteConv2d(x, k, stride);
    // Every polyphase setting, with one block per axis, the model's choice, and the smallest blocks allowed.
    const configs: Array<Omit<Conv2dFFTPlanOptions, "stride">> = [];
    for (const polyphase of [true, false] as const) {
      const f = polyphase ? stride : [1, 1];
      const smallest: [number, number] = [fftSize(Math.ceil(kh / f[0])), fftSize(Math.ceil(kw / f[1]))];
      configs.push({ polyphase, blockSizes: "single" }, { polyphase, blockSizes: smallest });
    }
    configs.push({ polyphase: "auto", blockSizes: "auto" });
    for (const config of configs) {
      const got = conv2dFFT(x, k, { stride, plans, ...config });
      assertClose(got, want, `trial ${trial}: x=${xShape} k=${kShape} stride=${stride} ${JSON.stringify(config)}`);
    }
  }
});

test("conv2dFFT plans: never padded past the next power of two, blocks and polyphase when they pay", () => {
  const p256 = planConv2dFFT([256, 256, 5], [9, 9, 5], { stride: [1, 1] });
  assert.ok(p256.rows.size <= 256 && p256.cols.size <= 256);
  assert.deepEqual(p256.outShape, [248, 248]);
  const single = planConv2dFFT([256, 256, 5], [9, 9, 5], { stride: [1, 1], blockSizes: "single" });
  assert.deepEqual([single.rows.size, single.rows.blocks, single.cols.size], [256, 1, 256]); // not 512
  const p300 = planConv2dFFT([300, 300, 5], [9, 9, 5], { stride: [1, 1] });
  assert.ok(p300.rows.size < 512 && p300.rows.blocks > 1, "300 should not be padded to 512");
  assert.ok(p300.cost < planConv2dFFT([300, 300, 5], [9, 9, 5], { stride: [1, 1], blockSizes: "single" }).cost);
  const s5 = planConv2dFFT([300, 300, 5], [9, 9, 5], { stride: [5, 5] });
  // Polyphase pays on at least one axis (which one is the model's call: they cost about the same).
  assert.ok(s5.rows.factor === 5 || s5.cols.factor === 5, `stride 5 plan factors ${s5.rows.factor}x${s5.cols.factor}`);
  assert.equal(s5.outShape[0], 59);
  assert.throws(() => planConv2dFFT([30, 30], [5, 5], { stride: [1, 1], blockSizes: [4, 8] }), /kernel phase length/);
  assert.throws(() => planConv2dFFT([30, 30], [5, 5], { stride: [1, 1], blockSizes: [12, 8] }), /power of two/);
});

test("fftconvolve and correlate agree with brute-force N-D convolution on random views", () => {
  const next = rng(11);
  for (let trial = 0; trial < 40; trial++) {
    const rank = randInt(next, 1, 3);
    const sa = Array.from({ length: rank }, () => randInt(next, 1, 7));
    const sb = Array.from({ length: rank }, () => randInt(next, 1, 7));
    const mode = (["full", "same", "valid"] as const)[trial % 3];
    const valid = mode !== "valid" || sa.every((n, i) => n >= sb[i]) || sa.every((n, i) => n <= sb[i]);
    if (!valid) sb.forEach((_, i) => { sb[i] = Math.min(sa[i], sb[i]); });
    const a = randomView(sa, trial % 4, next);
    const b = randomView(sb, (trial + 2) % 4, next);
    assertClose(fftconvolve(a, b, { mode }), bruteConvolve(a, b, mode), `fftconvolve trial ${trial} ${sa}*${sb} ${mode}`);
    // correlate(a, b) == convolve(a, reverse(b))
    const bRev = b.step(...new Array<number>(rank).fill(-1));
    for (const method of ["fft", "direct"] as const) {
      assertClose(correlate(a, b, { mode, method }), bruteConvolve(a, bRev, mode), `correlate trial ${trial} ${method}`);
    }
  }
});

test("rank-0 and empty inputs follow scipy", () => {
  const s = fftconvolve(ndarray(Float64Array.of(3), []), ndarray(Float64Array.of(-2), []));
  assert.deepEqual(s.shape, []);
  assert.equal(s.data[0], -6);
  const e = fftconvolve(ndarray(new Float64Array(0), [0, 3]), ndarray(Float64Array.of(1, 2), [1, 2]));
  assert.deepEqual(e.shape, [0]);
});

test("fftconvolve / correlate errors", () => {
  const a = ndarray(new Float64Array(12), [3, 4]);
  const b = ndarray(new Float64Array(6), [2, 3]);
  assert.throws(
    () => fftconvolve(a, ndarray(new Float64Array(3), [3])),
    (e: unknown) => e instanceof ConvError && e instanceof EinsumError && /same rank/.test(e.message),
  );
  assert.throws(() => fftconvolve(a, b, { mode: "middle" as "full" }), /mode must be/);
  assert.throws(() => correlate(a, b, { method: "fast" as "fft" }), /method must be/);
  assert.throws(() => fftconvolve(a, ndarray(new Float64Array(10), [5, 2]), { mode: "valid" }), /at least as large/);
  assert.throws(() => correlate(a, ndarray(new Float64Array(10), [2, 5]), { mode: "valid" }), /at least as large/);
  assert.throws(() => fftconvolve(a, b, { axes: [1] }), /not convolved/);
  assert.throws(() => fftconvolve(a, b, { axes: [] }), /cannot be empty/);
  assert.throws(() => fftconvolve(a, b, { axes: [0, -2] }), /twice/);
  assert.throws(() => fftconvolve(a, b, { axes: [2] }), /out of range/);
});

test("conv2dFFT errors", () => {
  const x = ndarray(new Float64Array(5 * 6 * 2), [5, 6, 2]);
  const k = ndarray(new Float64Array(3 * 3 * 2), [3, 3, 2]);
  assert.throws(() => conv2dFFT(x, ndarray(new Float64Array(6 * 3 * 2), [6, 3, 2]), { stride: [1, 1] }), /larger than the padded input/);
  assert.throws(() => conv2dFFT(x, ndarray(new Float64Array(27), [3, 3, 3]), { stride: [1, 1] }), /3 channels but x has 2/);
  assert.throws(() => conv2dFFT(x, k, { stride: [0, 1] }), /stride must be/);
  assert.throws(() => conv2dFFT(x, k, { stride: [1.5, 1] }), /stride must be/);
  assert.throws(() => conv2dFFT(x, k, { stride: [1] as unknown as [number, number] }), /stride must be/);
  assert.throws(() => conv2dFFT(ndarray(new Float64Array(30), [5, 6]), k, { stride: [1, 1] }), /needs 3-D data/);
  assert.throws(() => conv2dFFT(ndarray(new Float64Array(60), [5, 6, 2, 1]), k, { stride: [1, 1] }), ConvError);
  assert.throws(() => conv2dFFT(x, ndarray(new Float64Array(3), [3]), { stride: [1, 1] }), /kernel must be/);
});
