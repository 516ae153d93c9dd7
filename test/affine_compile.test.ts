/**
 * compile() of affine and padded specs: planned once, run many times, the same numbers
 * as einsum() (number for number) and as the numpy fixtures (test/fixtures/affine.py);
 * the compiled shapes are checked at run(); explain() of a padded spec is pinned.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { compile, einsum } from "../src/einsum";
import { explain } from "../src/explain";
import { einsumPath } from "../src/path";
import { EinsumError } from "../src/errors";
import { fromFlat, toNested, zeros } from "../src/ndutil";
import { Tensor } from "../src/types";
import { AFFINE_CASES, flat } from "./affine_fixture";


function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof EinsumError, `not an EinsumError: ${String(e)}`);
    return e.message;
  }
  assert.fail("did not throw");
}

for (const c of AFFINE_CASES) {
  test(`compile() equals einsum() and numpy: ${c.name}`, () => {
    const ops = c.operands.map((o) => fromFlat(o.data, o.shape));
    const expr = compile(c.spec, ...ops.map((o) => o.shape), c.options);
    const got = expr.run(...ops);
    // The same lowering and the same plain program as einsum: identical numbers, not merely close.
    const want = einsum(c.spec, ...ops, c.options);
    assert.deepEqual(got.shape, want.shape);
    assert.deepEqual(flat(got), flat(want));
    assert.deepEqual(got.shape, c.result.shape);
    flat(got).forEach((g, i) => assert.ok(Math.abs(g - c.result.data[i]) <= 1e-10 * Math.max(1, Math.abs(c.result.data[i])), `${c.name}: element ${i}: ${g} vs ${c.result.data[i]}`));
    // Reusable: a second run with other data gives that data's einsum.
    const other = ops.map((o) => fromFlat(flat(o).map((v, i) => v * 0.5 + (i % 3)), o.shape));
    assert.deepEqual(flat(expr.run(...other)), flat(einsum(c.spec, ...other, c.options)));
  });
}

test("compile(): sizes, float32, out, padded scatter and strided (non-contiguous) operands", () => {
  const x = fromFlat(Array.from({ length: 10 }, (_, i) => i * i - 3), [10]);
  const k = fromFlat([1, -2, 0.5], [3]);
  const sized = compile("(h+k),k->h", [10], [3], { sizes: { h: 4 } });
  assert.deepEqual(flat(sized.run(x, k)), flat(einsum("(h+k),k->h", x, k, { sizes: { h: 4 } })));
  assert.deepEqual(sized.outputShape, [4]);

  const x32 = fromFlat(flat(x), [10], "float32");
  const k32 = fromFlat(flat(k), [3], "float32");
  const r32 = compile("(2h+k),k->h", [10], [3]).run(x32, k32);
  assert.equal(r32.data.constructor, Float32Array);
  assert.deepEqual(flat(r32), flat(einsum("(2h+k),k->h", x32, k32)));

  // Scatter into a given out: zeroed first, as einsum does.
  const scatter = compile("h,k->(h+k)", [3], [2]);
  const out = fromFlat([9, 9, 9, 9], [4]);
  scatter.run(fromFlat([1, 2, 3], [3]), fromFlat([1, 1], [2]), { out });
  assert.deepEqual(toNested(out), [1, 3, 5, 3]);

  // A padded flip, run on a reversed (negative-stride) view: the views are built from the run's strides.
  const pad = { pad: { 0: [[2, 2]] as Array<[number, number]> } };
  const flip = compile("(h-k+2),k->h", [6], [3], pad);
  const base = fromFlat([5, -1, 4, 2, 0, 3], [6]);
  const reversed: Tensor = { ...base, stride: [-1], offset: 5 } as Tensor;
  assert.deepEqual(flat(flip.run(reversed, k)), flat(einsum("(h-k+2),k->h", reversed, k, pad)));
  assert.deepEqual(flat(flip.run(reversed, k)), flat(flip.run(fromFlat(flat(reversed), [6]), k))); // same values, contiguous
  assert.deepEqual(flip.outputShape, [6]); // (h-k+4) in the padded copy of 10: h + 4 <= 9
});

test("compile(): a 3-operand affine spec keeps its contraction path", () => {
  const x = fromFlat(Array.from({ length: 2 * 8 }, (_, i) => Math.sin(i)), [2, 8]);
  const w = fromFlat(Array.from({ length: 3 * 4 }, (_, i) => Math.cos(i)), [3, 4]);
  const v = fromFlat(Array.from({ length: 4 * 5 }, (_, i) => i / 7), [4, 5]);
  const spec = "b(2h+k),kc,cd->bhd";
  const expr = compile(spec, x.shape, w.shape, v.shape, { optimize: "optimal" });
  assert.deepEqual(flat(expr.run(x, w, v)), flat(einsum(spec, x, w, v, { optimize: "optimal" })));
  assert.equal(expr.plan.steps.length, 2);
  assert.equal(expr.plan.optimize, "optimal");
});

test("compile(): run() checks the compiled shapes and refuses per-run sizes/pad", () => {
  const pad = { pad: { 0: [[0, 0], [0, 0], [1, 1], [1, 1]] as Array<[number, number]> } };
  const conv = compile("bi(2h+k-1)(2w+l-1),oikl->bohw", [2, 3, 9, 9], [4, 3, 3, 3], pad);
  assert.deepEqual(conv.outputShape, [2, 4, 5, 5]);
  assert.deepEqual(conv.operandShapes, [[2, 3, 9, 9], [4, 3, 3, 3]]);
  const w = zeros([4, 3, 3, 3]);
  assert.equal(
    message(() => conv.run(zeros([2, 3, 8, 9]), w)),
    'operand 0 has shape [2, 3, 8, 9] but the expression was compiled for [2, 3, 9, 9] (expression "bi(2h+k-1)(2w+l-1),oikl->bohw")',
  );
  assert.equal(message(() => conv.run(zeros([2, 3, 9, 9]))), 'expression "bi(2h+k-1)(2w+l-1),oikl->bohw" takes 2 operands, got 1');
  assert.match(message(() => conv.run(zeros([2, 3, 9, 9]), w, { out: zeros([2, 4, 4, 4]) })), /out has shape \[2, 4, 4, 4\] but the result has shape \[2, 4, 5, 5\]/);
  assert.match(message(() => conv.run(zeros([2, 3, 9, 9]), w, { pad: {} })), /Expression\.run: pad is fixed when the expression is compiled/);
  // Bounds and ranges are checked once, at compile time, with the caret.
  assert.equal(
    message(() => compile("bi(2h+k)(2w+l),oikl->bohw", [2, 3, 64, 64], [4, 3, 3, 3], { sizes: { h: 32, w: 31 } })),
    "Line 1, col 3:\n> 1 | bi(2h+k)(2w+l),oikl->bohw\n        ^~~~~~\nindex (2h+k) reaches 64 but axis 2 of operand 0 has size 64 (h < 32, k < 3)",
  );
  assert.match(message(() => compile("(h+k),k->h", [10], [3], { pad: { 2: [[1, 1]] } })), /pad names operand 2, but there are only 2 operands/);
  // A padded axis's bounds are said in the operand's own coordinates, with the index as written.
  assert.equal(
    message(() => compile("(h+k-2),k->h", [10], [3], { sizes: { h: 8 }, pad: { 0: [[1, 1]] } })),
    "Line 1, col 1:\n> 1 | (h+k-2),k->h\n      ^~~~~~~\nindex (h+k-2) reaches -2 but axis 0 of operand 0 has size 10, padded by [1, 1] to indices -1..10 (h < 8, k < 3): add 1 to its constant, or pad axis 0 by 2 before",
  );
  assert.equal(
    message(() => compile("(h+k-1),k->h", [10], [3], { sizes: { h: 11 }, pad: { 0: [[1, 1]] } })),
    "Line 1, col 1:\n> 1 | (h+k-1),k->h\n      ^~~~~~~\nindex (h+k-1) reaches 11 but axis 0 of operand 0 has size 10, padded by [1, 1] to indices -1..10 (h < 11, k < 3)",
  );
});

test("explain() of a padded spec shows the index as written, the padding and the view over the padded copy", () => {
  const pad = { pad: { 0: [[0, 0], [0, 0], [1, 1], [1, 1]] as Array<[number, number]> } };
  const text = explain("bi(2h+k-1)(2w+l-1),oikl->bohw", [2, 3, 9, 9], [4, 3, 3, 3], pad).text;
  const lines = text.split("\n");
  assert.deepEqual(lines.slice(0, 3), [
    'spec: "bi(2h+k-1)(2w+l-1),oikl->bohw"',
    "operands: #0 bi(2h+k-1)(2w+l-1) [2, 3, 9, 9]; #1 oikl [4, 3, 3, 3]",
    "output: bohw [2, 4, 5, 5] float64",
  ]);
  const at = lines.findIndex((l) => l.startsWith("affine lowering"));
  assert.deepEqual(lines.slice(at, at + 5), [
    'affine lowering: plain spec "bihwkl,oikl->bohw" over derived views (no copy unless padded)',
    "  operand 0: bi(2h+k-1)(2w+l-1) over [2, 3, 9, 9]",
    "    pad [[0, 0], [0, 0], [1, 1], [1, 1]]: one zero-padded copy [2, 3, 11, 11] (a copy, made at each run)",
    "    over the padded copy: bi(2h+k)(2w+l) → view bihwkl shape [2, 3, 5, 5, 3, 3] strides [363, 121, 22, 2, 11, 1] offset +0",
    "  operand 1: oikl → view oikl shape [4, 3, 3, 3] strides [27, 9, 3, 1] offset +0",
  ]);
  // A compiled expression explains itself with its own shapes and options: the same text.
  const conv = compile("bi(2h+k-1)(2w+l-1),oikl->bohw", [2, 3, 9, 9], [4, 3, 3, 3], pad);
  assert.equal(explain(conv).text, text);
  // A scatter: the real output (not the intermediate), its index as written.
  const t = explain("bohw,oikl->bi(2h+k)(2w+l)", [2, 4, 3, 3], [4, 3, 3, 3]);
  assert.deepEqual(t.outputShape, [2, 3, 7, 7]);
  assert.match(t.text, /\noutput: bi\(2h\+k\)\(2w\+l\) \[2, 3, 7, 7\] float64\n/);
  assert.match(t.text, /\n {2}output bi\(2h\+k\)\(2w\+l\) \[2, 3, 7, 7\]: scatter-add of an intermediate bihwkl/);
  assert.deepEqual(t.outputShape, compile("bohw,oikl->bi(2h+k)(2w+l)", [2, 4, 3, 3], [4, 3, 3, 3]).outputShape);
});

test("einsumPath, explain and compile plan an affine spec the same way (FLOPs over the real ranges)", () => {
  const spec = "bi(2h+k-1)(2w+l-1),oikl->bohw";
  const shapes = [[2, 3, 9, 9], [4, 3, 3, 3]];
  const pad = { pad: { 0: [[0, 0], [0, 0], [1, 1], [1, 1]] as Array<[number, number]> } };
  const info = einsumPath(spec, ...shapes, pad);
  // b i h w k l o = 2·3·5·5·3·3·4 multiply-adds, one step.
  assert.equal(info.optimizedFlops, 2 * 2 * 3 * 5 * 5 * 3 * 3 * 4);
  assert.equal(info.table, explain(spec, ...shapes, pad).text.split("\n\n")[2]);
  assert.equal(compile(spec, ...shapes, pad).plan.optimizedFlops, info.optimizedFlops);
  // pad on a plain spec takes the same route in all three.
  const plainPadded = { pad: { 0: [[0, 2]] as Array<[number, number]> } }; // i runs over 3 values and 2 zeros
  assert.deepEqual(einsumPath("i,i->", [3], [5], plainPadded).plan.sizes.get("i"), 5);
  assert.deepEqual(compile("i,i->", [3], [5], plainPadded).run(fromFlat([1, 2, 3], [3]), fromFlat([1, 1, 1, 1, 10], [5])).data[0], 6);
});
