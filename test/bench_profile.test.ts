/**
 * bench/profile.ts and bench/timing.ts's warm-up rule, without timing anything: the
 * profile's self-time table from a hand-made CPU profile, the category of each kind of
 * function, the instruction mix read from gemm.wat (against counts done by hand from the
 * kernel's text), and when a warm-up counts as settled.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { GEMM_FUNCTIONS, categoryOf, kernelMix, selfTimes, watFunctions } from "../bench/profile";
import { MAX_SETTLE_CALLS, settled, warmupDone } from "../bench/timing";

const WAT = fs.readFileSync(path.join(__dirname, "..", "..", "src", "compile", "wasm", "gemm.wat"), "utf8");

test("GEMM_FUNCTIONS lists gemm.wat's functions in index order", () => {
  assert.deepEqual(watFunctions(WAT), [...GEMM_FUNCTIONS]);
});

test("categoryOf: kernels, packs, write-back, page faults, gc, other", () => {
  assert.equal(categoryOf("wasm-function[0]", "wasm://wasm/abc"), "wasm micro/macro-kernel");
  assert.equal(categoryOf("wasm-function[2]", "wasm://wasm/abc"), "wasm micro/macro-kernel");
  assert.equal(categoryOf("wasm-function[4]", "wasm://wasm/abc"), "wasm pack");
  assert.equal(categoryOf("wasm-function[5]", "wasm://wasm/abc"), "wasm pack");
  assert.equal(categoryOf("wasm-function[6]", "wasm://wasm/abc"), "wasm gemv");
  assert.equal(categoryOf("block32", "wasm://wasm/abc"), "wasm micro/macro-kernel");
  assert.equal(categoryOf("pack32", "wasm://wasm/abc"), "wasm pack");
  assert.equal(categoryOf("gemv", "wasm://wasm/abc"), "wasm gemv");
  assert.equal(categoryOf("wasm-function[9]", "wasm://wasm/abc"), "wasm other");
  assert.equal(categoryOf("faultInZeros", "file:///x/pages.js"), "output page faults");
  assert.equal(categoryOf("prefault", "file:///x/kernel.js"), "output page faults");
  assert.equal(categoryOf("scatterColumns", "file:///x/scatter.js"), "C write-back (JS)");
  assert.equal(categoryOf("stage", "file:///x/pack.js"), "pack/stage (JS)");
  assert.equal(categoryOf("(garbage collector)", ""), "gc");
  assert.equal(categoryOf("sweep", "file:///x/kernel.js"), "other JS");
});

test("selfTimes sums each function's sample intervals and sorts by time", () => {
  const profile = {
    nodes: [
      { id: 1, callFrame: { functionName: "(root)", url: "" } },
      { id: 2, callFrame: { functionName: "wasm-function[0]", url: "wasm://wasm/k" } },
      { id: 3, callFrame: { functionName: "scatterRows", url: "file:///s.js" } },
    ],
    samples: [2, 2, 3, 2, 1],
    timeDeltas: [1000, 2000, 500, 1500, 1000], // µs
  };
  const rows = selfTimes(profile);
  assert.deepEqual(rows.map((r) => [r.name, r.selfMs]), [["wasm-function[0]", 4.5], ["(root)", 1], ["scatterRows", 0.5]]);
  assert.equal(rows[0].category, "wasm micro/macro-kernel");
  assert.ok(Math.abs(rows[0].share - 0.75) < 1e-12);
});

test("kernelMix counts the k loop's SIMD instructions of both micro-kernels", () => {
  const [f64, f32] = kernelMix(WAT);
  // 4×4 f64 tile (two f64x2 lanes per row of B): 2 loads of B, 4 broadcasts of A, 8 mul + 8 add.
  assert.deepEqual({ ...f64 }, { kernel: "$micro", loads: 2, splats: 4, muls: 8, adds: 8, madds: 8, flops: 32 });
  // 4×8 f32 tile: the same instruction count on f32x4, twice the flops.
  assert.deepEqual({ ...f32 }, { kernel: "$micro32", loads: 2, splats: 4, muls: 8, adds: 8, madds: 8, flops: 64 });
  assert.throws(() => kernelMix("(module)"), /no \$micro/);
});

test("settled: the last warm-up call within 20% of the best before it", () => {
  assert.equal(settled(1.0, Infinity), false);
  assert.equal(settled(1.19, 1.0), true);
  assert.equal(settled(1.21, 1.0), false);
  assert.equal(settled(0.84, 1.0), true);
  assert.equal(settled(0.8, 1.0), false); // still getting faster
});

test("warmupDone: goes on while calls get faster, stops when settled, at the cap, or at half the budget", () => {
  const opts = { warmup: 2, warmupMs: 50, repeats: 7, budgetMs: 2000 };
  const at = (i: number, warmedMs: number, last: number, bestBefore: number) => warmupDone({ i, warmedMs, last, bestBefore }, opts);
  assert.equal(at(1, 500, 5, 5), false, "fewer than `warmup` calls");
  assert.equal(at(3, 20, 5, 5), false, "less than warmupMs spent");
  assert.equal(at(3, 60, 5, 5), true, "settled");
  // The threaded FFT's first calls (65, 14, 9.2, 8.2 ms...): 14 after 65 is not settled, 8.2 after 9.2 is.
  assert.equal(at(2, 79, 14, 65), false);
  assert.equal(at(4, 96, 8.2, 9.2), true);
  assert.equal(at(MAX_SETTLE_CALLS, 300, 3, 1), true, "the cap");
  assert.equal(at(MAX_SETTLE_CALLS - 1, 300, 3, 1), false);
  assert.equal(at(1, 1001, 900, Infinity), true, "half the budget");
  assert.equal(at(0, 1001, Infinity, Infinity), false, "never before the first call");
});
