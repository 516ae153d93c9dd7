import { test } from "node:test";
import assert from "node:assert/strict";
import { chooseConvMethod, convCostFeatures, convInfo, estimateConvCosts, CONV_METHODS, DEFAULT_CONV_COSTS } from "../src/conv";
import { SPILL_CACHE_BYTES, type ConvCostConstants } from "../src/conv/auto";
import { leastSquaresFit, type FitPoint } from "../bench/fit_auto";

/** The blog's grid-3 shape: n x n x 10 data, f x f x 10 kernel, stride 5. */
const grid3 = (n: number, f: number) => convInfo([n, n, 10], [f, f, 10], { stride: 5 });

test("spilledLines: zero for dense passes, whatever the data size", () => {
  // Stride 1 (grid 1) and depth 5 stride 2 (grid 2, 40 bytes skipped < a 64-byte line) stream.
  assert.equal(convCostFeatures(convInfo([1024, 1024], [5, 5])).spilledLines, 0);
  assert.equal(convCostFeatures(convInfo([512, 512, 5], [5, 5, 5], { stride: 2 })).spilledLines, 0);
  // Sparse passes on data that fits the cache do not spill either.
  assert.ok(32 * 32 * 10 * 8 < SPILL_CACHE_BYTES);
  assert.equal(convCostFeatures(grid3(32, 3)).spilledLines, 0);
});

test("spilledLines: taps x outputs x lines per output x the share of the data beyond the cache", () => {
  const info = grid3(512, 3);
  const bytes = 512 * 512 * 10 * 8;
  const outputs = Math.floor((512 - 3) / 5) + 1; // per axis
  const expected = 9 * outputs * outputs * (1 + 80 / 64) * (1 - SPILL_CACHE_BYTES / bytes);
  assert.ok(Math.abs(convCostFeatures(info).spilledLines - expected) < 1e-9 * expected);
  // Grows with the data, per output too.
  const perOutput = (n: number) => convCostFeatures(grid3(n, 3)).spilledLines / convCostFeatures(grid3(n, 3)).outputs;
  assert.ok(perOutput(384) < perOutput(512) && perOutput(512) < perOutput(1024));
});

test("perSpilledLine: optional (older constants mean 0) and steers large sparse inputs away from submatrix", () => {
  const info = grid3(512, 3);
  const { perSpilledLine: _dropped, ...oldSubmatrix } = { ...DEFAULT_CONV_COSTS.submatrix };
  const old: ConvCostConstants = { ...DEFAULT_CONV_COSTS, submatrix: oldSubmatrix };
  const zero: ConvCostConstants = { ...DEFAULT_CONV_COSTS, submatrix: { ...oldSubmatrix, perSpilledLine: 0 } };
  assert.deepEqual(estimateConvCosts(info, old), estimateConvCosts(info, zero));
  const heavy: ConvCostConstants = { ...DEFAULT_CONV_COSTS, submatrix: { ...oldSubmatrix, perSpilledLine: 1e6 } };
  assert.notEqual(chooseConvMethod(info, heavy).method, "submatrix");
  // A dense input is unaffected by the term.
  const dense = convInfo([512, 512, 5], [5, 5, 5], { stride: 2 });
  assert.equal(estimateConvCosts(dense, heavy).submatrix, estimateConvCosts(dense, zero).submatrix);
});

test("fit_auto's least squares recovers known constants from times the model itself predicts", () => {
  const known: ConvCostConstants = {
    fft: { perModelNs: 1.5, perThreadedModelNs: 0.9, perCall: 50000 },
    submatrix: { perMac: 2, perSlabElement: 0.5, perTap: 100, perSpilledLine: 20, perCall: 1000 },
    strided: { perMac: 2.5, perOutput: 20, perCall: 10000 },
  };
  const points: FitPoint[] = [];
  for (const n of [32, 64, 128, 256, 384, 512]) {
    for (const f of [3, 5, 9, 15]) {
      for (const info of [convInfo([n, n], [f, f]), convInfo([n, n, 5], [f, f, 5], { stride: 2 }), grid3(n, f)]) {
        // Runs at 1 and 2 threads: the threaded FFT constant is fitted from the 2-thread points whose passes are split.
        for (const threads of [1, 2]) {
          const times = estimateConvCosts(info, known, threads);
          points.push({ grid: info.inChannels, n, f, info, threads, features: convCostFeatures(info, threads), times });
        }
      }
    }
  }
  const fitted = leastSquaresFit(points);
  for (const m of CONV_METHODS) {
    const want = known[m] as Record<string, number>;
    const got = fitted[m] as Record<string, number>;
    for (const c of Object.keys(want)) assert.ok(Math.abs(got[c] - want[c]) <= 1e-4 * want[c], `${m}.${c}: ${got[c]} vs ${want[c]}`);
  }
  // One-thread runs alone have no threaded FFT: that constant stays absent (= perModelNs), never a fitted 0.
  const oneThread = leastSquaresFit(points.filter((p) => p.threads === 1));
  assert.equal(oneThread.fft.perThreadedModelNs, undefined);
  assert.ok(Math.abs(oneThread.fft.perModelNs - 1.5) <= 1e-4 * 1.5);
});

test("the FFT's features follow the runner's thread cut-over", () => {
  const big = convInfo([256, 256], [9, 9]);
  const small = convInfo([32, 32], [9, 9]);
  const one = convCostFeatures(big, 1);
  const two = convCostFeatures(big, 2);
  assert.ok(one.fftModelNs > 0 && one.fftModelNs === two.fftModelNs);
  assert.deepEqual([one.fftSerialModelNs, one.fftThreadedModelNs], [one.fftModelNs, 0]);
  assert.deepEqual([two.fftSerialModelNs, two.fftThreadedModelNs], [0, two.fftModelNs]);
  const s = convCostFeatures(small, 2);
  assert.deepEqual([s.fftSerialModelNs, s.fftThreadedModelNs], [s.fftModelNs, 0], "below FFT_THREAD_MIN: the calling thread");
  const c: ConvCostConstants = { ...DEFAULT_CONV_COSTS, fft: { perModelNs: 1, perThreadedModelNs: 0.5, perCall: 0 } };
  assert.equal(estimateConvCosts(big, c, 2).fft, 0.5 * two.fftModelNs);
  assert.equal(estimateConvCosts(big, c, 1).fft, one.fftModelNs);
  const legacy: ConvCostConstants = { ...DEFAULT_CONV_COSTS, fft: { perModelNs: 1, perCall: 0 } };
  assert.equal(estimateConvCosts(big, legacy, 2).fft, two.fftModelNs, "absent perThreadedModelNs = perModelNs");
});
