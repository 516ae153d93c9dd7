import { test } from "node:test";
import assert from "node:assert/strict";
import { ConvError, ConvMode, convInfo, modePadding, outputSize } from "../src/conv";
import { convFixture as fixture } from "./conv_fixture";


/** Counts kernel positions by walking them: the definition the formula must match. */
function countPositions(inSize: number, kernel: number, padding: number, stride: number, dilation: number): number {
  const span = dilation * (kernel - 1) + 1;
  let n = 0;
  for (let start = 0; start + span <= inSize + 2 * padding; start += stride) n++;
  return n;
}

test("outputSize: the blog's worked examples, sized by scipy", () => {
  assert.equal(outputSize(28, 3), 26);
  assert.equal(outputSize(28, 3, { padding: 0, stride: 1 }), 26);
  // The blog (and the reference README) print 23 here, but its own formula gives
  // floor((56 + 2 - 5) / 2) + 1 = 27, and so does scipy (fixture) and walking the positions.
  assert.equal(outputSize(56, 5, { padding: 1, stride: 2 }), 27);
  assert.equal(countPositions(56, 5, 1, 2, 1), 27);
  for (const e of fixture.outputSize) {
    assert.equal(outputSize(e.in, e.kernel, { padding: e.padding, stride: e.stride }), e.out, JSON.stringify(e));
  }
});

test("outputSize: modes at stride 1 (valid in-k+1, same in, full in+k-1) and the full-then-valid round trip", () => {
  for (const inSize of [5, 8, 13]) {
    for (const k of [1, 3, 5]) {
      assert.equal(outputSize(inSize, k), inSize - k + 1);
      assert.equal(outputSize(inSize, k, { padding: (k - 1) / 2 }), inSize);
      const full = outputSize(inSize, k, { padding: k - 1 });
      assert.equal(full, inSize + k - 1);
      assert.equal(outputSize(full, k), inSize);
    }
  }
});

test("outputSize: matches walking the kernel positions over a grid of settings", () => {
  for (let inSize = 1; inSize <= 12; inSize++) {
    for (let k = 1; k <= 5; k++) {
      for (let p = 0; p <= 2; p++) {
        for (let s = 1; s <= 3; s++) {
          for (let d = 1; d <= 3; d++) {
            const expected = countPositions(inSize, k, p, s, d);
            if (expected === 0) {
              assert.throws(() => outputSize(inSize, k, { padding: p, stride: s, dilation: d }), ConvError);
            } else {
              assert.equal(outputSize(inSize, k, { padding: p, stride: s, dilation: d }), expected, `${inSize} ${k} ${p} ${s} ${d}`);
            }
          }
        }
      }
    }
  }
});

test("outputSize: clear errors for bad stride, padding and too-large kernels", () => {
  assert.throws(() => outputSize(10, 3, { stride: 0 }), /stride must be an integer >= 1, got 0/);
  assert.throws(() => outputSize(10, 3, { stride: -2 }), /stride must be an integer >= 1, got -2/);
  assert.throws(() => outputSize(10, 3, { stride: 1.5 }), /stride must be an integer >= 1, got 1\.5/);
  assert.throws(() => outputSize(10, 3, { padding: -1 }), /padding must be a non-negative integer, got -1/);
  assert.throws(() => outputSize(10, 3, { padding: 0.5 }), /padding must be a non-negative integer, got 0\.5/);
  assert.throws(() => outputSize(10, 3, { dilation: 0 }), /dilation must be an integer >= 1, got 0/);
  assert.throws(() => outputSize(4, 7, { padding: 1 }), /kernel size 7 is larger than the padded input size 6 \(input 4 \+ padding 1\+1\)/);
  assert.throws(() => outputSize(6, 3, { dilation: 3 }), /kernel size 3 \(spanning 7 with dilation 3\) is larger than the padded input size 6/);
  assert.throws(() => outputSize(0, 1), /input size must be an integer >= 1, got 0/);
});

test("modePadding: valid none, full k-1 both sides, same splits k-1 with the extra zero after", () => {
  assert.deepEqual(modePadding("valid", 4), { before: 0, after: 0 });
  assert.deepEqual(modePadding("full", 4), { before: 3, after: 3 });
  assert.deepEqual(modePadding("same", 3), { before: 1, after: 1 });
  assert.deepEqual(modePadding("same", 4), { before: 1, after: 2 });
  assert.deepEqual(modePadding("same", 1), { before: 0, after: 0 });
  assert.throws(() => modePadding("circular" as ConvMode, 3), /unknown mode "circular": expected "valid", "same" or "full"/);
});

test("convInfo: output shapes agree with scipy's for every fixture case", () => {
  const { data, kernels, cases } = fixture.convolve;
  assert.ok(cases.length > 200);
  for (const c of cases) {
    const info = convInfo(data[c.x].shape, kernels[c.k].shape, c);
    assert.deepEqual([info.outHeight, info.outWidth], c.expected.shape, JSON.stringify({ ...c, expected: undefined }));
  }
});

test("convInfo: a flat record with totals of explicit and mode padding", () => {
  const info = convInfo([50, 60, 3], [4, 3], { mode: "same", padding: [1, 2], stride: [2, 1], dilation: [1, 2] });
  assert.deepEqual(info, {
    dataRank: 3,
    kernelRank: 2,
    inHeight: 50,
    inWidth: 60,
    inChannels: 3,
    kernelHeight: 4,
    kernelWidth: 3,
    strideHeight: 2,
    strideWidth: 1,
    dilationHeight: 1,
    dilationWidth: 2,
    effectiveKernelHeight: 4,
    effectiveKernelWidth: 5,
    padTop: 1 + 1,
    padBottom: 1 + 2,
    padLeft: 2 + 2,
    padRight: 2 + 2,
    paddedHeight: 55,
    paddedWidth: 68,
    outHeight: Math.floor((55 - 4) / 2) + 1,
    outWidth: 68 - 5 + 1,
    mode: "same",
  });
});

test("convInfo: clear errors naming sizes, axes and channel counts", () => {
  assert.throws(() => convInfo([4, 9], [5, 3]), /kernel height 5 is larger than the padded input height 4 \(input 4 \+ padding 0\+0\) in "valid" mode/);
  assert.equal(convInfo([9, 4, 2], [3, 6, 2], { padding: [0, 1] }).outWidth, 1);
  assert.throws(() => convInfo([9, 4, 2], [3, 7, 2], { padding: [0, 1] }), /kernel width 7 is larger than the padded input width 6 \(input 4 \+ padding 1\+1\)/);
  assert.throws(() => convInfo([9, 9, 3], [3, 3, 4]), /kernel has 4 channels but the data has 3 channels/);
  assert.throws(() => convInfo([9, 9, 3, 1], [3, 3]), /data must be 2-D \(h, w\) or 3-D \(h, w, c\), got rank 4/);
  assert.throws(() => convInfo([9], [3, 3]), /data must be 2-D \(h, w\) or 3-D \(h, w, c\), got rank 1/);
  assert.throws(() => convInfo([9, 9], [3]), /kernel must be 2-D \(kh, kw\) or 3-D \(kh, kw, c\), got rank 1/);
  assert.throws(() => convInfo([9, 9], [3, 3, 1]), /a 3-D kernel \(shape \[3, 3, 1\]\) needs 3-D data/);
  assert.throws(() => convInfo([9, 9], [3, 3], { stride: 0 }), /stride must be an integer >= 1, got 0/);
  assert.throws(() => convInfo([9, 9], [3, 3], { stride: [1, 2.5] }), /stride \(width\) must be an integer >= 1, got 2\.5/);
  assert.throws(() => convInfo([9, 9], [3, 3], { padding: -1 }), /padding must be a non-negative integer, got -1/);
  assert.throws(() => convInfo([9, 9], [3, 3], { mode: "wrap" as ConvMode }), /unknown mode "wrap"/);
  // same/full never run out of room, whatever the kernel.
  assert.equal(convInfo([2, 2], [5, 5], { mode: "same" }).outHeight, 2);
  assert.equal(convInfo([2, 2], [5, 5], { mode: "full" }).outWidth, 6);
});

test("convInfo memoises repeated shapes: equal records, independent copies, errors never cached", () => {
  const a = convInfo([32, 32, 10], [9, 9, 10], { stride: 5 });
  const b = convInfo([32, 32, 10], [9, 9, 10], { stride: 5 });
  assert.deepEqual(a, b);
  assert.notEqual(a, b, "a copy per call");
  (a as { outHeight: number }).outHeight = -1;
  assert.equal(convInfo([32, 32, 10], [9, 9, 10], { stride: 5 }).outHeight, 5, "a caller's change does not reach the memo");
  assert.deepEqual(convInfo([32, 32, 10], [9, 9, 10], { stride: [5, 5] }), b);
  // Values a key could confuse with a valid one still raise their own errors.
  assert.throws(() => convInfo([32, 32, 10], [9, 9, 10], { stride: "5" as unknown as number }), /stride/);
  assert.throws(() => convInfo([32, 32, 10], [9, 9, 10], { stride: NaN }), /stride/);
  assert.throws(() => convInfo([32, 32, 10], [9, 9, 10], { stride: 0 }), /stride/);
  assert.throws(() => convInfo([32, 32, 10], [9, 9, 10], { mode: "Same" as never }), /unknown mode "Same"/);
  assert.throws(() => convInfo([4, 4], [9, 9]), /./, "a kernel larger than the data, twice");
  assert.throws(() => convInfo([4, 4], [9, 9]), /./);
});
