/**
 * The README's benchmark tables, generated from one run's result files:
 *
 *   node dist/bench/readme_tables.js [--dir bench/results] [--readme bench/README.md] [--quick | --write]
 *
 * Prints the markdown; with `--write` it replaces the README's section between the marker
 * comments `<!-- bench:begin -->` and `<!-- bench:end -->` (and nothing else). Only run
 * explicitly (npm run bench:all ends with it); `npm test` and `npm run reproduce` never do,
 * so they leave tracked files alone.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { AutoEvalFile } from "./auto_fresh";
import type { ConvRow } from "./conv_suite";
import { markdownTable, peerTable, peerThreadsLine } from "./peer_report";
import { RESULTS_DIR, type RunMeta } from "./results";
import { ms, ratio } from "./table";
import { computeTargets, gridWinShare, targetsTable, worstFftVsScipy, type TargetInputs } from "./targets";
import { runMain } from "./cli";

export const BEGIN = "<!-- bench:begin -->";
export const END = "<!-- bench:end -->";

/** The tidy rows of einsum.json / article.json that the tables read. */
interface SuiteRow {
  id?: string;
  spec?: string;
  impl: string;
  method: string;
  threads: string;
  median_ms: number;
  gflops?: number | null;
  agrees?: boolean | null;
}

/** Every result file the section is built from (absent ones are null). */
export interface ReadmeInputs extends TargetInputs {
  einsum: { meta?: RunMeta; rows: SuiteRow[] } | null;
  article: { meta?: RunMeta; rows: SuiteRow[] } | null;
}

/** einsum.json as a table: einconv next to numpy optimize=False / True (default BLAS threads) and True at 1 thread. */
export function einsumMarkdown(rows: readonly SuiteRow[]): string {
  const np = (id: string, method: string, threads: string) => rows.find((r) => r.id === id && r.impl === "numpy" && r.method === method && r.threads.startsWith(threads))?.median_ms;
  const body = rows
    .filter((r) => r.impl === "einconv")
    .map((r) => {
      const f = np(r.id!, "einsum optimize=False", "default");
      const t = np(r.id!, "einsum optimize=True", "default");
      const t1 = np(r.id!, "einsum optimize=True", "1");
      const rt = (peer: number | undefined) => (peer === undefined ? "—" : ratio(r.median_ms / peer));
      const tf = rows.find((x) => x.id === r.id && x.impl === "tfjs");
      return [
        `${r.id} \`${r.spec}\`${r.method === "default" ? "" : ` (${r.method})`}`,
        r.threads,
        ms(r.median_ms),
        r.gflops != null ? r.gflops.toFixed(1) : "—",
        ms(f),
        ms(t),
        ms(t1),
        rt(f),
        rt(t),
        rt(t1),
        r.agrees === false ? "DIFF" : r.agrees ? "ok" : "—",
        tf ? `${ms(tf.median_ms)} (${tf.method})` : "—",
      ];
    });
  return markdownTable({
    header: ["workload (f64)", "einconv threads", "einconv ms", "GFLOP/s", "numpy `optimize=False`", "`True`", "`True`, 1 BLAS thread", "vs `False`", "vs `True`", "vs `True` 1 thread", "check", "tfjs f32 ms"],
    rows: body,
  });
}

/** conv_grids.json summarised per grid: einconv's share of wins, the best/best range, its FFT against scipy's, and `auto` on the fresh run. */
export function convMarkdown(rows: readonly ConvRow[], auto: AutoEvalFile | null): string {
  const grids = [...new Set(rows.map((r) => r.grid))].sort((a, b) => a - b);
  const body = grids.map((g) => {
    const at = rows.filter((r) => r.grid === g);
    const keys = [...new Set(at.map((r) => `${r.n}|${r.f}`))];
    const bestRatios: number[] = [];
    const fftRatios: number[] = [];
    for (const k of keys) {
      const cell = at.filter((r) => `${r.n}|${r.f}` === k);
      const mine = cell.filter((r) => r.impl === "einconv" && r.method !== "auto").map((r) => r.median_ms);
      const theirs = cell.filter((r) => r.impl !== "einconv").map((r) => r.median_ms);
      if (mine.length && theirs.length) bestRatios.push(Math.min(...mine) / Math.min(...theirs));
      const ef = cell.find((r) => r.impl === "einconv" && r.method === "fft")?.median_ms;
      const sf = cell.find((r) => r.impl === "scipy" && r.method === "fft")?.median_ms;
      if (ef !== undefined && sf !== undefined) fftRatios.push(ef / sf);
    }
    const range = (v: number[]) => (v.length ? `${ratio(Math.min(...v))} – ${ratio(Math.max(...v))}` : "—");
    const share = gridWinShare(rows, g);
    const e = auto?.grids.find((x) => x.grid === g);
    const big = g === 1 ? worstFftVsScipy(rows, 128) : undefined;
    return [
      String(g),
      share ? `${share.won} of ${share.points} (${(share.share * 100).toFixed(0)}%)` : "—",
      range(bestRatios),
      range(fftRatios) + (big ? `; n ≥ 128 worst ${ratio(big.ratio)} (${big.at})` : ""),
      e ? `${ratio(e.choice.ratio)} (${e.choice.at})` : "—",
      e?.as_run ? `${ratio(e.as_run.ratio)} (${e.as_run.at})` : "—",
    ];
  });
  return markdownTable({
    header: ["grid", "cells where einconv's best ≤ best numpy/scipy", "einconv best / numpy-scipy best (range)", "einconv fft / scipy `fftconvolve` (range)", "`auto`: chosen / fastest, worst (fresh run)", "`auto` call as run / fastest, worst"],
    rows: body,
  });
}

/** article.json: every row with its time. */
export function articleMarkdown(rows: readonly SuiteRow[]): string {
  return markdownTable({ header: ["impl", "method", "threads", "median ms"], rows: rows.map((r) => [r.impl, r.method, r.threads, ms(r.median_ms)]) });
}

function runLine(name: string, meta: RunMeta | undefined): string {
  if (!meta) return `\`${name}\`: not run`;
  return `\`${name}\` ${meta.date.slice(0, 16).replace("T", " ")} UTC on ${meta.cores} × ${meta.cpu}, load average ${meta.loadavg_start[0]} → ${meta.loadavg_end?.[0] ?? "?"}`;
}

/** The whole generated section, markers included. */
export function readmeSection(inputs: ReadmeInputs): string {
  const meta = inputs.peers?.meta ?? inputs.einsum?.meta ?? inputs.article?.meta;
  const conv = inputs.conv as ({ meta?: RunMeta; rows: ConvRow[] } | null);
  const parts: string[] = [
    BEGIN,
    "<!-- generated by `node dist/bench/readme_tables.js --write` (the last step of `npm run bench:all`) from bench/results/*.json; edits here are overwritten -->",
    "",
    meta ? `Node ${meta.node}. Sections: ${[
      runLine("einsum", inputs.einsum?.meta),
      runLine("peers", inputs.peers?.meta),
      runLine("conv", conv?.meta),
      runLine("article", inputs.article?.meta),
    ].join("; ")}. Ratio = einconv time / peer time (below 1: einconv faster).` : "No results yet: run `npm run bench:all`.",
  ];
  if (inputs.einsum) parts.push("", "#### einsum workloads (`bench/results/einsum.json`)", "", einsumMarkdown(inputs.einsum.rows));
  if (inputs.peers) {
    const table = peerTable(inputs.peers, inputs.auto?.grids.map((g) => ({ grid: g.grid, ratio: g.choice.ratio, at: g.choice.at })), inputs.auto?.threads);
    parts.push(
      "",
      "#### Peers in the same run (`bench/results/peers.json`)",
      "",
      `Median ms; threads: ${peerThreadsLine(inputs.peers)}. Every peer result is checked against einconv's before it is timed. Versions: ${Object.entries(inputs.peers.versions ?? {}).map(([k, v]) => `${k} ${v}`).join(", ") || "—"}.`,
      "",
      markdownTable(table),
    );
  }
  const targets = targetsTable(computeTargets(inputs));
  parts.push("", `#### Targets of issue 10 (\`bench/results/targets.json\`): ${targets.title.replace(/^issue 10 targets: /, "")}`, "", markdownTable(targets));
  if (conv) parts.push("", "#### Convolution grids (`bench/results/conv_grids.json`, the notebooks' heatmaps; `auto` from `bench/results/auto_eval.json`)", "", convMarkdown(conv.rows, inputs.auto));
  if (inputs.article) parts.push("", "#### Article `002` shapes, NHWC (100, 32, 32, 3) × (3, 3, 3, 16) (`bench/results/article.json`)", "", articleMarkdown(inputs.article.rows));
  parts.push("", END);
  return parts.join("\n");
}

/** `readme` with its marked section replaced; throws unless there is exactly one begin marker followed by one end marker. */
export function replaceSection(readme: string, section: string): string {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin < 0 || end < 0 || end < begin || readme.indexOf(BEGIN, begin + 1) >= 0 || readme.indexOf(END, end + 1) >= 0) {
    throw new Error(`README needs exactly one "${BEGIN}" followed by one "${END}" line around the generated benchmark tables`);
  }
  return readme.slice(0, begin) + section + readme.slice(end + END.length);
}

function readJson<T>(file: string): T | null {
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as T) : null;
}

/** The result files of a grid size in `dir` (default: the recorded ones). */
export function loadReadmeInputs(dir: string, grid: "default" | "quick" = "default"): ReadmeInputs {
  const f = (name: string) => path.join(dir, grid === "default" ? `${name}.json` : `${name}.${grid}.json`);
  return { peers: readJson(f("peers")), conv: readJson(f("conv_grids")), auto: readJson(f("auto_eval")), einsum: readJson(f("einsum")), article: readJson(f("article")) };
}

function main(): void {
  const argv = process.argv.slice(2);
  let dir = RESULTS_DIR;
  // bench/README.md holds the generated tables (the top README keeps a short headline table and links there).
  let readme = path.resolve(__dirname, "..", "..", "bench", "README.md");
  let write = false;
  let grid: "default" | "quick" = "default";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--write") write = true;
    else if (a === "--quick") grid = "quick";
    else if (a === "--dir" && argv[i + 1]) dir = argv[++i];
    else if (a === "--readme" && argv[i + 1]) readme = argv[++i];
    else throw new Error(`unknown argument ${JSON.stringify(a)}\nusage: node dist/bench/readme_tables.js [--dir bench/results] [--readme bench/README.md] [--quick | --write]`);
  }
  // The README records the default grids; a smoke run's numbers never go into it.
  if (write && grid === "quick") throw new Error("--write takes the default-grid results only (not --quick)");
  const section = readmeSection(loadReadmeInputs(dir, grid));
  if (!write) {
    console.log(section);
    return;
  }
  fs.writeFileSync(readme, replaceSection(fs.readFileSync(readme, "utf8"), section));
  console.log(`  -> ${readme} (section between ${BEGIN} and ${END})`);
}

if (require.main === module) runMain(main);
