/**
 * The small-K product kernel (src/compile/smallk.ts): C += A·B in one pass for K ≤ 8.
 * Against numpy (test/fixtures/smallk.json, written by smallk.py) in float64 and
 * float32 (tolerance growing with K), against the general packed GEMM and brute force
 * on strided, negative-stride, window-view and batched operands, through the wasm and
 * JS backends; the route is checked to be taken (or declined) where it should be.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import ndarray from "ndarray";
import { EinsumError, einsum } from "../src/index";
import { einsumAccumulate } from "../src/einsum";
import { JsBackend } from "../src/compile/backend";
import { SMALL_K_MAX_K, SMALL_K_MAX_KN, SMALL_K_MAX_KN_F32, SmallKKernels, emitSmallK, smallKShape } from "../src/compile/smallk";
import { GemmTask, offsetTable } from "../src/compile/tasks";
import { WasmBackend } from "../src/compile/wasm";
import { asStrided } from "../src/views";
import { conv2dNHWC, conv2dNHWCNaive, conv2dNHWCPerTap } from "../src/conv";
import { Tensor } from "../src/types";
import { fixtureLcg, loadFixture } from "./reference";

interface Case {
  name: string;
  spec: string;
  k: number;
  n: number;
  operands: { shape: number[]; seed: number }[];
  shape: number[];
  sum: number;
  samples: { index: number; f64: number; f32: number; scale: number }[];
}
const fx = loadFixture<{ numpy: string; cases: Case[] }>("smallk");
const U32 = 2 ** -24;
const U64 = 2 ** -53;

const lcg = fixtureLcg;

function operands(c: Case, Type: Float32ArrayConstructor | Float64ArrayConstructor): Tensor[] {
  return c.operands.map(({ shape, seed }) => ndarray(Type.from(lcg(shape.reduce((a, b) => a * b, 1), seed)), shape));
}

/** Every element of a (possibly strided) tensor, row-major. */
function values(t: Tensor): number[] {
  const out: number[] = [];
  const index = t.shape.map(() => 0);
  const size = t.shape.reduce((a, b) => a * b, 1);
  for (let n = 0; n < size; n++) {
    out.push(Number(t.get(...index)));
    for (let d = t.shape.length - 1; d >= 0; d--) {
      if (++index[d] < t.shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

/** Counts the GEMM tasks SmallKKernels.run takes while `body` runs (a spy on the prototype). */
function countSmallK(body: () => void): number {
  const original = SmallKKernels.prototype.run;
  let taken = 0;
  SmallKKernels.prototype.run = function (this: SmallKKernels, task: GemmTask): boolean {
    const ran = original.call(this, task);
    if (ran) taken++;
    return ran;
  };
  try {
    body();
  } finally {
    SmallKKernels.prototype.run = original;
  }
  return taken;
}

test("small-K products match numpy in float64 and float32 (K 1..8, odd M and N), wasm and JS backends", () => {
  assert.ok(fx.cases.some((c) => c.k === 1) && fx.cases.some((c) => c.k === SMALL_K_MAX_K));
  for (const backend of [new WasmBackend(), new JsBackend()]) {
    for (const c of fx.cases) {
      let got64: Tensor | undefined;
      let got32: Tensor | undefined;
      const taken = countSmallK(() => {
        got64 = einsum(c.spec, ...operands(c, Float64Array), { backend });
        got32 = einsum(c.spec, ...operands(c, Float32Array), { backend });
      });
      // The float64 kernel takes N ≤ 32 with K·N ≤ 128, the float32 one K·N ≤ 96.
      const expected = c.n > 32 ? 0 : Number(c.k * c.n <= SMALL_K_MAX_KN) + Number(c.k * c.n <= SMALL_K_MAX_KN_F32);
      assert.equal(taken, expected, `${backend.name} ${c.name}: small-K route taken`);
      assert.deepEqual(got64!.shape, c.shape, c.name);
      assert.ok(got32!.data instanceof Float32Array, `${c.name}: float32 result`);
      const v64 = values(got64!);
      const v32 = values(got32!);
      const total = v64.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(total - c.sum) <= 1e-12 * Math.max(1, Math.abs(c.sum)) * v64.length, `${backend.name} ${c.name}: sum ${total} vs ${c.sum}`);
      for (const { index, f64, f32, scale } of c.samples) {
        assert.ok(Math.abs(v64[index] - f64) <= 4 * (c.k + 1) * U64 * scale, `${backend.name} f64 ${c.name} [${index}]: ${v64[index]} vs ${f64}`);
        assert.ok(Math.abs(v32[index] - f32) <= 2 * (c.k + 1) * U32 * scale, `${backend.name} f32 ${c.name} [${index}]: ${v32[index]} vs numpy ${f32}`);
      }
    }
  }
});

/** A brute-force C0 + A·B for 2-D views. */
function brute(a: Tensor, b: Tensor, c0: number[]): { want: number[]; scale: number[] } {
  const [m, k] = a.shape;
  const n = b.shape[1];
  const want: number[] = [];
  const scale: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = c0[i * n + j];
      let t = Math.abs(s);
      for (let p = 0; p < k; p++) {
        const x = Number(a.get(i, p)) * Number(b.get(p, j));
        s += x;
        t += Math.abs(x);
      }
      want.push(s);
      scale.push(t);
    }
  }
  return { want, scale };
}

test("small-K on strided, negative-stride and window-view operands, strided out: equals the packed GEMM and brute force", () => {
  const general = new WasmBackend({ gemm: { smallK: "never" } });
  for (const Type of [Float64Array, Float32Array]) {
    const eps = Type === Float32Array ? U32 : U64;
    for (let k = 1; k <= SMALL_K_MAX_K; k++) {
      for (const n of [7, 32]) {
        const m = (Math.ceil(8192 / (n * k)) | 1) + 2; // odd, and M·N·K ≥ 8192: planned as a GEMM
        const store = Type.from(lcg(3 * (m + k) * (k + 2) + 64, 7 * k + m));
        // A: rows reversed (negative stride) of a k-padded matrix; also a window view (overlapping rows).
        const aNeg = ndarray(store, [m, k], [k + 2, 1], 3).step(-1, 1);
        const aWin = asStrided(ndarray(store, [store.length]), [m, k], [1, 1]);
        const aT = ndarray(store, [m, k], [1, m + 1], 5); // column-major A
        const b = ndarray(Type.from(lcg(k * (n + 3), 11 * k + n)), [k, n], [n + 3, 1]).step(1, -1);
        for (const [what, a] of [["negative stride", aNeg], ["window view", aWin], ["column-major", aT]] as const) {
          // out: transposed storage with a gap (strided columns), then row-major contiguous.
          for (const layout of ["strided", "contiguous"] as const) {
            const buffer = () => Type.from(lcg(n * (m + 2), 3 * m + n));
            const outOf = (data: Float64Array | Float32Array) => (layout === "strided" ? ndarray(data, [m, n], [1, m + 2]) : ndarray(data.subarray(0, m * n), [m, n]));
            const small = outOf(buffer());
            const packed = outOf(buffer());
            const c0 = values(small);
            const smallBackend = new WasmBackend();
            assert.equal(countSmallK(() => einsumAccumulate("ik,kj->ij", small, [a, b], { backend: smallBackend })), k * n <= (Type === Float32Array ? SMALL_K_MAX_KN_F32 : SMALL_K_MAX_KN) ? 1 : 0, `${Type.name} ${what} ${layout} k${k} n${n}: small-K taken iff K·N fits`);
            assert.equal(countSmallK(() => einsumAccumulate("ik,kj->ij", packed, [a, b], { backend: general })), 0, "smallK never: packed sweep");
            const { want, scale } = brute(a, b, c0);
            const got = values(small);
            const ref = values(packed);
            got.forEach((v, i) => {
              const tol = 2 * (k + 1) * eps * scale[i];
              assert.ok(Math.abs(v - want[i]) <= tol, `${Type.name} ${what} ${layout} m${m} n${n} k${k} [${i}]: ${v} vs ${want[i]}`);
              assert.ok(Math.abs(v - ref[i]) <= 2 * tol, `${Type.name} ${what} ${layout} vs packed GEMM [${i}]`);
            });
          }
        }
      }
    }
  }
});

test("smallKShape accepts K ≤ 8, N ≤ 32, K·N ≤ 128 (float32: 96) with a float C, and tells unit C columns from a table", () => {
  const task = (m: number, n: number, k: number, c: Float64Array | Float32Array, cCol = offsetTable([n], [1])): GemmTask => ({
    m, n, k, a: new Float64Array(m * k), b: new Float64Array(k * n), c,
    aBatch: Int32Array.of(0), bBatch: Int32Array.of(0), cBatch: Int32Array.of(0),
    aRow: offsetTable([m], [k]), aCol: offsetTable([k], [1]), bRow: offsetTable([k], [n]), bCol: offsetTable([n], [1]),
    cRow: offsetTable([m], [n]), cCol,
  });
  assert.deepEqual(smallKShape(task(5, 16, 3, new Float64Array(80))), { k: 3, n: 16, f32: false, roundA: false, unitColumns: true });
  assert.deepEqual(smallKShape(task(5, 16, 3, new Float32Array(80))), { k: 3, n: 16, f32: true, roundA: true, unitColumns: true });
  assert.equal(smallKShape(task(5, 4, 3, new Float64Array(20), offsetTable([4], [5])))?.unitColumns, false);
  assert.equal(smallKShape(task(5, 16, 9, new Float64Array(80))), undefined);
  assert.equal(smallKShape(task(5, 33, 3, new Float64Array(165))), undefined);
  assert.equal(smallKShape(task(5, 32, 5, new Float64Array(160))), undefined); // K·N = 160 > 128
  assert.equal(smallKShape(task(5, 32, 4, new Float64Array(160)))?.k, 4); // K·N = 128
  assert.equal(smallKShape(task(5, 32, 4, new Float32Array(160))), undefined); // float32: 128 > 96
  assert.equal(smallKShape(task(5, 32, 3, new Float32Array(160)))?.k, 3); // float32: 96
  assert.match(emitSmallK({ k: 2, n: 3, f32: false, roundA: false, unitColumns: true }), /c\[rc \+ 2\] \+= a0 \* b0_2 \+ a1 \* b1_2;/);
  assert.match(emitSmallK({ k: 1, n: 2, f32: true, roundA: true, unitColumns: false }), /Math\.fround\(a\[ra \+ ac0\]\)[\s\S]*c\[rc \+ cc1\]/);
  // Declines (and leaves C alone) when code generation is off or the shape does not fit.
  const t = task(5, 16, 3, new Float64Array(80).fill(1));
  assert.equal(new SmallKKernels({ generate: false }).run(t), false);
  assert.equal(new SmallKKernels().run(task(5, 16, 9, new Float64Array(80))), false);
  assert.ok((t.c as Float64Array).every((v) => v === 1));
  const kernels = new SmallKKernels();
  assert.equal(kernels.run(t), true);
  assert.equal(kernels.size, 1);
});

test("batched small-K: each batch entry packs its own B; an interpreted JsBackend or WasmBackend declines the kernel", () => {
  const [batches, m, k, n] = [4, 401, 3, 7];
  const a = ndarray(lcg(batches * m * k, 1), [batches, m, k]);
  const b = ndarray(lcg(batches * k * n, 2), [batches, k, n]);
  const want: number[] = [];
  for (let q = 0; q < batches; q++) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += a.get(q, i, p) * b.get(q, p, j);
    want.push(s);
  }
  for (const [backend, expected] of [[new WasmBackend(), 1], [new JsBackend(), 1], [new JsBackend({ mode: "interpreted" }), 0], [new WasmBackend({ loops: { mode: "interpreted" } }), 0]] as const) {
    let got: number[] = [];
    assert.equal(countSmallK(() => (got = values(einsum("bij,bjk->bik", a, b, { backend, dtype: "float64" })))), expected, backend.name);
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 1e-13, `${backend.name} [${i}]`));
  }
});

test("einsumAccumulate keeps its out checks on small-K shapes (aliasing, shape, self-overlap)", () => {
  const a = ndarray(new Float64Array(12), [4, 3]);
  const b = ndarray(new Float64Array(6), [3, 2]);
  assert.throws(() => einsumAccumulate("ij,jk->ik", ndarray(a.data, [4, 2]), [a, b]), EinsumError);
  assert.throws(() => einsumAccumulate("ij,jk->ik", ndarray(new Float64Array(6), [3, 2]), [a, b]), EinsumError);
  assert.throws(() => einsumAccumulate("ij,jk->ik", ndarray(new Float64Array(8), [4, 2], [0, 1]), [a, b]), EinsumError);
});

test("NHWC per-tap (K = Cin = 3 per tap) agrees with the window view and the loops, strides and padding", () => {
  const x = ndarray(Float64Array.from(lcg(2 * 9 * 8 * 3, 9)), [2, 9, 8, 3]);
  const w = ndarray(Float64Array.from(lcg(3 * 3 * 3 * 5, 10)), [3, 3, 3, 5]);
  for (const options of [{}, { stride: 2 }, { padding: 1 as const, dilation: 2 }, { padding: "same" as const, stride: [2, 1] as [number, number] }]) {
    const want = values(conv2dNHWCNaive(x, w, options));
    for (const got of [conv2dNHWCPerTap(x, w, options), conv2dNHWC(x, w, options)]) {
      values(got).forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 1e-12, `${JSON.stringify(options)} [${i}]`));
    }
  }
});

test("WasmGemm rejects an unknown smallK option", () => {
  assert.throws(() => new WasmBackend({ gemm: { smallK: "sometimes" as "auto" } }), /smallK must be "auto" or "never"/);
});

test("small-K with mixed operand storage: number[] and Int32Array A, float64 A into a float32 C (rounded as read)", () => {
  const [m, k, n] = [700, 3, 16];
  const base = lcg(m * k, 21);
  const b = ndarray(Float64Array.from(lcg(k * n, 22)), [k, n]);
  const ints = ndarray(Int32Array.from(base, (v) => Math.round(v * 100)), [m, k]);
  const plain = ndarray(Array.from(base), [m, k]);
  // 0.2–0.4 ulp above each float32 value: rounds back to it, but the unrounded products would differ.
  const wide = ndarray(Float64Array.from(base, (v) => v + 0.4 * 2 ** -24 * Math.abs(v)), [m, k]);
  for (const backend of [new WasmBackend(), new JsBackend()]) {
    for (const [what, a, dtype] of [["Int32Array A", ints, "float64"], ["number[] A", plain, "float64"], ["float64 A, float32 C", wide, "float32"]] as const) {
      let got: number[] = [];
      assert.equal(countSmallK(() => (got = values(einsum("ik,kj->ij", a, b, { backend, dtype })))), 1, `${backend.name} ${what}: small-K taken`);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let want = 0;
          let scale = 0;
          for (let p = 0; p < k; p++) {
            // The float32 route rounds each operand to float32 first, as the packed float32 GEMM does.
            const x = dtype === "float32" ? Math.fround(Number(a.get(i, p))) * Math.fround(b.get(p, j)) : Number(a.get(i, p)) * b.get(p, j);
            want += x;
            scale += Math.abs(x);
          }
          if (dtype === "float32") {
            // Exactly: float32 operands' products summed in float64, rounded once into C (which starts at 0).
            assert.equal(got[i * n + j], Math.fround(want), `${backend.name} ${what} (${i}, ${j})`);
          } else {
            assert.ok(Math.abs(got[i * n + j] - want) <= 4 * U64 * (k + 1) * scale, `${backend.name} ${what} (${i}, ${j}): ${got[i * n + j]} vs ${want}`);
          }
        }
      }
    }
  }
});
