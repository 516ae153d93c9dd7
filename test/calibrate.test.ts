/**
 * `einconv calibrate` and the tuning file: the XDG path, write/read/validation, a corrupt or
 * foreign file (one warning, the defaults), the fit judged on a fresh pass, the budget, the
 * cut-over rule, and the CLI. Timings are injected (times the model itself predicts for known
 * constants) and the budget clock is fake: no wall-clock thresholds.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConvError, DEFAULT_CONV_COSTS, conv2dNHWC, convolve, estimateConvCosts, machineConvCosts, type ConvCostConstants } from "../src/conv";
import { getThreads } from "../src/compile/threads/settings";
import { defaultBackend } from "../src/compile/backend";
import { WasmBackend } from "../src/compile/wasm/backend";
import ndarray from "ndarray";
import type { Tensor } from "../src/types";
import { calibrate, calibrationCells, cutoverFromFamilies, cutoverFromSamples, formatCalibration, type CalibrationCell, type MethodTimer } from "../src/conv/calibrate";
import { splitsPasses, FFT_THREAD_MIN } from "../src/conv/fft/runner";
import { machineId, parseTuning, readTuning, resetTuning, setThreadCutovers, threadCutover, tuningFilePath, TUNING_VERSION } from "../src/tuning_file";

const ROOT = path.join(__dirname, "..", "..");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "einconv-calibrate-"));
process.on("exit", () => fs.rmSync(scratch, { recursive: true, force: true }));
delete process.env.EINCONV_TUNING;

/** Known constants unlike the defaults (fft far costlier), and a timer that reports what they predict. */
const KNOWN: ConvCostConstants = {
  fft: { perModelNs: 3, perThreadedModelNs: 3, perCall: 200000 },
  submatrix: { perMac: 1, perSlabElement: 0.5, perTap: 300, perSpilledLine: 0, perCall: 5000 },
  strided: { perMac: 0.6, perOutput: 10, perDataElement: 0.1, perCall: 30000 },
};

function modelTimer(advance: (ms: number) => void, calls: { n: number }): MethodTimer {
  return (method, _cell, info) => {
    calls.n++;
    const ms = estimateConvCosts(info, KNOWN, 1)[method] / 1e6;
    advance(ms);
    return ms;
  };
}

const SMALL_CELLS: CalibrationCell[] = calibrationCells([32, 64, 128]);

test("tuningFilePath: $XDG_CACHE_HOME/einconv/conv-costs.json, else ~/.cache (a relative XDG path is ignored)", () => {
  assert.equal(tuningFilePath({ XDG_CACHE_HOME: "/x/cache" }), path.join("/x/cache", "einconv", "conv-costs.json"));
  assert.equal(tuningFilePath({}), path.join(os.homedir(), ".cache", "einconv", "conv-costs.json"));
  assert.equal(tuningFilePath({ XDG_CACHE_HOME: "rel/dir" }), path.join(os.homedir(), ".cache", "einconv", "conv-costs.json"));
});

test("calibrate: fits injected timings, judges them on the fresh pass, writes the XDG file, and auto then uses it", () => {
  const xdg = path.join(scratch, "xdg1");
  process.env.XDG_CACHE_HOME = xdg;
  let now = 0;
  const calls = { n: 0 };
  const r = calibrate({
    cells: SMALL_CELLS,
    timer: modelTimer((ms) => (now += ms), calls),
    clock: () => now,
    progress: false,
    cutovers: (p) => (p === "fftMinSamples" ? [{ work: 1000, oneMs: 1, manyMs: 2 }, { work: 40000, oneMs: 4, manyMs: 3 }] : [{ work: 1e6, oneMs: 1, manyMs: 1.5 }]),
    starts: 2,
  });
  const file = path.join(xdg, "einconv", "conv-costs.json");
  assert.equal(r.file, file);
  assert.ok(r.written && fs.existsSync(file));
  assert.deepEqual(r.cellsTimed, [SMALL_CELLS.length, SMALL_CELLS.length, SMALL_CELLS.length]);
  // Times the model predicts are fitted back to the same ranking: every fresh choice is the fastest.
  assert.ok(r.worst <= 1 + 1e-9, formatCalibration(r));
  assert.deepEqual(r.fresh.map((g) => g.grid), [1, 2, 3]);
  assert.ok(r.fresh.some((g) => g.defaultsWorst > 1), "the defaults rank these times worse (the fit did something)");
  assert.deepEqual(r.record.cutovers, { fftMinSamples: 40000, gemmMinWork: Number.MAX_SAFE_INTEGER });
  const read = readTuning(file);
  assert.ok(read.record, read.reason);
  assert.deepEqual(read.record.costs, JSON.parse(JSON.stringify(r.record.costs)));
  // This process now reads it: auto's constants and the FFT cut-over.
  const m = machineConvCosts();
  assert.equal(m.source, "calibrated");
  assert.deepEqual(m.costs, read.record.costs);
  assert.equal(threadCutover("fftMinSamples"), 40000);
  const work = { size: { n0: 128, n1: 128 }, blocks: 2, terms: 1 }; // 32768 samples: split by the shipped 16384, not by 40000
  assert.ok(32768 >= FFT_THREAD_MIN);
  assert.equal(splitsPasses(work, 2), false);
  setThreadCutovers({ fftMinSamples: 1 });
  assert.equal(splitsPasses(work, 2), true);
  setThreadCutovers({});
  assert.match(formatCalibration(r), /fresh run \(not used for fitting\)[\s\S]*GEMM from never/);
  delete process.env.XDG_CACHE_HOME;
  resetTuning();
});

test("calibrate: the budget ends the passes early (cells timed bounded by the fake clock)", () => {
  let now = 0;
  const calls = { n: 0 };
  // Every timing costs 1 s of fake time; a 12 s budget with 3 methods per cell.
  const timer: MethodTimer = (m, c, info) => {
    calls.n++;
    now += 1000;
    return modelTimer(() => {}, { n: 0 })(m, c, info);
  };
  const r = calibrate({ cells: SMALL_CELLS, timer, clock: () => now, progress: false, cutovers: false, write: false, budgetMs: 12000, starts: 1 });
  assert.equal(r.written, false);
  assert.ok(r.cellsTimed[0] < SMALL_CELLS.length && r.cellsTimed[0] >= 1, `${r.cellsTimed}`);
  assert.ok(r.cellsTimed[1] <= r.cellsTimed[0] && r.cellsTimed[2] <= r.cellsTimed[1]);
  // Each pass stops at its deadline, overshooting by at most one cell (3 timings = 3 s).
  assert.ok(now <= 12000 + 3 * 3000, `${now} ms`);
  assert.equal(calls.n, 3 * (r.cellsTimed[0] + r.cellsTimed[1] + r.cellsTimed[2]));
});

test("calibrate: an unwritable file is a ConvError naming it; bad options too", () => {
  let now = 0;
  const blocker = path.join(scratch, "a-file");
  fs.writeFileSync(blocker, "");
  const file = path.join(blocker, "einconv", "conv-costs.json"); // a folder under a file
  const opts = { cells: SMALL_CELLS.slice(0, 4), timer: modelTimer((ms) => (now += ms), { n: 0 }), clock: () => now, progress: false as const, cutovers: false, starts: 1 };
  assert.throws(() => calibrate({ ...opts, file }), (e: unknown) => e instanceof ConvError && (e as Error).message.includes(file));
  assert.throws(() => calibrate({ ...opts, budgetMs: -1 }), /budgetMs must be a positive number/);
  assert.throws(() => calibrate({ ...opts, cells: [] }), /no cells/);
  assert.throws(() => calibrate({ ...opts, timer: () => Number.NaN, write: false }), /the timer gave NaN ms/);
});

function tuningText(over: Record<string, unknown> = {}): string {
  return JSON.stringify({ version: TUNING_VERSION, machine: machineId(), threads: 2, created: "now", costs: DEFAULT_CONV_COSTS, cutovers: {}, ...over });
}

test("the tuning file is validated: JSON, version, machine, costs, cut-overs", () => {
  assert.equal(parseTuning(tuningText(), "f").threads, 2);
  const bad: Array<[string, RegExp]> = [
    ["{", /f: not valid JSON/],
    [tuningText({ version: 0 }), /version 0, expected 1/],
    [tuningText({ machine: "x" }), /machine must be/],
    [tuningText({ threads: 0 }), /threads must be a positive integer/],
    [tuningText({ costs: { ...DEFAULT_CONV_COSTS, fft: { perCall: 1 } } }), /costs\.fft\.perModelNs must be a finite number >= 0/],
    [tuningText({ costs: { ...DEFAULT_CONV_COSTS, strided: { ...DEFAULT_CONV_COSTS.strided, perBanana: 1 } } }), /costs\.strided\.perBanana is not a cost constant/],
    [tuningText({ cutovers: { gemmMinWork: -5 } }), /cutovers\.gemmMinWork must be a finite number >= 0/],
    [tuningText({ cutovers: { poolSize: 5 } }), /cutovers\.poolSize is not a thread cut-over/],
  ];
  for (const [text, message] of bad) assert.throws(() => parseTuning(text, "f"), (e: unknown) => e instanceof ConvError && message.test((e as Error).message), text);
});

test("a corrupt, foreign or disabled tuning file: one warning (none when disabled), and the shipped defaults", () => {
  const xdg = path.join(scratch, "xdg2");
  const file = path.join(xdg, "einconv", "conv-costs.json");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  process.env.XDG_CACHE_HOME = xdg;
  const warnings: string[] = [];
  const cases: Array<[string, RegExp | undefined]> = [
    ["not json at all", /ignoring the tuning file .*not valid JSON.*shipped defaults/],
    [tuningText({ machine: { ...machineId(), cpu: "Some Other CPU" } }), /calibrated on another machine \(Some Other CPU/],
  ];
  for (const [text, warning] of cases) {
    fs.writeFileSync(file, text);
    warnings.length = 0;
    resetTuning((m) => warnings.push(m));
    assert.equal(machineConvCosts().source, "defaults");
    assert.equal(machineConvCosts().costs, DEFAULT_CONV_COSTS);
    machineConvCosts();
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0], warning!);
  }
  fs.writeFileSync(file, tuningText());
  process.env.EINCONV_TUNING = "off";
  warnings.length = 0;
  resetTuning();
  assert.equal(machineConvCosts().source, "defaults");
  delete process.env.EINCONV_TUNING;
  resetTuning();
  assert.equal(machineConvCosts().source, "calibrated");
  // No file: the defaults, silently, and the note says so (explainConv prints it).
  fs.rmSync(file);
  resetTuning();
  const none = machineConvCosts();
  assert.equal(none.source, "defaults");
  assert.match(none.note, /shipped defaults fitted on one Intel Xeon \(no .*conv-costs\.json\); run `npx einconv calibrate`/);
  assert.equal(warnings.length, 0);
  delete process.env.XDG_CACHE_HOME;
  resetTuning((m) => process.stderr.write(`einconv: ${m}\n`));
});

test("cutoverFromSamples: the smallest work from which T threads never lose; never when the largest loses", () => {
  const s = (work: number, oneMs: number, manyMs: number) => ({ work, oneMs, manyMs });
  assert.equal(cutoverFromSamples([s(100, 1, 2), s(200, 2, 1.9), s(400, 4, 3)]), 200);
  assert.equal(cutoverFromSamples([s(400, 4, 3), s(100, 1, 2), s(200, 2, 2.5)]), 400); // unsorted; a loss at 200
  assert.equal(cutoverFromSamples([s(100, 1, 0.9), s(200, 2, 1)]), 100);
  assert.equal(cutoverFromSamples([s(100, 1, 0.9), s(200, 2, 3)]), Number.MAX_SAFE_INTEGER);
  assert.throws(() => cutoverFromSamples([]), ConvError);
  // Families: the later cut-over wins (square GEMMs win from 200, thin ones only from 800).
  const fam = (family: string, work: number, oneMs: number, manyMs: number) => ({ family, work, oneMs, manyMs });
  assert.equal(cutoverFromFamilies([fam("square", 100, 1, 2), fam("square", 200, 2, 1), fam("nhwc", 400, 2, 3), fam("nhwc", 800, 4, 3)]), 800);
  assert.equal(cutoverFromFamilies([fam("square", 100, 1, 2), fam("square", 200, 2, 1)]), 200);
});

test("setThreadCutovers validates names and values", () => {
  assert.throws(() => setThreadCutovers({ fftMinSamples: -1 }), /fftMinSamples must be a finite number >= 0/);
  assert.throws(() => setThreadCutovers({ banana: 1 } as never), /banana is not a thread cut-over/);
  setThreadCutovers({});
});

test("npx einconv calibrate: runs the compiled module (tiny budget, dry run), rejects unknown options", () => {
  const bin = path.join(ROOT, "bin", "einconv.js");
  const env = { ...process.env, XDG_CACHE_HOME: path.join(scratch, "cli"), EINCONV_THREADS: "1" };
  const bad = spawnSync(process.execPath, [bin, "calibrate", "--fast"], { encoding: "utf8", env });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /unknown option --fast\nusage: einconv calibrate/);
  const r = spawnSync(process.execPath, [bin, "calibrate", "--budget=1", "--dry-run"], { encoding: "utf8", env });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /einconv calibrate: .*1 thread, [\d.]+ s, cells timed per pass \d+ \/ \d+ \/ \d+/);
  assert.match(r.stdout, /thread cut-overs: FFT from not measured/);
  assert.match(r.stdout, /not written \(dry run; would go to .*cli\/einconv\/conv-costs\.json\)/);
  assert.match(r.stderr, /calibrate: fit run 1/); // progress on stderr (one line per phase off a terminal)
  assert.equal(fs.existsSync(path.join(scratch, "cli")), false);
});

test("a calibrated cut-over only moves where work is split: results stay bitwise identical", { skip: getThreads() < 2 ? "one thread" : false }, () => {
  const ramp = (shape: number[], salt: number) =>
    ndarray(Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.37 + salt)), shape) as unknown as Tensor;
  const x = ramp([160, 160], 1);
  const k = ramp([9, 9], 2);
  const xn = ramp([8, 20, 20, 3], 3);
  const w = ramp([3, 3, 3, 16], 4);
  const backend = defaultBackend();
  const gemmThreads = () => (backend instanceof WasmBackend ? backend.lastGemmThreads : 0);
  const run = () => [convolve(x, k, { method: "fft" }).data, conv2dNHWC(xn, w).data].map((d) => Array.from(d as Float64Array));
  setThreadCutovers({ fftMinSamples: Number.MAX_SAFE_INTEGER, gemmMinWork: Number.MAX_SAFE_INTEGER });
  const serial = run();
  const serialThreads = gemmThreads();
  setThreadCutovers({ fftMinSamples: 0, gemmMinWork: 0 });
  const split = run();
  if (backend instanceof WasmBackend && backend.usesWasm) assert.deepEqual([serialThreads, gemmThreads()], [1, getThreads()]); // the override took effect
  setThreadCutovers({});
  assert.deepEqual(split, serial);
});
