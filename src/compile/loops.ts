/**
 * Generated loop nests for any contraction: `out += a0 * a1 * ...` over strided
 * operands. Code is generated per {@link LoopShape} — what changes the code: dtypes,
 * number of loops, which operands move along which loop, and how many innermost
 * loops only sum (they accumulate in a register) — never per size or stride value.
 */
import { DType } from "../types";
import { LoopTask } from "./tasks";

/** The structure of a loop nest: the cache key of its generated code. */
export interface LoopShape {
  readonly dtypes: readonly DType[];
  readonly outDtype: DType;
  readonly integer: boolean;
  readonly loops: number;
  /** `moves[o][l]`: operand o (inputs, then out last) has a nonzero stride on loop l. */
  readonly moves: ReadonlyArray<readonly boolean[]>;
  /** Loops from here inward leave `out` in place, so their sum stays in a local. */
  readonly reduceFrom: number;
}

/** Signature of a compiled loop nest. */
export type LoopKernel = (task: LoopTask) => void;

/** Derives the code shape of a task (the caller has already ordered its loops). */
export function loopShape(task: LoopTask): LoopShape {
  const operands = [...task.inputs, task.out];
  const moves = operands.map((o) => o.strides.map((s, l) => s !== 0 && task.sizes[l] > 1));
  let reduceFrom = task.sizes.length;
  while (reduceFrom > 0 && !moves[moves.length - 1][reduceFrom - 1]) reduceFrom--;
  return {
    dtypes: task.inputs.map((o) => o.dtype),
    outDtype: task.out.dtype,
    integer: task.integer,
    loops: task.sizes.length,
    moves,
    reduceFrom,
  };
}

/** Cache key for a loop shape. */
export function loopKey(shape: LoopShape): string {
  const masks = shape.moves.map((m) => m.map((b) => (b ? "1" : "0")).join("")).join("|");
  return `loops:${shape.dtypes.join(",")}->${shape.outDtype}:${shape.integer ? "int" : "float"}:${shape.loops}:${masks}:r${shape.reduceFrom}`;
}

/**
 * Emits readable JavaScript for a loop shape. Each input is read once, in the
 * innermost loop it moves along, and multiplied into a running partial product
 * there (`prod1` after loop 1, ...), so invariant factors are hoisted out of inner
 * loops. Example for `ij,jk->ik` ordered (i, j, k):
 * ```
 * for (let i0 = 0, x0_0 = x0_start, out_0 = out_start; i0 < n0; i0++, x0_0 += x0_step0, out_0 += out_step0) {
 *   for (let i1 = 0, x0_1 = x0_0, x1_1 = x1_start; i1 < n1; i1++, x0_1 += x0_step1, x1_1 += x1_step1) {
 *     const prod1 = x0[x0_1];
 *     for (let i2 = 0, x1_2 = x1_1, out_2 = out_0; i2 < n2; i2++, x1_2 += x1_step2, out_2 += out_step2) {
 *       const prod2 = prod1 * x1[x1_2];
 *       out[out_2] += prod2;
 * ```
 */
export function emitLoops(shape: LoopShape): string {
  const nIn = shape.dtypes.length;
  const names = [...Array.from({ length: nIn }, (_, i) => `x${i}`), "out"];
  const lines: string[] = [];
  lines.push(`// einconv loop nest ${loopKey(shape)}`);
  names.forEach((name, o) => {
    const src = o < nIn ? `task.inputs[${o}]` : "task.out";
    lines.push(`const ${name} = ${src}.data;`);
    lines.push(`const ${name}_start = ${src}.offset;`);
    for (let l = 0; l < shape.loops; l++) if (shape.moves[o][l]) lines.push(`const ${name}_step${l} = ${src}.strides[${l}];`);
  });
  for (let l = 0; l < shape.loops; l++) lines.push(`const n${l} = task.sizes[${l}];`);
  // Pointer of operand o inside loop l is `${name}_${l}`; before any loop it is `${name}_start`.
  const ptr = (o: number, level: number): string => {
    for (let l = level; l >= 0; l--) if (shape.moves[o][l]) return `${names[o]}_${l}`;
    return `${names[o]}_start`;
  };
  const deepest = (o: number) => shape.moves[o].lastIndexOf(true);
  const read = (o: number, level: number) => (shape.integer ? `(${names[o]}[${ptr(o, level)}] | 0)` : `${names[o]}[${ptr(o, level)}]`);
  const times = (p: string, q: string) => (shape.integer ? `Math.imul(${p}, ${q})` : `${p} * ${q}`);
  const addTo = (target: string, value: string) => (shape.integer ? `${target} = (${target} + ${value}) | 0;` : `${target} += ${value};`);
  const outRef = (level: number) => `out[${ptr(nIn, level)}]`;
  let partial = "1";
  /** Reads the inputs whose last moving loop is `level` into the running product. */
  const loadFactors = (level: number, indent: string) => {
    const factors = names.slice(0, nIn).map((_, o) => o).filter((o) => deepest(o) === level).map((o) => read(o, level));
    if (factors.length === 0) return;
    const name = level < 0 ? "prod" : `prod${level}`;
    const expr = (partial === "1" ? factors : [partial, ...factors]).reduce((p, q) => times(p, q));
    lines.push(`${indent}const ${name} = ${expr};`);
    partial = name;
  };
  let indent = "";
  loadFactors(-1, indent);
  const last = shape.loops - 1;
  // An innermost loop that only sums gets UNROLL independent accumulators: one
  // `acc +=` chain is bound by the add latency (≈ 4 cycles per term), not by loads.
  const unrolled = !shape.integer && shape.reduceFrom <= last && names.some((_, o) => o < nIn && deepest(o) === last);
  const inner = unrolled ? last : shape.loops;
  for (let l = 0; l < inner; l++) {
    if (l === shape.reduceFrom) lines.push(`${indent}let acc = 0;`);
    const inits = [`i${l} = 0`];
    const steps = [`i${l}++`];
    names.forEach((name, o) => {
      if (!shape.moves[o][l]) return;
      inits.push(`${name}_${l} = ${ptr(o, l - 1)}`);
      steps.push(`${name}_${l} += ${name}_step${l}`);
    });
    lines.push(`${indent}for (let ${inits.join(", ")}; i${l} < n${l}; ${steps.join(", ")}) {`);
    indent += "  ";
    loadFactors(l, indent);
  }
  if (unrolled) {
    if (last === shape.reduceFrom) lines.push(`${indent}let acc = 0;`);
    const movers = names.slice(0, nIn).map((name, o) => ({ name, o, from: ptr(o, last - 1) })).filter((m) => shape.moves[m.o][last]);
    emitUnrolledSum(lines, indent, last, movers, (u) => {
      const factors = movers.map((m) => `${m.name}[${m.name}_${last}${u === 0 ? "" : ` + ${u === 1 ? "" : `${u} * `}${m.name}_step${last}`}]`);
      return (partial === "1" ? factors : [partial, ...factors]).join(" * ");
    });
    if (last === shape.reduceFrom) lines.push(`${indent}${addTo(outRef(last - 1), "acc")}`);
  } else if (shape.reduceFrom < shape.loops) lines.push(`${indent}${addTo("acc", partial)}`);
  else lines.push(`${indent}${addTo(outRef(last), partial)}`);
  for (let l = inner - 1; l >= 0; l--) {
    indent = indent.slice(2);
    lines.push(`${indent}}`);
    if (l === shape.reduceFrom) lines.push(`${indent}${addTo(outRef(l - 1), "acc")}`);
  }
  return lines.join("\n");
}

/** Independent accumulators of an innermost summing loop (4: the add latency over its throughput). */
export const UNROLL = 4;

/**
 * The innermost summing loop `level`, UNROLL terms per pass into UNROLL accumulators,
 * then the remainder, then `acc += (s0 + s1) + (s2 + s3)`: a fixed order, the same
 * for every call of a shape (results depend on sizes only, never on timing).
 */
function emitUnrolledSum(
  lines: string[], indent: string, level: number, movers: ReadonlyArray<{ readonly name: string; readonly from: string }>, term: (lane: number) => string,
): void {
  const sums = Array.from({ length: UNROLL }, (_, u) => `s${u}`);
  const i = `i${level}`;
  lines.push(`${indent}let ${sums.map((v) => `${v} = 0`).join(", ")};`);
  lines.push(`${indent}let ${[`${i} = 0`, ...movers.map((m) => `${m.name}_${level} = ${m.from}`)].join(", ")};`);
  const step = (k: number) => [`${i} += ${k}`, ...movers.map((m) => `${m.name}_${level} += ${k === 1 ? "" : `${k} * `}${m.name}_step${level}`)].join(", ");
  lines.push(`${indent}for (; ${i} + ${UNROLL - 1} < n${level}; ${step(UNROLL)}) {`);
  for (let u = 0; u < UNROLL; u++) lines.push(`${indent}  ${sums[u]} += ${term(u)};`);
  lines.push(`${indent}}`);
  lines.push(`${indent}for (; ${i} < n${level}; ${step(1)}) ${sums[0]} += ${term(0)};`);
  lines.push(`${indent}acc += (${sums[0]} + ${sums[1]}) + (${sums[2]} + ${sums[3]});`);
}

/** Compiles emitted source; throws where `new Function` is unavailable (e.g. strict CSP). */
export function compileLoops(source: string): LoopKernel {
  return new Function("task", `"use strict";\n${source}`) as LoopKernel;
}

/**
 * The interpreted fallback: the same arithmetic as the generated code, driven by an
 * odometer over the loop indices. Used without `new Function`, and as a test oracle.
 */
export function interpretLoops(task: LoopTask): void {
  const { inputs, out, sizes, integer } = task;
  const loops = sizes.length;
  if (sizes.some((n) => n === 0)) return;
  const index = new Array<number>(loops).fill(0);
  const ptrs = inputs.map((o) => o.offset);
  let outPtr = out.offset;
  const outData = out.data as Float64Array;
  for (;;) {
    let prod = 1;
    for (let o = 0; o < inputs.length; o++) {
      const v = (inputs[o].data as ArrayLike<number>)[ptrs[o]];
      prod = integer ? Math.imul(prod, v | 0) : prod * v;
    }
    outData[outPtr] = integer ? (outData[outPtr] + prod) | 0 : outData[outPtr] + prod;
    let l = loops - 1;
    for (; l >= 0; l--) {
      index[l]++;
      for (let o = 0; o < inputs.length; o++) ptrs[o] += inputs[o].strides[l];
      outPtr += out.strides[l];
      if (index[l] < sizes[l]) break;
      for (let o = 0; o < inputs.length; o++) ptrs[o] -= index[l] * inputs[o].strides[l];
      outPtr -= index[l] * out.strides[l];
      index[l] = 0;
    }
    if (l < 0) return;
  }
}
