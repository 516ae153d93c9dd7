/**
 * `explain`: everything einconv decides for an expression, without running it —
 * the parsed terms, output shape, contraction path with FLOPs, each step's kernel
 * (GEMM groups or the generated loop nest's source).
 */
import { compilePlan } from "./compile";
import { emitLoops, loopShape } from "./compile/loops";
import { EinsumOptions, Expression, ShapeOrTensor, lowerAffine, parse, splitShapes } from "./einsum";
import { EinsumError } from "./errors";
import { promote, rowMajorStrides, dtypeOf, zeros } from "./ndutil";
import { formatPlan, labelNamer } from "./path";
import { planEinsum, Plan } from "./plan";
import { AffinePlan, describeAffine, writtenTerm } from "./affine_einsum";
import { hasAffine } from "./parse";
import { LabelledView, labelledView, loopTask, resultView } from "./run";
import { DType, Tensor, TYPED_ARRAY } from "./types";
import { INSPECT_CUSTOM, JUPYTER_DISPLAY } from "./display_hook";
import type { MimeBundle } from "./notebook/format";

/** One step of an explanation. */
export interface ExplainedStep {
  readonly spec: string;
  readonly kernel: "gemm" | "loops";
  /** For GEMM steps: the label groups and their sizes; for loops: the generated JavaScript. */
  readonly detail: string;
}

/** Result of {@link explain}. */
export interface Explanation {
  /** The contraction plan; for an affine spec, the plain spec's plan over the derived views. */
  readonly plan: Plan;
  readonly dtype: DType;
  /** The result's shape (for an affine spec: the real output, after any scatter). */
  readonly outputShape: readonly number[];
  readonly steps: readonly ExplainedStep[];
  /** Everything above as readable text. */
  readonly text: string;
  /** `text`: a cell ending in `explain(...)` (tslab prints it with util.inspect) shows the text, not the record. */
  [INSPECT_CUSTOM](): string;
  /** `{ "text/plain": text }`, for kernels that display values (Deno's). */
  [JUPYTER_DISPLAY](): MimeBundle;
  /** `text`, so template strings and `String(explain(...))` read as the explanation. */
  toString(): string;
}

// Shared hook functions (`this` is the explanation), attached non-enumerable so the record's
// keys, JSON and deepStrictEqual are unchanged.
function explanationText(this: { text: string }): string {
  return this.text;
}
function explanationBundle(this: { text: string }): MimeBundle {
  return { "text/plain": this.text };
}
function withDisplay(record: Omit<Explanation, typeof INSPECT_CUSTOM | typeof JUPYTER_DISPLAY | "toString">): Explanation {
  const hook = (value: unknown): PropertyDescriptor => ({ value, enumerable: false, writable: true, configurable: true });
  return Object.defineProperties(record, {
    [INSPECT_CUSTOM]: hook(explanationText),
    [JUPYTER_DISPLAY]: hook(explanationBundle),
    toString: hook(explanationText),
  }) as Explanation;
}

function isTensor(x: ShapeOrTensor): x is Tensor {
  return !Array.isArray(x);
}

/**
 * Explains how einconv evaluates `spec` for these shapes or arrays — or a compiled
 * {@link Expression}, with the shapes and options it was compiled with.
 *
 * @example
 * console.log(explain("ij,jk->ik", [64, 32], [32, 16]).text);
 * console.log(explain(compile("(2h+k),k->h", [10], [3])).text); // the lowering it runs
 */
export function explain(spec: string, ...shapesOrArrays: Array<ShapeOrTensor | EinsumOptions>): Explanation;
export function explain(expression: Expression): Explanation;
export function explain(first: string | Expression, ...rest: Array<ShapeOrTensor | EinsumOptions>): Explanation {
  if (first instanceof Expression) {
    if (rest.length > 0) throw new EinsumError("explain(expression) takes no further arguments: the expression carries its shapes and options");
    return explain(first.spec, ...first.operandShapes, first.options);
  }
  const spec = first;
  const shapesOrArrays = rest;
  const { shapes, options } = splitShapes(shapesOrArrays);
  const arrays = shapesOrArrays.filter((x): x is Tensor => !("length" in (x as object)) && isTensor(x as ShapeOrTensor) && "shape" in (x as object));
  const subscripts = parse(spec);
  let affineLines: string[] = [];
  let affine: AffinePlan | undefined;
  const hasArrays = arrays.length === shapes.length;
  let plan: Plan;
  if (hasAffine(subscripts) || options.pad !== undefined) {
    // Explained as what runs (the same lowering as einsum and compile): the plain spec over each operand's derived view.
    const lowering = lowerAffine(subscripts, shapes, options, options.out?.shape);
    const strides = shapes.map((s, i) => (hasArrays ? arrays[i].stride : rowMajorStrides(s)));
    affineLines = [...describeAffine(lowering.affine, strides), ""];
    affine = lowering.affine;
    plan = lowering.plain;
  } else plan = planEinsum(subscripts, shapes, options.optimize ?? "greedy", options.memoryLimit);
  const dtype = options.dtype ?? (arrays.length === shapes.length ? promote(arrays.map((a) => dtypeOf(a))) : "float64");
  const program = compilePlan(plan, dtype);
  const name = labelNamer(plan);
  const term = (labels: readonly string[]) => labels.map(name).join("");
  const size = (labels: readonly string[]) => labels.reduce((acc, l) => acc * plan.sizes.get(l)!, 1);
  // Operand views: the real arrays' strides when given, else row-major.
  const placeholder = (shape: readonly number[]): Tensor => ({ ...zeros([0], dtype), shape: [...shape], stride: rowMajorStrides(shape), offset: 0 }) as Tensor;
  let current: LabelledView[] = plan.operands.map((op, i) => labelledView(hasArrays && affineLines.length === 0 ? arrays[i] : placeholder(op.shape), op, plan.sizes));
  const steps = program.steps.map((prog): ExplainedStep => {
    const picked = prog.step.operands.map((p) => current[p]);
    current = current.filter((_, i) => !prog.step.operands.includes(i));
    const resultShape = prog.step.resultLabels.map((l) => plan.sizes.get(l)!);
    const target = resultView({ ...placeholder(resultShape), data: new TYPED_ARRAY[dtype](0) } as Tensor, prog.step.resultLabels);
    current.push(target);
    const stepSpec = `${prog.step.inputLabels.map(term).join(",")}->${term(prog.step.resultLabels)}`;
    if (prog.kind === "gemm") {
      const g = prog.groups;
      const group = (label: string, labels: readonly string[]) => `${label} [${term(labels) || "-"}] = ${size(labels)}`;
      const detail = [
        `packed GEMM, operand ${g.aInput} as A: ${group("batch", g.batch)}, ${group("M", g.m)}, ${group("N", g.n)}, ${group("K", g.k)}`,
        ...g.reduceFirst.map((labels, i) => (labels.length ? `operand ${i} first sums [${term(labels)}] with a loop nest` : "")).filter(Boolean),
      ].join("\n");
      return { spec: stepSpec, kernel: "gemm", detail };
    }
    const task = loopTask(picked, target, plan.sizes, dtype === "int32");
    return { spec: stepSpec, kernel: "loops", detail: emitLoops(loopShape(task)) };
  });
  // An affine spec's header is the spec as written (its operands' own shapes, the real output);
  // the derived views and the plain problem follow in the lowering lines and the path table.
  const header = affine
    ? [
        `operands: ${affine.inputs.map((op, i) => `#${i} ${writtenTerm(op)} [${affine!.shapes[i].join(", ")}]`).join("; ")}`,
        `output: ${writtenTerm(affine.output)} [${affine.outputShape.join(", ")}] ${dtype}`,
      ]
    : [`operands: ${plan.operands.map((o, i) => `#${i} ${term(o.labels)} [${o.shape.join(", ")}]`).join("; ")}`, `output: ${term(plan.output)} [${plan.outputShape.join(", ")}] ${dtype}`];
  const text = [
    `spec: ${JSON.stringify(spec)}`,
    ...header,
    "",
    ...affineLines,
    formatPlan(plan),
    "",
    ...steps.flatMap((s, i) => [`step ${i + 1}: ${s.spec} — ${s.kernel}`, s.detail, ""]),
  ].join("\n");
  return withDisplay({ plan, dtype, outputShape: affine ? affine.outputShape : plan.outputShape, steps, text });
}
