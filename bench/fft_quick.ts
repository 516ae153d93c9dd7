/**
 * Quick timing of conv2dFFT (not a test: no thresholds). For each stride it
 * times the model's plan ("auto"), the plain single-block stride-1 FFT that
 * keeps every stride-th output ("drop"), and full polyphase with one block,
 * plus the generic N-D `correlate` on the same data for scale.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/fft_quick.js [n=256] [c=5] [k=9]
 *   node dist/bench/fft_quick.js grid     # the blog's three settings on a few sizes
 *   node dist/bench/fft_quick.js grid1 [--baseline DIR]   # grid 1 (2-D, stride 1) n 128/256 against scipy
 *   node dist/bench/fft_quick.js grid1 --threads   # grid 1 at 1 and 2 threads (interleaved) against scipy
 *   node dist/bench/fft_quick.js cutover [f=9]     # 1 vs 2 threads over n, the cut-over forced off (FFT_THREAD_MIN)
 *   node dist/bench/fft_quick.js fit      # refit FFT_COST_WEIGHTS (src/conv/fft/cost.ts) on forced plans
 *
 * `grid1` times conv2dFFT, and with `--baseline DIR` the conv2dFFT of another build
 * (DIR = the `dist` folder of e.g. `git worktree add /tmp/base main && npx tsc`), and
 * scipy.signal.fftconvolve (python3, as bench/peers.py calls it) in the same run, and
 * prints ratios.
 *
 * Times are the minimum over interleaved repetitions (robust to a busy machine).
 */
import ndarray from "ndarray";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { conv2dFFT, planConv2dFFT, fftWork, Conv2dFFTPlanOptions, Conv2dFFTWork, FFT_COST_WEIGHTS } from "../src/conv/fft";
import { correlate } from "../src/fft";
import type { Tensor } from "../src/types";

interface Row {
  label: string;
  run: () => void;
  best: number;
}

const random = (m: number): Float64Array => Float64Array.from({ length: m }, () => Math.random() - 0.5);

/** Fills `best` of every row with the minimum over interleaved repetitions. */
function timeRows(rows: Row[], reps: number, budgetMs: number): void {
  for (const r of rows) r.run(); // warm-up
  const deadline = performance.now() + budgetMs;
  for (let rep = 0; rep < reps && performance.now() < deadline; rep++) {
    for (const r of rows) {
      const t = performance.now();
      r.run();
      r.best = Math.min(r.best, performance.now() - t);
    }
  }
}

/** The blog's three settings (2-D stride 1; depth 5 stride 2; depth 10 stride 5) on a few (n, f). */
function grid(): void {
  console.log("setting          n    f   auto ms  one-block-drop ms  all-axes-correlate-then-drop ms");
  for (const [depth, s] of [[0, 1], [5, 2], [10, 5]]) {
    for (const n of [64, 128, 256, 400]) {
      for (const f of [3, 9, Math.floor(n / 2)]) {
        const xs = depth === 0 ? [n, n] : [n, n, depth];
        const ks = depth === 0 ? [f, f] : [f, f, depth];
        const x = ndarray(random(xs.reduce((p, q) => p * q)), xs);
        const w = ndarray(random(ks.reduce((p, q) => p * q)), ks);
        const stride: [number, number] = [s, s];
        const rows: Row[] = [
          { label: "auto", run: () => conv2dFFT(x, w, { stride }), best: Infinity },
          { label: "drop", run: () => conv2dFFT(x, w, { stride, polyphase: false, blockSizes: "single" }), best: Infinity },
          { label: "nd", run: () => correlate(x, w, { mode: "valid", method: "fft" }), best: Infinity },
        ];
        timeRows(rows, 5, 3000);
        const name = depth === 0 ? "2-D s1" : `x${depth} s${s}`;
        console.log(`${name.padEnd(12)} ${String(n).padStart(5)} ${String(f).padStart(4)} ${rows.map((r) => r.best.toFixed(2).padStart(9)).join("  ")}`);
      }
    }
  }
}

/** scipy.signal.fftconvolve(x, flipped k, "valid") on random n x n / f x f data, min ms per point (python3). */
function scipyTimes(points: ReadonlyArray<{ n: number; f: number }>, reps: number): number[] {
  const script = [
    "import json, sys, time",
    "import numpy as np",
    "from scipy.signal import fftconvolve",
    "out = []",
    "for n, f in json.loads(sys.argv[1]):",
    "    x = np.random.rand(n, n) - 0.5; k = np.random.rand(f, f)[::-1, ::-1] - 0.5",
    "    fftconvolve(x, k, 'valid'); best = 1e9",
    `    for _ in range(${reps}):`,
    "        t = time.perf_counter(); fftconvolve(x, k, 'valid'); best = min(best, time.perf_counter() - t)",
    "    out.append(best * 1e3)",
    "print(json.dumps(out))",
  ].join("\n");
  const r = spawnSync("python3", ["-c", script, JSON.stringify(points.map((p) => [p.n, p.f]))], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`python3/scipy failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as number[];
}

type Conv2d = (x: Tensor, k: Tensor, opts: { stride: [number, number] }) => unknown;

/** Grid 1 at n 128 / 256, f 3, 9, 31, n - 4: this build, an optional baseline build, scipy. */
function grid1(baseline: string | undefined): void {
  const old: Conv2d | undefined = baseline === undefined ? undefined : require(path.resolve(baseline, "src", "conv", "fft")).conv2dFFT;
  const points = [128, 256].flatMap((n) => [3, 9, 31, n - 4].map((f) => ({ n, f })));
  const reps = 20;
  const ours = points.map(({ n, f }) => {
    const x = ndarray(random(n * n), [n, n]);
    const k = ndarray(random(f * f), [f, f]);
    const stride: [number, number] = [1, 1];
    const rows: Row[] = [{ label: "new", run: () => conv2dFFT(x, k, { stride }), best: Infinity }];
    if (old !== undefined) rows.push({ label: "old", run: () => old(x, k, { stride }), best: Infinity });
    timeRows(rows, reps, 2500);
    return { now: rows[0].best, before: rows[1]?.best };
  });
  const scipy = scipyTimes(points, reps);
  console.log("grid 1 (2-D, stride 1, valid), min of interleaved runs, ms");
  console.log("   n    f      new      old    scipy  new/old  new/scipy  old/scipy");
  points.forEach(({ n, f }, i) => {
    const { now, before } = ours[i];
    const cells = [now, before, scipy[i]].map((v) => (v === undefined ? "-" : v.toFixed(3)).padStart(8));
    const ratios = [before === undefined ? undefined : now / before, now / scipy[i], before === undefined ? undefined : before / scipy[i]];
    console.log(`${String(n).padStart(4)} ${String(f).padStart(4)} ${cells.join(" ")} ${ratios.map((r) => (r === undefined ? "-" : r.toFixed(2)).padStart(9)).join(" ")}`);
  });
}

/** Grid 1 (n 128 / 256; f 3, 9, 31) at 1 and 2 threads in one process, and scipy in the same run. */
function grid1Threads(): void {
  const points = [128, 256].flatMap((n) => [3, 9, 31].map((f) => ({ n, f })));
  const reps = 20;
  const ours = points.map(({ n, f }) => {
    const x = ndarray(random(n * n), [n, n]);
    const k = ndarray(random(f * f), [f, f]);
    const stride: [number, number] = [1, 1];
    const rows: Row[] = [1, 2].map((threads) => ({ label: `t${threads}`, run: () => conv2dFFT(x, k, { stride, threads }), best: Infinity }));
    timeRows(rows, reps, 2000);
    return rows.map((r) => r.best);
  });
  const scipy = scipyTimes(points, reps);
  console.log("grid 1 (2-D, stride 1, valid), min of interleaved runs, ms (scipy: one thread, as fftconvolve runs)");
  console.log("   n    f   1 thr   2 thr   scipy  1thr/scipy  2thr/scipy  2thr/1thr");
  points.forEach(({ n, f }, i) => {
    const [one, two] = ours[i];
    const cells = [one, two, scipy[i]].map((v) => v.toFixed(3).padStart(7)).join(" ");
    console.log(`${String(n).padStart(4)} ${String(f).padStart(4)} ${cells} ${[one / scipy[i], two / scipy[i], two / one].map((r) => r.toFixed(2).padStart(11)).join(" ")}`);
  });
}

/** 1 vs 2 threads with the cut-over off (threadMin 0), over n: where splitting starts to pay. */
function cutover(f: number): void {
  console.log(`f ${f}, stride 1: n, plane n0 x n1 x blocks, 1 thread ms, 2 threads ms, 2/1`);
  for (const n of [32, 48, 64, 96, 128, 192, 256]) {
    const x = ndarray(random(n * n), [n, n]);
    const k = ndarray(random(f * f), [f, f]);
    const stride: [number, number] = [1, 1];
    const plan = planConv2dFFT([n, n], [f, f], { stride });
    const rows: Row[] = [1, 2].map((threads) => ({ label: `t${threads}`, run: () => conv2dFFT(x, k, { stride, threads, threadMin: 0 }), best: Infinity }));
    timeRows(rows, 30, 2000);
    console.log(`${String(n).padStart(4)} ${`${plan.rows.size}x${plan.cols.size}x${plan.rows.blocks * plan.cols.blocks}`.padStart(11)} ${rows.map((r) => r.best.toFixed(3).padStart(7)).join(" ")} ${(rows[1].best / rows[0].best).toFixed(2).padStart(6)}`);
  }
}

/**
 * Least squares of `A w ~ 1` with w >= 0 over every subset of the columns (4 features:
 * 15 subsets), keeping the best all-positive solution: exact NNLS for this size.
 */
function nnls(A: number[][]): number[] {
  const m = A[0].length;
  let best: { w: number[]; err: number } | undefined;
  for (let mask = 1; mask < 1 << m; mask++) {
    const cols = Array.from({ length: m }, (_, j) => j).filter((j) => mask & (1 << j));
    // Normal equations on the subset, by Gaussian elimination.
    const G = cols.map((a) => cols.map((b) => A.reduce((s, row) => s + row[a] * row[b], 0)));
    const r = cols.map((a) => A.reduce((s, row) => s + row[a], 0));
    const k = cols.length;
    for (let i = 0; i < k; i++) {
      for (let j = i + 1; j < k; j++) {
        const q = G[j][i] / G[i][i];
        for (let l = i; l < k; l++) G[j][l] -= q * G[i][l];
        r[j] -= q * r[i];
      }
    }
    const sub = new Array<number>(k).fill(0);
    for (let i = k - 1; i >= 0; i--) {
      let v = r[i];
      for (let l = i + 1; l < k; l++) v -= G[i][l] * sub[l];
      sub[i] = v / G[i][i];
    }
    if (!sub.every((v) => v > 0 && Number.isFinite(v))) continue;
    const w = new Array<number>(m).fill(0);
    cols.forEach((c, i) => { w[c] = sub[i]; });
    const err = A.reduce((s, row) => s + (row.reduce((t, v, j) => t + v * w[j], 0) - 1) ** 2, 0);
    if (best === undefined || err < best.err) best = { w, err };
  }
  if (best === undefined) throw new Error("no positive fit");
  return best.w;
}

/**
 * Times forced conv2dFFT plans (polyphase on/off, a few block lengths per axis) over
 * shapes of the blog's three settings, fits the weights of the FFT cost model (NNLS on
 * relative error), and reports how far the model's own pick is from the fastest forced plan.
 */
function fit(): void {
  const keys: Array<keyof Conv2dFFTWork> = ["butterflies", "moves", "lines", "calls"];
  const shapes: Array<{ n: number; f: number; depth: number; s: number }> = [];
  for (const n of [32, 64, 128, 256, 300]) for (const f of [3, 9, 31]) if (f < n) shapes.push({ n, f, depth: 0, s: 1 });
  for (const n of [64, 128, 256]) for (const f of [3, 9]) shapes.push({ n, f, depth: 5, s: 2 }, { n, f, depth: 10, s: 5 });
  const samples: Array<{ work: Conv2dFFTWork; ms: number; shape: number }> = [];
  const deadline = performance.now() + 22000;
  shapes.forEach(({ n, f, depth, s }, shape) => {
    if (performance.now() > deadline) return;
    const xs = depth === 0 ? [n, n] : [n, n, depth];
    const ks = depth === 0 ? [f, f] : [f, f, depth];
    const x = ndarray(random(xs.reduce((p, q) => p * q)), xs);
    const k = ndarray(random(ks.reduce((p, q) => p * q)), ks);
    const stride: [number, number] = [s, s];
    const seen = new Set<string>();
    const rows: Array<Row & { work: Conv2dFFTWork }> = [];
    for (const polyphase of s === 1 ? [false] : [true, false]) {
      const single = planConv2dFFT(xs, ks, { stride, polyphase, blockSizes: "single" });
      for (const d0 of [1, 2, 4]) {
        for (const d1 of [1, 2, 4]) {
          const sizes: [number, number] = [single.rows.size / d0, single.cols.size / d1];
          const opts = { stride, polyphase, blockSizes: sizes };
          let plan;
          try {
            plan = planConv2dFFT(xs, ks, opts);
          } catch {
            continue; // block shorter than the kernel phase
          }
          const key = JSON.stringify([polyphase, sizes]);
          if (seen.has(key)) continue;
          seen.add(key);
          rows.push({ label: key, run: () => conv2dFFT(x, k, opts), best: Infinity, work: fftWork(plan.rows, plan.cols, plan.channels) });
        }
      }
    }
    timeRows(rows, 5, 1500);
    for (const r of rows) samples.push({ work: r.work, ms: r.best, shape });
  });
  const A = samples.map((p) => keys.map((key) => p.work[key] / (p.ms * 1e6)));
  const w = nnls(A);
  const weights = Object.fromEntries(keys.map((key, j) => [key, Number(w[j].toPrecision(3))])) as unknown as Conv2dFFTWork;
  const predict = (work: Conv2dFFTWork, wt: Conv2dFFTWork): number => keys.reduce((s, key) => s + wt[key] * work[key], 0) * 1e-6;
  const report = (name: string, wt: Conv2dFFTWork): void => {
    const rel = samples.map((p) => predict(p.work, wt) / p.ms).sort((a, b) => a - b);
    let worstPick = 1;
    for (let shape = 0; shape < shapes.length; shape++) {
      const mine = samples.filter((p) => p.shape === shape);
      if (mine.length === 0) continue;
      const pick = mine.reduce((a, b) => (predict(b.work, wt) < predict(a.work, wt) ? b : a));
      worstPick = Math.max(worstPick, pick.ms / Math.min(...mine.map((p) => p.ms)));
    }
    const q = (f: number): string => rel[Math.floor(f * (rel.length - 1))].toFixed(2);
    console.log(`${name}: predicted/actual median ${q(0.5)}, 10-90% ${q(0.1)}-${q(0.9)}; worst pick / fastest forced plan ${worstPick.toFixed(2)}x`);
  };
  console.log(`${samples.length} forced plans over ${new Set(samples.map((p) => p.shape)).size} shapes`);
  report("current FFT_COST_WEIGHTS", FFT_COST_WEIGHTS);
  report("fitted", weights);
  console.log(`fitted weights (ns per unit): ${JSON.stringify(weights)}`);
}

if (process.argv[2] === "grid") {
  grid();
  process.exit(0);
}
if (process.argv[2] === "grid1" && process.argv.includes("--threads")) {
  grid1Threads();
  process.exit(0);
}
if (process.argv[2] === "cutover") {
  cutover(Number(process.argv[3] ?? 9));
  process.exit(0);
}
if (process.argv[2] === "grid1") {
  const i = process.argv.indexOf("--baseline");
  grid1(i > 0 ? process.argv[i + 1] : undefined);
  process.exit(0);
}
if (process.argv[2] === "fit") {
  fit();
  process.exit(0);
}

const [n, c, k] = [2, 3, 4].map((i, j) => Number(process.argv[i] ?? [256, 5, 9][j]));
const x = ndarray(random(n * n * c), [n, n, c]);
const w = ndarray(random(k * k * c), [k, k, c]);
const rows: Row[] = [];
const variants: Array<[string, Omit<Conv2dFFTPlanOptions, "stride">]> = [
  ["auto", {}],
  ["drop (stride-1 FFT, one block)", { polyphase: false, blockSizes: "single" }],
  ["polyphase, one block", { polyphase: true, blockSizes: "single" }],
];
for (const s of [1, 2, 5]) {
  for (const [name, opts] of variants) {
    if (s === 1 && name !== "auto") continue;
    const stride: [number, number] = [s, s];
    const plan = planConv2dFFT(x.shape, w.shape, { stride, ...opts });
    const desc = `f=${plan.rows.factor}x${plan.cols.factor} N=${plan.rows.size}x${plan.cols.size} blocks=${plan.rows.blocks}x${plan.cols.blocks} model ${plan.cost.toFixed(1)} ms`;
    rows.push({ label: `stride ${s} ${name.padEnd(30)} ${desc}`, run: () => conv2dFFT(x, w, { stride, ...opts }), best: Infinity });
  }
}
rows.push({ label: "correlate(x, k, valid), N-D FFT over all 3 axes", run: () => correlate(x, w, { mode: "valid", method: "fft" }), best: Infinity });

timeRows(rows, 15, 8000);
console.log(`x ${n}x${n}x${c}, kernel ${k}x${k}x${c} (min of interleaved runs)`);
for (const r of rows) console.log(`${r.best.toFixed(2).padStart(8)} ms  ${r.label}`);
