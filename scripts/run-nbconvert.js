"use strict";
/**
 * Runner 1: execute a notebook with `jupyter nbconvert --to notebook --execute`
 * on one of the project's kernel specs (tslab by default, or `deno-einconv`). nbconvert only executes: the page is written
 * from the executed .ipynb by scripts/notebook-html.js, the same writer the
 * in-process runner uses (Debian's nbconvert 6.5 `--to html` strips the SVG
 * charts' elements, see there).
 *
 * Failures: nbconvert_hooks.py records the failing cell and its real error
 * text (tslab only sends a bare error reply) and saves the partial notebook,
 * which we still convert to HTML for inspection.
 */
const fs = require("node:fs");
const path = require("node:path");
const { spawnSync } = require("node:child_process");
const env = require("./notebook-env");

function nbconvert(args, extraEnv, cwd) {
  const started = Date.now();
  const result = spawnSync("jupyter", ["nbconvert", ...args], {
    cwd,
    env: env.jupyterEnv(extraEnv),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.error ? -1 : result.status, stderr: (result.stderr || "") + (result.error ? String(result.error) : ""), ms: Date.now() - started };
}

function toHtml(ipynb, outDir, kernelName) {
  const { writeHtml } = require("./notebook-html");
  return writeHtml(ipynb, path.join(outDir, path.basename(ipynb, ".ipynb") + ".html"), { runner: `jupyter nbconvert, kernel ${kernelName}` });
}

/**
 * Executes one notebook. Returns { ok, executed, html, ms, error? } where error
 * is { cellIndex, source, text } (or { text } when no cell report exists,
 * e.g. a timeout or a dead kernel).
 */
function runNotebook(notebook, { outDir, timeoutSeconds, kernelName = env.KERNEL_NAME }) {
  const name = path.basename(notebook, ".ipynb");
  const executed = path.join(outDir, `${name}.ipynb`);
  const errorFile = path.join(outDir, `${name}.error.json`);
  for (const stale of [executed, errorFile, path.join(outDir, `${name}.html`)]) fs.rmSync(stale, { force: true });

  const args = [
    "--to", "notebook",
    "--execute",
    `--ExecutePreprocessor.kernel_name=${kernelName}`,
    `--ExecutePreprocessor.timeout=${timeoutSeconds}`,
    "--ExecutePreprocessor.startup_timeout=120",
    "--config", path.join(__dirname, "nbconvert_hooks.py"),
    "--output-dir", outDir,
    "--output", `${name}.ipynb`,
    path.resolve(notebook),
  ];
  const r = nbconvert(args, { EINCONV_NB_ERROR_FILE: errorFile, EINCONV_NB_PARTIAL_FILE: executed }, path.dirname(path.resolve(notebook)));
  if (r.status === 0) {
    return { ok: true, executed, html: toHtml(executed, outDir, kernelName), ms: r.ms };
  }
  let error;
  if (fs.existsSync(errorFile)) {
    const report = JSON.parse(fs.readFileSync(errorFile, "utf8"));
    error = { cellIndex: report.cell_index, source: report.source, text: report.text || `${report.ename}: ${report.evalue}` };
  } else {
    // No cell report: timeout, dead kernel, or nbconvert itself failed. Its own message is all we have.
    error = { text: r.stderr.trim().split("\n").slice(-40).join("\n") };
  }
  let html;
  if (fs.existsSync(executed)) {
    try {
      html = toHtml(executed, outDir, kernelName);
    } catch {
      html = undefined;
    }
  }
  return { ok: false, executed: fs.existsSync(executed) ? executed : undefined, html, ms: r.ms, error };
}

module.exports = { runNotebook };
