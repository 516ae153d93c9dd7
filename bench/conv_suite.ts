/**
 * Issue #3's convolution grids, after the blog's speed comparison: for each grid, input
 * size n and kernel size f, every einconv method and the three numpy/scipy versions
 * (scipy's FFT convolution, numpy sub-matrix slabs, numpy strided window view) on the
 * same data, written as tidy rows to bench/results/conv_grids.json for the heatmaps.
 *
 * The two direct methods are skipped where their multiply-add count exceeds a budget
 * (the blog skipped the middle of its grids too); FFT and auto are always timed.
 */
import type { BenchConfig, GridSize } from "./config";
import { checksum, ramp, sameResult, type Checksum } from "./data";
import { chooseConvMethod, convInfo, convolve, machineConvCosts, outputSize, type ConvCostConstants, type ConvMethod } from "../src/conv";
import { runPeers, type PeerWorkload } from "./peers";
import { startMeta, writeResults } from "./results";
import { formatTable, ms, ratio } from "./table";
import { einconvThreads, warmThreadedPaths } from "./threads";
import { timeCall } from "./timing";

/** One of the blog's three comparisons. */
export interface ConvGrid {
  grid: 1 | 2 | 3;
  label: string;
  /** 0 for 2-D data and kernel, else the depth of both. */
  depth: number;
  stride: number;
}

export const CONV_GRIDS: readonly ConvGrid[] = [
  { grid: 1, label: "2-D n x n, kernel f x f, stride 1", depth: 0, stride: 1 },
  { grid: 2, label: "3-D n x n x 5, kernel f x f x 5, stride 2", depth: 5, stride: 2 },
  { grid: 3, label: "3-D n x n x 10, kernel f x f x 10, stride 5", depth: 10, stride: 5 },
];

/** One grid point. */
export interface ConvPoint {
  grid: ConvGrid;
  n: number;
  f: number;
}

/** The (n, f) values of a grid size; f < n always, and n - 4 is added to sample the "kernel close to input" diagonal. */
export function gridSizes(size: GridSize): { ns: number[]; fs: (n: number) => number[] } {
  const withDiagonal = (base: number[], near: number[]) => (n: number) =>
    [...new Set([...base, ...near.map((d) => n - d)])].filter((f) => f >= 1 && f < n).sort((a, b) => a - b);
  switch (size) {
    case "quick":
      return { ns: [32, 64], fs: withDiagonal([3, 9], [4]) };
    case "default":
      return { ns: [32, 64, 128, 256], fs: withDiagonal([3, 5, 9, 15, 31], [4]) };
    case "full":
      return { ns: [32, 64, 128, 192, 256, 384, 512], fs: withDiagonal([3, 5, 7, 9, 15, 31, 63, 127, 255], [16, 4]) };
  }
}

/** Multiply-adds of a direct (sub-matrix or strided) convolution at a point. */
export function directMacs(p: ConvPoint): number {
  const out = outputSize(p.n, p.f, { stride: p.grid.stride });
  return out * out * p.f * p.f * Math.max(p.grid.depth, 1);
}

/**
 * numpy's strided version copies the whole window pile (one float64 per multiply-add)
 * inside tensordot; above this many it is skipped to keep memory under 2 GB.
 */
const NUMPY_PILE_LIMIT = 2.5e8;

/** Direct methods are skipped above this many multiply-adds. */
function directBudget(size: GridSize): number {
  return size === "quick" ? 3e7 : size === "default" ? 3e8 : 1e9;
}

/** A tidy row of conv_grids.json. */
export interface ConvRow {
  grid: number;
  n: number;
  f: number;
  depth: number;
  stride: number;
  method: "fft" | "submatrix" | "strided" | "auto";
  impl: "einconv" | "numpy" | "scipy";
  median_ms: number;
  min_ms: number;
  repeats: number;
  /** Median CPU time of the timing process (all threads; numpy's BLAS threads add up). */
  cpu_ms?: number;
  /** Calls per timed sample for calls too short to time one by one. */
  batch?: number;
  /** For impl einconv, whether the result matched the peers' (null when no peer ran). */
  agrees?: boolean | null;
  /** For impl einconv, the threads einconv computed with (bench/threads.ts; 1 without a thread pool). */
  threads?: number;
  /** For method auto, the method it ran (by the cost constants in `auto_costs`). */
  chosen?: "fft" | "submatrix" | "strided";
}

const EINCONV_METHODS: ReadonlyArray<Exclude<ConvMethod, "measure">> = ["fft", "submatrix", "strided", "auto"];
const PEER_METHOD: Record<string, { impl: ConvRow["impl"]; method: ConvRow["method"] }> = {
  scipy_fft: { impl: "scipy", method: "fft" },
  numpy_submatrix: { impl: "numpy", method: "submatrix" },
  numpy_strided: { impl: "numpy", method: "strided" },
};

const pointId = (p: ConvPoint) => `g${p.grid.grid} n${p.n} f${p.f}`;
const isDirect = (m: string) => m === "submatrix" || m === "strided";

/**
 * Runs the grids, prints one table per grid and writes bench/results/conv_grids.json.
 * `costs` replaces DEFAULT_CONV_COSTS for the `auto` method (to measure refitted constants).
 */
export async function runConvSuite(config: BenchConfig, costs?: ConvCostConstants): Promise<void> {
  const meta = startMeta(config.grid);
  const { ns, fs } = gridSizes(config.grid);
  const points: ConvPoint[] = CONV_GRIDS.flatMap((grid) => ns.flatMap((n) => fs(n).map((f) => ({ grid, n, f }))));
  const budget = directBudget(config.grid);
  const runsDirect = (p: ConvPoint) => directMacs(p) <= budget;
  const rows: ConvRow[] = [];
  const checks = new Map<string, Checksum>();
  const threads = einconvThreads();
  warmThreadedPaths(); // the workers' first-use compile, outside the first cells' timings
  const base = (p: ConvPoint) => ({ grid: p.grid.grid, n: p.n, f: p.f, depth: p.grid.depth, stride: p.grid.stride });

  for (const p of points) {
    const { x, k } = convInputs(p);
    const chosen = chooseConvMethod(convInfo(x.shape, k.shape, { stride: p.grid.stride }), costs ?? machineConvCosts().costs).method; // what convolve's auto runs
    for (const method of EINCONV_METHODS) {
      if (isDirect(method) && !runsDirect(p)) continue;
      const { timing, result } = timeCall(() => convolve(x, k, { method, stride: p.grid.stride, costs }), config.timing);
      checks.set(`${pointId(p)}|${method}`, checksum(result));
      rows.push({ ...base(p), method, impl: "einconv", threads: threads.effective, ...timing, agrees: null, ...(method === "auto" ? { chosen } : {}) });
    }
    process.stdout.write(".");
  }
  process.stdout.write("\n");

  const workloads: PeerWorkload[] = points.map((p) => ({
    id: pointId(p),
    kind: "conv",
    n: p.n,
    f: p.f,
    depth: p.grid.depth,
    stride: p.grid.stride,
    methods: Object.keys(PEER_METHOD).filter(
      (m) => !isDirect(PEER_METHOD[m].method) || (runsDirect(p) && (m !== "numpy_strided" || directMacs(p) <= NUMPY_PILE_LIMIT)),
    ),
  }));
  const report = runPeers({ repeats: config.timing.repeats, warmup: config.timing.warmup, budget_ms: config.timing.budgetMs, workloads });
  if (report) {
    for (const r of report.results) {
      const p = points.find((q) => pointId(q) === r.id)!;
      rows.push({ ...base(p), ...PEER_METHOD[r.method], median_ms: r.median_ms, min_ms: r.min_ms, repeats: r.repeats, cpu_ms: r.cpu_ms, batch: r.batch });
      if (!checks.has(`${r.id}|peer`)) checks.set(`${r.id}|peer`, r.check);
    }
  }
  for (const row of rows) {
    if (row.impl !== "einconv") continue;
    const id = `g${row.grid} n${row.n} f${row.f}`;
    const mine = checks.get(`${id}|${row.method}`);
    const theirs = checks.get(`${id}|peer`);
    row.agrees = mine && theirs ? sameResult(mine, theirs) : null;
  }

  for (const grid of CONV_GRIDS) console.log(formatTable(gridTable(grid, points, rows)) + "\n");
  const bad = rows.filter((r) => r.agrees === false);
  if (bad.length) console.log(`  WARNING: einconv disagrees with scipy on: ${bad.map((r) => `g${r.grid} n${r.n} f${r.f} ${r.method}`).join(", ")}`);
  const skipped = points
    .filter((p) => !runsDirect(p) || directMacs(p) > NUMPY_PILE_LIMIT)
    .map((p) => ({ ...base(p), macs: directMacs(p), skipped: runsDirect(p) ? ["numpy strided (memory)"] : ["submatrix", "strided"] }));
  const file = writeResults("conv_grids", meta, {
    grids: CONV_GRIDS,
    auto_costs: costs ?? "DEFAULT_CONV_COSTS",
    einconv_threads: threads,
    direct_macs_budget: budget,
    numpy_pile_limit: NUMPY_PILE_LIMIT,
    numpy: report?.env ?? null,
    skipped,
    rows,
  });
  console.log(`  -> ${file}`);
}

/** Data (n, n[, depth]) and kernel (f, f[, depth]) of a point, the same ramps as peers.py. */
export function convInputs(p: ConvPoint) {
  const d = p.grid.depth;
  return {
    x: ramp(d ? [p.n, p.n, d] : [p.n, p.n], 0),
    k: ramp(d ? [p.f, p.f, d] : [p.f, p.f], 17),
  };
}

function gridTable(grid: ConvGrid, points: ConvPoint[], rows: ConvRow[]) {
  const body: string[][] = [];
  for (const p of points.filter((q) => q.grid === grid)) {
    const at = rows.filter((r) => r.grid === grid.grid && r.n === p.n && r.f === p.f);
    const t = (impl: string, method: string) => at.find((r) => r.impl === impl && r.method === method)?.median_ms;
    const mine = ["fft", "submatrix", "strided"].map((m) => t("einconv", m)).filter((v): v is number => v !== undefined);
    const peers = ["fft", "submatrix", "strided"].map((m) => t(m === "fft" ? "scipy" : "numpy", m)).filter((v): v is number => v !== undefined);
    const bestMine = mine.length ? Math.min(...mine) : undefined;
    const bestPeer = peers.length ? Math.min(...peers) : undefined;
    const auto = t("einconv", "auto");
    const wrong = at.some((r) => r.agrees === false);
    body.push([
      String(p.n),
      String(p.f),
      ms(t("einconv", "fft")),
      ms(t("einconv", "submatrix")),
      ms(t("einconv", "strided")),
      ms(auto),
      ms(t("scipy", "fft")),
      ms(t("numpy", "submatrix")),
      ms(t("numpy", "strided")),
      bestMine !== undefined && bestPeer !== undefined ? ratio(bestMine / bestPeer) : "—",
      auto !== undefined && bestMine !== undefined ? ratio(auto / bestMine) : "—",
      wrong ? "DIFF" : at.some((r) => r.agrees === true) ? "ok" : "—",
    ]);
  }
  return {
    title: `conv grid ${grid.grid}: ${grid.label} (median ms; "—" = not run)`,
    header: ["n", "f", "ec fft", "ec submat", "ec strided", "ec auto", "scipy fft", "np submat", "np strided", "best ec/best peer", "auto/best ec", "check"],
    rows: body,
  };
}
