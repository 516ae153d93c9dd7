/**
 * The narrow-N route of the wasm GEMM (src/compile/wasm/gemv.ts): the run split of
 * A's K offsets, and the strided convolution's matrix-vector einsum through it
 * against the plain-JS loops (brute-force products), with the route's decision checked.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import ndarray from "ndarray";
import { asStrided, einsum, explain } from "../src/index";
import { JsBackend } from "../src/internals";
import { WasmBackend } from "../src/compile/wasm";
import { columnRuns, gemvRuns } from "../src/compile/wasm/gemv";
import { offsetTable } from "../src/compile/tasks";

test("columnRuns splits K offsets into equal contiguous runs, or declines", () => {
  const runs = columnRuns(offsetTable([3, 5], [40, 1], 7));
  assert.deepEqual(runs && { starts: Array.from(runs.starts), length: runs.length }, { starts: [7, 47, 87], length: 5 });
  assert.equal(columnRuns(offsetTable([4, 3], [10, 1])), undefined, "runs of 3 are under GEMV_MIN_RUN");
  assert.equal(columnRuns(offsetTable([8], [2])), undefined, "strided K: no run");
  assert.equal(columnRuns(Int32Array.of(0, 1, 2, 3, 9, 10, 11, 13)), undefined, "a broken second run");
  assert.equal(columnRuns(Int32Array.of(0, 1, 2, 3, 4, 9, 10, 11)), undefined, "K not a multiple of the first run");
});

function ramp(shape: number[], seed: number): ndarray.NdArray<Float64Array> {
  const n = shape.reduce((a, b) => a * b, 1);
  return ndarray(Float64Array.from({ length: n }, (_, i) => (((i * 7 + seed) % 13) / 13) - 0.5), shape);
}

test("window-view matrix-vector einsums through the gemv route match the JS loops", () => {
  const wasm = new WasmBackend();
  const js = new JsBackend();
  // Valid correlation windows of (n, n, depth) data with an (f, f, depth) kernel at a stride: K = f·f·depth,
  // runs of f·depth; a reversed-row view too (negative row offsets). Stride 7 > f 4 leaves most of the data
  // unread: A is not staged, so the route declines and the packed sweep runs (also checked).
  for (const [n, depth, f, stride] of [[40, 3, 4, 2], [33, 5, 5, 3], [40, 1, 7, 1], [60, 10, 4, 7]] as const) {
    const x = ramp([n, n, depth], n);
    const o = Math.floor((n - f) / stride) + 1;
    for (const view of [x, x.step(-1)]) {
      const [s0, s1, s2] = view.stride;
      const win = asStrided(view, [o, o, f, f, depth], [stride * s0, stride * s1, s0, s1, s2]);
      for (const outs of [1, 2, 3]) {
        const k = ramp([f, f, depth, outs], outs);
        // Big enough for the GEMM (planner), with K = f·f·depth split in runs of f·depth ≥ 4 (gemv.ts).
        assert.equal(explain("hwklc,klco->hwo", win, k).steps[0].kernel, "gemm");
        const got = einsum("hwklc,klco->hwo", win, k, { backend: wasm });
        const want = einsum("hwklc,klco->hwo", win, k, { backend: js, optimize: false });
        assert.deepEqual(got.shape, want.shape);
        for (let i = 0; i < want.data.length; i++) {
          assert.ok(Math.abs(got.data[i] - want.data[i]) <= 1e-12 * f * f * depth, `n ${n} f ${f} outs ${outs}: [${i}] ${got.data[i]} vs ${want.data[i]}`);
        }
      }
    }
  }
});

test("gemvRuns takes float64 tasks with N < 4 and contiguous K runs only", () => {
  const table = (n: number[], s: number[]) => offsetTable(n, s);
  const task = (n: number, c: Float64Array | Float32Array, aCol: Int32Array) => ({
    m: 5, n, k: aCol.length, a: new Float64Array(100), b: new Float64Array(100), c,
    aBatch: table([1], [0]), aRow: table([5], [16]), aCol, bBatch: table([1], [0]), bRow: table([aCol.length], [1]), bCol: table([n], [8]),
    cBatch: table([1], [0]), cRow: table([5], [n]), cCol: table([n], [1]),
  });
  const runs = table([2, 4], [8, 1]);
  assert.ok(gemvRuns(task(1, new Float64Array(15), runs)));
  assert.ok(gemvRuns(task(3, new Float64Array(15), runs)));
  assert.equal(gemvRuns(task(4, new Float64Array(20), runs)), undefined, "N = 4 fills the 4×4 kernel");
  assert.equal(gemvRuns(task(1, new Float32Array(5), runs)), undefined, "float32 C takes the f32x4 sweep");
});
