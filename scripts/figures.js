#!/usr/bin/env node
"use strict";
/**
 * `npm run figures`: refresh the README's committed figures in notebooks/figures/.
 *
 * The notebooks save their figures to out/figures/ (untracked), so `npm run
 * reproduce` and `npm test` never modify tracked files. This is the one
 * explicit command that does: it runs the notebooks that draw the README's
 * figures (reproduce.js, so the usual setup applies), then copies those figures
 * into notebooks/figures/. `--no-run` copies what the last run left in out/figures/.
 * Extra arguments go to reproduce.js (e.g. --runner=inprocess).
 */
const fs = require("node:fs");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const ROOT = path.resolve(__dirname, "..");
const FROM = path.join(ROOT, "out", "figures");
const TO = path.join(ROOT, "notebooks", "figures");
/** Each committed figure and the notebook that draws it. */
const FIGURES = [
  { file: "conv_grid1.png", notebook: "02_blog_conv" },
  { file: "conv_grid2.png", notebook: "02_blog_conv" },
  { file: "conv_grid3.png", notebook: "02_blog_conv" },
  { file: "strided_qa_times.png", notebook: "05_strided_qa" },
];

function main(argv) {
  const noRun = argv.includes("--no-run");
  const passOn = argv.filter((a) => a !== "--no-run");
  if (!noRun) {
    const notebooks = [...new Set(FIGURES.map((f) => f.notebook))];
    const run = spawnSync(process.execPath, [path.join(__dirname, "reproduce.js"), ...passOn, ...notebooks], { cwd: ROOT, stdio: "inherit" });
    if (run.status !== 0) {
      process.stderr.write("[einconv] figures: the notebook run failed; notebooks/figures/ left unchanged\n");
      return 1;
    }
  }
  const missing = FIGURES.filter((f) => !fs.existsSync(path.join(FROM, f.file)));
  if (missing.length) {
    process.stderr.write(`[einconv] figures: missing in out/figures/: ${missing.map((f) => `${f.file} (from ${f.notebook}.ipynb)`).join(", ")}\n`);
    return 1;
  }
  fs.mkdirSync(TO, { recursive: true });
  for (const f of FIGURES) fs.copyFileSync(path.join(FROM, f.file), path.join(TO, f.file));
  process.stdout.write(`[einconv] figures: copied ${FIGURES.map((f) => f.file).join(", ")} from out/figures/ to notebooks/figures/\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
