#!/usr/bin/env node
// Makes a fresh checkout runnable: installs npm dependencies when missing, links the
// package to itself (so notebooks and examples can `require("einconv")`), then
// compiles TypeScript. Fails with tsc's errors if the code does not type-check.
"use strict";
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: "inherit" });

if (!fs.existsSync(path.join(root, "node_modules", "ohm-js"))) {
  console.log("[einconv] installing npm dependencies (npm ci)…");
  run("npm", ["ci", "--no-audit", "--no-fund"]);
}

// node_modules/einconv -> .. lets `require("einconv")` resolve to this checkout from anywhere in it.
const self = path.join(root, "node_modules", "einconv");
try {
  fs.lstatSync(self);
} catch {
  fs.symlinkSync("..", self, "dir");
}

// tsc never deletes outputs: drop everything it emitted, so a removed or moved file cannot
// linger in dist/ (a stale dist/src/conv/fft.js would shadow dist/src/conv/fft/index.js).
for (const dir of ["src", "test", "bench"]) fs.rmSync(path.join(root, "dist", dir), { recursive: true, force: true });
run(process.execPath, [path.join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"]);
