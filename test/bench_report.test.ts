/**
 * The pure parts of the one-run report: the fresh-run `auto` verdict (auto_fresh.ts), the peer
 * table and markdown rendering (peer_report.ts), the README section and its marker replacement
 * (readme_tables.ts), thread-count parsing (threads.ts), and the bench:all / bench:auto command
 * lines. Synthetic result files only; nothing is timed.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { allSteps, parseAllArgs } from "../bench/all";
import { evaluateFresh, fitRunFile, parseAutoFreshArgs } from "../bench/auto_fresh";
import { loadPoints } from "../bench/fit_auto";
import { MM_FLOPS, PEER_WORKLOADS as W, peerWorkloadIds, type PeerCell } from "../bench/peer_ids";
import { markdownTable, peerTable } from "../bench/peer_report";
import { threadMismatches } from "../bench/peer_table";
import { BEGIN, END, readmeSection, replaceSection } from "../bench/readme_tables";
import { einconvThreads, parseThreadsEnv } from "../bench/threads";
import { chooseConvMethod, convInfo, DEFAULT_CONV_COSTS } from "../src/conv";

const cell = (workload: string, impl: string, threads: number, median_ms: number): PeerCell => ({ workload, impl, threads, median_ms, min_ms: median_ms, repeats: 3 });

/** Cost constants under which the FFT is never chosen (a point without an fft time is dropped by loadPoints, so the skipped method must be a direct one). */
const COSTS = (() => {
  const c = structuredClone(DEFAULT_CONV_COSTS);
  c.fft.perCall = 1e15;
  return c;
})();

/**
 * The method COSTS picks at each synthetic point, written out (not recomputed with chooseConvMethod, so the
 * expectations below do not come from the code under test). The estimates under COSTS (ns): strided
 * 61525 < submatrix 64460 (n64 f3), 313693 < 1472800 (n128 f9), 49725 < 79210 (grid 2), 36555 < 53510
 * (grid 3); the test "the pinned choices" checks chooseConvMethod still agrees.
 */
const CHOSEN: Record<string, "submatrix" | "strided"> = { "1 64 3": "strided", "1 128 9": "strided", "2 64 5": "strided", "3 64 5": "strided" };

const pointInfo = (p: { grid: number; n: number; f: number }) => {
  const depth = p.grid === 1 ? 0 : 5;
  return convInfo(depth ? [p.n, p.n, depth] : [p.n, p.n], depth ? [p.f, p.f, depth] : [p.f, p.f], { stride: p.grid });
};

test("the pinned choices: chooseConvMethod under COSTS picks the methods CHOSEN lists", () => {
  for (const key of Object.keys(CHOSEN)) {
    const [grid, n, f] = key.split(" ").map(Number);
    assert.equal(chooseConvMethod(pointInfo({ grid, n, f }), COSTS).method, CHOSEN[key], key);
  }
});

/** A conv_grids.json whose einconv method times make the method COSTS picks `factor` x slower than the fastest. */
function gridsFile(dir: string, points: Array<{ grid: number; n: number; f: number; factor: number; skipChosen?: boolean }>): string {
  const rows: object[] = [];
  for (const p of points) {
    const depth = p.grid === 1 ? 0 : 5;
    const stride = p.grid;
    const chosen = CHOSEN[`${p.grid} ${p.n} ${p.f}`];
    for (const method of ["fft", "submatrix", "strided"]) {
      if (method === chosen && p.skipChosen) continue;
      const ms = method === chosen ? 10 * p.factor : method === "fft" ? 10 : 20;
      rows.push({ grid: p.grid, n: p.n, f: p.f, depth, stride, method, impl: "einconv", median_ms: ms, min_ms: ms, repeats: 3 });
    }
    rows.push({ grid: p.grid, n: p.n, f: p.f, depth, stride, method: "auto", impl: "einconv", median_ms: 10 * p.factor * 1.1, min_ms: 1, repeats: 3 });
  }
  const file = path.join(dir, "grids.json");
  fs.writeFileSync(file, JSON.stringify({ rows }));
  return file;
}

test("evaluateFresh: worst chosen/fastest and auto-as-run/fastest per grid; a chosen method that did not run is a miss", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "einconv-auto-"));
  try {
    const file = gridsFile(dir, [
      { grid: 1, n: 64, f: 3, factor: 1 },
      { grid: 1, n: 128, f: 9, factor: 1.2 },
      { grid: 2, n: 64, f: 5, factor: 1 },
      { grid: 3, n: 64, f: 5, factor: 1, skipChosen: true },
    ]);
    const evals = evaluateFresh(loadPoints(file, "median"), COSTS);
    assert.deepEqual(evals.map((e) => [e.grid, e.points]), [[1, 2], [2, 1], [3, 1]]);
    assert.ok(Math.abs(evals[0].choice.ratio - 1.2) < 1e-9);
    assert.equal(evals[0].choice.at, "n128 f9 -> strided (fastest fft)");
    assert.ok(Math.abs(evals[0].as_run!.ratio - 1.32) < 1e-9);
    assert.equal(evals[1].choice.ratio, 1);
    assert.equal(evals[2].choice.ratio, Infinity);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("bench:auto and bench:all command lines", () => {
  assert.deepEqual(parseAutoFreshArgs([]), { runs: 3, grid: "default", stat: "median", starts: 32 });
  assert.deepEqual(parseAutoFreshArgs(["--quick", "--runs", "2", "--starts", "4"]), { runs: 2, grid: "quick", stat: "median", starts: 4 });
  assert.throws(() => parseAutoFreshArgs(["--runs", "1"]), /--runs must be an integer >= 2/);
  assert.throws(() => parseAutoFreshArgs(["--bogus"]), /unknown argument/);
  // a quick smoke run's fit runs never land in fit_runs/ (bench:fit globs it) and match .gitignore's *.quick.json
  assert.match(fitRunFile("quick", 1), /bench[\\/]results[\\/]conv_grids\.run1\.quick\.json$/);
  assert.match(fitRunFile("default", 2), /fit_runs[\\/]conv_grids\.run2\.json$/);
  const full = allSteps(parseAllArgs([]));
  assert.deepEqual(full.map((s) => s.script), ["run.js", "auto_fresh.js", "targets.js", "readme_tables.js"]);
  assert.deepEqual(full[3].args, ["--write"]);
  const quick = allSteps(parseAllArgs(["--quick", "--runs", "2"]));
  assert.ok(quick.every((s) => !s.args.includes("--write")), "a quick run never rewrites the README");
  assert.deepEqual(quick[1].args, ["--quick", "--runs", "2", "--starts", "2"]);
  assert.equal(allSteps(parseAllArgs(["--no-readme"])).length, 3);
  assert.deepEqual(allSteps(parseAllArgs(["--from", "targets"])).map((s) => s.name), ["targets", "readme"]);
  assert.throws(() => parseAllArgs(["--from", "nowhere"]), /unknown argument/);
});

test("peer table: einconv at 1 and 2 threads next to the peers at 1 and 2, GFLOP/s on matmul, the fresh-run auto row", () => {
  const rows = [
    cell(W.convF64, "einconv", 1, 90), cell(W.convF64, "einconv", 2, 60), cell(W.convF64, "numpy", 1, 100), cell(W.convF64, "numpy", 2, 50),
    cell(W.mmF64, "einconv", 1, MM_FLOPS / 20e6), cell(W.convF32, "tfjs-wasm", 1, 45), cell(W.convF32, "onnxruntime", 2, 8),
  ];
  const t = peerTable({ rows, einconv_threads: [{ requested: 1, effective: 1, pool: false }, { requested: 2, effective: 1, pool: false }], numpy_blas_threads: { 1: {}, 2: {} } }, [{ grid: 1, ratio: 1.05, at: "n64 f3" }, { grid: 3, ratio: 1.3, at: "n128 f31 -> fft (fastest submatrix)" }], 2);
  assert.deepEqual(t.header.slice(1), ["einconv 1 thr", "einconv 2 thr", "numpy / scipy 1 thr", "numpy / scipy 2 thr", "tfjs-wasm (thr)", "onnxruntime 1 thr", "onnxruntime 2 thr"]);
  assert.equal(t.rows.length, peerWorkloadIds().length + 1);
  assert.deepEqual(t.rows[0].slice(1), ["90.0", "60.0", "100", "50.0", "—", "—", "—"]);
  assert.equal(t.rows.find((r) => r[0] === "matmul 512³ f64")![1], "13.4 = 20.0 GFLOP/s");
  assert.deepEqual(t.rows.find((r) => r[0] === "B1 conv forward f32")!.slice(5), ["45.0 (1)", "—", "8.00"]);
  const autoRow = t.rows[t.rows.length - 1];
  assert.equal(autoRow[1], "—");
  assert.equal(autoRow[2], "worst 1.30x (grid 3 n128 f31 -> fft); per grid 1.05x / 1.30x");
  assert.match(t.title, /EINCONV_THREADS=1 and 2 \(no thread pool in this build: both ran 1 thread\); numpy OPENBLAS_NUM_THREADS=1 and 2;.*tfjs-wasm 1/);
  assert.doesNotMatch(peerTable({ rows, einconv_threads: [{ requested: 2, effective: 2, pool: true }] }).title, /no thread pool/);
});

test("markdownTable escapes pipes; threadMismatches names the workloads whose results differ between thread counts", () => {
  assert.equal(markdownTable({ header: ["a", "b"], rows: [["x|y", "1"]] }), "| a | b |\n|---|---|\n| x\\|y | 1 |");
  const sum = (s: number) => ({ shape: [2], sum: s, abs_sum: Math.abs(s) });
  assert.deepEqual(threadMismatches({ a: sum(1), b: sum(2) }, { a: sum(1), b: sum(2.001) }), ["b"]);
  assert.deepEqual(threadMismatches({ a: sum(1) }, {}), []);
});

test("README section: markers around generated tables; replaceSection touches nothing else and insists on one marker pair", () => {
  const section = readmeSection({ peers: { rows: [cell(W.convF64, "einconv", 1, 90), cell(W.convF64, "numpy", 1, 100)] }, conv: null, auto: null, einsum: null, article: null });
  assert.ok(section.startsWith(BEGIN + "\n") && section.endsWith("\n" + END));
  assert.match(section, /#### Targets of issue 10 .*: 1 of 21 met/);
  assert.match(section, /\| B1 f64 forward \| einconv \/ numpy einsum optimize=True, 1 thread \| 0\.90x \| ≤ 1\.00x \| met \|/);
  assert.doesNotMatch(section, /#### Convolution grids/, "no conv file: no conv table");
  const readme = `# t\n\nbefore\n${BEGIN}\nold\n${END}\nafter\n`;
  assert.equal(replaceSection(readme, `${BEGIN}\nnew\n${END}`), `# t\n\nbefore\n${BEGIN}\nnew\n${END}\nafter\n`);
  assert.throws(() => replaceSection("no markers", "x"), /exactly one/);
  assert.throws(() => replaceSection(`${END}\n${BEGIN}`, "x"), /exactly one/);
  assert.throws(() => replaceSection(`${BEGIN}${END}${BEGIN}${END}`, "x"), /exactly one/);
});

test("EINCONV_THREADS parsing and the recorded thread facts", () => {
  assert.equal(parseThreadsEnv(undefined), null);
  assert.equal(parseThreadsEnv(""), null);
  assert.equal(parseThreadsEnv("2"), 2);
  assert.throws(() => parseThreadsEnv("0"), /positive integer/);
  assert.throws(() => parseThreadsEnv("two"), /positive integer/);
  const t = einconvThreads({ EINCONV_THREADS: "2" });
  assert.equal(t.requested, 2);
  // without a pool every count computes on one thread; with one, the pool's own answer
  if (!t.pool) assert.equal(t.effective, 1);
  else assert.ok(Number.isInteger(t.effective) && t.effective >= 1);
});

test("the einconv peer child refuses an unknown grid size with its usage line (exit 2), before timing anything", () => {
  const child = spawnSync(process.execPath, [path.join(__dirname, "..", "bench", "peer_einconv.js"), "huge"], { encoding: "utf8", env: { ...process.env, EINCONV_THREADS: "1" } });
  assert.equal(child.status, 2);
  assert.match(child.stderr, /usage: EINCONV_THREADS=n node dist\/bench\/peer_einconv\.js quick\|default\|full \(got "huge"\)/);
  assert.equal(child.stdout, "");
});
