#!/usr/bin/env node
"use strict";
/**
 * einconv CLI. `einconv kernel install [--user|--prefix=DIR|--sys-prefix] [--name=NAME]`
 * (and `einconv calibrate`, below) registers a tslab Jupyter kernel for the current folder: it runs that folder's
 * tslab with this absolute node. Jupyter starts kernels in the notebook's directory
 * and tslab resolves imports (runtime and types) by node resolution from there, so
 * `import ... from "einconv"` works for notebooks in the folder or below it. (NODE_PATH
 * is not set: it would fix runtime `require` but not tslab's type checker.)
 * Exits non-zero, naming the missing piece and the command that installs it,
 * whenever it could not install a visible kernel spec.
 *
 * Plain CommonJS with no dependencies: it must run before anything else works.
 */
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const DEFAULT_NAME = "einconv";
const APT_COMMAND = "sudo apt-get install -y --no-install-recommends jupyter-nbconvert jupyter-client python3-nbclient";
const NOTEBOOK_PEERS = ["tslab", "vega", "vega-lite", "@resvg/resvg-js"];
const USAGE = `usage: einconv kernel install [--user | --prefix=DIR | --sys-prefix] [--name=NAME]
       einconv kernel list
       einconv calibrate [--budget=SECONDS] [--dry-run] [--quiet]   (fit auto's costs to this machine)
Registers a tslab kernel that resolves einconv from the current folder (${process.cwd()}).
  --user        per-user Jupyter data dir (default)
  --prefix=DIR  DIR/share/jupyter/kernels/NAME (use with JUPYTER_PATH=DIR/share/jupyter)
  --sys-prefix  the Jupyter Python's sys.prefix
  --name=NAME   kernel name (default ${DEFAULT_NAME})`;

class CliError extends Error {}

function probe(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { encoding: "utf8", env });
  return { ok: !r.error && r.status === 0, stdout: r.stdout || "", stderr: (r.stderr || (r.error && r.error.message) || "").trim() };
}

/**
 * A working `jupyter`: Debian's /usr/bin/jupyter first (its Python is /usr/bin/python3,
 * which a pyenv/conda python3 earlier on PATH would hide), then `jupyter` on PATH.
 * "Working" means `jupyter kernelspec --version` succeeds: a pyenv shim exists but fails.
 */
function findJupyter() {
  const tried = [];
  for (const cmd of ["/usr/bin/jupyter", "jupyter"]) {
    if (cmd.startsWith("/") && !fs.existsSync(cmd)) continue;
    const r = probe(cmd, ["kernelspec", "--version"]);
    if (r.ok) return cmd;
    tried.push(`${cmd}: ${r.stderr.split("\n").pop() || "failed"}`);
  }
  throw new CliError(
    `Jupyter (with jupyter-client's \`jupyter kernelspec\`) was not found${tried.length ? ` (${tried.join("; ")})` : ""}.\n` +
      `Install it, e.g. on Debian/Ubuntu:\n  ${APT_COMMAND}\nor in your Python: python3 -m pip install jupyter-client nbconvert nbclient`,
  );
}

/** The folder's tslab entry script; throws naming the npm command when tslab is not installed there. */
function findTslab(folder) {
  let pkg;
  try {
    pkg = require.resolve("tslab/package.json", { paths: [folder] });
  } catch {
    const self = readEinconvPackage(folder);
    const peers = NOTEBOOK_PEERS.map((n) => `${n}@${(self && self.peerDependencies && self.peerDependencies[n]) || "latest"}`);
    throw new CliError(`tslab is not installed in ${folder}. Install the notebook stack there:\n  npm install ${peers.join(" ")}`);
  }
  const bin = path.join(path.dirname(pkg), "bin", "tslab");
  if (!fs.existsSync(bin)) throw new CliError(`${bin} is missing; reinstall tslab (npm install tslab)`);
  return bin;
}

function readEinconvPackage(folder) {
  try {
    return JSON.parse(fs.readFileSync(require.resolve("einconv/package.json", { paths: [folder] }), "utf8"));
  } catch {
    return JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8"));
  }
}

function parseFlags(args) {
  const flags = { target: "--user", prefix: undefined, name: DEFAULT_NAME };
  for (const a of args) {
    if (a === "--user" || a === "--sys-prefix") flags.target = a;
    else if (a.startsWith("--prefix=")) [flags.target, flags.prefix] = ["--prefix", path.resolve(a.slice(9))];
    else if (a.startsWith("--name=") && /^[A-Za-z0-9._-]+$/.test(a.slice(7))) flags.name = a.slice(7);
    else throw new CliError(`unknown option ${a}\n${USAGE}`);
  }
  return flags;
}

/** JUPYTER_PATH under which a --prefix install is visible to `jupyter kernelspec list`. */
function envFor(flags) {
  if (flags.target !== "--prefix") return process.env;
  const data = path.join(flags.prefix, "share", "jupyter");
  return { ...process.env, JUPYTER_PATH: [data, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter) };
}

function install(args) {
  const flags = parseFlags(args);
  const folder = process.cwd();
  const tslab = findTslab(folder);
  if (!fs.existsSync(path.join(folder, "node_modules", "einconv"))) {
    process.stderr.write(`warning: einconv is not installed in ${folder}/node_modules; notebooks will not find it\n`);
  }
  const jupyter = findJupyter();
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), "einconv-kernel-"));
  try {
    const spec = {
      argv: [process.execPath, tslab, "kernel", "--config-path", "{connection_file}"],
      display_name: `TypeScript (einconv, ${path.basename(folder)})`,
      language: "typescript",
      metadata: { einconv: { folder } },
    };
    fs.writeFileSync(path.join(staging, "kernel.json"), JSON.stringify(spec, null, 2) + "\n");
    const where = flags.target === "--prefix" ? [`--prefix=${flags.prefix}`] : [flags.target];
    const r = spawnSync(jupyter, ["kernelspec", "install", staging, `--name=${flags.name}`, ...where], { encoding: "utf8" });
    if (r.status !== 0) throw new CliError(`${jupyter} kernelspec install failed:\n${(r.stderr || "").trim()}`);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  // Never report success for a spec Jupyter cannot see.
  const listed = probe(jupyter, ["kernelspec", "list", "--json"], envFor(flags));
  const found = listed.ok && (JSON.parse(listed.stdout).kernelspecs || {})[flags.name];
  if (!found) throw new CliError(`installed, but ${jupyter} kernelspec list does not show "${flags.name}"`);
  process.stdout.write(`Installed kernel "${flags.name}" in ${found.resource_dir}\n  node  ${process.execPath}\n  tslab ${tslab}\n  einconv resolves for notebooks in ${folder} and below\n`);
  if (flags.target === "--prefix") process.stdout.write(`Use it with: JUPYTER_PATH=${path.join(flags.prefix, "share", "jupyter")} ${jupyter} ...\n`);
}

function list() {
  const jupyter = findJupyter();
  const r = spawnSync(jupyter, ["kernelspec", "list"], { stdio: "inherit" });
  if (r.status !== 0) throw new CliError(`${jupyter} kernelspec list failed`);
}

/**
 * `einconv calibrate [--budget=SECONDS] [--dry-run] [--quiet]`: refits auto's cost constants
 * and the thread cut-overs on this machine (src/conv/calibrate.ts, compiled to dist/src) and
 * writes them to $XDG_CACHE_HOME/einconv/conv-costs.json (default ~/.cache/einconv/).
 */
function calibrateCommand(args) {
  const usage = "usage: einconv calibrate [--budget=SECONDS (default 60)] [--dry-run] [--quiet]";
  const opts = { budgetMs: 60000, write: true };
  for (const a of args) {
    if (a.startsWith("--budget=") && Number(a.slice(9)) > 0) opts.budgetMs = Number(a.slice(9)) * 1000;
    else if (a === "--dry-run") opts.write = false;
    else if (a === "--quiet") opts.progress = false;
    else throw new CliError(`unknown option ${a}\n${usage}`);
  }
  let lib;
  try {
    lib = require(path.join(__dirname, "..", "dist", "src", "conv", "calibrate.js"));
  } catch (e) {
    throw new CliError(`einconv is not built (${e.message}); run npm run build in ${path.join(__dirname, "..")}`);
  }
  try {
    process.stdout.write(lib.formatCalibration(lib.calibrate(opts)) + "\n");
  } catch (e) {
    if (e && (e.name === "EinsumError" || e.name === "ConvError")) throw new CliError(e.message); // einconv errors: a message, not a stack
    throw e;
  }
  process.exit(0); // the thread pools' workers would keep the process alive
}

function main(argv) {
  const [group, command, ...rest] = argv;
  if (group === undefined || group === "--help" || group === "-h" || command === "--help") {
    process.stdout.write(USAGE + "\n");
    return group === undefined ? 1 : 0;
  }
  if (group === "kernel" && command === "install") return install(rest), 0;
  if (group === "kernel" && command === "list") return list(), 0;
  if (group === "calibrate") return calibrateCommand(argv.slice(1)), 0;
  throw new CliError(`unknown command: ${argv.join(" ")}\n${USAGE}`);
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof CliError)) throw e;
  process.stderr.write(`einconv: ${e.message}\n`);
  process.exitCode = 1;
}
