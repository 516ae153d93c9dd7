/**
 * Shared value types. einconv works on scijs `ndarray` views whose data is a
 * Float64Array, Float32Array or Int32Array (plain `number[]` is read as float64).
 */
import type { NdArray } from "ndarray";

/** Element types einconv computes in. */
export type DType = "float64" | "float32" | "int32";

/** Typed-array storage einconv accepts. */
export type NumericData = Float64Array | Float32Array | Int32Array | number[];

/** An ndarray view over numeric storage. */
export type Tensor = NdArray<NumericData>;

/** A shape, outermost axis first. */
export type Shape = readonly number[];

/** Maps a dtype name to its typed-array constructor. */
export const TYPED_ARRAY = {
  float64: Float64Array,
  float32: Float32Array,
  int32: Int32Array,
} as const;

/** Typed array type for a dtype. */
export type TypedArrayOf<D extends DType> = InstanceType<(typeof TYPED_ARRAY)[D]>;
