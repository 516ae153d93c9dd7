/**
 * The packed tarball, installed the way a user installs it, in a fresh folder:
 * a consumer `tsc --strict` type-checks against it with no extra installs, and
 * `npx einconv kernel install --prefix` registers a kernel under which a notebook
 * in that folder runs with nbconvert and shows an array and a drawn chart.
 * One `npm pack` + `npm install` is shared by both.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, SpawnSyncOptions } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { requireTool } from "./skip";
import { check, svgChartFailures } from "./browser_check";

const ROOT = path.resolve(__dirname, "..", "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { peerDependencies: Record<string, string> };
const JUPYTER = "/usr/bin/jupyter";
let dir = "";

function run(cmd: string, args: string[], options: SpawnSyncOptions = {}): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { cwd: dir, encoding: "utf8", timeout: 300_000, ...options });
  return { status: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? r.error.message : ""}` };
}

function ok(cmd: string, args: string[], options: SpawnSyncOptions = {}): string {
  const r = run(cmd, args, options);
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")}:\n${r.out}`);
  return r.out;
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "einconv-user-"));
  const packed = ok("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: ROOT }).trim().split("\n").pop()!;
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "my-notebooks", private: true }) + "\n");
  const peers = Object.entries(pkg.peerDependencies).map(([n, v]) => `${n}@${v}`);
  ok("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", path.join(dir, packed), ...peers]);
});

after(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test("consumer tsc --strict type-checks against the installed tarball; misuse fails with TS2322/TS2345", () => {
  const consumer = path.join(dir, "consumer");
  fs.mkdirSync(consumer);
  fs.writeFileSync(path.join(consumer, "tsconfig.json"), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, module: "commonjs", moduleResolution: "node", target: "ES2022", esModuleInterop: true, types: [] },
    files: ["good.ts"],
  }));
  fs.writeFileSync(path.join(consumer, "good.ts"), [
    'import { einsum, fromNested, type Tensor } from "einconv";',
    'import { formatArray } from "einconv/notebook";',
    'import { emitLoops } from "einconv/internals";',
    'const c: Tensor = einsum("ij,jk->ik", fromNested([[1, 2]]), fromNested([[3], [4]]));',
    "const n: number = c.shape[0];",
    "export const text: string = formatArray(c) + String(n) + typeof emitLoops;",
    "",
  ].join("\n"));
  const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
  ok(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: consumer });
  // Tensor is not `any`: assigning a tensor to a string must fail.
  fs.writeFileSync(path.join(consumer, "bad.ts"), 'import { zeros } from "einconv";\nexport const s: string = zeros([2]);\nexport const t = zeros("2");\n');
  fs.writeFileSync(path.join(consumer, "tsconfig.bad.json"), JSON.stringify({ extends: "./tsconfig.json", files: ["bad.ts"] }));
  const bad = run(process.execPath, [tsc, "-p", "tsconfig.bad.json"], { cwd: consumer });
  assert.notEqual(bad.status, 0);
  assert.match(bad.out, /bad\.ts\(2,\d+\): error TS2322/);
  assert.match(bad.out, /bad\.ts\(3,\d+\): error TS2345/);
});

test("own folder: npx einconv kernel install --prefix, then nbconvert runs a notebook there", { skip: requireTool("Jupyter nbconvert", () => (fs.existsSync(JUPYTER) ? undefined : `no ${JUPYTER}`), "apt-get update && apt-get install -y --no-install-recommends jupyter-nbconvert jupyter-client python3-nbclient fonts-dejavu-core; node scripts/reproduce.js --setup-only") }, () => {
  const prefix = path.join(dir, "jupyter-prefix");
  const installed = ok("npx", ["--no-install", "einconv", "kernel", "install", `--prefix=${prefix}`]);
  assert.match(installed, /Installed kernel "einconv"/);
  const kernel = JSON.parse(fs.readFileSync(path.join(prefix, "share", "jupyter", "kernels", "einconv", "kernel.json"), "utf8")) as { argv: string[] };
  assert.equal(kernel.argv[0], process.execPath);
  assert.equal(fs.realpathSync(kernel.argv[1]), fs.realpathSync(path.join(dir, "node_modules", "tslab", "bin", "tslab")));

  const cells = [
    'import { fromNested, type Tensor } from "einconv";\nimport { show, imshow } from "einconv/notebook";\nconst a: Tensor = fromNested([[1, 2], [3, 4]]);\nshow(a);',
    "await imshow(a);",
    // Types survive inside the kernel: this cell must fail to type-check.
    'const wrong: string = a;',
  ];
  const nb = {
    cells: cells.map((source, i) => ({ cell_type: "code", id: `c${i}`, metadata: {}, source, execution_count: null, outputs: [] })),
    metadata: { kernelspec: { name: "einconv", display_name: "einconv", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  fs.writeFileSync(path.join(dir, "mine.ipynb"), JSON.stringify(nb));
  const env = { ...process.env, JUPYTER_PATH: path.join(prefix, "share", "jupyter"), PYDEVD_DISABLE_FILE_VALIDATION: "1" };
  ok(JUPYTER, ["nbconvert", "--to", "notebook", "--execute", "--allow-errors", "--ExecutePreprocessor.timeout=120", "--output", "mine.out.ipynb", "mine.ipynb"], { env });
  type Output = { output_type: string; data?: Record<string, string | string[]>; text?: string | string[]; evalue?: string; traceback?: string[] };
  const executed = JSON.parse(fs.readFileSync(path.join(dir, "mine.out.ipynb"), "utf8")) as { cells: Array<{ outputs: Output[] }> };
  const text = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join("") : (v ?? ""));
  const [shown, chart, wrong] = executed.cells.map((c) => c.outputs);
  assert.ok(shown.some((o) => /array\(\[\[1\., 2\.\],\s*\[3\., 4\.\]\]\)/.test(text(o.data?.["text/plain"]) + text(o.text))), JSON.stringify(shown));
  const svg = chart.map((o) => text(o.data?.["image/svg+xml"])).find((s) => s.includes("<svg"));
  assert.ok(svg, JSON.stringify(chart).slice(0, 500));
  // The 2×2 imshow shows its data: 4 cells with differing fills and 4 labels (axes and title do not count).
  const spec = chart.map((o) => o.data?.["application/vnd.vegalite.v5+json"]).find((s) => s !== undefined);
  assert.deepEqual(svgChartFailures(spec, svg), []);
  assert.deepEqual(check.svgDataMarks(svg).marks, { rect: 4, text: 4 });
  // tslab reports type errors on stderr and runs nothing: the message names the real type.
  const reported = wrong.map((o) => `${o.evalue ?? ""} ${text(o.traceback)} ${text(o.text)}`).join("\n");
  assert.match(reported, /Type 'Tensor' is not assignable to type 'string'/);
});
