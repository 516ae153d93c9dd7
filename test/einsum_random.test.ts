/**
 * einsum on random specs over non-contiguous views, checked against the brute-force reference.
 *
 * Views are what einconv meets in practice: transposes, reversed axes (`step(-1)`), offsets (`lo`),
 * every-other-element (`step(2)`), and raw strided views built with the ndarray constructor — stride 0
 * (broadcast) and overlapping strides, the shapes window views take. They are only read. The PRNG is
 * seeded, so every run checks the same cases; a failure message names the case number and spec.
 * The first test keeps problems small (the generated loop nests); the second makes them large enough
 * for the packed GEMM kernel, with odd sizes that leave partial register blocks.
 *
 * Float operands are full-mantissa values from the fixtures' LCG (fixtureLcg64 / fixtureLcg, seeded from
 * the PRNG), so results really round; they are held to the K-scaled bound of boundMismatch (reference.ts).
 * int32 operands are small integers and int32 results must match bit for bit.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import ndarray from "ndarray";
import { compile, einsum, EinsumError } from "../src/index";
import {
  Arr,
  DTypeName,
  Numeric,
  RefResult,
  boundMismatch,
  dtypeOf,
  firstMismatch,
  fixtureLcg,
  fixtureLcg64,
  prng,
  randInt,
  referenceEinsum,
  toFlat,
  typed,
} from "./reference";

const SEED = 0x5eed2024;
const CASES = 200;
const MAX_WORK = 2000; // product of all label sizes: keeps the reference fast

const callEinsum = einsum as unknown as (...args: unknown[]) => Arr;

type Rand = () => number;

function pick<T>(rand: Rand, xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)];
}

function shuffle<T>(rand: Rand, xs: T[]): T[] {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

const prod = (xs: number[]) => xs.reduce((a, b) => a * b, 1);

function randomValues(rand: Rand, dtype: DTypeName, n: number): Float64Array | Float32Array | Int32Array {
  if (dtype === "int32") return typed(dtype, Array.from({ length: n }, () => randInt(rand, -3, 3)));
  const seed = Math.floor(rand() * 2 ** 32);
  return dtype === "float32" ? fixtureLcg(n, seed) : fixtureLcg64(n, seed);
}

/** Bitwise for int32, else the K-scaled rounding bound against the float64 reference. */
function valueMismatch(got: Arr, want: RefResult, operands: number, dtype: DTypeName): string | undefined {
  return dtype === "int32" ? firstMismatch(toFlat(got), want.data, 0) : boundMismatch(toFlat(got), want, operands, dtype);
}

/** How an operand's view is made; each yields a view of exactly `shape`. */
const viewKinds = ["contiguous", "transposed", "reversed", "offset", "every-other", "raw-strides"] as const;
type ViewKind = (typeof viewKinds)[number];

function makeView(rand: Rand, kind: ViewKind, shape: number[], dtype: DTypeName): Arr {
  const nd = shape.length;
  switch (kind) {
    case "contiguous":
      return ndarray<Numeric>(randomValues(rand, dtype, prod(shape)), shape);
    case "transposed": {
      // storage in a random axis order, viewed back in the requested order
      const perm = shuffle(rand, shape.map((_, i) => i));
      const base = ndarray<Numeric>(randomValues(rand, dtype, prod(shape)), perm.map((p) => shape[p]));
      const inv = perm.map((_, i) => perm.indexOf(i));
      return base.transpose(...inv);
    }
    case "reversed": {
      const base = ndarray<Numeric>(randomValues(rand, dtype, prod(shape)), shape);
      return base.step(...shape.map(() => (rand() < 0.6 ? -1 : 1)));
    }
    case "offset": {
      // a larger array with a margin on every axis, cut down with lo/hi
      const lo = shape.map(() => randInt(rand, 0, 2));
      const big = shape.map((n, i) => n + lo[i] + randInt(rand, 0, 1));
      const base = ndarray<Numeric>(randomValues(rand, dtype, prod(big)), big);
      return base.lo(...lo).hi(...shape);
    }
    case "every-other": {
      const steps = shape.map(() => pick(rand, [2, -2, 3, 1]));
      const big = shape.map((n, i) => Math.max(1, n * Math.abs(steps[i])));
      const base = ndarray<Numeric>(randomValues(rand, dtype, prod(big)), big);
      const v = base.step(...steps);
      return v.hi(...shape);
    }
    case "raw-strides": {
      // arbitrary strides in -3..3: zero (broadcast), negative, and overlapping element sets
      const stride = shape.map(() => randInt(rand, -3, 3));
      let lo = 0;
      let hi = 0;
      shape.forEach((n, i) => {
        const span = Math.max(0, n - 1) * stride[i];
        if (span < 0) lo += span;
        else hi += span;
      });
      const front = randInt(rand, 0, 2);
      const length = hi - lo + 1 + front + randInt(rand, 0, 2);
      return ndarray<Numeric>(randomValues(rand, dtype, length), shape, stride, front - lo);
    }
  }
  throw new Error(`unknown view kind ${kind as string} for rank ${nd}`);
}

interface RandomCase {
  spec: string;
  shapes: number[][];
  dtypes: DTypeName[];
  kinds: ViewKind[];
}

function randomCase(rand: Rand): RandomCase | undefined {
  const pool = shuffle(rand, [..."abcdefAB"]);
  const labels = pool.slice(0, randInt(rand, 1, 5));
  const size = new Map(labels.map((l) => [l, rand() < 0.04 ? 0 : randInt(rand, 1, 4)]));
  const nops = pick(rand, [1, 2, 2, 3, 3, 4]);
  const useEll = rand() < 0.25;
  const ellShape = useEll ? Array.from({ length: randInt(rand, 0, 2) }, () => randInt(rand, 1, 3)) : [];
  const scheme = pick(rand, ["float64", "float64", "float32", "int32", "mixed"] as const);
  const terms: string[] = [];
  const shapes: number[][] = [];
  const dtypes: DTypeName[] = [];
  for (let k = 0; k < nops; k++) {
    const rank = pick(rand, [0, 1, 2, 2, 3, 3, 4]);
    const term = shuffle(rand, labels).slice(0, rank);
    if (term.length > 0 && rand() < 0.2) term.splice(randInt(rand, 0, term.length), 0, pick(rand, term));
    let shape = term.map((l) => {
      const n = size.get(l)!;
      const repeated = term.filter((x) => x === l).length > 1;
      return n > 1 && !repeated && rand() < 0.1 ? 1 : n; // size-1 broadcasting of a labelled dim
    });
    let text = term.join("");
    if (useEll && rand() < 0.7) {
      const at = randInt(rand, 0, term.length);
      const ell = ellShape.slice(randInt(rand, 0, ellShape.length)).map((n) => (rand() < 0.2 ? 1 : n));
      text = term.slice(0, at).join("") + "..." + term.slice(at).join("");
      shape = [...shape.slice(0, at), ...ell, ...shape.slice(at)];
    }
    terms.push(text);
    shapes.push(shape);
    dtypes.push(scheme === "mixed" ? pick(rand, ["float64", "float32", "int32"] as const) : scheme);
  }
  const used = [...new Set(terms.join("").replace(/\./g, ""))];
  const anyEll = terms.some((t) => t.includes("..."));
  let spec = terms.join(",");
  if (rand() < 0.6) {
    const out = shuffle(rand, used).slice(0, randInt(rand, 0, used.length));
    if (anyEll) out.splice(randInt(rand, 0, out.length), 0, "...");
    spec += "->" + out.join("");
  }
  const work = prod([...used.map((l) => Math.max(1, size.get(l)!)), ...ellShape]);
  if (work > MAX_WORK) return undefined;
  const kinds = shapes.map(() => pick(rand, viewKinds));
  return { spec, shapes, dtypes, kinds };
}

/** einconv's promotion rule, which matches numpy's result dtype for these three types. */
function resultDtype(dtypes: DTypeName[]): DTypeName {
  if (dtypes.every((d) => d === "int32")) return "int32";
  if (dtypes.every((d) => d === "float32")) return "float32";
  return "float64";
}

test(`einsum matches the brute-force reference on ${CASES} random specs over strided views`, () => {
  const rand = prng(SEED);
  const optimizeChoices: unknown[] = [undefined, false, true, "greedy", "optimal"];
  let done = 0;
  const kindsSeen = new Set<string>();
  for (let attempt = 0; done < CASES && attempt < CASES * 20; attempt++) {
    const c = randomCase(rand);
    if (!c) continue;
    const ops = c.shapes.map((s, i) => makeView(rand, c.kinds[i], s, c.dtypes[i]));
    const dtype = resultDtype(c.dtypes);
    let want;
    try {
      want = referenceEinsum(c.spec, ops, dtype === "int32" ? "int32" : "float64");
    } catch {
      // Ellipsis parts that do not broadcast: einsum must refuse the case too.
      assert.throws(() => einsum(c.spec, ...ops), EinsumError, `'${c.spec}' ${JSON.stringify(c.shapes)}: the reference refused it, einsum must too`);
      continue;
    }
    done++;
    c.kinds.forEach((k) => kindsSeen.add(k));
    const label = `case ${done} '${c.spec}' shapes ${JSON.stringify(c.shapes)} views ${c.kinds.join(",")} dtypes ${c.dtypes.join(",")}`;
    const before = ops.map((op) => Array.from(op.data as ArrayLike<number>));
    const optimize = pick(rand, optimizeChoices);
    const useOut = rand() < 0.2 && want.shape.length > 0;
    const args: unknown[] = [c.spec, ...ops];
    let out: Arr | undefined;
    if (useOut) {
      // a reversed (negative-stride) out view
      const base = ndarray<Numeric>(typed(dtype, prod(want.shape)), want.shape.slice());
      out = base.step(...want.shape.map(() => -1));
    }
    if (optimize !== undefined || out) args.push({ ...(optimize !== undefined ? { optimize } : {}), ...(out ? { out } : {}) });
    let got: Arr;
    try {
      got = callEinsum(...args);
    } catch (err) {
      const kind = err instanceof EinsumError ? "EinsumError" : "non-EinsumError";
      assert.fail(`${label} (optimize ${String(optimize)}${out ? ", out" : ""}): threw ${kind}: ${String(err)}`);
    }
    const result = out ?? got;
    assert.deepEqual(result.shape, want.shape, `${label}: shape`);
    assert.equal(dtypeOf(result), dtype, `${label}: dtype`);
    const bad = valueMismatch(result, want, ops.length, dtype);
    assert.equal(bad, undefined, `${label} (optimize ${String(optimize)}${out ? ", out" : ""}): ${bad}`);
    ops.forEach((op, i) =>
      assert.deepEqual(Array.from(op.data as ArrayLike<number>), before[i], `${label}: operand ${i} was modified`),
    );
  }
  assert.equal(done, CASES, "generated fewer cases than planned");
  assert.equal(kindsSeen.size, viewKinds.length, "every view kind was exercised");
});

/** GEMM-shaped templates: labels and which of them are the M, N and K sides (batch labels get small sizes). */
const gemmTemplates: Array<{ spec: string; m: string; n: string; k: string; small?: string }> = [
  { spec: "ij,jk->ik", m: "i", n: "k", k: "j" },
  { spec: "ij,kj->ik", m: "i", n: "k", k: "j" },
  { spec: "ji,jk->ki", m: "i", n: "k", k: "j" },
  { spec: "bij,bjk->bik", m: "i", n: "k", k: "j", small: "b" },
  { spec: "bij,jk->bik", m: "i", n: "k", k: "j", small: "b" },
  { spec: "ijx,jk->ik", m: "i", n: "k", k: "j", small: "x" },
  { spec: "abj,jc->cab", m: "ab", n: "c", k: "j" },
  { spec: "bihwkl,oikl->bohw", m: "bhw", n: "o", k: "ikl" },
  { spec: "bihwkl,bohw->oikl", m: "o", n: "ikl", k: "bhw" },
];

/** Splits `total` into `labels.length` factors, roughly even, each >= 1. */
function factorSizes(rand: Rand, labels: string, total: number): number[] {
  if (labels.length === 1) return [total];
  const first = Math.max(1, Math.round(Math.pow(total, 1 / labels.length) * (0.7 + 0.6 * rand())));
  return [first, ...factorSizes(rand, labels.slice(1), Math.max(1, Math.round(total / first)))];
}

test("GEMM-sized contractions over strided views match the reference", () => {
  const rand = prng(SEED + 1);
  const CASES_GEMM = 24;
  let gemmSteps = 0;
  for (let n = 1; n <= CASES_GEMM; n++) {
    const t = gemmTemplates[(n - 1) % gemmTemplates.length];
    // M, N >= 4 and M*N*K in ~[9k, 30k]: above the packing threshold, small enough for the reference
    const m = randInt(rand, 5, 40);
    const nn = randInt(rand, 5, 30);
    const k = Math.max(1, Math.round(randInt(rand, 9000, 30000) / (m * nn)));
    const size = new Map<string, number>();
    [[t.m, m], [t.n, nn], [t.k, k]].forEach(([labels, total]) =>
      factorSizes(rand, labels as string, total as number).forEach((v, i) => size.set((labels as string)[i], v)),
    );
    for (const l of t.small ?? "") size.set(l, randInt(rand, 1, 3));
    const terms = t.spec.split("->")[0].split(",");
    const dtype = pick(rand, ["float64", "float64", "float32"] as const);
    const kinds = terms.map(() => pick(rand, viewKinds));
    const ops = terms.map((term, i) => makeView(rand, kinds[i], [...term].map((l) => size.get(l)!), dtype));
    const want = referenceEinsum(t.spec, ops);
    const program = compile(t.spec, ...ops).program(dtype);
    gemmSteps += program.steps.filter((s) => s.kind === "gemm").length;
    const useOut = rand() < 0.3;
    const out = useOut ? ndarray<Numeric>(typed(dtype, prod(want.shape)), want.shape.slice()).step(...want.shape.map(() => -1)) : undefined;
    const label = `gemm case ${n} '${t.spec}' shapes ${JSON.stringify(ops.map((o) => o.shape))} views ${kinds.join(",")} ${dtype}${out ? " (reversed out)" : ""}`;
    const got = out ? callEinsum(t.spec, ...ops, { out }) : callEinsum(t.spec, ...ops);
    const result = out ?? got;
    assert.deepEqual(result.shape, want.shape, `${label}: shape`);
    assert.equal(dtypeOf(result), dtype, `${label}: dtype`);
    const bad = valueMismatch(result, want, ops.length, dtype);
    assert.equal(bad, undefined, `${label}: ${bad}`);
  }
  // guards the guard: these cases exist to exercise the packed kernel, so most must have reached it
  assert.ok(gemmSteps >= CASES_GEMM / 2, `only ${gemmSteps} of ${CASES_GEMM} cases compiled to a GEMM step`);
});
