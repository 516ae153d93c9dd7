import { test } from "node:test";
import assert from "node:assert/strict";
import { einsum, fromFlat, Tensor, toNested, compile, explain } from "../src/index";
import { JsBackend, KernelCache } from "../src/internals";
import { boundMismatch, referenceEinsum } from "./reference";

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % 1000) / 100 - 5;
}

function random(shape: number[], rand: () => number, dtype: "float64" | "int32" = "float64"): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return fromFlat(Array.from({ length: n }, () => (dtype === "int32" ? Math.round(rand() * 100) : rand())), shape, dtype);
}

const CASES: Array<[string, number[][]]> = [
  ["ij,jk->ik", [[5, 6], [6, 7]]],
  ["ii->i", [[4, 4]]],
  ["ii", [[4, 4]]],
  ["bij,bjk->bik", [[2, 3, 4], [2, 4, 5]]],
  ["i,j->ij", [[3], [4]]],
  ["ijk->kji", [[2, 3, 4]]],
  ["i,i,i->", [[6], [6], [6]]],
  ["ab->", [[3, 2]]],
  ["i...,...->...", [[2, 3], [3]]],
  ["ea,fb,abcd,gc,hd->efgh", [[2, 3], [2, 2], [3, 2, 2, 2], [2, 2], [2, 2]]],
];

test("interpreted fallback gives the same results as generated loops", () => {
  const rand = seeded(3);
  const generated = new JsBackend({ mode: "generated" });
  const interpreted = new JsBackend({ mode: "interpreted" });
  for (const dtype of ["float64", "int32"] as const) {
    for (const [spec, shapes] of CASES) {
      const ops = shapes.map((s) => random(s, rand, dtype));
      for (const optimize of [false, "greedy"] as const) {
        const a = einsum(spec, ...ops, { backend: generated, optimize });
        const b = einsum(spec, ...ops, { backend: interpreted, optimize });
        // Both kernels are code under test: check them against the independent brute force too.
        const reference = referenceEinsum(spec, ops, dtype === "int32" ? "int32" : "float64");
        // Each backend against the reference: int32 exact, float64 within the K-scaled rounding bound
        // (was 1e-9 relative to the reference and 1e-12 between the backends).
        for (const [name, got] of [["generated", a], ["interpreted", b]] as const) {
          assert.deepEqual(got.shape, reference.shape, spec);
          const values = got.data as ArrayLike<number>;
          const bad = dtype === "int32"
            ? reference.data.findIndex((v, i) => values[i] !== v)
            : boundMismatch(values, reference, ops.length, "float64");
          assert.ok(bad === -1 || bad === undefined, `${spec} ${dtype} optimize=${String(optimize)} ${name} vs reference: ${String(bad)}`);
        }
      }
    }
  }
  assert.ok(generated.cache.size > 0);
  assert.equal(interpreted.cache.mode, "interpreted");
});

test("kernels are cached by structure, not by sizes", () => {
  const backend = new JsBackend();
  const rand = seeded(5);
  einsum("ij->i", random([3, 4], rand), { backend });
  const after = backend.cache.size;
  einsum("ij->i", random([7, 9], rand), { backend });
  assert.equal(backend.cache.size, after, "same structure, other sizes: no new kernel");
  einsum("ij->j", random([7, 9], rand), { backend });
  assert.ok(backend.cache.size > after, "another stride pattern gets its own kernel");
});

test("debug switch prints each generated kernel once", () => {
  const printed: string[] = [];
  const backend = new JsBackend({ debug: true, log: (t) => printed.push(t) });
  const x = random([3, 3], seeded(1));
  einsum("ii", x, { backend });
  einsum("ii", x, { backend });
  assert.equal(printed.length, 1);
  assert.match(printed[0], /for \(; i0 \+ 3 < n0; i0 \+= 4/); // the trace: one summing loop, unrolled
  assert.ok(new KernelCache({ mode: "interpreted" }).mode === "interpreted");
});

test("an innermost summing loop, unrolled into 4 accumulators, matches the interpreted loops for every remainder", () => {
  const generated = new JsBackend();
  const interpreted = new JsBackend({ mode: "interpreted" });
  const rand = seeded(12);
  for (let n = 0; n <= 9; n++) {
    const a = random([3, n], rand);
    const b = random([n, 2], rand);
    // "ij,jk->ik" (j innermost after k is outside), a reversed view, and a sum over two axes.
    for (const [spec, ops] of [["ij,jk->ik", [a, b]], ["ij->i", [a.step(1, -1)]], ["ij->", [a]]] as const) {
      const got = einsum(spec, ...ops, { backend: generated });
      const want = einsum(spec, ...ops, { backend: interpreted });
      assert.deepEqual(Array.from(got.data).map((v) => +v.toFixed(12)), Array.from(want.data).map((v) => +v.toFixed(12)), `${spec} with n = ${n}`);
    }
  }
  const printed: string[] = [];
  einsum("ij->i", random([2, 9], rand), { backend: new JsBackend({ debug: true, log: (t) => printed.push(t) }) });
  assert.match(printed.join("\n"), /acc \+= \(s0 \+ s1\) \+ \(s2 \+ s3\)/);
});

test("compile() reuses one plan and checks shapes", () => {
  const rand = seeded(9);
  const expr = compile("ij,jk->ik", [4, 5], [5, 6]);
  const a = random([4, 5], rand);
  const b = random([5, 6], rand);
  assert.deepEqual(toNested(expr.run(a, b)), toNested(einsum("ij,jk->ik", a, b)));
  assert.throws(() => expr.run(b, a), /operand 0 has shape \[5, 6\] but the expression was compiled for \[4, 5\]/);
  assert.match(explain("ij,jk->ik", [64, 64], [64, 64]).text, /packed GEMM/);
});
