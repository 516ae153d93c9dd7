/**
 * Stage 4 — run: executes a {@link Program} over ndarray views. Operands enter as
 * zero-copy labelled views (a repeated label becomes one axis whose stride is the
 * sum of its axes' strides — the diagonal, without a copy; a size-1 axis that
 * broadcasts gets stride 0). Copies happen only for intermediates of multi-step
 * paths, for one-operand pre-reductions before a GEMM, for int32 GEMM results
 * (the GEMM sums in float64, then the result is cast), and inside the GEMM packs.
 */
import { BoundedMemo } from "./memo";
import { Program, StepProgram } from "./compile";
import { offsetTable, Backend, LoopOperand, LoopTask } from "./compile/tasks";
import { EinsumError } from "./errors";
import { dtypeOf, zeros } from "./ndutil";
import { faultInZeros } from "./compile/pages";
import { OperandPlan } from "./plan";
import { DType, NumericData, Tensor } from "./types";
import { assign } from "./views/assign";
import { makeView } from "./views/strided";

/** A strided operand seen through its labels: `strides[i]` belongs to `labels[i]`. */
export interface LabelledView {
  readonly data: NumericData;
  readonly offset: number;
  readonly dtype: DType;
  readonly labels: readonly string[];
  readonly strides: readonly number[];
}

/** The zero-copy labelled view of an operand (diagonals and broadcasting as strides). */
export function labelledView(x: Tensor, operand: OperandPlan, sizes: ReadonlyMap<string, number>): LabelledView {
  const strides = operand.labels.map((label, i) => {
    const axes = operand.axes[i];
    if (x.shape[axes[0]] !== sizes.get(label)) return 0; // size-1 axis broadcasting
    return axes.reduce((acc, axis) => acc + x.stride[axis], 0);
  });
  return { data: x.data, offset: x.offset, dtype: dtypeOf(x), labels: operand.labels, strides };
}

/** A labelled view of a result tensor whose axes are `labels`. */
export function resultView(t: Tensor, labels: readonly string[]): LabelledView {
  return { data: t.data, offset: t.offset, dtype: dtypeOf(t), labels, strides: t.stride };
}

function strideOf(v: LabelledView, label: string): number {
  const i = v.labels.indexOf(label);
  return i < 0 ? 0 : v.strides[i];
}

/**
 * Loop order: larger total stride outermost so the innermost loop walks memory with
 * the smallest steps; on ties, labels that move the output go outside summed ones
 * so the innermost sums stay in a register.
 */
function orderLoops(labels: readonly string[], views: readonly LabelledView[], out: LabelledView): string[] {
  const score = (l: string) => views.reduce((acc, v) => acc + Math.abs(strideOf(v, l)), Math.abs(strideOf(out, l)));
  return [...labels].sort((p, q) => score(q) - score(p) || Math.abs(strideOf(out, q)) - Math.abs(strideOf(out, p)));
}

/** The loop task computing out += Π inputs over all labels (loops ordered for locality). */
export function loopTask(inputs: readonly LabelledView[], out: LabelledView, sizes: ReadonlyMap<string, number>, integer: boolean): LoopTask {
  // Size-1 labels need no loop: their index is always 0.
  const all = [...new Set([...inputs.flatMap((v) => v.labels), ...out.labels])].filter((l) => sizes.get(l) !== 1);
  const order = orderLoops(all, inputs, out);
  const views = [...inputs, out];
  const loopSizes = order.map((l) => sizes.get(l)!);
  const strides = views.map((v) => order.map((l) => strideOf(v, l)));
  coalesce(loopSizes, strides);
  const operand = (v: LabelledView, i: number): LoopOperand => ({ data: v.data, offset: v.offset, dtype: v.dtype, strides: strides[i] });
  return { inputs: inputs.map(operand), out: operand(out, inputs.length), sizes: loopSizes, integer };
}

/**
 * Merges adjacent loops that every operand walks as one (outer stride = inner
 * stride × inner size), like numpy's iterator coalescing: fewer, longer loops.
 */
function coalesce(sizes: number[], strides: number[][]): void {
  for (let l = sizes.length - 2; l >= 0; l--) {
    const inner = l + 1;
    if (strides.every((s) => s[l] === s[inner] * sizes[inner])) {
      sizes[l] *= sizes[inner];
      sizes.splice(inner, 1);
      for (const s of strides) {
        s[l] = s[inner];
        s.splice(inner, 1);
      }
    }
  }
}

function runLoops(backend: Backend, inputs: readonly LabelledView[], out: LabelledView, sizes: ReadonlyMap<string, number>, integer: boolean, fresh = false): void {
  // A fresh target: every element is written (out += ...), so mapping its pages in first adds no
  // work and saves the second page fault of each accumulating write (faultInZeros).
  if (fresh) faultInZeros(out.data as Float64Array);
  backend.runLoops(loopTask(inputs, out, sizes, integer));
}

/** A new zeroed contiguous tensor over `labels`. */
function allocate(labels: readonly string[], sizes: ReadonlyMap<string, number>, dtype: DType, what: string): { tensor: Tensor; view: LabelledView } {
  const tensor = zeros(labels.map((l) => sizes.get(l)!), dtype, what);
  return { tensor, view: resultView(tensor, labels) };
}

/** Sums away `drop` from one operand (a loop nest into a new tensor). */
function reduceLabels(backend: Backend, v: LabelledView, drop: readonly string[], sizes: ReadonlyMap<string, number>, dtype: DType): LabelledView {
  if (drop.length === 0) return v;
  const { view } = allocate(v.labels.filter((l) => !drop.includes(l)), sizes, dtype, "a pre-reduced einsum operand");
  runLoops(backend, [v], view, sizes, dtype === "int32");
  return view;
}

/**
 * Offset tables by (sizes, strides, base). A loop of products over same-shaped views
 * (the NHWC per-tap convolution: 9 products whose M tables of 90000 offsets are equal,
 * the tap's shift being in the batch base) builds each table once, and repeated calls
 * of one shape hand the GEMM the same table objects (gemv.ts keys its run split on
 * them). Bounded by count (a GEMM takes 9 tables) and by total length (2^22 offsets,
 * 16 MiB); a pure cache with no observable state: kernels only read the tables.
 */
const tables = new BoundedMemo<Int32Array>(64, (t) => t.length, 1 << 22);

function table(v: LabelledView, labels: readonly string[], sizes: ReadonlyMap<string, number>, base = 0): Int32Array {
  const n = labels.map((l) => sizes.get(l)!);
  const s = labels.map((l) => strideOf(v, l));
  return tables.get(`${n.join(",")}|${s.join(",")}|${base}`, () => offsetTable(n, s, base));
}

function runGemmStep(backend: Backend, prog: Extract<StepProgram, { kind: "gemm" }>, inputs: readonly LabelledView[], target: LabelledView, sizes: ReadonlyMap<string, number>, dtype: DType, fresh: boolean): void {
  const g = prog.groups;
  const reduced = inputs.map((v, i) => reduceLabels(backend, v, g.reduceFirst[i], sizes, dtype));
  const a = reduced[g.aInput];
  const b = reduced[1 - g.aInput];
  // float64 and float32 results are written by the GEMM directly (the wasm kernel sums
  // float32 in float32, sgemm-style); int32 results go through a float64 buffer.
  const direct = target.dtype === "float64" || target.dtype === "float32";
  const c = direct ? target : allocate(target.labels, sizes, "float64", "the float64 GEMM accumulator").view;
  backend.runGemm({
    m: g.m.reduce((acc, l) => acc * sizes.get(l)!, 1),
    n: g.n.reduce((acc, l) => acc * sizes.get(l)!, 1),
    k: g.k.reduce((acc, l) => acc * sizes.get(l)!, 1),
    a: a.data, b: b.data, c: c.data,
    aBatch: table(a, g.batch, sizes, a.offset), aRow: table(a, g.m, sizes), aCol: table(a, g.k, sizes),
    bBatch: table(b, g.batch, sizes, b.offset), bRow: table(b, g.k, sizes), bCol: table(b, g.n, sizes),
    cBatch: table(c, g.batch, sizes, c.offset), cRow: table(c, g.m, sizes), cCol: table(c, g.n, sizes),
    cFresh: direct ? fresh : true,
  });
  if (!direct) runLoops(backend, [c], target, sizes, false, fresh);
}

/** Fails if writing through `out` could touch an element twice (overlapping strides). */
export function assertNoSelfOverlap(out: Tensor): void {
  if (out.shape.some((n) => n === 0)) return; // no elements, nothing to overlap
  const axes = out.shape.map((n, i) => ({ n, s: Math.abs(out.stride[i]) })).filter((a) => a.n > 1).sort((p, q) => p.s - q.s);
  let extent = 0;
  for (const { n, s } of axes) {
    if (s <= extent) {
      throw new EinsumError(`out (shape [${out.shape.join(", ")}], strides [${out.stride.join(", ")}]) is a view whose elements overlap; einconv does not write through overlapping views`);
    }
    extent += s * (n - 1);
  }
}

/**
 * Executes a compiled program. `out`, if given, has been checked by the caller; with
 * `accumulate` it is not zeroed first, so the result is added into it (every step's
 * kernel computes target += product, so this costs nothing extra).
 */
export function runProgram(program: Program, tensors: readonly Tensor[], backend: Backend, out?: Tensor, accumulate = false): Tensor {
  const { plan, dtype } = program;
  const sizes = plan.sizes;
  const integer = dtype === "int32";
  let current: LabelledView[] = tensors.map((t, i) => labelledView(t, plan.operands[i], sizes));
  let result: Tensor;
  let resultLabels: LabelledView;
  if (out) {
    if (!accumulate) assign(out, makeView(new Float64Array(1), out.shape, out.shape.map(() => 0), 0, "einsum"));
    result = out;
    resultLabels = { data: out.data, offset: out.offset, dtype: dtypeOf(out), labels: plan.output, strides: out.stride };
  } else {
    const fresh = allocate(plan.output, sizes, dtype, "the einsum result");
    result = fresh.tensor;
    resultLabels = fresh.view;
  }
  program.steps.forEach((prog, index) => {
    const picked = prog.step.operands.map((p) => current[p]);
    current = current.filter((_, i) => !prog.step.operands.includes(i));
    const last = index === program.steps.length - 1;
    const target = last ? resultLabels : allocate(prog.step.resultLabels, sizes, dtype, `the intermediate of contraction step ${index + 1}`).view;
    // Fresh: allocated here and not yet written (not the caller's `out`).
    const fresh = !last || out === undefined;
    if (prog.kind === "gemm") runGemmStep(backend, prog, picked, target, sizes, dtype, fresh);
    else runLoops(backend, picked, target, sizes, integer, fresh);
    current.push(target);
  });
  return result;
}
