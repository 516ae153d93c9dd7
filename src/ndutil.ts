/** Small ndarray utilities shared by every stage: dtype checks, allocation, element counts. */
import ndarray from "ndarray";
import { displayable } from "./display_hook";
import { EinsumError } from "./errors";
import { DType, NumericData, Tensor, TYPED_ARRAY } from "./types";
import { assign } from "./views/assign";
import { allocate, assertTensor, describe, storageDtype } from "./validate";

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

/** The tensor door (see src/validate.ts): integer shape/strides/offset, numeric storage, in-buffer range. */
export { assertTensor, reachableRange } from "./validate";

/** numpy-like result type: int32 only if all int32, float32 only if all float32, else float64. */
export function promote(dtypes: readonly DType[]): DType {
  if (dtypes.length === 0) return "float64";
  if (dtypes.every((d) => d === "int32")) return "int32";
  if (dtypes.every((d) => d === "float32")) return "float32";
  return "float64";
}

/** A new zero-filled, contiguous row-major tensor. */
export function zeros(shape: readonly number[], dtype: DType = "float64", what = "an array"): Tensor {
  if (typeof dtype !== "string" || !Object.hasOwn(TYPED_ARRAY, dtype)) throw new EinsumError(`unsupported dtype ${describe(dtype)}: use "float64", "float32" or "int32"`);
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new EinsumError(`invalid shape ${describe(shape)}: sizes must be non-negative integers`);
  }
  const data = allocate(sizeOf(shape), dtype, what, shape);
  // Results display numpy-style as a cell's last value (src/display_hook.ts).
  return displayable(ndarray(data as NumericData, [...shape], rowMajorStrides(shape), 0));
}

/** A tensor from a flat row-major list of values. */
export function fromFlat(values: ArrayLike<number>, shape: readonly number[], dtype: DType = "float64"): Tensor {
  const list = values as unknown;
  if (!Array.isArray(list) && storageDtype(list) === null) throw new EinsumError(`fromFlat: values must be a number[] or a typed array, got ${describe(list)}`);
  if (Array.isArray(list)) list.forEach((v, i) => { if (typeof v !== "number") throw new EinsumError(`fromFlat: value ${i} is ${describe(v)}, not a number`); });
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
  assertTensor(x, "toNested: x");
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
      if (typeof v !== "number") throw new EinsumError(`fromNested: ${Array.isArray(v) ? "ragged nested array" : `${describe(v)} is not a number`}`);
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
export function copy(x: Tensor, dtype?: DType): Tensor {
  assertTensor(x, "copy: x");
  const out = zeros(x.shape, dtype ?? dtypeOf(x), "the copy");
  assign(out, x);
  return out;
}
