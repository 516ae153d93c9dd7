/**
 * Integration: `scripts/reproduce.js` executes test/fixtures/notebooks/00_smoke.ipynb on
 * tslab through both runners (Jupyter nbconvert and in-process), and reports
 * failing cells with their source and real error text. Takes ~30-60 s.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { requireTool } from "./skip";

const ROOT = path.resolve(__dirname, "..", "..");
const REPRODUCE = path.join(ROOT, "scripts", "reproduce.js");
const SMOKE_DIR = path.join(ROOT, "test", "fixtures", "notebooks");

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function reproduce(args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [REPRODUCE, "--no-install", "--no-build", ...args],
      { cwd: ROOT, maxBuffer: 32 * 1024 * 1024, timeout: 240_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const jupyterAvailable = spawnSync("jupyter", ["nbconvert", "--version"], { encoding: "utf8" }).status === 0;
// CI installs Jupyter before the tests (`npm test`'s pretest): there, a missing Jupyter is a failure, not a skip (requireTool).
const noJupyter = requireTool("jupyter nbconvert", () => (jupyterAvailable ? undefined : "`jupyter nbconvert --version` failed"), "node scripts/reproduce.js --setup-only (as root it apt-installs Jupyter)");

fs.mkdirSync(path.join(ROOT, "out"), { recursive: true });
const scratch = fs.mkdtempSync(path.join(ROOT, "out", "test-reproduce-"));
process.on("exit", () => fs.rmSync(scratch, { recursive: true, force: true }));

/** Notebooks that must fail: a runtime error after a good cell, and a type error. */
function writeFailingNotebooks(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const cell = (id: string, source: string) => ({ cell_type: "code", id, execution_count: null, metadata: {}, outputs: [], source });
  const notebook = (cells: object[]) => ({
    cells,
    metadata: { kernelspec: { display_name: "TypeScript", language: "typescript", name: "tslab" } },
    nbformat: 4,
    nbformat_minor: 5,
  });
  const runtime = [
    cell("a", 'console.log("first cell ran");'),
    cell("b", "function f(n: number) {\n  if (n > 1) throw new RangeError(`boom ${n * 21}`);\n}\nf(2);"),
    cell("c", 'console.log("must not run");'),
  ];
  fs.writeFileSync(path.join(dir, "a_runtime.ipynb"), JSON.stringify(notebook(runtime)));
  fs.writeFileSync(path.join(dir, "b_types.ipynb"), JSON.stringify(notebook([cell("a", "const s: string = 6 * 7;")])));
}

function checkSmokeHtml(html: string): void {
  // A value computed in the kernel, the show() table, the chart SVG, the PNG, benchmark output.
  assert.ok(html.includes("sum of x = 21"), "computed value");
  assert.ok(html.includes("shape (2, 3), float64"), "show() table caption");
  // Charts are SVG documents in <img> data URIs (scripts/notebook-html.js says why).
  const svgs = [...html.matchAll(/src="data:image\/svg\+xml;base64,([^"]+)"/g)].map((m) => Buffer.from(m[1], "base64").toString("utf8"));
  assert.ok(svgs.some((svg) => /^<svg[^>]*>[\s\S]*smoke heatmap[\s\S]*<\/svg>/.test(svg)), "SVG chart with its title");
  assert.ok(html.includes("data:image/png;base64,iVBORw0KGgo"), "embedded PNG");
  assert.ok(html.includes("done: 3 runs"), "final benchmark progress");
  assert.ok(html.includes("double/n=3/repeats=2"), "benchmark rows");
}

const runners = [
  { name: "nbconvert", skip: noJupyter },
  { name: "inprocess", skip: false },
] as const;

describe("reproduce.js runs the smoke notebook", { concurrency: 2 }, () => {
  for (const runner of runners) {
    test(`runner ${runner.name}`, { skip: runner.skip }, async () => {
      const outDir = path.join(scratch, `smoke-${runner.name}`);
      const r = await reproduce([`--runner=${runner.name}`, `--out-dir=${outDir}`, `--notebooks-dir=${SMOKE_DIR}`, "00_smoke"]);
      assert.equal(r.code, 0, `reproduce failed:\n${r.stdout}\n${r.stderr}`);
      assert.ok(r.stdout.includes(`runner: ${runner.name}`));
      const html = fs.readFileSync(path.join(outDir, "00_smoke.html"), "utf8");
      checkSmokeHtml(html);
      const executed = JSON.parse(fs.readFileSync(path.join(outDir, "00_smoke.ipynb"), "utf8")) as { cells: Array<{ cell_type: string; execution_count: number | null }> };
      const counts = executed.cells.filter((c) => c.cell_type === "code").map((c) => c.execution_count);
      assert.deepEqual(counts, counts.map((_, i) => i + 1), "execution counts recorded");
    });
  }
});

describe("reproduce.js reports failing cells", { concurrency: 2 }, () => {
  const notebooksDir = path.join(scratch, "failing");
  writeFailingNotebooks(notebooksDir);
  for (const runner of runners) {
    test(`runner ${runner.name}`, { skip: runner.skip }, async () => {
      const outDir = path.join(scratch, `failing-${runner.name}`);
      const r = await reproduce([`--runner=${runner.name}`, `--out-dir=${outDir}`, `--notebooks-dir=${notebooksDir}`]);
      assert.equal(r.code, 1);
      // The failing cell's source and the real error, not tslab's bare error reply.
      assert.ok(r.stderr.includes("throw new RangeError(`boom ${n * 21}`)"), r.stderr);
      assert.ok(r.stderr.includes("RangeError: boom 42"), r.stderr);
      assert.ok(r.stderr.includes("Type 'number' is not assignable to type 'string'"), r.stderr);
      // The partial notebook keeps the output of the cell before the failure, and nothing after it.
      const partial = fs.readFileSync(path.join(outDir, "a_runtime.html"), "utf8");
      assert.ok(partial.includes("first cell ran"));
      assert.ok(!partial.includes("must not run\n"));
    });
  }
});
