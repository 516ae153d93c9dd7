/**
 * Fuzzing every public entry point with hostile input (issue 8). Seeded (src/random.ts), with a
 * fixed number of cases by default; `EINCONV_FUZZ_SECONDS=60` keeps drawing new cases for that long.
 *
 * Hostile side: each case calls one public function with arguments drawn from a pool of malformed
 * values (null, NaN, 1.5, "2", {}, symbols, huge or negative sizes, views past their buffer, fractional
 * offsets, plain arrays holding strings, unknown option keys, control characters in specs...) mixed
 * with valid ones. The call must either throw the library's error (EinsumError, ConvError for the
 * convolutions) with a message, or — when every argument happened to be valid — return. Half the calls of
 * the value-returning targets (einsum, compile().run, asStrided, permute, windows, convolve, fftconvolve,
 * correlate, the pools) draw valid-but-random arguments instead (full-mantissa floats in random layouts),
 * so each accepts at least MIN_ACCEPTED of its calls; every accepted result, of every dtype, is compared
 * with a brute-force reference from test/reference.ts.
 *
 * Valid side: every numpy/scipy case of fixtures/fuzz.json (written by fixtures/fuzz.py), with its
 * operands laid out at random (reversed strides, offsets into a larger buffer, number[] storage).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import ndarray from "ndarray";
import * as lib from "../src/index";
import { ConvError, EinsumError, Tensor } from "../src/index";
import { mulberry32 } from "../src/random";
import {
  RefResult,
  boundMismatch,
  firstMismatch,
  fixtureLcg64,
  loadFixture,
  referenceAsStrided,
  referenceConvolve,
  referenceCorrelateND,
  referenceEinsum,
  referencePermute,
  referencePool,
  referenceWindows,
  toFlat,
} from "./reference";

type Rand = () => number;
const pick = <T>(r: Rand, list: readonly T[]): T => list[Math.floor(r() * list.length)];
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const nd = (data: unknown, shape: number[], stride?: number[], offset?: number): Tensor =>
  (ndarray as unknown as (...a: unknown[]) => Tensor)(data, shape, stride, offset);

/** A small valid tensor with a random layout (contiguous, reversed, offset in a larger buffer, number[]). */
function validTensor(r: Rand, shape: number[], values?: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const vals = values ?? Array.from({ length: n }, () => int(r, -3, 3));
  const layout = int(r, 0, 3);
  const pad = layout === 2 ? int(r, 1, 4) : 0;
  const store: number[] = new Array(n + 2 * pad).fill(0);
  // Row-major strides, optionally every axis reversed.
  const strides: number[] = [];
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= Math.max(shape[i], 1);
  }
  const reverse = layout === 1;
  let offset = pad;
  const finalStrides = strides.map((st, i) => (reverse && shape[i] > 0 ? -st : st));
  if (reverse) shape.forEach((d, i) => { if (d > 0) offset += (d - 1) * strides[i]; });
  // Write values in row-major order through the chosen strides.
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let at = offset;
    idx.forEach((v, i) => (at += v * finalStrides[i]));
    store[at] = vals[k];
    let d = shape.length - 1;
    while (d >= 0 && ++idx[d] === shape[d]) idx[d--] = 0;
  }
  // Integer values may be stored as int32; fractional ones as float64 or float32 (float32 rounds them,
  // and the references read the stored values, so both sides see the same numbers).
  const ctors: ReadonlyArray<typeof Float64Array | typeof Float32Array | typeof Int32Array> = vals.every(Number.isInteger) ? [Float64Array, Int32Array] : [Float64Array, Float32Array];
  const data = layout === 3 ? store : pick(r, ctors).from(store);
  return nd(data, [...shape], finalStrides, offset);
}

const HOSTILE_SCALARS: readonly unknown[] = [null, undefined, NaN, -1, 1.5, "2", true, {}, [], Symbol("s"), 2 ** 31, 2 ** 53, -0, Infinity, () => 1, 10n];

/** A value that may be anything at all, or a tensor that is subtly wrong, or a valid tensor. */
function hostileTensor(r: Rand): unknown {
  const shape = Array.from({ length: int(r, 0, 3) }, () => int(r, 0, 3));
  switch (int(r, 0, 9)) {
    case 0: return pick(r, HOSTILE_SCALARS);
    case 1: return nd(new Float64Array(2), [3, 3]); // past its buffer
    case 2: return nd(new Float64Array(4), [2 ** 31]); // huge, past its buffer
    case 3: return { data: new Float64Array(4), shape: [2], stride: [1], offset: pick(r, [0.5, -1, NaN, "0", 4]) };
    case 4: return nd([1, pick(r, ["3", null, undefined, {}, true]), 3, 4], [4]);
    case 5: return { data: new Uint8Array(4), shape: [4], stride: [1], offset: 0 };
    case 6: return { data: new Float64Array(4), shape: pick(r, [[2.5], [-1], ["2"], [NaN], "2", null]), stride: [1], offset: 0 };
    case 7: return { data: new Float64Array(4), shape: [2], stride: pick(r, [[0.5], [], [1, 1], null, [NaN]]), offset: 0 };
    case 8: return [[1, 2], [3, 4]];
    default: return validTensor(r, shape);
  }
}

function hostileNumber(r: Rand): unknown {
  return r() < 0.5 ? pick(r, HOSTILE_SCALARS) : int(r, 0, 4);
}
function hostileList(r: Rand): unknown {
  return r() < 0.3 ? hostileNumber(r) : Array.from({ length: int(r, 0, 3) }, () => hostileNumber(r));
}
function hostileSpec(r: Rand): unknown {
  if (r() < 0.1) return pick(r, HOSTILE_SCALARS);
  const alphabet = ["i", "j", "k", "i", "j", ",", "->", "...", ".", " ", "\t", "\n", "\0", "1", "$", "é"];
  return Array.from({ length: int(r, 0, 7) }, () => pick(r, alphabet)).join("");
}
function hostileOptions(r: Rand, keys: readonly string[], values: () => unknown): unknown {
  if (r() < 0.15) return pick(r, [null, 5, "x", []]);
  const o: Record<string, unknown> = {};
  for (let k = int(r, 0, 2); k > 0; k--) {
    const key = r() < 0.15 ? pick(r, ["outt", "optimise", "Mode", "axis", "kernal"]) : pick(r, keys);
    o[key] = values();
  }
  return o;
}


// ---- valid-but-random arguments, and the value check of every accepted result ----

/** Full-mantissa float64 values from the fixtures' LCG, seeded from the fuzz PRNG. */
function randomFloats(r: Rand, n: number): number[] {
  return Array.from(fixtureLcg64(n, Math.floor(r() * 2 ** 32)));
}

/** A valid tensor of random floats in a random layout (float64, float32 or number[] storage). */
function floatTensor(r: Rand, shape: number[]): Tensor {
  return validTensor(r, shape, randomFloats(r, shape.reduce((a, b) => a * b, 1)));
}

/** Share of calls drawn from the valid generators; each listed target must accept >= MIN_ACCEPTED of its calls. */
const VALID_SHARE = 0.5;
const MIN_ACCEPTED = 0.3;

/**
 * Checks an accepted result against its reference, by the result's dtype: int32 bit for bit, float32 and
 * float64 within the K-scaled bound (boundMismatch); `exact` for views (they copy nothing, so nothing rounds).
 */
function checkValue(what: string, got: Tensor, want: RefResult, operands: number, exact = false): void {
  assert.deepEqual([...got.shape], want.shape, `${what}: shape`);
  const values = toFlat(got as never);
  const dtype = got.data instanceof Int32Array ? "int32" : got.data instanceof Float32Array ? "float32" : "float64";
  const bad = exact || dtype === "int32" ? firstMismatch(values, want.data, 0) : boundMismatch(values, want, operands, dtype);
  assert.equal(bad, undefined, `${what} (${dtype}): ${bad}`);
}

/**
 * FFT results err norm-wise: |err| <= 16·u·‖a‖₂‖b‖₂ (the conv grid measures at most 1.18 of these units,
 * test/conv_convolve.test.ts). Used for fftconvolve, correlate and convolve when they may take the FFT route.
 */
function checkFFTValue(what: string, got: Tensor, want: RefResult, a: Tensor, b: Tensor): void {
  assert.deepEqual([...got.shape], want.shape, `${what}: shape`);
  const norm = (t: Tensor) => Math.sqrt(toFlat(t as never).reduce((s, v) => s + v * v, 0));
  const tol = 16 * 2 ** -53 * norm(a) * norm(b);
  const values = toFlat(got as never);
  values.forEach((v, i) => assert.ok(Math.abs(v - want.data[i]) <= tol, `${what}: element ${i} ${v} vs ${want.data[i]} (FFT bound ${tol})`));
}

const VALID_SPECS = ["ij,jk->ik", "ii", "i,i->", "ij->ji", "...i,...i", "ijk,k", "i,j,k->ijk", "ab,bc,cd->ad", "a,a,a->a", "bij,bjk->bik", "ij,ij->", "i,ij,j"];

/** A random valid einsum: spec, float operands in random layouts (shared label sizes). */
function validEinsum(r: Rand): { spec: string; ops: Tensor[] } {
  const spec = pick(r, VALID_SPECS);
  const sizes: Record<string, number> = {};
  const ell = Array.from({ length: int(r, 0, 2) }, () => int(r, 1, 3));
  const ops = spec.split("->")[0].split(",").map((t) => {
    const shape = t.replace("...", "").split("").map((l) => (sizes[l] ??= int(r, 0, 4)));
    return floatTensor(r, t.includes("...") ? [...ell, ...shape] : shape);
  });
  return { spec, ops };
}

function checkEinsum(what: string, spec: string, ops: Tensor[], got: Tensor): void {
  const want = referenceEinsum(spec, ops as never, got.data instanceof Int32Array ? "int32" : "float64");
  checkValue(`${what} ${JSON.stringify(spec)}`, got, want, ops.length);
}

function randomShape(r: Rand, rank: number, lo: number, hi: number): number[] {
  return Array.from({ length: rank }, () => int(r, lo, hi));
}

/** Valid asStrided arguments: strides in -2..2 and an offset that keeps every element inside the buffer. */
function validStrided(r: Rand): { x: Tensor; shape: number[]; strides: number[]; offset?: number } | undefined {
  const x = floatTensor(r, randomShape(r, int(r, 1, 3), 1, 4));
  const length = (x.data as ArrayLike<number>).length;
  const shape = randomShape(r, int(r, 0, 3), 0, 3);
  const strides = shape.map(() => int(r, -2, 2));
  let lo = 0;
  let hi = 0;
  shape.forEach((n, i) => (strides[i] < 0 ? (lo += (n - 1) * strides[i]) : (hi += Math.max(0, n - 1) * strides[i])));
  if (-lo > length - 1 - hi) return undefined;
  const offset = int(r, -lo, length - 1 - hi);
  return { x, shape, strides, offset: r() < 0.2 && x.offset >= -lo && x.offset <= length - 1 - hi ? undefined : offset };
}

function validWindowOptions(r: Rand): { kernel: number | [number, number]; stride?: number | [number, number]; dilation?: number; padding?: number } {
  const o: { kernel: number | [number, number]; stride?: number | [number, number]; dilation?: number; padding?: number } = { kernel: r() < 0.5 ? int(r, 1, 3) : [int(r, 1, 3), int(r, 1, 3)] };
  if (r() < 0.6) o.stride = r() < 0.5 ? int(r, 1, 2) : [int(r, 1, 2), int(r, 1, 3)];
  if (r() < 0.3) o.dilation = int(r, 1, 2);
  if (r() < 0.5) o.padding = int(r, 0, 1);
  return o;
}

const nchw = (r: Rand) => floatTensor(r, [int(r, 1, 2), int(r, 1, 2), int(r, 3, 6), int(r, 3, 6)]);

/** Each public function with a hostile-argument generator; `checked` targets also draw valid arguments and check values. */
const TARGETS: ReadonlyArray<{ name: string; conv?: boolean; checked?: boolean; call: (r: Rand) => unknown }> = [
  { name: "einsum", checked: true, call: (r) => {
    if (r() < VALID_SHARE) {
      const { spec, ops } = validEinsum(r);
      const got = lib.einsum(spec, ...ops, { optimize: pick(r, [true, false, "greedy", "optimal"] as const) });
      checkEinsum("einsum (valid)", spec, ops, got);
      return got;
    }
    const ops = Array.from({ length: int(r, 0, 3) }, () => hostileTensor(r));
    const opt = r() < 0.5 ? [hostileOptions(r, ["out", "dtype", "optimize", "backend"], () => pick(r, [...HOSTILE_SCALARS, "greedy", "optimal", "int32", hostileTensor(r)]))] : [];
    const spec = hostileSpec(r);
    const got = (lib.einsum as (...a: unknown[]) => Tensor)(spec, ...ops, ...opt);
    // Accepted: every argument was valid, so the value must be the brute-force reference's, whatever its dtype.
    checkEinsum("einsum", String(spec), ops as Tensor[], got);
    return got;
  } },
  { name: "einsum (sublist)", call: (r) => (lib.einsum as (...a: unknown[]) => unknown)(hostileTensor(r), hostileList(r), ...(r() < 0.5 ? [hostileList(r)] : [])) },
  { name: "compile/run", checked: true, call: (r) => {
    if (r() < VALID_SHARE) {
      const { spec, ops } = validEinsum(r);
      const got = lib.compile(spec, ...ops.map((o) => [...o.shape])).run(...ops);
      checkEinsum("compile/run (valid)", spec, ops, got);
      return got;
    }
    const spec = hostileSpec(r);
    const e = (lib.compile as (...a: unknown[]) => lib.Expression)(spec, ...Array.from({ length: int(r, 0, 2) }, () => hostileList(r)));
    const ops = Array.from({ length: int(r, 0, 2) }, () => hostileTensor(r));
    const got = (e.run as (...a: unknown[]) => Tensor)(...ops);
    checkEinsum("compile/run", String(spec), ops as Tensor[], got);
    return got;
  } },
  { name: "einsumPath", call: (r) => (lib.einsumPath as (...a: unknown[]) => unknown)(hostileSpec(r), ...Array.from({ length: int(r, 0, 3) }, () => (r() < 0.5 ? hostileList(r) : hostileTensor(r)))) },
  { name: "explain", call: (r) => (lib.explain as (...a: unknown[]) => unknown)(hostileSpec(r), ...Array.from({ length: int(r, 0, 3) }, () => (r() < 0.5 ? hostileList(r) : hostileTensor(r)))) },
  { name: "tensordot", call: (r) => (lib.tensordot as (...a: unknown[]) => unknown)(hostileTensor(r), hostileTensor(r), r() < 0.5 ? hostileNumber(r) : [hostileList(r), hostileList(r)]) },
  { name: "asStrided", checked: true, call: (r) => {
    const v = r() < VALID_SHARE ? validStrided(r) : undefined;
    const x = v?.x ?? hostileTensor(r);
    const shape = v?.shape ?? hostileList(r);
    const strides = v?.strides ?? hostileList(r);
    const rest = v ? (v.offset === undefined ? [] : [v.offset]) : r() < 0.5 ? [hostileNumber(r)] : [];
    const got = (lib.asStrided as (...a: unknown[]) => Tensor)(x, shape, strides, ...rest);
    checkValue("asStrided", got, referenceAsStrided(x as never, shape as number[], strides as number[], rest[0] as number | undefined), 1, true);
    return got;
  } },
  { name: "permute", checked: true, call: (r) => {
    const valid = r() < VALID_SHARE;
    const x = valid ? floatTensor(r, randomShape(r, int(r, 0, 4), 0, 3)) : hostileTensor(r);
    const perm = valid ? [...(x as Tensor).shape.keys()].sort(() => r() - 0.5) : hostileList(r);
    const got = (lib.permute as (...a: unknown[]) => Tensor)(x, perm);
    checkValue("permute", got, referencePermute(x as never, perm as number[]), 1, true);
    return got;
  } },
  { name: "slidingWindowView", call: (r) => (lib.slidingWindowView as (...a: unknown[]) => unknown)(hostileTensor(r), hostileList(r), ...(r() < 0.5 ? [hostileList(r)] : [])) },
  { name: "viewAsWindows", call: (r) => (lib.viewAsWindows as (...a: unknown[]) => unknown)(hostileTensor(r), hostileList(r), ...(r() < 0.5 ? [hostileList(r)] : [])) },
  { name: "windows", checked: true, call: (r) => {
    const valid = r() < VALID_SHARE;
    const x = valid ? nchw(r) : hostileTensor(r);
    const opts = valid ? validWindowOptions(r) : hostileOptions(r, ["kernel", "stride", "dilation", "padding"], () => hostileList(r));
    const got = (lib.windows as (...a: unknown[]) => Tensor)(x, opts);
    checkValue("windows", got, referenceWindows(x as never, opts as never), 1, true);
    return got;
  } },
  { name: "pad", call: (r) => (lib.pad as (...a: unknown[]) => unknown)(hostileTensor(r), r() < 0.5 ? hostileList(r) : [[hostileNumber(r), hostileNumber(r)]], ...(r() < 0.3 ? [hostileNumber(r)] : [])) },
  { name: "assign", call: (r) => (lib.assign as (...a: unknown[]) => unknown)(lib.zeros([2]), hostileTensor(r)) },
  { name: "copy", call: (r) => (lib.copy as (...a: unknown[]) => unknown)(hostileTensor(r), ...(r() < 0.3 ? [pick(r, HOSTILE_SCALARS)] : [])) },
  { name: "toNested", call: (r) => (lib.toNested as (...a: unknown[]) => unknown)(hostileTensor(r)) },
  { name: "zeros", call: (r) => (lib.zeros as (...a: unknown[]) => unknown)(r() < 0.2 ? [2 ** 40, 2 ** 40] : hostileList(r), ...(r() < 0.3 ? [pick(r, HOSTILE_SCALARS)] : [])) },
  { name: "fromNested", call: (r) => (lib.fromNested as (...a: unknown[]) => unknown)(pick(r, [[[1, 2], [3]], [1, "2"], [[1, null]], null, "x", {}, [[1, 2], [3, 4]]])) },
  { name: "fromFlat", call: (r) => (lib.fromFlat as (...a: unknown[]) => unknown)(pick(r, [[1, 2], [1, "2"], null, {}, "ab"]), hostileList(r)) },
  { name: "convolve", conv: true, checked: true, call: (r) => {
    const valid = r() < VALID_SHARE;
    const c = int(r, 0, 2);
    const x = valid ? floatTensor(r, c ? [int(r, 3, 7), int(r, 3, 7), c] : [int(r, 3, 7), int(r, 3, 7)]) : hostileTensor(r);
    const k = valid ? floatTensor(r, c && r() < 0.5 ? [int(r, 1, 3), int(r, 1, 3), c] : [int(r, 1, 3), int(r, 1, 3)]) : hostileTensor(r);
    const opts = valid
      ? { mode: pick(r, ["valid", "same", "full"] as const), stride: int(r, 1, 2), padding: int(r, 0, 1), dilation: int(r, 1, 2), method: pick(r, ["auto", "fft", "submatrix", "strided"] as const) }
      : hostileOptions(r, ["mode", "stride", "padding", "dilation", "method"], () => pick(r, [...HOSTILE_SCALARS, "same", "fft", "strided", 1, [1, 2]]));
    const got = (lib.convolve as (...a: unknown[]) => Tensor)(x, k, opts);
    const want = referenceConvolve(x as never, k as never, opts as never);
    const method = (opts as { method?: string } | null)?.method;
    if (method === "submatrix" || method === "strided") checkValue("convolve", got, want, 2);
    else checkFFTValue(`convolve (${method ?? "auto"})`, got, want, x as Tensor, k as Tensor);
    return got;
  } },
  { name: "fftconvolve", conv: true, checked: true, call: (r) => {
    const valid = r() < VALID_SHARE;
    const rank = int(r, 1, 2);
    const mode = valid ? pick(r, ["full", "same", "valid"] as const) : undefined;
    const bs = randomShape(r, rank, 1, 3);
    const a = valid ? floatTensor(r, bs.map((n) => n + int(r, 0, 3))) : hostileTensor(r);
    const b = valid ? floatTensor(r, bs) : hostileTensor(r);
    const opts = valid ? { mode } : hostileOptions(r, ["mode", "axes"], () => pick(r, [...HOSTILE_SCALARS, "valid", "same", 0, [0, -1]]));
    const got = (lib.fftconvolve as (...a: unknown[]) => Tensor)(a, b, opts);
    if ((opts as { axes?: unknown } | null)?.axes === undefined) {
      checkFFTValue("fftconvolve", got, referenceCorrelateND(a as never, b as never, ((opts as { mode?: "full" } | null)?.mode ?? "full"), true), a as Tensor, b as Tensor);
    } else assert.ok(valid === false, "valid calls give no axes"); // hostile axes accepted: the fixture test covers axes
    return got;
  } },
  { name: "correlate", conv: true, checked: true, call: (r) => {
    const valid = r() < VALID_SHARE;
    const rank = int(r, 1, 2);
    const bs = randomShape(r, rank, 1, 3);
    const a = valid ? floatTensor(r, bs.map((n) => n + int(r, 0, 3))) : hostileTensor(r);
    const b = valid ? floatTensor(r, bs) : hostileTensor(r);
    const opts = valid
      ? { mode: pick(r, ["full", "same", "valid"] as const), method: pick(r, ["auto", "direct", "fft"] as const) }
      : hostileOptions(r, ["mode", "method"], () => pick(r, [...HOSTILE_SCALARS, "valid", "direct", "fft"]));
    const got = (lib.correlate as (...a: unknown[]) => Tensor)(a, b, opts);
    const o = (opts ?? {}) as { mode?: "full"; method?: string };
    const want = referenceCorrelateND(a as never, b as never, o.mode ?? "full", false);
    if (o.method === "direct") checkValue("correlate (direct)", got, want, 2);
    else checkFFTValue(`correlate (${o.method ?? "auto"})`, got, want, a as Tensor, b as Tensor);
    return got;
  } },
  { name: "conv2dNHWC", conv: true, call: (r) => (lib.conv2dNHWC as (...a: unknown[]) => unknown)(r() < 0.5 ? validTensor(r, [1, 3, 3, 1]) : hostileTensor(r), r() < 0.5 ? validTensor(r, [2, 2, 1, 1]) : hostileTensor(r), hostileOptions(r, ["stride", "padding", "dilation"], () => pick(r, [...HOSTILE_SCALARS, "same", 1, [1, 2]]))) },
  { name: "Conv2D", conv: true, call: (r) => {
    // 2^31 channels is a valid size that Conv2D accepts: it allocates and fills a 2^31-element (16 GB) weight
    // for a minute, so the fuzz asks for 2^40 (refused by zeros' size check) instead.
    const channels = () => {
      const v = hostileNumber(r);
      return v === 2 ** 31 ? 2 ** 40 : v;
    };
    const layer = new (lib.Conv2D as unknown as new (o: unknown) => lib.Conv2D)(r() < 0.3 ? hostileNumber(r) : { inChannels: pick(r, [1, 2, channels(), 2 ** 40]), outChannels: pick(r, [1, 2, channels()]), kernelSize: pick(r, [1, 2, hostileNumber(r)]) });
    return layer.forward(r() < 0.5 ? validTensor(r, [1, int(r, 1, 2), 3, 3]) : (hostileTensor(r) as Tensor));
  } },
  { name: "maxPool2d/avgPool2d", conv: true, checked: true, call: (r) => {
    const kind = pick(r, ["max", "avg"] as const);
    const valid = r() < VALID_SHARE;
    const x = valid ? nchw(r) : r() < 0.5 ? validTensor(r, [1, 1, 4, 4]) : hostileTensor(r);
    let opts: unknown;
    if (valid) {
      const kernel = int(r, 1, 3);
      opts = { kernel, ...(r() < 0.5 ? { stride: int(r, 1, 2) } : {}), ...(r() < 0.5 ? { padding: int(r, 0, Math.floor(kernel / 2)) } : {}) };
    } else opts = hostileOptions(r, ["kernel", "stride", "padding", "dilation"], () => pick(r, [...HOSTILE_SCALARS, 1, 2, [2, 1]]));
    const got = (kind === "max" ? lib.maxPool2d : lib.avgPool2d)(x as Tensor, opts as lib.Pool2DOptions);
    checkValue(`${kind}Pool2d`, got, referencePool(x as never, kind, opts as never), 1, kind === "max");
    return got;
  } },
];

/** Runs one hostile case; returns "error" or "value", throws on anything escaping the library's errors. */
function runCase(r: Rand, target: (typeof TARGETS)[number]): "error" | "value" {
  let result: unknown;
  try {
    result = target.call(r);
  } catch (e) {
    if (!(e instanceof EinsumError)) throw new Error(`${target.name}: a ${(e as Error)?.constructor?.name} escaped: ${(e as Error)?.message}\n${(e as Error)?.stack}`);
    assert.ok(e.message.length > 10, `${target.name}: an empty error message`);
    if (target.conv && !(e instanceof ConvError)) {
      // The convolutions may pass einsum/view errors through; they still are the library's errors.
      assert.ok(e instanceof EinsumError);
    }
    return "error";
  }
  // Anything returned that looks like an array must be a valid view of its own buffer.
  const t = result as Tensor | undefined;
  if (t && typeof t === "object" && "shape" in t && "data" in t) lib.makeView(t.data, t.shape, t.stride, t.offset, `${target.name} result`);
  return "value";
}

function budget(): { seconds: number; cases: number } {
  const seconds = Number(process.env.EINCONV_FUZZ_SECONDS ?? 0);
  return { seconds: Number.isFinite(seconds) && seconds > 0 ? seconds : 0, cases: 4000 };
}

test("fuzz: hostile arguments to every public function give the library's error or a valid call", () => {
  const { seconds, cases } = budget();
  const r = mulberry32(8);
  const stats = new Map<string, { error: number; value: number }>();
  const started = Date.now();
  let n = 0;
  for (; seconds > 0 ? Date.now() - started < seconds * 1000 : n < cases; n++) {
    const target = TARGETS[n % TARGETS.length];
    let outcome: "error" | "value";
    try {
      outcome = runCase(r, target);
    } catch (e) {
      if (!process.env.EINCONV_FUZZ_COLLECT) throw e;
      console.log(String((e as Error).message).split("\n").slice(0, 4).join(" | "));
      continue;
    }
    const s = stats.get(target.name) ?? { error: 0, value: 0 };
    s[outcome]++;
    stats.set(target.name, s);
  }
  // Every target saw errors (the pools are hostile enough to reach its checks), and every value-returning
  // target accepted enough calls that its values were checked.
  for (const t of TARGETS) assert.ok((stats.get(t.name)?.error ?? 0) > 0, `${t.name} never rejected anything`);
  for (const t of TARGETS.filter((t) => t.checked)) {
    const s = stats.get(t.name)!;
    const share = s.value / (s.value + s.error);
    assert.ok(share >= MIN_ACCEPTED, `${t.name}: only ${s.value} of ${s.value + s.error} calls accepted (${(100 * share).toFixed(0)}% < ${100 * MIN_ACCEPTED}%), so few values were checked`);
  }
  console.log(`fuzz: ${n} cases; accepted/rejected per target: ${[...stats].map(([k, v]) => `${k} ${v.value}/${v.error}`).join(", ")}`);
});

test("fuzz: random valid einsums through hostile-but-valid layouts equal the brute-force reference", () => {
  const r = mulberry32(81);
  const specs = ["ij,jk->ik", "ii", "i,i->", "ij->ji", "...i,...i", "ijk,k", "i,j,k->ijk", "ab,bc,cd->ad", "a,a,a->a"];
  for (let n = 0; n < 400; n++) {
    const spec = pick(r, specs);
    const sizes: Record<string, number> = {};
    const terms = spec.split("->")[0].split(",");
    const ell = Array.from({ length: int(r, 0, 2) }, () => int(r, 1, 2));
    const ops = terms.map((t) => {
      const shape = t.replace("...", "").split("").map((l) => (sizes[l] ??= int(r, 0, 3)));
      return validTensor(r, t.includes("...") ? [...ell, ...shape] : shape);
    });
    const got = lib.einsum(spec, ...ops, { optimize: pick(r, [true, false, "greedy", "optimal"]), dtype: "float64" });
    checkValue(spec, got, referenceEinsum(spec, ops as never), ops.length);
  }
});

interface Enc { shape: number[]; data: number[] }
/** The error bound's inputs (fuzz.py): Σ|products| per element and the most products per element. */
interface Bound { absSum: number[]; terms: number }
interface FuzzFixture {
  einsum: Array<{ spec: string; operands: Enc[]; expected: Enc } & Bound>;
  tensordot: Array<{ a: Enc; b: Enc; axes: number | [number[], number[]]; expected: Enc } & Bound>;
  conv: Array<{ fn: "correlate" | "fftconvolve"; mode: "full" | "same" | "valid"; a: Enc; b: Enc; expected?: Enc; error?: string }>;
}

test("fuzz: numpy/scipy cases (fixtures/fuzz.json, full-mantissa floats) hold for random layouts of their operands", () => {
  const fx = loadFixture<FuzzFixture>("fuzz");
  const r = mulberry32(82);
  const bounded = (got: Tensor, want: Enc, b: Bound, operands: number, what: string) =>
    checkValue(what, got, { shape: want.shape, data: want.data, absSum: b.absSum, terms: b.terms }, operands);
  // A random layout of the fixture's values; float32 storage would round the values numpy saw, so a
  // float32 draw falls back to a contiguous float64 copy.
  const f64 = (e: Enc) => {
    const t = validTensor(r, e.shape, e.data);
    return t.data instanceof Float32Array ? lib.fromFlat(e.data, e.shape) : t;
  };
  for (const c of fx.einsum) {
    const ops = c.operands.map(f64);
    bounded(lib.einsum(c.spec, ...ops, { dtype: "float64" }), c.expected, c, ops.length, `einsum ${JSON.stringify(c.spec)}`);
  }
  for (const c of fx.tensordot) {
    bounded(lib.tensordot(f64(c.a), f64(c.b), c.axes as lib.TensordotAxes), c.expected, c, 2, `tensordot ${JSON.stringify(c.axes)}`);
  }
  for (const c of fx.conv) {
    const a = f64(c.a);
    const b = f64(c.b);
    const call = () => lib[c.fn](a, b, { mode: c.mode });
    if (c.error) assert.throws(call, ConvError);
    else checkFFTValue(`${c.fn} ${c.mode} [${c.a.shape}] [${c.b.shape}]`, call() as Tensor, { shape: c.expected!.shape, data: c.expected!.data, absSum: [], terms: 0 }, a, b);
  }
});
