/** Every example of issue 8 ("hostile input at the door"), pinned: the library's error, or numpy's value. */
import { test } from "node:test";
import assert from "node:assert/strict";
import ndarray from "ndarray";
import {
  Conv2D, ConvError, EinsumError, Tensor, asStrided, conv2dNHWC, copy, correlate, einsum, einsumPath, fftconvolve, fromNested,
  pad, permute, slidingWindowView, tensordot, toNested, viewAsWindows, windows, zeros,
} from "../src/index";

const nd = (data: unknown, shape: number[], stride?: number[], offset?: number): Tensor =>
  (ndarray as unknown as (...a: unknown[]) => Tensor)(data, shape, stride, offset);
function rejects(fn: () => unknown, type: typeof EinsumError, text: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${String(e)}`);
    assert.match((e as Error).message, text);
    return true;
  });
}
const bad = <T>(x: unknown) => x as T;

test("operand views reaching past their buffer are refused everywhere", () => {
  const over = nd(new Int32Array([1, 2, 3, 4]), [3, 3]);
  rejects(() => einsum("ij->", over), EinsumError, /operand 0: view with shape \[3, 3\].*reaches data indices 0\.\.8, outside the buffer 0\.\.3/);
  rejects(() => einsum("ij->", nd(new Float64Array(4), [3, 3])), EinsumError, /outside the buffer/);
  rejects(() => copy(over), EinsumError, /copy: x: view/);
  rejects(() => pad(over, [[1, 1], [1, 1]]), EinsumError, /pad: x: view/);
  rejects(() => windows(nd(new Float64Array(4), [1, 1, 3, 3]), { kernel: 2, padding: 1 }), EinsumError, /windows: x: view/);
  rejects(() => fftconvolve(nd(new Float64Array(4), [3, 3]), zeros([2, 2])), ConvError, /fftconvolve: a: view/);
  rejects(() => correlate(zeros([3]), nd(new Float64Array(2), [3])), ConvError, /correlate: b: view/);
  // scijs ndarray truncates a fractional offset itself; an ndarray-like record or asStrided keeps it.
  const half = { data: new Float64Array(4), shape: [2], stride: [1], offset: 0.5 } as unknown as Tensor;
  rejects(() => einsum("i->", half), EinsumError, /operand 0: offset 0\.5 must be an integer/);
  rejects(() => asStrided(zeros([4]), [2], [1], 0.5), EinsumError, /asStrided: offset 0\.5 must be an integer/);
  rejects(() => einsum("i->", nd(new Float64Array(4), [2], [1], -1)), EinsumError, /reaches data indices -1\.\.0/);
});

test("an out reaching past its buffer, or with a bad offset, is refused", () => {
  const a = fromNested([[1, 2], [3, 4]]);
  const b = zeros([2, 4]);
  rejects(() => einsum("ij,jk->ik", a, b, { out: nd(new Float64Array(4), [2, 4]) }), EinsumError, /^out: view with shape \[2, 4\]/);
  rejects(() => einsum("ij->ij", a, { out: nd(new Float64Array(4), [2, 2], [2, 1], -1) }), EinsumError, /out: view/);
  const half = { data: new Float64Array(5), shape: [2, 2], stride: [2, 1], offset: 0.5 } as unknown as Tensor;
  rejects(() => einsum("ij->ij", a, { out: half }), EinsumError, /out: offset 0\.5/);
});

test("plain-array storage must hold numbers", () => {
  rejects(() => einsum("i->", nd([1, 2, "3", 4], [4])), EinsumError, /non-number at index 2 \("3"\)/);
  rejects(() => einsum("i->", nd([1, null, 3], [3])), EinsumError, /non-number at index 1 \(null\)/);
  assert.equal(toNested(einsum("i->", nd([1, 2, 3, 4], [4]))), 10);
});

test("permute needs each axis once (numpy: axes don't match array)", () => {
  rejects(() => permute(zeros([3, 4]), [0]), EinsumError, /axes \[0\] don't match an array of rank 2/);
  rejects(() => permute(zeros([3, 4]), [1, 1]), EinsumError, /axes \[1, 1\] don't match/);
  assert.deepEqual(permute(zeros([3, 4]), [1, 0]).shape, [4, 3]);
});

test("the program cache key identifies the structure; options are checked on cache hits", () => {
  assert.equal(toNested(einsum("", nd(new Float64Array([5]), []))), 5);
  rejects(() => einsum(""), EinsumError, /too few operands/);
  const m = zeros([2, 2]);
  einsum("ij,jk,kl", m, m, m, { optimize: true });
  rejects(() => einsum("ij,jk,kl", m, m, m, { optimize: bad<boolean>("true") }), EinsumError, /optimize must be false, true, "greedy" or "optimal", got "true"/);
});

test("huge out-of-bounds views fail fast", () => {
  rejects(() => einsum("i->", nd(new Float64Array(4), [2 ** 31])), EinsumError, /reaches data indices 0\.\.2147483647, outside the buffer 0\.\.3/);
});

test("path planning over 300 one-axis operands gives numpy's shape of path", () => {
  const spec = `${new Array(300).fill("a").join(",")}->`;
  const info = einsumPath(spec, ...new Array(300).fill([2]));
  assert.equal(info.path.length, 299);
  assert.ok(info.path.every((step) => step.length === 2));
});

test("malformed arguments give the library's error, not a TypeError", () => {
  const x = zeros([1, 4, 4, 1]);
  const a = fromNested([[1, 2], [3, 4]]);
  rejects(() => conv2dNHWC(x, bad<Tensor>(1.5)), ConvError, /conv2dNHWC: filters is not an ndarray \(got 1\.5\)/);
  rejects(() => pad(a, bad<[number, number][]>([0, 1])), EinsumError, /pad: widths must be a list of \[before, after\] pairs/);
  rejects(() => asStrided(a, bad<number[]>("2"), [1]), EinsumError, /asStrided: invalid shape "2"/);
  rejects(() => tensordot(a, a, bad<[number[], number[]]>([{}, []])), EinsumError, /tensordot: axes of a must be an integer or a list/);
  rejects(() => slidingWindowView(a, 2, bad<number>(null)), EinsumError, /slidingWindowView: axis must be an integer or a list of integers, got null/);
  rejects(() => viewAsWindows(a, 2, bad<number>({})), EinsumError, /viewAsWindows: step must be an integer or a list/);
  rejects(() => windows(x, { kernel: bad<number>(true) }), EinsumError, /windows: kernel must be an integer or a list of integers, got true/);
  rejects(() => fftconvolve(a, a, { axes: bad<number>(true) }), ConvError, /axes must be an integer or a list of integers, got true/);
  rejects(() => einsum("ij", a, bad<object>({ backend: 5 })), EinsumError, /backend must be a Backend/);
});

test("results too large to allocate name the result and the bytes", () => {
  rejects(() => zeros([1e5, 1e5]), EinsumError, /cannot allocate an array of shape \[100000, 100000\] \(float64\): 80000000000 bytes \(80\.0 GB\)/);
  const v = nd(new Float64Array(1), [100000], [0]);
  rejects(() => einsum("i,j,k->ijk", v, v, v), EinsumError, /cannot allocate the einsum result of shape \[100000, 100000, 100000\] \(float64\): 8000000000000000 bytes/);
  rejects(() => pad(zeros([2, 2]), [[1e9, 1e9], [1e9, 1e9]]), EinsumError, /cannot allocate the padded array of shape \[2000000002, 2000000002\]/);
  rejects(() => new Conv2D({ inChannels: 1e9, outChannels: 1e9, kernelSize: 3 }), EinsumError, /cannot allocate/);
});

test("unknown option keys and falsy out are rejected", () => {
  const a = fromNested([[1, 2], [3, 4]]);
  rejects(() => einsum("ij", a, bad<object>({ outt: zeros([2, 2]) })), EinsumError, /unknown option "outt" \(did you mean "out"\?\)/);
  rejects(() => einsum("ij,jk", a, a, bad<object>({ optimise: false })), EinsumError, /unknown option "optimise" \(did you mean "optimize"\?\)/);
  for (const out of [0, NaN, "", null]) rejects(() => einsum("ij", a, bad<object>({ out })), EinsumError, /^out is not an ndarray/);
  assert.deepEqual(toNested(einsum("ij", a, { out: undefined })), [[1, 2], [3, 4]]);
});

test("control characters are invalid subscripts, as in numpy; ' ' is still skipped", () => {
  const a = zeros([2, 2]);
  for (const c of ["\t", "\n", "\r", "\0"]) rejects(() => einsum(`i${c}j`, a), EinsumError, /invalid character/);
  assert.deepEqual(toNested(einsum(" i j -> j i ", fromNested([[1, 2], [3, 4]]))), [[1, 3], [2, 4]]);
});

test("correlate 'valid' follows scipy: a length-1 axis is not broadcast", () => {
  // scipy.signal.correlate(np.ones((1, 5)), np.ones((3, 3)), "valid") raises ValueError
  rejects(() => correlate(zeros([1, 5]), zeros([3, 3]), { mode: "valid" }), ConvError, /at least as large as the other/);
  // scipy.signal.correlate([[1,2,3,4]], [[1,1]], "valid") -> [[3, 5, 7]]
  // Small integers: the direct route (what "auto" picks for 4 x 2) is exact, so the values must be too.
  assert.deepEqual(toNested(correlate(fromNested([[1, 2, 3, 4]]), fromNested([[1, 1]]), { mode: "valid", method: "direct" })), [[3, 5, 7]]);
  assert.deepEqual(toNested(correlate(fromNested([[1, 2, 3, 4]]), fromNested([[1, 1]]), { mode: "valid" })), [[3, 5, 7]]);
  // The FFT route rounds: within its norm-wise bound 16·u·‖a‖‖b‖ (test/conv_convolve.test.ts), not Math.round.
  const viaFft = toNested(correlate(fromNested([[1, 2, 3, 4]]), fromNested([[1, 1]]), { mode: "valid", method: "fft" })) as number[][];
  const tol = 16 * 2 ** -53 * Math.sqrt(30) * Math.sqrt(2);
  viaFft[0].forEach((v, i) => assert.ok(Math.abs(v - [3, 5, 7][i]) <= tol, `fft element ${i}: ${v}`));
});

test("tensordot past 52 result axes names the einsum-notation limit", () => {
  const big = nd(new Float64Array(1), new Array(27).fill(1), new Array(27).fill(0));
  rejects(() => tensordot(big, big, 0), EinsumError, /54 axes, more than the 52 labels \(a-z, A-Z\) of the einsum notation/);
});
