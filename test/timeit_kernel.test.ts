/**
 * timeit as a cell's last value on the real tslab kernel (started by jupyter_client through
 * test/kernel_driver.py, as in test/kernel_protocol.test.ts): tslab prints the value with
 * util.inspect, so the cell's stdout is the one summary line. Real clock, so only the
 * format and the counts are checked, never a time.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";

const ROOT = path.resolve(__dirname, "..", "..");
const PYTHON = "/usr/bin/python3";
const JUPYTER_DIR = path.join(ROOT, "out", "jupyter");

function skipReason(): string | undefined {
  if (!fs.existsSync(PYTHON)) return `${PYTHON} missing`;
  if (spawnSync(PYTHON, ["-c", "import jupyter_client"]).status !== 0) return "jupyter_client missing in /usr/bin/python3";
  if (!fs.existsSync(path.join(JUPYTER_DIR, "kernels", "tslab", "kernel.json"))) return "no kernel spec (run node scripts/reproduce.js --setup-only)";
  return undefined;
}

test("timeit on tslab: the cell's last value prints the summary line; the fields hold the numbers", { skip: skipReason() }, () => {
  const cells = [
    'import { einsum, randn } from "einconv";\nimport { timeit } from "einconv/notebook";\nconst a = randn([8, 8], { seed: 0 });',
    'const t = await timeit(() => einsum("ij,jk->ik", a, a), { repeat: 3, number: 20 });\nt',
    "console.log(t.times.length, t.number, t.median > 0, t.best <= t.median)",
  ];
  const result = spawnSync(PYTHON, [path.join(ROOT, "test", "kernel_driver.py"), "tslab", ROOT], {
    input: JSON.stringify(cells),
    encoding: "utf8",
    env: { ...process.env, JUPYTER_PATH: [JUPYTER_DIR, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter) },
    timeout: 120_000,
  });
  assert.equal(result.status, 0, `kernel driver failed:\n${result.stderr}`);
  const out = JSON.parse(result.stdout) as Array<{ status: string; outputs: Array<{ msg_type: string; content: { name?: string; text?: string } }> }>;
  const stdout = (i: number) => out[i].outputs.filter((o) => o.msg_type === "stream" && o.content.name === "stdout").map((o) => o.content.text).join("");
  out.forEach((c, i) => assert.equal(c.status, "ok", `cell ${i}: ${JSON.stringify(c.outputs)}`));
  assert.match(stdout(1), /^[\d.]+ (ns|µs|ms|s) ± [\d.]+ \1 per call \(median of 3 runs × 20 calls\)\n$/);
  assert.equal(stdout(2), "3 20 true true\n");
});
