/**
 * The internal accumulate-into-out path (`einsumAccumulate`: out += einsum(...),
 * no zeroing): through the GEMM and through a loop nest, float64 and float32, on a
 * strided out view, against a brute-force sum; and its checks.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import ndarray from "ndarray";
import { EinsumError } from "../src/index";
import { JsBackend, WasmBackend } from "../src/internals";
import { einsumAccumulate } from "../src/einsum";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

test("einsumAccumulate adds the product into out (GEMM and loop routes, f64 and f32, strided out)", () => {
  const rand = rng(3);
  for (const backend of [new WasmBackend(), new JsBackend()]) {
    // [m, n, k]: 40×24×3 goes through the GEMM (small K), 3×2×5 through a loop nest.
    for (const [m, n, k] of [[40, 24, 3], [3, 2, 5]]) {
      for (const Type of [Float64Array, Float32Array]) {
        const a = ndarray(Type.from(Array.from({ length: m * k }, rand)), [m, k]);
        const b = ndarray(Type.from(Array.from({ length: k * n }, rand)), [k, n]);
        // out is the transpose of a padded column-major buffer: a strided view.
        const store = Type.from(Array.from({ length: n * (m + 2) }, rand));
        const out = ndarray(store, [m, n], [1, m + 2]);
        const padding = Array.from({ length: n }, (_, j) => store.slice(j * (m + 2) + m, (j + 1) * (m + 2)));
        const before = Array.from({ length: m * n }, (_, x) => out.get(Math.floor(x / n), x % n));
        einsumAccumulate("ij,jk->ik", out, [a, b], { backend });
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let want = before[i * n + j];
            let scale = Math.abs(want);
            for (let p = 0; p < k; p++) {
              want += a.get(i, p) * b.get(p, j);
              scale += Math.abs(a.get(i, p) * b.get(p, j));
            }
            const eps = Type === Float32Array ? 2 ** -23 : 2 ** -52;
            assert.ok(Math.abs(out.get(i, j) - want) <= 2 * (k + 1) * eps * scale, `${backend.name} ${Type.name} ${m}×${n}×${k} (${i}, ${j})`);
          }
        }
        // The padding rows of the store are untouched.
        padding.forEach((pad, j) => assert.deepEqual(store.slice(j * (m + 2) + m, (j + 1) * (m + 2)), pad));
      }
    }
  }
});

test("einsumAccumulate checks out like einsum's out option", () => {
  const a = ndarray(new Float64Array(6), [2, 3]);
  const b = ndarray(new Float64Array(12), [3, 4]);
  assert.throws(() => einsumAccumulate("ij,jk->ik", ndarray(new Float64Array(6), [2, 3]), [a, b]), EinsumError);
  assert.throws(() => einsumAccumulate("ij,jk->ik", ndarray(new Float64Array(8), [2, 4], [0, 1]), [a, b]), EinsumError);
});
