/**
 * src/conv/tap_kernel.ts: the generated sub-matrix passes give bitwise the interpreted
 * loop's result for every depth they cover, unit and non-unit channel strides, float64 and
 * float32 data; depths beyond MAX_TAP_DEPTH and depth 1 take the loop; the source is
 * readable (named weights, one sum per output); the cache stays bounded.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { MAX_TAP_DEPTH, accumulateTapLoop, tapKernelCount, tapKernelSource, tapPass } from "../src/conv/tap_kernel";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

test("generated passes equal the loop bitwise (depth 2..MAX+1, channel stride 1 and 3, f64 and f32 data)", () => {
  const rand = rng(11);
  for (let depth = 2; depth <= MAX_TAP_DEPTH + 1; depth++) {
    for (const cs of [1, 3]) {
      for (const T of [Float64Array, Float32Array]) {
        const rows = 5, cols = 7, s1 = depth * cs + 2, s0 = cols * s1 * 2 + 1, offset = 3;
        const d = new T(offset + rows * s0);
        for (let i = 0; i < d.length; i++) d[i] = rand();
        const w = Float64Array.from({ length: depth }, rand);
        const base = Float64Array.from({ length: 4 + rows * 9 }, rand);
        const want = base.slice();
        const got = base.slice();
        accumulateTapLoop(d, offset, rows, cols, s0, s1, cs, want, 4, 9, w);
        tapPass(depth, cs)(d, offset, rows, cols, s0, s1, cs, got, 4, 9, w);
        for (let i = 0; i < want.length; i++) if (!Object.is(want[i], got[i])) assert.fail(`depth ${depth} stride ${cs} ${T.name}: [${i}] ${got[i]} vs ${want[i]}`);
        assert.ok(want.some((v, i) => v !== base[i]), "the pass wrote something");
      }
    }
  }
  assert.equal(tapPass(MAX_TAP_DEPTH + 1, 1), accumulateTapLoop, "beyond MAX_TAP_DEPTH: the loop");
  assert.equal(tapPass(1, 1), accumulateTapLoop, "depth 1: the loop (the caller has its own 2-D path)");
  assert.notEqual(tapPass(10, 1), accumulateTapLoop);
  assert.equal(tapPass(10, 1), tapPass(10, 1), "cached");
  assert.ok(tapKernelCount() <= 2 * (MAX_TAP_DEPTH - 1));
});

test("tapKernelSource: named weights and one straight-line sum per output", () => {
  const src = tapKernelSource(3, true);
  assert.match(src, /const w0 = w\[0\]; const w1 = w\[1\]; const w2 = w\[2\];/);
  assert.match(src, /out\[o \+ q\] \+= d\[p\] \* w0 \+ d\[p \+ 1\] \* w1 \+ d\[p \+ 2\] \* w2;/);
  assert.match(tapKernelSource(2, false), /d\[p \+ 1 \* s2\] \* w1/);
});
