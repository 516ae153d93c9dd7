/**
 * The main job as a test: executes every notebook in notebooks/ on the tslab kernel
 * (Jupyter nbconvert when installed, else tslab's in-process executor) and checks
 * each HTML page was written with its plots. A failing cell fails this test with
 * the cell's source and real error text (printed by scripts/reproduce.js).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const OUT = path.join(ROOT, "out", "notebooks");
const notebooks = fs.readdirSync(path.join(ROOT, "notebooks")).filter((f) => f.endsWith(".ipynb")).sort();

test("every notebook executes on the tslab kernel and its HTML shows its plots", { timeout: 20 * 60 * 1000 }, () => {
  assert.ok(notebooks.length >= 6, `expected the tour and five reproductions, found ${notebooks.join(", ")}`);
  const run = spawnSync(process.execPath, [path.join(ROOT, "scripts", "reproduce.js"), "--no-install", "--no-build", `--out-dir=${OUT}`], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  process.stdout.write(run.stdout);
  process.stderr.write(run.stderr);
  assert.equal(run.status, 0, `reproduce.js failed (exit ${run.status}); see the cell error above`);
  for (const nb of notebooks) {
    const html = fs.readFileSync(path.join(OUT, nb.replace(/\.ipynb$/, ".html")), "utf8");
    assert.ok(/<svg[\s>]/.test(html) || html.includes("data:image/png;base64,"), `${nb}: no rendered chart in its HTML`);
  }
});
