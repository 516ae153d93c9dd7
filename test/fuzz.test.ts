/**
 * Fuzzing every public entry point with hostile input (issue 8). Seeded (src/random.ts), with a
 * fixed number of cases by default; `EINCONV_FUZZ_SECONDS=60` keeps drawing new cases for that long.
 *
 * Hostile side: each case calls one public function with arguments drawn from a pool of malformed
 * values (null, NaN, 1.5, "2", {}, symbols, huge or negative sizes, views past their buffer, fractional
 * offsets, plain arrays holding strings, unknown option keys, control characters in specs...) mixed
 * with valid ones. The call must either throw the library's error (EinsumError, ConvError for the
 * convolutions) with a message, or — when every argument happened to be valid — return; einsum results
 * are then checked against the brute-force reference (test/reference.ts).
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
import { firstMismatch, loadFixture, referenceEinsum, toFlat } from "./reference";

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
  const data = layout === 3 ? store : pick(r, [Float64Array, Int32Array] as const).from(store);
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

/** Each public function with a hostile-argument generator. */
const TARGETS: ReadonlyArray<{ name: string; conv?: boolean; call: (r: Rand) => unknown }> = [
  { name: "einsum", call: (r) => {
    const ops = Array.from({ length: int(r, 0, 3) }, () => hostileTensor(r));
    const opt = r() < 0.5 ? [hostileOptions(r, ["out", "dtype", "optimize", "backend"], () => pick(r, [...HOSTILE_SCALARS, "greedy", "optimal", "int32", hostileTensor(r)]))] : [];
    const spec = hostileSpec(r);
    const got = (lib.einsum as (...a: unknown[]) => Tensor)(spec, ...ops, ...opt);
    // Accepted: every argument was valid, so the value must be the brute-force reference's.
    const want = referenceEinsum(String(spec), ops as never, "float64");
    assert.deepEqual(got.shape, want.shape, `einsum ${JSON.stringify(spec)}`);
    if (got.data instanceof Float64Array) assert.equal(firstMismatch(toFlat(got as never), want.data, 1e-12), undefined, `einsum ${JSON.stringify(spec)}`);
    return got;
  } },
  { name: "einsum (sublist)", call: (r) => (lib.einsum as (...a: unknown[]) => unknown)(hostileTensor(r), hostileList(r), ...(r() < 0.5 ? [hostileList(r)] : [])) },
  { name: "compile/run", call: (r) => {
    const e = (lib.compile as (...a: unknown[]) => lib.Expression)(hostileSpec(r), ...Array.from({ length: int(r, 0, 2) }, () => hostileList(r)));
    return (e.run as (...a: unknown[]) => unknown)(...Array.from({ length: int(r, 0, 2) }, () => hostileTensor(r)));
  } },
  { name: "einsumPath", call: (r) => (lib.einsumPath as (...a: unknown[]) => unknown)(hostileSpec(r), ...Array.from({ length: int(r, 0, 3) }, () => (r() < 0.5 ? hostileList(r) : hostileTensor(r)))) },
  { name: "explain", call: (r) => (lib.explain as (...a: unknown[]) => unknown)(hostileSpec(r), ...Array.from({ length: int(r, 0, 3) }, () => (r() < 0.5 ? hostileList(r) : hostileTensor(r)))) },
  { name: "tensordot", call: (r) => (lib.tensordot as (...a: unknown[]) => unknown)(hostileTensor(r), hostileTensor(r), r() < 0.5 ? hostileNumber(r) : [hostileList(r), hostileList(r)]) },
  { name: "asStrided", call: (r) => (lib.asStrided as (...a: unknown[]) => unknown)(hostileTensor(r), hostileList(r), hostileList(r), ...(r() < 0.5 ? [hostileNumber(r)] : [])) },
  { name: "permute", call: (r) => (lib.permute as (...a: unknown[]) => unknown)(hostileTensor(r), hostileList(r)) },
  { name: "slidingWindowView", call: (r) => (lib.slidingWindowView as (...a: unknown[]) => unknown)(hostileTensor(r), hostileList(r), ...(r() < 0.5 ? [hostileList(r)] : [])) },
  { name: "viewAsWindows", call: (r) => (lib.viewAsWindows as (...a: unknown[]) => unknown)(hostileTensor(r), hostileList(r), ...(r() < 0.5 ? [hostileList(r)] : [])) },
  { name: "windows", call: (r) => (lib.windows as (...a: unknown[]) => unknown)(hostileTensor(r), hostileOptions(r, ["kernel", "stride", "dilation", "padding"], () => hostileList(r))) },
  { name: "pad", call: (r) => (lib.pad as (...a: unknown[]) => unknown)(hostileTensor(r), r() < 0.5 ? hostileList(r) : [[hostileNumber(r), hostileNumber(r)]], ...(r() < 0.3 ? [hostileNumber(r)] : [])) },
  { name: "assign", call: (r) => (lib.assign as (...a: unknown[]) => unknown)(lib.zeros([2]), hostileTensor(r)) },
  { name: "copy", call: (r) => (lib.copy as (...a: unknown[]) => unknown)(hostileTensor(r), ...(r() < 0.3 ? [pick(r, HOSTILE_SCALARS)] : [])) },
  { name: "toNested", call: (r) => (lib.toNested as (...a: unknown[]) => unknown)(hostileTensor(r)) },
  { name: "zeros", call: (r) => (lib.zeros as (...a: unknown[]) => unknown)(r() < 0.2 ? [2 ** 40, 2 ** 40] : hostileList(r), ...(r() < 0.3 ? [pick(r, HOSTILE_SCALARS)] : [])) },
  { name: "fromNested", call: (r) => (lib.fromNested as (...a: unknown[]) => unknown)(pick(r, [[[1, 2], [3]], [1, "2"], [[1, null]], null, "x", {}, [[1, 2], [3, 4]]])) },
  { name: "fromFlat", call: (r) => (lib.fromFlat as (...a: unknown[]) => unknown)(pick(r, [[1, 2], [1, "2"], null, {}, "ab"]), hostileList(r)) },
  { name: "convolve", conv: true, call: (r) => (lib.convolve as (...a: unknown[]) => unknown)(hostileTensor(r), hostileTensor(r), hostileOptions(r, ["mode", "stride", "padding", "dilation", "method"], () => pick(r, [...HOSTILE_SCALARS, "same", "fft", "strided", 1, [1, 2]]))) },
  { name: "fftconvolve", conv: true, call: (r) => (lib.fftconvolve as (...a: unknown[]) => unknown)(hostileTensor(r), hostileTensor(r), hostileOptions(r, ["mode", "axes"], () => pick(r, [...HOSTILE_SCALARS, "valid", "same", 0, [0, -1]]))) },
  { name: "correlate", conv: true, call: (r) => (lib.correlate as (...a: unknown[]) => unknown)(hostileTensor(r), hostileTensor(r), hostileOptions(r, ["mode", "method"], () => pick(r, [...HOSTILE_SCALARS, "valid", "direct", "fft"]))) },
  { name: "conv2dNHWC", conv: true, call: (r) => (lib.conv2dNHWC as (...a: unknown[]) => unknown)(r() < 0.5 ? validTensor(r, [1, 3, 3, 1]) : hostileTensor(r), r() < 0.5 ? validTensor(r, [2, 2, 1, 1]) : hostileTensor(r), hostileOptions(r, ["stride", "padding", "dilation"], () => pick(r, [...HOSTILE_SCALARS, "same", 1, [1, 2]]))) },
  { name: "Conv2D", conv: true, call: (r) => {
    const layer = new (lib.Conv2D as unknown as new (o: unknown) => lib.Conv2D)(r() < 0.3 ? hostileNumber(r) : { inChannels: pick(r, [1, 2, hostileNumber(r), 2 ** 40]), outChannels: pick(r, [1, 2, hostileNumber(r)]), kernelSize: pick(r, [1, 2, hostileNumber(r)]) });
    return layer.forward(r() < 0.5 ? validTensor(r, [1, int(r, 1, 2), 3, 3]) : (hostileTensor(r) as Tensor));
  } },
  { name: "maxPool2d/avgPool2d", conv: true, call: (r) => (pick(r, [lib.maxPool2d, lib.avgPool2d]) as (...a: unknown[]) => unknown)(r() < 0.5 ? validTensor(r, [1, 1, 4, 4]) : hostileTensor(r), hostileOptions(r, ["kernel", "stride", "padding", "dilation"], () => pick(r, [...HOSTILE_SCALARS, 1, 2, [2, 1]]))) },
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
  // Every target saw errors (the pools are hostile enough to reach its checks).
  for (const t of TARGETS) assert.ok((stats.get(t.name)?.error ?? 0) > 0, `${t.name} never rejected anything`);
  if (process.env.EINCONV_FUZZ_REPORT) console.log(`fuzz: ${n} hostile cases`, Object.fromEntries(stats));
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
    const want = referenceEinsum(spec, ops as never);
    assert.deepEqual(got.shape, want.shape, spec);
    const bad = firstMismatch(toFlat(got as never), want.data, 1e-12);
    assert.equal(bad, undefined, `${spec}: ${bad}`);
  }
});

interface Enc { shape: number[]; data: number[] }
interface FuzzFixture {
  einsum: Array<{ spec: string; operands: Enc[]; expected: Enc }>;
  tensordot: Array<{ a: Enc; b: Enc; axes: number | [number[], number[]]; expected: Enc }>;
  conv: Array<{ fn: "correlate" | "fftconvolve"; mode: "full" | "same" | "valid"; a: Enc; b: Enc; expected?: Enc; error?: string }>;
}

test("fuzz: numpy/scipy cases (fixtures/fuzz.json) hold for random layouts of their operands", () => {
  const fx = loadFixture<FuzzFixture>("fuzz");
  const r = mulberry32(82);
  const same = (got: Tensor, want: Enc, what: string, tol = 0) => {
    assert.deepEqual(got.shape, want.shape, what);
    assert.equal(firstMismatch(toFlat(got as never), want.data, tol), undefined, what);
  };
  for (const c of fx.einsum) {
    const ops = c.operands.map((o) => validTensor(r, o.shape, o.data));
    same(lib.einsum(c.spec, ...ops, { dtype: "float64" }), c.expected, `einsum ${JSON.stringify(c.spec)}`);
  }
  for (const c of fx.tensordot) {
    same(lib.tensordot(validTensor(r, c.a.shape, c.a.data), validTensor(r, c.b.shape, c.b.data), c.axes as lib.TensordotAxes), c.expected, `tensordot ${JSON.stringify(c.axes)}`);
  }
  for (const c of fx.conv) {
    const call = () => lib[c.fn](validTensor(r, c.a.shape, c.a.data), validTensor(r, c.b.shape, c.b.data), { mode: c.mode });
    if (c.error) assert.throws(call, ConvError);
    else same(call() as Tensor, c.expected!, `${c.fn} ${c.mode} [${c.a.shape}] [${c.b.shape}]`, 1e-9);
  }
});
