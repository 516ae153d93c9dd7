/**
 * src/geometry.ts edges that mutation testing (npm run mutation -- geometry) found unpinned:
 * each count's own error text, the impossible-geometry message without its optional parts,
 * an unknown "same" convention, and insideOutputs against its definition by brute force.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { axisGeometry, insideOutputs, samePadding, type SameConvention } from "../src/geometry";
import { ConvError } from "../src/conv/info";

/** The error is a ConvError with exactly this message. */
const convError = (message: string) => (e: unknown) => e instanceof ConvError && e.message === message;

test("every count names itself in its error", () => {
  const cases: Array<[Parameters<typeof axisGeometry>[0], string]> = [
    [{ size: 0, kernel: 3 }, "input width must be an integer >= 1, got 0"],
    [{ size: 5, kernel: 0 }, "kernel width must be an integer >= 1, got 0"],
    [{ size: 5, kernel: 3, stride: 1.5 }, "stride must be an integer >= 1, got 1.5"],
    [{ size: 5, kernel: 3, dilation: 0 }, "dilation must be an integer >= 1, got 0"],
    [{ size: 5, kernel: 3, padBefore: -1 }, "padding (before) must be a non-negative integer, got -1"],
    [{ size: 5, kernel: 3, padAfter: -2 }, "padding (after) must be a non-negative integer, got -2"],
  ];
  for (const [input, message] of cases) assert.throws(() => axisGeometry(input, { axis: "width" }), convError(message), message);
  assert.throws(() => axisGeometry({ size: 5, kernel: Number.NaN }), { message: "kernel size must be an integer >= 1, got NaN" });
});

test("the impossible-geometry message has only the parts it was given", () => {
  assert.throws(() => axisGeometry({ size: 2, kernel: 3 }), { message: "kernel size 3 is larger than the padded input size 2 (input 2 + padding 0+0)" });
  assert.throws(() => axisGeometry({ size: 2, kernel: 3, padAfter: 0 }, { who: "f", axis: "x" }), { message: "f: kernel x 3 is larger than the padded input x 2 (input 2 + padding 0+0)" });
  assert.throws(() => axisGeometry({ size: 3, kernel: 2, dilation: 4 }, { mode: "same" }), {
    message: 'kernel size 2 (spanning 5 with dilation 4) is larger than the padded input size 3 (input 3 + padding 0+0) in "same" mode',
  });
  assert.throws(() => axisGeometry({ size: 1, kernel: 2 }, { hint: "pad it" }), { message: "kernel size 2 is larger than the padded input size 1 (input 1 + padding 0+0); pad it" });
});

test("an unknown same convention is a ConvError naming it", () => {
  assert.throws(() => samePadding("numpy" as SameConvention, { size: 5, span: 3 }), convError('unknown "same" convention "numpy"'));
});

test("insideOutputs is exactly the outputs whose tap reads a real element (brute force)", () => {
  let cases = 0;
  let empty = 0;
  for (let size = 1; size <= 7; size++)
    for (let kernel = 1; kernel <= 4; kernel++)
      for (let stride = 1; stride <= 3; stride++)
        for (let dilation = 1; dilation <= 2; dilation++)
          for (let padBefore = 0; padBefore <= 3; padBefore++)
            for (let padAfter = 0; padAfter <= 3; padAfter++) {
              if (dilation * (kernel - 1) + 1 > size + padBefore + padAfter) continue;
              const g = axisGeometry({ size, kernel, stride, dilation, padBefore, padAfter });
              for (let k = 0; k < kernel; k++) {
                const inside: number[] = [];
                for (let o = 0; o < g.out; o++) {
                  const i = stride * o + dilation * k - padBefore;
                  if (i >= 0 && i < size) inside.push(o);
                }
                const got = insideOutputs(g, k);
                const want = inside.length === 0 ? undefined : { first: inside[0], end: inside[inside.length - 1] + 1 };
                if (want === undefined) {
                  empty++;
                  assert.equal(got.end - got.first, 0, `${JSON.stringify(g)} k=${k}: expected no outputs, got ${JSON.stringify(got)}`);
                  assert.ok(got.first >= 0 && got.first <= g.out, `first in [0, out]`);
                } else {
                  assert.deepEqual(got, want, `${JSON.stringify(g)} k=${k}`);
                  assert.equal(inside.length, want.end - want.first, "contiguous");
                }
                cases++;
              }
            }
  assert.ok(cases > 1000 && empty > 20, `${cases} cases, ${empty} with no real element`);
});
