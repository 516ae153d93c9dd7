/**
 * The door every public entry point goes through: one check per ndarray-like
 * argument (integer shape, strides and offset; numeric storage; every reachable
 * index inside the buffer), option-record checks (unknown keys rejected with the
 * closest valid name), integer arguments, and allocation sizes checked before
 * allocating. Each check throws the library's {@link EinsumError}; callers that
 * report a subclass (ConvError) pass its constructor.
 *
 * Cost: O(rank) for typed-array storage; plain `number[]` storage is scanned once
 * per call (O(n)) for non-numbers, because nothing else stops `"3"` from
 * concatenating or `null` from reading as 0.
 */
import * as os from "os";
import { EinsumError } from "./errors";
import type { DType, NumericData, Tensor } from "./types";

/** Constructor of the error class a check throws (EinsumError or a subclass). */
export type ErrorClass = new (message: string) => EinsumError;

const shapeText = (values: readonly unknown[]): string => `[${values.map((v) => describe(v)).join(", ")}]`;

/** A short printable form of any value, for error messages (never throws). */
export function describe(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || value === undefined || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return value.length > 8 ? `[${value.slice(0, 8).map(describe).join(", ")}, …]` : shapeText(value);
  if (typeof value === "function") return "a function";
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "symbol") return value.toString();
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "Object" ? `a ${name}` : "an object";
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

function isIntegerList(values: unknown): values is number[] {
  if (!Array.isArray(values)) return false;
  for (let i = 0; i < values.length; i++) if (!Number.isSafeInteger(values[i])) return false;
  return true;
}

/** The storage kinds einconv reads; anything else is refused before it is indexed. */
export function storageDtype(data: unknown): DType | "array" | null {
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Int32Array) return "int32";
  if (Array.isArray(data)) return "array";
  return null;
}

/**
 * Checks a (data, shape, strides, offset) quadruple: integer shape (>= 0), strides and
 * offset, numeric storage, and every index the view can reach inside `0..data.length-1`.
 * O(rank), plus an O(n) scan of plain-array storage.
 */
export function checkView(data: unknown, shape: unknown, strides: unknown, offset: unknown, what: string, error: ErrorClass = EinsumError): void {
  if (!isIntegerList(shape) || shape.some((d) => d < 0)) {
    throw new error(`${what}: invalid shape ${describe(shape)}: sizes must be non-negative integers`);
  }
  if (!isIntegerList(strides)) throw new error(`${what}: invalid strides ${describe(strides)}: strides must be integers`);
  if (strides.length !== shape.length) {
    throw new error(`${what}: shape ${shapeText(shape)} has ${shape.length} axes but strides ${shapeText(strides)} has ${strides.length}`);
  }
  if (!Number.isSafeInteger(offset)) throw new error(`${what}: offset ${describe(offset)} must be an integer`);
  const kind = storageDtype(data);
  if (kind === null) {
    throw new error(`${what} has unsupported storage ${describe(data)}; use Float64Array, Float32Array, Int32Array or number[]`);
  }
  const length = (data as NumericData).length;
  const range = reachableRange(shape, strides, offset as number);
  if (range && (range.lo < 0 || range.hi >= length)) {
    throw new error(
      `${what}: view with shape ${shapeText(shape)}, strides ${shapeText(strides)} and offset ${String(offset)} ` +
        `reaches data indices ${range.lo}..${range.hi}, outside the buffer 0..${length - 1}`,
    );
  }
  if (kind === "array") {
    const list = data as unknown[];
    for (let i = 0; i < list.length; i++) {
      if (typeof list[i] !== "number") {
        throw new error(`${what} has plain-array storage with a non-number at index ${i} (${describe(list[i])}); einconv reads numbers only`);
      }
    }
  }
}

/**
 * The tensor door: `x` must be an ndarray-like object (`data`, `shape`, `stride`,
 * `offset`) passing {@link checkView}. Used by every public function for every array
 * argument, `out` included.
 */
export function assertTensor(x: unknown, what: string, error: ErrorClass = EinsumError): asserts x is Tensor {
  const v = x as Partial<Tensor> | null;
  if (v === null || typeof v !== "object" || Array.isArray(v) || !("shape" in v) || !("data" in v)) {
    const got = Array.isArray(x) ? "a plain array (wrap it: ndarray(data, shape))" : describe(x);
    throw new error(`${what} is not an ndarray (got ${got})`);
  }
  checkView(v.data, v.shape, v.stride, v.offset, what, error);
}

/** Checks an integer argument (`min` inclusive); returns it. */
export function checkInteger(value: unknown, name: string, min = -Infinity, error: ErrorClass = EinsumError): number {
  if (!Number.isSafeInteger(value) || (value as number) < min) {
    const want = min === 0 ? "a non-negative integer" : min === 1 ? "a positive integer" : min === -Infinity ? "an integer" : `an integer >= ${min}`;
    throw new error(`${name} must be ${want}, got ${describe(value)}`);
  }
  return value as number;
}

/** A number or a list of numbers, as a list of integers (each >= `min`). */
export function checkIntegerList(value: unknown, name: string, min = -Infinity, error: ErrorClass = EinsumError): number[] {
  if (typeof value === "number") return [checkInteger(value, name, min, error)];
  if (!Array.isArray(value)) throw new error(`${name} must be an integer or a list of integers, got ${describe(value)}`);
  return value.map((v, i) => checkInteger(v, `${name}[${i}]`, min, error));
}

/** Checks that `perm` is a permutation of `0..rank-1` (numpy: "axes don't match array"). */
export function checkPermutation(perm: unknown, rank: number, fn: string, error: ErrorClass = EinsumError): number[] {
  if (!Array.isArray(perm) || perm.length !== rank) {
    throw new error(`${fn}: axes ${describe(perm)} don't match an array of rank ${rank}: give each of the ${rank} axes once`);
  }
  const seen = new Array<boolean>(rank).fill(false);
  for (const p of perm) {
    if (!Number.isInteger(p) || p < 0 || p >= rank || seen[p as number]) {
      throw new error(`${fn}: axes ${describe(perm)} don't match an array of rank ${rank}: give each of 0..${rank - 1} once`);
    }
    seen[p as number] = true;
  }
  return perm as number[];
}

/** Edit distance (insert, delete, substitute, swap of neighbours), for "did you mean". */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The candidate closest to `word` (case-insensitive edit distance; first on ties). */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const dist = editDistance(word.toLowerCase(), c.toLowerCase());
    if (dist < bestDistance) {
      best = c;
      bestDistance = dist;
    }
  }
  return best;
}

/**
 * Checks an options record: a plain object (or undefined) whose keys are all in `known`.
 * An unknown key is an error naming it and the closest valid key, like numpy's
 * "got an unexpected keyword argument". Keys whose value is `undefined` count as absent.
 */
export function checkOptionKeys(options: unknown, known: readonly string[], fn: string, error: ErrorClass = EinsumError): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new error(`${fn}: options must be an object { ${known.join(", ")} }, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = closestMatch(key, known);
    throw new error(`${fn}: unknown option ${JSON.stringify(key)}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ""}; valid options: ${known.join(", ")}`);
  }
}

const BYTES: Record<DType, number> = { float64: 8, float32: 4, int32: 4 };

/**
 * Largest allocation einconv attempts, in elements: V8's typed-array limit
 * (2^32 - 1 on 64-bit Node 20).
 */
export const MAX_ELEMENTS = 2 ** 32 - 1;

/**
 * Largest allocation einconv attempts, in bytes: the machine's physical memory.
 * (Zero-filled typed arrays are mapped lazily, so an 80 GB request can "succeed"
 * and fail later, far from its cause; refusing it up front names the culprit.)
 */
export const MAX_BYTES = os.totalmem();

/**
 * Allocates `count` elements of `dtype`, or throws an error naming `what`, its
 * shape and the bytes it would need — checked before allocating, and again if the
 * engine refuses the memory.
 */
export function allocate(count: number, dtype: DType, what: string, shape?: readonly number[], error: ErrorClass = EinsumError): Float64Array | Float32Array | Int32Array {
  const bytes = count * BYTES[dtype];
  const fail = (why: string) =>
    new error(`cannot allocate ${what}${shape ? ` of shape [${shape.join(", ")}]` : ""} (${dtype}): ${formatBytes(bytes)} ${why}`);
  if (!Number.isSafeInteger(count) || count > MAX_ELEMENTS) throw fail(`is more than a typed array can hold (${MAX_ELEMENTS} elements)`);
  if (bytes > MAX_BYTES) throw fail(`is more than this machine's memory (${formatBytes(MAX_BYTES)})`);
  try {
    return dtype === "float64" ? new Float64Array(count) : dtype === "float32" ? new Float32Array(count) : new Int32Array(count);
  } catch (e) {
    if (e instanceof RangeError) throw fail(`could not be allocated (${e.message})`);
    throw e;
  }
}

/** "1.2e+10 bytes (12 GB)"-style size text. */
function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return `${bytes} bytes`;
  const units = ["bytes", "KB", "MB", "GB", "TB", "PB"];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${bytes} bytes` : `${bytes} bytes (${v.toPrecision(3)} ${units[u]})`;
}
