/**
 * The calls the README shows, run for real: tsc type-checks them against the public
 * API, and the test checks the README's stated results and the output shapes (the
 * values of each function are checked against numpy/scipy in its own test file).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Conv2D, avgPool2d, compile, conv2dNHWC, convolve, correlate, einsum, einsumPath, explain, fftconvolve,
  fromNested, maxPool2d, outputSize, tensordot, toNested, windows, zeros, Tensor,
} from "../src/index";
import { allclose, arange, assertAllClose, full, linspace, maxAbsDiff, ones, rand, randn, reshape, copy, permute } from "../src/index";
import { recordingDisplay, show, timeit } from "../src/notebook";
import { symmetricRandom } from "../src/random";

function random(shape: number[], seed: number): Tensor {
  const t = zeros(shape);
  const r = symmetricRandom(seed);
  for (let i = 0; i < t.data.length; i++) (t.data as Float64Array)[i] = r();
  return t;
}

test("README quick tour", () => {
  const a = fromNested([[1, 2, 3], [4, 5, 6]]);
  const b = fromNested([[1, 0], [0, 1], [1, 1]]);
  assert.deepEqual(toNested(einsum("ij,jk->ik", a, b)), [[4, 5], [10, 11]]);
  assert.deepEqual(toNested(einsum("ij,jk", a, b)), [[4, 5], [10, 11]]);
  assert.equal(toNested(einsum("ii", fromNested([[1, 2], [3, 4]]))), 5);
  assert.deepEqual(toNested(einsum(a, [0, 1], b, [1, 2], [0, 2])), [[4, 5], [10, 11]]);
  const c = zeros([2, 2]);
  einsum("ij,jk->ik", a, b, { out: c });
  assert.deepEqual(toNested(c), [[4, 5], [10, 11]]);
  const ops = [[3, 4], [2, 5], [4, 5, 6, 7], [3, 6], [2, 7]].map((s, i) => random(s, i));
  const optimal = einsum("ea,fb,abcd,gc,hd->efgh", ...ops, { optimize: "optimal" });
  const naive = einsum("ea,fb,abcd,gc,hd->efgh", ...ops, { optimize: false });
  (optimal.data as Float64Array).forEach((v, i) => assert.ok(Math.abs(v - (naive.data as Float64Array)[i]) < 1e-9));
  assert.deepEqual(tensordot(random([3, 4, 5], 1), random([4, 3, 2], 2), [[1, 0], [0, 1]]).shape, [5, 2]);

  const x = random([4, 3, 12, 10], 3);
  const weight = random([128, 3, 3, 3], 4);
  const win = windows(x, { kernel: 3, stride: 2, padding: 1 });
  assert.deepEqual(win.shape, [4, 3, 6, 5, 3, 3]);
  assert.deepEqual(einsum("bihwkl,oikl->bohw", win, weight).shape, [4, 128, 6, 5]);

  assert.match(einsumPath("ea,fb,abcd,gc,hd->efgh", [10, 10], [10, 10], [10, 10, 10, 10], [10, 10], [10, 10]).table, /Naive FLOP count/);
  assert.match(explain("ij,jk->ik", [512, 512], [512, 512]).text, /packed GEMM/);
  const matmul = compile("ij,jk->ik", [256, 256], [256, 256]);
  assert.deepEqual(matmul.run(random([256, 256], 5), random([256, 256], 6)).shape, [256, 256]);
  assert.throws(() => einsum("ij,jk", a, fromNested([[1, 2], [3, 4]])), /Line 1, col 4:\n> 1 \| ij,jk\n {9}\^\nsize mismatch for label 'j': operand 0 has size 3 but operand 1 has size 2/);
});

test("README convolution calls", () => {
  assert.equal(outputSize(28, 3), 26);
  assert.equal(outputSize(56, 5, { padding: 1, stride: 2 }), 27);
  const img = random([20, 18, 3], 7);
  const k = random([3, 3, 3], 8);
  const auto = convolve(img, k, { method: "auto", stride: 2, padding: 1, mode: "valid" });
  const fft = convolve(img, k, { method: "fft", stride: 2, padding: 1, mode: "valid" });
  assert.deepEqual(auto.shape, [10, 9]);
  (auto.data as Float64Array).forEach((v, i) => assert.ok(Math.abs(v - (fft.data as Float64Array)[i]) < 1e-9));
  assert.deepEqual(fftconvolve(random([9, 8], 9), random([3, 4], 10), { mode: "same", axes: [0, 1] }).shape, [9, 8]);
  assert.deepEqual(correlate(random([9], 11), random([4], 12), { mode: "full" }).shape, [12]);
  assert.deepEqual(conv2dNHWC(random([2, 9, 9, 3], 13), random([3, 3, 3, 4], 14), { stride: 2, padding: "same" }).shape, [2, 5, 5, 4]);
  const layer = new Conv2D({ inChannels: 3, outChannels: 128, kernelSize: 3, stride: 2, padding: 1 });
  const x = random([4, 3, 12, 10], 15);
  const y = layer.forward(x);
  assert.deepEqual(y.shape, [4, 128, 6, 5]);
  const { dx, dw, db } = layer.backward(random(y.shape, 16));
  assert.deepEqual([dx.shape, dw.shape, db.shape], [[4, 3, 12, 10], [128, 3, 3, 3], [128]]);
  assert.deepEqual(maxPool2d(x, { kernel: 2 }).shape, [4, 3, 6, 5]);
  assert.deepEqual(avgPool2d(x, { kernel: 3, stride: 2, padding: 1 }).shape, [4, 3, 6, 5]);
});

test("README show() renders numpy-style text outside a notebook through a recording target", () => {
  const target = recordingDisplay();
  show(fromNested([[1, 2], [3, 4]]), { target });
  assert.match(JSON.stringify(target.outputs), /array\(\[\[1\., 2\.\],/);
});

test("README making and comparing arrays", async () => {
  assert.deepEqual(toNested(full([2, 2], 7, { dtype: "int32" })), [[7, 7], [7, 7]]);
  assert.deepEqual(toNested(ones(2)), [1, 1]);
  assert.deepEqual(toNested(arange(1, 2, 0.25)), [1, 1.25, 1.5, 1.75]);
  assert.ok(arange(3).data instanceof Int32Array);
  assert.deepEqual(toNested(linspace(0, 1, 5, { endpoint: true })), [0, 0.25, 0.5, 0.75, 1]);
  const a = arange(12);
  assert.deepEqual(reshape(a, [3, -1]).shape, [3, 4]);
  assert.equal(reshape(a, [3, -1]).data, a.data);
  const t = permute(reshape(a, [3, 4]), [1, 0]);
  assert.throws(() => reshape(t, [12]), /axes 0 and 1 would have to merge/);
  assert.deepEqual(reshape(copy(t), [12]).shape, [12]);
  assert.deepEqual(rand([2, 3], { seed: 0 }).shape, [2, 3]);
  assert.ok(randn([2, 3], { seed: 0, dtype: "float32" }).data instanceof Float32Array);
  const x = random([3, 4], 11);
  const y = einsum("ij->ij", x);
  assert.ok(allclose(x, y, { rtol: 1e-5, atol: 1e-8, equalNan: false }));
  assert.equal(maxAbsDiff(x, y), 0);
  assertAllClose(y, x, { rtol: 1e-7 });
  let now = 0;
  const r = await timeit(() => { now += 7.21; return einsum("ij,jk->ik", x, einsum("ij->ji", x)); }, { clock: () => now });
  assert.match(String(r), /^7.21 ms ± 0 ms per call \(median of 7 runs × 50 calls\)$/);
});
