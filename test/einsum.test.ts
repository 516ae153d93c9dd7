/**
 * einsum against numpy: every case in test/fixtures/einsum.json (written by einsum.py) must give
 * numpy's shape, dtype and values, under every optimize setting and with `out`; every error case must
 * throw an EinsumError that names the offending thing. The brute-force reference is checked against
 * the same fixtures, so both oracles agree before they are used on random views.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import ndarray from "ndarray";
import { einsum, EinsumError } from "../src/index";
import {
  Arr,
  DTypeName,
  FixtureArray,
  Numeric,
  dtypeOf,
  firstMismatch,
  fromFixture,
  loadFixture,
  referenceEinsum,
  throwsEinsumError,
  toFlat,
  tolerance,
  typed,
} from "./reference";

type SubLabel = number | "...";

interface Case {
  name: string;
  spec?: string;
  sublist?: { inputs: SubLabel[][]; output?: SubLabel[] };
  operands: FixtureArray[];
  options?: { dtype?: DTypeName };
  expected: FixtureArray;
}

interface ErrorCase {
  name: string;
  spec?: string;
  sublist?: { inputs: SubLabel[][]; output?: SubLabel[] };
  shapes: number[][];
  dtypes?: DTypeName[];
  numpyError: { type: string; message: string };
  kind: "syntax" | "semantic";
  col?: number;
  mustMention: string[];
  should: string;
}

interface Fixture {
  numpy: string;
  cases: Case[];
  errors: ErrorCase[];
}

const fx = loadFixture<Fixture>("einsum");

/** einsum called with loosely typed arguments (sublist form, options, deliberately bad input). */
const callEinsum = einsum as unknown as (...args: unknown[]) => Arr;

/** numpy's sublist integers as letters: 0..25 -> A..Z, 26..51 -> a..z (numpy's own mapping). */
function sublistToSpec(s: { inputs: SubLabel[][]; output?: SubLabel[] }): string {
  const term = (t: SubLabel[]) =>
    t.map((v) => (v === "..." ? "..." : String.fromCharCode(v < 26 ? 65 + v : 97 + v - 26))).join("");
  return s.inputs.map(term).join(",") + (s.output ? "->" + term(s.output) : "");
}

/** Interleaves operands and sublists the way numpy's `einsum(a, [0, 1], b, [1, 2], [0, 2])` does. */
function sublistArgs(s: { inputs: SubLabel[][]; output?: SubLabel[] }, ops: Arr[]): unknown[] {
  const args: unknown[] = [];
  ops.forEach((op, i) => args.push(op, s.inputs[i]));
  if (s.output) args.push(s.output);
  return args;
}

function run(c: Case, ops: Arr[], options?: Record<string, unknown>): Arr {
  const opts = c.options || options ? { ...(c.options ?? {}), ...(options ?? {}) } : undefined;
  const tail = opts ? [opts] : [];
  if (c.sublist) return callEinsum(...sublistArgs(c.sublist, ops), ...tail);
  return callEinsum(c.spec, ...ops, ...tail);
}

function checkResult(label: string, got: Arr, want: FixtureArray): void {
  assert.deepEqual(got.shape, want.shape, `${label}: shape`);
  assert.equal(dtypeOf(got), want.dtype, `${label}: dtype`);
  const bad = firstMismatch(toFlat(got), want.data, tolerance(want.dtype));
  assert.equal(bad, undefined, `${label}: values ${bad}`);
}

/**
 * The same logical array as a fixture operand, but stored back to front after a 2-element margin and read
 * through negative strides on every axis: exercises offsets and negative strides on every fixture case.
 */
function reversedWithOffset(a: FixtureArray): Arr {
  const n = a.data.length;
  const buf = typed(a.dtype, n + 3);
  a.data.forEach((v, i) => (buf[2 + n - 1 - i] = v));
  return ndarray<Numeric>(buf, a.shape.slice(), undefined, 2).step(...a.shape.map(() => -1));
}

function zerosLike(want: FixtureArray, fill = 0): Arr {
  const n = want.shape.reduce((a, b) => a * b, 1);
  return ndarray<Numeric>(typed(want.dtype, new Array<number>(n).fill(fill)), want.shape.slice());
}

/** A non-contiguous out: storage laid out with the axes reversed, viewed back as the wanted shape. */
function transposedOut(want: FixtureArray): Arr {
  const rev = want.shape.slice().reverse();
  const n = rev.reduce((a, b) => a * b, 1);
  const base = ndarray<Numeric>(typed(want.dtype, n), rev);
  return base.transpose(...rev.map((_, i) => rev.length - 1 - i));
}

const variants: Array<{ name: string; options?: Record<string, unknown> }> = [
  { name: "default" },
  { name: "optimize false", options: { optimize: false } },
  { name: "optimize true", options: { optimize: true } },
  { name: "optimize greedy", options: { optimize: "greedy" } },
  { name: "optimize optimal", options: { optimize: "optimal" } },
];

test(`fixtures were written by numpy ${fx.numpy}`, () => {
  assert.ok(fx.cases.length >= 150, "case count");
  assert.ok(fx.errors.length >= 30, "error count");
});

for (const c of fx.cases) {
  const spec = c.spec ?? sublistToSpec(c.sublist!);

  test(`reference agrees with numpy: ${c.name}`, () => {
    const ops = c.operands.map(fromFixture);
    const r = referenceEinsum(spec, ops, c.expected.dtype === "int32" ? "int32" : "float64");
    assert.deepEqual(r.shape, c.expected.shape, "shape");
    const bad = firstMismatch(r.data, c.expected.data, tolerance(c.expected.dtype));
    assert.equal(bad, undefined, `values ${bad}`);
  });

  test(`einsum ${JSON.stringify(c.spec ?? c.sublist)}: ${c.name}`, () => {
    for (const v of variants) {
      const ops = c.operands.map(fromFixture);
      const before = ops.map(toFlat);
      checkResult(v.name, run(c, ops, v.options), c.expected);
      ops.forEach((op, i) => assert.deepEqual(toFlat(op), before[i], `${v.name}: operand ${i} was modified`));
    }

    const strided = c.operands.map(reversedWithOffset);
    checkResult("reversed operands with offset", run(c, strided, { optimize: "greedy" }), c.expected);

    // out: a contiguous buffer full of garbage must be overwritten (not accumulated into) and returned
    const out = zerosLike(c.expected, 7);
    const got = run(c, c.operands.map(fromFixture), { out });
    assert.equal(got.data, out.data, "out: the result must be written into out's buffer");
    checkResult("out", out, c.expected);

    if (c.expected.shape.length >= 2) {
      const tout = transposedOut(c.expected);
      run(c, c.operands.map(fromFixture), { out: tout });
      checkResult("transposed out", tout, c.expected);
    }
  });
}

/** Builds the operands of an error case. */
function errorOperands(e: ErrorCase): Arr[] {
  return e.shapes.map((s, i) => {
    const dtype = e.dtypes?.[i] ?? "float64";
    const n = s.reduce((a, b) => a * b, 1);
    return ndarray<Numeric>(typed(dtype, n), s.slice());
  });
}

/**
 * Column the caret points at in an Ohm-style excerpt ("> 1 | i$j" then a line with "^" under the
 * character), or undefined when there is none.
 */
function caretColumn(msg: string): number | undefined {
  const lines = msg.split("\n");
  const src = lines.findIndex((l) => /^>?\s*1 \| /.test(l));
  if (src < 0 || src + 1 >= lines.length) return undefined;
  const caret = lines[src + 1].indexOf("^");
  return caret < 0 ? undefined : caret - (lines[src].indexOf("| ") + 2) + 1;
}

for (const e of fx.errors) {
  test(`error: ${e.name} (numpy ${e.numpyError.type}: ${e.numpyError.message.slice(0, 60)})`, () => {
    const ops = errorOperands(e);
    const msg = throwsEinsumError(
      () => (e.sublist ? callEinsum(...sublistArgs(e.sublist, ops)) : callEinsum(e.spec, ...ops)),
      e.name,
    );
    for (const src of e.mustMention) {
      assert.match(msg, new RegExp(src, "i"), `${e.name}: message should say: ${e.should}\n  got: ${msg}`);
    }
    if (e.col !== undefined) {
      // Ohm-style position: "Line 1, col N:" then the source line and a caret under column N
      assert.match(msg, new RegExp(`Line 1, col ${e.col}\\b`), `${e.name}: position (${e.should})\n  got: ${msg}`);
      assert.equal(caretColumn(msg), e.col, `${e.name}: caret should sit under col ${e.col}:\n${msg}`);
    }
  });
}

test("the two operand-count errors say which way is wrong", () => {
  const a = ndarray<Numeric>(new Float64Array(6), [2, 3]);
  const many = throwsEinsumError(() => callEinsum("ij", a, a), "too many");
  const few = throwsEinsumError(() => callEinsum("ij,jk", a), "too few");
  assert.doesNotMatch(many, /fewer|too few|missing|not enough/i, `too many operands reported as too few: ${many}`);
  assert.doesNotMatch(few, /too many|extra/i, `too few operands reported as too many: ${few}`);
});

test("out with the wrong shape is rejected", () => {
  const a = ndarray<Numeric>(new Float64Array(6), [2, 3]);
  const b = ndarray<Numeric>(new Float64Array(12), [3, 4]);
  const out = ndarray<Numeric>(new Float64Array(6), [2, 3]);
  const msg = throwsEinsumError(() => callEinsum("ij,jk->ik", a, b, { out }), "out shape");
  assert.match(msg, /out/i);
  assert.match(msg, /2\s*,\s*4|2\s*x\s*4|2×4/, `expected shape (2, 4) should be named: ${msg}`);
  assert.match(msg, /2\s*,\s*3|2\s*x\s*3|2×3/, `given shape (2, 3) should be named: ${msg}`);
});

test("out with a dtype that cannot hold the result is rejected (numpy: unsafe cast)", () => {
  const a = ndarray<Numeric>(Float64Array.from([0.5, 1.5]), [2]);
  const out = ndarray<Numeric>(new Int32Array(2), [2]);
  const msg = throwsEinsumError(() => callEinsum("i->i", a, { out }), "out dtype");
  assert.match(msg, /int32/, msg);
  assert.match(msg, /float64/, msg);
});

test("out wider than the result is either accepted exactly or rejected with an EinsumError", () => {
  // numpy casts float32 results into a float64 out; einconv may instead refuse: both are fine, a wrong answer is not.
  const a = ndarray<Numeric>(Float32Array.from([1, 2, 3]), [3]);
  const out = ndarray<Numeric>(new Float64Array(3), [3]);
  try {
    callEinsum("i,i->i", a, a, { out });
  } catch (err) {
    assert.ok(err instanceof EinsumError, String(err));
    return;
  }
  assert.deepEqual(Array.from(out.data), [1, 4, 9]);
});

test("out overlapping an input is rejected", () => {
  const a = ndarray<Numeric>(Float64Array.from([1, 2, 3, 4]), [2, 2]);
  assert.match(throwsEinsumError(() => callEinsum("ij->ji", a, { out: a }), "out is input"), /overlap|alias|share/i);
  const b = ndarray<Numeric>(Float64Array.from([1, 2, 3, 4]), [2, 2]);
  assert.match(
    throwsEinsumError(() => callEinsum("ij,jk->ik", b, a, { out: a }), "out is second input"),
    /overlap|alias|share/i,
  );
  const buf = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  const x = ndarray<Numeric>(buf, [4]); // elements 0..3
  const o = ndarray<Numeric>(buf, [4], [1], 2); // elements 2..5
  assert.match(throwsEinsumError(() => callEinsum("i->i", x, { out: o }), "partial overlap"), /overlap|alias|share/i);
  const evens = ndarray<Numeric>(buf, [3], [2], 0); // elements 0, 2, 4
  const reversed = ndarray<Numeric>(buf, [3], [-1], 4); // elements 4, 3, 2
  assert.match(
    throwsEinsumError(() => callEinsum("i,i->i", evens, evens, { out: reversed }), "strided overlap"),
    /overlap|alias|share/i,
  );
});

test("bad arguments throw EinsumError, never TypeError", () => {
  const a = ndarray<Numeric>(new Float64Array(3), [3]);
  throwsEinsumError(() => callEinsum(42, a), "spec not a string");
  throwsEinsumError(() => callEinsum("i", [1, 2, 3]), "plain array operand");
  throwsEinsumError(() => callEinsum("i", null), "null operand");
  throwsEinsumError(() => callEinsum("i", undefined), "undefined operand");
  throwsEinsumError(() => callEinsum("i", ndarray(new Uint8Array(3), [3])), "uint8 operand");
  throwsEinsumError(() => callEinsum(), "no arguments");
  throwsEinsumError(() => callEinsum(a, [0.5]), "non-integer sublist label");
  throwsEinsumError(() => callEinsum(a, ["a"]), "string sublist label");
});
