/**
 * The main job as a test: executes every notebook in notebooks/ on the tslab kernel
 * (Jupyter nbconvert when installed, else tslab's in-process executor), then
 *  - opens every page in headless Chromium and checks each chart shows its data: the page
 *    holds exactly the chart outputs of its executed notebook (out/notebooks/<nb>.ipynb), and
 *    each chart draws the data marks its vega-lite spec's data gives (scripts/browser-check.js;
 *    per-chart counts printed, a screenshot per page in out/screenshots/),
 *  - checks the run changed no tracked file (`git status` before vs after).
 * A failing cell fails this test with the cell's source and real error text
 * (printed by scripts/reproduce.js). The browser check reuses this run's pages.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ROOT, browserSkip, check } from "./browser_check";

const OUT = path.join(ROOT, "out", "notebooks");
const SCREENSHOTS = path.join(ROOT, "out", "screenshots");
const notebooks = fs.readdirSync(path.join(ROOT, "notebooks")).filter((f) => f.endsWith(".ipynb")).sort();

/** `git status --porcelain` of tracked files, or undefined outside a git checkout. */
function trackedStatus(): string | undefined {
  const r = spawnSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: ROOT, encoding: "utf8" });
  return r.status === 0 ? r.stdout : undefined;
}

const statusBefore = trackedStatus();
let ran = false;

test("every notebook executes on the tslab kernel", { timeout: 20 * 60 * 1000 }, () => {
  assert.ok(notebooks.length >= 6, `expected the tour and five reproductions, found ${notebooks.join(", ")}`);
  const run = spawnSync(process.execPath, [path.join(ROOT, "scripts", "reproduce.js"), "--no-install", "--no-build", "--no-browser-check", `--out-dir=${OUT}`], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  process.stdout.write(run.stdout);
  process.stderr.write(run.stderr);
  assert.equal(run.status, 0, `reproduce.js failed (exit ${run.status}); see the cell error above`);
  ran = true;
});

test("the notebook run changes no tracked file", { skip: statusBefore === undefined ? "not a git checkout" : false }, () => {
  assert.ok(ran, "the notebook run did not finish");
  // Compared with the status before the run, so an engineer's own uncommitted edits don't fail it.
  assert.equal(trackedStatus(), statusBefore, "running the notebooks modified tracked files (figures belong in out/)");
});

// CI installs Chromium in setup (`npm test`'s pretest): there, a missing browser throws instead of skipping.
const noBrowser = browserSkip();

test("every chart on every notebook page shows its data in Chromium", { skip: noBrowser, timeout: 5 * 60 * 1000 }, async () => {
  assert.ok(ran, "the notebook run did not finish");
  const pages = notebooks.map((nb) => path.join(OUT, nb.replace(/\.ipynb$/, ".html")));
  const started = Date.now();
  const reports = await check.checkPages(pages, { screenshotDir: SCREENSHOTS });
  process.stdout.write(`browser check (${((Date.now() - started) / 1000).toFixed(1)} s):\n${check.formatReport(reports)}\nscreenshots: ${SCREENSHOTS}/\n`);
  for (const r of reports) {
    // The expected count is the executed notebook's chart outputs, not "> 0": a lost chart fails.
    const expected = check.chartExpectations(path.join(OUT, `${r.page}.ipynb`));
    assert.ok(expected.length > 0, `${r.page}: its notebook has no chart output`);
    assert.equal(r.expected, expected.length, `${r.page}: the check did not read the notebook's chart outputs`);
    assert.equal(r.present, expected.length, `${r.page}: ${r.present} charts on the page, ${expected.length} in the notebook`);
    assert.deepEqual(r.failures, [], `${r.page}: ${r.drawn}/${r.present} charts show their data`);
    assert.ok(r.screenshot && fs.statSync(r.screenshot).size > 0, `${r.page}: no screenshot`);
  }
});
