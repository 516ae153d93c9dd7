/** `einconv kernel install --deno` failures that need no Jupyter run: missing Deno names the npm command; nothing is installed. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { devDependencies: Record<string, string> };

test("einconv kernel install --deno in a folder without Deno exits 1 and names the npm command", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "einconv-nodeno-"));
  try {
    // PATH without any deno (Debian's system dirs only), and a folder with no node_modules.
    const env = { ...process.env, PATH: "/usr/bin:/bin" };
    const r = spawnSync(process.execPath, [path.join(ROOT, "bin", "einconv.js"), "kernel", "install", "--deno", `--prefix=${dir}/p`], { cwd: dir, encoding: "utf8", env });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`Deno was not found in .*node_modules or on PATH\\. Install it there:\\n\\s+npm install deno@${pkg.devDependencies.deno.replace(/\./g, "\\.")}`));
    assert.equal(fs.existsSync(path.join(dir, "p")), false, "nothing installed");
    const help = spawnSync(process.execPath, [path.join(ROOT, "bin", "einconv.js"), "--help"], { cwd: dir, encoding: "utf8" });
    assert.match(help.stdout, /--deno {8}Deno's Jupyter kernel instead of tslab/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
