/// <reference lib="es2015.collection" />
// (The directive keeps this file's .d.ts, which names ReadonlyMap, compiling under a consumer's default target/lib.)
/**
 * Stage 2 — plan: {@link Subscripts} + operand shapes → {@link Plan}.
 *
 * Resolves what the expression means for these shapes — ellipsis expansion,
 * repeated labels, size-1 broadcasting, the output labels (implicit or explicit),
 * every label's size — and picks the contraction order. Planning never sees data.
 */
import { describe } from "./validate";
import { EinsumError, Span } from "./errors";
import { Subscripts, Term } from "./parse";
import { greedyPath } from "./paths/greedy";
import { OPTIMAL_MAX_OPERANDS, optimalPath } from "./paths/optimal";
import { PathProblem, PathStep, flopCount, spanSize, stepCost } from "./paths/types";

/** How to order contractions of three or more operands. */
export type OptimizeOption = boolean | "greedy" | "optimal";

/**
 * Cap on the size of any intermediate the path search may create, with numpy's meaning (`memory_limit` of
 * `np.einsum_path(..., optimize=(strategy, limit))`):
 * - `"max_input"`: the largest input or output, counted as numpy counts it (the product of the label sizes
 *   of each term, broadcast dims at their full size). This is what numpy uses when no limit is given, so
 *   it reproduces `np.einsum_path(spec, ..., optimize="greedy" | "optimal")`.
 * - a number: that many elements (`Infinity` = no limit).
 * einconv's default is no limit: numpy's cap sometimes forces its search to give up and contract every
 * remaining operand in one loop nest, which costs more FLOPs (test/paths.test.ts pins such cases).
 * A step that no pairwise move fits under the cap ends the path with one n-ary step, as in numpy.
 */
export type MemoryLimit = "max_input" | number;

/** The cap in elements: numpy's max_size over inputs and output for "max_input". */
function resolveMemoryLimit(limit: MemoryLimit | undefined, operands: readonly OperandPlan[], output: readonly string[], sizes: ReadonlyMap<string, number>): number {
  if (limit === undefined) return Infinity;
  if (limit !== "max_input") return limit;
  const termSize = (labels: readonly string[]) => labels.reduce((n, l) => n * (sizes.get(l) ?? 1), 1);
  // numpy multiplies over the term's characters, so a repeated label (a diagonal) counts once per axis.
  const inputSizes = operands.map((o) => o.labels.reduce((n, l, i) => n * (sizes.get(l) ?? 1) ** o.axes[i].length, 1));
  return Math.max(termSize(output), ...inputSizes);
}

/** Checks a memoryLimit option value. */
export function checkMemoryLimit(v: unknown): asserts v is MemoryLimit {
  if (v === "max_input") return;
  if (typeof v === "number" && (v === Infinity || (Number.isSafeInteger(v) && v >= 0))) return;
  throw new EinsumError(`memoryLimit must be "max_input", a non-negative integer number of elements or Infinity, got ${describe(v)}`);
}

/** One operand after resolving its subscripts against its shape. */
export interface OperandPlan {
  /** Distinct labels of the operand, in order of first appearance. */
  readonly labels: readonly string[];
  /** For each distinct label, the operand axes carrying it (several for a diagonal). */
  readonly axes: ReadonlyArray<readonly number[]>;
  readonly shape: readonly number[];
}

/** One contraction of the path: which current operands, and the labels of its result. */
export interface ContractionStep {
  /** Positions in the current operand list (numpy's einsum_path convention). */
  readonly operands: readonly number[];
  /** Labels of the operands taken, in the same order. */
  readonly inputLabels: ReadonlyArray<readonly string[]>;
  /** Labels of the result (the output labels for the last step). */
  readonly resultLabels: readonly string[];
  /** Labels summed away by this step. */
  readonly summed: readonly string[];
  /** numpy-style FLOP estimate of this step. */
  readonly flops: number;
}

/** Everything later stages need; a plain record, independent of data. */
export interface Plan {
  readonly subscripts: Subscripts;
  readonly operands: readonly OperandPlan[];
  /** Output labels in output order; broadcast (ellipsis) dims use the labels `α`, `β`, …. */
  readonly output: readonly string[];
  readonly outputShape: readonly number[];
  readonly sizes: ReadonlyMap<string, number>;
  readonly steps: readonly ContractionStep[];
  /** Which strategy produced `steps`. */
  readonly optimize: "none" | "greedy" | "optimal";
  readonly naiveFlops: number;
  readonly optimizedFlops: number;
  /** Largest intermediate or output, in elements. */
  readonly largestIntermediate: number;
}

/** Label for broadcast dim k (outside a-zA-Z so it never collides with a user label). */
function broadcastLabel(k: number): string {
  return String.fromCharCode(0x3b1 + k);
}

interface ResolvedOperand {
  axisLabels: string[];
  axisSpans: Span[];
}

/** Expands `...` and checks the operand's rank against its subscripts. */
function resolveTerm(term: Term, shape: readonly number[], index: number, source: string, ellipsisRank: number): ResolvedOperand {
  const named = term.items.filter((it) => it.kind === "label").length;
  const ellipsis = term.items.find((it) => it.kind === "ellipsis");
  const rank = shape.length;
  if (named > rank) {
    throw new EinsumError(
      `operand ${index} has ${rank} dimension${rank === 1 ? "" : "s"} (shape [${shape.join(", ")}]) but its subscripts name ${named}`,
      source,
      term.span,
    );
  }
  if (!ellipsis && named < rank) {
    throw new EinsumError(
      `operand ${index} has ${rank} dimension${rank === 1 ? "" : "s"} (shape [${shape.join(", ")}]) but its subscripts name only ${named}; ` +
        `add '...' to broadcast the extra dimensions`,
      source,
      term.span,
    );
  }
  const extra = rank - named;
  const axisLabels: string[] = [];
  const axisSpans: Span[] = [];
  for (const item of term.items) {
    if (item.kind === "label") {
      axisLabels.push(item.label);
      axisSpans.push(item.span);
    } else {
      for (let k = 0; k < extra; k++) {
        axisLabels.push(broadcastLabel(ellipsisRank - extra + k));
        axisSpans.push(item.span);
      }
    }
  }
  return { axisLabels, axisSpans };
}

function describeLabel(label: string): string {
  return /^[a-zA-Z]$/.test(label) ? `label '${label}'` : `broadcast dimension '...'[${label.charCodeAt(0) - 0x3b1}]`;
}

/** Checks operand count, resolves labels and sizes; no path yet. */
function resolve(subscripts: Subscripts, shapes: ReadonlyArray<readonly number[]>) {
  const { source, inputs } = subscripts;
  if (shapes.length !== inputs.length) {
    const fewer = shapes.length < inputs.length;
    throw new EinsumError(
      `the spec has ${inputs.length} operand subscript${inputs.length === 1 ? "" : "s"} but ${shapes.length} operand${shapes.length === 1 ? " was" : "s were"} given ` +
        `(${fewer ? "too few operands" : "too many operands"})`,
      source,
      fewer ? { start: source.length, end: source.length + 1 } : inputs[inputs.length - 1].span,
    );
  }
  shapes.forEach((shape, i) => {
    if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new EinsumError(`operand ${i} has an invalid shape [${shape.join(", ")}]`);
  });
  const ellipsisRank = Math.max(
    0,
    ...inputs.map((term, i) => shapes[i].length - term.items.filter((it) => it.kind === "label").length),
  );
  const resolved = inputs.map((term, i) => resolveTerm(term, shapes[i], i, source, ellipsisRank));
  const usedEllipsisRank = Math.max(0, ...inputs.map((term, i) => (term.items.some((it) => it.kind === "ellipsis") ? shapes[i].length - term.items.filter((it) => it.kind === "label").length : 0)));

  // Sizes: equal within an operand (diagonal); across operands equal or 1 (broadcast).
  const sizes = new Map<string, number>();
  const origin = new Map<string, { operand: number; size: number }>();
  const operands: OperandPlan[] = resolved.map(({ axisLabels, axisSpans }, i) => {
    const labels: string[] = [];
    const axes: number[][] = [];
    axisLabels.forEach((label, axis) => {
      const size = shapes[i][axis];
      const at = labels.indexOf(label);
      if (at >= 0) {
        const first = shapes[i][axes[at][0]];
        if (first !== size) {
          throw new EinsumError(
            `operand ${i} repeats ${describeLabel(label)} on axes ${axes[at][0]} and ${axis} with different sizes (${first} != ${size})`,
            source,
            axisSpans[axis],
          );
        }
        axes[at].push(axis);
        return;
      }
      labels.push(label);
      axes.push([axis]);
      const known = sizes.get(label);
      if (known === undefined || known === 1) {
        sizes.set(label, size);
        if (size !== 1 || known === undefined) origin.set(label, { operand: i, size });
      } else if (size !== 1 && size !== known) {
        const o = origin.get(label)!;
        throw new EinsumError(
          `size mismatch for ${describeLabel(label)}: operand ${o.operand} has size ${o.size} but operand ${i} has size ${size} ` +
            `(sizes must be equal or 1)`,
          source,
          axisSpans[axis],
        );
      }
    });
    return { labels, axes, shape: [...shapes[i]] };
  });
  return { operands, sizes, usedEllipsisRank, resolved };
}

/** Output labels: explicit from `->`, or numpy's implicit rule. */
function outputLabels(subscripts: Subscripts, operands: readonly OperandPlan[], resolvedLabels: string[][], ellipsisRank: number): string[] {
  const broadcast = Array.from({ length: ellipsisRank }, (_, k) => broadcastLabel(k));
  const out = subscripts.output;
  if (out === null) {
    // Implicit: broadcast dims first, then labels used exactly once, in ASCII order (A-Z before a-z).
    const counts = new Map<string, number>();
    for (const labels of resolvedLabels) for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
    const once = [...counts].filter(([l, c]) => c === 1 && /^[a-zA-Z]$/.test(l)).map(([l]) => l).sort();
    return [...broadcast, ...once];
  }
  const hasEllipsis = out.items.some((it) => it.kind === "ellipsis");
  if (!hasEllipsis && ellipsisRank > 0) {
    const holders = operands
      .map((_, i) => i)
      .filter((i) => resolvedLabels[i].some((l) => !/^[a-zA-Z]$/.test(l)))
      .map((i) => {
        const dims = resolvedLabels[i].map((l, axis) => (/^[a-zA-Z]$/.test(l) ? -1 : operands[i].shape[axis])).filter((d) => d >= 0);
        return `operand ${i} (sizes [${dims.join(", ")}])`;
      });
    throw new EinsumError(
      `the inputs broadcast ${ellipsisRank} dimension${ellipsisRank === 1 ? "" : "s"} through '...' (${holders.join(", ")}) but the output has no '...' to receive them`,
      subscripts.source,
      out.span,
    );
  }
  const labels: string[] = [];
  for (const item of out.items) {
    if (item.kind === "label") labels.push(item.label);
    else labels.push(...broadcast);
  }
  return labels;
}

/** Turns a path of positions into steps with labels and FLOPs. */
function describePath(path: readonly PathStep[], inputs: ReadonlyArray<readonly string[]>, output: readonly string[], sizes: ReadonlyMap<string, number>): ContractionStep[] {
  let current = inputs.map((l) => [...l]);
  const outSet = new Set(output);
  return path.map((step, index) => {
    const picked = step.operands.map((p) => current[p]);
    const rest = current.filter((_, k) => !step.operands.includes(k));
    const last = index === path.length - 1;
    const { kept, flops } = stepCost(picked.map((l) => new Set(l)), rest.map((l) => new Set(l)), outSet, sizes);
    const all = [...new Set(picked.flat())];
    // Intermediate labels keep first-appearance order; the last step produces the output order.
    const resultLabels = last ? [...output] : all.filter((l) => kept.has(l));
    current = [...rest, resultLabels];
    return { operands: [...step.operands], inputLabels: picked, resultLabels, summed: all.filter((l) => !kept.has(l)), flops };
  });
}

/**
 * Plans an einsum for operands of the given shapes. `memoryLimit` caps the path search's intermediates
 * ({@link MemoryLimit}; default: no cap).
 *
 * @example
 * const plan = planEinsum(new Parser().parse("ij,jk->ik"), [[2, 3], [3, 4]]);
 * plan.outputShape; // [2, 4]
 */
export function planEinsum(subscripts: Subscripts, shapes: ReadonlyArray<readonly number[]>, optimize: OptimizeOption = "greedy", memoryLimit?: MemoryLimit): Plan {
  if (optimize !== true && optimize !== false && optimize !== "greedy" && optimize !== "optimal") {
    throw new EinsumError(`optimize must be false, true, "greedy" or "optimal", got ${describe(optimize)}`);
  }
  if (memoryLimit !== undefined) checkMemoryLimit(memoryLimit);
  const { operands, sizes, usedEllipsisRank, resolved } = resolve(subscripts, shapes);
  const output = outputLabels(subscripts, operands, resolved.map((r) => r.axisLabels), usedEllipsisRank);
  for (const label of output) if (!sizes.has(label)) sizes.set(label, 1); // '...' in the output with no broadcast dims
  const outputShape = output.map((l) => sizes.get(l)!);
  const inputs = operands.map((o) => o.labels);
  const n = operands.length;
  const strategy: Plan["optimize"] = n < 3 || optimize === false ? "none" : optimize === "optimal" && n <= OPTIMAL_MAX_OPERANDS ? "optimal" : "greedy";
  const limit = resolveMemoryLimit(memoryLimit, operands, output, sizes);
  const problem: PathProblem = { inputs: inputs.map((l) => new Set(l)), output: new Set(output), sizes, memoryLimit: limit };
  const path: PathStep[] =
    strategy === "none" ? [{ operands: inputs.map((_, i) => i) }] : strategy === "optimal" ? optimalPath(problem) : greedyPath(problem);
  const steps = describePath(path, inputs, output, sizes);
  const allLabels = new Set(inputs.flat());
  const naiveFlops = flopCount(allLabels, output.length < allLabels.size, n, sizes);
  const optimizedFlops = steps.reduce((acc, s) => acc + s.flops, 0);
  const largestIntermediate = Math.max(spanSize(output, sizes), ...steps.map((s) => spanSize(s.resultLabels, sizes)));
  return { subscripts, operands, output, outputShape, sizes, steps, optimize: strategy, naiveFlops, optimizedFlops, largestIntermediate };
}
