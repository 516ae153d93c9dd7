/**
 * einsum against numpy: every case in test/fixtures/einsum.json (written by einsum.py) must give
 * numpy's shape, dtype and values, under every optimize setting and with `out`; every error case must
 * throw an EinsumError that names the offending thing. The brute-force reference is checked against
 * the same fixtures, so both oracles agree before they are used on random views.
 *
 * Float operands are full-mantissa random values (einsum.py), so results really round; they are compared
 * with the K-scaled bound |got - want| <= 4·(K + n)·u·Σ|a||b|… (boundMismatch in reference.ts), and a test
 * below shows that bound rejects a float64 answer rounded through float32. int32 results and the cases
 * marked `exact` (small-integer float data: every order of summation is exact) must match bit for bit.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import ndarray from "ndarray";
import { einsum } from "../src/index";
import {
  Arr,
  DTypeName,
  FixtureArray,
  Numeric,
  boundMismatch,
  dtypeOf,
  firstMismatch,
  fromFixture,
  loadFixture,
  referenceEinsum,
  throwsEinsumError,
  toFlat,
  typed,
} from "./reference";

type SubLabel = number | "...";

/** A fixture result; float results carry the error bound's Σ|products| per element and K (einsum.py). */
interface Expected extends FixtureArray {
  absSum?: number[];
  terms?: number;
}

interface Case {
  name: string;
  spec?: string;
  sublist?: { inputs: SubLabel[][]; output?: SubLabel[] };
  operands: FixtureArray[];
  options?: { dtype?: DTypeName };
  expected: Expected;
  /** small-integer float data: every summation order is exact, so the result must match bit for bit */
  exact?: boolean;
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

/**
 * The value check of every fixture case: bitwise for int32 results and `exact` cases, else the K-scaled
 * rounding bound. Returns the first mismatch (or undefined) so the bite test can call it on a wrong answer.
 */
function valueMismatch(c: Case, got: ArrayLike<number>): string | undefined {
  const want = c.expected;
  if (want.dtype === "int32" || c.exact) return firstMismatch(Array.from(got), want.data, 0);
  assert.ok(want.absSum && want.terms !== undefined, `${c.name}: a float fixture without its bound (rerun einsum.py)`);
  return boundMismatch(got, { data: want.data, absSum: want.absSum, terms: want.terms }, c.operands.length, want.dtype);
}

function checkResult(label: string, got: Arr, c: Case): void {
  const want = c.expected;
  assert.deepEqual(got.shape, want.shape, `${label}: shape`);
  assert.equal(dtypeOf(got), want.dtype, `${label}: dtype`);
  const bad = valueMismatch(c, toFlat(got));
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
  // the oracle is real data: most float cases have operands that are not integers
  const float = fx.cases.filter((c) => c.expected.dtype !== "int32");
  const fractional = float.filter((c) => c.operands.some((o) => o.data.some((v) => !Number.isInteger(v))));
  assert.ok(fractional.length >= 0.85 * float.length, `${fractional.length} of ${float.length} float cases have non-integer data`);
});

test("the bound bites: every float64 answer rounded through float32 fails the value check", () => {
  // A float64 einsum computed (or stored) in float32 errs by ~2^-25 relative; the bound allows ~K·2^-53.
  let checked = 0;
  let representable = 0;
  for (const c of fx.cases) {
    if (c.expected.dtype !== "float64" || c.exact) continue;
    assert.equal(valueMismatch(c, c.expected.data), undefined, `${c.name}: numpy's own answer passes`);
    const rounded = c.expected.data.map(Math.fround);
    if (rounded.every((v, i) => v === c.expected.data[i])) {
      representable++; // e.g. zero-size results, or sums of integers: float32 holds them exactly
      continue;
    }
    checked++;
    assert.notEqual(valueMismatch(c, rounded), undefined, `${c.name}: a float32-rounded answer passed the float64 check`);
  }
  assert.ok(checked >= 100, `only ${checked} float64 cases can be told from their float32 rounding (${representable} cannot)`);
});

for (const c of fx.cases) {
  const spec = c.spec ?? sublistToSpec(c.sublist!);

  test(`reference agrees with numpy: ${c.name}`, () => {
    const ops = c.operands.map(fromFixture);
    const r = referenceEinsum(spec, ops, c.expected.dtype === "int32" ? "int32" : "float64");
    assert.deepEqual(r.shape, c.expected.shape, "shape");
    // the reference sums in float64 and is not rounded to float32 here, so it gets the float32 bound
    const bad = valueMismatch(c, r.data);
    assert.equal(bad, undefined, `values ${bad}`);
    if (c.expected.absSum) {
      // the reference's own Σ|products| and K agree with numpy's einsum of |operands| and of ones
      assert.equal(r.terms, c.expected.terms, "terms (K)");
      assert.equal(firstMismatch(r.absSum, c.expected.absSum, 1e-12), undefined, "absSum");
    }
  });

  test(`einsum ${JSON.stringify(c.spec ?? c.sublist)}: ${c.name}`, () => {
    for (const v of variants) {
      const ops = c.operands.map(fromFixture);
      const before = ops.map(toFlat);
      checkResult(v.name, run(c, ops, v.options), c);
      ops.forEach((op, i) => assert.deepEqual(toFlat(op), before[i], `${v.name}: operand ${i} was modified`));
    }

    const strided = c.operands.map(reversedWithOffset);
    checkResult("reversed operands with offset", run(c, strided, { optimize: "greedy" }), c);

    // out: a contiguous buffer full of garbage must be overwritten (not accumulated into) and returned
    const out = zerosLike(c.expected, 7);
    const got = run(c, c.operands.map(fromFixture), { out });
    assert.equal(got.data, out.data, "out: the result must be written into out's buffer");
    checkResult("out", out, c);

    if (c.expected.shape.length >= 2) {
      const tout = transposedOut(c.expected);
      run(c, c.operands.map(fromFixture), { out: tout });
      checkResult("transposed out", tout, c);
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

test("out wider than the result is rejected, naming both dtypes and the dtype option that gives numpy's answer", () => {
  // Pinned behaviour: einconv refuses a float64 out for a float32 result. numpy accepts it, but then it
  // computes in float64 (np.einsum('i,i->i', a32, a32, out=f64) gives 1.1f·1.1f = 1.210000052452088, not the
  // float32 product 1.2100000381469727 widened), so "accept and widen" would match neither numpy nor the
  // float32 result. einconv asks for { dtype: "float64" }, which is numpy's computation exactly.
  const a = ndarray<Numeric>(Float32Array.from([1.1, 2, 3]), [3]);
  const out = ndarray<Numeric>(new Float64Array(3), [3]);
  const msg = throwsEinsumError(() => callEinsum("i,i->i", a, a, { out }), "float64 out for a float32 result");
  assert.match(msg, /out has dtype float64/, msg);
  assert.match(msg, /result dtype is float32/, msg);
  assert.match(msg, /dtype: "float64"/, msg);
  assert.deepEqual(Array.from(out.data), [0, 0, 0], "a refused call leaves out untouched");
  const got = callEinsum("i,i->i", a, a, { out, dtype: "float64" });
  assert.equal(got, out, "the result is out itself");
  // numpy 2.4: np.einsum('i,i->i', a32, a32, out=np.zeros(3)) -> [1.210000052452088, 4.0, 9.0]
  assert.deepEqual(Array.from(out.data), [1.210000052452088, 4, 9]);
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
