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
  chooseConvMethod,
  convCostFeatures,
  convInfo,
  convWindows,
  convolve,
  estimateConvCosts,
} from "../src/conv";
import { Tensor } from "../src/types";
import { BoundInputs, Encoded, convFixture as fixture, decode, flat } from "./conv_fixture";
import { BOUND_C, RefResult, boundMismatch, referenceConvolve } from "./reference";


const METHODS: ConvMethod[] = ["fft", "submatrix", "strided", "auto", "measure"];


/**
 * FFT convolution errs norm-wise, not per element: |err_i| <= c·log n·u·‖x‖₂‖k‖₂ (every output sees the
 * rounding of every frequency). Measured on the fixture grid: max |err| / (u·‖x‖₂‖k‖₂) = 1.18 (fft), 0.85
 * (strided); FFT_BOUND = 16 leaves a 13x margin. A float32-rounded answer errs >= 1.4e7 of these units on
 * every grid case, so the bound still bites.
 */
const FFT_BOUND = 16;

function norm2(t: Tensor): number {
  return Math.sqrt(flat(t).reduce((s, v) => s + v * v, 0));
}

/**
 * The value check against scipy. Direct methods (submatrix, strided) sum the same K products in some order:
 * elementwise bound BOUND_C·(K + 2)·u·Σ|x||k| from the fixture (exact equality for integer data, which has
 * no bound stored). fft and auto (which may pick fft) get the norm-wise FFT bound.
 */
function assertMatches(actual: Tensor, expected: Encoded, method: ConvMethod, label: string, x: Tensor, k: Tensor, bound?: BoundInputs): void {
  assert.deepEqual(actual.shape, expected.shape, `${label} ${method}: shape`);
  const got = flat(actual);
  if (method === "submatrix" || method === "strided") {
    if (!bound) {
      for (let i = 0; i < got.length; i++) assert.equal(got[i], expected.data[i], `${label} ${method}: element ${i}`);
      return;
    }
    const bad = boundMismatch(got, { data: expected.data, ...bound }, 2, "float64");
    assert.equal(bad, undefined, `${label} ${method}: ${bad}`);
    return;
  }
  const tol = FFT_BOUND * 2 ** -53 * norm2(x) * norm2(k);
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i] - expected.data[i]);
    assert.ok(err <= tol, `${label} ${method}: element ${i} ${got[i]} vs ${expected.data[i]}: error ${err} > FFT bound ${tol}`);
  }
}

function random(shape: number[], next: () => number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return ndarray(Float64Array.from({ length: n }, next), shape);
}

/** The brute-force reference (test/reference.ts: the definition, element by element), with its bound's inputs. */
function bruteForce(x: Tensor, k: Tensor, options: ConvolveOptions): RefResult {
  return referenceConvolve(x as never, k as never, options as never);
}

/** A method's result against the brute force, within that method's bound (assertMatches). */
function assertNearReference(actual: Tensor, want: RefResult, method: ConvMethod, label: string, x: Tensor, k: Tensor): void {
  assertMatches(actual, { shape: want.shape, data: want.data }, method, label, x, k, { absSum: want.absSum, terms: want.terms });
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
  for (const method of METHODS) assertMatches(convolve(x, k, { stride: 2, method }), literal, method, "seed 003", x, k);
});

test("the worked example from the fixture (scipy computed it)", () => {
  const { x, k, stride, expected } = fixture.seed003;
  for (const method of METHODS) assertMatches(convolve(decode(x), decode(k), { stride, method }), expected, method, "seed003 fixture", decode(x), decode(k));
});

test("every method agrees with scipy on the whole grid (2-D/3-D, odd/even kernels, modes, stride, padding, dilation)", () => {
  const { data, kernels, cases } = fixture.convolve;
  assert.equal(cases.length, 279);
  for (const c of cases) {
    const x = decode(data[c.x]);
    const k = decode(kernels[c.k]);
    const label = `${c.x}*${c.k} ${c.mode} s=${JSON.stringify(c.stride)} p=${JSON.stringify(c.padding)} d=${JSON.stringify(c.dilation)}`;
    for (const method of METHODS) {
      assertMatches(convolve(x, k, { mode: c.mode, stride: c.stride, padding: c.padding, dilation: c.dilation, method }), c.expected, method, label, x, k, c);
    }
  }
});

test("the grid is real data, and its bounds bite: a float32-rounded answer fails both the direct and the FFT check", () => {
  const { data, kernels, cases } = fixture.convolve;
  for (const e of [...Object.values(data), ...Object.values(kernels)]) {
    assert.ok(e.data.filter((v) => !Number.isInteger(v)).length === e.data.length, "grid operands are full-mantissa floats");
  }
  for (const c of cases) {
    const x = decode(data[c.x]);
    const k = decode(kernels[c.k]);
    const rounded = c.expected.data.map(Math.fround);
    assert.notEqual(boundMismatch(rounded, { data: c.expected.data, absSum: c.absSum, terms: c.terms }, 2, "float64"), undefined, "direct bound");
    const tol = FFT_BOUND * 2 ** -53 * norm2(x) * norm2(k);
    assert.ok(rounded.some((v, i) => Math.abs(v - c.expected.data[i]) > tol), "FFT bound");
  }
  assert.equal(BOUND_C, 4);
});

test("mode 'same' with an even kernel follows scipy.signal.correlate2d (extra zero after), not the N-D correlate", () => {
  const { x, k, correlate2d, correlate } = fixture.sameEven;
  for (const method of METHODS) {
    const y = convolve(decode(x), decode(k), { mode: "same", method });
    assertMatches(y, correlate2d, method, "same/even", decode(x), decode(k));
    const diff = flat(y).some((v, i) => Math.abs(v - correlate.data[i]) > 1e-6);
    assert.ok(diff, "the N-D scipy.signal.correlate centres even kernels the other way");
  }
});

test("normal-distributed data (13x11x2, 4x5x2 kernel, same, stride [2,1], padding 1): every method within its bound of scipy", () => {
  const f = fixture.randomFloat;
  for (const method of METHODS) {
    const y = convolve(decode(f.x), decode(f.k), { mode: f.mode, stride: f.stride, padding: f.padding, method });
    assertMatches(y, f.expected, method, "random float", decode(f.x), decode(f.k), f);
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
    let expected: RefResult;
    try {
      expected = bruteForce(x, k, options);
      convInfo(x.shape, k.shape, options);
    } catch {
      // Kernel larger than the (padded) input: convolve must refuse it with a ConvError.
      assert.throws(() => convolve(x, k, options), ConvError);
      continue;
    }
    for (const method of METHODS) assertNearReference(convolve(x, k, { ...options, method }), expected, method, `trial ${trial} ${JSON.stringify(options)}`, x, k);
  }
  // Other storage types give the same values (results are float64).
  const xi = ndarray(Int32Array.from({ length: 8 * 9 * 2 }, (_, i) => ((i * 7) % 11) - 5), [8, 9, 2]);
  const kf = ndarray(Float32Array.from({ length: 3 * 2 }, (_, i) => i - 2.5), [3, 2]);
  const expected = bruteForce(xi, kf, { stride: 2, padding: 1 });
  for (const method of METHODS) {
    const y = convolve(xi, kf, { stride: 2, padding: 1, method });
    assert.ok(y.data instanceof Float64Array);
    assertNearReference(y, expected, method, "int32/float32", xi, kf);
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
  for (const m of CONV_METHODS) assertNearReference(convolve(x, k, { stride: 2, costs: only(m) }), expected, m, `auto->${m}`, x, k);
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
