/**
 * numpy's array constructors beyond `zeros`: `ones`, `full`, `arange`, `linspace`,
 * and `reshape` as a view (never a hidden copy).
 */
import { EinsumError } from "./errors";
import { sizeOf, zeros } from "./ndutil";
import { checkShape } from "./random";
import type { DType, Shape, Tensor } from "./types";
import { makeView } from "./views/strided";
import { assertTensor, checkOptionKeys, describe } from "./validate";

/** The `dtype` option of the constructors. */
export interface DTypeOption {
  /** Element type; see each function for its default. */
  dtype?: DType;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function dtypeOption(options: DTypeOption | undefined, fn: string, fallback: DType): DType {
  checkOptionKeys(options, ["dtype"], fn);
  return options?.dtype ?? fallback;
}

/** Throws unless `value` can be stored in `dtype` without silently changing it (int32 takes integers in range). */
function checkStorable(value: number, dtype: DType, what: string): void {
  if (typeof value !== "number") throw new EinsumError(`${what} must be a number, got ${describe(value)}`);
  if (dtype === "int32" && !(Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX)) {
    throw new EinsumError(`${what} is ${value}, which an int32 array cannot hold; use dtype "float64"`);
  }
}

/**
 * numpy's `full`: a new contiguous array with every element `value`.
 *
 * @example
 * full([2, 2], 7);                        // array([[7., 7.], [7., 7.]])
 * full(3, -1, { dtype: "int32" });
 */
export function full(shape: number | Shape, value: number, options?: DTypeOption): Tensor {
  const dtype = dtypeOption(options, "full", "float64");
  checkStorable(value, dtype, "full: value");
  const out = zeros(checkShape(shape, "full"), dtype);
  (out.data as Float64Array).fill(value);
  return out;
}

/** numpy's `ones` (float64 unless `dtype` says otherwise). */
export function ones(shape: number | Shape, options?: DTypeOption): Tensor {
  return full(shape, 1, { dtype: dtypeOption(options, "ones", "float64") });
}

/**
 * numpy's `arange`: `ceil((stop - start) / step)` values `start + i * step` (none
 * when that count is negative). The dtype defaults as in numpy: int32 when start,
 * stop and step are all integers, float64 otherwise. Like numpy, the increment
 * used is `(start + step) - start`, which is `step` up to rounding.
 *
 * @example
 * arange(5);                 // array([0, 1, 2, 3, 4], dtype=int32)
 * arange(1, 2, 0.25);        // array([1.  , 1.25, 1.5 , 1.75])
 * arange(10, 0, -3);         // array([10, 7, 4, 1], dtype=int32)
 */
export function arange(stop: number, options?: DTypeOption): Tensor;
export function arange(start: number, stop: number, step?: number, options?: DTypeOption): Tensor;
export function arange(...args: Array<number | DTypeOption | undefined>): Tensor {
  const last = args[args.length - 1];
  const options = typeof last === "object" || (last === undefined && args.length > 1) ? (args.pop() as DTypeOption | undefined) : undefined;
  if (args.length < 1 || args.length > 3) throw new EinsumError(`arange: give (stop), (start, stop) or (start, stop, step), got ${args.length} numbers`);
  const nums = args.length === 1 ? [0, args[0], 1] : [args[0], args[1], args[2] ?? 1];
  nums.forEach((v, i) => {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new EinsumError(`arange: ${["start", "stop", "step"][i]} must be a finite number, got ${describe(v)}`);
  });
  const [start, stop, step] = nums as number[];
  if (step === 0) throw new EinsumError("arange: step must not be 0 (numpy: Maximum allowed size exceeded)");
  const dtype = dtypeOption(options, "arange", nums.every((v) => Number.isInteger(v)) ? "int32" : "float64");
  const length = Math.max(0, Math.ceil((stop - start) / step));
  if (dtype === "int32") {
    if (!nums.every((v) => Number.isInteger(v))) throw new EinsumError(`arange: an int32 range needs integer start, stop and step, got ${start}, ${stop}, ${step}`);
    if (length > 0) checkStorable(start + (length - 1) * step, dtype, "arange: the last value");
  }
  const out = zeros([length], dtype, "arange's array");
  const data = out.data as Float64Array | Float32Array | Int32Array;
  if (dtype === "float32") {
    // numpy's FLOAT_fill works in float32: first value and increment rounded, then start + i*delta in float32.
    const s = Math.fround(start);
    const delta = Math.fround(Math.fround(start + step) - s);
    for (let i = 0; i < length; i++) data[i] = s + Math.fround(Math.fround(i) * delta);
  } else {
    // numpy's DOUBLE_fill: delta = (start + step) - start, value i = start + i*delta.
    const delta = start + step - start;
    for (let i = 0; i < length; i++) data[i] = start + i * delta;
  }
  return out;
}

/** Options of {@link linspace}. */
export interface LinspaceOptions extends DTypeOption {
  /** Include `stop` as the last value (default true). */
  endpoint?: boolean;
}

/**
 * numpy's `linspace`: `num` evenly spaced values from `start` to `stop`, computed
 * as numpy does: `step = (stop - start) / div` with `div = num - 1` (or `num` without
 * the endpoint), value i = `start + i * step`, and the last value set to `stop`
 * exactly when `endpoint`. int32 floors, as numpy 2 does.
 *
 * @example
 * linspace(0, 1, 5);                          // array([0.  , 0.25, 0.5 , 0.75, 1.  ])
 * linspace(0, 1, 4, { endpoint: false });     // array([0.  , 0.25, 0.5 , 0.75])
 */
export function linspace(start: number, stop: number, num = 50, options?: LinspaceOptions): Tensor {
  checkOptionKeys(options, ["endpoint", "dtype"], "linspace");
  for (const [name, v] of [["start", start], ["stop", stop]] as const) {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new EinsumError(`linspace: ${name} must be a finite number, got ${describe(v)}`);
  }
  if (!Number.isSafeInteger(num) || num < 0) throw new EinsumError(`linspace: num must be a non-negative integer, got ${describe(num)}`);
  const endpoint = options?.endpoint ?? true;
  if (typeof endpoint !== "boolean") throw new EinsumError(`linspace: endpoint must be true or false, got ${describe(endpoint)}`);
  const dtype = options?.dtype ?? "float64";
  const out = zeros([num], dtype, "linspace's array");
  const data = out.data as Float64Array | Float32Array | Int32Array;
  const div = endpoint ? num - 1 : num;
  const delta = stop - start;
  const step = delta / div;
  for (let i = 0; i < num; i++) {
    // numpy: y = i * step, or (i / div) * delta when the step underflows to 0; NaN step (div 0) gives i * delta.
    let v = div > 0 ? (step === 0 ? (i / div) * delta : i * step) : i * delta;
    v += start;
    if (endpoint && num > 1 && i === num - 1) v = stop;
    data[i] = dtype === "int32" ? Math.floor(v) : v;
  }
  return out;
}

/** numpy's C-contiguity test (sizes-1 axes have any stride; an empty array is contiguous). */
function isCContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  if (sizeOf(shape) === 0) return true;
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

/** The target shape with -1 resolved (numpy's `_fix_unknown_dimension`). */
function resolveShape(a: Tensor, shape: unknown): number[] {
  const dims = typeof shape === "number" ? [shape] : shape;
  if (!Array.isArray(dims) || dims.some((d) => !Number.isSafeInteger(d) || d < -1)) {
    throw new EinsumError(`reshape: invalid shape ${describe(shape)}: sizes must be non-negative integers (one may be -1)`);
  }
  const size = sizeOf(a.shape);
  const unknown = dims.flatMap((d, i) => (d === -1 ? [i] : []));
  if (unknown.length > 1) throw new EinsumError(`reshape: only one size may be -1, got [${dims.join(", ")}]`);
  const known = dims.reduce((p: number, d: number) => (d === -1 ? p : p * d), 1);
  const out = [...(dims as number[])];
  const fail = () => new EinsumError(`reshape: cannot reshape an array of size ${size} (shape [${a.shape.join(", ")}]) into shape [${dims.join(", ")}]`);
  if (unknown.length === 1) {
    if (known === 0 || size % known !== 0) throw fail();
    out[unknown[0]] = size / known;
  } else if (known !== size) throw fail();
  return out;
}

/**
 * numpy's `_attempt_nocopy_reshape` (C order): the strides that view `a` as
 * `shape`, or the pair of original axes that would have to merge but are not
 * contiguous with each other.
 */
function nocopyStrides(a: Tensor, shape: readonly number[]): { strides: number[] } | { axes: [number, number] } {
  // Axes of size 1 carry no layout; drop them, remembering the original axis numbers.
  const axes = a.shape.flatMap((d, i) => (d !== 1 ? [i] : []));
  const oldDims = axes.map((i) => a.shape[i]);
  const oldStrides = axes.map((i) => a.stride[i]);
  const newStrides = new Array<number>(shape.length).fill(0);
  let oi = 0;
  let oj = 1;
  let ni = 0;
  let nj = 1;
  while (ni < shape.length && oi < oldDims.length) {
    let np = shape[ni];
    let op = oldDims[oi];
    while (np !== op) {
      if (np < op) np *= shape[nj++];
      else op *= oldDims[oj++];
    }
    for (let ok = oi; ok < oj - 1; ok++) {
      if (oldStrides[ok] !== oldDims[ok + 1] * oldStrides[ok + 1]) return { axes: [axes[ok], axes[ok + 1]] };
    }
    newStrides[nj - 1] = oldStrides[oj - 1];
    for (let nk = nj - 1; nk > ni; nk--) newStrides[nk - 1] = newStrides[nk] * shape[nk];
    ni = nj++;
    oi = oj++;
  }
  const lastStride = ni >= 1 ? newStrides[ni - 1] : 1;
  for (let nk = ni; nk < shape.length; nk++) newStrides[nk] = lastStride;
  return { strides: newStrides };
}

/**
 * numpy's `reshape`, but only ever as a view: it shares `a`'s data whenever the
 * strides allow (numpy's no-copy rule; always for contiguous arrays). When they
 * don't — e.g. flattening a transposed or stepped view — it throws, naming the two
 * axes that are not contiguous, instead of copying behind your back; write
 * `reshape(copy(a), shape)` to ask for the copy. One size may be -1.
 *
 * @example
 * reshape(arange(12), [3, 4]);           // a 3×4 view of the 12 values
 * reshape(arange(12), [2, -1]);          // shape [2, 6]
 */
export function reshape(a: Tensor, shape: number | Shape): Tensor {
  assertTensor(a, "reshape: a");
  const dims = resolveShape(a, shape);
  if (isCContiguous(a.shape, a.stride)) {
    const strides = new Array<number>(dims.length);
    let s = 1;
    for (let i = dims.length - 1; i >= 0; i--) {
      strides[i] = s;
      s *= Math.max(dims[i], 1);
    }
    return makeView(a.data, dims, strides, a.offset, "reshape");
  }
  const r = nocopyStrides(a, dims);
  if ("strides" in r) return makeView(a.data, dims, r.strides, a.offset, "reshape");
  const [i, j] = r.axes;
  throw new EinsumError(
    `reshape: cannot view shape [${a.shape.join(", ")}] (strides [${a.stride.join(", ")}]) as [${dims.join(", ")}] without copying: ` +
      `axes ${i} and ${j} would have to merge, but they are not contiguous (stride ${a.stride[i]} of axis ${i} is not ` +
      `${a.shape[j]} × ${a.stride[j]}, the extent of axis ${j}). Copy first: reshape(copy(a), [${dims.join(", ")}])`,
  );
}
