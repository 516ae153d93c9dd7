import { test } from "node:test";
import assert from "node:assert/strict";
import { benchmark, expandGrid, recordingDisplay, summarizeTimes } from "../src/notebook";

/**
 * A fake millisecond clock: time only moves when a "method" runs, by the cost
 * the test assigns to that call, so timings are exact and wall-clock free.
 */
function fakeClock() {
  let t = 0;
  return {
    now: () => t,
    spend(ms: number) {
      t += ms;
    },
  };
}

test("expandGrid enumerates combinations, first key slowest", () => {
  assert.deepEqual(expandGrid({ n: [8, 16], f: [3, 5] }), [
    { n: 8, f: 3 },
    { n: 8, f: 5 },
    { n: 16, f: 3 },
    { n: 16, f: 5 },
  ]);
});

test("summarizeTimes: median (odd and even), min, mean", () => {
  assert.deepEqual(summarizeTimes([3, 1, 2]), { median: 2, min: 1, mean: 2, repeats: 3 });
  assert.deepEqual(summarizeTimes([4, 1, 2, 3]), { median: 2.5, min: 1, mean: 2.5, repeats: 4 });
});

test("benchmark times each method per grid point with warm-up and repeats", async () => {
  const clock = fakeClock();
  const calls: string[] = [];
  const setups: number[] = [];
  // Call k (0-based, per method and point) of "slow" costs n*(k+1) ms; "fast" always n ms.
  const counters = new Map<string, number>();
  const cost = (key: string, base: number) => {
    const k = counters.get(key) ?? 0;
    counters.set(key, k + 1);
    return base * (k + 1);
  };
  const rows = await benchmark(
    {
      slow: (p: { n: number }, input: number[]) => {
        calls.push(`slow${p.n}`);
        clock.spend(cost(`slow${p.n}`, p.n));
        return input.length;
      },
      fast: (p: { n: number }) => {
        calls.push(`fast${p.n}`);
        clock.spend(p.n);
      },
    },
    { n: [1, 10] },
    { warmup: 2, repeats: 3, now: clock.now, progress: false, setup: ({ n }) => (setups.push(n), new Array<number>(n).fill(0)) },
  );
  // Setup once per point; each method: 2 warm-up + 3 timed calls.
  assert.deepEqual(setups, [1, 10]);
  assert.equal(calls.length, 2 * 2 * 5);
  // slow at n=1: warm-ups cost 1, 2 ms; timed calls 3, 4, 5 ms -> seconds.
  assert.deepEqual(rows, [
    { method: "slow", n: 1, median: 0.004, min: 0.003, mean: 0.004, repeats: 3 },
    { method: "fast", n: 1, median: 0.001, min: 0.001, mean: 0.001, repeats: 3 },
    { method: "slow", n: 10, median: 0.04, min: 0.03, mean: 0.04, repeats: 3 },
    { method: "fast", n: 10, median: 0.01, min: 0.01, mean: 0.01, repeats: 3 },
  ]);
  // Rows are plain JSON.
  assert.deepEqual(JSON.parse(JSON.stringify(rows)), rows);
});

test("benchmark: minTime adds repetitions, skip drops pairs", async () => {
  const clock = fakeClock();
  const rows = await benchmark(
    {
      a: () => clock.spend(2),
      naive: () => clock.spend(100),
    },
    [{ n: 1 }, { n: 2 }],
    { warmup: 0, repeats: 2, minTime: 0.011, now: clock.now, progress: false, skip: (m, p) => m === "naive" && p.n > 1 },
  );
  // a: 2 ms per call; 0.011 s needs 6 calls. naive: 100 ms per call, 2 calls already exceed minTime.
  assert.deepEqual(
    rows.map((r) => [r.method, r.n, r.repeats, r.median]),
    [
      ["a", 1, 6, 0.002],
      ["naive", 1, 2, 0.1],
      ["a", 2, 6, 0.002],
    ],
  );
});

test("benchmark shows one progress output updated in place", async () => {
  const clock = fakeClock();
  const rec = recordingDisplay();
  const seen: number[] = [];
  await benchmark({ a: () => clock.spend(1), b: () => clock.spend(1) }, { n: [1, 2, 3] }, {
    warmup: 0,
    repeats: 1,
    now: clock.now,
    progress: rec,
    label: "sweep",
    onProgress: (p) => seen.push(p.done),
  });
  assert.deepEqual(seen, [1, 2, 3, 4, 5, 6]);
  assert.equal(rec.outputs.length, 1);
  // One update per (method, point) and a final one.
  assert.equal(rec.outputs[0].updates, 7);
  assert.match(String(rec.outputs[0].bundle["text/plain"]), /^sweep: done: 6 runs/);
  assert.match(String(rec.outputs[0].bundle["text/html"]), /<progress value="6" max="6"/);
});

test("benchmark rejects grid keys that clash with result fields", async () => {
  await assert.rejects(benchmark({ a: () => 0 }, [{ median: 1 }], { progress: false }), /clashes/);
});
