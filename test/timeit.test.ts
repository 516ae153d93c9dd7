/**
 * timeit with an injected clock (no wall-clock thresholds): each call of the timed function
 * advances a fake clock, so warm-up length, IPython's choice of `number` and the statistics
 * are exact; the result displays as a cell value (text for tslab's util.inspect, a MIME bundle
 * for Deno's Symbol.for("Jupyter.display")).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { TimeitResult, timeit } from "../src/notebook/index";

/** A fake clock in ms and a function whose calls take the given durations (the last repeats). */
function fake(durations: number[]): { clock: () => number; fn: () => number; calls: () => number } {
  let now = 0;
  let n = 0;
  return {
    clock: () => now,
    fn: () => {
      now += durations[Math.min(n, durations.length - 1)];
      return n++;
    },
    calls: () => n,
  };
}

test("timeit: warm-up until calls settle, IPython's autorange, per-call seconds", async () => {
  // 3 ms per call: warm-up needs 20 ms (7 calls); autorange tries 1, 2, 5, 10, 20, 50, 100 calls (100 × 3 ms >= 0.2 s)
  const f = fake([3]);
  const t = await timeit(f.fn, { clock: f.clock });
  assert.equal(t.number, 100);
  assert.equal(t.repeat, 7);
  assert.equal(t.warmupCalls, 7 + (1 + 2 + 5 + 10 + 20 + 50 + 100));
  assert.equal(f.calls(), t.warmupCalls + 7 * 100);
  for (const v of [t.median, t.mean, t.best, t.worst]) assert.ok(Math.abs(v - 0.003) < 1e-15, String(v));
  assert.ok(t.std < 1e-15);
  assert.equal(String(t), "3 ms ± 0 ms per call (median of 7 runs × 100 calls)");
});

test("timeit: a slow first call is warm-up, not a sample; fixed number and repeat", async () => {
  const f = fake([500, 40, 10, 10]);
  const t = await timeit(f.fn, { clock: f.clock, repeat: 3, number: 2 });
  // warm-up: 500 (i=0), 40 (not within 20% of 500), 10 (not of 40), 10 (settled)
  assert.equal(t.warmupCalls, 4);
  assert.deepEqual(t.times, [0.01, 0.01, 0.01]);
  assert.equal(t.toString(), "10 ms ± 0 ms per call (median of 3 runs × 2 calls)");
});

test("timeit: median, mean and population std of the runs; units; display bundle and inspect", async () => {
  // warm-up rule knobs pass through: with warmup 1 and no minimum time, two equal calls settle it
  const f = fake([1]);
  const measured = await timeit(f.fn, { clock: f.clock, number: 10, repeat: 5, warmup: { warmup: 1, warmupMs: 0 } });
  assert.equal(measured.warmupCalls, 2);
  assert.equal(measured.repeat, 5);
  assert.ok(Math.abs(measured.median - 1e-3) < 1e-12);
  // statistics on a known list
  const r = new TimeitResult([1e-6, 2e-6, 3e-6, 4e-6, 100e-6], 10, 0);
  assert.ok(Math.abs(r.median - 3e-6) < 1e-18);
  assert.ok(Math.abs(r.mean - 22e-6) < 1e-18);
  const std = Math.sqrt(([1, 2, 3, 4, 100].map((v) => (v - 22) ** 2).reduce((s, v) => s + v, 0) / 5)) * 1e-6;
  assert.ok(Math.abs(r.std - std) < 1e-15);
  assert.equal(r.best, 1e-6);
  assert.equal(r.worst, 100e-6);
  assert.equal(String(r), "3 µs ± 39 µs per call (median of 5 runs × 10 calls)");
  assert.equal(inspect(r), String(r));
  const b = (r as unknown as Record<symbol, () => Record<string, string>>)[Symbol.for("Jupyter.display")]();
  assert.equal(b["text/plain"], String(r));
  assert.match(b["text/html"], /^<span class="einconv-timeit" title="± is the standard deviation across runs; best 1 µs, worst 100 µs, mean 22 µs; 0 warm-up calls">3 µs ± 39 µs per call/);
  assert.equal(String(new TimeitResult([7.2134e-3, 7.1e-3, 7.3e-3], 10, 0)), "7.21 ms ± 0.082 ms per call (median of 3 runs × 10 calls)");
  assert.equal(String(new TimeitResult([2.5], 1, 0)), "2.5 s ± 0 s per call (median of 1 run × 1 call)");
  assert.equal(String(new TimeitResult([12e-9, 13e-9], 1e6, 0)), "12.5 ns ± 0.5 ns per call (median of 2 runs × 1000000 calls)");
  assert.deepEqual(JSON.parse(JSON.stringify(r)).times, [1e-6, 2e-6, 3e-6, 4e-6, 100e-6]);
});

test("timeit: async functions are awaited call by call", async () => {
  let now = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const fn = async () => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setImmediate(r));
    now += 50;
    inFlight--;
  };
  const t = await timeit(fn, { clock: () => now, repeat: 2 });
  assert.equal(maxInFlight, 1);
  assert.equal(t.number, 5); // 1 × 50 ms, 2 × 50, 5 × 50 = 250 ms >= 0.2 s
  assert.deepEqual(t.times, [0.05, 0.05]);
});

test("timeit: bad arguments and a stopped clock give clear errors", async () => {
  await assert.rejects(timeit(42 as never), /fn must be a function, got 42/);
  await assert.rejects(timeit(() => 0, { repeat: 0 }), /repeat must be a positive integer, got 0/);
  await assert.rejects(timeit(() => 0, { number: 1.5 }), /number must be a positive integer/);
  await assert.rejects(timeit(() => 0, { repaet: 3 } as never), /unknown option "repaet"/);
  await assert.rejects(timeit(() => 0, { clock: () => 0, warmup: { budgetMs: 0 } }), /1000000 calls took 0 ms by the clock: is the clock advancing\?/);
});
