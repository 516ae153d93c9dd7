/**
 * Quick timing of conv2dFFT (not a test: no thresholds). For each stride it
 * times the model's plan ("auto"), the plain single-block stride-1 FFT that
 * keeps every stride-th output ("drop"), and full polyphase with one block,
 * plus the generic N-D `correlate` on the same data for scale.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/fft_quick.js [n=256] [c=5] [k=9]
 *   node dist/bench/fft_quick.js grid     # the blog's three settings on a few sizes
 *
 * Times are the minimum over interleaved repetitions (robust to a busy machine).
 */
import ndarray from "ndarray";
import { conv2dFFT, planConv2dFFT, Conv2dFFTPlanOptions } from "../src/conv/fft";
import { correlate } from "../src/fft";

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

if (process.argv[2] === "grid") {
  grid();
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
