/** How tensors and errors display in a REPL/notebook (in-process; the kernel round trip is in kernel_protocol.test.ts). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import vm from "node:vm";
import ndarray from "ndarray";
import { displayable, JUPYTER_DISPLAY } from "../src/display_hook";
import { EinsumError } from "../src/errors";
import { ConvError } from "../src/fft/errors";
import { einsum } from "../src/einsum";
import { fftconvolve } from "../src/fft";
import { fromNested, zeros } from "../src/ndutil";
import { windows } from "../src/views";
import { formatArray } from "../src/notebook/format";
import type { Tensor } from "../src/types";

const bundleOf = (x: Tensor): Record<string, string> => (x as unknown as Record<symbol, () => Record<string, string>>)[JUPYTER_DISPLAY]();

test("einsum results, zeros and views print numpy-style through util.inspect", () => {
  const c = einsum("ij,jk->ik", fromNested([[1, 2, 3], [4, 5, 6]]), fromNested([[1, 0], [0, 1], [1, 1]]));
  // numpy: repr(np.array([[4., 5.], [10., 11.]]))
  assert.equal(inspect(c), "array([[ 4.,  5.],\n       [10., 11.]])");
  assert.equal(inspect(zeros([2], "int32")), "array([0, 0], dtype=int32)");
  const w = windows(fromNested([[[[0, 1, 2], [3, 4, 5], [6, 7, 8]]]]), { kernel: 2 });
  assert.equal(inspect(w), formatArray(w));
  assert.match(inspect({ c }), /c: array\(\[\[ 4\., {2}5\.\],/, "nested inside an object too");
});

test("the hooks are invisible to keys, JSON and deep equality", () => {
  const x = fromNested([[1, 2], [3, 4]]);
  assert.deepEqual(Object.keys(x), ["data", "shape", "stride", "offset"]);
  assert.deepStrictEqual(x, ndarray(new Float64Array([1, 2, 3, 4]), [2, 2]));
});

test("plain ndarray(...) keeps ndarray's dump until displayable(x)", () => {
  const x = ndarray(new Float64Array([1, 2, 3, 4]), [2, 2]);
  assert.doesNotMatch(inspect(x), /^array\(/);
  assert.equal(displayable(x), x, "in place");
  assert.equal(inspect(x), "array([[1., 2.],\n       [3., 4.]])");
  const frozen = Object.freeze(ndarray(new Float64Array(1), [1]));
  assert.equal(displayable(frozen), frozen, "a frozen array is returned unchanged");
});

test("Jupyter.display bundle: numpy text/plain, HTML table only for small 2-D", () => {
  const small = bundleOf(fromNested([[1.5, 2], [3, 4]]));
  assert.deepEqual(Object.keys(small).sort(), ["text/html", "text/plain"]);
  assert.equal(small["text/plain"], "array([[1.5, 2. ],\n       [3. , 4. ]])");
  assert.match(small["text/html"], /^<table class="einconv-array"/);
  assert.match(small["text/html"], /white-space:nowrap">shape \(2, 2\), float64<\/caption>/);
  assert.deepEqual([...small["text/html"].matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1]), ["1.5", "2.", "3.", "4."]);
  const cube = bundleOf(zeros([2, 2, 2]));
  assert.deepEqual(Object.keys(cube), ["text/plain"]);
  const big = bundleOf(zeros([30, 2]));
  assert.deepEqual(Object.keys(big), ["text/plain"]);
  const conv = bundleOf(fftconvolve(fromNested([1, 2, 3]), fromNested([1, 1])));
  assert.equal(conv["text/plain"], "array([1., 3., 5., 3.])");
});

function caught(fn: () => unknown): EinsumError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof EinsumError);
    return e;
  }
  assert.fail("no error thrown");
}

const SIZE_MESSAGE =
  "Line 1, col 4:\n> 1 | ij,jk\n         ^\nsize mismatch for label 'j': operand 0 has size 3 but operand 1 has size 2 (sizes must be equal or 1)";

test("an EinsumError inspects as its caret message plus the caller's frames only", () => {
  const e = caught(() => einsum("ij,jk", fromNested([[1, 2, 3]]), fromNested([[1, 2], [3, 4]])));
  const text = inspect(e);
  assert.ok(text.startsWith(`EinsumError: ${SIZE_MESSAGE}\n    at `), text);
  assert.doesNotMatch(text, /dist[\\/]src[\\/]|source:|span:/);
  assert.match(text, /notebook_display\.test\.js/, "the calling frame is kept");
  assert.equal(e.stack, text, "stack is the same text");
  // The fields stay readable, just not enumerable (no `{ source, span }` dump).
  assert.equal(e.source, "ij,jk");
  assert.deepEqual(e.span, { start: 3, end: 4 });
  assert.deepEqual(Object.keys(e), []);
  assert.equal(e.name, "EinsumError");
});

test("Node's vm source excerpt in front of the stack is not printed", () => {
  // vm.runInThisContext (how tslab runs a cell) prepends "file:line\nsource\n   ^\n" to a thrown error's stack.
  const g = globalThis as { __displayTest?: () => unknown };
  g.__displayTest = () => einsum("ij,jk", fromNested([[1, 2, 3]]), fromNested([[1, 2], [3, 4]]));
  let thrown: unknown;
  try {
    vm.runInThisContext("__displayTest()", { filename: "cell.ts" });
  } catch (e) {
    thrown = e;
  } finally {
    delete g.__displayTest;
  }
  assert.ok(thrown instanceof EinsumError);
  assert.ok(inspect(thrown).startsWith(`EinsumError: ${SIZE_MESSAGE}\n`), inspect(thrown));
  assert.doesNotMatch(inspect(thrown), /throw new/);
});

test("ConvError displays the same way", () => {
  const e = caught(() => fftconvolve(fromNested([1, 2]), fromNested([1]), { mode: "bad" as never }));
  assert.ok(e instanceof ConvError);
  assert.ok(inspect(e).startsWith('EinsumError: mode must be "full", "same" or "valid", got "bad"\n'), inspect(e));
  assert.doesNotMatch(inspect(e), /dist[\\/]src[\\/]/);
});
