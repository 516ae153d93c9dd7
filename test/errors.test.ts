/** Bad input gets a clear einconv error — never a TypeError, a hang or a silently wrong answer. */
import { test } from "node:test";
import assert from "node:assert/strict";
import ndarray from "ndarray";
import {
  Conv2D, ConvError, EinsumError, Tensor, convolve, correlate, einsum, einsumPath, fftconvolve, pad, tensordot, windows, zeros,
} from "../src/index";

function rejects(fn: () => unknown, type: typeof EinsumError, text: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof type && text.test((e as Error).message));
}

test("out may not share memory with an input, even through another typed array over the same buffer", () => {
  const buffer = new Float64Array(8);
  const a = ndarray(buffer, [2, 2]);
  const out = ndarray(buffer.subarray(0, 4), [2, 2]) as Tensor;
  rejects(() => einsum("ij->ji", a, { out }), EinsumError, /out overlaps operand 0/);
  const separate = ndarray(buffer.subarray(4, 8), [2, 2]) as Tensor;
  assert.doesNotThrow(() => einsum("ij->ji", ndarray(buffer.subarray(0, 4), [2, 2]), { out: separate }));
});

test("options, shapes and dtypes are validated", () => {
  const m = zeros([2, 2]);
  rejects(() => einsum("ij,jk", m, m, { optimize: "foo" as unknown as boolean }), EinsumError, /optimize must be/);
  rejects(() => einsumPath("ij,jk", 5 as unknown as number[], 6 as unknown as number[]), EinsumError, /not an ndarray/);
  rejects(() => zeros([2], "float16" as unknown as "float64"), EinsumError, /unsupported dtype "float16"/);
  rejects(() => tensordot(m, m, {} as unknown as number), EinsumError, /axes must be an integer or a pair/);
  rejects(() => einsum("i", ndarray(new Float64Array(2), [NaN]) as Tensor), EinsumError, /invalid shape/);
});

test("views and padding reject non-ndarrays and unrepresentable fill values", () => {
  rejects(() => windows([1] as unknown as Tensor, { kernel: 1 }), EinsumError, /plain array/);
  rejects(() => windows(zeros([1, 1, 3, 3]), undefined as unknown as { kernel: number }), EinsumError, /options \{ kernel/);
  rejects(() => pad([1] as unknown as Tensor, [[1, 1]]), EinsumError, /not an ndarray/);
  rejects(() => pad(zeros([2], "int32"), [[1, 1]], 0.5), EinsumError, /cannot be stored in an int32 array/);
});

test("convolution entry points report ConvError for bad operands", () => {
  rejects(() => convolve([[1, 2]] as unknown as Tensor, zeros([1, 1])), ConvError, /convolve: x is not an ndarray/);
  rejects(() => fftconvolve(ndarray(new Float64Array(2), [NaN]) as Tensor, zeros([2])), ConvError, /invalid shape/);
  rejects(() => correlate(zeros([3]), null as unknown as Tensor), ConvError, /correlate: b is not an ndarray/);
  const layer = new Conv2D({ inChannels: 1, outChannels: 1, kernelSize: 1 });
  rejects(() => { layer.weight = [[1]] as unknown as Tensor; }, ConvError, /Conv2D.weight is not an ndarray/);
  rejects(() => layer.forward([[1]] as unknown as Tensor), ConvError, /Conv2D.forward: x is not an ndarray/);
});
