/** Small ndarray utilities shared by every stage: dtype checks, allocation, element counts. */
import ndarray from "ndarray";
import { displayable } from "./display_hook";
import { EinsumError } from "./errors";
import { DType, NumericData, Tensor, TYPED_ARRAY } from "./types";
import { assign } from "./views/assign";

/** Product of a shape's sizes (1 for a 0-d shape). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C order) strides for a shape. */
export function rowMajorStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= Math.max(shape[i], 1);
  }
  return strides;
}

/** The einconv dtype of a tensor; plain `number[]` storage reads as float64. */
export function dtypeOf(x: Tensor, what = "operand"): DType {
  const data: unknown = x.data;
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Int32Array) return "int32";
  if (Array.isArray(data)) return "float64";
  const name = (data as { constructor?: { name?: string } } | null)?.constructor?.name ?? typeof data;
  throw new EinsumError(`${what} has unsupported storage ${name}; use Float64Array, Float32Array, Int32Array or number[]`);
}

/** Checks that a value is an ndarray view einconv can read. */
export function assertTensor(x: unknown, what: string): asserts x is Tensor {
  const v = x as Partial<Tensor> | null;
  if (v === null || typeof v !== "object" || !Array.isArray(v.shape) || !Array.isArray(v.stride) || typeof v.offset !== "number" || v.data === undefined) {
    const got = x === null ? "null" : Array.isArray(x) ? "a plain array (wrap it: ndarray(data, shape))" : typeof x;
    throw new EinsumError(`${what} is not an ndarray (got ${got})`);
  }
  if (v.shape.some((d) => !Number.isInteger(d) || d < 0) || v.stride.length !== v.shape.length || v.stride.some((s) => !Number.isInteger(s))) {
    throw new EinsumError(`${what} has an invalid shape [${v.shape.join(", ")}] or strides [${v.stride.join(", ")}]`);
  }
}

/** numpy-like result type: int32 only if all int32, float32 only if all float32, else float64. */
export function promote(dtypes: readonly DType[]): DType {
  if (dtypes.length === 0) return "float64";
  if (dtypes.every((d) => d === "int32")) return "int32";
  if (dtypes.every((d) => d === "float32")) return "float32";
  return "float64";
}

/** A new zero-filled, contiguous row-major tensor. */
export function zeros(shape: readonly number[], dtype: DType = "float64"): Tensor {
  if (!(dtype in TYPED_ARRAY)) throw new EinsumError(`unsupported dtype ${JSON.stringify(dtype)}: use "float64", "float32" or "int32"`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new EinsumError(`invalid shape [${shape.join(", ")}]: sizes must be non-negative integers`);
  }
  const data = new TYPED_ARRAY[dtype](sizeOf(shape));
  // w7disp: results display numpy-style as a cell's last value (src/display_hook.ts).
  return displayable(ndarray(data as NumericData, [...shape], rowMajorStrides(shape), 0));
}

/** A tensor from a flat row-major list of values. */
export function fromFlat(values: ArrayLike<number>, shape: readonly number[], dtype: DType = "float64"): Tensor {
  const out = zeros(shape, dtype);
  if (values.length !== out.data.length) {
    throw new EinsumError(`fromFlat: ${values.length} values do not fill shape [${shape.join(", ")}] (${out.data.length} elements)`);
  }
  (out.data as Float64Array).set(values);
  return out;
}

/** Nested arrays (numpy's `tolist`) of any rank; a 0-d tensor gives a number. */
export type Nested = number | Nested[];

/** Converts a tensor to nested arrays, honouring its strides. */
export function toNested(x: Tensor): Nested {
  const walk = (axis: number, offset: number): Nested => {
    if (axis === x.shape.length) return (x.data as ArrayLike<number>)[offset];
    const items: Nested[] = [];
    for (let i = 0; i < x.shape[axis]; i++) items.push(walk(axis + 1, offset + i * x.stride[axis]));
    return items;
  };
  return walk(0, x.offset);
}

/** Builds a tensor from nested arrays (rectangular), e.g. `fromNested([[1, 2], [3, 4]])`. */
export function fromNested(values: Nested, dtype: DType = "float64"): Tensor {
  const shape: number[] = [];
  for (let v: Nested = values; Array.isArray(v); v = v[0]) shape.push(v.length);
  const flat: number[] = [];
  const walk = (v: Nested, axis: number): void => {
    if (axis === shape.length) {
      if (typeof v !== "number") throw new EinsumError("fromNested: ragged nested array");
      flat.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[axis]) throw new EinsumError("fromNested: ragged nested array");
    for (const item of v) walk(item, axis + 1);
  };
  walk(values, 0);
  return fromFlat(flat, shape, dtype);
}

/** Copies any view into a new contiguous tensor (explicit materialization). */
export function copy(x: Tensor, dtype: DType = dtypeOf(x)): Tensor {
  const out = zeros(x.shape, dtype);
  assign(out, x);
  return out;
}

/** Range of flat data indices a view can touch, or null for an empty view. */
export function reachableRange(shape: readonly number[], strides: readonly number[], offset: number): { lo: number; hi: number } | null {
  let lo = offset;
  let hi = offset;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 0) return null;
    const reach = (shape[i] - 1) * strides[i];
    if (reach < 0) lo += reach;
    else hi += reach;
  }
  return { lo, hi };
}
