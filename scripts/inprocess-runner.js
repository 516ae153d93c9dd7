"use strict";
/**
 * Runner 2 (no Jupyter): execute a notebook through tslab's own converter and
 * executor, the same machinery its kernel uses, without ZeroMQ or Python.
 *
 * `runNotebook()` (parent side) starts one child process per notebook, with
 * the notebook's folder as working directory, like a fresh kernel:
 *   node scripts/inprocess-runner.js <notebook.ipynb> <executed.ipynb> <report.json> <cellTimeoutSeconds>
 * The child captures stdout/stderr, tslab `display` output (by installing its
 * own `lastWriteDisplayData`, honouring display ids for in-place updates) and
 * errors, writes the executed notebook, and exits 1 on the first failing cell.
 *
 * Uses tslab internals (dist/converter, dist/executor, dist/jupyter): the
 * version is checked against the exact pin in package.json.
 */
const fs = require("node:fs");
const path = require("node:path");
const util = require("node:util");
const { spawnSync } = require("node:child_process");

const ROOT = path.resolve(__dirname, "..");
const TSLAB_DIR = path.join(ROOT, "node_modules", "tslab");

/** Parent side: execute one notebook in a child process and write its HTML page. */
function runNotebook(notebook, { outDir, timeoutSeconds }) {
  const { writeHtml } = require("./notebook-html");
  const name = path.basename(notebook, ".ipynb");
  const executed = path.join(outDir, `${name}.ipynb`);
  const reportFile = path.join(outDir, `${name}.error.json`);
  const htmlFile = path.join(outDir, `${name}.html`);
  for (const stale of [executed, reportFile, htmlFile]) fs.rmSync(stale, { force: true });

  const source = JSON.parse(fs.readFileSync(notebook, "utf8"));
  const codeCells = source.cells.filter((c) => c.cell_type === "code").length;
  const started = Date.now();
  const child = spawnSync(process.execPath, [__filename, path.resolve(notebook), executed, reportFile, String(timeoutSeconds)], {
    cwd: path.dirname(path.resolve(notebook)),
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    // A synchronous endless loop cannot be interrupted from inside; bound the whole child.
    timeout: (timeoutSeconds * Math.max(1, codeCells) + 60) * 1000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Date.now() - started;
  const html = fs.existsSync(executed) ? writeHtml(executed, htmlFile, { runner: "in-process tslab (no Jupyter)" }) : undefined;
  if (child.status === 0) return { ok: true, executed, html, ms };
  let error;
  if (fs.existsSync(reportFile)) {
    const report = JSON.parse(fs.readFileSync(reportFile, "utf8"));
    error = { cellIndex: report.cell_index, source: report.source, text: report.text };
  } else {
    const why = child.error ? String(child.error) : child.signal ? `killed by ${child.signal}` : `exit status ${child.status}`;
    error = { text: `in-process runner failed (${why})\n${(child.stderr || "").trim()}` };
  }
  return { ok: false, executed: fs.existsSync(executed) ? executed : undefined, html, ms, error };
}

function sourceText(cell) {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source || "";
}

function textOf(chunk) {
  return typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
}

/** Child side. */
async function childMain([notebookPath, executedPath, reportPath, timeoutArg]) {
  const wanted = (() => { const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")); return (pkg.dependencies || {}).tslab || (pkg.devDependencies || {}).tslab; })();
  const installed = JSON.parse(fs.readFileSync(path.join(TSLAB_DIR, "package.json"), "utf8")).version;
  if (wanted !== installed) throw new Error(`in-process runner needs tslab ${wanted} (uses its internals), found ${installed}`);
  const { createConverter } = require(path.join(TSLAB_DIR, "dist", "converter"));
  const { createExecutor } = require(path.join(TSLAB_DIR, "dist", "executor"));
  // The module tslab.display writes through; cells' require("tslab") resolves to this same copy.
  const jupyter = require(path.join(TSLAB_DIR, "dist", "jupyter"));
  const timeoutMs = Number(timeoutArg) * 1000;

  const nb = JSON.parse(fs.readFileSync(notebookPath, "utf8"));
  /** Outputs of the cell being executed; late async output lands in the last cell run. */
  let outputs = [];
  const displays = new Map(); // display_id -> outputs showing it
  let cellErrors = [];

  const pushStream = (name, text) => {
    const last = outputs[outputs.length - 1];
    if (last && last.output_type === "stream" && last.name === name) last.text += text;
    else outputs.push({ output_type: "stream", name, text });
  };
  process.stdout.write = (chunk, encoding, callback) => {
    pushStream("stdout", textOf(chunk));
    if (typeof callback === "function") callback();
    return true;
  };
  process.stderr.write = (chunk, encoding, callback) => {
    pushStream("stderr", textOf(chunk));
    if (typeof callback === "function") callback();
    return true;
  };
  jupyter.lastWriteDisplayData = (message, update) => {
    const id = message.transient && message.transient.display_id;
    if (update) {
      for (const out of (id && displays.get(id)) || []) {
        out.data = message.data;
        out.metadata = message.metadata || {};
      }
      return;
    }
    const out = { output_type: "display_data", data: message.data, metadata: message.metadata || {} };
    outputs.push(out);
    if (id) displays.set(id, [...(displays.get(id) || []), out]);
  };
  process.on("unhandledRejection", (reason) => pushStream("stderr", `UnhandledPromiseRejection: ${util.inspect(reason)}\n`));
  process.on("uncaughtException", (err) => pushStream("stderr", `UncaughtException: ${util.inspect(err)}\n`));

  const converters = {
    _node: undefined,
    get node() {
      return (this._node ??= createConverter({ isJS: false, isBrowser: false }));
    },
    get browser() {
      return (this._browser ??= createConverter({ isJS: false, isBrowser: true }));
    },
    close() {
      this._node?.close();
      this._browser?.close();
    },
  };
  const executor = createExecutor(process.cwd(), converters, {
    log: (...args) => pushStream("stdout", util.format(...args) + "\n"),
    // tslab reports failures (exceptions, TypeScript diagnostics) through console.error.
    error: (...args) => cellErrors.push(args),
  });

  let count = 0;
  let failure;
  for (const [index, cell] of nb.cells.entries()) {
    if (cell.cell_type !== "code") continue;
    outputs = [];
    cellErrors = [];
    cell.outputs = outputs;
    const src = sourceText(cell);
    if (!src.trim()) {
      cell.execution_count = null;
      continue;
    }
    cell.execution_count = ++count;
    let timer;
    const timeout = new Promise((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const ok = await Promise.race([executor.execute(src), timeout]);
    clearTimeout(timer);
    if (ok === true) {
      for (const args of cellErrors) pushStream("stderr", util.format(...args) + "\n");
      continue;
    }
    failure = errorOutput(ok === "timeout" ? [[`Cell timed out after ${timeoutArg} s`]] : cellErrors);
    outputs.push(failure);
    fs.writeFileSync(reportPath, JSON.stringify({ cell_index: index, source: src, ename: failure.ename, evalue: failure.evalue, text: failure.traceback.join("\n") }, null, 1));
    break;
  }
  nb.metadata = {
    ...nb.metadata,
    language_info: { name: "typescript", file_extension: ".ts", mimetype: "text/typescript", version: "" },
    einconv: { runner: "in-process tslab", tslab: installed, node: process.version },
  };
  fs.writeFileSync(executedPath, JSON.stringify(nb, null, 1) + "\n");
  converters.close();
  return failure ? 1 : 0;
}

/** An nbformat error output from what tslab passed to console.error. */
function errorOutput(calls) {
  const err = calls.map((args) => args[0]).find((a) => a instanceof Error);
  if (err) {
    const traceback = (err.stack || `${err.name}: ${err.message}`).split("\n");
    return { output_type: "error", ename: err.name || "Error", evalue: err.message, traceback };
  }
  const lines = calls.map((args) => util.format(...args));
  if (lines.length === 0) lines.push("(the cell failed without printing an error)");
  const isDiagnostics = lines.every((l) => /^(\S+ )?\d+:\d+ - /.test(l));
  return { output_type: "error", ename: isDiagnostics ? "TypeScriptError" : "Error", evalue: lines[0], traceback: lines };
}

if (require.main === module) {
  childMain(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      fs.writeSync(2, `${err && err.stack ? err.stack : err}\n`);
      process.exit(2);
    },
  );
}

module.exports = { runNotebook };
