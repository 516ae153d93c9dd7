/**
 * Max and average pooling against test/fixtures/conv_layer.json (plain Python loops, see
 * conv_layer.py) and against central-difference numerical gradients over a grid of settings.
 */
import { test } from "node:test";
import { numericalGradient } from "./gradcheck";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Pool2DOptions, avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from "../src/conv/pool";
import { copy, fromFlat } from "../src/ndutil";
import { Tensor } from "../src/types";

type Pair = [number, number];

interface PoolCase {
  name: string;
  inputShape: number[];
  kernel: Pair;
  stride: Pair;
  padding: Pair;
  dilation: Pair;
  x: number[];
  dout: number[];
  outShape: number[];
  max: { out: number[]; dx: number[] };
  avg: { out: number[]; dx: number[] };
}

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, "../../test/fixtures/conv_layer.json"), "utf8")) as {
  pool: PoolCase[];
};

/** Seeded standard-normal-ish values (sum of uniforms from mulberry32): distinct, so max pooling has no ties. */
function randomTensor(shape: number[], seed: number): Tensor {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const n = shape.reduce((x, y) => x * y, 1);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = next() + next() + next() - 1.5;
  return fromFlat(values, shape);
}

function flat(t: Tensor): Float64Array {
  return copy(t, "float64").data as Float64Array;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * The test's own pooling as a loss `Σ g ⊙ pool(x)`, by direct loops over a contiguous
 * (B, C, H, W) array (shares no code with src/; cheap enough for central differences).
 * Max: out-of-range taps are skipped (= -Infinity padding); avg: they count as zeros.
 */
function referencePoolLoss(kind: "max" | "avg", shape: number[], o: Required<Pool2DOptions>, x: Float64Array, g: Float64Array): number {
  const [nb, nc, h, w] = shape;
  const [kh, kw] = o.kernel as Pair;
  const [sh, sw] = o.stride as Pair;
  const [ph, pw] = o.padding as Pair;
  const [dh, dw] = o.dilation as Pair;
  const oh = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  let loss = 0;
  let gi = 0;
  for (let plane = 0; plane < nb * nc; plane++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++, gi++) {
        let acc = kind === "max" ? -Infinity : 0;
        for (let k = 0; k < kh; k++) {
          for (let l = 0; l < kw; l++) {
            const r = i * sh + k * dh - ph;
            const c = j * sw + l * dw - pw;
            if (r < 0 || r >= h || c < 0 || c >= w) continue;
            const v = x[(plane * h + r) * w + c];
            acc = kind === "max" ? Math.max(acc, v) : acc + v;
          }
        }
        loss += g[gi] * (kind === "max" ? acc : acc / (kh * kw));
      }
    }
  }
  return loss;
}

function dot(a: Tensor, b: Float64Array): number {
  const x = flat(a);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * b[i];
  return s;
}

test("max and average pooling match the numpy-loop fixture (forward and backward)", () => {
  for (const c of fixture.pool) {
    const options: Pool2DOptions = { kernel: c.kernel, stride: c.stride, padding: c.padding, dilation: c.dilation };
    const x = fromFlat(c.x, c.inputShape);
    const dout = fromFlat(c.dout, c.outShape);
    const mx = maxPool2d(x, options);
    const av = avgPool2d(x, options);
    assert.deepEqual(mx.shape, c.outShape, `${c.name}: max shape`);
    assert.deepEqual(av.shape, c.outShape, `${c.name}: avg shape`);
    assert.equal(maxAbsDiff(flat(mx), c.max.out), 0, `${c.name}: max forward is exact`);
    assert.ok(maxAbsDiff(flat(av), c.avg.out) < 1e-14, `${c.name}: avg forward`);
    assert.ok(maxAbsDiff(flat(maxPool2dBackward(dout, x, options)), c.max.dx) < 1e-14, `${c.name}: max backward`);
    assert.ok(maxAbsDiff(flat(avgPool2dBackward(dout, x.shape, options)), c.avg.dx) < 1e-14, `${c.name}: avg backward`);
  }
});

test("pooling gradients match numerical gradients over kernel x stride x padding x dilation", () => {
  let cases = 0;
  let worst = 0;
  for (const kernel of [2, 3]) {
    for (const stride of [1, 2, 3]) {
      for (const padding of [0, 1]) {
        for (const dilation of [1, 2]) {
          const shape = cases % 2 === 0 ? [2, 2, 9, 11] : [2, 2, 12, 10];
          const options = { kernel: [kernel, kernel] as Pair, stride: [stride, stride] as Pair, padding: [padding, padding] as Pair, dilation: [dilation, dilation] as Pair };
          const x = randomTensor(shape, 31 * cases + 1);
          const g = randomTensor(maxPool2d(x, options).shape, 31 * cases + 2);
          const xs = flat(x);
          const gs = flat(g);
          const label = JSON.stringify(options);
          for (const kind of ["max", "avg"] as const) {
            const pool = kind === "max" ? maxPool2d : avgPool2d;
            const loss = () => referencePoolLoss(kind, shape, options, xs, gs);
            assert.ok(Math.abs(dot(pool(x, options), gs) - loss()) < 1e-12, `${label}: ${kind} forward = reference forward`);
            const got = kind === "max" ? maxPool2dBackward(g, x, options) : avgPool2dBackward(g, x.shape, options);
            const err = maxAbsDiff(flat(got), numericalGradient(xs, loss));
            worst = Math.max(worst, err);
            assert.ok(err < 1e-6, `${label}: ${kind} pool gradient error ${err}`);
          }
          cases++;
        }
      }
    }
  }
  console.log(`# pooling gradient grid: ${cases} settings x {max, avg}, worst abs error ${worst}`);
});

test("max pooling pads with -Infinity, average pooling counts padding as zeros", () => {
  const x = fromFlat([-1, -2, -3, -4], [1, 1, 2, 2]);
  // 3x3 windows, padding 1, stride 1: each window covers all four (negative) values plus padding
  assert.deepEqual(Array.from(flat(maxPool2d(x, { kernel: 3, stride: 1, padding: 1 }))), [-1, -1, -1, -1]);
  assert.ok(maxAbsDiff(flat(avgPool2d(x, { kernel: 3, stride: 1, padding: 1 })), [-10 / 9, -10 / 9, -10 / 9, -10 / 9]) < 1e-15);
  // stride defaults to the kernel
  assert.deepEqual(maxPool2d(randomTensor([1, 1, 8, 7], 3), { kernel: 2 }).shape, [1, 1, 4, 3]);
  // ties: the first maximum in row-major window order gets the gradient
  const ones = fromFlat([1, 1, 1, 1], [1, 1, 2, 2]);
  assert.deepEqual(Array.from(flat(maxPool2dBackward(fromFlat([5], [1, 1, 1, 1]), ones, { kernel: 2 }))), [5, 0, 0, 0]);
  // NaN propagates through max pooling
  const withNaN = fromFlat([1, NaN, 3, 4], [1, 1, 2, 2]);
  assert.ok(Number.isNaN(flat(maxPool2d(withNaN, { kernel: 2 }))[0]));
});

test("pooling errors name the problem", () => {
  const x = randomTensor([1, 1, 6, 6], 5);
  assert.throws(() => maxPool2d(x, { kernel: 2, padding: 2 }), /padding height 2 must be at most half the kernel height 2/);
  assert.throws(() => avgPool2d(randomTensor([6, 6], 1), { kernel: 2 }), /NCHW input of rank 4, got shape \[6, 6\]/);
  assert.throws(() => maxPool2d(x, { kernel: 7 }), /kernel height 7 is larger than the padded input height 6/);
  assert.throws(() => maxPool2d(x, { kernel: 2, stride: 0 }), /stride must be an integer >= 1, got 0/);
  assert.throws(() => maxPool2dBackward(randomTensor([1, 1, 2, 2], 1), x, { kernel: 2 }), /dout must have the pooled output's shape \[1, 1, 3, 3\]/);
  assert.throws(() => avgPool2dBackward(randomTensor([1, 1, 2, 2], 1), x.shape, { kernel: 2 }), /\[1, 1, 3, 3\]/);
});
