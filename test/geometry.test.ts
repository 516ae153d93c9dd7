/**
 * The one convolution geometry (src/geometry.ts): output sizes against numpy's window
 * count (test/fixtures/geometry.py), the three "same" conventions against scipy.signal,
 * the sub-matrix clipping against brute force, and the one error text.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { axisGeometry, centeredStart, convIndex, insideOutputs, samePadding } from "../src/geometry";
import { formatAffine } from "../src/affine";
import { ConvError } from "../src/fft/errors";

interface SameCase {
  x: number[];
  w: number[];
  correlate2d: number[];
  correlate: number[];
  fftconvolve: number[];
}
interface SizeCase {
  n: number;
  k: number;
  stride: number;
  dilation: number;
  pad: number;
  out: number;
}
const fixture = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../test/fixtures/geometry.json"), "utf8")) as {
  same: SameCase[];
  sizes: SizeCase[];
};

/** Valid correlation of x, zero-padded by `pad`, with w: out[o] = sum_k xp[o + k] w[k], through the geometry. */
function correlateWith(x: number[], w: number[], pad: { before: number; after: number }): number[] {
  const g = axisGeometry({ size: x.length, kernel: w.length, padBefore: pad.before, padAfter: pad.after });
  return Array.from({ length: g.out }, (_, o) => {
    let sum = 0;
    for (let k = 0; k < w.length; k++) {
      const i = g.stride * o + g.dilation * k - g.padBefore;
      if (i >= 0 && i < x.length) sum += x[i] * w[k];
    }
    return sum;
  });
}

test("axisGeometry: output sizes equal numpy's window count over the padded axis", () => {
  let checked = 0;
  for (const c of fixture.sizes) {
    const input = { size: c.n, kernel: c.k, stride: c.stride, dilation: c.dilation, padBefore: c.pad, padAfter: c.pad };
    if (c.out === 0) {
      assert.throws(() => axisGeometry(input), ConvError, JSON.stringify(c));
      continue;
    }
    const g = axisGeometry(input);
    assert.equal(g.out, c.out, JSON.stringify(c));
    assert.equal(g.span, c.dilation * (c.k - 1) + 1);
    assert.equal(g.padded, c.n + 2 * c.pad);
    checked++;
  }
  assert.ok(checked > 300);
});

test("samePadding: correlate2d and scipy conventions reproduce scipy.signal, fftconvolve its centred crop", () => {
  for (const c of fixture.same) {
    const span = c.w.length;
    const size = c.x.length;
    assert.deepEqual(correlateWith(c.x, c.w, samePadding("correlate2d", { size, span })), c.correlate2d, `correlate2d ${JSON.stringify(c)}`);
    assert.deepEqual(correlateWith(c.x, c.w, samePadding("scipy", { size, span })), c.correlate, `correlate ${JSON.stringify(c)}`);
    // A true convolution is a correlation with the flipped kernel; its "same" crop starts at centeredStart.
    const full = correlateWith(c.x, [...c.w].reverse(), { before: span - 1, after: span - 1 });
    const start = centeredStart(full.length, size);
    assert.deepEqual(full.slice(start, start + size), c.fftconvolve, `fftconvolve ${JSON.stringify(c)}`);
    // TF's SAME is correlate2d's at stride 1.
    assert.deepEqual(samePadding("tensorflow", { size, span }), samePadding("correlate2d", { size, span }));
  }
});

test("samePadding tensorflow: output ceil(n / stride), extra zero after", () => {
  for (let n = 1; n <= 12; n++) {
    for (let span = 1; span <= 6; span++) {
      for (let stride = 1; stride <= 4; stride++) {
        const p = samePadding("tensorflow", { size: n, span, stride });
        assert.ok(p.after - p.before === 0 || p.after - p.before === 1);
        const g = axisGeometry({ size: n, kernel: span, stride, padBefore: p.before, padAfter: p.after });
        assert.equal(g.out, Math.ceil(n / stride), `n ${n} span ${span} stride ${stride}`);
      }
    }
  }
});

test("insideOutputs: the outputs whose tap reads a real element, by brute force", () => {
  for (const c of fixture.sizes) {
    if (c.out === 0) continue;
    const g = axisGeometry({ size: c.n, kernel: c.k, stride: c.stride, dilation: c.dilation, padBefore: c.pad, padAfter: c.pad });
    for (let k = 0; k < c.k; k++) {
      const inside = Array.from({ length: g.out }, (_, o) => o).filter((o) => {
        const i = g.stride * o + g.dilation * k - g.padBefore;
        return i >= 0 && i < g.size;
      });
      const r = insideOutputs(g, k);
      const got = Array.from({ length: Math.max(0, r.end - r.first) }, (_, j) => r.first + j);
      assert.deepEqual(got, inside, `${JSON.stringify(c)} tap ${k}`);
    }
  }
});

test("convIndex is the affine index of the axis", () => {
  assert.equal(formatAffine(convIndex({ stride: 2, dilation: 1, padBefore: 1 })), "2o+k-1");
  assert.equal(formatAffine(convIndex({ stride: 1, dilation: 2, padBefore: 0 })), "o+2k");
});

test("one error text for impossible geometry, naming kernel, span, padded size and mode", () => {
  assert.throws(
    () => axisGeometry({ size: 6, kernel: 3, dilation: 3 }, { who: "conv2dNHWC", axis: "height", mode: "valid", hint: "pad the input" }),
    (e: unknown) =>
      e instanceof ConvError &&
      e.message ===
        'conv2dNHWC: kernel height 3 (spanning 7 with dilation 3) is larger than the padded input height 6 (input 6 + padding 0+0) in "valid" mode; pad the input',
  );
  assert.throws(() => axisGeometry({ size: 4, kernel: 2, stride: 0 }), /stride must be an integer >= 1, got 0/);
  assert.throws(() => axisGeometry({ size: 4, kernel: 2, padBefore: -1 }), /padding \(before\) must be a non-negative integer/);
});
