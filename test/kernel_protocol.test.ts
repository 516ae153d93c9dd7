/**
 * Displays over the real Jupyter protocol, on both kernels: this checkout's
 * kernel specs (out/jupyter/kernels/{tslab,deno-einconv}, written by
 * `node scripts/reproduce.js --setup-only`) are started by jupyter_client
 * (test/kernel_driver.py, Debian's /usr/bin/python3) and the iopub messages of
 * each cell are checked.
 *
 * tslab 1.0.22 prints a cell's last value with console.log (a `stream` on
 * stdout, not `execute_result`) and an uncaught error with console.error (a
 * `stream` on stderr); its execute_reply carries status "error" but no
 * ename/evalue/traceback, and it sends no `error` message. Deno's kernel sends
 * a last value as `execute_result` (from `[Symbol.for("Jupyter.display")]()`)
 * and an uncaught error as a real `error` message.
 *
 * A missing kernel is a skip that says why, except under CI=true, where it
 * fails with the command that installs it.
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
  content: {
    name?: string;
    text?: string;
    data?: Record<string, unknown>;
    transient?: { display_id?: string };
    ename?: string;
    evalue?: string;
    traceback?: string[];
  };
}
interface CellResult {
  status: string;
  outputs: Output[];
  reply: Record<string, unknown>;
}

const INSTALL = "apt-get install -y --no-install-recommends jupyter-nbconvert jupyter-client python3-nbclient; npm ci; node scripts/reproduce.js --setup-only";

/** Why kernel `name` cannot run here, or undefined when it can. */
function missingKernel(name: string): string | undefined {
  if (!fs.existsSync(PYTHON)) return `${PYTHON} missing`;
  if (spawnSync(PYTHON, ["-c", "import jupyter_client"]).status !== 0) return "jupyter_client missing in /usr/bin/python3";
  const spec = path.join(JUPYTER_DIR, "kernels", name, "kernel.json");
  if (!fs.existsSync(spec)) return `no kernel spec ${spec} (run node scripts/reproduce.js --setup-only)`;
  const argv0 = (JSON.parse(fs.readFileSync(spec, "utf8")) as { argv: string[] }).argv[0];
  if (!fs.existsSync(argv0)) return `the ${name} kernel's program ${argv0} is missing`;
  return undefined;
}

/** node:test's skip value through the one skip helper (test/skip.ts): a printed reason, or under CI a failure naming the install line. */
export function skipUnlessKernel(name: string): string | false {
  return requireTool(`the ${name} kernel (jupyter_client + its kernel spec)`, () => missingKernel(name), INSTALL);
}

function runCells(cells: string[], kernel = "tslab"): CellResult[] {
  const result = spawnSync(PYTHON, [path.join(ROOT, "test", "kernel_driver.py"), kernel, ROOT], {
    input: JSON.stringify(cells),
    encoding: "utf8",
    env: {
      ...process.env,
      JUPYTER_PATH: [JUPYTER_DIR, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter),
      // Deno 2.9.6's kernel can put a cell's last iopub messages (even its own console.log stream)
      // after the cell's idle status, seen on a loaded 2-core machine; collect for 1 s after idle.
      KERNEL_DRIVER_GRACE: kernel === "tslab" ? "0" : "1",
    },
    timeout: 120_000,
  });
  assert.equal(result.status, 0, `kernel driver failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as CellResult[];
}

const skip = skipUnlessKernel("tslab");

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

const text = (outputs: Output[], kind: string): string => outputs.filter((o) => o.msg_type === kind).map((o) => o.content.text ?? "").join("");

test("Deno's kernel over jupyter_client: rich last value, show/chart/markdown bundles, progress updates in place, a real error message", { skip: skipUnlessKernel("deno-einconv") }, () => {
  const [einsumCell, showCell, chartCell, markdownCell, benchCell, errorCell, afterError] = runCells(
    [
      [
        'import { einsum, fromNested } from "einconv";',
        'import { show, imshow, markdown, benchmark, detectKernel } from "einconv/notebook";',
        "const a = fromNested([[1, 2, 3], [4, 5, 6]]);",
        "const b = fromNested([[1, 0], [0, 1], [1, 1]]);",
        'einsum("ij,jk->ik", a, b)',
      ].join("\n"),
      'show(a, { label: "a" })',
      'await imshow(a, { title: "a" })',
      'markdown(`kernel: **${detectKernel().kind}**`)',
      'const rows = await benchmark({ mm: () => einsum("ij,jk->ik", a, b) }, { n: [1, 2] }, { repeats: 1, warmup: 0 });\nconsole.log(rows.length)',
      'einsum("ij,jk", a, fromNested([[1, 2], [3, 4]]))',
      "1 + 1",
    ],
    "deno-einconv",
  );

  // 1. A tensor as last value: execute_result with numpy text and the HTML table.
  assert.equal(einsumCell.status, "ok");
  const result = einsumCell.outputs.filter((o) => o.msg_type === "execute_result");
  assert.equal(result.length, 1, JSON.stringify(einsumCell.outputs).slice(0, 500));
  assert.equal(result[0].content.data?.["text/plain"], "array([[ 4.,  5.],\n       [10., 11.]])");
  assert.match(String(result[0].content.data?.["text/html"]), /^<table class="einconv-array"/);

  // 2. show(): one display_data, same bundle as under tslab.
  const shown = showCell.outputs.filter((o) => o.msg_type === "display_data");
  assert.equal(shown.length, 1, JSON.stringify(showCell.outputs).slice(0, 500));
  assert.equal(shown[0].content.data?.["text/plain"], "a = array([[1., 2., 3.],\n       [4., 5., 6.]])");

  // 3. A chart: one display_data with vega-lite JSON and a drawn SVG, nothing else.
  assert.equal(chartCell.status, "ok", JSON.stringify(chartCell.outputs).slice(0, 800));
  const charts = chartCell.outputs.filter((o) => o.msg_type === "display_data");
  assert.equal(charts.length, 1);
  assert.equal((charts[0].content.data?.["application/vnd.vegalite.v5+json"] as { title?: unknown }).title, "a");
  assert.match(String(charts[0].content.data?.["image/svg+xml"]), /<svg[\s\S]*<path/);
  assert.equal(chartCell.outputs.length, 1, "no stray output after a chart");

  // 4. markdown(): text/markdown, and the adapter says which kernel it found.
  const md = markdownCell.outputs.filter((o) => o.msg_type === "display_data");
  assert.equal(md.length, 1);
  assert.equal(md[0].content.data?.["text/markdown"], "kernel: **deno**");

  // 5. benchmark progress: one display_data, then update_display_data messages with its display_id.
  assert.equal(benchCell.status, "ok");
  const progress = benchCell.outputs.filter((o) => o.msg_type === "display_data" || o.msg_type === "update_display_data");
  assert.equal(progress[0].msg_type, "display_data");
  assert.ok(progress.length >= 3 && progress.slice(1).every((o) => o.msg_type === "update_display_data"), JSON.stringify(progress.map((o) => o.msg_type)));
  assert.equal(new Set(progress.map((o) => o.content.transient?.display_id)).size, 1);
  assert.match(String(progress[progress.length - 1].content.data?.["text/plain"]), /^benchmark: done: 2 runs in /);
  assert.equal(text(benchCell.outputs, "stream"), "2\n");

  // 6. An uncaught EinsumError is an `error` message: ename and the caret message as evalue.
  assert.equal(errorCell.status, "error");
  const errors = errorCell.outputs.filter((o) => o.msg_type === "error");
  assert.equal(errors.length, 1);
  assert.equal(errors[0].content.ename, "EinsumError");
  assert.ok(String(errors[0].content.evalue).startsWith("Line 1, col 4:\n> 1 | ij,jk\n         ^\nsize mismatch for label 'j'"), errors[0].content.evalue);

  assert.equal(afterError.status, "ok");
  assert.equal(afterError.outputs.filter((o) => o.msg_type === "execute_result")[0]?.content.data?.["text/plain"], "2");
});
