#!/usr/bin/env node
"use strict";
/**
 * einconv CLI. `einconv kernel install [--deno] [--user|--prefix=DIR|--sys-prefix] [--name=NAME]`
 * (and `einconv calibrate`, below)
 * registers a Jupyter kernel for the current folder: by default it runs that folder's
 * tslab with this absolute node; with --deno, Deno's own kernel (`deno jupyter --kernel`,
 * the folder's npm `deno` package, else `deno` on PATH), which resolves `einconv`
 * through the folder's node_modules the same way. Jupyter starts kernels in the notebook's directory
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
const DEFAULT_DENO_NAME = "einconv-deno";
const APT_COMMAND = "sudo apt-get install -y --no-install-recommends jupyter-nbconvert jupyter-client python3-nbclient";
const NOTEBOOK_PEERS = ["tslab", "vega", "vega-lite", "@resvg/resvg-js"];
const USAGE = `usage: einconv kernel install [--deno] [--user | --prefix=DIR | --sys-prefix] [--name=NAME]
       einconv kernel list
       einconv calibrate [--budget=SECONDS] [--dry-run] [--quiet]   (fit auto's costs to this machine)
Registers a kernel that resolves einconv from the current folder (${process.cwd()}).
  --deno        Deno's Jupyter kernel instead of tslab (needs \`npm install deno\` there, or deno on PATH)
  --user        per-user Jupyter data dir (default)
  --prefix=DIR  DIR/share/jupyter/kernels/NAME (use with JUPYTER_PATH=DIR/share/jupyter)
  --sys-prefix  the Jupyter Python's sys.prefix
  --name=NAME   kernel name (default ${DEFAULT_NAME}, with --deno ${DEFAULT_DENO_NAME})`;

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

/**
 * The Deno binary for the folder: its npm `deno` package (the binary sits next to that
 * package's package.json; its bin.cjs wrapper would add a node process per kernel),
 * else a working `deno` on PATH. Throws naming the install command.
 */
function findDeno(folder) {
  let pkg;
  try {
    pkg = require.resolve("deno/package.json", { paths: [folder] });
  } catch {
    pkg = undefined;
  }
  if (pkg) {
    // deno's postinstall links the platform binary next to its package.json; if npm skipped
    // the script (npm 11 allowScripts), the binary is still in the @deno/<platform> package.
    const exe = process.platform === "win32" ? "deno.exe" : "deno";
    const scope = path.join(path.dirname(path.dirname(pkg)), "@deno");
    const platforms = fs.existsSync(scope) ? fs.readdirSync(scope).map((d) => path.join(scope, d, exe)) : [];
    const bin = [path.join(path.dirname(pkg), exe), ...platforms].find((f) => fs.existsSync(f) && probe(f, ["--version"]).ok);
    if (bin) return bin;
  }
  const onPath = probe("deno", ["eval", "console.log(Deno.execPath())"]);
  if (onPath.ok && onPath.stdout.trim()) return onPath.stdout.trim();
  const self = readEinconvPackage(folder);
  const version = (self && self.devDependencies && self.devDependencies.deno) || "latest";
  throw new CliError(
    `Deno was not found${pkg ? ` (${path.dirname(pkg)} has no working binary)` : ` in ${folder}/node_modules or on PATH`}. Install it there:\n  npm install deno@${version}`,
  );
}

function readEinconvPackage(folder) {
  try {
    return JSON.parse(fs.readFileSync(require.resolve("einconv/package.json", { paths: [folder] }), "utf8"));
  } catch {
    return JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8"));
  }
}

function parseFlags(args) {
  const flags = { target: "--user", prefix: undefined, name: undefined, deno: false };
  for (const a of args) {
    if (a === "--deno") flags.deno = true;
    else if (a === "--user" || a === "--sys-prefix") flags.target = a;
    else if (a.startsWith("--prefix=")) [flags.target, flags.prefix] = ["--prefix", path.resolve(a.slice(9))];
    else if (a.startsWith("--name=") && /^[A-Za-z0-9._-]+$/.test(a.slice(7))) flags.name = a.slice(7);
    else throw new CliError(`unknown option ${a}\n${USAGE}`);
  }
  flags.name = flags.name || (flags.deno ? DEFAULT_DENO_NAME : DEFAULT_NAME);
  return flags;
}

/** JUPYTER_PATH under which a --prefix install is visible to `jupyter kernelspec list`. */
function envFor(flags) {
  if (flags.target !== "--prefix") return process.env;
  const data = path.join(flags.prefix, "share", "jupyter");
  return { ...process.env, JUPYTER_PATH: [data, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter) };
}

/** kernel.json for the folder: tslab under this node, or `deno jupyter --kernel`. */
function kernelSpec(flags, folder) {
  if (flags.deno) {
    const deno = findDeno(folder);
    const spec = {
      // What `deno jupyter --install` writes; we write it ourselves because that command
      // always installs into the user's data dir (no --prefix/--sys-prefix).
      argv: [deno, "jupyter", "--kernel", "--conn", "{connection_file}"],
      display_name: `TypeScript (Deno, einconv, ${path.basename(folder)})`,
      language: "typescript",
      // Deno colors a cell's last value with ANSI codes otherwise, shown raw in saved notebooks.
      env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
      metadata: { einconv: { folder } },
    };
    return { spec, program: `deno  ${deno}` };
  }
  const tslab = findTslab(folder);
  const spec = {
    argv: [process.execPath, tslab, "kernel", "--config-path", "{connection_file}"],
    display_name: `TypeScript (einconv, ${path.basename(folder)})`,
    language: "typescript",
    metadata: { einconv: { folder } },
  };
  return { spec, program: `node  ${process.execPath}\n  tslab ${tslab}` };
}

/** Makes the installed kernel folder readable by everyone (0755 dirs, 0644 files): a shared prefix is read by other users. */
function makeReadable(dir) {
  fs.chmodSync(dir, 0o755);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) makeReadable(p);
    else fs.chmodSync(p, 0o644);
  }
}

function install(args) {
  const flags = parseFlags(args);
  const folder = process.cwd();
  const { spec, program } = kernelSpec(flags, folder);
  if (!fs.existsSync(path.join(folder, "node_modules", "einconv"))) {
    process.stderr.write(`warning: einconv is not installed in ${folder}/node_modules; notebooks will not find it\n`);
  }
  const jupyter = findJupyter();
  // mkdtemp makes a 0700 folder and `jupyter kernelspec install` copies its mode: open it up first.
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), "einconv-kernel-"));
  try {
    fs.writeFileSync(path.join(staging, "kernel.json"), JSON.stringify(spec, null, 2) + "\n");
    makeReadable(staging);
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
  makeReadable(found.resource_dir);
  process.stdout.write(`Installed kernel "${flags.name}" (${spec.display_name}) in ${found.resource_dir}\n  ${program}\n  einconv resolves for notebooks in ${folder} and below\n`);
  if (flags.target === "--prefix") process.stdout.write(`Use it with: JUPYTER_PATH=${path.join(flags.prefix, "share", "jupyter")} ${jupyter} ...\n`);
  process.stdout.write(`Open Jupyter here with: jupyter notebook   (Debian: apt-get install --no-install-recommends jupyter-notebook)\n`);
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
