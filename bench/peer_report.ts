/**
 * Renders issue 10's peer table from peers.json (and, for its `auto` row, the fresh-run
 * evaluation of auto_fresh.ts). Pure: no timing, no files; used by peer_table.ts at the end of
 * its section and by readme_tables.ts.
 */
import { FFT_POINTS, MM_FLOPS, PEER_WORKLOADS as W, fftWorkload, peerWorkloadIds, type PeerCell } from "./peer_ids";
import type { RunMeta } from "./results";
import { ms, ratio, type Table } from "./table";

/** einconv's thread facts per child process, as peers.json stores them (older files: a list of counts). */
export type StoredEinconvThreads = Array<{ requested: number | null; effective: number; pool: boolean } | number>;

/** The parts of peers.json the tables read. */
export interface PeersFile {
  meta?: RunMeta;
  versions?: Record<string, string>;
  numpy_blas_threads?: Record<string, unknown>;
  einconv_threads?: StoredEinconvThreads;
  thread_mismatches?: string[];
  rows: PeerCell[];
}

/** Worst `auto` cell of a fresh run, for the table's last row. */
export interface AutoWorst {
  grid: number;
  ratio: number;
  at: string;
}

/** The time of one cell (undefined when that peer / thread count did not run). */
export function cellTime(rows: readonly PeerCell[], workload: string, impls: readonly string[], threads?: number): number | undefined {
  return rows.find((r) => r.workload === workload && impls.includes(r.impl) && (threads === undefined || r.threads === threads))?.median_ms;
}

/** Whether the einconv rows came from a build with a thread pool (false: every count ran 1 thread). */
export function einconvHasPool(file: PeersFile): boolean {
  return (file.einconv_threads ?? []).some((t) => typeof t === "object" && t.pool);
}

const WORKLOAD_LABEL: Record<string, string> = {
  [W.convF64]: "B1 conv forward f64 (NCHW B32 C16 64×64, O32, K3, pad 1; prebuilt window view)",
  [W.convF64Win]: "B1 conv forward f64 incl. `windows()` padding",
  [W.convF32]: "B1 conv forward f32",
  [W.mmF64]: "matmul 512³ f64",
  [W.mmF32]: "matmul 512³ f32",
  [W.dW]: "dW einsum `bihwkl,bohw->oikl` f64",
  [W.nhwc]: "NHWC per-tap (100,32,32,3)×(3,3,3,16)",
  ...Object.fromEntries(FFT_POINTS.map((p) => [fftWorkload(p), `2-D FFT conv, grid 1, n${p.n} f${p.f}`])),
};

/**
 * The peer table: one row per workload, einconv at 1 and 2 threads next to numpy/scipy and
 * onnxruntime at 1 and 2, and tfjs-wasm (one thread); then the fresh-run `auto` row.
 * Cells are median ms; matmul cells add GFLOP/s.
 */
export function peerTable(file: PeersFile, auto?: readonly AutoWorst[], autoThreads?: number): Table {
  const rows = file.rows;
  const cell = (wl: string, impls: string[], threads?: number) => {
    const t = cellTime(rows, wl, impls, threads);
    if (t === undefined) return "—";
    const flops = wl === W.mmF64 || wl === W.mmF32 ? ` = ${(MM_FLOPS / t / 1e6).toFixed(1)} GFLOP/s` : "";
    return ms(t) + flops;
  };
  const tfjs = (wl: string) => {
    const r = rows.find((c) => c.workload === wl && c.impl === "tfjs-wasm");
    return r ? `${ms(r.median_ms)} (${r.threads})` : "—";
  };
  const body = peerWorkloadIds().map((wl) => [
    WORKLOAD_LABEL[wl] ?? wl,
    cell(wl, ["einconv"], 1),
    cell(wl, ["einconv"], 2),
    cell(wl, ["numpy", "scipy"], 1),
    cell(wl, ["numpy", "scipy"], 2),
    tfjs(wl),
    cell(wl, ["onnxruntime"], 1),
    cell(wl, ["onnxruntime"], 2),
  ]);
  if (auto && auto.length) {
    const worst = auto.reduce((p, q) => (q.ratio > p.ratio ? q : p));
    const text = `worst ${ratio(worst.ratio)} (grid ${worst.grid} ${worst.at.replace(/ \(fastest [a-z]+\)$/, "")}); per grid ${auto.map((a) => ratio(a.ratio)).join(" / ")}`;
    const at = autoThreads === 2 ? 2 : 1;
    body.push(["`auto` vs best einconv method, fresh run", at === 1 ? text : "—", at === 2 ? text : "—", "—", "—", "—", "—", "—"]);
  }
  return {
    title: `peer table: median ms; threads: ${peerThreadsLine(file)}; every peer result checked against einconv's before timing`,
    header: ["workload", "einconv 1 thr", "einconv 2 thr", "numpy / scipy 1 thr", "numpy / scipy 2 thr", "tfjs-wasm (thr)", "onnxruntime 1 thr", "onnxruntime 2 thr"],
    rows: body,
  };
}

/** The thread counts of every column, in words. */
export function peerThreadsLine(file: PeersFile): string {
  const np = file.numpy_blas_threads ? Object.keys(file.numpy_blas_threads).join(" and ") : "not run";
  const tf = file.rows.find((r) => r.impl === "tfjs-wasm");
  return [
    `einconv EINCONV_THREADS=1 and 2${einconvHasPool(file) ? "" : " (no thread pool in this build: both ran 1 thread)"}`,
    `numpy OPENBLAS_NUM_THREADS=${np}`,
    `onnxruntime intraOpNumThreads 1 and 2 (interOp 1)`,
    `tfjs-wasm ${tf ? tf.threads : "not run"}`,
  ].join("; ");
}

/** The console form of the table printed right after the section (no `auto` row: that comes from the conv grids). */
export function peerConsoleTable(file: PeersFile): Table {
  return peerTable(file);
}

/** A GitHub-markdown table (pipes in cells escaped). */
export function markdownTable(table: Pick<Table, "header" | "rows">): string {
  const esc = (c: string) => c.replace(/\|/g, "\\|");
  const line = (r: string[]) => `| ${r.map(esc).join(" | ")} |`;
  return [line(table.header), `|${table.header.map(() => "---").join("|")}|`, ...table.rows.map(line)].join("\n");
}
