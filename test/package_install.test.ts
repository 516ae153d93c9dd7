/**
 * The packed tarball, installed the way a user installs it, in a fresh folder:
 * a consumer `tsc --strict` type-checks against it with no extra installs (also
 * with TypeScript's default target and lib, and with einconv alone, no vega),
 * and `npx einconv kernel install --prefix` (tslab) / `--deno --prefix` (Deno's
 * kernel) registers a kernel under which a notebook in that folder runs with
 * nbconvert and shows an array and a drawn chart. One `npm pack` + `npm install`
 * is shared by the tests of the full folder; the einconv-only folder is a second,
 * smaller install. Each own-folder command's time is printed (not asserted: the
 * machine is shared).
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
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const JUPYTER = "/usr/bin/jupyter";
let dir = "";
let tarball = "";

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
  tarball = path.join(dir, packed);
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "my-notebooks", private: true }) + "\n");
  const peers = Object.entries(pkg.peerDependencies).map(([n, v]) => `${n}@${v}`);
  // deno: the npm package of Deno's kernel, for the --deno test (what the README tells users to install).
  ok("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball, ...peers, `deno@${pkg.devDependencies.deno}`]);
});

/** Runs an own-folder command, prints how long it took, and returns its output. */
function timed(label: string, cmd: string, args: string[], options: SpawnSyncOptions = {}): string {
  const started = Date.now();
  const out = ok(cmd, args, options);
  process.stdout.write(`own-folder time, ${label}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return out;
}

/** Mode bits of a kernel folder and its kernel.json (0755 / 0644: a shared prefix is read by other users). */
function assertReadable(kernelDir: string): void {
  assert.equal((fs.statSync(kernelDir).mode & 0o777).toString(8), "755", kernelDir);
  assert.equal((fs.statSync(path.join(kernelDir, "kernel.json")).mode & 0o777).toString(8), "644");
}

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

test("types need no hidden settings: default target/lib, and einconv alone (no vega) for the pure notebook helpers", () => {
  const alone = path.join(dir, "alone");
  fs.mkdirSync(alone);
  fs.writeFileSync(path.join(alone, "package.json"), JSON.stringify({ name: "types-only", private: true }) + "\n");
  ok("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], { cwd: alone });
  assert.ok(!fs.existsSync(path.join(alone, "node_modules", "vega-lite")), "vega-lite must not come with einconv");
  // Only `strict`: TypeScript's default target (ES5 in 5.x) and its default lib, no `types`, no skipLibCheck.
  fs.writeFileSync(path.join(alone, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, noEmit: true }, files: ["pure.ts"] }));
  fs.writeFileSync(path.join(alone, "pure.ts"), [
    'import { einsum, fromNested, compile, type Tensor } from "einconv";',
    'import { formatArray, imshowSpec, plotConvSpec, benchHeatmapsSpec, arrayBundle, type ChartSpec } from "einconv/notebook";',
    'const a: Tensor = fromNested([[1, 2], [3, 4]]);',
    'const c: Tensor = einsum("ij,jk->ik", a, a);',
    'const spec: ChartSpec = imshowSpec(c);',
    'const panels: ChartSpec = plotConvSpec({ input: a, kernel: a, output: c });',
    // A row as benchmark() returns it: the point's own fields (n, f) beside the timing.
    'const row = { method: "m", n: 1, f: 1, median: 1, min: 1, mean: 1, repeats: 1 };',
    'const heat: ChartSpec = benchHeatmapsSpec([row], { x: "n", y: "f" });',
    'export const out: string = formatArray(c) + String(spec.$schema) + Object.keys(panels).length + Object.keys(heat).length + String(arrayBundle(c)["text/plain"]) + typeof compile;',
    "",
  ].join("\n"));
  const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
  ok(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: alone });
  // The same program under the full folder's settings-free tsconfig (vega installed there) too.
  fs.writeFileSync(path.join(dir, "pure.ts"), fs.readFileSync(path.join(alone, "pure.ts")));
  fs.writeFileSync(path.join(dir, "tsconfig.pure.json"), JSON.stringify({ compilerOptions: { strict: true, noEmit: true }, files: ["pure.ts"] }));
  ok(process.execPath, [tsc, "-p", "tsconfig.pure.json"], { cwd: dir });
});

test("own folder: npx einconv kernel install --prefix, then nbconvert runs a notebook there", { skip: requireTool("Jupyter nbconvert", () => (fs.existsSync(JUPYTER) ? undefined : `no ${JUPYTER}`), "apt-get update && apt-get install -y --no-install-recommends jupyter-nbconvert jupyter-client python3-nbclient fonts-dejavu-core; node scripts/reproduce.js --setup-only") }, () => {
  const prefix = path.join(dir, "jupyter-prefix");
  const installed = timed("tslab: npx einconv kernel install --prefix", "npx", ["--no-install", "einconv", "kernel", "install", `--prefix=${prefix}`]);
  assert.match(installed, /Installed kernel "einconv"/);
  assertReadable(path.join(prefix, "share", "jupyter", "kernels", "einconv"));
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
  timed("tslab: jupyter nbconvert --execute (3 cells)", JUPYTER, ["nbconvert", "--to", "notebook", "--execute", "--allow-errors", "--ExecutePreprocessor.timeout=120", "--output", "mine.out.ipynb", "mine.ipynb"], { env });
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

test("own folder: npx einconv kernel install --deno --prefix, then nbconvert runs a notebook there on Deno's kernel", { skip: requireTool("Jupyter nbconvert", () => (fs.existsSync(JUPYTER) ? undefined : `no ${JUPYTER}`), "apt-get update && apt-get install -y --no-install-recommends jupyter-nbconvert jupyter-client python3-nbclient fonts-dejavu-core; node scripts/reproduce.js --setup-only") }, () => {
  const prefix = path.join(dir, "jupyter-prefix-deno");
  const installed = timed("deno: npx einconv kernel install --deno --prefix", "npx", ["--no-install", "einconv", "kernel", "install", "--deno", `--prefix=${prefix}`]);
  assert.match(installed, /Installed kernel "einconv-deno" \(TypeScript \(Deno, einconv, /);
  const kernelDir = path.join(prefix, "share", "jupyter", "kernels", "einconv-deno");
  assertReadable(kernelDir);
  const kernel = JSON.parse(fs.readFileSync(path.join(kernelDir, "kernel.json"), "utf8")) as { argv: string[] };
  assert.deepEqual(kernel.argv.slice(1), ["jupyter", "--kernel", "--conn", "{connection_file}"]);
  assert.equal(fs.realpathSync(path.dirname(kernel.argv[0])), fs.realpathSync(path.join(dir, "node_modules", "deno")));

  const cells = [
    'import { fromNested, type Tensor } from "einconv";\nimport { show, imshow, detectKernel } from "einconv/notebook";\nconst a: Tensor = fromNested([[1, 2], [3, 4]]);\nshow(a);\nconsole.log(detectKernel().kind);',
    "await imshow(a);",
    'import { einsum } from "einconv";\neinsum("ij,jk->ik", a, a)',
  ];
  const nb = {
    cells: cells.map((source, i) => ({ cell_type: "code", id: `c${i}`, metadata: {}, source, execution_count: null, outputs: [] })),
    metadata: { kernelspec: { name: "einconv-deno", display_name: "einconv (Deno)", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  fs.writeFileSync(path.join(dir, "mine-deno.ipynb"), JSON.stringify(nb));
  const env = { ...process.env, JUPYTER_PATH: path.join(prefix, "share", "jupyter"), PYDEVD_DISABLE_FILE_VALIDATION: "1" };
  timed("deno: jupyter nbconvert --execute (3 cells)", JUPYTER, ["nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=120", "--output", "mine-deno.out.ipynb", "mine-deno.ipynb"], { env });
  type Output = { output_type: string; data?: Record<string, string | string[]>; text?: string | string[] };
  const executed = JSON.parse(fs.readFileSync(path.join(dir, "mine-deno.out.ipynb"), "utf8")) as { cells: Array<{ outputs: Output[] }> };
  const text = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join("") : (v ?? ""));
  const [shown, chart, result] = executed.cells.map((c) => c.outputs);
  assert.ok(shown.some((o) => o.output_type === "display_data" && /array\(\[\[1\., 2\.\],\s*\[3\., 4\.\]\]\)/.test(text(o.data?.["text/plain"]))), JSON.stringify(shown));
  assert.ok(shown.some((o) => text(o.text) === "deno\n"), "the adapter found Deno's kernel");
  const svg = chart.map((o) => text(o.data?.["image/svg+xml"])).find((s) => s.includes("<svg"));
  assert.ok(svg, JSON.stringify(chart).slice(0, 500));
  assert.match(svg, /<(rect|path)\b[^>]*\b(d|width)="/, "the SVG has drawn marks");
  const last = result.find((o) => o.output_type === "execute_result");
  assert.equal(text(last?.data?.["text/plain"]), "array([[ 7., 10.],\n       [15., 22.]])");
});
