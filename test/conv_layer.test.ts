/**
 * Conv2D against three oracles:
 * - numerical gradients (central differences, eps 1e-6, float64) of the scalar loss
 *   `L = Σ forward(x) ⊙ G` over a grid of kernel/stride/padding/dilation settings;
 * - test/fixtures/conv_layer.json (plain Python loops, see conv_layer.py) for forward, dx, dw, db;
 * - the reference README's verdicts on the post's dX recipe (post_recipe.ts), checked against
 *   the numerical gradient.
 */
import { test } from "node:test";
import { numericalGradient } from "./gradcheck";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Conv2D, convEinsum, spatialSizes } from "../src/conv/layer";
import { postRecipeInputGrad } from "../src/conv/post_recipe";
import { copy, fromFlat } from "../src/ndutil";
import { Tensor } from "../src/types";

type Pair = [number, number];

interface ConvCase {
  name: string;
  inputShape: number[];
  outChannels: number;
  kernel: Pair;
  stride: Pair;
  padding: Pair;
  dilation: Pair;
  x: number[];
  weight: number[];
  bias: number[];
  dout: number[];
  outShape: number[];
  out: number[];
  dx: number[];
  dw: number[];
  db: number[];
}

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, "../../test/fixtures/conv_layer.json"), "utf8")) as {
  conv: ConvCase[];
};

/** Seeded uniform(-1, 1) values (mulberry32), so failures are reproducible. */
function randomValues(n: number, seed: number): Float64Array {
  let a = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

function randomTensor(shape: number[], seed: number): Tensor {
  return fromFlat(randomValues(shape.reduce((a, b) => a * b, 1), seed), shape);
}

/** Row-major values of any view. */
function flat(t: Tensor): Float64Array {
  return copy(t, "float64").data as Float64Array;
}

/** Error of `got` against `want`: max absolute difference and that over max |want|. */
interface ErrorStats {
  abs: number;
  rel: number;
}

function compare(got: Tensor | Float64Array | number[], want: ArrayLike<number>): ErrorStats {
  const g = got instanceof Float64Array || Array.isArray(got) ? got : flat(got);
  assert.equal(g.length, want.length, "length");
  let abs = 0;
  let scale = 0;
  for (let i = 0; i < g.length; i++) {
    abs = Math.max(abs, Math.abs(g[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return { abs, rel: abs / Math.max(scale, 1e-300) };
}

/** Largest errors seen, reported at the end of the grid test. */
const worst = { dx: { abs: 0, rel: 0 }, dw: { abs: 0, rel: 0 }, db: { abs: 0, rel: 0 } };

function track(which: keyof typeof worst, e: ErrorStats): void {
  worst[which].abs = Math.max(worst[which].abs, e.abs);
  worst[which].rel = Math.max(worst[which].rel, e.rel);
}

function dot(a: Tensor, b: Tensor): number {
  const x = flat(a);
  const y = flat(b);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

/** Geometry of one brute-force convolution. */
interface Problem {
  batch: number;
  channels: number;
  height: number;
  width: number;
  filters: number;
  kernel: Pair;
  stride: Pair;
  padding: Pair;
  dilation: Pair;
  out: Pair;
}

/**
 * The test's own forward pass as a loss, `Σ_{b,o,h,w} g · (bias[o] + Σ_{i,k,l} x[..] w[..])`, by
 * direct loops over contiguous arrays (zero padding = skipping out-of-range taps). It shares no
 * code with src/ and is cheap, so central differences over every parameter stay fast.
 * `batches` restricts the sum to some batch items.
 */
function referenceLoss(p: Problem, x: Float64Array, w: Float64Array, bias: Float64Array, g: Float64Array, batches = { from: 0, to: p.batch }): number {
  const [kh, kw] = p.kernel;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  const [oh, ow] = p.out;
  let loss = 0;
  let gi = batches.from * p.filters * oh * ow;
  for (let b = batches.from; b < batches.to; b++) {
    for (let o = 0; o < p.filters; o++) {
      for (let h = 0; h < oh; h++) {
        for (let v = 0; v < ow; v++, gi++) {
          let acc = bias[o];
          for (let i = 0; i < p.channels; i++) {
            for (let k = 0; k < kh; k++) {
              const r = h * sh + k * dh - ph;
              if (r < 0 || r >= p.height) continue;
              for (let l = 0; l < kw; l++) {
                const c = v * sw + l * dw - pw;
                if (c < 0 || c >= p.width) continue;
                acc += x[((b * p.channels + i) * p.height + r) * p.width + c] * w[((o * p.channels + i) * kh + k) * kw + l];
              }
            }
          }
          loss += acc * g[gi];
        }
      }
    }
  }
  return loss;
}

interface GradCheck {
  dx: Float64Array;
  dw: Float64Array;
  db: Float64Array;
}

/**
 * Numerical gradients of `Σ conv(x) ⊙ g` with respect to x, weight and bias, using the
 * reference loss; also checks that the layer's forward pass gives the same loss.
 */
function numericalConvGradients(conv: Conv2D, x: Tensor, g: Tensor): GradCheck {
  const [kh, kw] = [conv.geometry.kernel.height, conv.geometry.kernel.width];
  const p: Problem = {
    batch: x.shape[0],
    channels: x.shape[1],
    height: x.shape[2],
    width: x.shape[3],
    filters: conv.outChannels,
    kernel: [kh, kw],
    stride: [conv.geometry.stride.height, conv.geometry.stride.width],
    padding: [conv.geometry.padding.height, conv.geometry.padding.width],
    dilation: [conv.geometry.dilation.height, conv.geometry.dilation.width],
    out: [g.shape[2], g.shape[3]],
  };
  const xs = flat(x);
  const ws = flat(conv.weight);
  const bs = conv.bias === null ? new Float64Array(conv.outChannels) : flat(conv.bias);
  const gs = flat(g);
  const loss = () => referenceLoss(p, xs, ws, bs, gs);
  const layerLoss = dot(conv.forward(x), g);
  assert.ok(Math.abs(layerLoss - loss()) <= 1e-12 * Math.max(1, Math.abs(layerLoss)), "layer forward = reference forward");
  // x[b] only reaches the loss through batch item b, so its differences need only that item's terms.
  const perItem = xs.length / p.batch;
  const dx = new Float64Array(xs.length);
  for (let b = 0; b < p.batch; b++) {
    const item = xs.subarray(b * perItem, (b + 1) * perItem);
    dx.set(numericalGradient(item, () => referenceLoss(p, xs, ws, bs, gs, { from: b, to: b + 1 })), b * perItem);
  }
  return { dx, dw: numericalGradient(ws, loss), db: numericalGradient(bs, loss) };
}

function makeLayer(c: number, o: number, kernel: number | Pair, stride: number | Pair, padding: number | Pair, dilation: number | Pair, seed: number): Conv2D {
  const conv = new Conv2D({ inChannels: c, outChannels: o, kernelSize: kernel, stride, padding, dilation, seed });
  conv.bias = randomTensor([o], seed + 1); // nonzero bias so the forward pass exercises it
  return conv;
}

test("numerical gradients through the layer's own forward pass (no reference forward)", () => {
  const conv = makeLayer(2, 2, [3, 2], [2, 3], [1, 2], [2, 1], 77);
  const x = randomTensor([1, 2, 9, 7], 78);
  const g = randomTensor(conv.outputShape(x.shape), 79);
  conv.forward(x);
  const grads = conv.backward(g);
  const loss = () => dot(conv.forward(x), g);
  const bias = conv.bias as Tensor;
  const num = {
    dx: numericalGradient(x.data as Float64Array, loss),
    dw: numericalGradient(conv.weight.data as Float64Array, loss),
    db: numericalGradient(bias.data as Float64Array, loss),
  };
  for (const name of ["dx", "dw", "db"] as const) {
    const e = compare(grads[name], num[name]);
    assert.ok(e.rel < 1e-6, `${name}: rel error ${e.rel}`);
  }
});

test("backward matches numerical gradients over kernel {1,2,3,5} x stride {1,2,3} x padding {0,1,2} x dilation {1,2}", () => {
  const sizes: Pair[] = [
    [12, 10],
    [9, 11],
  ];
  let cases = 0;
  let oddCases = 0;
  for (const k of [1, 2, 3, 5]) {
    for (const s of [1, 2, 3]) {
      for (const p of [0, 1, 2]) {
        for (const d of [1, 2]) {
          const [h, w] = sizes[cases % 2];
          const conv = makeLayer(2, 3, k, s, p, d, 100 + cases);
          const x = randomTensor([2, 2, h, w], 7 * cases + 3);
          const y = conv.forward(x);
          const g = randomTensor(y.shape, 11 * cases + 5);
          const { dx, dw, db } = conv.backward(g);
          const num = numericalConvGradients(conv, x, g);
          const label = `k${k} s${s} p${p} d${d} on ${h}x${w}`;
          for (const [name, got, want] of [["dx", dx, num.dx], ["dw", dw, num.dw], ["db", db, num.db]] as const) {
            const e = compare(got, want);
            track(name, e);
            assert.ok(e.rel < 1e-6, `${label}: ${name} max abs error ${e.abs}, rel ${e.rel}`);
          }
          if ((h + 2 * p - d * (k - 1) - 1) % s !== 0 || (w + 2 * p - d * (k - 1) - 1) % s !== 0) oddCases++;
          cases++;
        }
      }
    }
  }
  assert.equal(cases, 72);
  assert.ok(oddCases > 20, `only ${oddCases} cases where the stride skips trailing rows/columns`);
  console.log(`# gradient grid: ${cases} settings (${oddCases} with skipped rows/cols); worst errors ${JSON.stringify(worst)}`);
});

test("rectangular kernels, strides, paddings and dilations match numerical gradients", () => {
  const settings: Array<{ kernel: Pair; stride: Pair; padding: Pair; dilation: Pair; size: Pair }> = [
    { kernel: [2, 3], stride: [2, 1], padding: [1, 0], dilation: [1, 2], size: [9, 11] },
    { kernel: [3, 1], stride: [1, 3], padding: [0, 2], dilation: [2, 1], size: [12, 10] },
    { kernel: [5, 2], stride: [3, 2], padding: [2, 1], dilation: [1, 1], size: [11, 8] },
  ];
  settings.forEach(({ kernel, stride, padding, dilation, size }, i) => {
    const conv = makeLayer(2, 3, kernel, stride, padding, dilation, 500 + i);
    const x = randomTensor([2, 2, ...size], 600 + i);
    const g = randomTensor(conv.outputShape(x.shape), 700 + i);
    conv.forward(x);
    const grads = conv.backward(g);
    const num = numericalConvGradients(conv, x, g);
    for (const name of ["dx", "dw", "db"] as const) {
      const e = compare(grads[name], num[name]);
      assert.ok(e.rel < 1e-6, `${JSON.stringify({ kernel, stride, padding, dilation })}: ${name} rel error ${e.rel}`);
    }
  });
});

test("forward, dx, dw, db match the numpy-loop fixture", () => {
  for (const c of fixture.conv) {
    const conv = new Conv2D({
      inChannels: c.inputShape[1],
      outChannels: c.outChannels,
      kernelSize: c.kernel,
      stride: c.stride,
      padding: c.padding,
      dilation: c.dilation,
    });
    conv.weight = fromFlat(c.weight, [c.outChannels, c.inputShape[1], ...c.kernel]);
    conv.bias = fromFlat(c.bias, [c.outChannels]);
    const y = conv.forward(fromFlat(c.x, c.inputShape));
    assert.deepEqual(y.shape, c.outShape, `${c.name}: output shape`);
    const { dx, dw, db } = conv.backward(fromFlat(c.dout, c.outShape));
    assert.deepEqual(dx.shape, c.inputShape, `${c.name}: dx shape`);
    for (const [name, got, want] of [["out", y, c.out], ["dx", dx, c.dx], ["dw", dw, c.dw], ["db", db, c.db]] as const) {
      const e = compare(got, want);
      assert.ok(e.rel < 1e-12, `${c.name}: ${name} max abs error ${e.abs}, rel ${e.rel}`);
    }
  }
});

test("the post's printed shapes: in 3, out 128, kernel 3, stride 2, pad 1, x (4, 3, 12, 10)", () => {
  const conv = new Conv2D({ inChannels: 3, outChannels: 128, kernelSize: 3, stride: 2, padding: 1 });
  const x = randomTensor([4, 3, 12, 10], 42);
  const y = conv.forward(x);
  assert.deepEqual(y.shape, [4, 128, 6, 5]);
  const { dx, dw, db } = conv.backward(randomTensor([4, 128, 6, 5], 43));
  assert.deepEqual(db.shape, [128]);
  assert.deepEqual(dw.shape, [128, 3, 3, 3]);
  assert.deepEqual(dx.shape, [4, 3, 12, 10]);
});

test("the layer's affine spec is built from its geometry: stride, dilation and padding as integers, pad only when > 0", () => {
  const hw = (height: number, width: number) => ({ height, width });
  const cases = [
    { g: { kernel: hw(3, 3), stride: hw(2, 2), padding: hw(1, 1), dilation: hw(1, 1) }, size: [12, 10], spec: "bi(k+2h-1)(l+2w-1),oikl->bohw", out: [6, 5] },
    { g: { kernel: hw(2, 3), stride: hw(1, 3), padding: hw(0, 2), dilation: hw(2, 1) }, size: [12, 10], spec: "bi(2k+h)(l+3w-2),oikl->bohw", out: [10, 4] },
    { g: { kernel: hw(1, 1), stride: hw(1, 1), padding: hw(0, 0), dilation: hw(1, 1) }, size: [4, 5], spec: "bi(k+h)(l+w),oikl->bohw", out: [4, 5] },
  ];
  for (const c of cases) {
    const conv = convEinsum(c.g, spatialSizes(c.g, c.size[0], c.size[1], "test"));
    assert.equal(conv.spec, c.spec);
    assert.deepEqual(conv.options.sizes, { h: c.out[0], w: c.out[1] });
    const p = c.g.padding;
    assert.deepEqual(conv.options.pad, p.height || p.width ? { 0: [[0, 0], [0, 0], [p.height, p.height], [p.width, p.width]] } : undefined);
  }
});

test("deterministic He-uniform initialisation from the seed; zero bias; bias: false", () => {
  const a = new Conv2D({ inChannels: 3, outChannels: 4, kernelSize: [3, 2], seed: 9 });
  const b = new Conv2D({ inChannels: 3, outChannels: 4, kernelSize: [3, 2], seed: 9 });
  const c = new Conv2D({ inChannels: 3, outChannels: 4, kernelSize: [3, 2], seed: 10 });
  assert.deepEqual(flat(a.weight), flat(b.weight));
  assert.notDeepEqual(flat(a.weight), flat(c.weight));
  const bound = Math.sqrt(6 / (3 * 3 * 2));
  const w = flat(a.weight);
  assert.ok(w.every((v) => Math.abs(v) <= bound));
  assert.ok(Math.max(...w.map(Math.abs)) > 0.5 * bound, "weights use the range");
  assert.deepEqual(a.weight.shape, [4, 3, 3, 2]);
  assert.deepEqual(Array.from(flat(a.bias as Tensor)), [0, 0, 0, 0]);
  const noBias = new Conv2D({ inChannels: 3, outChannels: 4, kernelSize: 1, bias: false });
  assert.equal(noBias.bias, null);
  const x = randomTensor([1, 3, 2, 2], 1);
  noBias.weight = fromFlat(new Float64Array(12).fill(1), [4, 3, 1, 1]);
  const y = flat(noBias.forward(x));
  const xs = flat(x);
  assert.ok(Math.abs(y[0] - (xs[0] + xs[4] + xs[8])) < 1e-15);
});

test("clear errors for bad shapes and options", () => {
  const conv = new Conv2D({ inChannels: 3, outChannels: 4, kernelSize: 3, stride: 2 });
  assert.throws(() => conv.forward(randomTensor([2, 5, 8, 8], 1)), /input has 5 channels .*inChannels = 3/);
  assert.throws(() => conv.forward(randomTensor([3, 8, 8], 1)), /NCHW input of rank 4, got shape \[3, 8, 8\]/);
  assert.throws(() => conv.forward(randomTensor([1, 3, 2, 8], 1)), /kernel height 3 is larger than the padded input height 2/);
  assert.throws(() => conv.backward(randomTensor([1, 4, 3, 3], 1)), /backward called before forward/);
  assert.throws(() => (conv.weight = randomTensor([4, 3, 3], 1)), /weight must have shape \(O, C, K, L\) = \[4, 3, 3, 3\], got \[4, 3, 3\]/);
  assert.throws(() => (conv.bias = randomTensor([3], 1)), /bias must have shape \(O\) = \[4\], got \[3\]/);
  assert.throws(() => new Conv2D({ inChannels: 0, outChannels: 4, kernelSize: 3 }), /inChannels must be a positive integer/);
  assert.throws(() => new Conv2D({ inChannels: 1, outChannels: 4, kernelSize: 3, stride: 0 }), /stride must be an integer >= 1, got 0/);
  assert.throws(() => new Conv2D({ inChannels: 1, outChannels: 4, kernelSize: 3, padding: -1 }), /padding must be a non-negative integer/);
  conv.forward(randomTensor([1, 3, 8, 8], 1));
  assert.throws(() => conv.backward(randomTensor([1, 4, 4, 3], 1)), /dout must have the forward output's shape \[1, 4, 3, 3\], got \[1, 4, 4, 3\]/);
});

/** The reference README's verdicts on the post's recipe, each checked against the numerical gradient. */
const recipeCases: Array<{ k: number; s: number; p: number; size: number; right: boolean }> = [
  { k: 3, s: 2, p: 1, size: 12, right: false },
  { k: 5, s: 1, p: 1, size: 12, right: false },
  { k: 3, s: 3, p: 0, size: 12, right: false },
  { k: 3, s: 1, p: 0, size: 12, right: true },
  { k: 3, s: 2, p: 0, size: 9, right: true },
  { k: 5, s: 2, p: 2, size: 11, right: true },
];

for (const { k, s, p, size, right } of recipeCases) {
  test(`post recipe is ${right ? "right" : "wrong"} for kernel ${k} / stride ${s} / pad ${p} on ${size}x${size}`, () => {
    const conv = makeLayer(2, 3, k, s, p, 1, 900 + k * 10 + s);
    const x = randomTensor([2, 2, size, size], 1000 + k + s + p);
    const g = randomTensor(conv.outputShape(x.shape), 1100 + k + s + p);
    const trueDx = numericalConvGradients(conv, x, g).dx;
    conv.forward(x);
    assert.ok(compare(conv.backward(g).dx, trueDx).rel < 1e-6, "einconv's own dx is right");
    const params = { weight: conv.weight, inputShape: x.shape, stride: s, padding: p };
    const strict = postRecipeInputGrad(g, params);
    const emulated = postRecipeInputGrad(g, params, { overrun: "emulate" });
    assert.ok(emulated.ok);
    const e = compare(emulated.dx, trueDx);
    if (right) {
      assert.ok(strict.ok, "no overrun");
      assert.deepEqual(strict.dx.shape, x.shape);
      assert.ok(compare(strict.dx, trueDx).rel < 1e-6, `recipe should match: rel ${compare(strict.dx, trueDx).rel}`);
    } else {
      // Either its view cannot be formed in bounds, or the numbers are off (or both).
      assert.ok(!strict.ok || !(e.rel < 1e-3), "recipe should be wrong here");
      if (!strict.ok) assert.match(strict.error.message, /read past the end/);
    }
  });
}

test("post recipe details: where the wrong cases go wrong", () => {
  const run = (k: number, s: number, p: number, size: number) => {
    const conv = makeLayer(1, 2, k, s, p, 1, 1300 + k + s + p);
    const x = randomTensor([2, 1, size, size], 1400 + k);
    const g = randomTensor(conv.outputShape(x.shape), 1500 + k);
    const trueDx = numericalConvGradients(conv, x, g).dx;
    const r = postRecipeInputGrad(g, { weight: conv.weight, inputShape: x.shape, stride: s, padding: p }, { overrun: "emulate" });
    assert.ok(r.ok);
    return { r, dx: flat(r.dx), trueDx };
  };
  // k5/s1/p1: padding 1 instead of k-1-p = 3, windows misaligned everywhere, reads past the end.
  const a = run(5, 1, 1, 12);
  assert.equal(a.r.geometry.height.recipePadding, 1);
  assert.equal(a.r.geometry.height.correctPaddingBefore, 3);
  assert.ok(a.r.geometry.readsPastEnd);
  const finiteWrong = Array.from(a.dx).filter((v, i) => Number.isFinite(v) && Math.abs(v - a.trueDx[i]) > 1e-3).length;
  assert.ok(finiteWrong > a.dx.length / 2, `k5/s1/p1: only ${finiteWrong} finite entries wrong`);
  // k3/s3/p0: one zero between gradient elements instead of two.
  const b = run(3, 3, 0, 12);
  assert.equal(b.r.geometry.height.recipeZeros, 1);
  assert.equal(b.r.geometry.height.correctZeros, 2);
  const bWrong = Array.from(b.dx).filter((v, i) => Number.isFinite(v) && Math.abs(v - b.trueDx[i]) > 1e-3).length;
  assert.ok(bWrong > b.dx.length / 4, `k3/s3/p0: only ${bWrong} finite entries wrong`);
  // Beyond the README: k3/s1/p2 stays in bounds (ok) but pads by 2 instead of k-1-p = 0, so it is wrong anyway.
  const d = run(3, 1, 2, 8);
  assert.ok(!d.r.geometry.readsPastEnd);
  assert.ok(compare(d.dx, d.trueDx).rel > 1e-2, "k3/s1/p2: wrong without any overrun");
  // k3/s2/p1 on 12x12 (the post's own layer): zeros and padding are right, but the row/column the
  // stride skipped ((12 + 2 - 3) mod 2 = 1) is missing, so the windows run one row/column past the
  // buffer. Inside the buffer numpy's view wraps onto padding zeros (harmless here); the entries
  // that read past the end (NaN in emulate mode) are the wrong ones.
  const c = run(3, 2, 1, 12);
  assert.equal(c.r.geometry.height.skipped, 1);
  assert.equal(c.r.geometry.height.overrun, 1);
  const nan = Array.from(c.dx).filter((v) => Number.isNaN(v)).length;
  assert.ok(nan > 0, "some entries depend on memory past the end");
  const finite = compare(
    Array.from(c.dx).map((v, i) => (Number.isNaN(v) ? c.trueDx[i] : v)),
    c.trueDx,
  );
  assert.ok(finite.rel < 1e-6, "the in-buffer entries are right");
  // the post's own printed example (x 4x3x12x10, 128 filters) overruns too
  const conv = new Conv2D({ inChannels: 3, outChannels: 128, kernelSize: 3, stride: 2, padding: 1 });
  const r = postRecipeInputGrad(randomTensor([4, 128, 6, 5], 1), { weight: conv.weight, inputShape: [4, 3, 12, 10], stride: 2, padding: 1 });
  assert.ok(!r.ok);
  assert.equal(r.geometry.width.overrun, 1);
});
