/**
 * allclose / maxAbsDiff / assertAllClose against numpy (test/fixtures/basics.json):
 * numpy's allclose and element-wise isclose verdicts (NaN, ±Inf, broadcasting, equal_nan,
 * the asymmetry in b), max |a - b|, and np.testing.assert_allclose's mismatch count and
 * max abs/rel differences.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { AllCloseError, allclose, assertAllClose, fromFlat, maxAbsDiff, asStrided, arange, EinsumError } from "../src/index";
import { basics, num, nums } from "./basics_fixture";

const fx = basics();

test("allclose: numpy's verdict on every fixture case, and element by element (isclose)", () => {
  for (const c of fx.allclose) {
    const a = fromFlat(nums(c.a), c.aShape);
    const b = fromFlat(nums(c.b), c.bShape);
    const opts = { rtol: c.rtol, atol: c.atol, equalNan: c.equalNan };
    const label = `allclose([${c.a}] ${c.aShape}, [${c.b}] ${c.bShape}, ${JSON.stringify(opts)})`;
    assert.equal(allclose(a, b, opts), c.allclose, label);
    const m = maxAbsDiff(a, b);
    assert.ok(Object.is(m, num(c.maxAbsDiff)) || m === num(c.maxAbsDiff), `${label}: maxAbsDiff ${m} vs ${c.maxAbsDiff}`);
  }
  // a 0-d operand given as a number
  assert.equal(allclose(1, fromFlat([1, 1 + 1e-9], [2])), true);
});

test("allclose: numpy's isclose on 481 random and special pairs, with and without equalNan", () => {
  const { x, y, isclose, iscloseEqualNan } = fx.pairs;
  let agree = 0;
  for (let i = 0; i < x.length; i++) {
    assert.equal(allclose(num(x[i]), num(y[i])), isclose[i], `isclose(${x[i]}, ${y[i]})`);
    assert.equal(allclose(num(x[i]), num(y[i]), { equalNan: true }), iscloseEqualNan[i], `isclose(${x[i]}, ${y[i]}, equal_nan)`);
    agree++;
  }
  assert.ok(agree > 400 && isclose.some((v) => v) && isclose.some((v) => !v));
});

test("allclose / maxAbsDiff: strided views and a shape mismatch naming both shapes", () => {
  const a = arange(6, { dtype: "float64" });
  const rev = asStrided(a, [6], [-1], 5);
  assert.equal(maxAbsDiff(a, rev), 5);
  assert.throws(() => maxAbsDiff(fromFlat([1, 2, 3], [3]), fromFlat([1, 2], [2])), (e: Error) => e instanceof EinsumError && /shapes \[3\] and \[2\] do not broadcast/.test(e.message));
  assert.throws(() => allclose(fromFlat([1, 2, 3], [3]), fromFlat([1, 2, 3, 4], [2, 2])), /shapes \[3\] and \[2, 2\] do not broadcast/);
  assert.throws(() => allclose(a, a, { rtol: -1 }), /rtol must be a finite number >= 0, got -1/);
  assert.throws(() => allclose(a, a, { rtoll: 1 } as never), /unknown option "rtoll"/);
  assert.equal(maxAbsDiff(fromFlat([], [0]), fromFlat([], [0])), 0);
  assert.ok(Number.isNaN(maxAbsDiff(fromFlat([1, NaN, 3], [3]), fromFlat([1, 2, 30], [3]))));
});

test("assertAllClose: passes and fails where numpy's assert_allclose does, with numpy's counts and max differences", () => {
  for (const c of fx.assertAllClose) {
    const actual = fromFlat(nums(c.actual), c.shape);
    const desired = fromFlat(nums(c.desired), c.shape);
    const label = `assert_allclose([${c.actual}], [${c.desired}], rtol=${c.rtol}, atol=${c.atol})`;
    if (c.passes) {
      assert.doesNotThrow(() => assertAllClose(actual, desired, { rtol: c.rtol, atol: c.atol }), label);
      continue;
    }
    assert.throws(() => assertAllClose(actual, desired, { rtol: c.rtol, atol: c.atol }), (e: Error) => {
      assert.ok(e instanceof AllCloseError && e instanceof EinsumError, label);
      const r = e.report;
      assert.equal(r.mismatches, c.mismatches, label);
      assert.equal(r.total, c.total, label);
      // numpy prints its maxima with limited digits
      const near = (got: number, want: number) => got === want || Math.abs(got - want) <= 1e-6 * Math.abs(want);
      assert.ok(near(r.maxAbsDiff, num(c.maxAbsDiff!)), `${label}: max abs ${r.maxAbsDiff} vs ${c.maxAbsDiff}`);
      assert.ok(near(r.maxRelDiff, num(c.maxRelDiff!)), `${label}: max rel ${r.maxRelDiff} vs ${c.maxRelDiff}`);
      assert.match(e.message, new RegExp(`Mismatched elements: ${c.mismatches} / ${c.total}`), label);
      return true;
    });
  }
});

test("assertAllClose: the message names the worst index, both values, the differences and the tolerance", () => {
  const actual = fromFlat([1, 2, 3, 4.5], [2, 2]);
  const desired = fromFlat([1.1, 2, 3, 4], [2, 2]);
  assert.throws(() => assertAllClose(actual, desired, { rtol: 1e-3 }), (e: Error) => {
    assert.match(e.message, /not equal to tolerance rtol=0.001, atol=0/);
    assert.match(e.message, /Mismatched elements: 2 \/ 4 \(50%\)/);
    assert.match(e.message, /Worst at index \[1, 1\]: actual 4.5, desired 4, \|diff\| 0.5 > tolerance 0.004 .*relative diff 0.125/);
    assert.match(e.message, /ACTUAL: array\(\[\[1. , 2. \],/);
    assert.deepEqual((e as AllCloseError).report.worstIndex, [1, 1]);
    return true;
  });
  // NaN: equal by default (numpy's equal_nan=True), unequal when asked
  assertAllClose(fromFlat([1, NaN], [2]), fromFlat([1, NaN], [2]));
  assert.throws(() => assertAllClose(fromFlat([1, NaN], [2]), fromFlat([1, NaN], [2]), { equalNan: false }), /Worst at index \[1\]: actual NaN, desired NaN/);
  assert.throws(() => assertAllClose(fromFlat([1, 2], [2]), fromFlat([1, 2, 3], [3])), /shapes differ: actual \[2\], desired \[3\]/);
  assertAllClose(fromFlat([2, 2], [2]), 2);
});
