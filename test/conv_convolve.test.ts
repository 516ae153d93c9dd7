import { test } from "node:test";
import { symmetricRandom as rng } from "../src/random";
import assert from "node:assert/strict";
import ndarray from "ndarray";
import {
  CONV_METHODS,
  ConvCostConstants,
  ConvError,
  ConvMethod,
  ConvMode,
  ConvolveOptions,
  PerAxis,
  chooseConvMethod,
  convCostFeatures,
  convInfo,
  convWindows,
  convolve,
  estimateConvCosts,
} from "../src/conv";
import { Tensor } from "../src/types";
import { Encoded, convFixture as fixture, decode, flat } from "./conv_fixture";


const METHODS: ConvMethod[] = ["fft", "submatrix", "strided", "auto", "measure"];


/** Integer fixtures: direct methods are exact; FFT is within rounding of the integer. */
function assertIntegerResult(actual: Tensor, expected: Encoded, method: ConvMethod, label: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${label} ${method}: shape`);
  const got = flat(actual);
  const exact = method === "submatrix" || method === "strided";
  for (let i = 0; i < got.length; i++) {
    const want = expected.data[i];
    if (exact) assert.equal(got[i], want, `${label} ${method}: element ${i}`);
    else assert.ok(Math.abs(got[i] - want) <= 1e-9 * Math.max(1, Math.abs(want)), `${label} ${method}: element ${i} ${got[i]} vs ${want}`);
  }
}

function assertClose(actual: Tensor, expected: Tensor, tol: number, label: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
  const a = flat(actual);
  const b = flat(expected);
  let scale = 1;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * scale, `${label}: element ${i} ${a[i]} vs ${b[i]}`);
}

function random(shape: number[], next: () => number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return ndarray(Float64Array.from({ length: n }, next), shape);
}

function pairOf(v: PerAxis | undefined, dflt: number): [number, number] {
  return v === undefined ? [dflt, dflt] : typeof v === "number" ? [v, v] : [v[0], v[1]];
}

/**
 * Brute force straight from the definition: pad, then the mode's zeros
 * (same: floor((span-1)/2) before), then every stride-th kernel position,
 * summing x * k over the window and the depth. Reads padding as zeros.
 */
function bruteForce(x: Tensor, k: Tensor, options: ConvolveOptions): Tensor {
  const [sh, sw] = pairOf(options.stride, 1);
  const [ph, pw] = pairOf(options.padding, 0);
  const [dh, dw] = pairOf(options.dilation, 1);
  const mode = options.mode ?? "valid";
  const [h, w] = x.shape;
  const c = x.shape.length === 3 ? x.shape[2] : 1;
  const [kh, kw] = k.shape;
  const spanH = dh * (kh - 1) + 1;
  const spanW = dw * (kw - 1) + 1;
  const extra = (span: number): [number, number] =>
    mode === "valid" ? [0, 0] : mode === "full" ? [span - 1, span - 1] : [Math.floor((span - 1) / 2), Math.ceil((span - 1) / 2)];
  const [eTop, eBottom] = extra(spanH);
  const [eLeft, eRight] = extra(spanW);
  const top = ph + eTop;
  const left = pw + eLeft;
  const oh = Math.floor((h + top + ph + eBottom - spanH) / sh) + 1;
  const ow = Math.floor((w + left + pw + eRight - spanW) / sw) + 1;
  const xv = (r: number, q: number, ch: number) =>
    r < 0 || q < 0 || r >= h || q >= w ? 0 : x.shape.length === 3 ? x.get(r, q, ch) : x.get(r, q);
  const kv = (i: number, j: number, ch: number) => (k.shape.length === 3 ? k.get(i, j, ch) : k.get(i, j));
  const out = ndarray(new Float64Array(oh * ow), [oh, ow]);
  for (let r = 0; r < oh; r++) {
    for (let q = 0; q < ow; q++) {
      let sum = 0;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          for (let ch = 0; ch < c; ch++) sum += xv(r * sh + i * dh - top, q * sw + j * dw - left, ch) * kv(i, j, ch);
        }
      }
      out.set(r, q, sum);
    }
  }
  return out;
}

test("the 7x7 / 3x3 / stride-2 worked example: the literal numbers from the reference, by every method", () => {
  const x = ndarray(
    Float64Array.from([
      2, 3, 7, 4, 6, 2, 9, 6, 6, 9, 8, 7, 4, 3, 3, 4, 8, 3, 8, 9, 7, 7, 8, 3, 6, 6, 3, 4, 4, 2, 1, 8, 3, 4, 6, 3, 2, 4, 1, 9, 8, 3, 0, 1, 3, 9, 2, 1, 4,
    ]),
    [7, 7],
  );
  const k = ndarray(Float64Array.from([3, 4, 4, 1, 0, 2, -1, 0, 3]), [3, 3]);
  const literal = { shape: [3, 3], data: [91, 100, 88, 69, 91, 117, 44, 72, 74] };
  for (const method of METHODS) assertIntegerResult(convolve(x, k, { stride: 2, method }), literal, method, "seed 003");
});

test("the worked example from the fixture (scipy computed it)", () => {
  const { x, k, stride, expected } = fixture.seed003;
  for (const method of METHODS) assertIntegerResult(convolve(decode(x), decode(k), { stride, method }), expected, method, "seed003 fixture");
});

test("every method agrees with scipy on the whole grid (2-D/3-D, odd/even kernels, modes, stride, padding, dilation)", () => {
  const { data, kernels, cases } = fixture.convolve;
  assert.equal(cases.length, 279);
  for (const c of cases) {
    const x = decode(data[c.x]);
    const k = decode(kernels[c.k]);
    const label = `${c.x}*${c.k} ${c.mode} s=${JSON.stringify(c.stride)} p=${JSON.stringify(c.padding)} d=${JSON.stringify(c.dilation)}`;
    for (const method of METHODS) {
      assertIntegerResult(convolve(x, k, { mode: c.mode, stride: c.stride, padding: c.padding, dilation: c.dilation, method }), c.expected, method, label);
    }
  }
});

test("mode 'same' with an even kernel follows scipy.signal.correlate2d (extra zero after), not the N-D correlate", () => {
  const { x, k, correlate2d, correlate } = fixture.sameEven;
  for (const method of METHODS) {
    const y = convolve(decode(x), decode(k), { mode: "same", method });
    assertIntegerResult(y, correlate2d, method, "same/even");
    const diff = flat(y).some((v, i) => Math.abs(v - correlate.data[i]) > 1e-6);
    assert.ok(diff, "the N-D scipy.signal.correlate centres even kernels the other way");
  }
});

test("non-integer data: every method within 1e-12 of scipy", () => {
  const f = fixture.randomFloat;
  const expected = decode(f.expected);
  for (const method of METHODS) {
    const y = convolve(decode(f.x), decode(f.k), { mode: f.mode, stride: f.stride, padding: f.padding, method });
    assertClose(y, expected, 1e-12, `random float ${method}`);
  }
});

test("brute-force reference: random settings, strided/transposed input views, int32 and float32 storage", () => {
  const next = rng(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(((next() + 1) / 2) * xs.length)];
  for (let trial = 0; trial < 40; trial++) {
    const h = pick([5, 6, 9, 12]);
    const w = pick([4, 7, 10]);
    const c = pick([0, 1, 2, 4]); // 0 = 2-D data
    const kh = pick([1, 2, 3, 4]);
    const kw = pick([1, 2, 3, 5]);
    const kernel3 = c > 0 && next() > 0;
    const options: ConvolveOptions = {
      mode: pick(["valid", "same", "full"] as const),
      stride: [pick([1, 2, 3]), pick([1, 2, 3])],
      padding: [pick([0, 1, 2]), pick([0, 1, 2])],
      dilation: [pick([1, 1, 2]), pick([1, 1, 2])],
    };
    // Data as a view: a transposed, stepped window of a larger array.
    const big = random(c > 0 ? [2 * w + 1, h + 2, c] : [2 * w + 1, h + 2], next);
    const x = (c > 0 ? big.transpose(1, 0, 2) : big.transpose(1, 0)).lo(1, 1).step(1, 2).hi(h, w);
    const k = random(kernel3 ? [kh, kw, c] : [kh, kw], next);
    let expected: Tensor;
    try {
      expected = bruteForce(x, k, options);
      convInfo(x.shape, k.shape, options);
    } catch {
      // Kernel larger than the (padded) input: convolve must refuse it with a ConvError.
      assert.throws(() => convolve(x, k, options), ConvError);
      continue;
    }
    for (const method of METHODS) assertClose(convolve(x, k, { ...options, method }), expected, 1e-12, `trial ${trial} ${method} ${JSON.stringify(options)}`);
  }
  // Other storage types give the same values (results are float64).
  const xi = ndarray(Int32Array.from({ length: 8 * 9 * 2 }, (_, i) => ((i * 7) % 11) - 5), [8, 9, 2]);
  const kf = ndarray(Float32Array.from({ length: 3 * 2 }, (_, i) => i - 2.5), [3, 2]);
  const expected = bruteForce(xi, kf, { stride: 2, padding: 1 });
  for (const method of METHODS) {
    const y = convolve(xi, kf, { stride: 2, padding: 1, method });
    assert.ok(y.data instanceof Float64Array);
    assertClose(y, expected, 1e-12, `int32/float32 ${method}`);
  }
});

test("window view: a (10,10) input and (3,3) kernel give 8x8 = 64 windows, zero-copy", () => {
  const x = random([10, 10], rng(1));
  const v = convWindows(x, convInfo([10, 10], [3, 3]));
  assert.deepEqual(v.shape, [8, 8, 3, 3]);
  assert.equal(v.data, x.data);
  assert.equal(v.get(5, 6, 2, 1), x.get(7, 7));
  const x3 = random([10, 10, 2], rng(1));
  const s = convWindows(x3, convInfo([10, 10, 2], [3, 3], { stride: 2, dilation: [1, 2] }));
  assert.deepEqual(s.shape, [4, 3, 3, 3, 2]);
  assert.equal(s.data, x3.data);
  assert.equal(s.get(2, 1, 1, 2, 1), x3.get(2 * 2 + 1, 1 * 2 + 2 * 2, 1));
});

test("convolve: clear errors for sizes, stride, padding, channels, ranks, method and mode", () => {
  const x = random([4, 9], rng(2));
  const x3 = random([6, 6, 3], rng(3));
  assert.throws(() => convolve(x, random([5, 3], rng(4))), ConvError);
  assert.throws(() => convolve(x, random([5, 3], rng(4))), /kernel height 5 is larger than the padded input height 4 \(input 4 \+ padding 0\+0\) in "valid" mode/);
  assert.throws(() => convolve(x, random([3, 10], rng(4))), /kernel width 10 is larger than the padded input width 9/);
  assert.equal(convolve(x, random([5, 3], rng(4)), { padding: 1 }).shape[0], 2, "padding makes room: 4 + 2 - 5 + 1");
  assert.throws(() => convolve(x, random([3, 3], rng(4)), { stride: 0 }), /stride must be an integer >= 1, got 0/);
  assert.throws(() => convolve(x, random([3, 3], rng(4)), { stride: 1.5 }), /stride must be an integer >= 1, got 1\.5/);
  assert.throws(() => convolve(x, random([3, 3], rng(4)), { padding: -1 }), /padding must be a non-negative integer, got -1/);
  assert.throws(() => convolve(x, random([3, 3], rng(4)), { padding: [0, 0.5] }), /padding \(width\) must be a non-negative integer, got 0\.5/);
  assert.throws(() => convolve(x3, random([3, 3, 2], rng(4))), /kernel has 2 channels but the data has 3 channels/);
  assert.throws(() => convolve(x, random([3, 3, 1], rng(4))), /a 3-D kernel \(shape \[3, 3, 1\]\) needs 3-D data/);
  assert.throws(() => convolve(random([2, 3, 3, 3], rng(4)), random([3, 3], rng(4))), /data must be 2-D \(h, w\) or 3-D \(h, w, c\), got rank 4/);
  assert.throws(() => convolve(x, random([3], rng(4))), /kernel must be 2-D \(kh, kw\) or 3-D \(kh, kw, c\), got rank 1/);
  assert.throws(() => convolve(x, random([3, 3], rng(4)), { method: "winograd" as ConvMethod }), /unknown method "winograd": expected "auto", "measure", "fft", "submatrix" or "strided"/);
  assert.throws(() => convolve(x, random([3, 3], rng(4)), { mode: "wrap" as ConvMode }), /unknown mode "wrap": expected "valid", "same" or "full"/);
});

test("chooseConvMethod: a pure argmin over the estimates, driven by the constants", () => {
  const info = convInfo([64, 64, 3], [5, 5, 3], { stride: 2 });
  const choice = chooseConvMethod(info);
  assert.ok(CONV_METHODS.includes(choice.method));
  for (const m of CONV_METHODS) {
    assert.ok(Number.isFinite(choice.estimates[m]) && choice.estimates[m] > 0);
    assert.ok(choice.estimates[choice.method] <= choice.estimates[m]);
  }
  assert.deepEqual(chooseConvMethod(info), choice, "deterministic");
  const zero: ConvCostConstants = {
    fft: { perModelNs: 0, perCall: 0 },
    submatrix: { perMac: 0, perSlabElement: 0, perTap: 0, perCall: 0 },
    strided: { perMac: 0, perOutput: 0, perCall: 0 },
  };
  const expensive = 1e6;
  const only = (m: "fft" | "submatrix" | "strided"): ConvCostConstants => ({
    ...zero,
    fft: { ...zero.fft, perCall: m === "fft" ? 0 : expensive },
    submatrix: { ...zero.submatrix, perCall: m === "submatrix" ? 0 : expensive },
    strided: { ...zero.strided, perCall: m === "strided" ? 0 : expensive },
  });
  for (const m of CONV_METHODS) assert.equal(chooseConvMethod(info, only(m)).method, m);
  // convolve's "auto" honours the same constants.
  const x = random([12, 12, 3], rng(5));
  const k = random([3, 3, 3], rng(6));
  const expected = bruteForce(x, k, { stride: 2 });
  for (const m of CONV_METHODS) assertClose(convolve(x, k, { stride: 2, costs: only(m) }), expected, 1e-12, `auto->${m}`);
});

test("cost features: work counts follow the shapes", () => {
  const info = convInfo([20, 16, 3], [4, 5], { stride: [2, 1], padding: 1 });
  const f = convCostFeatures(info);
  assert.equal(f.outputs, info.outHeight * info.outWidth);
  assert.equal(f.taps, 20);
  assert.equal(f.macs, f.outputs * 20 * 3);
  assert.equal(f.slabElements, f.outputs * 20);
  assert.ok(f.fftModelNs > 0);
  // Bigger data never gets cheaper.
  const small = estimateConvCosts(convInfo([32, 32], [5, 5]));
  const large = estimateConvCosts(convInfo([64, 64], [5, 5]));
  for (const m of CONV_METHODS) assert.ok(large[m] > small[m], m);
});
