/**
 * The relaxed-SIMD (f64x2.relaxed_madd) build of the wasm GEMM: the committed bytes
 * really use relaxed_madd where the plain build multiplies and adds, and — in an engine
 * that validates it — `auto` selects it and its products equal the plain kernel's
 * within FMA rounding (both against a brute-force float64 triple loop).
 *
 * On Node 20 relaxed SIMD needs `--experimental-wasm-relaxed-simd`: when this process
 * lacks it, the test re-runs this file in a child node started with the flag, so
 * `npm test` exercises the relaxed kernel on every CI run.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import ndarray from "ndarray";
import { EinsumError, einsum, windows } from "../src/index";
import { GemmTask, offsetTable } from "../src/compile/tasks";
import { WasmBackend, WasmGemm, gemmModuleBytes, relaxedSimdSupported } from "../src/compile/wasm";

const CHILD = process.env.EINCONV_RELAXED_CHILD === "1";
const FLAG = "--experimental-wasm-relaxed-simd";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

/** Occurrences of a byte sequence. */
function count(bytes: Uint8Array, seq: readonly number[]): number {
  let n = 0;
  for (let i = 0; i + seq.length <= bytes.length; i++) if (seq.every((b, j) => bytes[i + j] === b)) n++;
  return n;
}

test("the relaxed build replaces each f64x2 mul+add pair marked in gemm.wat by one relaxed_madd", () => {
  // The f64x2 lines marked ";; madd" in the source (the 4×4 micro-kernel's 8, gemv's 3).
  const wat = fs.readFileSync(path.resolve(__dirname, "..", "..", "src", "compile", "wasm", "gemm.wat"), "utf8");
  const marked = wat.split("\n").filter((line) => /\(f64x2\.add .*\) ;; madd$/.test(line) && !line.trimStart().startsWith(";;")).length;
  assert.ok(marked >= 8, `gemm.wat marks ${marked} f64x2 pairs`);
  const plain = gemmModuleBytes("plain");
  const relaxed = gemmModuleBytes("relaxed");
  const MADD = [0xfd, 0x87, 0x02]; // f64x2.relaxed_madd (0xfd 0x107)
  const MUL = [0xfd, 0xf2, 0x01]; //  f64x2.mul (0xfd 0xf2)
  assert.equal(count(plain, MADD), 0);
  assert.equal(count(relaxed, MADD), marked);
  assert.equal(count(plain, MUL), marked);
  assert.equal(count(relaxed, MUL), 0);
});

test("without relaxed SIMD, auto falls back to the plain kernel and variant 'relaxed' is refused", { skip: relaxedSimdSupported() && "this engine has relaxed SIMD" }, () => {
  assert.equal(WasmGemm.create("auto")?.variant, "plain");
  assert.equal(WasmGemm.create("relaxed"), undefined);
  assert.throws(() => new WasmBackend({ variant: "relaxed" }), EinsumError);
});

/** One strided product task (A transposed in storage, C column-major) and its brute-force float64 result and error scale. */
function product(m: number, n: number, k: number, seed: number) {
  const rand = rng(seed);
  const a = Float64Array.from({ length: m * k }, rand);
  const b = Float64Array.from({ length: k * n }, rand);
  const task = (c: Float64Array): GemmTask => ({
    m, n, k, a, b, c,
    aBatch: Int32Array.of(0), bBatch: Int32Array.of(0), cBatch: Int32Array.of(0),
    aRow: offsetTable([m], [1]), aCol: offsetTable([k], [m]),
    bRow: offsetTable([k], [n]), bCol: offsetTable([n], [1]),
    cRow: offsetTable([m], [1]), cCol: offsetTable([n], [m]),
  });
  const want = new Float64Array(m * n);
  const scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      for (let p = 0; p < k; p++) {
        want[i + j * m] += a[i + p * m] * b[p * n + j];
        scale[i + j * m] += Math.abs(a[i + p * m] * b[p * n + j]);
      }
    }
  }
  return { task, want, scale };
}

test("relaxed SIMD: auto selects the FMA kernel and it matches the plain one within rounding", { skip: !relaxedSimdSupported() && "no relaxed SIMD in this process (the child run covers it)" }, () => {
  const relaxed = WasmGemm.create("auto");
  const plain = WasmGemm.create("plain");
  assert.equal(relaxed?.variant, "relaxed");
  assert.equal(plain?.variant, "plain");
  assert.equal(new WasmBackend().variant, "relaxed");
  const eps = 2 ** -52;
  let differs = false;
  for (const [m, n, k] of [[1, 1, 1], [5, 7, 3], [37, 41, 300], [64, 12, 700]]) {
    const { task, want, scale } = product(m, n, k, m * 31 + k);
    const r = new Float64Array(m * n);
    const p = new Float64Array(m * n);
    // Small blocks so that K slices and the accumulate path of `block` run too.
    relaxed!.run(task(r), { blocking: { mc: 8, kc: 64, nc: 8 }, smallK: "never" });
    plain!.run(task(p), { blocking: { mc: 8, kc: 64, nc: 8 }, smallK: "never" });
    for (let i = 0; i < m * n; i++) {
      // Both are sums of k products in some order: each within k·eps·Σ|a·b| of the exact value.
      const tol = 2 * k * eps * scale[i];
      assert.ok(Math.abs(r[i] - want[i]) <= tol, `relaxed ${m}×${n}×${k} [${i}]: ${r[i]} vs ${want[i]}`);
      assert.ok(Math.abs(r[i] - p[i]) <= 2 * tol, `relaxed vs plain ${m}×${n}×${k} [${i}]`);
      if (r[i] !== p[i]) differs = true;
    }
  }
  // On an FMA CPU the unrounded products show in the last bits somewhere.
  if (!differs) console.log("relaxed and plain agreed bit for bit (no FMA on this CPU?)");
  // einsum through the relaxed backend: a windowed conv against the JS backend.
  const rand = rng(5);
  const x = ndarray(Float64Array.from({ length: 2 * 3 * 9 * 10 }, rand), [2, 3, 9, 10]);
  const w = ndarray(Float64Array.from({ length: 4 * 3 * 3 * 3 }, rand), [4, 3, 3, 3]);
  const got = einsum("bihwkl,oikl->bohw", windows(x, { kernel: 3, padding: 1 }), w, { backend: new WasmBackend({ variant: "relaxed" }) });
  const ref = einsum("bihwkl,oikl->bohw", windows(x, { kernel: 3, padding: 1 }), w, { backend: new WasmBackend({ variant: "plain" }) });
  const g = got.data as Float64Array;
  const e = ref.data as Float64Array;
  for (let i = 0; i < g.length; i++) assert.ok(Math.abs(g[i] - e[i]) <= 1e-13 * 27, `conv [${i}]`);
});

test(`the relaxed-SIMD tests pass in a child node started with ${FLAG}`, { skip: (CHILD || relaxedSimdSupported()) && "already running with relaxed SIMD" }, () => {
  // Without NODE_TEST_CONTEXT (set by a parent `node --test`) the child prints plain TAP.
  const { NODE_TEST_CONTEXT: _parent, ...env } = process.env;
  const run = spawnSync(process.execPath, [FLAG, "--test", "--test-reporter=tap", __filename], {
    env: { ...env, EINCONV_RELAXED_CHILD: "1" },
    encoding: "utf8",
  });
  assert.equal(run.status, 0, `child failed:\n${run.stdout}\n${run.stderr}`);
  // The FMA test must have run in the child, not been skipped.
  const line = run.stdout.split("\n").find((l) => /^ok \d+ - relaxed SIMD: auto selects/.test(l));
  assert.ok(line !== undefined && !line.includes("# SKIP"), `the FMA test did not run in the child:\n${run.stdout}`);
  assert.match(run.stdout, /# fail 0/);
});
