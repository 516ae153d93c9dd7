/**
 * The second oracle: a brute-force einsum written for obvious correctness, not speed, plus the small
 * helpers the einsum/tensordot/views tests share (fixture loading, building and reading ndarrays,
 * comparing against numpy's answers).
 *
 * The reference shares no code with src/: it parses the spec with string splitting, expands `...`,
 * then walks every assignment of every label with one odometer and accumulates products. Operands
 * are read with `.get`, so any strides, offsets or overlaps work.
 *
 * @example
 *   const r = referenceEinsum("ij,jk->ik", [a, b]);  // { shape: [2, 4], data: number[] }
 */
import * as fs from "node:fs";
import * as path from "node:path";
import ndarray from "ndarray";
import type { NdArray } from "ndarray";
import assert from "node:assert/strict";
import { EinsumError } from "../src/errors";

export type DTypeName = "float64" | "float32" | "int32";
export type Numeric = Float64Array | Float32Array | Int32Array | number[];
export type Arr = NdArray<Numeric>;

/** A flat row-major result of the reference. */
export interface RefResult {
  shape: number[];
  data: number[];
  /** Σ over the summed terms of |product| per element (float64): the scale of the rounding-error bound. */
  absSum: number[];
  /** The most products summed into one output element (the K of the bound). */
  terms: number;
}

/** How the reference accumulates: in float64, or with int32 wrap-around like numpy's int32 einsum. */
export type Accumulate = "float64" | "int32";

interface ParsedTerm {
  /** labels left of `...`, or all labels when there is no ellipsis */
  before: string[];
  /** labels right of `...` (empty without ellipsis) */
  after: string[];
  hasEllipsis: boolean;
}

function parseTerm(term: string): ParsedTerm {
  const parts = term.split("...");
  if (parts.length > 2) throw new Error(`reference: more than one ellipsis in '${term}'`);
  for (const ch of parts.join("")) {
    if (!/[a-zA-Z]/.test(ch)) throw new Error(`reference: bad character '${ch}' in '${term}'`);
  }
  return { before: [...parts[0]], after: parts.length === 2 ? [...parts[1]] : [], hasEllipsis: parts.length === 2 };
}

/** Synthetic label names for the broadcast `...` dims, right-aligned: "#0" is the outermost. */
function ellipsisLabels(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `#${i}`);
}

/**
 * Brute-force einsum with numpy's semantics (implicit/explicit output, ellipsis, size-1 broadcasting,
 * repeated labels). Throws a plain Error on anything invalid; it is only used on valid inputs.
 */
export function referenceEinsum(spec: string, operands: Arr[], accumulate: Accumulate = "float64"): RefResult {
  const compact = spec.replace(/\s+/g, "");
  const arrow = compact.indexOf("->");
  const inputPart = arrow >= 0 ? compact.slice(0, arrow) : compact;
  const terms = inputPart.split(",").map(parseTerm);
  if (terms.length !== operands.length) throw new Error("reference: operand count");

  // Expand each term to one label per operand dim.
  const ellRanks = terms.map((t, k) => {
    const r = operands[k].shape.length - t.before.length - t.after.length;
    if (r < 0 || (!t.hasEllipsis && r !== 0)) throw new Error(`reference: rank of operand ${k}`);
    return r;
  });
  const ellRank = Math.max(0, ...ellRanks);
  const ell = ellipsisLabels(ellRank);
  const expanded = terms.map((t, k) => [...t.before, ...ell.slice(ellRank - ellRanks[k]), ...t.after]);

  // Label sizes: equal, or 1 broadcasting against the others.
  const size = new Map<string, number>();
  expanded.forEach((labels, k) =>
    labels.forEach((l, d) => {
      const n = operands[k].shape[d];
      const prev = size.get(l);
      if (prev === undefined || prev === 1) size.set(l, n);
      else if (n !== prev && n !== 1) throw new Error(`reference: size of ${l}`);
    }),
  );
  for (const l of ell) if (!size.has(l)) size.set(l, 1);

  let output: string[];
  if (arrow >= 0) {
    const o = parseTerm(compact.slice(arrow + 2));
    output = [...o.before, ...(o.hasEllipsis ? ell : []), ...o.after];
  } else {
    const counts = new Map<string, number>();
    for (const t of terms) for (const l of [...t.before, ...t.after]) counts.set(l, (counts.get(l) ?? 0) + 1);
    const once = [...counts].filter(([, c]) => c === 1).map(([l]) => l);
    once.sort((a, b) => a.charCodeAt(0) - b.charCodeAt(0)); // ASCII: uppercase before lowercase
    output = [...ell, ...once];
  }
  const summed = [...size.keys()].filter((l) => !output.includes(l));
  const all = [...output, ...summed];
  const extent = all.map((l) => size.get(l) ?? 1);
  const outShape = output.map((l) => size.get(l) ?? 1);
  const outSize = outShape.reduce((a, b) => a * b, 1);
  const data = new Array<number>(outSize).fill(0);
  const absSum = new Array<number>(outSize).fill(0);
  const count = new Array<number>(outSize).fill(0);
  const done = () => ({ shape: outShape, data, absSum, terms: count.reduce((a, b) => Math.max(a, b), 0) });
  if (extent.some((n) => n === 0)) return done();

  const pos = new Map(all.map((l, i) => [l, i]));
  // For each operand dim: which label position indexes it (size-1 dims always read index 0).
  const readers = expanded.map((labels, k) =>
    labels.map((l, d) => (operands[k].shape[d] === 1 ? -1 : (pos.get(l) as number))),
  );
  const idx = new Array<number>(all.length).fill(0);
  for (;;) {
    let prod = accumulate === "int32" ? 1 : 1.0;
    let absProd = 1.0;
    for (let k = 0; k < operands.length; k++) {
      const at = readers[k].map((p) => (p < 0 ? 0 : idx[p]));
      const v = operands[k].get(...at);
      prod = accumulate === "int32" ? Math.imul(prod, v) : prod * v;
      absProd *= Math.abs(v);
    }
    let flat = 0;
    for (let d = 0; d < output.length; d++) flat = flat * outShape[d] + idx[d];
    data[flat] = accumulate === "int32" ? (data[flat] + prod) | 0 : data[flat] + prod;
    absSum[flat] += absProd;
    count[flat]++;
    // odometer step, last label fastest
    let d = all.length - 1;
    while (d >= 0 && ++idx[d] === extent[d]) idx[d--] = 0;
    if (d < 0) break;
  }
  return done();
}

// ---------------------------------------------------------------------------------------------
// Shared test helpers
// ---------------------------------------------------------------------------------------------

/** A fixture array: shape, numpy dtype name and flat row-major data. */
export interface FixtureArray {
  shape: number[];
  dtype: DTypeName;
  data: number[];
}

/** Reads test/fixtures/<name>.json; works from the compiled dist/test/ and from test/. */
export function loadFixture<T>(name: string): T {
  const candidates = [
    path.join(__dirname, "..", "..", "test", "fixtures", `${name}.json`),
    path.join(__dirname, "fixtures", `${name}.json`),
  ];
  const file = candidates.find((f) => fs.existsSync(f));
  if (!file) throw new Error(`fixture ${name}.json not found (looked in ${candidates.join(", ")})`);
  return JSON.parse(fs.readFileSync(file, "utf8")) as T;
}

/** Allocates a typed array of a dtype. */
export function typed(dtype: DTypeName, values: number[] | number): Float64Array | Float32Array | Int32Array {
  const ctor = dtype === "float64" ? Float64Array : dtype === "float32" ? Float32Array : Int32Array;
  return typeof values === "number" ? new ctor(values) : ctor.from(values);
}

/** Builds a contiguous ndarray from a fixture array. */
export function fromFixture(a: FixtureArray): Arr {
  return ndarray<Numeric>(typed(a.dtype, a.data), a.shape.slice());
}

/** dtype of an ndarray by its storage (plain arrays count as float64). */
export function dtypeOf(x: Arr): DTypeName {
  if (x.data instanceof Float32Array) return "float32";
  if (x.data instanceof Int32Array) return "int32";
  return "float64";
}

/** Reads any ndarray view into a flat row-major list through `.get`. */
export function toFlat(x: Arr): number[] {
  const shape = x.shape;
  const n = shape.reduce((a, b) => a * b, 1);
  const out: number[] = [];
  if (n === 0) return out;
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    out.push(x.get(...idx));
    let d = shape.length - 1;
    while (d >= 0 && ++idx[d] === shape[d]) idx[d--] = 0;
  }
  return out;
}

/** Relative tolerance per dtype: exact for int32. */
export function tolerance(dtype: DTypeName): number {
  return dtype === "int32" ? 0 : dtype === "float32" ? 1e-5 : 1e-12;
}

/**
 * First mismatch between got and want (flat), or undefined. Floats compare with
 * |got - want| <= tol * max(1, |want|).
 */
export function firstMismatch(got: number[], want: number[], tol: number): string | undefined {
  if (got.length !== want.length) return `length ${got.length} != ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const ok = tol === 0 ? got[i] === want[i] : Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i]));
    if (!ok) return `at flat index ${i}: got ${got[i]}, want ${want[i]}`;
  }
  return undefined;
}

/** Unit roundoff of a float result dtype: 2^-53 (float64), 2^-24 (float32). */
export function unitRoundoff(dtype: "float64" | "float32"): number {
  return dtype === "float32" ? 2 ** -24 : 2 ** -53;
}

/**
 * The constant c of the error bound |got - want| <= c·(K + n)·u·Σ|a||b|…. A sum of K products of n factors,
 * in any order or blocking, errs by at most γ_{K+n}·Σ ≈ (K + n)·u·Σ (Higham, Accuracy and Stability, §3.1);
 * the fixture's own answer (numpy's) errs by as much again, so 2 would do; 4 leaves a margin for
 * contraction paths that round an intermediate and then sum it again.
 */
export const BOUND_C = 4;

/** What a float result is compared with: the reference value, Σ|products| per element, and the K. */
export interface BoundedWant {
  data: number[];
  absSum: number[];
  terms: number;
}

/**
 * First element outside the K-scaled rounding bound, or undefined:
 * |got - want| <= BOUND_C·(terms + operands)·u·absSum, u the unit roundoff of the result dtype.
 * Where absSum is 0 (no terms, or all products 0) the bound is 0: the result must be exactly 0.
 * Unlike a relative tolerance this bites: a float64 result rounded through float32 fails it.
 */
export function boundMismatch(
  got: ArrayLike<number>,
  want: BoundedWant,
  operands: number,
  dtype: "float64" | "float32",
): string | undefined {
  if (got.length !== want.data.length) return `length ${got.length} != ${want.data.length}`;
  const scale = BOUND_C * (want.terms + operands) * unitRoundoff(dtype);
  for (let i = 0; i < want.data.length; i++) {
    const err = Math.abs(got[i] - want.data[i]);
    const bound = scale * want.absSum[i];
    if (!(err <= bound)) {
      return `at flat index ${i}: got ${got[i]}, want ${want.data[i]}: error ${err.toExponential(2)} > bound ${bound.toExponential(2)} (= ${BOUND_C}·(K ${want.terms} + ${operands})·u·Σ ${want.absSum[i].toExponential(3)})`;
    }
  }
  return undefined;
}

/** Integer in [lo, hi] from a PRNG. */
export function randInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/** Seeded PRNG (mulberry32), so random tests are reproducible. */
export { mulberry32 as prng } from "../src/random";

/** Runs f, asserting it throws an EinsumError (never a TypeError); returns the message. */
export function throwsEinsumError(f: () => unknown, label: string): string {
  let caught: unknown;
  try {
    f();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `${label}: did not throw`);
  assert.ok(!(caught instanceof TypeError), `${label}: threw a TypeError: ${String(caught)}`);
  assert.ok(caught instanceof EinsumError, `${label}: expected an EinsumError, got ${String(caught)}`);
  return (caught as Error).message;
}

/** The fixtures' LCG (test/fixtures/lcg.py): values exact in float32, full 24-bit mantissas. */
export function fixtureLcg(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let s = seed >>> 0;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s >>> 8) / 2 ** 23 - 1;
  }
  return out;
}

/** The fixtures' full-float64 LCG (`lcg64` in test/fixtures/lcg.py): two steps per value, 52-53 bit mantissas. */
export function fixtureLcg64(length: number, seed: number): Float64Array {
  const out = new Float64Array(length);
  let s = seed >>> 0;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const hi = s >>> 6;
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const lo = s >>> 5;
    out[i] = (hi * 2 ** 27 + lo - 2 ** 52) / 2 ** 52;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Brute-force references for the views and convolutions (the fuzz test's value checks). Each is the
// definition read element by element through `.get`; none shares code with src/.
// ---------------------------------------------------------------------------------------------

/** Every index of a shape in row-major order. */
function* indices(shape: readonly number[]): Generator<number[]> {
  if (shape.some((n) => n === 0)) return;
  const idx = new Array<number>(shape.length).fill(0);
  for (;;) {
    yield idx.slice();
    let d = shape.length - 1;
    while (d >= 0 && ++idx[d] === shape[d]) idx[d--] = 0;
    if (d < 0) return;
  }
}

/** asStrided's definition: element idx is buffer[offset + Σ idx·stride] (offset defaults to x's own). */
export function referenceAsStrided(x: Arr, shape: readonly number[], strides: readonly number[], offset?: number): RefResult {
  const base = offset ?? x.offset;
  const data = [...indices(shape)].map((idx) => (x.data as ArrayLike<number>)[idx.reduce((at, v, i) => at + v * strides[i], base)]);
  return { shape: [...shape], data, absSum: data.map(Math.abs), terms: 1 };
}

/** permute's definition: result[i0, i1, ...] = x[j] with j[perm[a]] = i[a]. */
export function referencePermute(x: Arr, perm: readonly number[]): RefResult {
  const shape = perm.map((p) => x.shape[p]);
  const data = [...indices(shape)].map((idx) => {
    const src = new Array<number>(perm.length);
    perm.forEach((p, a) => (src[p] = idx[a]));
    return x.get(...src);
  });
  return { shape, data, absSum: data.map(Math.abs), terms: 1 };
}

/** A per-axis option as [height, width]. */
export function pairOf(v: number | readonly number[] | undefined, dflt: number): [number, number] {
  return v === undefined ? [dflt, dflt] : typeof v === "number" ? [v, v] : [v[0], v[1]];
}

/** NCHW windows: out[b,c,h,w,k,l] = x[b, c, h·sh + k·dh - ph, w·sw + l·dw - pw], zero outside x. */
export function referenceWindows(x: Arr, opts: { kernel: number | readonly number[]; stride?: number | readonly number[]; dilation?: number | readonly number[]; padding?: number | readonly number[] }): RefResult {
  const [kh, kw] = pairOf(opts.kernel, 1);
  const [sh, sw] = pairOf(opts.stride, 1);
  const [dh, dw] = pairOf(opts.dilation, 1);
  const [ph, pw] = pairOf(opts.padding, 0);
  const [nb, nc, h, w] = x.shape;
  const oh = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  const shape = [nb, nc, oh, ow, kh, kw];
  const data = [...indices(shape)].map(([b, c, r, q, k, l]) => {
    const row = r * sh + k * dh - ph;
    const col = q * sw + l * dw - pw;
    return row < 0 || col < 0 || row >= h || col >= w ? 0 : x.get(b, c, row, col);
  });
  return { shape, data, absSum: data.map(Math.abs), terms: 1 };
}

/**
 * Max / average pooling over NCHW (PyTorch's defaults): stride = kernel, max pads with -Infinity, average
 * pads with zeros and divides by K·L (count_include_pad). absSum/terms bound the average's rounding.
 */
export function referencePool(x: Arr, kind: "max" | "avg", opts: { kernel: number | readonly number[]; stride?: number | readonly number[]; dilation?: number | readonly number[]; padding?: number | readonly number[] }): RefResult {
  const [kh, kw] = pairOf(opts.kernel, 1);
  const win = referenceWindows(x, { ...opts, stride: opts.stride ?? opts.kernel });
  const [nb, nc, oh, ow] = win.shape;
  const [sh, sw] = pairOf(opts.stride ?? opts.kernel, 1);
  const [dh, dw] = pairOf(opts.dilation, 1);
  const [ph, pw] = pairOf(opts.padding, 0);
  const [, , h, w] = x.shape;
  const data: number[] = [];
  const absSum: number[] = [];
  for (const [b, c, r, q] of indices([nb, nc, oh, ow])) {
    let best = -Infinity;
    let sum = 0;
    let abs = 0;
    for (let k = 0; k < kh; k++) {
      for (let l = 0; l < kw; l++) {
        const row = r * sh + k * dh - ph;
        const col = q * sw + l * dw - pw;
        const inside = row >= 0 && col >= 0 && row < h && col < w;
        const v = inside ? x.get(b, c, row, col) : kind === "max" ? -Infinity : 0;
        if (v > best || Number.isNaN(v)) best = Number.isNaN(best) ? best : v;
        sum += v;
        abs += Math.abs(v);
      }
    }
    data.push(kind === "max" ? best : sum / (kh * kw));
    absSum.push(kind === "max" ? Math.abs(best) : abs / (kh * kw));
  }
  return { shape: [nb, nc, oh, ow], data, absSum, terms: kind === "max" ? 0 : kh * kw + 1 };
}

/**
 * scipy.signal's N-D correlate / convolve (`flip` = true) of a with b: the full result, z[n] = Σ_m a[n - m] b[m]
 * (convolution) or Σ_m a[n + m - (nb - 1)] b[m] (correlation), then cropped about its centre to the mode's
 * size, as scipy's `_centered`: "same" keeps a's shape, "valid" a - b + 1 (a at least b on every axis).
 */
export function referenceCorrelateND(a: Arr, b: Arr, mode: "full" | "same" | "valid", flip: boolean): RefResult {
  const fullShape = a.shape.map((n, i) => n + b.shape[i] - 1);
  const size = fullShape.reduce((p, n) => p * n, 1);
  const full = new Array<number>(size).fill(0);
  const abs = new Array<number>(size).fill(0);
  const flatOf = (idx: number[]) => idx.reduce((at, v, i) => at * fullShape[i] + v, 0);
  for (const ia of indices(a.shape)) {
    const va = a.get(...ia);
    for (const ib of indices(b.shape)) {
      const vb = b.get(...ib);
      const n = ia.map((v, i) => (flip ? v + ib[i] : v - ib[i] + b.shape[i] - 1));
      full[flatOf(n)] += va * vb;
      abs[flatOf(n)] += Math.abs(va * vb);
    }
  }
  const shape = mode === "full" ? fullShape : mode === "same" ? [...a.shape] : a.shape.map((n, i) => n - b.shape[i] + 1);
  const start = shape.map((n, i) => Math.floor((fullShape[i] - n) / 2));
  const data: number[] = [];
  const absSum: number[] = [];
  for (const idx of indices(shape)) {
    const at = flatOf(idx.map((v, i) => v + start[i]));
    data.push(full[at]);
    absSum.push(abs[at]);
  }
  return { shape, data, absSum, terms: b.shape.reduce((p, n) => p * n, 1) };
}

/**
 * 2-D/3-D convolve (einconv's `convolve`: cross-correlation over (h, w[, c]) summed over c) from the
 * definition: pad, then the mode's zeros (same: floor((span-1)/2) before), every stride-th kernel position.
 */
export function referenceConvolve(x: Arr, k: Arr, options: { mode?: "valid" | "same" | "full"; stride?: number | readonly number[]; padding?: number | readonly number[]; dilation?: number | readonly number[] }): RefResult {
  const [sh, sw] = pairOf(options.stride, 1);
  const [ph, pw] = pairOf(options.padding, 0);
  const [dh, dw] = pairOf(options.dilation, 1);
  const mode = options.mode ?? "valid";
  const [h, w] = x.shape;
  const c = x.shape.length === 3 ? x.shape[2] : 1;
  const [kh, kw] = k.shape;
  const spanH = dh * (kh - 1) + 1;
  const spanW = dw * (kw - 1) + 1;
  const extra = (span: number): [number, number] =>
    mode === "valid" ? [0, 0] : mode === "full" ? [span - 1, span - 1] : [Math.floor((span - 1) / 2), Math.ceil((span - 1) / 2)];
  const [eTop, eBottom] = extra(spanH);
  const [eLeft, eRight] = extra(spanW);
  const top = ph + eTop;
  const left = pw + eLeft;
  const oh = Math.floor((h + top + ph + eBottom - spanH) / sh) + 1;
  const ow = Math.floor((w + left + pw + eRight - spanW) / sw) + 1;
  const xv = (r: number, q: number, ch: number) => (r < 0 || q < 0 || r >= h || q >= w ? 0 : x.shape.length === 3 ? x.get(r, q, ch) : x.get(r, q));
  const kv = (i: number, j: number, ch: number) => (k.shape.length === 3 ? k.get(i, j, ch) : k.get(i, j));
  const data: number[] = [];
  const absSum: number[] = [];
  for (let r = 0; r < oh; r++) {
    for (let q = 0; q < ow; q++) {
      let sum = 0;
      let abs = 0;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          for (let ch = 0; ch < c; ch++) {
            const p = xv(r * sh + i * dh - top, q * sw + j * dw - left, ch) * kv(i, j, ch);
            sum += p;
            abs += Math.abs(p);
          }
        }
      }
      data.push(sum);
      absSum.push(abs);
    }
  }
  return { shape: [oh, ow], data, absSum, terms: kh * kw * c };
}
