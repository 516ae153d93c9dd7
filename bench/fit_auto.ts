/**
 * Fits the constants of the convolution cost model (src/conv/auto.ts) to measured
 * timings, and checks the target of issue #3: on each of the blog's three grids,
 * `auto` is never more than 1.25x slower than the fastest of fft / submatrix / strided.
 *
 *   node dist/bench/fit_auto.js [--stat cpu|min|median] [--eval auto_fit.json] [--out file] [--starts 32] [conv_grids.json ...]
 *
 * `--stat` picks which timing of each row is fitted and judged: `cpu` (default; the
 * median CPU time, equal to wall time for single-threaded einconv on a quiet machine
 * and the least disturbed by other work), `min` or `median` wall time.
 * Reads the einconv rows of conv_grids.json (written by `npm run bench -- --only conv`),
 * and in two stages:
 * 1. per method, a non-negative least-squares fit of the model's linear form to the
 *    times, weighted by 1/time so every grid point counts by its relative error;
 * 2. a multiplicative coordinate search from that fit that minimises the worst
 *    "chosen method time / fastest method time" over the grids (merged runs), then the
 *    mean over every run: the model only has to rank the methods, and a good
 *    regression is not always the best ranking.
 * Prints the constants as a `ConvCostConstants` literal to paste into
 * DEFAULT_CONV_COSTS, the worst ratio per grid for the current defaults and for the
 * fitted constants (in-sample, and fitted on two grids then tested on the third),
 * and writes the record to `--out` (default bench/results/auto_fit.json). `--eval` also judges the constants fitted
 * earlier (an auto_fit.json) on these timings: an out-of-sample check on a new run.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { convCostFeatures, convInfo, DEFAULT_CONV_COSTS, type ConvCostConstants } from "../src/conv";
import { checkFeatureMap, fitConstants, leastSquaresFit, mergeRuns, worstByGrid, type FitPoint } from "../src/conv/fit";
import type { ConvRow } from "./conv_suite";
import { RESULTS_DIR, toJson } from "./results";
import { formatTable, ratio } from "./table";

// The fit itself lives in src/conv/fit.ts (shared with `einconv calibrate`); re-exported for the bench's callers.
export { checkFeatureMap, choiceRatio, fitConstants, leastSquaresFit, mergeRuns, nnls, rankingObjective, refineForRanking, rescaleToTimes, worstByGrid } from "../src/conv/fit";
export type { FitPoint } from "../src/conv/fit";

/** Which timing of a row to use. */
export type TimingStat = "cpu" | "min" | "median";

/** Reads conv_grids.json's einconv rows into fit points (points without an fft time are dropped). */
export function loadPoints(file: string, stat: TimingStat = "cpu"): FitPoint[] {
  const { rows } = JSON.parse(fs.readFileSync(file, "utf8")) as { rows: ConvRow[] };
  const byPoint = new Map<string, FitPoint>();
  for (const r of rows) {
    if (r.impl !== "einconv") continue;
    const key = `${r.grid}|${r.n}|${r.f}`;
    let p = byPoint.get(key);
    if (!p) {
      const data = r.depth ? [r.n, r.n, r.depth] : [r.n, r.n];
      const kernel = r.depth ? [r.f, r.f, r.depth] : [r.f, r.f];
      const info = convInfo(data, kernel, { stride: r.stride });
      const threads = r.threads ?? 1;
      p = { grid: r.grid, n: r.n, f: r.f, info, threads, features: convCostFeatures(info, threads), times: {} };
      byPoint.set(key, p);
    }
    const ns = (stat === "min" ? r.min_ms : stat === "cpu" ? (r.cpu_ms ?? r.median_ms) : r.median_ms) * 1e6;
    if (r.method === "auto") p.auto = ns;
    else p.times[r.method] = ns;
  }
  return [...byPoint.values()].filter((p) => p.times.fft !== undefined);
}

/** Constants rounded to 3 significant digits, as a TypeScript literal. */
export function constantsLiteral(c: ConvCostConstants): string {
  const fmt = (rec: Record<string, number>) =>
    "{ " + Object.entries(rec).map(([k, v]) => `${k}: ${Number(v.toPrecision(3))}`).join(", ") + " }";
  return `{\n  fft: ${fmt(c.fft)},\n  submatrix: ${fmt(c.submatrix)},\n  strided: ${fmt(c.strided)},\n}`;
}

function round3(c: ConvCostConstants): ConvCostConstants {
  return JSON.parse(JSON.stringify(c, (_, v: unknown) => (typeof v === "number" ? Number(v.toPrecision(3)) : v))) as ConvCostConstants;
}

/** Command line of fit_auto. */
interface FitArgs {
  /** conv_grids files; several runs are merged point by point (median time per method, see mergeRuns). */
  files: string[];
  stat: TimingStat;
  /** An auto_fit.json whose `fitted` constants are also judged on these timings (out-of-sample check). */
  evalFile?: string;
  /** Where to write the fit record (default bench/results/auto_fit.json). */
  outFile: string;
  /** Starting points of the ranking search (see fitConstants; default 32, 1 = from least squares only). */
  starts: number;
}

function parseFitArgs(argv: readonly string[]): FitArgs {
  const args = [...argv];
  const take = (flag: string): string | undefined => {
    const at = args.indexOf(flag);
    return at >= 0 ? args.splice(at, 2)[1] : undefined;
  };
  const stat = (take("--stat") ?? "cpu") as TimingStat;
  if (stat !== "cpu" && stat !== "min" && stat !== "median") throw new Error("--stat must be cpu, min or median");
  const evalFile = take("--eval");
  const outFile = take("--out") ?? path.join(RESULTS_DIR, "auto_fit.json");
  const starts = Number(take("--starts") ?? 32);
  if (!Number.isInteger(starts) || starts < 1) throw new Error("--starts must be an integer >= 1");
  return { files: args.length ? args : [path.join(RESULTS_DIR, "conv_grids.json")], stat, evalFile, outFile, starts };
}

function cell(w: { worst: number; mean: number } | undefined): string {
  return w ? `${ratio(w.worst)} (${ratio(w.mean)})` : "—";
}

function main(): void {
  const { files, stat, evalFile, outFile: out, starts } = parseFitArgs(process.argv.slice(2));
  const file = files.join(" + ");
  const runs = files.map((f) => loadPoints(f, stat));
  const points = mergeRuns(runs);
  const allRuns = runs.flat();
  if (points.length === 0) throw new Error(`no einconv timings in ${file}: run \`npm run bench -- --only conv\` first`);
  checkFeatureMap(points);
  const grids = [...new Set(points.map((p) => p.grid))].sort();

  const lsq = round3(leastSquaresFit(points));
  const fitted = round3(fitConstants(points, allRuns, starts));
  // Held-out check: fit on the other grids, test on this one.
  const heldOut = new Map(
    grids.map((g) => [g, worstByGrid(points.filter((p) => p.grid === g), fitConstants(points.filter((p) => p.grid !== g), allRuns.filter((p) => p.grid !== g), starts)).get(g)!]),
  );
  const given = evalFile ? (JSON.parse(fs.readFileSync(evalFile, "utf8")) as { fitted: ConvCostConstants }).fitted : undefined;

  const measuredAuto = new Map(
    grids.map((g) => {
      const ps = points.filter((p) => p.grid === g && p.auto !== undefined);
      const ratios = ps.map((p) => p.auto! / Math.min(...Object.values(p.times)));
      return [g, ratios.length ? Math.max(...ratios) : NaN];
    }),
  );
  const current = worstByGrid(points, DEFAULT_CONV_COSTS);
  const lsqW = worstByGrid(points, lsq);
  const fitW = worstByGrid(points, fitted);
  const givenW = given ? worstByGrid(points, given) : undefined;
  console.log(`${points.length} grid points from ${file}, ${stat} times\n`);
  console.log(
    formatTable({
      title: "worst (geometric mean) of: time of the method chosen / time of the fastest method; target <= 1.25",
      header: [
        "grid",
        "points",
        "auto as run",
        "DEFAULT_CONV_COSTS",
        ...(given ? [`constants of ${path.basename(evalFile!)}`] : []),
        "least squares",
        "fitted",
        "fitted, worst at",
        "fit on other grids",
      ],
      rows: grids.map((g) => [
        String(g),
        String(points.filter((p) => p.grid === g).length),
        ratio(measuredAuto.get(g)),
        cell(current.get(g)),
        ...(givenW ? [`${cell(givenW.get(g))} ${givenW.get(g)!.at}`] : []),
        cell(lsqW.get(g)),
        cell(fitW.get(g)),
        fitW.get(g)!.at,
        ratio(heldOut.get(g)!.worst),
      ]),
    }),
  );
  console.log("\n'auto as run' is measured auto time over the fastest measured method (includes the choice overhead and timing noise).");
  if (runs.length > 1) {
    console.log(
      "\n" +
        formatTable({
          title: "fitted constants judged on each run separately: worst ratio per grid",
          header: ["run", ...grids.map((g) => `grid ${g}`)],
          rows: runs.map((run, i) => {
            const w = worstByGrid(run, fitted);
            return [path.basename(files[i]), ...grids.map((g) => (w.get(g) ? `${ratio(w.get(g)!.worst)} ${w.get(g)!.at}` : "—"))];
          }),
        }),
    );
  }
  console.log("\nFitted constants (ns per unit of work) for DEFAULT_CONV_COSTS in src/conv/auto.ts:\n");
  console.log(`export const DEFAULT_CONV_COSTS: ConvCostConstants = ${constantsLiteral(fitted)};`);
  const record = {
    source: files.map((f) => path.relative(process.cwd(), f)),
    stat,
    points: points.length,
    least_squares: lsq,
    fitted,
    per_run: runs.length > 1 ? Object.fromEntries(runs.map((run, i) => [path.basename(files[i]), Object.fromEntries(worstByGrid(run, fitted))])) : undefined,
    worst: Object.fromEntries(
      grids.map((g) => [g, { auto_as_run: measuredAuto.get(g), defaults: current.get(g), least_squares: lsqW.get(g), fitted: fitW.get(g), held_out: heldOut.get(g), ...(givenW ? { given: givenW.get(g) } : {}) }]),
    ),
  };
  fs.writeFileSync(out, toJson(record) + "\n");
  console.log(`\n  -> ${out}`);
}

if (require.main === module) main();
