"use strict";
/**
 * Shared setup for running einconv's notebooks (used by reproduce.js and notebook.js):
 * npm dependencies, build, Jupyter detection/installation, the project-local
 * kernel specs (tslab, and Deno's `deno jupyter` kernel) and the `einconv`
 * self-link that notebooks import from.
 *
 * Plain CommonJS on purpose: it must run before anything is built.
 */
const fs = require("node:fs");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const ROOT = path.resolve(__dirname, "..");
/** Jupyter data dir holding our kernel spec; put first on JUPYTER_PATH (see kernelSpecDir). */
const JUPYTER_DATA_DIR = path.join(ROOT, "out", "jupyter");
const KERNEL_NAME = "tslab";
/** Name of the project-local Deno kernel spec (out/jupyter/kernels/deno-einconv). */
const DENO_KERNEL_NAME = "deno-einconv";
/** The kernels `--kernel` accepts, mapped to their spec names. */
const KERNELS = { tslab: KERNEL_NAME, deno: DENO_KERNEL_NAME };
/** Debian packages: nbconvert (pulls python3-nbclient, python3-jupyter-client), the `jupyter kernelspec` CLI, a font for PNG text. */
const APT_PACKAGES = ["jupyter-nbconvert", "jupyter-client", "python3-nbclient", "fonts-dejavu-core"];
const APT_COMMAND = `apt-get update && apt-get install -y --no-install-recommends ${APT_PACKAGES.join(" ")}`;
/** Debian's Chromium: the browser check opens every page in it (scripts/browser-check.js). */
const CHROMIUM_PATH = "/usr/bin/chromium";
const CHROMIUM_APT_COMMAND = "apt-get update && apt-get install -y --no-install-recommends chromium";

function log(message) {
  process.stdout.write(`[einconv] ${message}\n`);
}

/** Runs a command with inherited stdio; throws with the command line if it fails. */
function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: "inherit", cwd: ROOT, ...options });
  if (result.error) throw new Error(`could not run ${cmd}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${[cmd, ...args].join(" ")} exited with status ${result.status}`);
}

/** Runs a command quietly and returns { ok, stdout, stderr }. */
function probe(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { encoding: "utf8", cwd: ROOT, ...options });
  return { ok: !result.error && result.status === 0, stdout: result.stdout || "", stderr: result.stderr || "" };
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

/** Installs npm dependencies when node_modules (or a pinned tool in it) is missing. */
function ensureNodeModules() {
  const needed = ["tslab", "typescript", "vega", "vega-lite", "deno"];
  if (needed.every((name) => fs.existsSync(path.join(ROOT, "node_modules", name, "package.json")))) return;
  const hasLock = fs.existsSync(path.join(ROOT, "package-lock.json"));
  log(`installing npm dependencies (npm ${hasLock ? "ci" : "install"})`);
  run("npm", [hasLock ? "ci" : "install", "--no-audit", "--no-fund"]);
}

/** Builds dist/ through the project's build entry point. */
function ensureBuilt() {
  const ensure = path.join(ROOT, "scripts", "ensure-built.js");
  if (fs.existsSync(ensure)) {
    run(process.execPath, [ensure]);
  } else {
    log("building (tsc -p tsconfig.json)");
    run(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"]);
  }
}

/**
 * The tslab version the project pins; the in-process runner and the display
 * helpers use tslab internals, so an unexpected version is an error.
 */
function checkTslabVersion() {
  const pkg = readJson(path.join(ROOT, "package.json"));
  const wanted = (pkg.dependencies || {}).tslab || (pkg.devDependencies || {}).tslab;
  const installed = readJson(path.join(ROOT, "node_modules", "tslab", "package.json")).version;
  if (wanted && wanted !== installed) {
    throw new Error(`tslab ${installed} is installed but package.json pins ${wanted}; run npm ci`);
  }
  return installed;
}

/**
 * node_modules/einconv -> .. so notebooks (and tslab's type checker) resolve
 * `import ... from "einconv"` to this checkout like an installed package.
 * Relative link, so the checkout can move. Recreated on every run because
 * `npm ci` / `npm install` may prune it as extraneous.
 */
function linkEinconv() {
  const link = path.join(ROOT, "node_modules", "einconv");
  let stat;
  try {
    stat = fs.lstatSync(link);
  } catch {
    stat = undefined;
  }
  if (stat && stat.isSymbolicLink() && fs.realpathSync(link) === fs.realpathSync(ROOT)) return link;
  if (stat && !stat.isSymbolicLink()) {
    throw new Error(`${link} exists and is not our symlink; remove it (notebooks must import this checkout)`);
  }
  if (stat) fs.unlinkSync(link);
  fs.symlinkSync("..", link, "dir");
  return link;
}

/** JUPYTER_PATH with our data dir first, so our `tslab` spec wins over a user-installed one. */
function jupyterEnv(extra = {}) {
  const jupyterPath = [JUPYTER_DATA_DIR, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter);
  return {
    ...process.env,
    JUPYTER_PATH: jupyterPath,
    // Quiets a debugpy warning some Python 3.11 builds print on every jupyter start.
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
    ...extra,
  };
}

/**
 * Writes out/jupyter/kernels/tslab/kernel.json pointing at THIS checkout's
 * tslab with the absolute node that runs this script (works when jupyter's
 * PATH has no node, e.g. under nvm). Project-local rather than ~/.local:
 * needs no root, never overwrites a user's own tslab spec, and two checkouts
 * don't fight over one global spec.
 */
function writeKernelSpec() {
  const spec = {
    argv: [process.execPath, path.join(ROOT, "node_modules", "tslab", "bin", "tslab"), "kernel", "--config-path", "{connection_file}"],
    display_name: "TypeScript (tslab, einconv)",
    language: "typescript",
    metadata: { einconv: { root: ROOT } },
  };
  return writeSpecFile(KERNEL_NAME, spec);
}

/**
 * The Deno binary of the pinned `deno` devDependency (npm's `deno` package
 * puts the platform binary next to its package.json on install; its bin.cjs
 * wrapper would add a node process per kernel). Throws naming `npm ci` when
 * it is missing.
 */
function denoBinary() {
  const exe = process.platform === "win32" ? "deno.exe" : "deno";
  const scope = path.join(ROOT, "node_modules", "@deno");
  // The postinstall links it into node_modules/deno; without it (npm 11 allowScripts) it is in @deno/<platform>.
  const platforms = fs.existsSync(scope) ? fs.readdirSync(scope).map((d) => path.join(scope, d, exe)) : [];
  const candidates = [path.join(ROOT, "node_modules", "deno", exe), ...platforms];
  const found = candidates.find((f) => fs.existsSync(f));
  if (!found) throw new Error(`Deno is not installed in node_modules (the pinned devDependency \`deno\`); run:\n  npm ci`);
  return found;
}

/** `deno --version` first line, e.g. "deno 2.9.6 (stable, release, x86_64-unknown-linux-gnu)". */
function denoVersion() {
  const r = probe(denoBinary(), ["--version"]);
  if (!r.ok) throw new Error(`${denoBinary()} --version failed: ${r.stderr.trim()}`);
  return r.stdout.split("\n")[0].trim();
}

/**
 * The kernel.json `deno jupyter --install` writes (argv `deno jupyter --kernel
 * --conn {connection_file}`), written by us instead because `deno jupyter
 * --install` always writes to the user's ~/.local/share/jupyter (it ignores
 * JUPYTER_DATA_DIR). NO_COLOR: Deno colors a cell's last value with ANSI codes
 * otherwise, which show up raw in pages. The kernel finds the repository's
 * deno.json from the notebook's folder upward (it lets Deno load the
 * self-linked CommonJS build; see deno.json).
 */
function denoKernelSpec(denoPath, displayName, metadata) {
  return {
    argv: [denoPath, "jupyter", "--kernel", "--conn", "{connection_file}"],
    display_name: displayName,
    language: "typescript",
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    metadata,
  };
}

/** Writes out/jupyter/kernels/deno-einconv/kernel.json for this checkout's Deno. */
function writeDenoKernelSpec() {
  const spec = denoKernelSpec(denoBinary(), "TypeScript (Deno, einconv)", { einconv: { root: ROOT } });
  return writeSpecFile(DENO_KERNEL_NAME, spec);
}

function writeSpecFile(name, spec) {
  const dir = path.join(JUPYTER_DATA_DIR, "kernels", name);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "kernel.json");
  const text = JSON.stringify(spec, null, 2) + "\n";
  // Rewrite only on change: a concurrent jupyter may be reading it. Write-then-rename keeps it whole.
  if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text) {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  }
  return file;
}

/** `jupyter nbconvert` availability, with versions for the log. */
function detectJupyter() {
  const env = jupyterEnv();
  const nbconvert = probe("jupyter", ["nbconvert", "--version"], { env });
  if (!nbconvert.ok) return { available: false, reason: (nbconvert.stderr || "jupyter not found on PATH").trim().split("\n").pop() };
  return { available: true, nbconvertVersion: nbconvert.stdout.trim() };
}

function isRoot() {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/** Installs Jupyter with apt when running as root; returns whether it tried. */
function installJupyterWithApt() {
  if (!isRoot() || !probe("apt-get", ["--version"]).ok) return false;
  log(`installing Jupyter: ${APT_COMMAND}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  run("apt-get", ["update"], { env });
  run("apt-get", ["install", "-y", "--no-install-recommends", ...APT_PACKAGES], { env });
  return true;
}

/**
 * Installs Debian's chromium with apt when it is missing and we are root (like
 * Jupyter); otherwise says what to run. Returns whether chromium is there.
 */
function ensureChromium({ install = true } = {}) {
  if (fs.existsSync(CHROMIUM_PATH)) return true;
  if (install && isRoot() && probe("apt-get", ["--version"]).ok) {
    log(`installing Chromium for the browser check: ${CHROMIUM_APT_COMMAND}`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    try {
      run("apt-get", ["update"], { env });
      run("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], { env });
    } catch (err) {
      log(`apt-get could not install Chromium: ${err.message}`);
    }
    if (fs.existsSync(CHROMIUM_PATH)) return true;
  }
  const how = isRoot() ? CHROMIUM_APT_COMMAND : `sudo sh -c '${CHROMIUM_APT_COMMAND}'`;
  log(`Chromium is not installed at ${CHROMIUM_PATH}: pages are written but not checked in a browser. Install it with:\n  ${how}`);
  return false;
}

/** Whether `jupyter kernelspec list` (jupyter-client) sees our spec `name`; undefined if that CLI is missing. */
function kernelSpecVisible(name = KERNEL_NAME) {
  const listed = probe("jupyter", ["kernelspec", "list", "--json"], { env: jupyterEnv() });
  if (!listed.ok) return undefined;
  try {
    const dir = (JSON.parse(listed.stdout).kernelspecs || {})[name];
    const expected = path.join(JUPYTER_DATA_DIR, "kernels", name);
    return dir !== undefined && fs.realpathSync(dir.resource_dir) === fs.realpathSync(expected);
  } catch {
    return undefined;
  }
}

/** Warns when no DejaVu font exists: resvg then drops text from PNG charts (SVG is unaffected). */
function checkFonts() {
  const dirs = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts"];
  if (process.platform === "linux" && !dirs.some((d) => fs.existsSync(d))) {
    log("warning: no DejaVu fonts found; PNG charts will lack text (apt-get install fonts-dejavu-core)");
  }
}

/** Runs a script's async main: its number is the exit code; an error prints one line and exits 1. */
function runMain(main) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`[einconv] error: ${err && err.message ? err.message : err}\n`);
      process.exitCode = 1;
    },
  );
}

module.exports = {
  runMain,
  ROOT,
  JUPYTER_DATA_DIR,
  KERNEL_NAME,
  DENO_KERNEL_NAME,
  KERNELS,
  denoBinary,
  denoVersion,
  denoKernelSpec,
  writeDenoKernelSpec,
  APT_PACKAGES,
  APT_COMMAND,
  CHROMIUM_PATH,
  CHROMIUM_APT_COMMAND,
  ensureChromium,
  log,
  run,
  probe,
  ensureNodeModules,
  ensureBuilt,
  checkTslabVersion,
  linkEinconv,
  jupyterEnv,
  writeKernelSpec,
  detectJupyter,
  installJupyterWithApt,
  isRoot,
  kernelSpecVisible,
  checkFonts,
};
