#!/usr/bin/env node
"use strict";
/**
 * `npm run reproduce`: set everything up and execute every notebook in
 * notebooks/ on the tslab kernel, writing executed notebooks and HTML pages.
 *
 * Usage: node scripts/reproduce.js [options] [filter...]
 *   filter                 run only notebooks whose file name contains one of these
 *   --setup-only           npm deps, build, Jupyter, Chromium, kernel spec, einconv link; run nothing
 *   --runner=R             auto (default) | nbconvert | inprocess
 *   --out-dir=DIR          output folder (default out/notebooks)
 *   --notebooks-dir=DIR    notebook folder (default notebooks)
 *   --timeout=S            per-cell timeout in seconds (default 1200)
 *   --no-install           never run npm or apt-get
 *   --no-build             skip the build (tests: `npm test` has just built)
 *   --fail-fast            stop at the first failing notebook
 *   --no-browser-check     don't open the pages in Chromium (tests: they check them themselves)
 * Environment: EINCONV_NOTEBOOK_RUNNER, EINCONV_NOTEBOOKS (comma-separated filters),
 *   EINCONV_NOTEBOOK_OUT, EINCONV_CELL_TIMEOUT mirror the options above.
 *
 * Runners: "nbconvert" = `jupyter nbconvert --execute` on the kernel spec in
 * out/jupyter (Jupyter installed with apt when root); "inprocess" = tslab's
 * own converter/executor in a child process, used when Jupyter is missing and
 * cannot be installed. The log says which one ran. Both only execute; one
 * writer (notebook-html.js) turns executed notebooks into pages. Afterwards the
 * pages are opened in headless Chromium (browser-check.js): the log gives charts
 * drawn / present per page, a screenshot per page goes to out/screenshots/, and
 * a chart that does not draw fails the run.
 */
const fs = require("node:fs");
const path = require("node:path");
const env = require("./notebook-env");

/** Path for messages: relative inside the project, absolute elsewhere. */
function shown(p) {
  const rel = path.relative(env.ROOT, p);
  return rel.startsWith("..") || path.isAbsolute(rel) ? p : rel;
}

function parseArgs(argv) {
  const opts = {
    setupOnly: false,
    runner: process.env.EINCONV_NOTEBOOK_RUNNER || "auto",
    outDir: process.env.EINCONV_NOTEBOOK_OUT || path.join(env.ROOT, "out", "notebooks"),
    notebooksDir: path.join(env.ROOT, "notebooks"),
    timeout: Number(process.env.EINCONV_CELL_TIMEOUT || 1200),
    install: true,
    build: true,
    failFast: false,
    browserCheck: true,
    filters: (process.env.EINCONV_NOTEBOOKS || "").split(",").map((s) => s.trim()).filter(Boolean),
  };
  for (const arg of argv) {
    const [key, value] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    if (key === "--setup-only") opts.setupOnly = true;
    else if (key === "--runner") opts.runner = value;
    else if (key === "--out-dir") opts.outDir = path.resolve(value);
    else if (key === "--notebooks-dir") opts.notebooksDir = path.resolve(value);
    else if (key === "--timeout") opts.timeout = Number(value);
    else if (key === "--no-install") opts.install = false;
    else if (key === "--no-build") opts.build = false;
    else if (key === "--fail-fast") opts.failFast = true;
    else if (key === "--no-browser-check") opts.browserCheck = false;
    else if (key === "--help" || key === "-h") opts.help = true;
    else if (key.startsWith("--")) throw new Error(`unknown option ${arg} (see --help)`);
    else opts.filters.push(arg);
  }
  if (!["auto", "nbconvert", "inprocess"].includes(opts.runner)) throw new Error(`--runner must be auto, nbconvert or inprocess, got ${opts.runner}`);
  if (!(opts.timeout > 0)) throw new Error("--timeout must be a positive number of seconds");
  return opts;
}

/** Decides the runner, installing Jupyter with apt when allowed. */
function chooseRunner(opts) {
  if (opts.runner === "inprocess") return { runner: "inprocess", why: "requested" };
  let jupyter = env.detectJupyter();
  if (!jupyter.available && opts.install) {
    try {
      if (env.installJupyterWithApt()) jupyter = env.detectJupyter();
    } catch (err) {
      env.log(`apt-get could not install Jupyter: ${err.message}`);
    }
  }
  if (jupyter.available) return { runner: "nbconvert", why: `jupyter nbconvert ${jupyter.nbconvertVersion}` };
  const how = env.isRoot() ? env.APT_COMMAND : `sudo sh -c '${env.APT_COMMAND}'`;
  if (opts.runner === "nbconvert") throw new Error(`jupyter nbconvert is not available (${jupyter.reason}). Install it with:\n  ${how}`);
  env.log(`Jupyter is not available (${jupyter.reason}). To run notebooks on a real Jupyter kernel, install it with:\n  ${how}`);
  return { runner: "inprocess", why: "Jupyter not available" };
}

function setup(opts) {
  if (opts.install) env.ensureNodeModules();
  if (opts.build) env.ensureBuilt();
  const tslab = env.checkTslabVersion();
  const link = env.linkEinconv();
  const chosen = chooseRunner(opts);
  const spec = env.writeKernelSpec();
  if (chosen.runner === "nbconvert" && env.kernelSpecVisible() === false) {
    throw new Error(`jupyter does not see the kernel spec ${spec} (JUPYTER_PATH=${env.jupyterEnv().JUPYTER_PATH})`);
  }
  env.checkFonts();
  env.ensureChromium({ install: opts.install });
  env.log(`tslab ${tslab}; kernel spec ${path.relative(env.ROOT, spec)}; ${path.relative(env.ROOT, link)} -> ..`);
  env.log(`runner: ${chosen.runner} (${chosen.why})`);
  return chosen.runner;
}

function listNotebooks(opts) {
  if (!fs.existsSync(opts.notebooksDir)) return [];
  const all = fs
    .readdirSync(opts.notebooksDir)
    .filter((f) => f.endsWith(".ipynb"))
    .sort();
  const chosen = opts.filters.length ? all.filter((f) => opts.filters.some((flt) => f.includes(flt))) : all;
  if (opts.filters.length && chosen.length === 0) throw new Error(`no notebook in ${opts.notebooksDir} matches ${opts.filters.join(", ")}`);
  return chosen.map((f) => path.join(opts.notebooksDir, f));
}

function printFailure(notebook, result) {
  const bar = "-".repeat(72);
  const lines = [`\n${bar}`, `FAILED: ${path.basename(notebook)}`];
  if (result.error.cellIndex !== undefined) {
    lines.push(`cell #${result.error.cellIndex}:`, bar, result.error.source.trimEnd(), bar);
  }
  lines.push("error:", result.error.text.trimEnd());
  if (result.html) lines.push(`partial output: ${shown(result.html)}`);
  lines.push(bar);
  process.stderr.write(lines.join("\n") + "\n");
}

function writeIndex(outDir, results, runner) {
  const items = results
    .map((r) => {
      const name = path.basename(r.notebook, ".ipynb");
      const status = r.ok ? "ok" : "FAILED";
      return `<li><a href="${name}.html">${name}</a> — ${status}, ${(r.ms / 1000).toFixed(1)} s (<a href="${name}.ipynb">ipynb</a>)</li>`;
    })
    .join("\n");
  const file = path.join(outDir, "index.html");
  fs.writeFileSync(
    file,
    `<!DOCTYPE html><html><head><meta charset="utf-8"><title>einconv notebooks</title></head>` +
      `<body style="font-family:sans-serif"><h1>einconv notebooks</h1><p>runner: ${runner}</p><ul>${items}</ul></body></html>\n`,
  );
  return file;
}

/** Opens the pages in Chromium; returns false when a chart does not show its data (scripts/browser-check.js). */
async function browserCheck(opts, results) {
  const check = require("./browser-check");
  const why = check.unavailableReason();
  if (why) {
    env.log(`browser check skipped: ${why}`);
    return true;
  }
  const pages = results.filter((r) => r.html).map((r) => r.html);
  const screenshotDir = path.join(path.dirname(opts.outDir), "screenshots");
  const reports = await check.checkPages(pages, { screenshotDir });
  env.log(`browser check (Chromium):\n${check.formatReport(reports)}`);
  env.log(`screenshots: ${shown(screenshotDir)}/`);
  // failures also holds page-level ones (fewer charts on the page than its notebook has).
  return reports.every((r) => r.failures.length === 0);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    const source = fs.readFileSync(__filename, "utf8");
    const header = source.slice(source.indexOf("/**") + 3, source.indexOf("*/")).split("\n").slice(1).join("\n");
    process.stdout.write(header.replace(/^ \* ?/gm, "") + "\n");
    return 0;
  }
  const runner = setup(opts);
  if (opts.setupOnly) {
    env.log("setup done (--setup-only)");
    return 0;
  }
  const notebooks = listNotebooks(opts);
  if (notebooks.length === 0) {
    env.log(`no notebooks in ${opts.notebooksDir}`);
    return 0;
  }
  fs.mkdirSync(opts.outDir, { recursive: true });
  const impl = runner === "nbconvert" ? require("./run-nbconvert") : require("./inprocess-runner");
  const results = [];
  for (const notebook of notebooks) {
    env.log(`executing ${shown(notebook)} (${runner})`);
    const result = { notebook, ...impl.runNotebook(notebook, { outDir: opts.outDir, timeoutSeconds: opts.timeout }) };
    results.push(result);
    if (result.ok) {
      env.log(`  ok in ${(result.ms / 1000).toFixed(1)} s -> ${shown(result.html)}`);
    } else {
      printFailure(notebook, result);
      if (opts.failFast) break;
    }
  }
  const index = writeIndex(opts.outDir, results, runner);
  const drawn = opts.browserCheck ? await browserCheck(opts, results) : true;
  const failed = results.filter((r) => !r.ok);
  env.log(`runner: ${runner}; ${results.length - failed.length}/${results.length} notebooks ok`);
  env.log(`output: ${shown(opts.outDir)}/ (start with ${shown(index)})`);
  if (failed.length) {
    env.log(`failed: ${failed.map((r) => path.basename(r.notebook)).join(", ")}`);
    return 1;
  }
  if (!drawn) {
    env.log("failed: some charts do not draw in Chromium (see the browser check above)");
    return 1;
  }
  return 0;
}

env.runMain(main);
