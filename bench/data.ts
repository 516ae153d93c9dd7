/**
 * Benchmark inputs and result checksums shared with bench/peers.py.
 *
 * Both sides fill their inputs with the same deterministic ramp, so einconv and the
 * numpy/scipy peers compute the same numbers and each timing row can be checked by
 * comparing output checksums (a benchmark that times a wrong answer is worthless).
 */
import ndarray from "ndarray";
import type { Tensor } from "../src/types";

/**
 * A contiguous float64 tensor with `x[i] = ((i*7919 + 13 + salt) mod 10007) / 10007 - 0.5`
 * (i the row-major index); the same values as `ramp` in peers.py.
 *
 * @example
 * ramp([2, 3]).data; // Float64Array [-0.4987..., 0.2926..., ...]
 */
export function ramp(shape: readonly number[], salt = 0): Tensor {
  let size = 1;
  for (const d of shape) size *= d;
  const data = new Float64Array(size);
  for (let i = 0; i < size; i++) data[i] = ((i * 7919 + 13 + salt) % 10007) / 10007 - 0.5;
  return ndarray(data, [...shape]);
}

/** Shape and sums of a result, as peers.py reports them. */
export interface Checksum {
  shape: number[];
  sum: number;
  abs_sum: number;
}

/** Checksum of any (possibly strided) tensor. */
export function checksum(t: Tensor): Checksum {
  const shape = [...t.shape];
  let sum = 0;
  let absSum = 0;
  const index = new Array<number>(shape.length).fill(0);
  let size = 1;
  for (const d of shape) size *= d;
  for (let n = 0; n < size; n++) {
    let at = t.offset;
    for (let k = 0; k < shape.length; k++) at += index[k] * t.stride[k];
    const v = Number(t.data[at]);
    sum += v;
    absSum += Math.abs(v);
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++index[k] < shape[k]) break;
      index[k] = 0;
    }
  }
  return { shape, sum, abs_sum: absSum };
}

/**
 * Whether two checksums describe the same result to float tolerance: equal shapes
 * (size-1 axes ignored, since peers may squeeze the depth axis) and sums within
 * `rtol` of the absolute sum.
 */
export function sameResult(a: Checksum, b: Checksum, rtol = 1e-8): boolean {
  const squeeze = (s: number[]) => s.filter((d) => d !== 1).join("x");
  return squeeze(a.shape) === squeeze(b.shape) && sameSums(a, b, rtol);
}

/**
 * Whether two checksums have the same element count and sums within `rtol` of the
 * absolute sum, whatever the axis order (for peers that lay results out differently).
 */
export function sameSums(a: Checksum, b: Checksum, rtol: number): boolean {
  const count = (s: number[]) => s.reduce((x, y) => x * y, 1);
  if (count(a.shape) !== count(b.shape)) return false;
  const scale = Math.max(a.abs_sum, b.abs_sum, 1e-300);
  return Math.abs(a.sum - b.sum) <= rtol * scale && Math.abs(a.abs_sum - b.abs_sum) <= rtol * scale;
}
