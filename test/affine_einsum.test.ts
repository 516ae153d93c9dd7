/**
 * Affine index expressions in einsum: numpy fixtures for the equivalent windowed
 * computations (test/fixtures/affine.py), the range rule, padding, scatter outputs,
 * bounds checks and syntax errors pinned with their carets.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { einsum, parse } from "../src/einsum";
import { hasAffine } from "../src/parse";
import { EinsumError } from "../src/errors";
import { fromFlat, toNested, zeros } from "../src/ndutil";
import { windows } from "../src/views/windows";
import { Tensor } from "../src/types";
import { AFFINE_CASES, Enc, flat } from "./affine_fixture";


function close(got: Tensor, want: Enc, name: string): void {
  assert.deepEqual(got.shape, want.shape, `${name}: shape`);
  const g = flat(got);
  want.data.forEach((w, i) => assert.ok(Math.abs(g[i] - w) <= 1e-10 * Math.max(1, Math.abs(w)), `${name}: element ${i}: ${g[i]} vs ${w}`));
}

for (const c of AFFINE_CASES) {
  test(`affine fixture: ${c.name}`, () => {
    const ops = c.operands.map((o) => fromFlat(o.data, o.shape));
    close(einsum(c.spec, ...ops, c.options), c.result, c.name);
  });
}

test("the reference example is exact", () => {
  const c = AFFINE_CASES.find((k) => k.name.startsWith("reference"))!;
  const [x, k] = c.operands.map((o) => fromFlat(o.data, o.shape));
  assert.deepEqual(toNested(einsum("(2h+k)(2w+l),kl->hw", x, k)), [[91, 100, 88], [69, 91, 117], [44, 72, 74]]);
});

test("affine spec equals windows() + plain einsum (same view, GEMM route)", () => {
  const x = fromFlat(Array.from({ length: 2 * 3 * 10 * 10 }, (_, i) => Math.sin(i)), [2, 3, 10, 10]);
  const w = fromFlat(Array.from({ length: 4 * 3 * 9 }, (_, i) => Math.cos(i)), [4, 3, 3, 3]);
  const want = einsum("bihwkl,oikl->bohw", windows(x, { kernel: 3, stride: 2, padding: 1 }), w);
  const got = einsum("bi(2h+k-1)(2w+l-1),oikl->bohw", x, w, { pad: { 0: [[0, 0], [0, 0], [1, 1], [1, 1]] } });
  assert.deepEqual(got.shape, want.shape);
  flat(got).forEach((v, i) => assert.ok(Math.abs(v - flat(want)[i]) < 1e-12));
});

test("ranges: plain size, sizes option, out shape, largest valid range", () => {
  const x = fromFlat([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [10]);
  const k = fromFlat([1, 1, 1], [3]);
  assert.deepEqual(einsum("(h+k),k->h", x, k).shape, [8]); // valid: h < 8
  assert.deepEqual(einsum("(2h+k),k->h", x, k).shape, [4]); // 2h+2 <= 9 → h < 4
  assert.deepEqual(toNested(einsum("(h+k),k->h", x, k, { sizes: { h: 2 } })), [3, 6]);
  assert.deepEqual(toNested(einsum("(h+k),k->h", x, k, { out: zeros([3]) })), [3, 6, 9]);
  assert.deepEqual(toNested(einsum("(2h)->h", x)), [0, 2, 4, 6, 8]);
});

test("scatter: overlapping contributions add; out is zeroed first; repeated output is a diagonal", () => {
  const a = fromFlat([1, 2, 3], [3]);
  const ones = fromFlat([1, 1], [2]);
  assert.deepEqual(toNested(einsum("h,k->(h+k)", a, ones)), [1, 3, 5, 3]);
  const out = fromFlat([9, 9, 9, 9, 9], [5]);
  einsum("h,k->(h+k)", a, ones, { out });
  assert.deepEqual(toNested(out), [1, 3, 5, 3, 0]);
  assert.deepEqual(toNested(einsum("i->i(i)", a)), [[1, 0, 0], [0, 2, 0], [0, 0, 3]]);
});

test("parse: affine items become records; plain specs are unchanged", () => {
  const s = parse("bi( 2*h + k -1 )(w-2l),oikl->bohw");
  const items = s.inputs[0].items;
  assert.deepEqual(items[2], { kind: "affine", index: { terms: [{ label: "h", coef: 2 }, { label: "k", coef: 1 }], constant: -1 }, span: { start: 2, end: 16 } });
  assert.deepEqual(items[3], { kind: "affine", index: { terms: [{ label: "w", coef: 1 }, { label: "l", coef: -2 }], constant: 0 }, span: { start: 16, end: 22 } });
  assert.equal(hasAffine(s), true);
  assert.equal(hasAffine(parse("bihwkl,oikl->bohw")), false);
});

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof EinsumError, `not an EinsumError: ${String(e)}`);
    return e.message;
  }
  assert.fail("did not throw");
}

test("bounds are always checked, with a caret under the index", () => {
  const x = zeros([2, 3, 64, 64]);
  const w = zeros([4, 3, 3, 3]);
  assert.equal(
    message(() => einsum("bi(2h+k)(2w+l),oikl->bohw", x, w, { sizes: { h: 32, w: 31 } })),
    "Line 1, col 3:\n> 1 | bi(2h+k)(2w+l),oikl->bohw\n        ^~~~~~\nindex (2h+k) reaches 64 but axis 2 of operand 0 has size 64 (h < 32, k < 3)",
  );
  assert.equal(
    message(() => einsum("(h-k),k->h", zeros([10]), zeros([3]), { sizes: { h: 8 } })),
    "Line 1, col 1:\n> 1 | (h-k),k->h\n      ^~~~~\nindex (h-k) reaches -2 but labels run from 0 (axis 0 of operand 0 starts at 0; h < 8, k < 3): add 2 to its constant, or pad the operand",
  );
  assert.match(message(() => einsum("(h+k)->h", zeros([10]))), /label 'h' has no range[^]*sizes: \{ h: n \}/);
});

test("syntax errors point at the expression", () => {
  const x = zeros([4]);
  assert.equal(message(() => einsum("(2h+k,k->h", x, x)), "Line 1, col 1:\n> 1 | (2h+k,k->h\n      ^~~~~\nunclosed '(': an affine index ends with ')'");
  assert.equal(
    message(() => einsum("(h+2h),h->h", x, x)),
    "Line 1, col 4:\n> 1 | (h+2h),h->h\n         ^~\nlabel 'h' appears twice inside one affine index; write its coefficients as one term",
  );
  assert.equal(
    message(() => einsum("(1.5h),h->h", x, x)),
    "Line 1, col 2:\n> 1 | (1.5h),h->h\n       ^~~\ncoefficient 1.5 is not an integer: affine indices take integer coefficients",
  );
  assert.equal(message(() => einsum("(),h->h", x, x)), "Line 1, col 1:\n> 1 | (),h->h\n      ^~\nempty affine index '()': write labels with integer coefficients, e.g. (2h+k)");
  assert.match(message(() => einsum("(3),h->h", x, x)), /affine index \(3\) has no label/);
  assert.match(message(() => einsum("...(h+k),k->h", x, x)), /'\.\.\.' cannot be combined with affine indices/);
});
