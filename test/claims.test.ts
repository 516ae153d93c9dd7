import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { claim, claimTableMarkdown, decide, parseClaimTables, recheckClaims, ruleText, saveClaims, times, type ClaimRow } from "../src/notebook/claims";
import { markdown, recordingDisplay } from "../src/notebook/display";

test("share rule: thresholds at 2/3 and 1/3, counted exactly at the boundary", () => {
  const share = (hits: number, total: number) => decide({ kind: "share", hits, total, holdsAt: 2 / 3, partlyAt: 1 / 3 });
  assert.equal(share(16, 24), "holds");
  assert.equal(share(15, 24), "holds partly");
  assert.equal(share(8, 24), "holds partly");
  assert.equal(share(7, 24), "does not hold");
  assert.equal(share(0, 24), "does not hold");
  assert.equal(share(24, 24), "holds");
  // partlyAt 0 still needs at least one hit for "partly"
  assert.equal(decide({ kind: "share", hits: 0, total: 5, holdsAt: 0.5, partlyAt: 0 }), "does not hold");
  assert.throws(() => share(25, 24), /hits <= total/);
  assert.throws(() => share(1, 0), /total > 0/);
  assert.throws(() => decide({ kind: "share", hits: 1, total: 2, holdsAt: 0.2, partlyAt: 0.5 }), /partlyAt/);
});

test("ratio rule: symmetric factor around the claimed figure", () => {
  const r = (measured: number, claimed: number) => decide({ kind: "ratio", measured, claimed, factor: 2, partlyFactor: 10 });
  assert.equal(r(18, 18), "holds");
  assert.equal(r(36, 18), "holds");
  assert.equal(r(9, 18), "holds");
  assert.equal(r(37, 18), "holds partly");
  assert.equal(r(1.8, 18), "holds partly");
  assert.equal(r(1.7, 18), "does not hold");
  assert.equal(r(181, 18), "does not hold");
  assert.throws(() => r(0, 18), /positive/);
  assert.throws(() => r(NaN, 18), /finite/);
  assert.throws(() => decide({ kind: "ratio", measured: 1, claimed: 1, factor: 0.5, partlyFactor: 2 }), /factor/);
});

test("checks and order rules", () => {
  assert.equal(decide({ kind: "checks", passed: 3, total: 3 }), "holds");
  assert.equal(decide({ kind: "checks", passed: 1, total: 3 }), "holds partly");
  assert.equal(decide({ kind: "checks", passed: 0, total: 3 }), "does not hold");
  assert.throws(() => decide({ kind: "checks", passed: 1.5, total: 3 }), /integers/);
  assert.equal(decide({ kind: "order", ratio: 1.3, partlyAbove: 0.8 }), "holds");
  assert.equal(decide({ kind: "order", ratio: 1, partlyAbove: 0.8 }), "holds");
  assert.equal(decide({ kind: "order", ratio: 0.9, partlyAbove: 0.8 }), "holds partly");
  assert.equal(decide({ kind: "order", ratio: 0.5, partlyAbove: 0.8 }), "does not hold");
  assert.throws(() => decide({ kind: "order", ratio: 1, partlyAbove: 2 }), /partlyAbove/);
});

test("ruleText states the rule with its inputs", () => {
  assert.equal(ruleText({ kind: "share", hits: 14, total: 24, holdsAt: 2 / 3, partlyAt: 1 / 3 }), "14 of 24 points; holds at ≥ 67 %, partly at ≥ 33 %");
  assert.match(ruleText({ kind: "ratio", measured: 36, claimed: 18, factor: 2, partlyFactor: 10 }), /measured \/ claimed = 2\.00; holds within 2×/);
});

test("claim tables round-trip through markdown, pipes and newlines included", () => {
  const rows: ClaimRow[] = [
    claim({ seed: "000", claim: "FFT | fastest", measured: "fft won 9\nof 24", rule: { kind: "share", hits: 9, total: 24, holdsAt: 2 / 3, partlyAt: 1 / 3 }, why: "a|b" }),
    claim({ seed: "002", claim: "naive ≈ 3000× TF", measured: "x", rule: { kind: "ratio", measured: 100, claimed: 3000, factor: 2, partlyFactor: 10 }, why: "y" }),
  ];
  assert.equal(rows[0].verdict, "holds partly");
  assert.equal(rows[1].verdict, "does not hold");
  const md = claimTableMarkdown(rows);
  assert.equal(md.split("\n").length, 4);
  const shown = parseClaimTables(`intro text\n\n${md}\n\nafter`);
  assert.deepEqual(shown, [
    { seed: "000", claim: "FFT | fastest", verdict: "holds partly" },
    { seed: "002", claim: "naive ≈ 3000× TF", verdict: "does not hold" },
  ]);
  assert.deepEqual(parseClaimTables("no table here"), []);
});

test("saveClaims writes JSON under out/claims and recheckClaims finds a tampered verdict", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "claims-"));
  const rows = [claim({ seed: "003", claim: "c", measured: "m", rule: { kind: "checks", passed: 2, total: 2 }, why: "w" })];
  const file = saveClaims(root, { notebook: "nb", date: "2026-01-01", rules: "r", rows, raw: { t: [1, 2] } }, "tslab");
  assert.equal(file, path.join(root, "out", "claims", "tslab", "nb.json"));
  assert.equal(saveClaims(root, { notebook: "nb", date: "2026-01-01", rules: "r", rows, raw: { t: [1, 2] } }), path.join(root, "out", "claims", "none", "nb.json"), "outside a kernel: out/claims/none");
  const back = JSON.parse(fs.readFileSync(file, "utf8"));
  assert.deepEqual(recheckClaims(back), []);
  back.rows[0].verdict = "does not hold";
  assert.deepEqual(recheckClaims(back), [{ claim: "c", stored: "does not hold", decided: "holds" }]);
  fs.rmSync(root, { recursive: true });
});

test("markdown displays a text/markdown bundle; times formats ratios", () => {
  const target = recordingDisplay();
  markdown("**x**", { target });
  assert.equal(target.outputs[0].bundle["text/markdown"], "**x**");
  assert.equal(times(2.54), "2.5×");
  assert.equal(times(31.6), "32×");
  assert.equal(times(0.723), "0.72×");
});
