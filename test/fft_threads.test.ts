import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import path from "node:path";
import ndarray from "ndarray";
import type { NdArray } from "ndarray";
import { conv2dFFT, Conv2dFFTOptions } from "../src/conv/fft";
import { FFT_THREAD_MIN } from "../src/conv/fft/runner";
import { defaultBackend } from "../src/compile/backend";
import { WasmBackend } from "../src/compile/wasm/backend";
import { getThreads, setThreads } from "../src/compile/threads/settings";
import { ConvError } from "../src/fft";
import { FFTPlans } from "../src/fft/plan";
import { JobRange, PlaneSize } from "../src/fft/plane";
import { ThreadedRunner } from "../src/fft/threaded";
import { symmetricRandom as rng } from "../src/random";
import { requireTool } from "./skip";

interface Encoded {
  shape: number[];
  data: number[];
}
const fixtures: { conv2d: Array<{ x: Encoded; k: Encoded; stride: [number, number]; out: Encoded }> } = JSON.parse(
  readFileSync(path.join(__dirname, "..", "..", "test", "fixtures", "fftconv.json"), "utf8"),
);
const decode = (e: Encoded): NdArray<Float64Array> => ndarray(Float64Array.from(e.data), e.shape);
const root = path.join(__dirname, "..", "..");

/** FFT jobs (and GEMMs) handed to the default backend's pool so far; undefined without the wasm kernel. */
function poolJobs(): number | undefined {
  const backend = defaultBackend();
  return backend instanceof WasmBackend ? backend.wasmKernel?.threadPool.jobs : undefined;
}
const hasPool = (poolJobs() !== undefined);
// Without the pool, "1 vs 2 threads" would compare two single-thread runs: these tests need it (CI fails without).
const noPool = requireTool("wasm thread pool", () => (hasPool ? undefined : "the default backend has no wasm kernel, so no worker pool"), "Node >= 20 with WebAssembly SIMD and threads; leave EINCONV_BACKEND unset");

function random(shape: number[], seed: number): NdArray<Float64Array> {
  const next = rng(seed);
  return ndarray(Float64Array.from({ length: shape.reduce((p, q) => p * q, 1) }, next), shape);
}

/** Same length and the same bits in every element (NaN-free data: Object.is). */
function assertBitwise(got: NdArray<Float64Array>, want: NdArray<Float64Array>, what: string): void {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  for (let i = 0; i < want.data.length; i++) {
    if (!Object.is(got.data[i], want.data[i])) assert.fail(`${what}: element ${i} differs (${got.data[i]} vs ${want.data[i]})`);
  }
}

/** conv2dFFT on 1, 2 and 3 threads (cut-over off): bitwise equal, and the split runs really went to the pool. */
function checkThreads(x: NdArray<Float64Array>, k: NdArray<Float64Array>, opts: Conv2dFFTOptions, what: string): NdArray<Float64Array> {
  const before = poolJobs();
  const one = conv2dFFT(x, k, { ...opts, threads: 1 });
  assert.equal(poolJobs(), before, `${what}: one thread must not touch the pool`);
  for (const threads of [2, 3]) {
    const jobs = poolJobs();
    const got = conv2dFFT(x, k, { ...opts, threads, threadMin: 0 });
    assertBitwise(got, one, `${what}, ${threads} threads`);
    if (hasPool) assert.ok((poolJobs() ?? 0) > (jobs ?? 0), `${what}: ${threads} threads ran no pool job`);
  }
  return one;
}

test("conv2dFFT is bitwise identical on 1, 2 and 3 threads (odd sizes, overlap-save blocks, depth, strides, views)", { skip: noPool }, () => {
  const cases: Array<{ x: number[]; k: number[]; opts: Conv2dFFTOptions }> = [
    { x: [128, 128], k: [9, 9], opts: { stride: [1, 1] } },
    { x: [257, 131], k: [5, 7], opts: { stride: [1, 1] } },
    { x: [300, 300], k: [31, 31], opts: { stride: [1, 1] } },
    { x: [97, 203], k: [6, 4], opts: { stride: [1, 1], blockSizes: [32, 64] } }, // several blocks per axis
    { x: [150, 77], k: [3, 3], opts: { stride: [1, 1], blockSizes: [16, 16] } },
    { x: [100, 60], k: [5, 5], opts: { stride: [1, 1], blockSizes: [64, 64] } }, // 2 blocks: split by rows and bins, not blocks
    { x: [64, 200, 3], k: [7, 7, 3], opts: { stride: [2, 2] } }, // depth and polyphase
    { x: [61, 59, 5], k: [4, 3, 5], opts: { stride: [3, 2], polyphase: false } },
    { x: [45, 50, 4], k: [5, 5], opts: { stride: [1, 1] } }, // 2-D kernel on every channel
    { x: [33, 17], k: [33, 17], opts: { stride: [1, 1] } }, // one output
  ];
  cases.forEach(({ x, k, opts }, i) => checkThreads(random(x, 10 + i), random(k, 50 + i), opts, `case ${i} x=${x} k=${k}`));
  // A transposed, stepped input view: the shared copy must read it through its strides.
  const base = random([90, 140], 7);
  const view = base.transpose(1, 0).step(1, -1);
  checkThreads(view, random([5, 5], 8), { stride: [1, 1] }, "transposed reversed view");
});

test("threaded conv2dFFT matches scipy's strided valid correlation (fixtures) on 2 and 3 threads", { skip: noPool }, () => {
  for (const [i, c] of fixtures.conv2d.entries()) {
    const got = checkThreads(decode(c.x), decode(c.k), { stride: c.stride }, `fixture ${i}`);
    let scale = 1e-300;
    for (const v of c.out.data) scale = Math.max(scale, Math.abs(v));
    assert.deepEqual(got.shape, c.out.shape);
    // the single-thread tolerance of test/fftconv.test.ts (measured 5.3e-15 there; threads are bitwise equal)
    c.out.data.forEach((v, j) => assert.ok(Math.abs(got.data[j] - v) <= 1e-13 * scale, `fixture ${i} element ${j}`));
  }
});

test("small planes stay on the calling thread; setThreads(1) is the one-thread path; bad counts are ConvErrors", { skip: noPool }, () => {
  const x = random([40, 40], 3), k = random([3, 3], 4);
  const jobs = poolJobs();
  conv2dFFT(x, k, { stride: [1, 1], threads: 2 }); // one 64 x 64 plane < FFT_THREAD_MIN
  assert.ok(64 * 64 < FFT_THREAD_MIN);
  assert.equal(poolJobs(), jobs, "a plane under the cut-over used the pool");
  const big = random([200, 200], 5);
  const want = conv2dFFT(big, k, { stride: [1, 1], threads: 1 });
  const previous = getThreads();
  try {
    setThreads(1);
    const before = poolJobs();
    assertBitwise(conv2dFFT(big, k, { stride: [1, 1] }), want, "setThreads(1)");
    assert.equal(poolJobs(), before, "setThreads(1) used the pool");
    setThreads(2);
    assertBitwise(conv2dFFT(big, k, { stride: [1, 1] }), want, "setThreads(2)");
  } finally {
    setThreads(previous);
  }
  assert.throws(() => conv2dFFT(x, k, { stride: [1, 1], threads: 0 }), (e: unknown) => e instanceof ConvError && /threads must be a positive integer \(got 0\)/.test(e.message));
  assert.throws(() => conv2dFFT(x, k, { stride: [1, 1], threads: 1.5 }), ConvError);
});

test("a script whose FFT convolution ran on worker threads exits by itself", { skip: noPool }, () => {
  const script = [
    "const nd = require('ndarray');",
    `const { conv2dFFT } = require(${JSON.stringify(path.join(root, "dist", "src", "conv", "fft"))});`,
    `const { defaultBackend } = require(${JSON.stringify(path.join(root, "dist", "src", "compile", "backend.js"))});`,
    "const x = nd(Float64Array.from({ length: 256 * 256 }, (_, i) => i % 5), [256, 256]);",
    "const k = nd(Float64Array.from({ length: 9 }, (_, i) => i % 3), [3, 3]);",
    "const y = conv2dFFT(x, k, { stride: [1, 1] });",
    "let want = 0; for (let u = 0; u < 3; u++) for (let v = 0; v < 3; v++) want += ((u * 3 + v) % 3) * (((1 + u) * 256 + 2 + v) % 5);",
    "console.log(defaultBackend().wasmKernel.threadPool.jobs > 0, Math.abs(y.get(1, 2) - want) < 1e-9);",
  ].join("\n");
  const run = spawnSync(process.execPath, ["-e", script], { cwd: root, env: { ...process.env, EINCONV_THREADS: "2" }, encoding: "utf8", timeout: 60000 });
  assert.equal(run.error, undefined, `the child did not exit by itself: ${String(run.error)}`);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), "true true", "the convolution ran on the pool and is right");
});

test("when the shared memory cannot grow, conv2dFFT runs on the calling thread (same bits)", { skip: noPool }, () => {
  const backend = defaultBackend() as WasmBackend;
  const kernel = backend.wasmKernel!;
  const x = random([150, 150], 21), k = random([9, 9], 22);
  const want = conv2dFFT(x, k, { stride: [1, 1], threads: 1 });
  const grow = kernel.sharedDoubles;
  kernel.sharedDoubles = () => {
    throw new RangeError("WebAssembly.Memory.grow(): Maximum memory size exceeded");
  };
  try {
    const jobs = poolJobs();
    assertBitwise(conv2dFFT(x, k, { stride: [1, 1], threads: 2, threadMin: 0 }), want, "fallback");
    // Only the job posted when the threaded runner was made (then released empty) may have run.
    assert.ok((poolJobs() ?? 0) <= (jobs ?? 0) + 1, "the fallback posted passes to the pool");
  } finally {
    kernel.sharedDoubles = grow;
  }
});

test("a failing FFT pass is an error on the caller (no hang), and the next convolution restarts the workers", { skip: noPool }, () => {
  const kernel = (defaultBackend() as WasmBackend).wasmKernel!;
  assert.equal(kernel.threadPool.ensure(2), 2);
  const runner = new ThreadedRunner(kernel, 2, new FFTPlans());
  // An unknown pass id: every thread's share throws.
  (runner as unknown as { run(pass: number, size: PlaneSize, range: JobRange, rowsLike: boolean, args: number[]): void }).run(99, { n0: 8, n1: 8 }, { start: 0, end: 64 }, false, []);
  assert.throws(() => runner.result(runner.alloc(1)), /unknown FFT pass 99/);
  assert.equal(kernel.workers, 0, "the failed job's workers are terminated");
  checkThreads(random([130, 140], 31), random([7, 7], 32), { stride: [1, 1] }, "after a failed job");
});
