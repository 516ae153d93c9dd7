import { test } from "node:test";
import assert from "node:assert/strict";
import { gemm } from "../src/compile/gemm";
import { offsetTable } from "../src/compile/tasks";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

test("offsetTable enumerates a multi-axis group row-major", () => {
  assert.deepEqual([...offsetTable([2, 3], [10, 1], 5)], [5, 6, 7, 15, 16, 17]);
  assert.deepEqual([...offsetTable([], [], 7)], [7]);
  assert.deepEqual([...offsetTable([2, 0], [1, 1])], []);
});

test("gemm matches a naive triple loop on edge sizes and strided layouts", () => {
  const rand = rng(7);
  for (const [m, n, k] of [[1, 1, 1], [3, 5, 7], [4, 4, 4], [17, 9, 300], [70, 33, 5], [5, 70, 260]]) {
    // A stored transposed (k-major), B with padding between rows, C column-major.
    const a = Float64Array.from({ length: m * k }, rand);
    const bStride = n + 3;
    const b = Float64Array.from({ length: k * bStride }, rand);
    const c = new Float64Array(m * n);
    gemm({
      m, n, k, a, b, c,
      aBatch: Int32Array.of(0), bBatch: Int32Array.of(0), cBatch: Int32Array.of(0),
      aRow: offsetTable([m], [1]), aCol: offsetTable([k], [m]),
      bRow: offsetTable([k], [bStride]), bCol: offsetTable([n], [1]),
      cRow: offsetTable([m], [1]), cCol: offsetTable([n], [m]),
    }, { mc: 8, kc: 16, nc: 12 });
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let want = 0;
        for (let p = 0; p < k; p++) want += a[i + p * m] * b[p * bStride + j];
        assert.ok(Math.abs(c[i + j * m] - want) <= 1e-12 * Math.max(1, Math.abs(want)), `m${m} n${n} k${k} at (${i},${j}): ${c[i + j * m]} vs ${want}`);
      }
    }
  }
});
