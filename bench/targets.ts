/**
 * Issue 10's targets table from the result files of one run:
 *
 *   node dist/bench/targets.js [--quick | --full] [--dir bench/results] [--markdown]
 *
 * Reads peers.json (peer table), conv_grids.json (blog grids; the fresh run of bench:auto) and
 * auto_eval.json (auto on that fresh run), prints the peer table with its `auto` row, then every target with its measured ratio, the
 * target and met / not met, and writes targets.json next to them. A target whose inputs did not
 * run (a peer missing, a file absent) is listed as "not measured", never as met.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { AutoEvalFile } from "./auto_fresh";
import type { GridSize } from "./config";
import type { ConvRow } from "./conv_suite";
import { MM_FLOPS, PEER_WORKLOADS as W } from "./peer_ids";
import { cellTime, einconvHasPool, markdownTable, peerTable, type PeersFile } from "./peer_report";
import { RESULTS_DIR, toJson } from "./results";
import { formatTable, ratio, type Table } from "./table";
import { runMain } from "./cli";

/** The result files a targets table is computed from (absent ones are null). */
export interface TargetInputs {
  peers: PeersFile | null;
  conv: { rows: ConvRow[] } | null;
  auto: AutoEvalFile | null;
}

/** One line of the targets table. */
export interface TargetResult {
  workload: string;
  /** What is compared, e.g. "einconv / numpy optimize=True, 1 thread". */
  measure: string;
  /** The measured value (a ratio, a share or GFLOP/s); null when not measured. */
  value: number | null;
  /** How `value` is printed: a ratio "0.93x", a share "85%" or a rate "21.3 GFLOP/s". */
  unit: "x" | "%" | "GFLOP/s";
  sense: "<=" | ">=";
  limit: number;
  /** null: not measured. */
  met: boolean | null;
  /** Where the worst cell is, or why it was not measured. */
  note?: string;
}

function judge(workload: string, measure: string, value: number | undefined | null, unit: TargetResult["unit"], sense: TargetResult["sense"], limit: number, note?: string): TargetResult {
  const ok = value !== undefined && value !== null && Number.isFinite(value);
  return {
    workload,
    measure,
    value: ok ? value : null,
    unit,
    sense,
    limit,
    met: ok ? (sense === "<=" ? value <= limit : value >= limit) : null,
    ...(note !== undefined ? { note } : {}),
  };
}

const div = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? a / b : undefined);

/** Best (smallest) median of the rows at one grid point matching `keep`. */
function bestAt(rows: readonly ConvRow[], keep: (r: ConvRow) => boolean): ConvRow | undefined {
  return rows.filter(keep).reduce<ConvRow | undefined>((a, r) => (!a || r.median_ms < a.median_ms ? r : a), undefined);
}

/** The grid points (grid, n, f) of conv rows, in order. */
function convPoints(rows: readonly ConvRow[]): Array<{ grid: number; n: number; f: number; rows: ConvRow[] }> {
  const by = new Map<string, { grid: number; n: number; f: number; rows: ConvRow[] }>();
  for (const r of rows) {
    const key = `${r.grid}|${r.n}|${r.f}`;
    if (!by.has(key)) by.set(key, { grid: r.grid, n: r.n, f: r.f, rows: [] });
    by.get(key)!.rows.push(r);
  }
  return [...by.values()];
}

const isEinconvMethod = (r: ConvRow) => r.impl === "einconv" && r.method !== "auto";
const isPeer = (r: ConvRow) => r.impl !== "einconv";

/** Share of a grid's points where einconv's best method is at most 1.0x the best numpy/scipy version (points where both ran). */
export function gridWinShare(rows: readonly ConvRow[], grid: number): { share: number; won: number; points: number } | undefined {
  const pts = convPoints(rows).filter((p) => p.grid === grid);
  let won = 0;
  let points = 0;
  for (const p of pts) {
    const mine = bestAt(p.rows, isEinconvMethod);
    const theirs = bestAt(p.rows, isPeer);
    if (!mine || !theirs) continue;
    points++;
    if (mine.median_ms <= theirs.median_ms) won++;
  }
  return points ? { share: won / points, won, points } : undefined;
}

/** Worst einconv fft / scipy fftconvolve over grid 1 points with n >= minN. */
export function worstFftVsScipy(rows: readonly ConvRow[], minN: number): { ratio: number; at: string } | undefined {
  let worst: { ratio: number; at: string } | undefined;
  for (const p of convPoints(rows).filter((q) => q.grid === 1 && q.n >= minN)) {
    const r = div(p.rows.find((x) => x.impl === "einconv" && x.method === "fft")?.median_ms, p.rows.find((x) => x.impl === "scipy" && x.method === "fft")?.median_ms);
    if (r !== undefined && (!worst || r > worst.ratio)) worst = { ratio: r, at: `n${p.n} f${p.f}` };
  }
  return worst;
}

/** Every target of issue 10's Targets table, in its order. */
export function computeTargets(inputs: TargetInputs): TargetResult[] {
  const out: TargetResult[] = [];
  const rows = inputs.peers?.rows ?? [];
  const t = (wl: string, impl: string | string[], threads?: number) => cellTime(rows, wl, Array.isArray(impl) ? impl : [impl], threads);
  // Until the pool lands, "2 threads" einconv rows ran on one: say so next to every ratio that uses them.
  const onePool = inputs.peers && !einconvHasPool(inputs.peers) ? "einconv has no thread pool in this build: its 2-thread run used 1" : undefined;
  const note2 = (n: number) => (n === 2 ? onePool : undefined);
  for (const n of [1, 2]) out.push(judge("B1 f64 forward", `einconv / numpy einsum optimize=True, ${n} thread${n > 1 ? "s" : ""}`, div(t(W.convF64, "einconv", n), t(W.convF64, "numpy", n)), "x", "<=", 1.0, note2(n)));
  const tfjs = rows.find((r) => r.workload === W.convF32 && r.impl === "tfjs-wasm");
  out.push(judge("B1 f32 forward", `einconv / tfjs-wasm, ${tfjs?.threads ?? 1} thread (tfjs-wasm runs 1 in Node)`, div(t(W.convF32, "einconv", tfjs?.threads ?? 1), tfjs?.median_ms), "x", "<=", 0.5));
  for (const n of [1, 2]) out.push(judge("B1 f32 forward", `einconv / onnxruntime Conv, ${n} thread${n > 1 ? "s" : ""}`, div(t(W.convF32, "einconv", n), t(W.convF32, "onnxruntime", n)), "x", "<=", 1.5, note2(n)));
  const mm1 = t(W.mmF64, "einconv", 1);
  const mm2 = t(W.mmF64, "einconv", 2);
  out.push(judge("matmul 512³ f64", "einconv GFLOP/s, 1 thread", mm1 === undefined ? undefined : MM_FLOPS / mm1 / 1e6, "GFLOP/s", ">=", 20));
  out.push(judge("matmul 512³ f64", "einconv speed-up, 2 threads over 1", div(mm1, mm2), "x", ">=", 1.7, onePool));
  for (const n of [1, 2]) out.push(judge("dW einsum", `einconv / numpy einsum optimize=True, ${n} thread${n > 1 ? "s" : ""}`, div(t(W.dW, "einconv", n), t(W.dW, "numpy", n)), "x", "<=", 1.0, note2(n)));
  const conv = inputs.conv?.rows ?? [];
  const fft = worstFftVsScipy(conv, 128);
  out.push(judge("2-D FFT convolution (grid 1, n ≥ 128)", "einconv fft / scipy fftconvolve, worst cell", fft?.ratio, "x", "<=", 1.0, fft?.at));
  for (const g of [1, 2, 3]) {
    const s = gridWinShare(conv, g);
    out.push(judge(`blog grid ${g}`, "share of cells where einconv's best method ≤ 1.0× the best numpy/scipy version", s ? s.share * 100 : undefined, "%", ">=", 80, s ? `${s.won} of ${s.points} cells` : undefined));
  }
  for (const n of [1, 2]) out.push(judge("NHWC per-tap", `einconv conv2dNHWCPerTap / numpy per-tap loop, ${n} thread${n > 1 ? "s" : ""}`, div(t(W.nhwc, "einconv", n), t(W.nhwc, "numpy", n)), "x", "<=", 1.5, note2(n)));
  for (const g of [1, 2, 3]) {
    const e = inputs.auto?.grids.find((x) => x.grid === g);
    out.push(judge(`\`auto\`, grid ${g}`, "method auto chooses / fastest einconv method, worst cell of a fresh run", e?.choice.ratio, "x", "<=", 1.1, e?.choice.at));
    // What a caller gets: the auto call itself (choice overhead included), timed separately.
    out.push(judge(`\`auto\` as run, grid ${g}`, "the auto call / fastest einconv method, worst cell of a fresh run", e?.as_run?.ratio, "x", "<=", 1.1, e?.as_run?.at));
  }
  return out;
}

/** The value as printed ("0.93x", "85%", "21.3 GFLOP/s", "—"). */
export function formatValue(r: Pick<TargetResult, "value" | "unit">): string {
  if (r.value === null) return "—";
  if (r.unit === "%") return `${r.value.toFixed(0)}%`;
  if (r.unit === "GFLOP/s") return `${r.value.toFixed(1)} GFLOP/s`;
  return ratio(r.value);
}

/** The targets as a table (console or markdown). */
export function targetsTable(results: readonly TargetResult[]): Table {
  const verdict = (m: boolean | null) => (m === null ? "not measured" : m ? "met" : "not met");
  const limit = (r: TargetResult) => `${r.sense === "<=" ? "≤" : "≥"} ${formatValue({ value: r.limit, unit: r.unit })}`;
  const met = results.filter((r) => r.met === true).length;
  return {
    title: `issue 10 targets: ${met} of ${results.length} met`,
    header: ["workload", "measured", "value", "target", "verdict", "worst cell / note"],
    rows: results.map((r) => [r.workload, r.measure, formatValue(r), limit(r), verdict(r.met), r.note ?? ""]),
  };
}

function readJson<T>(file: string): T | null {
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as T) : null;
}

/** The result files of one grid size in `dir` (names as results.ts writes them). */
export function loadTargetInputs(dir: string, grid: GridSize): TargetInputs {
  const name = (base: string) => path.join(dir, grid === "default" ? `${base}.json` : `${base}.${grid}.json`);
  return { peers: readJson(name("peers")), conv: readJson(name("conv_grids")), auto: readJson(name("auto_eval")) };
}

function main(): void {
  const argv = process.argv.slice(2);
  let grid: GridSize = "default";
  let dir = RESULTS_DIR;
  let markdown = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick" || a === "--full") grid = a === "--quick" ? "quick" : "full";
    else if (a === "--dir" && argv[i + 1]) dir = argv[++i];
    else if (a === "--markdown") markdown = true;
    else throw new Error(`unknown argument ${JSON.stringify(a)}\nusage: node dist/bench/targets.js [--quick | --full] [--dir bench/results] [--markdown]`);
  }
  const inputs = loadTargetInputs(dir, grid);
  const show = (t: Table) => console.log(markdown ? `${t.title}\n\n${markdownTable(t)}\n` : `${formatTable(t)}\n`);
  // The whole peer table of the run first, now with its `auto` row from the fresh conv-grid run.
  if (inputs.peers) show(peerTable(inputs.peers, inputs.auto?.grids.map((g) => ({ grid: g.grid, ratio: g.choice.ratio, at: g.choice.at })), inputs.auto?.threads));
  const results = computeTargets(inputs);
  show(targetsTable(results));
  const out = path.join(dir, grid === "default" ? "targets.json" : `targets.${grid}.json`);
  fs.writeFileSync(out, toJson({ sources: { peers: inputs.peers?.meta ?? null, auto_eval: inputs.auto?.fresh_run ?? null }, targets: results }) + "\n");
  console.log(`  -> ${out}`);
}

if (require.main === module) runMain(main);
