/**
 * Comparing arrays the numpy way: `allclose`, `maxAbsDiff` and `assertAllClose`
 * (np.testing.assert_allclose). Operands broadcast like numpy's (sizes aligned from
 * the right; a size 1 or a missing axis stretches). Values are compared in float64.
 */
import { EinsumError } from "./errors";
import { formatArray } from "./notebook/format";
import type { Tensor } from "./types";
import { assertTensor, checkOptionKeys, describe } from "./validate";

/** A tensor or a plain number (a 0-d operand). */
export type Comparable = Tensor | number;

/** The element-wise view of an operand: its shape and a reader by flat broadcast position. */
interface Operand {
  shape: readonly number[];
  stride: readonly number[];
  offset: number;
  data: ArrayLike<number>;
}

function operand(x: Comparable, what: string): Operand {
  if (typeof x === "number") return { shape: [], stride: [], offset: 0, data: [x] };
  assertTensor(x, what);
  return { shape: x.shape, stride: x.stride, offset: x.offset, data: x.data as ArrayLike<number> };
}

/** numpy's broadcast shape of two shapes, or an error naming both. */
export function broadcastShapes(a: readonly number[], b: readonly number[], fn: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let k = 0; k < n; k++) {
    const da = a[a.length - n + k] ?? 1;
    const db = b[b.length - n + k] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new EinsumError(`${fn}: shapes [${a.join(", ")}] and [${b.join(", ")}] do not broadcast (axis ${k} of the result: ${da} vs ${db}; sizes must match or be 1)`);
    }
    out[k] = da === 1 ? db : da;
  }
  return out;
}

/** Calls `visit(x, y, index)` for every position of the broadcast of `a` and `b`, in row-major order. */
function eachPair(a: Operand, b: Operand, shape: readonly number[], visit: (x: number, y: number, flat: number) => void): void {
  const n = shape.length;
  // Strides of each operand on the broadcast axes: 0 where it stretches.
  const sa = shape.map((_, k) => { const i = a.shape.length - n + k; return i >= 0 && a.shape[i] !== 1 ? a.stride[i] : 0; });
  const sb = shape.map((_, k) => { const i = b.shape.length - n + k; return i >= 0 && b.shape[i] !== 1 ? b.stride[i] : 0; });
  const total = shape.reduce((p, d) => p * d, 1);
  const idx = new Array<number>(n).fill(0);
  let pa = a.offset;
  let pb = b.offset;
  for (let flat = 0; flat < total; flat++) {
    visit(a.data[pa], b.data[pb], flat);
    for (let k = n - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) {
        pa += sa[k];
        pb += sb[k];
        break;
      }
      idx[k] = 0;
      pa -= sa[k] * (shape[k] - 1);
      pb -= sb[k] * (shape[k] - 1);
    }
  }
}

/** The multi-index of a flat row-major position. */
function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    idx[k] = flat % shape[k];
    flat = Math.floor(flat / shape[k]);
  }
  return idx;
}

/** Tolerances of {@link allclose} / {@link assertAllClose}. */
export interface CloseOptions {
  /** Relative tolerance, times |b|. */
  rtol?: number;
  /** Absolute tolerance. */
  atol?: number;
  /** Whether NaN equals NaN. */
  equalNan?: boolean;
}

function tolerances(options: CloseOptions | undefined, fn: string, defaults: Required<CloseOptions>): Required<CloseOptions> {
  checkOptionKeys(options, ["rtol", "atol", "equalNan"], fn);
  const o = { ...defaults, ...options };
  for (const key of ["rtol", "atol"] as const) {
    if (typeof o[key] !== "number" || !(o[key] >= 0) || o[key] === Infinity) throw new EinsumError(`${fn}: ${key} must be a finite number >= 0, got ${describe(o[key])}`);
  }
  if (typeof o.equalNan !== "boolean") throw new EinsumError(`${fn}: equalNan must be true or false, got ${describe(o.equalNan)}`);
  return o;
}

/** numpy's `isclose` for one pair: |x - y| <= atol + rtol·|y| for finite y, or x == y (same-signed infinities), or both NaN when allowed. */
function isClose(x: number, y: number, rtol: number, atol: number, equalNan: boolean): boolean {
  if (x === y) return true;
  if (Number.isNaN(x) || Number.isNaN(y)) return equalNan && Number.isNaN(x) && Number.isNaN(y);
  return Number.isFinite(y) && Math.abs(x - y) <= atol + rtol * Math.abs(y);
}

/**
 * numpy's `allclose`: whether every |a - b| <= atol + rtol·|b| after broadcasting
 * (not symmetric: `b` is the reference). NaN is unequal to everything unless
 * `equalNan`; an infinity equals only the same-signed infinity.
 *
 * @example
 * allclose(einsum("ij->ji", a), permute(a, [1, 0]));      // true
 * allclose(fromFlat([1, NaN], [2]), fromFlat([1, NaN], [2]), { equalNan: true });  // true
 */
export function allclose(a: Comparable, b: Comparable, options?: CloseOptions): boolean {
  const { rtol, atol, equalNan } = tolerances(options, "allclose", { rtol: 1e-5, atol: 1e-8, equalNan: false });
  const x = operand(a, "allclose: a");
  const y = operand(b, "allclose: b");
  let all = true;
  eachPair(x, y, broadcastShapes(x.shape, y.shape, "allclose"), (u, v) => {
    if (all && !isClose(u, v, rtol, atol, equalNan)) all = false;
  });
  return all;
}

/**
 * The largest |a - b| over all (broadcast) positions; NaN if any difference is NaN
 * (like numpy's `np.max(np.abs(a - b))`), 0 for empty arrays.
 *
 * @example
 * maxAbsDiff(conv2dNHWC(x, w), reference);   // 3.5e-15
 */
export function maxAbsDiff(a: Comparable, b: Comparable): number {
  const x = operand(a, "maxAbsDiff: a");
  const y = operand(b, "maxAbsDiff: b");
  let worst = 0;
  eachPair(x, y, broadcastShapes(x.shape, y.shape, "maxAbsDiff"), (u, v) => {
    const d = Math.abs(u - v);
    if (d > worst || Number.isNaN(d)) worst = Number.isNaN(worst) ? worst : d;
  });
  return worst;
}

/** What {@link assertAllClose} found; also the error's `report`. */
export interface CloseReport {
  /** Positions that are not close. */
  readonly mismatches: number;
  /** Positions compared (the broadcast size). */
  readonly total: number;
  /** Index of the mismatch with the largest |actual - desired| (NaN/Inf mismatches first). */
  readonly worstIndex: readonly number[];
  readonly actual: number;
  readonly desired: number;
  readonly absDiff: number;
  /** absDiff / |desired| (Infinity when desired is 0). */
  readonly relDiff: number;
  /** atol + rtol·|desired| at the worst index. */
  readonly tolerance: number;
  /** Largest |actual - desired| and largest relative difference among the mismatches (numpy's two lines). */
  readonly maxAbsDiff: number;
  readonly maxRelDiff: number;
}

/** Thrown by {@link assertAllClose}; `report` holds the numbers of the message. */
export class AllCloseError extends EinsumError {
  declare readonly report: CloseReport;
  constructor(message: string, report: CloseReport) {
    super(message);
    Object.defineProperty(this, "report", { value: report, enumerable: false });
  }
}
Object.defineProperty(AllCloseError.prototype, "name", { value: "AllCloseError", writable: true, configurable: true, enumerable: false });

/**
 * np.testing.assert_allclose: throws an {@link AllCloseError} unless every
 * |actual - desired| <= atol + rtol·|desired|. The message gives the number of
 * mismatches, the worst index, both values there, their absolute and relative
 * difference and the tolerance. Defaults as numpy's: rtol 1e-7, atol 0, NaN equal
 * to NaN. Shapes must be equal unless one side is a number (numpy's rule).
 *
 * @example
 * assertAllClose(einsum("ij,jk->ik", a, b), reference, { rtol: 1e-12 });
 */
export function assertAllClose(actual: Comparable, desired: Comparable, options?: CloseOptions): void {
  const { rtol, atol, equalNan } = tolerances(options, "assertAllClose", { rtol: 1e-7, atol: 0, equalNan: true });
  const x = operand(actual, "assertAllClose: actual");
  const y = operand(desired, "assertAllClose: desired");
  const scalar = typeof actual === "number" || typeof desired === "number";
  if (!scalar && (x.shape.length !== y.shape.length || x.shape.some((d, i) => d !== y.shape[i]))) {
    throw new EinsumError(`assertAllClose: shapes differ: actual [${x.shape.join(", ")}], desired [${y.shape.join(", ")}]`);
  }
  const shape = broadcastShapes(x.shape, y.shape, "assertAllClose");
  let mismatches = 0;
  let total = 0;
  let worst = { flat: -1, u: 0, v: 0, d: -1 };
  let maxAbs = 0;
  let maxRel = 0;
  eachPair(x, y, shape, (u, v, flat) => {
    total++;
    if (isClose(u, v, rtol, atol, equalNan)) return;
    mismatches++;
    // A NaN or infinite mismatch ranks above every finite one.
    const raw = Math.abs(u - v);
    const d = Number.isNaN(raw) ? Infinity : raw;
    if (d > worst.d) worst = { flat, u, v, d };
    if (d > maxAbs) maxAbs = d;
    const rel = d / Math.abs(v);
    if (rel > maxRel || Number.isNaN(rel)) maxRel = Number.isNaN(rel) ? Infinity : rel;
  });
  if (mismatches === 0) return;
  const absDiff = Math.abs(worst.u - worst.v);
  const report: CloseReport = {
    mismatches,
    total,
    worstIndex: unravel(worst.flat, shape),
    actual: worst.u,
    desired: worst.v,
    absDiff,
    relDiff: absDiff / Math.abs(worst.v),
    tolerance: atol + rtol * Math.abs(worst.v),
    maxAbsDiff: maxAbs,
    maxRelDiff: maxRel,
  };
  const pct = ((100 * mismatches) / total).toFixed(3).replace(/\.?0+$/, "");
  const lines = [
    `assertAllClose: not equal to tolerance rtol=${rtol}, atol=${atol}`,
    `Mismatched elements: ${mismatches} / ${total} (${pct}%)`,
    `Worst at index [${report.worstIndex.join(", ")}]: actual ${worst.u}, desired ${worst.v}, ` +
      `|diff| ${absDiff} > tolerance ${report.tolerance} (atol + rtol·|desired|), relative diff ${report.relDiff}`,
    `Max absolute difference among violations: ${maxAbs}`,
    `Max relative difference among violations: ${maxRel}`,
  ];
  if (total <= 100) {
    if (typeof actual !== "number") lines.push(` ACTUAL: ${formatArray(actual).replace(/\n/g, "\n         ")}`);
    if (typeof desired !== "number") lines.push(` DESIRED: ${formatArray(desired).replace(/\n/g, "\n          ")}`);
  }
  throw new AllCloseError(lines.join("\n"), report);
}
