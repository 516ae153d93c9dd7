#!/usr/bin/env node
// npm run mutation [-- module ...]: StrykerJS over the modules below, one run per module, each
// with only the unit tests that exercise it (fast files, never the notebooks). Reports go to
// reports/mutation/<module>/ (gitignored); a summary of scores is printed at the end and written
// to reports/mutation/summary.json. Outside `npm test`: it takes a long time on a loaded machine.
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");

/** module name -> the files mutated and the test files (test/<name>.test.ts) run against each mutant. */
const MODULES = {
  geometry: { mutate: ["src/geometry.ts"], tests: ["geometry", "geometry_edges", "conv_layer", "conv_info", "conv_nhwc", "conv_padding", "views"] },
  // The same without conv_layer (4 s of its 8 s per mutant): a quicker geometry run.
  "geometry-quick": { mutate: ["src/geometry.ts"], tests: ["geometry", "geometry_edges", "conv_info", "conv_nhwc", "conv_padding", "views"] },
  parse: { mutate: ["src/parse.ts"], tests: ["parse", "affine_einsum", "errors", "validation", "einsum"] },
  plan: { mutate: ["src/plan.ts"], tests: ["einsum", "tensordot", "validation", "errors"] },
  validate: { mutate: ["src/validate.ts"], tests: ["validation", "errors", "views", "conv_padding", "conv_convolve", "tensordot"] },
  affine: { mutate: ["src/affine.ts"], tests: ["affine", "affine_edges", "affine_einsum", "affine_compile", "geometry"] },
  "conv-methods": {
    mutate: ["src/conv/submatrix.ts", "src/conv/strided.ts", "src/conv/tap_kernel.ts", "src/conv/convolve.ts", "src/conv/padding.ts"],
    tests: ["conv_convolve", "conv_padding", "conv_layer", "tap_kernel", "smallk"],
  },
  "conv-planning": {
    mutate: ["src/conv/auto.ts", "src/conv/info.ts", "src/conv/post_recipe.ts", "src/conv/nhwc.ts", "src/conv/pool.ts", "src/conv/layer.ts"],
    tests: ["conv_auto", "conv_info", "conv_nhwc", "pool", "conv_layer", "conv_convolve"],
  },
  "conv-fft": { mutate: ["src/conv/fft/*.ts"], tests: ["fftconv", "conv_convolve", "conv_auto"] },
};

const args = process.argv.slice(2);
const names = args.length > 0 ? args : Object.keys(MODULES);
for (const n of names) if (!(n in MODULES)) throw new Error(`unknown module "${n}"; known: ${Object.keys(MODULES).join(", ")}`);

const base = JSON.parse(fs.readFileSync(path.join(root, "stryker.conf.json"), "utf8"));
const outDir = path.join(root, "reports", "mutation");
fs.mkdirSync(outDir, { recursive: true });
const summaryFile = path.join(outDir, "summary.json");
const summary = fs.existsSync(summaryFile) ? JSON.parse(fs.readFileSync(summaryFile, "utf8")) : {};

for (const name of names) {
  const m = MODULES[name];
  const dir = path.join(outDir, name);
  fs.mkdirSync(dir, { recursive: true });
  const conf = {
    ...base,
    mutate: m.mutate,
    jsonReporter: { fileName: path.relative(root, path.join(dir, "mutation.json")) },
    htmlReporter: { fileName: path.relative(root, path.join(dir, "index.html")) },
    tempDirName: `.stryker-tmp/${name}`,
  };
  delete conf.$schema;
  delete conf._comment;
  const confFile = path.join(dir, "stryker.conf.json");
  fs.writeFileSync(confFile, JSON.stringify(conf, null, 2));
  console.log(`[mutation] ${name}: mutating ${m.mutate.join(" ")}; tests ${m.tests.join(" ")}`);
  const r = spawnSync(process.execPath, [path.join(root, "node_modules", "@stryker-mutator", "core", "bin", "stryker.js"), "run", confFile], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, EINCONV_MUTATION_TESTS: m.tests.join(",") },
  });
  if (r.status !== 0) {
    console.error(`[mutation] ${name}: stryker exited ${r.status}`);
    continue;
  }
  // Re-read before writing: another `npm run mutation -- <module>` may have finished meanwhile.
  const latest = fs.existsSync(summaryFile) ? JSON.parse(fs.readFileSync(summaryFile, "utf8")) : {};
  Object.assign(summary, latest, { [name]: { ...scoreOf(JSON.parse(fs.readFileSync(path.join(dir, "mutation.json"), "utf8"))), date: new Date().toISOString() } });
  fs.writeFileSync(summaryFile, JSON.stringify(summary, null, 2));
}

console.log("\n[mutation] score per module ((killed + timeout) / valid mutants):");
for (const [name, s] of Object.entries(summary)) {
  console.log(`  ${name.padEnd(14)} ${s.score.toFixed(1).padStart(5)}%  killed ${s.killed}, timeout ${s.timeout}, survived ${s.survived}, no coverage ${s.noCoverage}, errors ${s.errors}  (${s.date})`);
}

/** Stryker's mutation score: (killed + timed out) / (killed + timed out + survived + no coverage), per file summed. */
function scoreOf(report) {
  const c = { killed: 0, timeout: 0, survived: 0, noCoverage: 0, errors: 0, perFile: {} };
  for (const [file, f] of Object.entries(report.files)) {
    const pf = { killed: 0, survived: 0, total: 0 };
    for (const mu of f.mutants) {
      if (mu.status === "Killed") c.killed++, pf.killed++;
      else if (mu.status === "Timeout") c.timeout++, pf.killed++;
      else if (mu.status === "Survived") c.survived++, pf.survived++;
      else if (mu.status === "NoCoverage") c.noCoverage++, pf.survived++;
      else {
        c.errors++;
        continue;
      }
      pf.total++;
    }
    pf.score = pf.total === 0 ? 100 : (100 * pf.killed) / pf.total;
    c.perFile[file] = pf;
  }
  const valid = c.killed + c.timeout + c.survived + c.noCoverage;
  c.score = valid === 0 ? 100 : (100 * (c.killed + c.timeout)) / valid;
  return c;
}
