#!/usr/bin/env node
// npm run coverage [-- --all | test-name ...]: line and branch coverage of src/ per module, with
// Node 20's built-in test coverage (--experimental-test-coverage, lcov reporter; dist/ carries
// source maps, so figures are per src/*.ts file). Default: every dist/test file except the slow
// end-to-end ones (notebooks, browser, reproduce, package install, kernel protocol); `--all` runs
// everything `npm test` runs. Writes out/coverage/lcov.info and out/coverage/summary.json
// (out/ is untracked); a module no test loads is listed at 0%.
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const SLOW = new Set(["notebooks", "browser", "reproduce", "package_install", "package", "kernel_protocol"]);
const args = process.argv.slice(2);
const all = args.includes("--all");
const named = args.filter((a) => !a.startsWith("--"));
const testDir = path.join(root, "dist", "test");
if (!fs.existsSync(testDir)) throw new Error("dist/test missing: run `npm run build` first");
const tests = fs
  .readdirSync(testDir)
  .filter((f) => f.endsWith(".test.js"))
  .map((f) => f.replace(/\.test\.js$/, ""))
  .filter((t) => (named.length ? named.includes(t) : all || !SLOW.has(t)))
  .sort();
const outDir = path.join(root, "out", "coverage");
let plainDir; // set by plainCopy()
fs.mkdirSync(outDir, { recursive: true });
const lcov = path.join(outDir, "lcov.info");
console.log(`[coverage] ${tests.length} test files${all ? " (all)" : named.length ? "" : " (slow end-to-end files left out; --all runs them)"}`);
// Node 20's lcov reporter records nothing when one run has several files: one run per file,
// the records merged below.
let status = 0;
const parts = [];
for (const t of tests) {
  const part = path.join(outDir, `${t}.info`);
  fs.rmSync(part, { force: true });
  let r = coverRun(testDir, t, part);
  // Node 20's coverage sometimes fails to map a file through its source map ("Could not report
  // code coverage … reading 'line'"): then the file is rerun on a copy of dist/ without source
  // maps, and the JS lines of dist/src/<m>.js stand for src/<m>.ts (same statements, other numbering).
  if (!fs.existsSync(part) || !fs.readFileSync(part, "utf8").includes("SF:")) {
    const plainTest = plainCopy();
    r = coverRun(plainTest, t, part);
    if (fs.existsSync(part)) fs.writeFileSync(part, fs.readFileSync(part, "utf8").replace(/^SF:(?:.*\/)?dist\/(src\/.*)\.js$/gm, "SF:$1.ts"));
  }
  const failed = r.status !== 0;
  if (failed) status = r.status ?? 1;
  process.stdout.write(`[coverage] ${t}: ${failed ? `FAILED (exit ${r.status})\n${r.stdout}` : "ok"}\n`);
  if (fs.existsSync(part)) parts.push(fs.readFileSync(part, "utf8"));
  fs.rmSync(part, { force: true });
}
fs.writeFileSync(lcov, parts.join("\n"));
const run = { status };

function coverRun(dir, t, part) {
  return spawnSync(process.execPath, ["--test", "--experimental-test-coverage", "--test-reporter=dot", "--test-reporter-destination=stdout", "--test-reporter=lcov", `--test-reporter-destination=${part}`, path.join(dir, `${t}.test.js`)], { cwd: root, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
}

/** out/coverage/plain: dist/ without sourceMappingURL comments, beside links to the checkout's other folders. */
function plainCopy() {
  if (plainDir) return path.join(plainDir, "dist", "test");
  plainDir = path.join(outDir, "plain");
  fs.rmSync(plainDir, { recursive: true, force: true });
  fs.mkdirSync(plainDir, { recursive: true });
  for (const e of fs.readdirSync(root)) if (!["dist", "out", ".git", ".stryker-tmp", "reports"].includes(e)) fs.symlinkSync(path.join(root, e), path.join(plainDir, e));
  fs.cpSync(path.join(root, "dist"), path.join(plainDir, "dist"), { recursive: true, filter: (f) => !f.endsWith(".map") });
  (function strip(dir) {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const f = path.join(dir, e.name);
      if (e.isDirectory()) strip(f);
      else if (e.name.endsWith(".js")) fs.writeFileSync(f, fs.readFileSync(f, "utf8").replace(/^\/\/# sourceMappingURL=.*$/m, ""));
    }
  })(path.join(plainDir, "dist"));
  return path.join(plainDir, "dist", "test");
}

/** lcov records -> { file: { lines: [hit, found], branches: [hit, found] } } (the same file merged across test processes). */
function parseLcov(text) {
  const files = {};
  let cur;
  for (const line of text.split("\n")) {
    if (line.startsWith("SF:")) {
      const f = line.slice(3);
      cur = files[f] ??= { lines: new Map(), branches: new Map() };
    } else if (line.startsWith("DA:") && cur) {
      const [ln, hits] = line.slice(3).split(",").map(Number);
      cur.lines.set(ln, (cur.lines.get(ln) ?? 0) + hits);
    } else if (line.startsWith("BRDA:") && cur) {
      const [ln, block, branch, taken] = line.slice(5).split(",");
      const key = `${ln},${block},${branch}`;
      cur.branches.set(key, (cur.branches.get(key) ?? 0) + (taken === "-" ? 0 : Number(taken)));
    }
  }
  return files;
}

const files = parseLcov(fs.readFileSync(lcov, "utf8"));
const srcFiles = [];
(function walk(dir) {
  for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) walk(rel);
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) srcFiles.push(rel);
  }
})("src");
const pct = (hit, found) => (found === 0 ? 100 : (100 * hit) / found);
const summary = {};
let tl = [0, 0], tb = [0, 0];
for (const f of srcFiles.sort()) {
  const rec = files[f] ?? files[path.join(root, f)];
  const lines = rec ? [[...rec.lines.values()].filter((h) => h > 0).length, rec.lines.size] : [0, NaN];
  const branches = rec ? [[...rec.branches.values()].filter((h) => h > 0).length, rec.branches.size] : [0, NaN];
  summary[f] = { lines: rec ? pct(...lines) : 0, branches: rec ? pct(...branches) : 0, loaded: Boolean(rec) };
  if (rec) {
    tl = [tl[0] + lines[0], tl[1] + lines[1]];
    tb = [tb[0] + branches[0], tb[1] + branches[1]];
  }
}
console.log("\nsrc module                                   lines %  branches %");
for (const [f, s] of Object.entries(summary)) {
  console.log(`${f.padEnd(44)} ${s.loaded ? s.lines.toFixed(1).padStart(7) : "   not loaded"}  ${s.loaded ? s.branches.toFixed(1).padStart(9) : ""}`);
}
console.log(`${"all loaded modules".padEnd(44)} ${pct(...tl).toFixed(1).padStart(7)}  ${pct(...tb).toFixed(1).padStart(9)}`);
fs.writeFileSync(path.join(outDir, "summary.json"), JSON.stringify({ tests, modules: summary, total: { lines: pct(...tl), branches: pct(...tb) } }, null, 2));
process.exit(run.status ?? 1);
