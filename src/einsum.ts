/**
 * The public einsum API: parse → plan → compile → run, each stage a function from
 * one record to the next (see README "Pipeline").
 */
import { BoundedMemo } from "./memo";
import { compilePlan, Program } from "./compile";
import { defaultBackend } from "./compile/backend";
import { Backend } from "./compile/tasks";
import { AffinePlan, LabelSizes, PadOption, planAffine, derivedShapes, derivedView, scatterAdd, scatterTarget } from "./affine_einsum";
import { EinsumError } from "./errors";
import { dtypeOf, promote, zeros as makeZeros } from "./ndutil";
import { assertTensor, checkOptionKeys, describe, reachableRange } from "./validate";
import { pad as padCopy } from "./views/pad";
import { assign } from "./views/assign";
import { Parser, Sublist, Subscripts, hasAffine, sublistToSpec } from "./parse";
import { MemoryLimit, OptimizeOption, Plan, checkMemoryLimit, planEinsum } from "./plan";
import { assertNoSelfOverlap, runProgram } from "./run";
import { DType, Tensor } from "./types";

/** Options accepted by {@link einsum} and {@link compile}. */
export interface EinsumOptions {
  /** Write the result here (must have the output shape and the result dtype; must not overlap an input). */
  out?: Tensor;
  /** Computation and result dtype; default: int32 if all int32, float32 if all float32, else float64. */
  dtype?: DType;
  /** Contraction order for 3+ operands: `"greedy"` (default), `"optimal"`, `true` (= greedy) or `false` (one n-ary loop nest, like numpy's default). */
  optimize?: OptimizeOption;
  /** Largest intermediate the path search may create: `"max_input"` (numpy's default cap: the largest input or output) or a number of elements; default: no cap. See {@link MemoryLimit}. */
  memoryLimit?: MemoryLimit;
  /** Ranges of labels that appear only inside affine indices, e.g. `{ h: 64 }` (see README "Affine indices"). */
  sizes?: LabelSizes;
  /** Zero padding per operand and axis, `{ 0: [[0, 0], [0, 0], [1, 1], [1, 1]] }`: reads outside the operand are zeros (one padded copy of that operand). */
  pad?: PadOption;
  /** Kernel backend (default: {@link defaultBackend} — wasm SIMD GEMM where available, else plain JS). */
  backend?: Backend;
}

/**
 * Every einsum option and its check, run on every call (cache hit or miss). Keyed by
 * `keyof EinsumOptions`, so a new option does not compile until it has a check here;
 * unknown keys are rejected with the closest valid one.
 */
const OPTION_CHECKS: { readonly [K in keyof Required<EinsumOptions>]: (value: unknown) => void } = {
  out: (v) => assertTensor(v, "out"),
  dtype: (v) => {
    if (v !== "float64" && v !== "float32" && v !== "int32") throw new EinsumError(`dtype must be "float64", "float32" or "int32", got ${describe(v)}`);
  },
  optimize: (v) => {
    if (v !== true && v !== false && v !== "greedy" && v !== "optimal") throw new EinsumError(`optimize must be false, true, "greedy" or "optimal", got ${describe(v)}`);
  },
  memoryLimit: (v) => checkMemoryLimit(v),
  backend: (v) => {
    const b = v as Partial<Backend> | null;
    if (b === null || typeof b !== "object" || typeof b.runLoops !== "function" || typeof b.runGemm !== "function") {
      throw new EinsumError(`backend must be a Backend (an object with runLoops and runGemm, e.g. new JsBackend()), got ${describe(v)}`);
    }
  },
  sizes: (v) => {
    const bad = v === null || typeof v !== "object" || Array.isArray(v) ||
      Object.entries(v as object).some(([label, n]) => !/^[a-zA-Z]$/.test(label) || !Number.isSafeInteger(n) || (n as number) < 0);
    if (bad) throw new EinsumError(`sizes must map labels to non-negative integer ranges, e.g. { h: 64 }, got ${describe(v)}`);
  },
  pad: (v) => {
    const bad = v === null || typeof v !== "object" || Array.isArray(v) || Object.keys(v as object).some((k) => !/^(0|[1-9][0-9]*)$/.test(k));
    if (bad) throw new EinsumError(`pad must map operand numbers to per-axis [before, after] widths, e.g. { 0: [[0, 0], [1, 1]] }, got ${describe(v)}`);
  },
};
const OPTION_KEYS = Object.keys(OPTION_CHECKS);

/** Validates an einsum options record: known keys only, each value checked (`undefined` = absent). */
export function checkEinsumOptions(options: unknown, fn = "einsum"): asserts options is EinsumOptions {
  checkOptionKeys(options, OPTION_KEYS, fn);
  if (options === undefined) return;
  for (const [key, value] of Object.entries(options as object)) if (value !== undefined) OPTION_CHECKS[key as keyof EinsumOptions](value);
}

let parser: Parser | undefined;
/** The grammar is loaded once; a Parser is immutable after construction. */
function defaultParser(): Parser {
  parser ??= new Parser();
  return parser;
}

/** Stage 1: parse a spec string. */
export function parse(spec: string): Subscripts {
  if (typeof spec !== "string") throw new EinsumError(`einsum spec must be a string, got ${typeof spec}`);
  return defaultParser().parse(spec);
}

function isOptions(x: unknown): x is EinsumOptions {
  return typeof x === "object" && x !== null && !Array.isArray(x) && !("shape" in x);
}

function isSublist(x: unknown): x is Sublist {
  return Array.isArray(x) && x.every((v) => typeof v === "number" || v === "...");
}

/** Splits `einsum`'s arguments into spec, operands and options (string or sublist form). */
function splitArguments(args: readonly unknown[]): { spec: string; operands: unknown[]; options: EinsumOptions } {
  const rest = [...args];
  const options = rest.length > 1 && isOptions(rest[rest.length - 1]) ? (rest.pop() as EinsumOptions) : {};
  if (typeof rest[0] === "string") return { spec: rest[0], operands: rest.slice(1), options };
  // numpy's sublist form: op0, sub0, op1, sub1, ..., [subOut]
  const operands: unknown[] = [];
  const sublists: Sublist[] = [];
  let i = 0;
  for (; i + 1 < rest.length; i += 2) {
    if (!isSublist(rest[i + 1])) throw new EinsumError(`einsum sublist form: argument ${i + 1} should be the subscript list of operand ${i / 2}`);
    operands.push(rest[i]);
    sublists.push(rest[i + 1] as Sublist);
  }
  let output: Sublist | undefined;
  if (i < rest.length) {
    if (!isSublist(rest[i])) throw new EinsumError(`einsum: the first argument must be a spec string, or an operand followed by its subscript list`);
    output = rest[i] as Sublist;
  }
  if (operands.length === 0) throw new EinsumError("einsum needs a spec string or at least one (operand, subscripts) pair");
  return { spec: sublistToSpec(sublists, output), operands, options };
}

function checkOperands(operands: readonly unknown[]): Tensor[] {
  return operands.map((x, i) => {
    assertTensor(x, `operand ${i}`);
    dtypeOf(x, `operand ${i}`);
    return x;
  });
}

/** `out` has passed the tensor door (option checks); here: shape, dtype, no self-overlap, no overlap with an input. */
function checkOut(out: Tensor, want: readonly number[], dtype: DType, operands: readonly Tensor[]): void {
  if (out.shape.length !== want.length || out.shape.some((n, i) => n !== want[i])) {
    throw new EinsumError(`out has shape [${out.shape.join(", ")}] but the result has shape [${want.join(", ")}]`);
  }
  const outType = dtypeOf(out, "out");
  if (outType !== dtype) throw new EinsumError(`out has dtype ${outType} but the result dtype is ${dtype}; pass { dtype: "${outType}" } to compute in it`);
  assertNoSelfOverlap(out);
  // Compare memory, not array objects: two typed arrays (e.g. subarrays) can share one buffer.
  const outBytes = byteRange(out);
  operands.forEach((x, i) => {
    const r = byteRange(x);
    if (!outBytes || !r || r.buffer !== outBytes.buffer) return;
    if (r.lo < outBytes.hi && outBytes.lo < r.hi) {
      throw new EinsumError(`out overlaps operand ${i}: both reach bytes ${Math.max(r.lo, outBytes.lo)}..${Math.min(r.hi, outBytes.hi) - 1} of the same buffer`);
    }
  });
}

/** Byte range of a view's reachable elements, or null when empty. */
function byteRange(x: Tensor): { buffer: unknown; lo: number; hi: number } | null {
  const r = reachableRange(x.shape, x.stride, x.offset);
  if (!r) return null;
  const data = x.data as unknown as { buffer?: ArrayBufferLike; byteOffset?: number; BYTES_PER_ELEMENT?: number };
  if (data.buffer === undefined || data.BYTES_PER_ELEMENT === undefined) return { buffer: x.data, lo: r.lo, hi: r.hi + 1 };
  const base = data.byteOffset ?? 0;
  return { buffer: data.buffer, lo: base + r.lo * data.BYTES_PER_ELEMENT, hi: base + (r.hi + 1) * data.BYTES_PER_ELEMENT };
}

function resultDtype(operands: readonly Tensor[], options: EinsumOptions): DType {
  const dtype = options.dtype ?? promote(operands.map((x) => dtypeOf(x)));
  if (dtype !== "float64" && dtype !== "float32" && dtype !== "int32") throw new EinsumError(`unsupported dtype ${String(dtype)}`);
  return dtype;
}

/**
 * numpy's `einsum` on ndarray views: same notation, same results.
 *
 * @example
 * einsum("ij,jk->ik", a, b);              // matrix product
 * einsum("ii", m);                         // trace (the diagonal is a view, no copy)
 * einsum("...ij,...jk", x, y);             // batched, broadcasting over "..."
 * einsum("bihwkl,oikl->bohw", windows(x, { kernel: 3, padding: 1 }), w); // conv layer
 * einsum(a, [0, 1], b, [1, 2], [0, 2]);    // numpy's sublist form
 * einsum("ij,jk->ik", a, b, { out: c });   // write into c
 */
export function einsum(spec: string, ...operands: Array<Tensor | EinsumOptions>): Tensor;
export function einsum(...sublistForm: Array<Tensor | Sublist | EinsumOptions>): Tensor;
export function einsum(...args: unknown[]): Tensor {
  const { spec, operands, options } = splitArguments(args);
  checkEinsumOptions(options);
  const tensors = checkOperands(operands);
  const dtype = resultDtype(tensors, options);
  const subscripts = parse(spec);
  if (hasAffine(subscripts) || options.pad !== undefined) return affineEinsum(subscripts, tensors, dtype, options);
  const program = programFor(spec, tensors.map((t) => t.shape), options.optimize ?? "greedy", dtype, options.memoryLimit);
  if (options.out !== undefined) checkOut(options.out, program.plan.outputShape, dtype, tensors);
  return runProgram(program, tensors, options.backend ?? defaultBackend(), options.out);
}

/**
 * Internal (not exported from the package): `out += einsum(spec, ...operands)` in
 * out's dtype, without zeroing `out` — the accumulate-into-out (beta = 1) path that
 * lets per-tap convolutions add each tap's product straight into the output instead
 * of writing it to a buffer and adding that in a second pass. Same checks as
 * `einsum(..., { out })`.
 *
 * @example
 * einsumAccumulate("nhwc,cd->nhwd", out, [slab, w.pick(i, j, null, null)]); // out += slab·w[i, j]
 */
export function einsumAccumulate(spec: string, out: Tensor, operands: readonly Tensor[], options: { readonly backend?: Backend } = {}): Tensor {
  const tensors = checkOperands(operands);
  assertTensor(out, "out");
  const dtype = resultDtype(tensors, { dtype: dtypeOf(out, "out") });
  const program = programFor(spec, tensors.map((t) => t.shape), "greedy", dtype);
  checkOut(out, program.plan.outputShape, dtype, tensors);
  return runProgram(program, tensors, options.backend ?? defaultBackend(), out, true);
}

/**
 * An affine spec (or a padded one) lowered for fixed operand shapes, with no data:
 * the affine plan (ranges, derived-view geometry, scatter) and the plain plan run
 * over the derived views. `einsum` builds one per call (the plain program is cached
 * by spec and shapes); `compile` builds one once and keeps it in its Expression.
 */
export interface AffineLowering {
  readonly affine: AffinePlan;
  /** The plain spec's plan over the derived views' shapes. */
  readonly plain: Plan;
}

function affinePlanFor(subscripts: Subscripts, shapes: ReadonlyArray<readonly number[]>, options: EinsumOptions, outShape?: readonly number[]): AffinePlan {
  return planAffine(subscripts, shapes, options.sizes ?? {}, outShape, options.pad ?? {});
}

/** Plans an affine spec for shapes (pure: shapes and options only). */
export function lowerAffine(subscripts: Subscripts, shapes: ReadonlyArray<readonly number[]>, options: EinsumOptions, outShape?: readonly number[]): AffineLowering {
  const affine = affinePlanFor(subscripts, shapes, options, outShape);
  return { affine, plain: planEinsum(parse(affine.plainSpec), derivedShapes(affine), options.optimize ?? "greedy", options.memoryLimit) };
}

/**
 * Runs a lowered affine spec with its compiled plain `program`: builds each operand's
 * derived view (over one zero-padded copy where the plan pads it — the only copy on
 * the input side), runs the plain program, and scatter-adds into the output when
 * the output index is affine or repeated. The one code path of einsum and compile.
 */
function runAffine(lowered: AffineLowering, program: Program, tensors: readonly Tensor[], dtype: DType, backend: Backend, out?: Tensor): Tensor {
  const { affine } = lowered;
  const padded = tensors.map((t, i) => {
    const widths = affine.pads[i];
    return widths === undefined ? t : padCopy(t, widths);
  });
  const views = padded.map((t, i) => derivedView(t, affine.inputs[i], affine.ranges, `einsum operand ${i}`));
  if (out !== undefined) checkOut(out, affine.outputShape, dtype, [...tensors, ...views]);
  if (!affine.scatter) return runProgram(program, views, backend, out);
  const intermediate = runProgram(program, views, backend);
  if (out) zeroView(out);
  const target = out ?? scatterTarget(affine, dtype);
  scatterAdd(target, intermediate, affine);
  return target;
}

/** einsum's affine route: the affine plan, the plain program from the cache (planned on a miss only), run. */
function affineEinsum(subscripts: Subscripts, tensors: Tensor[], dtype: DType, options: EinsumOptions): Tensor {
  const affine = affinePlanFor(subscripts, tensors.map((t) => t.shape), options, options.out?.shape);
  const program = programFor(affine.plainSpec, derivedShapes(affine), options.optimize ?? "greedy", dtype, options.memoryLimit);
  return runAffine({ affine, plain: program.plan }, program, tensors, dtype, options.backend ?? defaultBackend(), options.out);
}

/** Clears a view element by element (an `out` given to a scatter starts from zero). */
function zeroView(t: Tensor): void {
  const z = makeZeros(t.shape, dtypeOf(t));
  assign(t, z);
}

/**
 * Compiled programs by (spec, shapes, optimize, dtype). Plans never depend on data,
 * so repeated calls with the same shapes (a layer's forward pass in a loop) skip
 * parsing, planning and compiling. Bounded; a pure cache with no observable state.
 */
const programs = new BoundedMemo<Program>(256);

function programFor(spec: string, shapes: ReadonlyArray<readonly number[]>, optimize: OptimizeOption, dtype: DType, memoryLimit?: MemoryLimit): Program {
  // Everything but the spec has a fixed alphabet, and the spec comes last, so distinct
  // structures (operand count included: "" with one 0-d operand vs none) never share a key.
  const key = `${shapes.length}|${shapes.map((s) => `[${s.join(",")}]`).join("")}|${String(optimize)}|${String(memoryLimit)}|${dtype}|${spec}`;
  return programs.get(key, () => compilePlan(planEinsum(parse(spec), shapes, optimize, memoryLimit), dtype));
}

/**
 * A compiled einsum for fixed operand shapes, reusable across calls. An affine (or
 * padded) spec is lowered once at compile time; each run builds the derived views
 * (and the padded copies) over the given arrays and runs the precompiled plain program.
 */
export class Expression {
  /** The contraction plan (shapes, output, path, FLOPs); for an affine spec, the plain spec's plan over the derived views. */
  readonly plan: Plan;
  /** The affine lowering, when the spec has affine indices or `pad` (undefined for a plain spec). */
  readonly lowering: AffineLowering | undefined;
  private readonly programs = new Map<DType, Program>();
  /** The options given to compile() (each run's options override them, except `sizes` and `pad`). */
  readonly options: EinsumOptions;

  constructor(plan: Plan, options: EinsumOptions = {}, lowering?: AffineLowering) {
    checkEinsumOptions(options, "Expression");
    if (lowering !== undefined && lowering.plain !== plan) throw new EinsumError("Expression: the plan must be the lowering's plain plan");
    this.plan = plan;
    this.options = options;
    this.lowering = lowering;
  }

  /** The spec as written (for an affine spec, not the plain spec it lowers to). */
  get spec(): string {
    return (this.lowering?.affine.subscripts ?? this.plan.subscripts).source;
  }

  /** The operand shapes the expression was compiled for (an affine operand's own shape, not its view's). */
  get operandShapes(): ReadonlyArray<readonly number[]> {
    return this.lowering ? this.lowering.affine.shapes : this.plan.operands.map((op) => op.shape);
  }

  /** The result's shape. */
  get outputShape(): readonly number[] {
    return this.lowering ? this.lowering.affine.outputShape : this.plan.outputShape;
  }

  /** The program for a computation dtype (compiled once per dtype). */
  program(dtype: DType): Program {
    let program = this.programs.get(dtype);
    if (!program) {
      program = compilePlan(this.plan, dtype);
      this.programs.set(dtype, program);
    }
    return program;
  }

  /** Evaluates the expression; operands must have the compiled shapes. */
  run(...args: Array<Tensor | EinsumOptions>): Tensor {
    const last = args[args.length - 1];
    const callOptions = args.length > 0 && isOptions(last) ? (args.pop() as EinsumOptions) : {};
    checkEinsumOptions(callOptions, "Expression.run");
    for (const key of ["sizes", "pad"] as const) {
      // They change the lowering, which is fixed at compile time.
      if (callOptions[key] !== undefined) throw new EinsumError(`Expression.run: ${key} is fixed when the expression is compiled; pass it to compile("${this.spec}", ..., { ${key} })`);
    }
    const options = { ...this.options, ...callOptions };
    const tensors = checkOperands(args);
    const shapes = this.operandShapes;
    if (tensors.length !== shapes.length) {
      throw new EinsumError(`expression "${this.spec}" takes ${shapes.length} operands, got ${tensors.length}`);
    }
    tensors.forEach((t, i) => {
      const want = shapes[i];
      if (t.shape.length !== want.length || t.shape.some((n, j) => n !== want[j])) {
        throw new EinsumError(`operand ${i} has shape [${t.shape.join(", ")}] but the expression was compiled for [${want.join(", ")}] (expression "${this.spec}")`);
      }
    });
    const dtype = resultDtype(tensors, options);
    const backend = options.backend ?? defaultBackend();
    if (this.lowering) return runAffine(this.lowering, this.program(dtype), tensors, dtype, backend, options.out);
    if (options.out !== undefined) checkOut(options.out, this.plan.outputShape, dtype, tensors);
    return runProgram(this.program(dtype), tensors, backend, options.out);
  }
}

/** Shape of an operand given as a shape or an array. */
export type ShapeOrTensor = readonly number[] | Tensor;

function shapeOf(x: ShapeOrTensor, i: number): readonly number[] {
  if (Array.isArray(x)) {
    if (x.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new EinsumError(`shape ${i} ${describe(x)} must list non-negative integers`);
    return x as readonly number[];
  }
  assertTensor(x, `operand ${i}`);
  return x.shape;
}

/** Splits trailing options off a shapes list. */
export function splitShapes(args: ReadonlyArray<ShapeOrTensor | EinsumOptions>, fn = "einsum"): { shapes: Array<readonly number[]>; options: EinsumOptions } {
  const list = [...args];
  const options = list.length > 0 && isOptions(list[list.length - 1]) && !Array.isArray(list[list.length - 1]) ? (list.pop() as EinsumOptions) : {};
  checkEinsumOptions(options, fn);
  return { shapes: (list as ShapeOrTensor[]).map((x, i) => shapeOf(x, i)), options };
}

/**
 * Compiles an expression for operand shapes (stages parse → plan → compile once),
 * returning an {@link Expression} to run many times.
 *
 * @example
 * const matmul = compile("ij,jk->ik", [256, 256], [256, 256]);
 * const c = matmul.run(a, b);
 * // affine specs and pad too: planned once, each run builds the views (and the padded copy)
 * const conv = compile("bi(2h+k-1)(2w+l-1),oikl->bohw", [8, 3, 32, 32], [16, 3, 3, 3], { pad: { 0: [[0, 0], [0, 0], [1, 1], [1, 1]] } });
 * const y = conv.run(x, w); // [8, 16, 16, 16]
 */
export function compile(spec: string, ...shapes: Array<ShapeOrTensor | EinsumOptions>): Expression {
  const split = splitShapes(shapes, "compile");
  const subscripts = parse(spec);
  if (hasAffine(subscripts) || split.options.pad !== undefined) {
    // Lowered once here (shapes only); `out` given to compile() sets the output's shape, as in einsum.
    const lowering = lowerAffine(subscripts, split.shapes, split.options, split.options.out?.shape);
    return new Expression(lowering.plain, split.options, lowering);
  }
  const plan = planEinsum(subscripts, split.shapes, split.options.optimize ?? "greedy", split.options.memoryLimit);
  return new Expression(plan, split.options);
}
