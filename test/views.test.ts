/**
 * Zero-copy views against numpy: test/fixtures/views.json (written by views.py) holds numpy's
 * sliding_window_view and as_strided results, skimage-style view_as_windows, and CNN windows of NCHW
 * input computed by explicit loops. Every view must share its input's buffer (`v.data === x.data`)
 * except `windows()` with padding, which copies once; out-of-bounds `asStrided` views must be refused
 * with the reachable range in the message.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import ndarray from "ndarray";
import { asStrided, slidingWindowView, viewAsWindows, windows, einsum } from "../src/index";
import { Arr, FixtureArray, Numeric, dtypeOf, firstMismatch, fromFixture, loadFixture, throwsEinsumError, toFlat, typed } from "./reference";

type IntOrList = number | number[];

interface WindowOpts {
  kernel: number | [number, number];
  stride?: number | [number, number];
  dilation?: number | [number, number];
  padding?: number | [number, number];
}

interface ViewsFixture {
  numpy: string;
  slidingWindowView: Array<{ name: string; input: FixtureArray; windowShape: IntOrList; axis: IntOrList | null; expected: FixtureArray }>;
  slidingWindowViewErrors: Array<{ name: string; shape: number[]; windowShape: IntOrList; axis: IntOrList | null; numpyError: { type: string; message: string }; mustMention: string[] }>;
  asStrided: Array<{ name: string; input: FixtureArray; shape: number[]; strides: number[]; offset: number; expected: FixtureArray }>;
  asStridedOutOfBounds: Array<{ name: string; bufferLength: number; shape: number[]; strides: number[]; offset: number; reach: [number, number] }>;
  viewAsWindows: Array<{ name: string; input: FixtureArray; windowShape: IntOrList; step: IntOrList; expected: FixtureArray }>;
  viewAsWindowsErrors: Array<{ name: string; shape: number[]; windowShape: IntOrList; step: IntOrList; mustMention: string[] }>;
  windows: Array<{ name: string; input: FixtureArray; opts: WindowOpts; expected: FixtureArray }>;
}

const fx = loadFixture<ViewsFixture>("views");
const call = <F>(f: F) => f as unknown as (...args: unknown[]) => Arr;

function check(label: string, got: Arr, want: FixtureArray): void {
  assert.deepEqual(got.shape, want.shape, `${label}: shape`);
  assert.equal(dtypeOf(got), want.dtype, `${label}: dtype`);
  const bad = firstMismatch(toFlat(got), want.data, 0);
  assert.equal(bad, undefined, `${label}: ${bad}`);
}

/** The same logical array as `a`, stored back to front and read through negative strides on every axis. */
function reversedStorage(a: FixtureArray): Arr {
  const base = ndarray<Numeric>(typed(a.dtype, a.data.slice().reverse()), a.shape.slice());
  return base.step(...a.shape.map(() => -1));
}

/** Matches an integer as a whole number (so 1 does not match inside 12 or -1). */
const num = (n: number) => new RegExp(`(^|[^\\d-])${n < 0 ? "-" : ""}${Math.abs(n)}(?!\\d)`);

test(`view fixtures were written by numpy ${fx.numpy}`, () => {
  assert.ok(fx.slidingWindowView.length >= 10 && fx.asStrided.length >= 10 && fx.windows.length >= 5);
});

for (const c of fx.slidingWindowView) {
  test(`slidingWindowView ${c.name}`, () => {
    const x = fromFixture(c.input);
    const args = c.axis === null ? [x, c.windowShape] : [x, c.windowShape, c.axis];
    const v = call(slidingWindowView)(...args);
    check(c.name, v, c.expected);
    assert.equal(v.data, x.data, "must be a view of the input's buffer");
    const xr = reversedStorage(c.input);
    const vr = call(slidingWindowView)(xr, ...args.slice(1));
    check(`${c.name} (negative strides)`, vr, c.expected);
    assert.equal(vr.data, xr.data, "must be a view of the input's buffer");
  });
}

for (const e of fx.slidingWindowViewErrors) {
  test(`slidingWindowView error: ${e.name} (numpy: ${e.numpyError.message})`, () => {
    const x = ndarray<Numeric>(new Float64Array(e.shape.reduce((a, b) => a * b, 1)), e.shape.slice());
    const args = e.axis === null ? [x, e.windowShape] : [x, e.windowShape, e.axis];
    const msg = throwsEinsumError(() => call(slidingWindowView)(...args), e.name);
    for (const src of e.mustMention) assert.match(msg, new RegExp(src, "i"), `${e.name}: ${msg}`);
  });
}

for (const c of fx.asStrided) {
  test(`asStrided ${c.name}`, () => {
    const x = fromFixture(c.input);
    const v = call(asStrided)(x, c.shape, c.strides, c.offset);
    check(c.name, v, c.expected);
    assert.equal(v.data, x.data, "must be a view of the input's buffer");
  });
}

test("asStrided: strides and offset index the buffer (ndarray's convention); offset defaults to the view's start", () => {
  const base = ndarray<Numeric>(Float64Array.from({ length: 12 }, (_, i) => i), [12]);
  const x = base.lo(2); // starts at element 2
  assert.deepEqual(toFlat(call(asStrided)(x, [3], [1])), [2, 3, 4]);
  assert.deepEqual(toFlat(call(asStrided)(x, [3], [1], 5)), [5, 6, 7]);
  assert.deepEqual(toFlat(call(asStrided)(x, [3], [-1], 4)), [4, 3, 2]);
  // reaching before the view's start is fine while it stays inside the buffer (numpy does the same)
  assert.deepEqual(toFlat(call(asStrided)(x, [3], [-1])), [2, 1, 0]);
  const r = base.step(-1); // starts at element 11, stride -1
  assert.deepEqual(toFlat(call(asStrided)(r, [2, 2], [-2, -1])), [11, 10, 9, 8]);
  assert.equal(call(asStrided)(r, [2, 2], [-2, -1]).data, base.data);
});

for (const c of fx.asStridedOutOfBounds) {
  test(`asStrided refuses ${c.name} (reaches ${c.reach[0]}..${c.reach[1]} of ${c.bufferLength})`, () => {
    const x = ndarray<Numeric>(new Float64Array(c.bufferLength), [c.bufferLength]);
    const msg = throwsEinsumError(() => call(asStrided)(x, c.shape, c.strides, c.offset), c.name);
    assert.match(msg, num(c.reach[0]), `lowest reachable element ${c.reach[0]} should be named: ${msg}`);
    assert.match(msg, num(c.reach[1]), `highest reachable element ${c.reach[1]} should be named: ${msg}`);
    assert.ok(num(c.bufferLength).test(msg) || num(c.bufferLength - 1).test(msg), `buffer size should be named: ${msg}`);
  });
}

for (const c of fx.viewAsWindows) {
  test(`viewAsWindows ${c.name}`, () => {
    const x = fromFixture(c.input);
    const v = call(viewAsWindows)(x, c.windowShape, c.step);
    check(c.name, v, c.expected);
    assert.equal(v.data, x.data, "must be a view of the input's buffer");
    const xr = reversedStorage(c.input);
    check(`${c.name} (negative strides)`, call(viewAsWindows)(xr, c.windowShape, c.step), c.expected);
  });
}

test("viewAsWindows step 1 is the default", () => {
  const c = fx.viewAsWindows.find((v) => v.step === 1)!;
  check(c.name, call(viewAsWindows)(fromFixture(c.input), c.windowShape), c.expected);
});

test("strided 7x7 example: windows of step 2 contracted with the 3x3 kernel give the known answer", () => {
  const c = fx.viewAsWindows.find((v) => v.name.startsWith("7x7"))!;
  const w = call(viewAsWindows)(fromFixture(c.input), 3, 2);
  const kernel = ndarray<Numeric>(Float64Array.from([3, 4, 4, 1, 0, 2, -1, 0, 3]), [3, 3]);
  const out = call(einsum)("ijkl,kl->ij", w, kernel);
  assert.deepEqual(toFlat(out), [91, 100, 88, 69, 91, 117, 44, 72, 74]);
});

for (const e of fx.viewAsWindowsErrors) {
  test(`viewAsWindows error: ${e.name}`, () => {
    const x = ndarray<Numeric>(new Float64Array(e.shape.reduce((a, b) => a * b, 1)), e.shape.slice());
    const msg = throwsEinsumError(() => call(viewAsWindows)(x, e.windowShape, e.step), e.name);
    for (const src of e.mustMention) assert.match(msg, new RegExp(src, "i"), `${e.name}: ${msg}`);
  });
}

const padded = (o: WindowOpts) => [o.padding ?? 0].flat().some((p) => p > 0);

for (const c of fx.windows) {
  test(`windows ${c.name} ${JSON.stringify(c.opts)}`, () => {
    const x = fromFixture(c.input);
    const v = call(windows)(x, c.opts);
    check(c.name, v, c.expected);
    if (padded(c.opts)) assert.notEqual(v.data, x.data, "padding copies the input once");
    else assert.equal(v.data, x.data, "without padding, windows() must be a view of the input's buffer");
    const xr = reversedStorage(c.input);
    check(`${c.name} (negative strides)`, call(windows)(xr, c.opts), c.expected);
  });
}

test("windows() of the conv-layer post has shape (B, C, H', W', K, L) = (4, 3, 6, 5, 3, 3)", () => {
  const x = ndarray<Numeric>(new Float64Array(4 * 3 * 12 * 10), [4, 3, 12, 10]);
  assert.deepEqual(call(windows)(x, { kernel: 3, stride: 2, padding: 1 }).shape, [4, 3, 6, 5, 3, 3]);
});

test("windows() rejects a kernel larger than the padded input", () => {
  const x = ndarray<Numeric>(new Float64Array(16), [1, 1, 4, 4]);
  const msg = throwsEinsumError(() => call(windows)(x, { kernel: 5 }), "kernel too large");
  assert.match(msg, num(5), msg);
  const msg2 = throwsEinsumError(() => call(windows)(x, { kernel: 3, dilation: 2 }), "dilated kernel too large");
  assert.match(msg2, num(5), `dilated extent 5 should be named: ${msg2}`);
});
