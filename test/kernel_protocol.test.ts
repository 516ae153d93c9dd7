/**
 * Displays over the real Jupyter protocol: this checkout's tslab kernel spec
 * (out/jupyter, written by `node scripts/reproduce.js --setup-only`) is started
 * by jupyter_client (test/kernel_driver.py, Debian's /usr/bin/python3) and the
 * iopub messages of each cell are checked.
 *
 * tslab 1.0.22 prints a cell's last value with console.log (a `stream` on
 * stdout, not `execute_result`) and an uncaught error with console.error (a
 * `stream` on stderr); its execute_reply carries status "error" but no
 * ename/evalue/traceback, and it sends no `error` message.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { requireTool } from "./skip";
import { check, svgChartFailures } from "./browser_check";

const ROOT = path.resolve(__dirname, "..", "..");
const PYTHON = "/usr/bin/python3";
const JUPYTER_DIR = path.join(ROOT, "out", "jupyter");

interface Output {
  msg_type: string;
  content: { name?: string; text?: string; data?: Record<string, unknown> };
}
interface CellResult {
  status: string;
  outputs: Output[];
  reply: Record<string, unknown>;
}

function haveKernel(): string | undefined {
  if (!fs.existsSync(PYTHON)) return `${PYTHON} missing`;
  if (spawnSync(PYTHON, ["-c", "import jupyter_client"]).status !== 0) return "jupyter_client missing in /usr/bin/python3";
  if (!fs.existsSync(path.join(JUPYTER_DIR, "kernels", "tslab", "kernel.json"))) return "no kernel spec (run node scripts/reproduce.js --setup-only)";
  return undefined;
}

function runCells(cells: string[]): CellResult[] {
  const result = spawnSync(PYTHON, [path.join(ROOT, "test", "kernel_driver.py"), "tslab", ROOT], {
    input: JSON.stringify(cells),
    encoding: "utf8",
    env: { ...process.env, JUPYTER_PATH: [JUPYTER_DIR, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter) },
    timeout: 120_000,
  });
  assert.equal(result.status, 0, `kernel driver failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as CellResult[];
}

const skip = requireTool("jupyter_client and the tslab kernel spec", haveKernel, "apt-get update && apt-get install -y --no-install-recommends jupyter-nbconvert jupyter-client python3-nbclient fonts-dejavu-core; node scripts/reproduce.js --setup-only");

test("tslab over jupyter_client: numpy-style last value, show/chart bundles, clean error text", { skip }, () => {
  const [einsumCell, showCell, chartCell, errorCell, afterError] = runCells([
    [
      'import { einsum, fromNested } from "einconv";',
      'import { show, imshow } from "einconv/notebook";',
      "const a = fromNested([[1, 2, 3], [4, 5, 6]]);",
      "const b = fromNested([[1, 0], [0, 1], [1, 1]]);",
      'einsum("ij,jk->ik", a, b)',
    ].join("\n"),
    'show(a, { label: "a" })',
    'await imshow(a, { title: "a" })',
    'einsum("ij,jk", a, fromNested([[1, 2], [3, 4]]))',
    "1 + 1",
  ]);

  // 1. A tensor as last value: numpy's repr (what np.array([[4, 5], [10, 11]], float) prints).
  assert.equal(einsumCell.status, "ok");
  const stdout = einsumCell.outputs.filter((o) => o.msg_type === "stream" && o.content.name === "stdout").map((o) => o.content.text).join("");
  assert.equal(stdout, "array([[ 4.,  5.],\n       [10., 11.]])\n");

  // 2. show(): one display_data with text/plain + an HTML table.
  const shown = showCell.outputs.filter((o) => o.msg_type === "display_data");
  assert.equal(shown.length, 1);
  assert.equal(shown[0].content.data?.["text/plain"], "a = array([[1., 2., 3.],\n       [4., 5., 6.]])");
  assert.match(String(shown[0].content.data?.["text/html"]), /<table class="einconv-array"[\s\S]*shape \(2, 3\), float64[\s\S]*<td[^>]*>6\.<\/td>/);

  // 3. A chart helper: one display_data holding vega-lite JSON and a drawn SVG.
  const charts = chartCell.outputs.filter((o) => o.msg_type === "display_data");
  assert.equal(charts.length, 1);
  const data = charts[0].content.data ?? {};
  assert.equal((data["application/vnd.vegalite.v5+json"] as { title?: unknown }).title, "a");
  // Counted by what it shows: the 2×3 imshow draws 6 differing cells and 6 labels (axes and title do not count).
  assert.deepEqual(svgChartFailures(data["application/vnd.vegalite.v5+json"], String(data["image/svg+xml"])), []);
  assert.deepEqual(check.svgDataMarks(String(data["image/svg+xml"])).marks, { rect: 6, text: 6 });
  assert.equal(data["text/plain"], "a");
  assert.equal(chartCell.outputs.filter((o) => o.msg_type === "stream").length, 0, "no stray text after a chart");

  // 4. An uncaught EinsumError: the caret message first and whole, no dist/ excerpt, no internals, no { source, span }.
  assert.equal(errorCell.status, "error");
  const stderr = errorCell.outputs.filter((o) => o.msg_type === "stream" && o.content.name === "stderr").map((o) => o.content.text).join("");
  assert.ok(
    stderr.startsWith(
      "EinsumError: Line 1, col 4:\n> 1 | ij,jk\n         ^\nsize mismatch for label 'j': operand 0 has size 3 but operand 1 has size 2 (sizes must be equal or 1)\n",
    ),
    stderr,
  );
  assert.doesNotMatch(stderr, /dist[\\/]src|\.js:\d+|source:|span:|throw new/);
  assert.match(stderr, /at evalmachine\.<anonymous>/, "the cell's own frame stays");

  // The kernel is still usable after the error.
  assert.equal(afterError.status, "ok");
  assert.equal(afterError.outputs.map((o) => o.content.text).join(""), "2\n");
});
