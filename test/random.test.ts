/**
 * The seeded generator behind rand/randn: its first words and values pinned to an
 * independent Python port in test/fixtures/basics.py (integer mulberry32, numpy's 53-bit
 * double rule, Marsaglia's polar method), plus checks that the arrays have the right
 * distribution and that bad seeds and shapes are refused.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { dtypeOf, rand, randn } from "../src/index";
import { mulberry32Words } from "../src/random";
import { basics } from "./basics_fixture";

const fx = basics().random;

test("mulberry32: the first 32-bit words equal the Python port's", () => {
  for (const [seed, words] of Object.entries(fx.words)) {
    const next = mulberry32Words(Number(seed));
    assert.deepEqual(words.map(() => next()), words, `seed ${seed}`);
  }
});

test("rand: the first values are the Python port's, bit for bit (float64 and float32)", () => {
  for (const [seed, values] of Object.entries(fx.rand)) assert.deepEqual(Array.from(rand([values.length], { seed: Number(seed) }).data), values, `seed ${seed}`);
  for (const [seed, values] of Object.entries(fx.randFloat32)) {
    const r = rand(values.length, { seed: Number(seed), dtype: "float32" });
    assert.equal(dtypeOf(r), "float32");
    assert.deepEqual(Array.from(r.data), values, `seed ${seed} float32`);
  }
});

test("randn: the first values are the Python port's (its math.log may differ from V8's in the last bit)", () => {
  for (const [seed, values] of Object.entries(fx.randn)) {
    const got = Array.from(randn([values.length], { seed: Number(seed) }).data);
    got.forEach((g, i) => assert.ok(Math.abs(g - values[i]) <= 4e-16 * Math.max(1, Math.abs(values[i])), `seed ${seed} value ${i}: ${g} vs ${values[i]}`));
  }
  for (const [seed, values] of Object.entries(fx.randnFloat32)) {
    assert.deepEqual(Array.from(randn(values.length, { seed: Number(seed), dtype: "float32" }).data), values, `seed ${seed} float32`);
  }
});

test("rand / randn: same seed same array, shape kept, in range, moments of the distributions", () => {
  const a = rand([3, 4], { seed: 5 });
  assert.deepEqual(a.shape, [3, 4]);
  assert.deepEqual(Array.from(a.data), Array.from(rand([3, 4], { seed: 5 }).data));
  assert.notDeepEqual(Array.from(a.data), Array.from(rand([3, 4], { seed: 6 }).data));
  const n = 200000;
  const u = Array.from(rand(n, { seed: 11 }).data);
  assert.ok(u.every((v) => v >= 0 && v < 1));
  const uMean = u.reduce((s, v) => s + v, 0) / n;
  assert.ok(Math.abs(uMean - 0.5) < 0.005, `uniform mean ${uMean}`);
  const z = Array.from(randn(n, { seed: 12 }).data);
  const mean = z.reduce((s, v) => s + v, 0) / n;
  const variance = z.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
  assert.ok(Math.abs(mean) < 0.01 && Math.abs(variance - 1) < 0.02, `normal mean ${mean}, variance ${variance}`);
  const within1 = z.filter((v) => Math.abs(v) < 1).length / n;
  assert.ok(Math.abs(within1 - 0.6827) < 0.005, `P(|z| < 1) = ${within1}`);
  const f = Array.from(rand(n, { seed: 13, dtype: "float32" }).data);
  assert.ok(f.every((v) => v >= 0 && v < 1));
});

test("rand / randn: seeds, dtypes and shapes are checked", () => {
  assert.throws(() => rand([2], undefined as never), /rand: give a seed/);
  assert.throws(() => rand([2], {} as never), /seed must be an integer in \[0, 2\^32\), got undefined/);
  assert.throws(() => randn([2], { seed: -1 }), /seed must be an integer/);
  assert.throws(() => randn([2], { seed: 1.5 }), /seed must be an integer/);
  assert.throws(() => randn([2], { seed: 1, dtype: "int32" as never }), /dtype must be "float64" or "float32"/);
  assert.throws(() => rand([2, -3], { seed: 1 }), /rand: invalid shape \[2, -3\]/);
  assert.throws(() => rand([2], { seed: 1, sed: 2 } as never), /unknown option "sed"/);
});
