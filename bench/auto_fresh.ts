/**
 * `npm run bench:auto`: refits `auto` and judges it on a run the fit never saw (issue 10 item 6).
 *
 *   node dist/bench/auto_fresh.js [--runs K] [--quick | --full] [--stat median|min|cpu] [--starts 32]
 *
 * 1. runs the conv grids K-1 times (`run.js --only conv`, one process each) and keeps them as
 *    fit_runs/conv_grids.run1..run{K-1}.json (default grid; `--quick`: conv_grids.run*.quick.json,
 *    untracked), removing older default-grid fit runs so the fit inputs are exactly this command's;
 * 2. fits the cost constants on those runs only (fit_auto.js) -> auto_fit.json;
 * 3. runs the grids once more with `--costs auto_fit.json` (so `auto` runs the refitted model),
 *    which becomes conv_grids.json, the notebooks' heatmap data;
 * 4. on that fresh run, per grid: the worst "time of the method the fitted model chooses / time of
 *    the fastest method" (the target, <= 1.1x) and the worst measured `auto` call over the fastest
 *    method (`as run`: adds the choice overhead and the noise of timing auto separately)
 *    -> auto_eval.json.
 * K defaults to 3: about 40 s per default-grid run on the 2-core machine plus a few seconds of
 * fitting, so ~2 min in all (132 s on 2026-12-03).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { GridSize } from "./config";
import { chooseConvMethod, type ConvCostConstants } from "../src/conv";
import { loadPoints, type FitPoint, type TimingStat } from "./fit_auto";
import { RESULTS_DIR, resultsFile, toJson } from "./results";
import { formatTable, ratio } from "./table";
import { runMain } from "./cli";

/** The worst cell of one grid. */
export interface WorstCell {
  ratio: number;
  /** "n256 f3 -> fft" (size and the method chosen / the fastest). */
  at: string;
}

/** auto_eval.json's verdict for one grid. */
export interface FreshGridEval {
  grid: number;
  points: number;
  /** Time of the method the model chooses / time of the fastest method (the target's ratio). */
  choice: WorstCell;
  /** Measured auto call / fastest method, when the run timed auto. */
  as_run?: WorstCell;
}

/** The whole auto_eval.json. */
export interface AutoEvalFile {
  fit_runs: string[];
  fresh_run: string;
  stat: TimingStat;
  /** Threads einconv ran the fresh grids with (from its rows). */
  threads?: number;
  constants: ConvCostConstants;
  grids: FreshGridEval[];
}

const NAMES = ["fft", "submatrix", "strided"] as const;

/** Per grid, the worst chosen/fastest and auto-as-run/fastest ratios of `constants` on fresh points. */
export function evaluateFresh(points: readonly FitPoint[], constants: ConvCostConstants): FreshGridEval[] {
  const grids = [...new Set(points.map((p) => p.grid))].sort((a, b) => a - b);
  return grids.map((grid) => {
    const ps = points.filter((p) => p.grid === grid);
    let choice: WorstCell = { ratio: 0, at: "" };
    let asRun: WorstCell | undefined;
    for (const p of ps) {
      const times = NAMES.flatMap((m) => (p.times[m] === undefined ? [] : [{ m, t: p.times[m]! }]));
      const best = times.reduce((a, b) => (b.t < a.t ? b : a));
      const chosen = chooseConvMethod(p.info, constants, p.threads).method;
      const t = p.times[chosen];
      // A method the budget skipped is never faster than one that ran (they are skipped for their size), but it has no time: count it as a miss.
      const r = t === undefined ? Infinity : t / best.t;
      if (r > choice.ratio) choice = { ratio: r, at: `n${p.n} f${p.f} -> ${chosen} (fastest ${best.m})` };
      if (p.auto !== undefined) {
        const a = p.auto / best.t;
        if (!asRun || a > asRun.ratio) asRun = { ratio: a, at: `n${p.n} f${p.f} (fastest ${best.m})` };
      }
    }
    return { grid, points: ps.length, choice, ...(asRun ? { as_run: asRun } : {}) };
  });
}

/** Parsed flags. */
export interface AutoFreshArgs {
  runs: number;
  grid: GridSize;
  stat: TimingStat;
  starts: number;
}

/** Parses the flags; throws with the usage line on anything unknown. */
export function parseAutoFreshArgs(argv: readonly string[]): AutoFreshArgs {
  const usage = "usage: node dist/bench/auto_fresh.js [--runs K>=2] [--quick | --full] [--stat median|min|cpu] [--starts n]";
  const out: AutoFreshArgs = { runs: 3, grid: "default", stat: "median", starts: 32 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${usage}`);
      return v;
    };
    if (a === "--quick" || a === "--full") out.grid = a === "--quick" ? "quick" : "full";
    else if (a === "--runs") out.runs = Number(value());
    else if (a === "--starts") out.starts = Number(value());
    else if (a === "--stat") out.stat = value() as TimingStat;
    else throw new Error(`unknown argument ${JSON.stringify(a)}\n${usage}`);
  }
  if (!Number.isInteger(out.runs) || out.runs < 2) throw new Error(`--runs must be an integer >= 2 (K-1 fit runs and one fresh run)\n${usage}`);
  if (!Number.isInteger(out.starts) || out.starts < 1) throw new Error(`--starts must be an integer >= 1\n${usage}`);
  if (!["median", "min", "cpu"].includes(out.stat)) throw new Error(`--stat must be median, min or cpu\n${usage}`);
  return out;
}

/** Runs a node script of dist/bench with inherited output; throws when it fails. */
function node(script: string, args: string[]): void {
  const child = spawnSync(process.execPath, [path.join(__dirname, script), ...args], { stdio: "inherit" });
  if (child.error || child.status !== 0) throw new Error(`${script} ${args.join(" ")} failed${child.error ? `: ${child.error.message}` : ` (exit ${child.status})`}`);
}

/** Fit-run file i of a grid size. */
export function fitRunFile(grid: GridSize, i: number): string {
  // Non-default grids stay out of fit_runs/ (bench:fit globs it) and, for --quick, match .gitignore's *.quick.json.
  return grid === "default" ? path.join(RESULTS_DIR, "fit_runs", `conv_grids.run${i}.json`) : path.join(RESULTS_DIR, `conv_grids.run${i}.${grid}.json`);
}

function main(): void {
  const args = parseAutoFreshArgs(process.argv.slice(2));
  const started = Date.now();
  const gridFlag = args.grid === "default" ? [] : [`--${args.grid}`];
  const fitDir = path.join(RESULTS_DIR, "fit_runs");
  fs.mkdirSync(fitDir, { recursive: true });
  if (args.grid === "default") {
    for (const f of fs.readdirSync(fitDir)) if (/^conv_grids\.run\d+\.json$/.test(f)) fs.rmSync(path.join(fitDir, f));
  }
  const fitFiles: string[] = [];
  for (let i = 1; i < args.runs; i++) {
    console.log(`\n== auto: fit run ${i} of ${args.runs - 1}`);
    node("run.js", ["--only", "conv", ...gridFlag]);
    const to = fitRunFile(args.grid, i);
    fs.renameSync(resultsFile("conv_grids", args.grid), to);
    fitFiles.push(to);
  }
  const fitOut = resultsFile("auto_fit", args.grid);
  console.log(`\n== auto: fit on ${fitFiles.map((f) => path.basename(f)).join(", ")}`);
  node("fit_auto.js", ["--stat", args.stat, "--starts", String(args.starts), "--out", fitOut, ...fitFiles]);
  console.log("\n== auto: fresh run with the fitted constants");
  node("run.js", ["--only", "conv", ...gridFlag, "--costs", fitOut]);
  const fresh = resultsFile("conv_grids", args.grid);
  const constants = (JSON.parse(fs.readFileSync(fitOut, "utf8")) as { fitted: ConvCostConstants }).fitted;
  const { rows } = JSON.parse(fs.readFileSync(fresh, "utf8")) as { rows: Array<{ impl: string; threads?: number }> };
  const grids = evaluateFresh(loadPoints(fresh, args.stat), constants);
  const rel = (f: string) => path.relative(process.cwd(), f);
  const record: AutoEvalFile = {
    fit_runs: fitFiles.map(rel),
    fresh_run: rel(fresh),
    stat: args.stat,
    threads: rows.find((r) => r.impl === "einconv")?.threads,
    constants,
    grids,
  };
  const out = resultsFile("auto_eval", args.grid);
  fs.writeFileSync(out, toJson(record) + "\n");
  console.log(
    "\n" +
      formatTable({
        title: `auto on a fresh run not used for fitting (${args.stat} times; target <= 1.1x on every cell)`,
        header: ["grid", "points", "chosen / fastest, worst", "at", "auto as run / fastest, worst", "at"],
        rows: grids.map((g) => [String(g.grid), String(g.points), ratio(g.choice.ratio), g.choice.at, ratio(g.as_run?.ratio), g.as_run?.at ?? "—"]),
      }),
  );
  console.log(`  -> ${out}\n  bench:auto total ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (require.main === module) runMain(main);
