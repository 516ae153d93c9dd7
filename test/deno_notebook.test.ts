/**
 * One notebook, unchanged, on Deno's Jupyter kernel: 01_tour runs through
 * `scripts/reproduce.js --kernel deno` (nbconvert on out/jupyter/kernels/deno-einconv),
 * every cell that draws a chart has its chart in the executed notebook, and
 * every chart on the page draws in Chromium. The other six notebooks on Deno
 * are `npm run reproduce -- --kernel deno` (too long for `npm test`).
 *
 * Missing Deno or Jupyter is a skip that says why, except under CI=true,
 * where it fails with the command that installs it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ROOT, browserSkip, check } from "./browser_check";

const OUT = path.join(ROOT, "out", "test-deno");
const NOTEBOOK = "01_tour";
const INSTALL = "apt-get install -y --no-install-recommends jupyter-nbconvert jupyter-client python3-nbclient; npm ci";

function missing(): string | undefined {
  if (!fs.existsSync(path.join(ROOT, "node_modules", "deno", "deno"))) return "Deno (the pinned npm devDependency) is not installed";
  if (spawnSync("jupyter", ["nbconvert", "--version"], { encoding: "utf8" }).status !== 0) return "jupyter nbconvert is not on PATH";
  return undefined;
}

function skipReason(): string | false {
  const why = missing();
  if (why && process.env.CI === "true") throw new Error(`Deno notebook test under CI: ${why}. Install with:\n  ${INSTALL}`);
  if (why) process.stdout.write(`# skipping the Deno notebook run: ${why}\n`);
  return why ?? false;
}

interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: Array<{ output_type: string; data?: Record<string, unknown>; ename?: string }>;
}
const joined = (v: string | string[]): string => (Array.isArray(v) ? v.join("") : v);
const CHART_CALL = /\bawait\s+(imshow|plotConv|displayChart|benchHeatmaps)\(/;

let page = "";

test(`${NOTEBOOK} executes unchanged on Deno's Jupyter kernel, with every chart in its cell`, { skip: skipReason(), timeout: 10 * 60 * 1000 }, () => {
  fs.rmSync(OUT, { recursive: true, force: true });
  const run = spawnSync(process.execPath, [path.join(ROOT, "scripts", "reproduce.js"), "--no-install", "--no-build", "--no-browser-check", "--kernel", "deno", `--out-dir=${OUT}`, NOTEBOOK], {
    cwd: ROOT,
    encoding: "utf8",
  });
  process.stdout.write(run.stdout);
  process.stderr.write(run.stderr);
  assert.equal(run.status, 0, "reproduce.js --kernel deno failed; see the cell error above");
  assert.match(run.stdout, /kernel: deno; runner: nbconvert/);

  const executed = JSON.parse(fs.readFileSync(path.join(OUT, `${NOTEBOOK}.ipynb`), "utf8")) as { cells: Cell[] };
  const code = executed.cells.filter((c) => c.cell_type === "code");
  assert.ok(code.length > 10);
  assert.deepEqual(code.flatMap((c) => (c.outputs ?? []).filter((o) => o.output_type === "error").map((o) => o.ename)), []);
  const chartCells = code.filter((c) => CHART_CALL.test(joined(c.source)));
  assert.ok(chartCells.length >= 5, `expected the tour's chart cells, found ${chartCells.length}`);
  for (const c of chartCells) {
    const svg = (c.outputs ?? []).some((o) => typeof o.data?.["image/svg+xml"] === "string" || Array.isArray(o.data?.["image/svg+xml"]));
    assert.ok(svg, `no chart output in the cell:\n${joined(c.source).slice(0, 300)}`);
  }
  page = path.join(OUT, `${NOTEBOOK}.html`);
  assert.ok(fs.existsSync(page));
});

test(`every chart on the Deno-run ${NOTEBOOK} page draws in Chromium`, { skip: missing() ? "no Deno run" : browserSkip(), timeout: 5 * 60 * 1000 }, async () => {
  assert.ok(page, "the Deno notebook run did not finish");
  const [report] = await check.checkPages([page]);
  process.stdout.write(`browser check (Deno): ${check.formatReport([report])}\n`);
  assert.ok(report.present >= 5, `${report.present} charts on the page`);
  assert.deepEqual(report.failures, []);
  assert.equal(report.drawn, report.present);
});
