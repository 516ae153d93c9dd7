/**
 * Convolution wisdom: export/import round trips, validation errors, and the
 * EINCONV_WISDOM file in child processes ("a notebook that runs twice measures once").
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import ndarray from "ndarray";
import {
  ConvError,
  ConvWisdom,
  WISDOM_FORMAT,
  WISDOM_VERSION,
  clearConvWisdom,
  convInfo,
  convWisdomStats,
  convolveMeasured,
  defaultConvWisdom,
  exportConvWisdom,
  importConvWisdom,
  type ConvMethodName,
} from "../src/conv";
import type { Tensor } from "../src/types";

process.env.EINCONV_TUNING = "off";

const ROOT = path.join(__dirname, "..", "..");

function fakeRun(times: Record<ConvMethodName, number>) {
  let now = 0;
  const calls: ConvMethodName[] = [];
  const out = ndarray(new Float64Array(1), [1, 1]) as unknown as Tensor;
  return {
    clock: () => now,
    calls,
    run: (m: ConvMethodName) => {
      now += times[m];
      calls.push(m);
      return out;
    },
  };
}

const x = ndarray(new Float64Array(64).map((_, i) => Math.sin(i)), [8, 8]) as unknown as Tensor;
const k = ndarray(new Float64Array(9).map((_, i) => Math.cos(i)), [3, 3]) as unknown as Tensor;

test("export/import round trip: the entries, their order and times; imported winners run with no timing", () => {
  const a = new ConvWisdom();
  const f = fakeRun({ fft: 3, submatrix: 1, strided: 2 });
  convolveMeasured(x, k, convInfo(x.shape, k.shape), f.run, { measure: { wisdom: a, clock: f.clock, factor: 1e9 } });
  convolveMeasured(x, k, convInfo(x.shape, k.shape, { stride: 2 }), f.run, { measure: { wisdom: a, clock: f.clock, factor: 1e9 } });
  const json = a.export();
  const parsed = JSON.parse(json) as { format: string; version: number; entries: Array<{ key: string; method: string; times: object }> };
  assert.deepEqual([parsed.format, parsed.version, parsed.entries.length], [WISDOM_FORMAT, WISDOM_VERSION, 2]);
  assert.ok(parsed.entries.every((e) => e.method === "submatrix" && e.key.includes("|t")));
  const b = new ConvWisdom();
  assert.equal(b.import(json), 2);
  assert.deepEqual(b.keys(), a.keys());
  assert.deepEqual(b.peek(a.keys()[0])!.times, a.peek(a.keys()[0])!.times);
  assert.equal(b.peek(a.keys()[0])!.origin, "imported");
  assert.equal(b.export(), json); // export(import(w)) = w
  const g = fakeRun({ fft: 3, submatrix: 1, strided: 2 });
  const r = convolveMeasured(x, k, convInfo(x.shape, k.shape), g.run, { measure: { wisdom: b, clock: g.clock } });
  assert.deepEqual([r.call.source, r.call.method, g.calls], ["wisdom", "submatrix", ["submatrix"]]);
  assert.deepEqual([b.stats.timedRuns, b.stats.wisdomHits], [0, 1]);
});

test("the process's wisdom: exportConvWisdom / importConvWisdom / clearConvWisdom / convWisdomStats", () => {
  clearConvWisdom();
  const w = new ConvWisdom();
  w.set("m|t1|key", { method: "fft", times: { fft: 1 }, runs: { fft: 3 }, origin: "measured" });
  assert.equal(importConvWisdom(w.export()), 1);
  assert.equal(defaultConvWisdom.peek("m|t1|key")!.method, "fft");
  assert.match(exportConvWisdom(), /m\|t1\|key/);
  clearConvWisdom();
  assert.equal(defaultConvWisdom.size, 0);
  assert.deepEqual(convWisdomStats(), { timedRuns: 0, measurements: 0, memoHits: 0, wisdomHits: 0, evictions: 0 });
});

test("importConvWisdom: bad JSON, another format or version, a bad entry -> ConvError, nothing imported", () => {
  const w = new ConvWisdom();
  const good = { format: WISDOM_FORMAT, version: WISDOM_VERSION, entries: [{ key: "a", method: "fft", times: { fft: 1 }, runs: { fft: 1 } }] };
  const cases: Array<[string, RegExp]> = [
    ["{not json", /not valid JSON/],
    [JSON.stringify({ ...good, format: "fftw" }), /not einconv wisdom/],
    [JSON.stringify({ ...good, version: 99 }), /wisdom version 99, this einconv reads version 1/],
    [JSON.stringify({ ...good, entries: {} }), /entries must be an array/],
    [JSON.stringify({ ...good, entries: [...good.entries, { key: "b", method: "winograd", times: {} }] }), /entry 1: method "winograd" is not one of/],
    [JSON.stringify({ ...good, entries: [{ key: "c", method: "fft", times: { fft: -1 } }] }), /times\.fft must be a finite number >= 0/],
    [JSON.stringify({ ...good, entries: [{ method: "fft" }] }), /entry 0 needs a key string/],
  ];
  for (const [json, message] of cases) {
    assert.throws(() => w.import(json), (e: unknown) => e instanceof ConvError && message.test((e as Error).message), json);
  }
  assert.equal(w.size, 0);
  assert.equal(w.import(JSON.stringify(good)), 1);
});

/** A child process that convolves by "measure" twice and prints its wisdom counters. */
function child(env: Record<string, string>, after = ""): { status: number | null; signal: NodeJS.Signals | null; stderr: string; stats: Record<string, number> } {
  const script = `
    const lib = require(${JSON.stringify(path.join(ROOT, "dist", "src", "index.js"))});
    const ndarray = require(${JSON.stringify(path.join(ROOT, "node_modules", "ndarray"))});
    const x = ndarray(new Float64Array(48 * 48).map((_, i) => Math.sin(i)), [48, 48]);
    const k = ndarray(new Float64Array(25).map((_, i) => Math.cos(i)), [5, 5]);
    lib.convolve(x, k, { method: "measure" });
    lib.convolve(x, k, { method: "measure" });
    const e = lib.explainConv(x, k, { method: "measure" });
    console.log(JSON.stringify({ ...e.stats, source: e.source === "memo" ? 1 : e.source === "wisdom" ? 2 : 0 }));
    ${after}
  `;
  const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", env: { ...process.env, EINCONV_THREADS: "1", EINCONV_TUNING: "off", ...env } });
  const line = r.stdout.trim().split("\n").pop() ?? "{}";
  return { status: r.status, signal: r.signal, stderr: r.stderr, stats: line.startsWith("{") ? (JSON.parse(line) as Record<string, number>) : {} };
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "einconv-wisdom-"));
process.on("exit", () => fs.rmSync(scratch, { recursive: true, force: true }));

test("EINCONV_WISDOM: a notebook that runs twice measures once (the second process does zero timed runs)", () => {
  const file = path.join(scratch, "wisdom.json");
  const first = child({ EINCONV_WISDOM: file });
  assert.equal(first.status, 0, first.stderr);
  assert.equal(first.stats.measurements, 1);
  assert.ok(first.stats.timedRuns >= 1);
  assert.equal(first.stats.memoHits, 1);
  assert.equal(first.stderr, "");
  const saved = JSON.parse(fs.readFileSync(file, "utf8")) as { entries: unknown[] };
  assert.equal(saved.entries.length, 1);
  const second = child({ EINCONV_WISDOM: file });
  assert.equal(second.status, 0, second.stderr);
  assert.deepEqual([second.stats.timedRuns, second.stats.measurements, second.stats.wisdomHits, second.stats.source], [0, 0, 2, 2]);
});

test("EINCONV_WISDOM: an unwritable path warns once and the process still exits 0", () => {
  const r = child({ EINCONV_WISDOM: path.join(scratch, "no-such-dir", "deeper", "w.json") });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stats.measurements, 1);
  assert.equal(r.stderr.match(/einconv: EINCONV_WISDOM=.*wisdom not saved/g)?.length, 1, r.stderr);
});

test("EINCONV_WISDOM: a corrupt file warns once, measures anyway, and is replaced by valid wisdom at exit", () => {
  const file = path.join(scratch, "corrupt.json");
  fs.writeFileSync(file, "{ this is not wisdom");
  const r = child({ EINCONV_WISDOM: file });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.match(/not loaded \(importConvWisdom: not valid JSON/g)?.length, 1, r.stderr);
  assert.equal(r.stats.measurements, 1);
  assert.equal(new ConvWisdom().import(fs.readFileSync(file, "utf8")), 1);
});

test("EINCONV_WISDOM: saved after the measurement too, so a kernel killed by a signal keeps it", () => {
  const file = path.join(scratch, "killed.json");
  const r = child({ EINCONV_WISDOM: file }, 'process.kill(process.pid, "SIGKILL");');
  assert.equal(r.signal, "SIGKILL");
  assert.equal(r.stats.measurements, 1);
  assert.equal(new ConvWisdom().import(fs.readFileSync(file, "utf8")), 1);
});

test("without EINCONV_WISDOM nothing is written", () => {
  const before = fs.readdirSync(scratch).length;
  const r = child({ EINCONV_WISDOM: "" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(fs.readdirSync(scratch).length, before);
});
