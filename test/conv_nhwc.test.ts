import { test } from "node:test";
import assert from "node:assert/strict";
import ndarray from "ndarray";
import { ConvError, NHWCOptions, conv2dNHWC, conv2dNHWCNaive, conv2dNHWCPerTap, nhwcInfo, nhwcWindows } from "../src/conv";
import { Tensor } from "../src/types";
import { convFixture as fixture, decode, flat } from "./conv_fixture";
import { boundMismatch } from "./reference";


const IMPLEMENTATIONS = { conv2dNHWC, conv2dNHWCPerTap, conv2dNHWCNaive };

function normOfDifference(a: Tensor, b: Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  const x = flat(a);
  const y = flat(b);
  return Math.sqrt(x.reduce((s, v, i) => s + (v - y[i]) ** 2, 0));
}

function random(shape: number[], seed: number): Tensor {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
  return ndarray(Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, next), shape);
}

/** The Q&A's loop version (batch, row, column, output channel; window dot product), with stride and padding. */
function fourLoops(x: Tensor, w: Tensor, stride: number, pad: number): Tensor {
  const [n, h, wd, c] = x.shape;
  const [kh, kw, , co] = w.shape;
  const oh = Math.floor((h + 2 * pad - kh) / stride) + 1;
  const ow = Math.floor((wd + 2 * pad - kw) / stride) + 1;
  const out = ndarray(new Float64Array(n * oh * ow * co), [n, oh, ow, co]);
  for (let b = 0; b < n; b++)
    for (let r = 0; r < oh; r++)
      for (let q = 0; q < ow; q++)
        for (let d = 0; d < co; d++) {
          let sum = 0;
          for (let i = 0; i < kh; i++)
            for (let j = 0; j < kw; j++)
              for (let ch = 0; ch < c; ch++) {
                const y = r * stride + i - pad;
                const z = q * stride + j - pad;
                if (y >= 0 && y < h && z >= 0 && z < wd) sum += x.get(b, y, z, ch) * w.get(i, j, ch, d);
              }
          out.set(b, r, q, d, sum);
        }
  return out;
}

test("NHWC: all three implementations within the K-scaled rounding bound of numpy on the fixture grid (stride, padding incl. same, dilation)", () => {
  // Full-mantissa float data (conv.py): each implementation sums the K = kh·kw·cin products in its own order,
  // so each is held to 4·(K + 2)·u·Σ|x||w| per element, which a float32-rounded answer fails (checked below).
  const x = decode(fixture.nhwc.x);
  assert.equal(fixture.nhwc.cases.length, 80);
  for (const c of fixture.nhwc.cases) {
    const w = decode(fixture.nhwc.w[c.w]);
    const options: NHWCOptions = { stride: c.stride, padding: c.padding, dilation: c.dilation };
    for (const [name, f] of Object.entries(IMPLEMENTATIONS)) {
      const y = f(x, w, options);
      assert.deepEqual(y.shape, c.expected.shape, `${name} ${JSON.stringify(options)} shape`);
      const bad = boundMismatch(flat(y), { data: c.expected.data, absSum: c.absSum, terms: c.terms }, 2, "float64");
      assert.equal(bad, undefined, `${name} ${c.w} ${JSON.stringify(options)}: ${bad}`);
    }
    const rounded = c.expected.data.map(Math.fround);
    assert.notEqual(boundMismatch(rounded, { data: c.expected.data, absSum: c.absSum, terms: c.terms }, 2, "float64"), undefined, "the bound bites");
  }
  assert.ok(fixture.nhwc.x.data.every((v) => !Number.isInteger(v)), "the NHWC input is full-mantissa floats");
});

test("NHWC: flipping the kernel (true convolution) differs from the framework's no-flip result", () => {
  const x = decode(fixture.nhwc.x);
  const w = decode(fixture.nhwc.w[fixture.nhwc.flip.w]);
  const f = fixture.nhwc.flip;
  const noflip = conv2dNHWC(x, w);
  assert.equal(boundMismatch(flat(noflip), { data: f.noflip.data, absSum: f.noflipAbsSum, terms: f.terms }, 2, "float64"), undefined);
  // w[::-1, ::-1] as a view: negative steps, no copy.
  const flipped = conv2dNHWC(x, w.step(-1, -1));
  const bad = boundMismatch(flat(flipped), { data: f.flipped.data, absSum: f.flippedAbsSum, terms: f.terms }, 2, "float64");
  assert.equal(bad, undefined, `flipped kernel = scipy.signal.convolve2d summed over channels: ${bad}`);
  assert.ok(normOfDifference(noflip, flipped) > 0.5, "the two definitions disagree");
});

test("NHWC: random floats, views as input, stride 2 and 'same': all agree with the loop version", () => {
  const big = random([3, 11, 11, 4], 11);
  // A non-contiguous input: the middle 9x9 block and channels 0..2 of a larger array.
  const x = big.lo(0, 1, 1, 0).hi(3, 9, 9, 3);
  const w = random([3, 3, 3, 5], 12);
  const expected = fourLoops(x, w, 2, 1);
  // TF "same" at stride 2 on 9: output 5, total padding (5-1)*2 + 3 - 9 = 2, split 1/1 -> the same as padding 1.
  const same = nhwcInfo(x.shape, w.shape, { stride: 2, padding: "same" });
  assert.deepEqual([same.padTop, same.padBottom, same.padLeft, same.padRight, same.outHeight], [1, 1, 1, 1, 5]);
  for (const [name, f] of Object.entries(IMPLEMENTATIONS)) {
    for (const padding of [1, "same"] as const) {
      const y = f(x, w, { stride: 2, padding });
      assert.ok(normOfDifference(y, expected) < 1e-12, `${name} padding ${padding}`);
    }
  }
  // "same" on an even size puts the extra zero at the bottom/right (TensorFlow's rule).
  const info = nhwcInfo([1, 8, 8, 1], [4, 4, 1, 1], { padding: "same" });
  assert.deepEqual([info.padTop, info.padBottom, info.outHeight], [1, 2, 8]);
});

test("NHWC: the article's shapes, (N,32,32,3) x (3,3,3,16): window version and per-tap version agree to ~1e-12", () => {
  const x = random([8, 32, 32, 3], 21);
  const w = random([3, 3, 3, 16], 22);
  const a = conv2dNHWC(x, w);
  const b = conv2dNHWCPerTap(x, w);
  assert.deepEqual(a.shape, [8, 30, 30, 16]);
  assert.ok(normOfDifference(a, b) < 1e-10);
  const sub = x.hi(1, 32, 32, 3);
  assert.ok(normOfDifference(conv2dNHWCNaive(sub, w), a.hi(1, 30, 30, 16)) < 1e-10);
});

test("NHWC: the 6-D window view is zero-copy, with stride and dilation in its strides", () => {
  const x = random([2, 9, 8, 3], 31);
  const info = nhwcInfo(x.shape, [3, 2, 3, 4], { stride: [2, 3], dilation: [1, 2] });
  const v = nhwcWindows(x, info);
  assert.deepEqual(v.shape, [2, 4, 2, 3, 2, 3]);
  assert.equal(v.data, x.data);
  assert.equal(v.get(1, 3, 1, 2, 1, 2), x.get(1, 3 * 2 + 2, 1 * 3 + 1 * 2, 2));
});

test("NHWC: clear errors", () => {
  const x = random([2, 6, 6, 3], 41);
  assert.throws(() => conv2dNHWC(x, random([3, 3, 2, 4], 42)), ConvError);
  assert.throws(() => conv2dNHWC(x, random([3, 3, 2, 4], 42)), /filters have 2 input channels but the input has 3 channels/);
  assert.throws(() => conv2dNHWC(random([6, 6, 3], 43), random([3, 3, 3, 4], 42)), /input must be 4-D \[N, H, W, C\], got rank 3/);
  assert.throws(() => conv2dNHWC(x, random([3, 3, 3], 42)), /filters must be 4-D \[KH, KW, Cin, Cout\], got rank 3/);
  assert.throws(() => conv2dNHWC(x, random([7, 3, 3, 4], 42)), /kernel height 7 is larger than the padded input height 6 \(input 6 \+ padding 0\+0\)/);
  assert.throws(() => conv2dNHWC(x, random([3, 3, 3, 4], 42), { stride: 0 }), /stride must be an integer >= 1, got 0/);
  assert.throws(() => conv2dNHWC(x, random([3, 3, 3, 4], 42), { padding: -2 }), /padding must be a non-negative integer, got -2/);
  assert.throws(() => conv2dNHWC(x, random([3, 3, 3, 4], 42), { padding: "full" as "same" }), /unknown padding "full": expected a count, "valid" or "same"/);
  assert.throws(() => conv2dNHWCPerTap(x, random([3, 3, 2, 4], 42)), /filters have 2 input channels/);
  assert.throws(() => conv2dNHWCNaive(x, random([3, 3, 2, 4], 42)), /filters have 2 input channels/);
});
