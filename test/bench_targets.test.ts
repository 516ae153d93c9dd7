/**
 * bench/targets.ts: issue 10's targets computed from small synthetic result files (no timing):
 * each ratio against hand-computed values, met / not met at the limits, and "not measured"
 * (never "met") when a peer or a file is missing.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { AutoEvalFile } from "../bench/auto_fresh";
import type { ConvRow } from "../bench/conv_suite";
import { MM_FLOPS, PEER_WORKLOADS as W, type PeerCell } from "../bench/peer_ids";
import { computeTargets, formatValue, gridWinShare, loadTargetInputs, targetsTable, worstFftVsScipy, type TargetResult } from "../bench/targets";

const cell = (workload: string, impl: string, threads: number, median_ms: number): PeerCell => ({ workload, impl, threads, median_ms, min_ms: median_ms, repeats: 3 });

/** einconv 1 thread / 2 threads, numpy and onnxruntime 1 / 2, tfjs-wasm 1. */
function peers(): { rows: PeerCell[] } {
  return {
    rows: [
      cell(W.convF64, "einconv", 1, 90), cell(W.convF64, "einconv", 2, 60), cell(W.convF64, "numpy", 1, 100), cell(W.convF64, "numpy", 2, 50),
      cell(W.convF32, "einconv", 1, 20), cell(W.convF32, "einconv", 2, 12), cell(W.convF32, "tfjs-wasm", 1, 45), cell(W.convF32, "onnxruntime", 1, 14), cell(W.convF32, "onnxruntime", 2, 8),
      cell(W.mmF64, "einconv", 1, MM_FLOPS / 25e6), cell(W.mmF64, "einconv", 2, MM_FLOPS / 40e6),
      cell(W.dW, "einconv", 1, 80), cell(W.dW, "einconv", 2, 50), cell(W.dW, "numpy", 1, 80), cell(W.dW, "numpy", 2, 49),
      cell(W.nhwc, "einconv", 1, 15), cell(W.nhwc, "einconv", 2, 20), cell(W.nhwc, "numpy", 1, 10), cell(W.nhwc, "numpy", 2, 10),
    ],
  };
}

function conv(grid: number, n: number, f: number, impl: ConvRow["impl"], method: ConvRow["method"], median_ms: number): ConvRow {
  return { grid, n, f, depth: grid === 1 ? 0 : 5, stride: grid, method, impl, median_ms, min_ms: median_ms, repeats: 3 };
}

/** Grid 1: three points; einconv wins at two (one tie). Grid 2: one point, lost. */
function convRows(): ConvRow[] {
  return [
    conv(1, 64, 3, "einconv", "fft", 9), conv(1, 64, 3, "einconv", "submatrix", 1), conv(1, 64, 3, "scipy", "fft", 2), conv(1, 64, 3, "numpy", "submatrix", 1.5),
    conv(1, 128, 3, "einconv", "fft", 3), conv(1, 128, 3, "einconv", "auto", 0.1), conv(1, 128, 3, "scipy", "fft", 2),
    conv(1, 256, 9, "einconv", "fft", 4), conv(1, 256, 9, "scipy", "fft", 4),
    conv(2, 64, 3, "einconv", "strided", 3), conv(2, 64, 3, "numpy", "strided", 1),
  ];
}

const auto: AutoEvalFile = {
  fit_runs: ["a.json"],
  fresh_run: "b.json",
  stat: "median",
  constants: {} as AutoEvalFile["constants"],
  grids: [
    { grid: 1, points: 3, choice: { ratio: 1.05, at: "n64 f3 -> fft (fastest submatrix)" } },
    { grid: 2, points: 1, choice: { ratio: 1.2, at: "n64 f3 -> fft (fastest strided)" }, as_run: { ratio: 1.3, at: "n64 f3 (fastest strided)" } },
  ],
};

const find = (all: TargetResult[], workload: string, measure: string) => {
  const r = all.find((t) => t.workload === workload && t.measure.includes(measure));
  assert.ok(r, `no target ${workload} / ${measure}`);
  return r;
};

test("peer-table targets: ratios at the same thread count, limits inclusive", () => {
  const all = computeTargets({ peers: peers(), conv: { rows: convRows() }, auto });
  const close = (r: TargetResult, v: number) => assert.ok(r.value !== null && Math.abs(r.value - v) < 1e-9, `${r.workload} ${r.measure}: ${r.value} vs ${v}`);
  close(find(all, "B1 f64 forward", "1 thread"), 0.9);
  assert.equal(find(all, "B1 f64 forward", "1 thread").met, true);
  close(find(all, "B1 f64 forward", "2 threads"), 1.2);
  assert.equal(find(all, "B1 f64 forward", "2 threads").met, false);
  close(find(all, "B1 f32 forward", "tfjs-wasm"), 20 / 45);
  assert.equal(find(all, "B1 f32 forward", "tfjs-wasm").met, true);
  close(find(all, "B1 f32 forward", "onnxruntime Conv, 1 thread"), 20 / 14);
  assert.equal(find(all, "B1 f32 forward", "onnxruntime Conv, 1 thread").met, true);
  close(find(all, "B1 f32 forward", "onnxruntime Conv, 2 threads"), 1.5);
  assert.equal(find(all, "B1 f32 forward", "onnxruntime Conv, 2 threads").met, true, "1.5x meets <= 1.5x");
  close(find(all, "matmul 512³ f64", "GFLOP/s"), 25);
  assert.equal(find(all, "matmul 512³ f64", "GFLOP/s").met, true);
  close(find(all, "matmul 512³ f64", "speed-up"), 1.6);
  assert.equal(find(all, "matmul 512³ f64", "speed-up").met, false);
  assert.equal(find(all, "dW einsum", "1 thread").met, true, "1.0x meets <= 1.0x");
  assert.equal(find(all, "dW einsum", "2 threads").met, false);
  assert.match(find(all, "B1 f64 forward", "2 threads").note!, /no thread pool in this build/, "peers() has no einconv_threads: no pool");
  assert.equal(find(all, "B1 f64 forward", "1 thread").note, undefined);
  const pooled = computeTargets({ peers: { ...peers(), einconv_threads: [{ requested: 2, effective: 2, pool: true }] }, conv: null, auto: null });
  assert.equal(find(pooled, "B1 f64 forward", "2 threads").note, undefined);
  close(find(all, "NHWC per-tap", "1 thread"), 1.5);
  close(find(all, "NHWC per-tap", "2 threads"), 2);
  assert.equal(find(all, "NHWC per-tap", "2 threads").met, false);
});

test("conv-grid targets: worst FFT cell at n >= 128, share of won cells per grid, auto from the fresh-run file", () => {
  const rows = convRows();
  assert.deepEqual(worstFftVsScipy(rows, 128), { ratio: 1.5, at: "n128 f3" });
  assert.deepEqual(worstFftVsScipy(rows, 512), undefined);
  // grid 1: n64 wins (1 vs 1.5), n128 loses (3 vs 2; auto's 0.1 does not count), n256 ties (4 vs 4: counts as a win)
  assert.deepEqual(gridWinShare(rows, 1), { share: 2 / 3, won: 2, points: 3 });
  assert.deepEqual(gridWinShare(rows, 2), { share: 0, won: 0, points: 1 });
  assert.equal(gridWinShare(rows, 3), undefined);
  const all = computeTargets({ peers: peers(), conv: { rows }, auto });
  assert.equal(find(all, "2-D FFT convolution (grid 1, n ≥ 128)", "worst").note, "n128 f3");
  const g1 = find(all, "blog grid 1", "share");
  assert.ok(Math.abs(g1.value! - 200 / 3) < 1e-9);
  assert.equal(g1.met, false);
  assert.equal(g1.note, "2 of 3 cells");
  assert.equal(find(all, "blog grid 3", "share").met, null);
  assert.equal(find(all, "`auto`, grid 1", "fresh").met, true);
  const a2 = find(all, "`auto`, grid 2", "fresh");
  assert.equal(a2.met, false);
  assert.match(a2.note!, /n64 f3 -> fft/);
  const r2 = find(all, "`auto` as run, grid 2", "call");
  assert.ok(Math.abs(r2.value! - 1.3) < 1e-9 && r2.met === false, "the auto call itself is judged too");
  assert.equal(find(all, "`auto`, grid 3", "fresh").met, null);
});

test("missing peers or files are 'not measured', never met", () => {
  const all = computeTargets({ peers: null, conv: null, auto: null });
  assert.equal(all.length, 21);
  assert.ok(all.every((t) => t.met === null && t.value === null));
  const table = targetsTable(all);
  assert.equal(table.title, "issue 10 targets: 0 of 21 met");
  assert.ok(table.rows.every((r) => r[2] === "—" && r[4] === "not measured"));
  // a peer row present without its einconv counterpart
  const only = computeTargets({ peers: { rows: [cell(W.convF64, "numpy", 2, 50)] }, conv: null, auto: null });
  assert.equal(find(only, "B1 f64 forward", "2 threads").met, null);
});

test("table rendering: values by unit, limits and verdicts", () => {
  assert.equal(formatValue({ value: 0.934, unit: "x" }), "0.93x");
  assert.equal(formatValue({ value: 85.4, unit: "%" }), "85%");
  assert.equal(formatValue({ value: 21.34, unit: "GFLOP/s" }), "21.3 GFLOP/s");
  const table = targetsTable(computeTargets({ peers: peers(), conv: { rows: convRows() }, auto }));
  const row = table.rows.find((r) => r[0] === "matmul 512³ f64" && r[1].includes("GFLOP/s"))!;
  assert.deepEqual(row.slice(2, 5), ["25.0 GFLOP/s", "≥ 20.0 GFLOP/s", "met"]);
  assert.match(table.title, /^issue 10 targets: \d+ of 21 met$/);
});

test("loadTargetInputs reads the files of one grid size and tolerates absent ones", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "einconv-targets-"));
  try {
    fs.writeFileSync(path.join(dir, "peers.quick.json"), JSON.stringify(peers()));
    const quick = loadTargetInputs(dir, "quick");
    assert.equal(quick.peers?.rows.length, peers().rows.length);
    assert.equal(quick.conv, null);
    assert.equal(loadTargetInputs(dir, "default").peers, null);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
