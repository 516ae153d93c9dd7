#!/usr/bin/env node
// The command StrykerJS's command runner runs for every mutant (stryker.conf.json).
// Stryker instruments all mutants into the sandbox's sources at once and picks the active one
// through the __STRYKER_ACTIVE_MUTANT__ environment variable, so the compiled output is the same
// for every mutant: build it once per sandbox (the dist/ marker; dist/ is never copied into a
// sandbox, see ignorePatterns), then run only the unit test files the module's entry in
// scripts/mutation.js lists (EINCONV_MUTATION_TESTS). Exit code 0 = mutant survived.
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const marker = path.join(root, "dist", ".mutation-built");
if (!fs.existsSync(marker)) {
  // Stryker adds `// @ts-nocheck` to mutated files, so tsc emits them; a real type error elsewhere
  // still stops here (the marker is written only when tsc exits 0).
  const tsc = spawnSync(process.execPath, [path.join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], {
    cwd: root,
    stdio: "inherit",
  });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
  fs.writeFileSync(marker, "built by scripts/mutation-command.js\n");
}

const tests = (process.env.EINCONV_MUTATION_TESTS ?? "").split(",").filter((t) => t.length > 0);
if (tests.length === 0) {
  console.error("EINCONV_MUTATION_TESTS is empty: run through `npm run mutation` (scripts/mutation.js)");
  process.exit(2);
}
const files = tests.map((t) => path.join(root, "dist", "test", `${t}.test.js`));
const run = spawnSync(process.execPath, ["--test", "--test-concurrency=1", "--test-reporter=dot", ...files], {
  cwd: root,
  stdio: "inherit",
});
process.exit(run.status ?? 1);
