/**
 * The float32 GEMM route: float32 operands are packed as float32, multiplied by the
 * f32x4 4×8 kernel (`block32`) and summed in float32 straight into the float32 result,
 * as numpy's sgemm does. Checked against numpy's float32 einsum (test/fixtures/f32.json,
 * written by f32.py) with a tolerance that grows with K — 4·K·2⁻²⁴·Σ|a||b| per element —
 * through the plain build and, in a child node started with
 * `--experimental-wasm-relaxed-simd` when this process lacks it, the relaxed (FMA) build.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import ndarray from "ndarray";
import { einsum } from "../src/index";
import { JsBackend } from "../src/compile/backend";
import { GemmTask, offsetTable } from "../src/compile/tasks";
import { KernelVariant, WasmBackend, WasmGemm, gemmModuleBytes, relaxedSimdSupported } from "../src/compile/wasm";
import { fixtureLcg, loadFixture } from "./reference";

const CHILD = process.env.EINCONV_RELAXED_CHILD === "1";
const FLAG = "--experimental-wasm-relaxed-simd";
const U = 2 ** -24;

interface Case {
  name: string;
  spec: string;
  k: number;
  operands: { shape: number[]; seed: number }[];
  expected: { shape: number[]; data: number[] };
  exact: number[];
  scale: number[];
}
const fx = loadFixture<{ numpy: string; cases: Case[] }>("f32");

const lcg = fixtureLcg;

function operands(c: Case) {
  return c.operands.map(({ shape, seed }) => ndarray(lcg(shape.reduce((a, b) => a * b, 1), seed), shape));
}

/** Checks one float32 result against numpy's float32 answer and the exact (float64) sum. */
function check(got: Float32Array, c: Case, what: string): void {
  assert.equal(got.length, c.expected.data.length, `${what}: length`);
  for (let i = 0; i < got.length; i++) {
    const tol = 4 * c.k * U * c.scale[i];
    assert.ok(Math.abs(got[i] - c.expected.data[i]) <= tol, `${what} [${i}]: ${got[i]} vs numpy ${c.expected.data[i]} (tol ${tol})`);
    assert.ok(Math.abs(got[i] - c.exact[i]) <= tol / 2, `${what} [${i}]: ${got[i]} vs exact ${c.exact[i]}`);
  }
}

const variants: KernelVariant[] = relaxedSimdSupported() ? ["plain", "relaxed"] : ["plain"];

test("the f32 generator's LCG is reproduced: the 1×1×1 case equals a·b rounded to float32", () => {
  const c = fx.cases.find((x) => x.spec === "ij,jk->ik" && x.k === 1)!;
  const [a, b] = operands(c);
  assert.equal(Math.fround((a.data as Float32Array)[0] * (b.data as Float32Array)[0]), c.expected.data[0]);
});

for (const variant of variants) {
  test(`float32 einsum through the ${variant} wasm kernel matches numpy's float32 within 4·K·2⁻²⁴·Σ|a||b|`, () => {
    const backend = new WasmBackend({ variant });
    assert.equal(backend.variant, variant);
    let roundedInF32 = false;
    for (const c of fx.cases) {
      const got = einsum(c.spec, ...operands(c), { backend });
      assert.deepEqual(got.shape, c.expected.shape, c.name);
      assert.ok(got.data instanceof Float32Array, `${c.name}: result dtype`);
      check(got.data as Float32Array, c, `${variant} ${c.name}`);
      // float64 sums rounded once would equal fround(exact); float32 sums over long K do not.
      if (c.k >= 1000) for (let i = 0; i < got.data.length; i++) if (got.data[i] !== Math.fround(c.exact[i])) roundedInF32 = true;
    }
    assert.ok(roundedInF32, "long-K float32 results equal the float64 sums rounded once: the float32 kernel did not run");
  });

  test(`WasmGemm (${variant}) float32 C: small blocks, K spans, JS and wasm gathers, C += A·B on a strided C`, () => {
    const kernel = WasmGemm.create(variant)!;
    for (const staging of ["never", "always", "auto"] as const)
    for (const [m, n, k] of [[1, 1, 1], [5, 9, 3], [13, 17, 130], [33, 20, 301], [16, 24, 40]]) {
      const a = lcg(m * k, m + 7 * k);
      const b = lcg(k * n, n + 3 * k);
      const c0 = lcg(m * n, 99);
      const c = Float32Array.from(c0);
      const task: GemmTask = {
        m, n, k, a, b, c,
        aBatch: Int32Array.of(0), bBatch: Int32Array.of(0), cBatch: Int32Array.of(0),
        aRow: offsetTable([m], [1]), aCol: offsetTable([k], [m]), // A column-major
        bRow: offsetTable([k], [n]), bCol: offsetTable([n], [1]),
        cRow: offsetTable([m], [1]), cCol: offsetTable([n], [m]), // C column-major
      };
      // mc 8, kc 32, nc 8 and a budget of one KC×NC panel: several row/column blocks, slices and spans.
      kernel.run(task, { blocking: { mc: 8, kc: 32, nc: 8 }, bSpanBudget: 8 * 32, staging, smallK: "never" });
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let want = c0[i + j * m];
          let scale = Math.abs(want);
          for (let p = 0; p < k; p++) {
            want += a[i + p * m] * b[p * n + j];
            scale += Math.abs(a[i + p * m] * b[p * n + j]);
          }
          const got = c[i + j * m];
          assert.ok(Math.abs(got - want) <= 2 * (k + 1) * U * scale, `${staging} ${m}×${n}×${k} [${i},${j}]: ${got} vs ${want}`);
        }
      }
    }
  });
}

test("float32 through the JS backend (no wasm) is within the same tolerance", () => {
  const backend = new JsBackend();
  for (const c of fx.cases.filter((x) => x.k <= 1001)) {
    const got = einsum(c.spec, ...operands(c), { backend });
    assert.ok(got.data instanceof Float32Array, c.name);
    check(got.data as Float32Array, c, `js ${c.name}`);
  }
});

/** Occurrences of a byte sequence. */
function count(bytes: Uint8Array, seq: readonly number[]): number {
  let n = 0;
  for (let i = 0; i + seq.length <= bytes.length; i++) if (seq.every((b, j) => bytes[i + j] === b)) n++;
  return n;
}

test("the relaxed build turns the 8 f32x4 mul+add pairs of the float32 kernel into relaxed_madd", () => {
  const MADD = [0xfd, 0x85, 0x02]; // f32x4.relaxed_madd (0xfd 0x105)
  const MUL = [0xfd, 0xe6, 0x01]; //  f32x4.mul (0xfd 0xe6)
  assert.equal(count(gemmModuleBytes("plain"), MADD), 0);
  assert.equal(count(gemmModuleBytes("plain"), MUL), 8);
  assert.equal(count(gemmModuleBytes("relaxed"), MADD), 8);
  assert.equal(count(gemmModuleBytes("relaxed"), MUL), 0);
});

test(`the float32 tests pass in a child node started with ${FLAG}`, { skip: (CHILD || relaxedSimdSupported()) && "already running with relaxed SIMD" }, () => {
  const { NODE_TEST_CONTEXT: _parent, ...env } = process.env;
  const run = spawnSync(process.execPath, [FLAG, "--test", "--test-reporter=tap", __filename], {
    env: { ...env, EINCONV_RELAXED_CHILD: "1" },
    encoding: "utf8",
  });
  assert.equal(run.status, 0, `child failed:\n${run.stdout}\n${run.stderr}`);
  const line = run.stdout.split("\n").find((l) => /^ok \d+ - float32 einsum through the relaxed wasm kernel/.test(l));
  assert.ok(line !== undefined && !line.includes("# SKIP"), `the relaxed float32 test did not run in the child:\n${run.stdout}`);
  assert.match(run.stdout, /# fail 0/);
});
