/** The package loads the ways users load it: `require("einconv")` (tslab) and ESM `import`. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");

function node(args: string[]): string {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test("require('einconv') resolves to this checkout", () => {
  const out = node(["-e", 'const e = require("einconv"); console.log(JSON.stringify(e.toNested(e.einsum("ij,jk->ik", e.fromNested([[1, 2]]), e.fromNested([[3], [4]])))))']);
  assert.equal(out, "[[11]]");
});

test("ESM import { einsum } from 'einconv' works", () => {
  const out = node(["--input-type=module", "-e", 'import { einsum, fromNested, toNested, convolve, Conv2D } from "einconv"; console.log(JSON.stringify(toNested(einsum("ii", fromNested([[1, 2], [3, 4]])))), typeof convolve, typeof Conv2D)']);
  assert.equal(out, "5 function function");
});

test("require('einconv') loads none of the notebook stack (tslab, vega, vega-lite, resvg)", () => {
  const out = node(["-e", 'require("einconv"); console.log(JSON.stringify(Object.keys(require.cache).filter((k) => /node_modules[\\\\/](tslab|vega|vega-lite|@resvg)[\\\\/]/.test(k))))']);
  assert.deepEqual(JSON.parse(out), []);
});

test("einconv/notebook and einconv/internals resolve; the root exports no internals", () => {
  const out = node(["-e", 'const r = require("einconv"), n = require("einconv/notebook"), i = require("einconv/internals"); console.log(JSON.stringify([typeof n.show, typeof i.emitLoops, ["scatterTaps", "emitLoops", "postRecipeInputGrad", "SPILL_CACHE_BYTES", "show"].filter((k) => k in r)]))']);
  assert.deepEqual(JSON.parse(out), ["function", "function", []]);
});

test("einconv kernel install in a folder without tslab exits 1 and names the npm command", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "einconv-nokernel-"));
  try {
    const r = spawnSync(process.execPath, [path.join(ROOT, "bin", "einconv.js"), "kernel", "install", `--prefix=${dir}/p`], { cwd: dir, encoding: "utf8" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /tslab is not installed in .*\n\s+npm install tslab@1\.0\.22 vega@5\.33\.1 vega-lite@5\.23\.0 @resvg\/resvg-js@2\.6\.2/);
    assert.equal(fs.existsSync(path.join(dir, "p")), false, "nothing installed");
    const bad = spawnSync(process.execPath, [path.join(ROOT, "bin", "einconv.js"), "kernel", "install", "--bogus"], { cwd: dir, encoding: "utf8" });
    assert.equal(bad.status, 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
