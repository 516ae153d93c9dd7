/**
 * `npm run bench:all`: the whole quiet run, serially, in one command (issue 10):
 *
 *   node dist/bench/all.js [--quick] [--runs K] [--no-readme] [--from run|auto|targets|readme]
 *
 * 1. `run.js --only einsum,article,peers` -> einsum.json, article.json, peers.json (einconv at
 *    EINCONV_THREADS=1 and 2 next to numpy and onnxruntime at 1 and 2);
 * 2. `auto_fresh.js` (bench:auto) -> fit_runs/conv_grids.run*.json, auto_fit.json, conv_grids.json
 *    (the fresh run: the notebooks' heatmap data), auto_eval.json;
 * 3. `targets.js` -> the targets table, targets.json;
 * 4. `readme_tables.js --write` -> the README section between <!-- bench:begin --> and
 *    <!-- bench:end --> (default grid only; `--quick` prints it instead).
 * `--from` resumes at a step (after a failed or interrupted run), reusing the files the earlier
 * steps wrote. Prints each step's time and the total. On the 2-core machine the default grid takes about
 * 45 s (step 1) + 2.2 min (step 2, K = 3) + a fraction of a second (measured 2026-12-03: 178 s).
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { runMain } from "./cli";

/** Parsed flags. */
export interface AllArgs {
  quick: boolean;
  runs?: number;
  readme: boolean;
  /** First step to run (see STEP_NAMES). */
  from: StepName;
}

export const STEP_NAMES = ["run", "auto", "targets", "readme"] as const;
export type StepName = (typeof STEP_NAMES)[number];

/** Parses the flags; throws with the usage line on anything unknown. */
export function parseAllArgs(argv: readonly string[]): AllArgs {
  const usage = "usage: node dist/bench/all.js [--quick] [--runs K] [--no-readme] [--from run|auto|targets|readme]";
  const out: AllArgs = { quick: false, readme: true, from: "run" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") out.quick = true;
    else if (a === "--no-readme") out.readme = false;
    else if (a === "--runs" && argv[i + 1] !== undefined) out.runs = Number(argv[++i]);
    else if (a === "--from" && (STEP_NAMES as readonly string[]).includes(argv[i + 1] ?? "")) out.from = argv[++i] as StepName;
    else throw new Error(`unknown argument ${JSON.stringify(a)}\n${usage}`);
  }
  return out;
}

/** The steps, as [script, args] of dist/bench. */
export function allSteps(args: AllArgs): Array<{ name: StepName; script: string; args: string[] }> {
  const q = args.quick ? ["--quick"] : [];
  const steps: Array<{ name: StepName; script: string; args: string[] }> = [
    { name: "run", script: "run.js", args: ["--only", "einsum,article,peers", ...q] },
    { name: "auto", script: "auto_fresh.js", args: [...q, ...(args.runs !== undefined ? ["--runs", String(args.runs)] : []), ...(args.quick ? ["--starts", "2"] : [])] },
    { name: "targets", script: "targets.js", args: q },
    ...(args.readme ? [{ name: "readme" as const, script: "readme_tables.js", args: args.quick ? ["--quick"] : ["--write"] }] : []),
  ];
  return steps.filter((s) => STEP_NAMES.indexOf(s.name) >= STEP_NAMES.indexOf(args.from));
}

function main(): void {
  const args = parseAllArgs(process.argv.slice(2));
  const started = Date.now();
  for (const step of allSteps(args)) {
    const t0 = Date.now();
    console.log(`\n=== bench:all: ${step.script} ${step.args.join(" ")}`);
    const child = spawnSync(process.execPath, [path.join(__dirname, step.script), ...step.args], { stdio: "inherit" });
    if (child.error || child.status !== 0) throw new Error(`bench:all stopped: ${step.script} failed${child.error ? `: ${child.error.message}` : ` (exit ${child.status})`}`);
    console.log(`=== ${step.script}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  console.log(`\nbench:all total ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (require.main === module) runMain(main);
