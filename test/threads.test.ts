/**
 * The threaded wasm GEMM (src/compile/threads): bitwise identical results for 1, 2
 * and 3 threads over odd sizes, strided/transposed/window-view operands, batches,
 * small K spans and blockings, float64 and float32, matching a brute-force loop;
 * the cut-over; setThreads/getThreads/EINCONV_THREADS; workers not keeping the
 * process alive; and (in a child started with --experimental-wasm-relaxed-simd
 * when this process lacks it) the relaxed-SIMD kernel under threads.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import ndarray from "ndarray";
import { einsum, EinsumError, getThreads, setThreads, Tensor, windows } from "../src/index";
import { GemmTask, offsetTable } from "../src/compile/tasks";
import { KernelVariant, WasmBackend, WasmGemm, WasmGemmOptions, relaxedSimdSupported } from "../src/compile/wasm";

const FLAG = "--experimental-wasm-relaxed-simd";
const CHILD = process.env.EINCONV_THREADS_CHILD === "1";
const root = path.resolve(__dirname, "..", "..");

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

/** One GEMM case: sizes, batches, a layout of A (transposed or not, row padding) and dtype. */
interface Case {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly batches: number;
  readonly aTransposed: boolean;
  readonly pad: number;
  readonly f32: boolean;
  readonly options: WasmGemmOptions;
}

interface Built {
  readonly task: GemmTask;
  readonly a: Float64Array | Float32Array;
  readonly b: Float64Array | Float32Array;
}

/**
 * A batched GEMM with a transposed or padded A, B with padded rows from an offset
 * (columns 2 apart under staging "always"), and C with padded rows; `c` is fresh zeros each time.
 */
function build(cs: Case, seed: number): Built {
  const { m, n, k, batches, pad } = cs;
  const T = cs.f32 ? Float32Array : Float64Array;
  const rand = rng(seed);
  const aStride = (m + pad) * k + 3;
  const a = T.from(Array.from({ length: batches * aStride }, rand));
  // B columns 2 apart only with staging "always" (by default such a B is not staged, which keeps a GEMM on one thread).
  const bColStride = cs.options.staging === "always" ? 2 : 1;
  const bRowStride = bColStride * n + 1;
  const bBatch = k * bRowStride + 1;
  const b = T.from(Array.from({ length: 1 + batches * bBatch }, rand));
  const cRowStride = n + pad;
  const c = new T(batches * m * cRowStride);
  const aRow = cs.aTransposed ? offsetTable([m], [1]) : offsetTable([m], [k + pad]);
  const aCol = cs.aTransposed ? offsetTable([k], [m + pad]) : offsetTable([k], [1]);
  const task: GemmTask = {
    m, n, k, a, b, c,
    aBatch: offsetTable([batches], [aStride]), aRow, aCol,
    bBatch: offsetTable([batches], [bBatch], 1), bRow: offsetTable([k], [bRowStride]), bCol: offsetTable([n], [bColStride]),
    cBatch: offsetTable([batches], [m * cRowStride]), cRow: offsetTable([m], [cRowStride]), cCol: offsetTable([n], [1]),
  };
  return { task, a, b };
}

/** Brute force in float64 (the reference for both dtypes; float32 within a K-scaled tolerance). */
function reference({ task }: Built): Float64Array {
  const out = new Float64Array(task.c.length);
  for (let t = 0; t < task.aBatch.length; t++) {
    for (let i = 0; i < task.m; i++) {
      for (let j = 0; j < task.n; j++) {
        let s = 0;
        for (let p = 0; p < task.k; p++) s += task.a[task.aBatch[t] + task.aRow[i] + task.aCol[p]] * task.b[task.bBatch[t] + task.bRow[p] + task.bCol[j]];
        out[task.cBatch[t] + task.cRow[i] + task.cCol[j]] = s;
      }
    }
  }
  return out;
}

const CASES: Case[] = [
  { m: 301, n: 257, k: 190, batches: 1, aTransposed: false, pad: 0, f32: false, options: {} },
  { m: 133, n: 75, k: 61, batches: 3, aTransposed: true, pad: 2, f32: false, options: { blocking: { mc: 16, kc: 24, nc: 40 } } },
  { m: 97, n: 130, k: 301, batches: 2, aTransposed: false, pad: 1, f32: false, options: { blocking: { mc: 32, kc: 40, nc: 64 }, bSpanBudget: 64 * 80 } },
  { m: 37, n: 515, k: 77, batches: 2, aTransposed: true, pad: 0, f32: false, options: { staging: "always" } },
  { m: 301, n: 257, k: 190, batches: 1, aTransposed: false, pad: 0, f32: true, options: {} },
  { m: 133, n: 75, k: 61, batches: 3, aTransposed: true, pad: 2, f32: true, options: { blocking: { mc: 16, kc: 24, nc: 40 } } },
  { m: 97, n: 130, k: 301, batches: 2, aTransposed: false, pad: 1, f32: true, options: { blocking: { mc: 32, kc: 40, nc: 64 }, bSpanBudget: 64 * 80 } },
  { m: 37, n: 515, k: 77, batches: 2, aTransposed: true, pad: 0, f32: true, options: { staging: "always" } },
];

function checkDeterminism(variant: KernelVariant): void {
  const kernel = WasmGemm.create(variant);
  assert.ok(kernel, `the ${variant} kernel`);
  CASES.forEach((cs, index) => {
    const label = `case ${index} (${cs.m}×${cs.n}×${cs.k} ×${cs.batches}, ${cs.f32 ? "f32" : "f64"})`;
    const results = [1, 2, 3].map((threads) => {
      const built = build(cs, 100 + index);
      const before = kernel.threadedRuns;
      kernel.run(built.task, { ...cs.options, threads, threadMin: 0 });
      assert.equal(kernel.lastThreads, threads, `${label}: ran on ${kernel.lastThreads} threads, wanted ${threads}`);
      assert.equal(kernel.threadedRuns - before, threads > 1 ? 1 : 0, `${label}: posted work`);
      return built;
    });
    const one = results[0].task.c;
    for (const r of results.slice(1)) {
      const c = r.task.c;
      for (let i = 0; i < one.length; i++) if (!Object.is(one[i], c[i])) assert.fail(`${label}: [${i}] ${c[i]} with ${r === results[1] ? 2 : 3} threads vs ${one[i]} with 1`);
    }
    const want = reference(results[0]);
    const tol = (cs.f32 ? 4 * cs.k * 2 ** -24 : 1e-13 * cs.k) * 2;
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(one[i] - want[i]) <= tol * (1 + Math.abs(want[i])), `${label}: [${i}] ${one[i]} vs ${want[i]}`);
  });
}

test("plain kernel: 1, 2 and 3 threads give bitwise identical GEMMs that match a brute-force loop", () => {
  checkDeterminism("plain");
});

test("relaxed kernel under threads: bitwise identical for 1, 2 and 3 threads", { skip: !relaxedSimdSupported() && "no relaxed SIMD here (the child run covers it)" }, () => {
  checkDeterminism("relaxed");
});

test("einsum over a window view (B1 conv shape) is bitwise identical on 1 and 2 threads, f64 and f32", () => {
  const rand = rng(7);
  for (const dtype of ["float64", "float32"] as const) {
    const T = dtype === "float32" ? Float32Array : Float64Array;
    const x = ndarray(T.from(Array.from({ length: 2 * 5 * 19 * 23 }, rand)), [2, 5, 19, 23]) as Tensor;
    const w = ndarray(T.from(Array.from({ length: 34 * 5 * 9 }, rand)), [34, 5, 3, 3]) as Tensor;
    const run = (threads: number) => einsum("bihwkl,oikl->bohw", windows(x, { kernel: 3, padding: 1 }), w, { backend: new WasmBackend({ gemm: { threads, threadMin: 0 } }) });
    const one = run(1).data as Float64Array;
    const two = run(2).data as Float64Array;
    assert.equal(one.length, 2 * 34 * 19 * 23);
    for (let i = 0; i < one.length; i++) if (!Object.is(one[i], two[i])) assert.fail(`${dtype} [${i}]: ${two[i]} vs ${one[i]}`);
  }
});

test("a fresh C (cFresh: pages mapped in by the route that takes it) gives bitwise the unmarked result on every route", () => {
  const kernel = WasmGemm.create("plain")!;
  const routes: { name: string; cs: Case; threads: number }[] = [
    { name: "small K", cs: { m: 64, n: 40, k: 3, batches: 2, aTransposed: false, pad: 1, f32: false, options: {} }, threads: 1 },
    { name: "gemv (N = 2)", cs: { m: 70, n: 2, k: 50, batches: 2, aTransposed: false, pad: 0, f32: false, options: {} }, threads: 2 },
    { name: "threaded f64", cs: CASES[2], threads: 2 },
    { name: "threaded f32", cs: CASES[5], threads: 3 },
    { name: "one thread f64", cs: CASES[1], threads: 1 },
    { name: "one thread f32", cs: CASES[6], threads: 1 },
  ];
  routes.forEach(({ name, cs, threads }, index) => {
    const plain = build(cs, 300 + index);
    kernel.run(plain.task, { ...cs.options, threads, threadMin: 0 });
    const built = build(cs, 300 + index);
    const fresh: GemmTask = { ...built.task, cFresh: true };
    kernel.run(fresh, { ...cs.options, threads, threadMin: 0 });
    assert.equal(kernel.lastThreads, threads === 1 || name.startsWith("gemv") ? 1 : threads, `${name}: thread count`);
    const want = reference(plain);
    assert.ok(want.some((v) => v !== 0), `${name}: a non-trivial product`);
    for (let i = 0; i < want.length; i++) if (!Object.is(plain.task.c[i], fresh.c[i])) assert.fail(`${name}: [${i}] ${fresh.c[i]} fresh vs ${plain.task.c[i]}`);
  });
  // Products that are all -0 (A = -1, B = +0): the stored first span (x + 0) gives +0, as adding into +0 does.
  for (const threads of [1, 2]) {
    const built = build(CASES[0], 9);
    built.a.fill(-1);
    built.b.fill(0);
    const plain: GemmTask = { ...built.task, c: new Float64Array(built.task.c.length) };
    const fresh: GemmTask = { ...built.task, c: new Float64Array(built.task.c.length), cFresh: true };
    kernel.run(plain, { threads, threadMin: 0 });
    kernel.run(fresh, { threads, threadMin: 0 });
    for (let i = 0; i < plain.c.length; i++) if (!Object.is(plain.c[i], fresh.c[i]) || !Object.is(fresh.c[i], 0)) assert.fail(`-0 products, ${threads} thread(s): [${i}] ${Object.is(fresh.c[i], -0) ? "-0" : fresh.c[i]}`);
  }
});

test("the cut-over: a small GEMM stays on the calling thread and posts no work; staging 'never' too", () => {
  const kernel = WasmGemm.create("plain")!;
  const small = build({ m: 8, n: 8, k: 8, batches: 1, aTransposed: false, pad: 0, f32: false, options: {} }, 1);
  kernel.run(small.task, { threads: 2 });
  assert.equal(kernel.lastThreads, 1);
  assert.equal(kernel.threadedRuns, 0);
  assert.equal(kernel.workers, 0, "no worker was started for it");
  const big: Case = { m: 340, n: 340, k: 340, batches: 1, aTransposed: false, pad: 0, f32: false, options: {} };
  kernel.run(build({ ...big, m: 300, n: 300, k: 300 }, 2).task, { threads: 2 });
  assert.equal(kernel.lastThreads, 1, "300³ is below the cut-over (2²⁵)");
  kernel.run(build(big, 2).task, { threads: 2, staging: "never" });
  assert.equal(kernel.lastThreads, 1, "operands that are not staged keep the GEMM on one thread");
  kernel.run(build(big, 2).task, { threads: 2 });
  assert.equal(kernel.lastThreads, 2, "340³ is above the cut-over");
  assert.equal(kernel.threadedRuns, 1);
});

test("setThreads / getThreads: validation, and setThreads(1) terminates the workers", () => {
  const before = getThreads();
  assert.ok(Number.isInteger(before) && before >= 1);
  for (const bad of [0, -1, 1.5, NaN, 1000, "2" as unknown as number]) assert.throws(() => setThreads(bad), (e: unknown) => e instanceof EinsumError && /setThreads: the thread count must be an integer from 1 to 256/.test(e.message));
  const kernel = WasmGemm.create("plain")!;
  try {
    setThreads(2);
    assert.equal(getThreads(), 2);
    kernel.run(build(CASES[0], 3).task, { threadMin: 0 });
    assert.equal(kernel.lastThreads, 2, "the default follows setThreads");
    assert.equal(kernel.workers, 1);
    setThreads(1);
    assert.equal(kernel.workers, 0, "setThreads(1) terminated the worker");
    kernel.run(build(CASES[0], 3).task, { threadMin: 0 });
    assert.equal(kernel.lastThreads, 1);
  } finally {
    setThreads("auto");
  }
});

test("EINCONV_THREADS: read on first use; bad values are a clear EinsumError", () => {
  const entry = path.join(root, "dist", "src", "index.js");
  const probe = (value: string) =>
    spawnSync(process.execPath, ["-e", `const e = require(${JSON.stringify(entry)}); try { console.log(e.getThreads()); } catch (err) { console.log(err.name + ": " + err.message); }`], {
      env: { ...process.env, EINCONV_THREADS: value }, encoding: "utf8", timeout: 30000,
    }).stdout.trim();
  assert.equal(probe("3"), "3");
  assert.equal(probe(" 1 "), "1");
  assert.match(probe("two"), /^EinsumError: EINCONV_THREADS: the thread count must be an integer from 1 to 256 \(got "two"\)$/);
  assert.match(probe("0"), /^EinsumError: EINCONV_THREADS/);
});

test("a script whose einsum ran on worker threads exits by itself", () => {
  const entry = path.join(root, "dist", "src", "index.js");
  const script = [
    `const e = require(${JSON.stringify(entry)});`,
    "const nd = require('ndarray');",
    "const a = nd(Float64Array.from({ length: 400 * 400 }, (_, i) => i % 7), [400, 400]);",
    "const c = e.einsum('ij,jk->ik', a, a);",
    `const backend = require(${JSON.stringify(path.join(root, "dist", "src", "compile", "backend.js"))}).defaultBackend();`,
    "console.log(e.getThreads(), backend.lastGemmThreads, c.get(1, 2));",
  ].join("\n");
  const run = spawnSync(process.execPath, ["-e", script], { cwd: root, env: { ...process.env, EINCONV_THREADS: "2" }, encoding: "utf8", timeout: 60000 });
  assert.equal(run.error, undefined, `the child did not exit by itself: ${String(run.error)}`);
  assert.equal(run.status, 0, run.stderr);
  let want = 0;
  for (let j = 0; j < 400; j++) want += ((400 + j) % 7) * ((j * 400 + 2) % 7);
  assert.equal(run.stdout.trim(), `2 2 ${want}`, "the product ran on 2 threads and is exact");
});

test(`the threaded tests pass in a child node started with ${FLAG}`, { skip: (CHILD || relaxedSimdSupported()) && "already running with relaxed SIMD" }, () => {
  const { NODE_TEST_CONTEXT: _parent, ...env } = process.env;
  const run = spawnSync(process.execPath, [FLAG, "--test", "--test-reporter=tap", __filename], { env: { ...env, EINCONV_THREADS_CHILD: "1" }, encoding: "utf8", timeout: 300000 });
  assert.equal(run.status, 0, `child failed:\n${run.stdout}\n${run.stderr}`);
  const line = run.stdout.split("\n").find((l) => /^ok \d+ - relaxed kernel under threads/.test(l));
  assert.ok(line !== undefined && !line.includes("# SKIP"), `the relaxed test did not run in the child:\n${run.stdout}`);
  assert.match(run.stdout, /# fail 0/);
});
