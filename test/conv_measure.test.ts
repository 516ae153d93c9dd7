/**
 * `method: "measure"`: the timed choice with injected clocks (deterministic), the bounded
 * first call (calls per candidate), memo hits, LRU eviction, and explainConv's report.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import ndarray from "ndarray";
import {
  CONV_METHODS,
  ConvError,
  ConvWisdom,
  MEASURE_DEFAULTS,
  chooseConvMethod,
  convGeometryKey,
  convInfo,
  convolve,
  convolveMeasured,
  convolveWith,
  explainConv,
  measureCandidates,
  timeCandidates,
  type ConvCostEstimates,
  type ConvMethodName,
} from "../src/conv";
import { symmetricRandom } from "../src/random";
import type { Tensor } from "../src/types";

process.env.EINCONV_TUNING = "off"; // the shipped defaults, whatever this machine's calibration

/** A clock that advances only inside fake runs, by the scripted time of the method run. */
function scripted(times: Record<ConvMethodName, number | number[]>) {
  let now = 0;
  const calls: ConvMethodName[] = [];
  const seen: Record<string, number> = {};
  const out = ndarray(new Float64Array(1), [1, 1]) as unknown as Tensor;
  const run = (m: ConvMethodName): Tensor => {
    const t = times[m];
    const i = seen[m] ?? 0;
    seen[m] = i + 1;
    now += Array.isArray(t) ? t[Math.min(i, t.length - 1)] : t;
    calls.push(m);
    return { ...out, method: m } as unknown as Tensor;
  };
  const count = (m: ConvMethodName) => calls.filter((c) => c === m).length;
  return { clock: () => now, run, calls, count, elapsed: () => now };
}

const EVEN: ConvCostEstimates = { fft: 1e6, submatrix: 1e6, strided: 1e6 };

test("measureCandidates: the methods within the factor of the cheapest estimate, cheapest first", () => {
  const est: ConvCostEstimates = { fft: 5e6, submatrix: 1e6, strided: 2.5e6 };
  assert.deepEqual(measureCandidates(est, 3), ["submatrix", "strided"]);
  assert.deepEqual(measureCandidates(est, 5), ["submatrix", "strided", "fft"]);
  assert.deepEqual(measureCandidates(est, 1), ["submatrix"]);
  assert.deepEqual(measureCandidates(EVEN, 1), [...CONV_METHODS]); // ties in CONV_METHODS order
  assert.equal(MEASURE_DEFAULTS.factor, 3);
});

test("timeCandidates: the fastest by injected times wins, and its own run's result is returned", () => {
  const s = scripted({ fft: 4, submatrix: 2, strided: 3.5 });
  const r = timeCandidates(["fft", "submatrix", "strided"], EVEN, s.run, { warmup: 0, clock: s.clock, capMs: 0, budget: 100 });
  assert.equal(r.method, "submatrix");
  assert.equal((r.result as unknown as { method: string }).method, "submatrix");
  assert.deepEqual(r.timings.map((t) => [t.method, t.bestMs]), [["fft", 4], ["submatrix", 2], ["strided", 3.5]]);
  // Slower than 1.5 x the best so far stops a candidate: fft (first, the best then) runs 3 times,
  // submatrix beats it (3 runs), strided at 3.5 > 1.5 x 2 stops after one.
  assert.deepEqual([s.count("fft"), s.count("submatrix"), s.count("strided")], [3, 3, 1]);
  assert.equal(r.timings[2].stopped, "slower");
  // Within the fixed cap nothing is abandoned: every candidate makes its 3 runs.
  const t = scripted({ fft: 4, submatrix: 2, strided: 3.5 });
  timeCandidates(["fft", "submatrix", "strided"], EVEN, t.run, { warmup: 0, clock: t.clock, capMs: 1000 });
  assert.deepEqual([t.count("fft"), t.count("submatrix"), t.count("strided")], [3, 3, 3]);
});

test("timeCandidates: the best of each candidate's runs counts (a slow first run does not lose)", () => {
  const s = scripted({ fft: [10, 2, 2], submatrix: [3, 3, 3], strided: 100 });
  const r = timeCandidates(["fft", "submatrix"], EVEN, s.run, { warmup: 0, clock: s.clock, capMs: 1000 });
  assert.equal(r.method, "fft");
  assert.deepEqual(r.timings.map((t) => t.bestMs), [2, 3]);
});

test("timeCandidates: the first call stays within budget x best + cap (runs not started when predicted over)", () => {
  // Equal estimates; every run 10 ms; budget 2 x best + cap 5 = 25 ms: fft's 3 runs would
  // be 30 ms, so it stops after 2 (20 ms; a third predicted at 30 > 25) and nothing else starts.
  const s = scripted({ fft: 10, submatrix: 10, strided: 10 });
  const r = timeCandidates(["fft", "submatrix", "strided"], EVEN, s.run, { warmup: 0, clock: s.clock, budget: 2, capMs: 5 });
  assert.deepEqual(s.calls, ["fft", "fft"]);
  assert.ok(s.elapsed() <= 2 * 10 + 5);
  assert.deepEqual(r.timings.map((t) => [t.runs, t.stopped]), [[2, "budget"], [0, "budget"], [0, "budget"]]);
  // The default bound: at most runs x candidates calls, and total <= 6 x best + 50 ms.
  for (const slow of [1, 7, 40, 1000]) {
    const t = scripted({ fft: 5, submatrix: slow, strided: 5.5 });
    timeCandidates(["fft", "submatrix", "strided"], EVEN, t.run, { warmup: 0, clock: t.clock });
    assert.ok(t.calls.length <= MEASURE_DEFAULTS.runs * 3, `${t.calls.length} calls`);
    // A candidate's first run is predicted from the estimates (equal here), so only a run slower than predicted may pass the bound.
    const overshoot = slow > 5 ? slow - 5 : 0;
    assert.ok(t.elapsed() <= MEASURE_DEFAULTS.budget * 5 + MEASURE_DEFAULTS.capMs + overshoot, `slow ${slow}: ${t.elapsed()} ms`);
  }
});

test("timeCandidates: a candidate estimated far costlier is predicted from the estimates and not started over budget", () => {
  const est: ConvCostEstimates = { fft: 1e6, submatrix: 2.9e6, strided: 1e9 };
  const s = scripted({ fft: 10, submatrix: 10, strided: 10 });
  timeCandidates(["fft", "submatrix", "strided"], est, s.run, { warmup: 0, clock: s.clock, capMs: 0 });
  // Budget 6 x 10 = 60 ms: fft 3 x 10, submatrix predicted 29 -> runs (10), then 2 more (50); strided predicted 10000: skipped.
  assert.equal(s.count("strided"), 0);
  assert.equal(s.count("fft"), 3);
});

test("timeCandidates: one untimed warm-up run per candidate by default, outside the budget and the times", () => {
  // Cold first runs (100 ms) then 2 ms: the warm-up absorbs them, so both candidates are measured warm.
  const s = scripted({ fft: [100, 2, 2, 2], submatrix: [100, 1, 1, 1], strided: 1 });
  const r = timeCandidates(["fft", "submatrix"], EVEN, s.run, { clock: s.clock, capMs: 10 });
  assert.equal(r.method, "submatrix");
  assert.deepEqual(r.timings.map((t) => [t.method, t.warmups, t.runs, t.bestMs]), [["fft", 1, 3, 2], ["submatrix", 1, 3, 1]]);
  assert.equal(s.calls.length, 8);
  // Without it the cold runs eat the budget: 100 + 2 + 2 spent > 6 x 2, submatrix never starts.
  const t = scripted({ fft: [100, 2, 2, 2], submatrix: [100, 1, 1, 1], strided: 1 });
  assert.equal(timeCandidates(["fft", "submatrix"], EVEN, t.run, { clock: t.clock, capMs: 0, warmup: 0 }).method, "fft");
  assert.throws(() => timeCandidates(["fft"], EVEN, t.run, { warmup: -1 }), /measure\.warmup must be an integer >= 0/);
});

test("options are validated with a ConvError naming the knob", () => {
  const s = scripted({ fft: 1, submatrix: 1, strided: 1 });
  assert.throws(() => timeCandidates(["fft"], EVEN, s.run, { runs: 0 }), (e: unknown) => e instanceof ConvError && /measure\.runs/.test((e as Error).message));
  assert.throws(() => timeCandidates(["fft"], EVEN, s.run, { runs: 1.5 }), /measure\.runs must be an integer/);
  assert.throws(() => timeCandidates(["fft"], EVEN, s.run, { factor: 0.5 } as never), /measure\.factor/);
  assert.throws(() => timeCandidates(["fft"], EVEN, s.run, { abandon: Number.NaN }), /measure\.abandon/);
});

function data(shape: number[], seed: number): Tensor {
  const r = symmetricRandom(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return ndarray(Float64Array.from({ length: n }, () => r()), shape) as unknown as Tensor;
}

test("convolveMeasured: measures once per key, later calls run the winner with no timing (memo hits)", () => {
  const x = data([20, 20], 1);
  const k = data([3, 3], 2);
  const info = convInfo(x.shape, k.shape);
  const wisdom = new ConvWisdom(8);
  const s = scripted({ fft: 3, submatrix: 1, strided: 2 });
  // factor 1e9: every method is a candidate, whatever the model estimates.
  const measure = { warmup: 0, clock: s.clock, wisdom, factor: 1e9 };
  const first = convolveMeasured(x, k, info, s.run, { measure });
  assert.equal(first.call.source, "measured");
  assert.equal(first.call.method, "submatrix");
  const timed = wisdom.stats.timedRuns;
  assert.equal(timed, s.calls.length);
  const callsBefore = s.calls.length;
  const second = convolveMeasured(x, k, info, s.run, { measure });
  assert.deepEqual([second.call.source, second.call.method], ["memo", "submatrix"]);
  assert.deepEqual(s.calls.slice(callsBefore), ["submatrix"]); // the winner, once
  assert.equal(wisdom.stats.timedRuns, timed); // no timing on later calls
  assert.deepEqual([wisdom.stats.measurements, wisdom.stats.memoHits], [1, 1]);
  // Another geometry key (stride) measures again.
  const info2 = convInfo(x.shape, k.shape, { stride: 2 });
  assert.equal(convolveMeasured(x, k, info2, s.run, { measure }).call.source, "measured");
  assert.equal(wisdom.size, 2);
});

test("the geometry key names machine, threads, shapes, dtype, layout, stride, dilation, padding and mode", () => {
  const x = data([8, 9], 1);
  const k = data([3, 3], 2);
  const key = convGeometryKey(x, k, convInfo(x.shape, k.shape, { stride: 2, dilation: [1, 2], mode: "same" }), 2);
  assert.match(key, /\|t2\|x\[8,9\]float64:C\|k\[3,3\]float64:C\|s2,2\|d1,2\|p1,1,2,2\|same$/);
  const transposed = x.transpose(1, 0) as Tensor;
  assert.match(convGeometryKey(transposed, k, convInfo(transposed.shape, k.shape), 2), /x\[9,8\]float64:s1,9/);
  assert.notEqual(convGeometryKey(x, k, convInfo(x.shape, k.shape), 1), convGeometryKey(x, k, convInfo(x.shape, k.shape), 2));
});

test("ConvWisdom: LRU eviction at the limit, get() refreshes, clear() empties and zeroes counters", () => {
  const w = new ConvWisdom(2);
  const entry = (method: ConvMethodName) => ({ method, times: { [method]: 1 }, runs: { [method]: 1 }, origin: "measured" as const });
  w.set("a", entry("fft"));
  w.set("b", entry("submatrix"));
  assert.equal(w.get("a")?.method, "fft"); // a is now the most recent
  w.set("c", entry("strided"));
  assert.deepEqual(w.keys(), ["a", "c"]);
  assert.equal(w.get("b"), undefined);
  assert.equal(w.stats.evictions, 1);
  w.clear();
  assert.deepEqual([w.size, w.stats.evictions], [0, 0]);
  assert.throws(() => new ConvWisdom(0), ConvError);
});

test("measure through an evicting memo measures the evicted key again", () => {
  const x = data([12, 12], 3);
  const k = data([3, 3], 4);
  const wisdom = new ConvWisdom(1);
  const s = scripted({ fft: 1, submatrix: 2, strided: 3 });
  const measure = { warmup: 0, clock: s.clock, wisdom, factor: 1e9 };
  const a = convInfo(x.shape, k.shape);
  const b = convInfo(x.shape, k.shape, { padding: 1 });
  convolveMeasured(x, k, a, s.run, { measure });
  convolveMeasured(x, k, b, s.run, { measure }); // evicts a
  assert.equal(convolveMeasured(x, k, a, s.run, { measure }).call.source, "measured");
  assert.equal(wisdom.stats.measurements, 3);
});

test("convolve(method: measure): the result is the winner's, bit for bit, on the first and later calls", () => {
  const x = data([40, 40, 3], 5);
  const k = data([5, 5, 3], 6);
  const wisdom = new ConvWisdom();
  const opts = { stride: 2, method: "measure" as const, measure: { wisdom, factor: 1e9 } };
  const first = convolve(x, k, opts);
  const e = explainConv(x, k, opts);
  assert.equal(e.source, "memo");
  const winner = e.method!;
  const info = convInfo(x.shape, k.shape, { stride: 2 });
  const direct = convolveWith(winner, x, k, info);
  assert.deepEqual(Array.from(first.data as Float64Array), Array.from(direct.data as Float64Array));
  const second = convolve(x, k, opts);
  assert.deepEqual(Array.from(second.data as Float64Array), Array.from(direct.data as Float64Array));
  // Against another method: equal up to rounding.
  const other = convolveWith("submatrix", x, k, info).data as Float64Array;
  const scale = Math.max(...Array.from(other, Math.abs));
  (second.data as Float64Array).forEach((v, i) => assert.ok(Math.abs(v - other[i]) <= 1e-12 * scale));
  assert.deepEqual([wisdom.stats.measurements, wisdom.stats.memoHits], [1, 1]);
});

test("explainConv: to be measured, then measured times and the winner; auto names the shipped defaults", () => {
  const x = data([30, 30], 7);
  const k = data([4, 4], 8);
  const wisdom = new ConvWisdom();
  const s = scripted({ fft: 2, submatrix: 1, strided: 1.2 });
  const opts = { method: "measure" as const, measure: { wisdom, warmup: 0, clock: s.clock, factor: 1e9 } };
  const before = explainConv(x, k, opts);
  assert.equal(before.source, "to measure");
  assert.equal(before.method, undefined);
  assert.deepEqual(before.candidates!.map((c) => c.method).sort(), [...CONV_METHODS].sort());
  assert.match(before.text, /to be measured on the next call/);
  convolveMeasured(x, k, convInfo(x.shape, k.shape), s.run, opts);
  const after = explainConv(x, k, opts);
  assert.deepEqual([after.source, after.method], ["memo", "submatrix"]);
  assert.equal(after.candidates!.find((c) => c.method === "submatrix")!.bestMs, 1);
  assert.match(after.text, /method: submatrix \(measure: measured in this process\)/);
  assert.match(after.text, /submatrix 1\.000 ms \(3 runs\)/);
  assert.equal(after.stats!.timedRuns, s.calls.length);
  const auto = explainConv(x.shape, k.shape);
  assert.equal(auto.method, chooseConvMethod(convInfo(x.shape, k.shape)).method);
  assert.match(auto.costs, /shipped defaults fitted on one Intel Xeon/);
  assert.equal(explainConv(x, k, { method: "fft" }).source, "given");
});

test("convolve rejects an unknown method naming measure among the choices", () => {
  const x = data([5, 5], 1);
  assert.throws(() => convolve(x, x, { method: "fastest" as never }), /expected "auto", "measure", "fft", "submatrix" or "strided"/);
});
