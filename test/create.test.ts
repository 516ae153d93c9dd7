/**
 * ones/full/arange/linspace/reshape against numpy (test/fixtures/basics.json, written by
 * basics.py): exact values for arange and linspace, and for reshape numpy's own verdict on
 * whether a view is possible (setting `.shape` raises AttributeError when it would need a
 * copy) plus the strides of the view.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { arange, asStrided, copy, dtypeOf, full, linspace, ones, reshape, toNested, EinsumError } from "../src/index";
import { basics, nums } from "./basics_fixture";

const fx = basics();
const flat = (t: { data: ArrayLike<number> }) => Array.from(t.data);

test("arange: numpy's values and default dtype (int for integer arguments)", () => {
  assert.ok(fx.arange.length >= 20);
  for (const c of fx.arange) {
    const label = `arange(${c.args.join(", ")}${c.dtype ? `, ${c.dtype}` : ""})`;
    const a = c.dtype ? (arange as (...xs: unknown[]) => ReturnType<typeof arange>)(...(c.args.length === 1 ? [c.args[0]] : [c.args[0], c.args[1], c.args[2]]), { dtype: c.dtype }) : (arange as (...xs: number[]) => ReturnType<typeof arange>)(...c.args);
    assert.deepEqual(flat(a), nums(c.values), label);
    assert.deepEqual(a.shape, [c.values.length], label);
    const want = c.dtype ?? (c.numpyDtype === "int" ? "int32" : "float64");
    assert.equal(dtypeOf(a), want, label);
  }
});

test("arange: bad arguments give clear errors", () => {
  assert.throws(() => arange(0, 5, 0), (e: Error) => e instanceof EinsumError && /step must not be 0/.test(e.message));
  assert.throws(() => arange(NaN), /stop must be a finite number, got NaN/);
  assert.throws(() => arange(0, Infinity), /stop must be a finite number/);
  assert.throws(() => arange(0, 2.5, 1, { dtype: "int32" }), /int32 range needs integer start, stop and step/);
  assert.throws(() => arange(0, 2 ** 33, 2 ** 32, { dtype: "int32" }), /int32 array cannot hold/);
  assert.throws(() => arange(3, { dtyp: "int32" } as never), /unknown option "dtyp" \(did you mean "dtype"\?\)/);
});

test("linspace: numpy's values (endpoint true/false, num 0 and 1, underflowing step, int32 floors)", () => {
  for (const c of fx.linspace) {
    const label = `linspace(${c.start}, ${c.stop}, ${c.num}, endpoint=${c.endpoint}, ${c.dtype})`;
    const a = linspace(c.start, c.stop, c.num, { endpoint: c.endpoint, ...(c.dtype ? { dtype: c.dtype } : {}) });
    assert.deepEqual(flat(a), nums(c.values), label);
  }
  assert.equal(linspace(0, 1).shape[0], 50);
});

test("linspace: bad num gives a clear error", () => {
  assert.throws(() => linspace(0, 1, NaN), /num must be a non-negative integer, got NaN/);
  assert.throws(() => linspace(0, 1, -1), /num must be a non-negative integer, got -1/);
  assert.throws(() => linspace(0, 1, 2.5), /num must be a non-negative integer/);
  assert.throws(() => linspace(0, NaN, 3), /stop must be a finite number/);
});

test("ones / full: values, dtype, shape as a number; bad shapes and unstorable values refused", () => {
  assert.deepEqual(toNested(ones([2, 3])), [[1, 1, 1], [1, 1, 1]]);
  assert.equal(dtypeOf(ones(3, { dtype: "float32" })), "float32");
  assert.deepEqual(flat(full(4, -2.5)), [-2.5, -2.5, -2.5, -2.5]);
  assert.deepEqual(flat(full([2], 7, { dtype: "int32" })), [7, 7]);
  assert.deepEqual(ones([0, 3]).shape, [0, 3]);
  assert.throws(() => ones([2, -1]), /invalid shape \[2, -1\]: sizes must be non-negative integers/);
  assert.throws(() => ones([2.5]), /invalid shape/);
  assert.throws(() => full([2], 1.5, { dtype: "int32" }), /value is 1.5, which an int32 array cannot hold/);
  assert.throws(() => full([2], NaN, { dtype: "int32" }), /int32 array cannot hold/);
  assert.throws(() => ones([2], { dtype: "int64" as never }), /unsupported dtype "int64"/);
});

test("reshape: a view exactly where numpy can set .shape, with numpy's strides; otherwise an error naming the axes", () => {
  let views = 0;
  let copies = 0;
  for (const c of fx.reshape) {
    const base = arange(c.n, { dtype: "float64" });
    const v = asStrided(base, c.shape, c.strides, c.offset);
    const label = `shape [${c.shape}] strides [${c.strides}] -> [${c.target}]`;
    if (c.view) {
      views++;
      const r = reshape(v, c.target);
      assert.equal(r.data, base.data, `${label}: shares the buffer`);
      assert.deepEqual(r.shape, c.resultShape, label);
      assert.deepEqual(r.stride, c.resultStrides, label);
      assert.deepEqual(([toNested(r)] as unknown[]).flat(8 as 1), nums(c.values ?? []), label);
    } else {
      copies++;
      assert.throws(() => reshape(v, c.target), (e: Error) => {
        assert.ok(e instanceof EinsumError, label);
        assert.match(e.message, /without copying: axes \d+ and \d+ would have to merge, but they are not contiguous/, label);
        assert.match(e.message, /reshape\(copy\(a\)/, label);
        return true;
      });
      // and the copy numpy would make is what reshape(copy(a)) gives
      assert.deepEqual(reshape(copy(v), c.target).shape, c.resultShape, label);
    }
  }
  assert.ok(views >= 15 && copies >= 10, `${views} view cases, ${copies} copy cases`);
});

test("reshape: the error names the non-contiguous axes of a transposed view", () => {
  const t = asStrided(arange(12), [4, 3], [1, 4], 0);
  assert.throws(() => reshape(t, [12]), /axes 0 and 1 would have to merge.*stride 1 of axis 0 is not 3 × 4/s);
});

test("reshape: -1 and size errors", () => {
  const a = arange(12);
  assert.deepEqual(reshape(a, [-1, 3]).shape, [4, 3]);
  assert.deepEqual(reshape(a, 12).shape, [12]);
  assert.throws(() => reshape(a, [-1, -1]), /only one size may be -1/);
  assert.throws(() => reshape(a, [5, -1]), /cannot reshape an array of size 12 \(shape \[12\]\) into shape \[5, -1\]/);
  assert.throws(() => reshape(a, [5, 2]), /cannot reshape an array of size 12/);
  assert.throws(() => reshape(a, [-2, 6]), /invalid shape \[-2, 6\]/);
  assert.throws(() => reshape(arange(0), [0, -1]), /cannot reshape an array of size 0/);
  assert.throws(() => reshape([1, 2] as never, [2]), /reshape: a is not an ndarray/);
});
