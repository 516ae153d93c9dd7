import { test } from "node:test";
import assert from "node:assert/strict";
import ndarray from "ndarray";
import { checkShape, ConvError, padND, padSpatial, pickStrided, repeatKernel } from "../src/conv";
import { Tensor } from "../src/types";

function iota(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return ndarray(Float64Array.from({ length: n }, (_, i) => i + 1), shape);
}

/** Every index of a shape, row-major. */
function* indices(shape: readonly number[]): Generator<number[]> {
  const idx = new Array<number>(shape.length).fill(0);
  if (shape.some((n) => n === 0)) return;
  for (;;) {
    yield [...idx];
    let a = shape.length - 1;
    for (; a >= 0; a--) {
      if (++idx[a] < shape[a]) break;
      idx[a] = 0;
    }
    if (a < 0) return;
  }
}

test("padSpatial: the blog's padArray shapes, (50,60)->(52,62) and (50,60,3)->(52,62,3)", () => {
  assert.deepEqual(padSpatial(iota([50, 60]), 1, 1).shape, [52, 62]);
  assert.deepEqual(padSpatial(iota([50, 60]), 1).shape, [52, 62]);
  assert.deepEqual(padSpatial(iota([50, 60, 3]), 1, 1).shape, [52, 62, 3]);
});

test("padSpatial: data in the middle, zeros around, depth untouched; asymmetric widths", () => {
  const x = iota([3, 4, 2]);
  const p = padSpatial(x, [1, 2], [0, 3]);
  assert.deepEqual(p.shape, [6, 7, 2]);
  for (const [i, j, c] of indices(p.shape)) {
    const inside = i >= 1 && i < 4 && j < 4;
    assert.equal(p.get(i, j, c), inside ? x.get(i - 1, j, c) : 0);
  }
  assert.equal(padSpatial(x, 0), x, "no padding returns the input itself");
  assert.throws(() => padSpatial(iota([2, 2, 2, 2]), 1), /padSpatial must be 2-D \(h, w\) or 3-D \(h, w, c\), got rank 4/);
  assert.throws(() => padSpatial(x, -1), /row padding must be a non-negative integer, got -1/);
});

test("padND: general N-D padding of leading axes, numbers or [before, after] pairs", () => {
  const x = iota([2, 3, 4]);
  const p = padND(x, [0, [1, 2]], 7);
  assert.deepEqual(p.shape, [2, 6, 4]);
  for (const [a, b, c] of indices(p.shape)) assert.equal(p.get(a, b, c), b >= 1 && b < 4 ? x.get(a, b - 1, c) : 7);
  assert.deepEqual(padND(x, 1).shape, [4, 5, 6]);
  assert.throws(() => padND(x, [1, 1, 1, 1]), /padND: 4 padding widths for an array of rank 3/);
  assert.throws(() => padND(x, [[1, -2]]), /padding of axis 0 \(after\) must be a non-negative integer, got -2/);
});

test("pickStrided: every stride-th element of the first two axes, as a view", () => {
  const x = iota([5, 7, 2]);
  const v = pickStrided(x, 2);
  assert.equal(v.data, x.data, "shares the data");
  assert.deepEqual(v.shape, [3, 4, 2]);
  for (const [i, j, c] of indices(v.shape)) assert.equal(v.get(i, j, c), x.get(2 * i, 2 * j, c));
  const w = pickStrided(x, [1, 3]);
  assert.deepEqual(w.shape, [5, 3, 2]);
  for (const [i, j, c] of indices(w.shape)) assert.equal(w.get(i, j, c), x.get(i, 3 * j, c));
  assert.equal(pickStrided(x, 1), x);
  assert.throws(() => pickStrided(x, 0), /stride must be an integer >= 1, got 0/);
  assert.throws(() => pickStrided(iota([4]), 2), /pickStrided: needs at least 2 axes, got rank 1/);
});

test("repeatKernel: a stride-0 view along the new depth axis", () => {
  const k = iota([3, 2]);
  const r = repeatKernel(k, 4);
  assert.deepEqual(r.shape, [3, 2, 4]);
  assert.equal(r.data, k.data);
  assert.equal(r.stride[2], 0);
  for (const [i, j, c] of indices(r.shape)) assert.equal(r.get(i, j, c), k.get(i, j));
  // Works on views too (a transposed kernel).
  const t = repeatKernel(k.transpose(1, 0), 2);
  for (const [i, j, c] of indices(t.shape)) assert.equal(t.get(i, j, c), k.get(j, i));
  assert.throws(() => repeatKernel(iota([3, 3, 3]), 2), /repeatKernel: expects a 2-D kernel \(kh, kw\), got rank 3/);
  assert.throws(() => repeatKernel(k, 0), /repeatKernel depth must be an integer >= 1, got 0/);
});

test("checkShape: 3-D views of both operands, and clear errors for unsupported ranks", () => {
  const x2 = iota([7, 6]);
  const x3 = iota([7, 6, 3]);
  const k2 = iota([3, 3]);
  const a = checkShape(x2, k2);
  assert.deepEqual(a.data.shape, [7, 6, 1]);
  assert.deepEqual(a.kernel.shape, [3, 3, 1]);
  assert.equal(a.data.data, x2.data);
  const b = checkShape(x3, k2);
  assert.deepEqual(b.kernel.shape, [3, 3, 3]);
  assert.equal(b.kernel.stride[2], 0);
  assert.equal(checkShape(x3, iota([2, 2, 3])).data, x3);
  assert.throws(() => checkShape(iota([2, 2, 2, 2]), k2), ConvError);
  assert.throws(() => checkShape(iota([2, 2, 2, 2]), k2), /data must be 2-D \(h, w\) or 3-D \(h, w, c\), got rank 4 \(shape \[2, 2, 2, 2\]\)/);
  assert.throws(() => checkShape(x3, iota([3])), /kernel must be 2-D \(kh, kw\) or 3-D \(kh, kw, c\), got rank 1/);
  assert.throws(() => checkShape(x2, iota([3, 3, 1])), /a 3-D kernel \(shape \[3, 3, 1\]\) needs 3-D data, got 2-D data \(shape \[7, 6\]\)/);
  assert.throws(() => checkShape(x3, iota([3, 3, 2])), /kernel has 2 channels but the data has 3 channels/);
});
