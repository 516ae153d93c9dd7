/** The package loads the ways users load it: `require("einconv")` (tslab) and ESM `import`. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
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
