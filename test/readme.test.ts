/**
 * The README as a test: every ```ts block of README.md runs as written, like a tslab cell —
 * compiled on its own, with its own imports, in strict TypeScript against the built package
 * ("einconv", "einconv/notebook", "einconv/internals" through node_modules/einconv -> ..), then
 * run; its `// … → value` comments and the error texts after `// throws ↓` lines are asserted
 * (test/readme_cells.ts has the conventions). A second test changes each stated value and each
 * error text in a copy of the README and proves the same run then fails.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { svgChartFailures } from "./browser_check";
import { type Cell, type CellRun, extractCells, formatValue, judgeCell, mutatedReadmes } from "./readme_cells";

const ROOT = path.resolve(__dirname, "..", "..");
const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const CELLS = extractCells(README);
const DIR = path.join(ROOT, "out", "readme-cells");

/** Compiles every cell (one program, one file per cell: each is its own module). Returns per-cell diagnostics. */
function compileCells(cells: Cell[]): string[][] {
  fs.rmSync(DIR, { recursive: true, force: true });
  fs.mkdirSync(DIR, { recursive: true });
  const files = cells.map((c) => {
    const f = path.join(DIR, `cell_${c.index}.ts`);
    fs.writeFileSync(f, c.module);
    return f;
  });
  const options: ts.CompilerOptions = {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    skipLibCheck: true,
    types: ["node"],
    typeRoots: [path.join(ROOT, "node_modules", "@types")],
    outDir: DIR,
    rootDir: DIR,
  };
  const program = ts.createProgram(files, options);
  program.emit();
  const diags = ts.getPreEmitDiagnostics(program);
  return files.map((f, i) =>
    diags
      .filter((d) => d.file && path.resolve(d.file.fileName) === path.resolve(f))
      .map((d) => {
        const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
        // Generated line -> README line: the module adds a header; find the code line by its text.
        const text = d.file!.text.split("\n")[line].trim();
        const at = cells[i].code.split("\n").findIndex((l) => l.trim() !== "" && text.includes(l.trim().split("//")[0].trim().slice(0, 30)));
        return `TS${d.code} at README line ${at >= 0 ? cells[i].line + at : "?"}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
      }),
  );
}

async function runCell(cell: Cell, diagnostics: string[]): Promise<CellRun> {
  const run: CellRun = { values: new Map(), errors: new Map() };
  if (diagnostics.length > 0) return { ...run, failure: `does not compile:\n${diagnostics.join("\n")}` };
  const mod = require(path.join(DIR, `cell_${cell.index}.js`)) as { cell(probe: object): Promise<{ last: unknown } | void> };
  try {
    const result = await mod.cell({
      value: (k: number, v: unknown) => void run.values.set(k, v),
      throws: async (k: number, f: () => Promise<unknown>) => {
        try {
          await f();
          run.errors.set(k, undefined);
        } catch (e) {
          run.errors.set(k, e instanceof Error ? e.message : String(e));
        }
      },
    });
    if (result) run.last = { value: result.last };
  } catch (e) {
    run.failure = `threw while running: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
  }
  return run;
}

/** What the cells displayed (tslab's display_data bundles). */
const displays: Array<Record<string, unknown>> = [];

/**
 * A tslab cell's display, as the notebook helpers find it (src/notebook/display.ts): tslab
 * publishes its cell `require` as globalThis.__tslab__.require and writes display_data through
 * its jupyter module's lastWriteDisplayData. Here that writer records the bundles.
 */
function emulateTslabDisplay(): void {
  const jupyter = require(path.join(ROOT, "node_modules", "tslab", "dist", "jupyter.js")) as { lastWriteDisplayData: unknown };
  jupyter.lastWriteDisplayData = (msg: { data: Record<string, unknown> }, update: boolean) => {
    if (!update) displays.push(msg.data);
  };
  (globalThis as { __tslab__?: unknown }).__tslab__ = { require: (id: string) => require(id) };
}

let runs: CellRun[] | undefined;
async function runAll(): Promise<CellRun[]> {
  if (runs) return runs;
  assert.ok(fs.existsSync(path.join(ROOT, "node_modules", "einconv")), "node_modules/einconv missing: run node scripts/reproduce.js --setup-only");
  const diags = compileCells(CELLS);
  emulateTslabDisplay();
  runs = [];
  for (const c of CELLS) runs.push(await runCell(c, diags[c.index]));
  return runs;
}

test("every ts block of the README compiles, runs, and shows the values and errors it states", { timeout: 300_000 }, async () => {
  assert.ok(CELLS.length >= 5, `only ${CELLS.length} ts blocks found in README.md`);
  const all = await runAll();
  const failures = CELLS.flatMap((c) => judgeCell(c, all[c.index]));
  const markers = CELLS.reduce((n, c) => n + c.markers.length, 0);
  process.stdout.write(`README: ${CELLS.length} ts blocks, ${markers} stated values/errors checked\n`);
  assert.deepEqual(failures, []);
  // The charts the cells displayed show their data (counted marks, as in the notebook checks).
  const charts = displays.filter((d) => d["image/svg+xml"] !== undefined);
  assert.ok(charts.length >= 3, `the README's cells displayed ${charts.length} charts`);
  for (const d of charts) assert.deepEqual(svgChartFailures(d["application/vnd.vegalite.v5+json"], String(d["image/svg+xml"])), [], String(d["text/plain"]));
  assert.ok(markers >= 10, `only ${markers} stated values in the README's examples`);
});

test("changing any stated value or error text in the README makes the check fail", { timeout: 300_000 }, async () => {
  const all = await runAll();
  const mutants = mutatedReadmes(README);
  assert.ok(mutants.length >= 10, `only ${mutants.length} mutants`);
  for (const m of mutants) {
    const cells = extractCells(m.text);
    // Only comments changed: the same code runs, so the recorded run is reused.
    assert.deepEqual(cells.map((c) => c.module), CELLS.map((c) => c.module), m.what);
    const failures = cells.flatMap((c) => judgeCell(c, all[c.index]));
    assert.ok(failures.length > 0, `the README check passed with a changed ${m.what}`);
  }
});

test("the extractor and the judge on a small README: values, declarations, throws, last value", () => {
  const md = [
    "```ts",
    'import { x } from "y";',
    "const n = 2 + 3;  // five → 5",
    "f(n);  // doubles → [10, 10]",
    "g();  // throws ↓",
    "explain()",
    "```",
    "",
    "```",
    "bad thing",
    "```",
  ].join("\n");
  const [cell] = extractCells(md);
  assert.equal(cell.line, 2);
  assert.deepEqual(cell.markers, [
    { kind: "value", line: 3, expected: "5" },
    { kind: "value", line: 4, expected: "[10, 10]" },
    { kind: "throws", line: 5, expected: "bad thing" },
  ]);
  assert.match(cell.module, /const n = 2 \+ 3; probe\.value\(0, n\);/);
  assert.match(cell.module, /probe\.value\(1, \(f\(n\)\)\);/);
  assert.match(cell.module, /await probe\.throws\(2, async \(\) => \{ g\(\); \}\);/);
  assert.match(cell.module, /return \{ last: \(explain\(\)\) \};/);
  assert.match(cell.module, /^import \{ x \} from "y";$/m);
  const good: CellRun = { values: new Map<number, unknown>([[0, 5], [1, [10, 10]]]), errors: new Map([[2, "bad thing"]]), last: { value: { [Symbol.for("nodejs.util.inspect.custom")]: () => "text" } } };
  assert.deepEqual(judgeCell(cell, good), []);
  const bad: CellRun = { values: new Map<number, unknown>([[0, 6], [1, [10, 10]]]), errors: new Map([[2, undefined]]), last: { value: { plan: 1 } } };
  const failures = judgeCell(cell, bad);
  assert.equal(failures.length, 3, failures.join("\n"));
  assert.match(failures[0], /line 3: README says → 5, the code gives 6/);
  assert.match(failures[1], /line 5: README says it throws, it returned/);
  assert.match(failures[2], /object dump/);
  // Every value comment and error text of this README mutates into a failing one.
  for (const m of mutatedReadmes(md)) assert.ok(extractCells(m.text).flatMap((c) => judgeCell(c, good)).length > 0, m.what);
  assert.equal(mutatedReadmes(md).length, 3);
});

test("formatValue writes values the way the README states them", () => {
  const t = { shape: [2, 2], data: [1, 2, 3, 4], get: (i: number, j: number) => [1, 2, 3, 4][i * 2 + j] };
  assert.equal(formatValue(t), "[[1, 2], [3, 4]]");
  assert.equal(formatValue({ shape: [], data: [5], get: () => 5 }), "5");
  assert.equal(formatValue([4, 128, 6, 5]), "[4, 128, 6, 5]");
  assert.equal(formatValue(new Float64Array([0.5, 2])), "[0.5, 2]");
  assert.equal(formatValue("12.3 ms"), "12.3 ms");
  assert.equal(formatValue({ a: 1, b: [2] }), "{ a: 1, b: [2] }");
});
