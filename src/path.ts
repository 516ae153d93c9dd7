/** `einsumPath`: the contraction order and its cost table, like numpy's `einsum_path`. */
import { lowerAffine, parse, splitShapes, ShapeOrTensor, EinsumOptions } from "./einsum";
import { hasAffine } from "./parse";
import { OperandPlan, Plan, planEinsum } from "./plan";

/** Result of {@link einsumPath}. */
export interface PathInfo {
  /** numpy-style path: positions contracted at each step (results appended at the end). */
  readonly path: ReadonlyArray<readonly number[]>;
  readonly plan: Plan;
  readonly naiveFlops: number;
  readonly optimizedFlops: number;
  readonly largestIntermediate: number;
  /** A printable report in numpy's layout. */
  readonly table: string;
}

/** Printable name of a label; broadcast dims get letters the spec does not use. */
export function labelNamer(plan: Plan): (label: string) => string {
  const used = new Set(plan.operands.flatMap((o) => o.labels).filter((l) => /^[a-zA-Z]$/.test(l)));
  const spare = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"].filter((c) => !used.has(c));
  const names = new Map<string, string>();
  return (label) => {
    if (/^[a-zA-Z]$/.test(label)) return label;
    if (!names.has(label)) names.set(label, spare.shift() ?? label);
    return names.get(label)!;
  };
}

function sci(x: number): string {
  return x.toExponential(3).replace(/e([+-])(\d)$/, "e$10$2"); // numpy prints two exponent digits
}

/** The label of every axis of an operand (repeated labels appear once per axis). */
function axisLabels(o: OperandPlan): string[] {
  const labels = new Array<string>(o.shape.length);
  o.axes.forEach((axes, i) => axes.forEach((axis) => (labels[axis] = o.labels[i])));
  return labels;
}

/** Formats a plan as numpy's einsum_path report. */
export function formatPlan(plan: Plan): string {
  const name = labelNamer(plan);
  const term = (labels: readonly string[]) => labels.map(name).join("");
  const scaling = (labels: Iterable<string>) => new Set(labels).size;
  const allLabels = new Set(plan.operands.flatMap((o) => o.labels));
  const lines = [
    `  Complete contraction:  ${plan.operands.map((o) => term(axisLabels(o))).join(",")}->${term(plan.output)}`,
    `         Naive scaling:  ${allLabels.size}`,
    `     Optimized scaling:  ${Math.max(0, ...plan.steps.map((s) => scaling(s.inputLabels.flat())))}`,
    `      Naive FLOP count:  ${sci(plan.naiveFlops)}`,
    `  Optimized FLOP count:  ${sci(plan.optimizedFlops)}`,
    `   Theoretical speedup:  ${(plan.naiveFlops / Math.max(plan.optimizedFlops, 1)).toFixed(3)}`,
    `  Largest intermediate:  ${sci(plan.largestIntermediate)} elements`,
    `         Path strategy:  ${plan.optimize === "none" ? "one step (no path search)" : plan.optimize}`,
    "-".repeat(74),
    `${"scaling".padEnd(9)}${"current".padEnd(40)}remaining`,
    "-".repeat(74),
  ];
  let current = plan.operands.map((o) => [...o.labels]);
  for (const step of plan.steps) {
    current = [...current.filter((_, i) => !step.operands.includes(i)), [...step.resultLabels]];
    const now = `${step.inputLabels.map(term).join(",")}->${term(step.resultLabels)}`;
    const remaining = `${current.map(term).join(",")}->${term(plan.output)}`;
    lines.push(`${String(scaling(step.inputLabels.flat())).padStart(4).padEnd(9)}${now.padEnd(40)}${remaining}`);
  }
  return lines.join("\n");
}

/**
 * The contraction path einsum would use, with numpy's cost report. Takes shapes or arrays.
 * Options as einsum's: `optimize` and `memoryLimit` (`{ memoryLimit: "max_input" }` gives numpy's
 * `np.einsum_path` paths; einconv's default has no cap on intermediates — see {@link MemoryLimit}).
 *
 * @example
 * const info = einsumPath("ea,fb,abcd,gc,hd->efgh", [10, 10], [10, 10], [10, 10, 10, 10], [10, 10], [10, 10]);
 * console.log(info.table);
 */
export function einsumPath(spec: string, ...shapesOrArrays: Array<ShapeOrTensor | EinsumOptions>): PathInfo {
  const { shapes, options } = splitShapes(shapesOrArrays);
  const subscripts = parse(spec);
  // An affine (or padded) spec is planned as the plain spec over its derived views, by the lowering
  // einsum and compile run: FLOPs count the real ranges.
  const plan = hasAffine(subscripts) || options.pad !== undefined
    ? lowerAffine(subscripts, shapes, options, options.out?.shape).plain
    : planEinsum(subscripts, shapes, options.optimize ?? "greedy", options.memoryLimit);
  return {
    path: plan.steps.map((s) => [...s.operands]),
    plan,
    naiveFlops: plan.naiveFlops,
    optimizedFlops: plan.optimizedFlops,
    largestIntermediate: plan.largestIntermediate,
    table: formatPlan(plan),
  };
}
