#!/usr/bin/env node
"use strict";
/**
 * `npm run reproduce`: set everything up and execute every notebook in
 * notebooks/ on the tslab kernel (or Deno's, with --kernel deno), writing
 * executed notebooks and HTML pages.
 *
 * Usage: node scripts/reproduce.js [options] [filter...]
 *   filter                 run only notebooks whose file name contains one of these
 *   --setup-only           npm deps, build, Jupyter, Chromium, kernel specs, einconv link; run nothing
 *   --kernel=K             tslab (default) | deno: Deno's Jupyter kernel (`deno jupyter`,
 *                          the pinned npm devDependency); needs Jupyter (nbconvert runner)
 *   --runner=R             auto (default) | nbconvert | inprocess (tslab only)
 *   --out-dir=DIR          output folder (default out/notebooks, out/notebooks-deno for Deno)
 *   --notebooks-dir=DIR    notebook folder (default notebooks)
 *   --timeout=S            per-cell timeout in seconds (default 1200)
 *   --no-install           never run npm or apt-get
 *   --no-build             skip the build (tests: `npm test` has just built)
 *   --fail-fast            stop at the first failing notebook
 *   --no-browser-check     don't open the pages in Chromium (tests: they check them themselves)
 * Environment: EINCONV_KERNEL, EINCONV_NOTEBOOK_RUNNER, EINCONV_NOTEBOOKS (comma-separated filters),
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
    kernel: process.env.EINCONV_KERNEL || "tslab",
    runner: process.env.EINCONV_NOTEBOOK_RUNNER || "auto",
    outDir: process.env.EINCONV_NOTEBOOK_OUT,
    notebooksDir: path.join(env.ROOT, "notebooks"),
    timeout: Number(process.env.EINCONV_CELL_TIMEOUT || 1200),
    install: true,
    build: true,
    failFast: false,
    browserCheck: true,
    filters: (process.env.EINCONV_NOTEBOOKS || "").split(",").map((s) => s.trim()).filter(Boolean),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    let [key, value] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    // `--kernel deno` as two words too (the form `npm run reproduce -- --kernel deno` reads best).
    if (key === "--kernel" && value === undefined) value = argv[++i];
    if (key === "--setup-only") opts.setupOnly = true;
    else if (key === "--kernel") opts.kernel = value;
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
  if (!Object.keys(env.KERNELS).includes(opts.kernel)) throw new Error(`--kernel must be ${Object.keys(env.KERNELS).join(" or ")}, got ${opts.kernel}`);
  if (!["auto", "nbconvert", "inprocess"].includes(opts.runner)) throw new Error(`--runner must be auto, nbconvert or inprocess, got ${opts.runner}`);
  if (opts.kernel === "deno" && opts.runner === "inprocess") throw new Error("--runner=inprocess runs tslab only; Deno's kernel needs Jupyter (--runner=nbconvert)");
  if (opts.kernel === "deno" && opts.runner === "auto") opts.runner = "nbconvert";
  opts.outDir = opts.outDir || path.join(env.ROOT, "out", opts.kernel === "deno" ? "notebooks-deno" : "notebooks");
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
  // Both specs every time (cheap): `npm test` runs the kernel-protocol tests on both kernels.
  const spec = env.writeKernelSpec();
  let denoSpec;
  let deno = "no Deno";
  try {
    denoSpec = env.writeDenoKernelSpec();
    deno = env.denoVersion();
  } catch (err) {
    if (opts.kernel === "deno") throw err;
    env.log(`Deno's kernel spec not written: ${err.message}`);
  }
  if (chosen.runner === "nbconvert") {
    const specs = [[env.KERNEL_NAME, spec], ...(denoSpec ? [[env.DENO_KERNEL_NAME, denoSpec]] : [])];
    for (const [name, file] of specs) {
      if (env.kernelSpecVisible(name) === false) throw new Error(`jupyter does not see the kernel spec ${file} (JUPYTER_PATH=${env.jupyterEnv().JUPYTER_PATH})`);
    }
  }
  env.checkFonts();
  env.ensureChromium({ install: opts.install });
  const specs = [spec, denoSpec].filter(Boolean).map((f) => path.relative(env.ROOT, f)).join(", ");
  env.log(`tslab ${tslab}; ${deno}; kernel specs ${specs}; ${path.relative(env.ROOT, link)} -> ..`);
  env.log(`kernel: ${opts.kernel}; runner: ${chosen.runner} (${chosen.why})`);
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

function writeIndex(outDir, results, runner, kernel) {
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
      `<body style="font-family:sans-serif"><h1>einconv notebooks</h1><p>kernel: ${kernel}; runner: ${runner}</p><ul>${items}</ul></body></html>\n`,
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
  const screenshotDir = path.join(path.dirname(opts.outDir), opts.kernel === "deno" ? "screenshots-deno" : "screenshots");
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
    env.log(`executing ${shown(notebook)} (${opts.kernel}, ${runner})`);
    const kernelName = env.KERNELS[opts.kernel];
    const result = { notebook, ...impl.runNotebook(notebook, { outDir: opts.outDir, timeoutSeconds: opts.timeout, kernelName }) };
    results.push(result);
    if (result.ok) {
      env.log(`  ok in ${(result.ms / 1000).toFixed(1)} s -> ${shown(result.html)}`);
    } else {
      printFailure(notebook, result);
      if (opts.failFast) break;
    }
  }
  const index = writeIndex(opts.outDir, results, runner, opts.kernel);
  const drawn = opts.browserCheck ? await browserCheck(opts, results) : true;
  const failed = results.filter((r) => !r.ok);
  env.log(`kernel: ${opts.kernel}; runner: ${runner}; ${results.length - failed.length}/${results.length} notebooks ok`);
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
