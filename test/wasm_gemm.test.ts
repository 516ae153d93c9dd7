/**
 * The WebAssembly SIMD GEMM (src/compile/wasm): kernel against a brute-force triple
 * loop over explicit strides on edge sizes and layouts, every packing/scatter path
 * (JS gather vs staged wasm gather, row/column scatters, K spans, batches), the
 * backend through einsum against the plain-JS backend, the JS fallback, and that
 * the committed module bytes were built from the committed gemm.wat.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import ndarray from "ndarray";
import { einsum, EinsumError, Tensor, windows } from "../src/index";
import { JsBackend } from "../src/internals";
import { GemmTask, offsetTable } from "../src/compile/tasks";
import { createBackend, WasmBackend, WasmGemm, WasmGemmOptions, wasmSimdSupported } from "../src/compile/wasm";
import { GEMM_WAT_SHA256 } from "../src/compile/wasm/gemm_wasm";
import { requireTool } from "./skip";

const root = path.resolve(__dirname, "..", "..");

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

/** Where element (batch, row, col) of a strided matrix lives: offset + batch·sb + row·sr + col·sc. */
interface Strided {
  readonly offset: number;
  readonly sb: number;
  readonly sr: number;
  readonly sc: number;
}

/** A test layout: strides of A (m×k), B (k×n), C (m×n), storage kinds, and the storage length each needs. */
interface Layout {
  readonly name: string;
  readonly a: (m: number, n: number, k: number) => Strided;
  readonly b: (m: number, n: number, k: number) => Strided;
  readonly c: (m: number, n: number, k: number) => Strided;
  readonly aKind?: "f64" | "f32" | "array";
  readonly bKind?: "f64" | "f32" | "array";
}

/** Smallest storage length covering every element (all strides here keep offsets ≥ 0). */
function extent(s: Strided, batches: number, rows: number, cols: number): number {
  const far = (stride: number, count: number) => Math.max(0, stride * (count - 1));
  return s.offset + far(s.sb, batches) + far(s.sr, rows) + far(s.sc, cols) + 1;
}

function storage(kind: "f64" | "f32" | "array", length: number, rand: () => number): Float64Array | Float32Array | number[] {
  const values = Array.from({ length }, rand);
  return kind === "f32" ? Float32Array.from(values) : kind === "array" ? values : Float64Array.from(values);
}

const LAYOUTS: Layout[] = [
  {
    name: "row-major A, B, C",
    a: (_m, _n, k) => ({ offset: 0, sb: 0, sr: k, sc: 1 }),
    b: (_m, n) => ({ offset: 0, sb: 0, sr: n, sc: 1 }),
    c: (_m, n) => ({ offset: 0, sb: 0, sr: n, sc: 1 }),
  },
  {
    // A stored transposed, B with padded rows, C column-major (column scatter, unit rows).
    name: "A^T, padded B, column-major C",
    a: (m) => ({ offset: 0, sb: 0, sr: 1, sc: m }),
    b: (_m, n) => ({ offset: 0, sb: 0, sr: n + 3, sc: 1 }),
    c: (m) => ({ offset: 0, sb: 0, sr: 1, sc: m }),
  },
  {
    // Reversed A columns (negative stride from an offset), B columns 2 apart, C rows padded
    // and columns 3 apart (generic row scatter), float32 A and plain-array B.
    name: "negative/non-unit strides, f32 A, number[] B",
    a: (_m, _n, k) => ({ offset: k - 1, sb: 0, sr: k + 1, sc: -1 }),
    b: (_m, n) => ({ offset: 1, sb: 0, sr: 2 * n + 1, sc: 2 }),
    c: (_m, n) => ({ offset: 2, sb: 0, sr: 3 * n + 5, sc: 3 }),
    aKind: "f32",
    bKind: "array",
  },
  {
    // Overlapping rows (A[i, p] = x[i + p], a Toeplitz window view) and C with both
    // strides non-unit, rows the smaller (generic column scatter).
    name: "overlapping window A, strided column-major C",
    a: () => ({ offset: 0, sb: 0, sr: 1, sc: 1 }),
    b: (_m, n) => ({ offset: 0, sb: 0, sr: n, sc: 1 }),
    c: (m) => ({ offset: 1, sb: 0, sr: 2, sc: 2 * m + 1 }),
  },
];

interface Case {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly batches: number;
}

interface Built {
  readonly task: GemmTask;
  /** Expected C storage (initial C + A·B) and a per-element error scale. */
  readonly want: Float64Array;
  readonly scale: Float64Array;
}

/** Builds a task on random storage (C pre-filled, to check that the kernel adds) and its brute-force answer. */
function build(layout: Layout, { m, n, k, batches }: Case, seed: number, batchStrides: boolean): Built {
  const rand = rng(seed);
  const sa0 = layout.a(m, n, k);
  const sb0 = layout.b(m, n, k);
  const sc0 = layout.c(m, n, k);
  // Batches sit one whole matrix extent apart.
  const withBatch = (s: Strided, rows: number, cols: number): Strided =>
    batchStrides ? { ...s, sb: extent(s, 1, rows, cols) + 2 } : s;
  const sa = withBatch(sa0, m, k);
  const sb = withBatch(sb0, k, n);
  const sc = withBatch(sc0, m, n);
  const a = storage(layout.aKind ?? "f64", extent(sa, batches, m, k), rand);
  const b = storage(layout.bKind ?? "f64", extent(sb, batches, k, n), rand);
  const c = Float64Array.from({ length: extent(sc, batches, m, n) }, rand);
  const want = Float64Array.from(c);
  const scale = Float64Array.from(c, (v) => Math.abs(v));
  for (let q = 0; q < batches; q++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        let mag = 0;
        for (let p = 0; p < k; p++) {
          const term = a[sa.offset + q * sa.sb + i * sa.sr + p * sa.sc] * b[sb.offset + q * sb.sb + p * sb.sr + j * sb.sc];
          sum += term;
          mag += Math.abs(term);
        }
        const at = sc.offset + q * sc.sb + i * sc.sr + j * sc.sc;
        want[at] += sum;
        scale[at] += mag;
      }
    }
  }
  const batchTable = (s: Strided) => offsetTable([batches], [s.sb], s.offset);
  const task: GemmTask = {
    m, n, k, a, b, c,
    aBatch: batchTable(sa), aRow: offsetTable([m], [sa.sr]), aCol: offsetTable([k], [sa.sc]),
    bBatch: batchTable(sb), bRow: offsetTable([k], [sb.sr]), bCol: offsetTable([n], [sb.sc]),
    cBatch: batchTable(sc), cRow: offsetTable([m], [sc.sr]), cCol: offsetTable([n], [sc.sc]),
  };
  return { task, want, scale };
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, scale: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const tol = 1e-12 * Math.max(1, scale[i]);
    if (!(Math.abs(got[i] - want[i]) <= tol)) assert.fail(`${what}: storage[${i}] = ${got[i]}, want ${want[i]}`);
  }
}

const CASES: Case[] = [
  { m: 1, n: 1, k: 1, batches: 1 },
  { m: 3, n: 5, k: 7, batches: 1 },
  { m: 4, n: 4, k: 4, batches: 1 },
  { m: 17, n: 9, k: 300, batches: 1 }, // k > kc: several KC slices (and K spans below)
  { m: 70, n: 33, k: 5, batches: 1 }, // m, n not multiples of 4 or of the block sizes
  { m: 5, n: 70, k: 260, batches: 1 },
  { m: 13, n: 1, k: 40, batches: 1 },
  { m: 1, n: 13, k: 40, batches: 1 },
  { m: 9, n: 6, k: 19, batches: 3 },
  { m: 37, n: 2, k: 36, batches: 2 }, // narrow N: the gemv route (gemv.ts) where A's K offsets are contiguous
  { m: 21, n: 3, k: 123, batches: 1 },
];

/** Option sets covering blocking edges, both gathers, and K spans (a tiny B budget). */
const OPTIONS: Array<{ name: string; options: WasmGemmOptions }> = [
  { name: "default", options: {} },
  // smallK/gemv "never": the packed sweep also runs the K ≤ 8 and N < 4 cases (default sends them to smallk.ts / gemv.ts).
  { name: "default blocks, packed sweep", options: { smallK: "never", gemv: "never" } },
  { name: "small blocks, JS gather", options: { blocking: { mc: 8, kc: 16, nc: 12 }, staging: "never", smallK: "never", gemv: "never" } },
  { name: "small blocks, wasm gather", options: { blocking: { mc: 8, kc: 16, nc: 12 }, staging: "always", smallK: "never", gemv: "never" } },
  { name: "K spans, wasm gather", options: { blocking: { mc: 12, kc: 8, nc: 8 }, staging: "always", bSpanBudget: 100, smallK: "never", gemv: "never" } },
  { name: "K spans, JS gather", options: { blocking: { mc: 4, kc: 32, nc: 4 }, staging: "never", bSpanBudget: 200, smallK: "never", gemv: "never" } },
];

test("the engine supports WebAssembly SIMD (Node ≥ 16)", () => {
  assert.equal(wasmSimdSupported(), true);
});

test("gemm_wasm.ts was built from the committed gemm.wat", () => {
  const wat = fs.readFileSync(path.join(root, "src", "compile", "wasm", "gemm.wat"), "utf8");
  assert.equal(createHash("sha256").update(wat).digest("hex"), GEMM_WAT_SHA256, "run node scripts/build-wasm.js");
});

test("scripts/build-wasm.js --check reproduces gemm_wasm.ts byte for byte", { skip: requireTool("wabt", () => (fs.existsSync(path.join(root, "node_modules", "wabt")) ? undefined : "node_modules/wabt missing"), "npm ci (wabt is a devDependency)") }, () => {
  execFileSync(process.execPath, [path.join(root, "scripts", "build-wasm.js"), "--check"], { cwd: root, stdio: "pipe" });
});

test("wasm GEMM matches a brute-force triple loop on edge sizes, layouts and every packing path", () => {
  const kernel = WasmGemm.create();
  assert.ok(kernel, "WasmGemm.create() needs WebAssembly SIMD");
  let seed = 1;
  for (const layout of LAYOUTS) {
    for (const size of CASES) {
      for (const { name, options } of OPTIONS) {
        const { task, want, scale } = build(layout, size, seed++, size.batches > 1);
        kernel.run(task, options);
        assertClose(task.c, want, scale, `${layout.name}, m${size.m} n${size.n} k${size.k} ×${size.batches}, ${name}`);
      }
    }
  }
});

test("zero-size GEMMs leave C alone", () => {
  const kernel = WasmGemm.create()!;
  for (const [m, n, k] of [[0, 3, 4], [3, 0, 4], [3, 4, 0]]) {
    const c = Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
    const t: GemmTask = {
      m, n, k, a: new Float64Array(12), b: new Float64Array(12), c,
      aBatch: Int32Array.of(0), aRow: offsetTable([m], [k]), aCol: offsetTable([k], [1]),
      bBatch: Int32Array.of(0), bRow: offsetTable([k], [n]), bCol: offsetTable([n], [1]),
      cBatch: Int32Array.of(0), cRow: offsetTable([m], [n]), cCol: offsetTable([n], [1]),
    };
    kernel.run(t);
    assert.deepEqual([...c], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  }
});

test("bad blockings are refused", () => {
  const kernel = WasmGemm.create()!;
  const { task } = build(LAYOUTS[0], CASES[1], 5, false);
  assert.throws(() => kernel.run(task, { blocking: { mc: 6, kc: 16, nc: 8 } }), RangeError);
  assert.throws(() => new WasmBackend({ gemm: { blocking: { mc: 8, kc: 0, nc: 8 } } }), EinsumError);
});

function randomArray(shape: number[], seed: number): Tensor {
  const rand = rng(seed);
  return ndarray(Float64Array.from({ length: shape.reduce((x, y) => x * y, 1) }, rand), shape);
}

function assertSameTensor(got: Tensor, want: Tensor, what: string): void {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  const g: number[] = [];
  const w: number[] = [];
  const walk = (x: Tensor, out: number[], idx: number[]) => {
    if (idx.length === x.shape.length) {
      out.push(x.get(...idx));
      return;
    }
    for (let i = 0; i < x.shape[idx.length]; i++) walk(x, out, [...idx, i]);
  };
  walk(got, g, []);
  walk(want, w, []);
  assertClose(g, w, w.map((v) => Math.abs(v) * 1e3), what);
}

test("einsum through WasmBackend equals the JS backend (matmul, batched, transposed, windowed conv)", () => {
  const wasm = new WasmBackend();
  const js = new JsBackend();
  assert.equal(wasm.usesWasm, true);
  assert.equal(wasm.name, "wasm-simd");
  const a = randomArray([37, 53], 1);
  const b = randomArray([53, 41], 2);
  const x = randomArray([2, 3, 9, 10], 3);
  const w = randomArray([4, 3, 3, 3], 4);
  const cases: Array<{ spec: string; operands: Tensor[] }> = [
    { spec: "ij,jk->ik", operands: [a, b] },
    { spec: "ij,jk->ki", operands: [a, b] },
    { spec: "ji,kj->ik", operands: [a.transpose(1, 0), b.transpose(1, 0)] },
    { spec: "bij,bjk->bik", operands: [randomArray([3, 20, 30], 5), randomArray([3, 30, 17], 6)] },
    { spec: "bihwkl,oikl->bohw", operands: [windows(x, { kernel: 3, padding: 1 }), w] },
    { spec: "bihwkl,bohw->oikl", operands: [windows(x, { kernel: 3, padding: 1 }), randomArray([2, 4, 9, 10], 7)] },
  ];
  for (const { spec, operands } of cases) {
    const got = einsum(spec, ...operands, { backend: wasm });
    const want = einsum(spec, ...operands, { backend: js });
    assertSameTensor(got, want, spec);
  }
  // The brute-force check of one product, independent of both backends.
  const c = einsum("ij,jk->ik", a, b, { backend: wasm });
  for (const [i, j] of [[0, 0], [36, 40], [17, 3]]) {
    let want = 0;
    for (let p = 0; p < 53; p++) want += a.get(i, p) * b.get(p, j);
    assert.ok(Math.abs(c.get(i, j) - want) <= 1e-12 * Math.max(1, Math.abs(want)), `(${i}, ${j})`);
  }
});

test("createBackend picks the requested kind", () => {
  assert.ok(createBackend({ kind: "js" }) instanceof JsBackend);
  assert.ok(createBackend({ kind: "wasm" }) instanceof WasmBackend);
  assert.equal(createBackend().name, "wasm-simd");
  assert.throws(() => createBackend({ kind: "gpu" as "js" }), EinsumError);
});

test("without WebAssembly, WasmBackend falls back to the JS GEMM and createBackend to JsBackend", () => {
  const g = globalThis as { WebAssembly?: unknown };
  const saved = g.WebAssembly;
  let backend: WasmBackend;
  try {
    g.WebAssembly = undefined;
    assert.equal(wasmSimdSupported(), false);
    assert.ok(createBackend({ kind: "auto" }) instanceof JsBackend);
    assert.throws(() => createBackend({ kind: "wasm" }), EinsumError);
    backend = new WasmBackend();
  } finally {
    g.WebAssembly = saved;
  }
  assert.equal(backend.usesWasm, false);
  const a = randomArray([9, 11], 8);
  const b = randomArray([11, 7], 9);
  assertSameTensor(einsum("ij,jk->ik", a, b, { backend }), einsum("ij,jk->ik", a, b, { backend: new JsBackend() }), "fallback");
});
