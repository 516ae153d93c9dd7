/// <reference lib="es2015.collection" />
// (The directive keeps this file's .d.ts, which names ReadonlyMap, compiling under a consumer's default target/lib.)
/**
 * Affine index expressions in einsum: `"bi(2h+k)(2w+l),oikl->bohw"`.
 *
 * Lowering, before the ordinary pipeline: every input operand with affine items
 * becomes a zero-copy strided view whose axes are its distinct labels (a label's
 * stride is the sum of coef × axis stride over the axes it indexes, each constant
 * × axis stride goes into the offset), so path planning, GEMM packing and the loop
 * kernels run unchanged on a plain spec over those views — the window pile is never
 * materialized. An affine output is a scatter-add: the plain einsum computes an
 * intermediate over the output's distinct labels (a copy), which is then added
 * sequentially into the output view (its windows may overlap).
 *
 * Ranges follow Tullio's 0-based rule (see README "Affine indices").
 */
import { AffineIndex, indexReach, largestRange, formatAffine } from "./affine";
import { EinsumError, Span } from "./errors";
import { rowMajorStrides, zeros } from "./ndutil";
import { Subscripts, Term } from "./parse";
import { makeView } from "./views/strided";
import { addScaled } from "./views/assign";
import { Tensor } from "./types";

/** One axis of an operand: an affine index, with where it was written. */
interface AxisIndex {
  readonly index: AffineIndex;
  readonly span: Span;
  /** Written as a bare label (its size sets the label's range). */
  readonly plain: boolean;
  /** The item as written in the spec, when padding shifted `index` into the padded copy's coordinates. */
  readonly written?: { readonly index: AffineIndex; readonly plain: boolean };
}

/** An operand's derived view geometry (before applying the real strides). */
export interface AffineOperand {
  /** Labels of the derived view, in order of first appearance. */
  readonly labels: readonly string[];
  readonly axes: readonly AxisIndex[];
}

/** The meaning of an affine spec for given shapes; no data. */
export interface AffinePlan {
  readonly subscripts: Subscripts;
  readonly inputs: readonly AffineOperand[];
  readonly output: AffineOperand;
  readonly ranges: ReadonlyMap<string, number>;
  readonly outputShape: readonly number[];
  /** The plain spec run over the derived views (its output = the output's distinct labels). */
  readonly plainSpec: string;
  /** True when the output needs a scatter-add (an affine or repeated output index). */
  readonly scatter: boolean;
  /** The operands' own shapes, as planned (before padding). */
  readonly shapes: ReadonlyArray<readonly number[]>;
  /** Per operand: its [before, after] widths when the `pad` option names it, else undefined (no copy). */
  readonly pads: ReadonlyArray<ReadonlyArray<readonly [number, number]> | undefined>;
}

/** Zero padding per operand: `{ 0: [[0,0],[0,0],[1,1],[1,1]] }` (before, after per axis). */
export type PadOption = Readonly<Record<number, ReadonlyArray<readonly [number, number]>>>;

/** The padding widths of operand `i` (zeros when not padded), checked. */
export function padWidths(pads: PadOption, i: number, rank: number): Array<readonly [number, number]> {
  const w = pads[i];
  if (w === undefined) return Array.from({ length: rank }, () => [0, 0] as const);
  if (!Array.isArray(w) || w.length !== rank || w.some((p) => !Array.isArray(p) || p.length !== 2 || p.some((n) => !Number.isInteger(n) || n < 0))) {
    throw new EinsumError(`pad[${i}] must list [before, after] non-negative integers for each of operand ${i}'s ${rank} axes`);
  }
  return w.map((p) => [p[0], p[1]] as const);
}

/** Explicit sizes for labels that appear only inside affine indices. */
export type LabelSizes = Readonly<Record<string, number>>;

function axesOf(term: Term, where: string, source: string): AxisIndex[] {
  return term.items.map((item) => {
    if (item.kind === "ellipsis") throw new EinsumError(`'...' cannot be combined with affine indices yet (${where})`, source, item.span);
    if (item.kind === "label") return { index: { terms: [{ label: item.label, coef: 1 }], constant: 0 }, span: item.span, plain: true };
    return { index: item.index, span: item.span, plain: false };
  });
}

/**
 * The derived view's labels: each axis's leading label first, then the others in
 * order of appearance — `bi(2h+k)(2w+l)` → `bihwkl`, the same layout as windows().
 */
function distinctLabels(axes: readonly AxisIndex[]): string[] {
  const labels: string[] = [];
  const add = (l: string) => labels.includes(l) || labels.push(l);
  for (const a of axes) if (a.index.terms.length > 0) add(a.index.terms[0].label);
  for (const a of axes) for (const t of a.index.terms) add(t.label);
  return labels;
}

const fmt = (a: AxisIndex) => `(${formatAffine(a.index)})`;

/**
 * Resolves ranges and checks bounds for an affine spec.
 *
 * @example
 * planAffine(parse("i(2j+1)->ij"), [[3, 8]]).outputShape; // [3, 4]
 */
export function planAffine(
  subscripts: Subscripts,
  unpadded: ReadonlyArray<readonly number[]>,
  sizes: LabelSizes = {},
  outShape?: readonly number[],
  pads: PadOption = {},
): AffinePlan {
  const { source } = subscripts;
  const widths = unpadded.map((shape, i) => padWidths(pads, i, shape.length));
  const shapes = unpadded.map((shape, i) => shape.map((n, axis) => n + widths[i][axis][0] + widths[i][axis][1]));
  if (shapes.length !== subscripts.inputs.length) {
    throw new EinsumError(`the spec has ${subscripts.inputs.length} operand subscripts but ${shapes.length} operands were given`, source, subscripts.inputs[subscripts.inputs.length - 1].span);
  }
  for (const key of Object.keys(pads)) {
    if (!(Number(key) < shapes.length)) throw new EinsumError(`pad names operand ${key}, but there are only ${shapes.length} operands (0..${shapes.length - 1})`, source, subscripts.inputs[0].span);
  }
  const inputs = subscripts.inputs.map((t, i) => {
    // Padding shifts the index into the padded copy's coordinates.
    const axes = axesOf(t, `operand ${i}`, source).map((a, axis) =>
      widths[i][axis] && widths[i][axis][0]
        ? { ...a, plain: false, index: { ...a.index, constant: a.index.constant + widths[i][axis][0] }, written: { index: a.index, plain: a.plain } }
        : a,
    );
    if (axes.length !== shapes[i].length) {
      throw new EinsumError(`operand ${i} has ${shapes[i].length} dimensions (shape [${shapes[i].join(", ")}]) but its subscripts index ${axes.length}`, source, t.span);
    }
    return { labels: distinctLabels(axes), axes };
  });
  let outAxes: AxisIndex[];
  if (subscripts.output) outAxes = axesOf(subscripts.output, "the output", source);
  else {
    // Implicit output: labels that occur exactly once, sorted (numpy's rule, counting affine occurrences).
    const counts = new Map<string, number>();
    for (const op of inputs) for (const a of op.axes) for (const t of a.index.terms) counts.set(t.label, (counts.get(t.label) ?? 0) + 1);
    const once = [...counts].filter(([, c]) => c === 1).map(([l]) => l).sort();
    outAxes = once.map((l) => ({ index: { terms: [{ label: l, coef: 1 }], constant: 0 }, span: subscripts.inputs[0].span, plain: true }));
  }
  const output = { labels: distinctLabels(outAxes), axes: outAxes };

  const ranges = new Map<string, number>();
  for (const [label, n] of Object.entries(sizes)) {
    if (!Number.isInteger(n) || n < 0) throw new EinsumError(`sizes.${label} must be a non-negative integer, got ${String(n)}`);
    ranges.set(label, n);
  }
  // Plain occurrences set ranges (size-1 broadcasts, as in numpy).
  inputs.forEach((op, i) =>
    op.axes.forEach((a, axis) => {
      if (!a.plain) return;
      const label = a.index.terms[0].label;
      const n = shapes[i][axis];
      const known = ranges.get(label);
      if (known === undefined || known === 1) ranges.set(label, n);
      else if (n !== 1 && n !== known) {
        throw new EinsumError(`size mismatch for label '${label}': range ${known} but operand ${i} axis ${axis} has size ${n}`, source, a.span);
      }
    }),
  );
  if (outShape) {
    outAxes.forEach((a, axis) => {
      if (a.plain && !ranges.has(a.index.terms[0].label)) ranges.set(a.index.terms[0].label, outShape[axis]);
    });
  }
  // Labels only inside affine indices: the largest valid range over every index holding them, to a fixpoint.
  const range = (l: string) => ranges.get(l) ?? 0;
  for (let changed = true; changed; ) {
    changed = false;
    const found = new Map<string, number>();
    inputs.forEach((op, i) =>
      op.axes.forEach((a, axis) => {
        for (const t of a.index.terms) {
          if (ranges.has(t.label)) continue;
          if (a.index.terms.some((u) => u !== t && !ranges.has(u.label))) continue;
          const r = largestRange(a.index, t.label, range, { lo: 0, hi: shapes[i][axis] - 1 });
          found.set(t.label, Math.min(found.get(t.label) ?? Infinity, r));
        }
      }),
    );
    for (const [l, r] of found) {
      ranges.set(l, r);
      changed = true;
    }
  }
  for (const op of [...inputs, output]) {
    for (const a of op.axes) {
      for (const t of a.index.terms) {
        if (!ranges.has(t.label)) {
          throw new EinsumError(`label '${t.label}' has no range: it appears only in affine indices whose other labels have none; give it one with { sizes: { ${t.label}: n } }`, source, a.span);
        }
      }
    }
  }
  // Bounds are always checked.
  const rangeText = (a: AxisIndex) => a.index.terms.map((t) => `${t.label} < ${range(t.label)}`).join(", ");
  inputs.forEach((op, i) =>
    op.axes.forEach((a, axis) => {
      const reach = indexReach(a.index, range);
      if (reach === null || a.plain) return; // a plain axis is its label's size, or 1 and broadcast
      const [before, after] = widths[i][axis];
      if (before > 0 || after > 0) {
        // A padded axis: say it in the operand's own coordinates, as the index was written.
        const n = unpadded[i][axis];
        const room = `axis ${axis} of operand ${i} has size ${n}, padded by [${before}, ${after}] to indices ${-before}..${n - 1 + after}`;
        const w = `(${formatAffine(a.written?.index ?? a.index)})`;
        if (reach.lo < 0) throw new EinsumError(`index ${w} reaches ${reach.lo - before} but ${room} (${rangeText(a)}): add ${-reach.lo} to its constant, or pad axis ${axis} by ${before - reach.lo} before`, source, a.span);
        if (reach.hi > shapes[i][axis] - 1) throw new EinsumError(`index ${w} reaches ${reach.hi - before} but ${room} (${rangeText(a)})`, source, a.span);
        return;
      }
      if (reach.lo < 0) {
        throw new EinsumError(
          `index ${fmt(a)} reaches ${reach.lo} but labels run from 0 (axis ${axis} of operand ${i} starts at 0; ${rangeText(a)}): add ${-reach.lo} to its constant, or pad the operand`,
          source,
          a.span,
        );
      }
      if (reach.hi > shapes[i][axis] - 1) {
        throw new EinsumError(`index ${fmt(a)} reaches ${reach.hi} but axis ${axis} of operand ${i} has size ${shapes[i][axis]} (${rangeText(a)})`, source, a.span);
      }
    }),
  );
  const outputShape = outAxes.map((a, axis) => {
    const reach = indexReach(a.index, range);
    if (reach !== null && reach.lo < 0) {
      throw new EinsumError(`output index ${fmt(a)} reaches ${reach.lo} but labels run from 0 (${rangeText(a)}): add ${-reach.lo} to its constant`, source, a.span);
    }
    const need = reach === null ? 0 : reach.hi + 1;
    if (outShape) {
      if (outShape[axis] < need) throw new EinsumError(`output index ${fmt(a)} reaches ${need - 1} but axis ${axis} of out has size ${outShape[axis]} (${rangeText(a)})`, source, a.span);
      return outShape[axis];
    }
    return need;
  });
  const scatter = outAxes.some((a) => !a.plain) || output.labels.length !== outAxes.length;
  const plainSpec = `${inputs.map((op) => op.labels.join("")).join(",")}->${output.labels.join("")}`;
  const padsOf = unpadded.map((_, i) => (pads[i] === undefined ? undefined : widths[i]));
  return { subscripts, inputs, output, ranges, outputShape, plainSpec, scatter, shapes: unpadded.map((s) => [...s]), pads: padsOf };
}

/** The view geometry of an operand's distinct labels over `x` (strides, offset), through makeView. */
export function derivedView(x: Tensor, op: AffineOperand, ranges: ReadonlyMap<string, number>, fn: string): Tensor {
  let offset = x.offset;
  const strides = op.labels.map(() => 0);
  op.axes.forEach((a, axis) => {
    offset += a.index.constant * x.stride[axis];
    for (const t of a.index.terms) strides[op.labels.indexOf(t.label)] += t.coef * x.stride[axis];
  });
  // A plain axis of size 1 broadcasts: stride 0 over the label's whole range.
  const shape = op.labels.map((l) => ranges.get(l)!);
  op.axes.forEach((a, axis) => {
    if (a.plain && x.shape[axis] === 1 && shape[op.labels.indexOf(a.index.terms[0].label)] !== 1) strides[op.labels.indexOf(a.index.terms[0].label)] = 0;
  });
  return makeView(x.data, shape, strides, offset, fn);
}

/** `out += intermediate` through the output's (possibly overlapping) index view, sequentially. */
export function scatterAdd(out: Tensor, intermediate: Tensor, plan: AffinePlan): void {
  const view = derivedView(out, plan.output, plan.ranges, "einsum scatter");
  // The view may overlap itself; addScaled walks it element by element, so overlapping adds accumulate.
  addScaled(view, intermediate);
}

/** Allocates the zeroed output of a scatter. */
export function scatterTarget(plan: AffinePlan, dtype: "float64" | "float32" | "int32"): Tensor {
  return zeros(plan.outputShape, dtype);
}

/** The plain problem an affine spec lowers to: the derived views' shapes, for planning without data. */
export function derivedShapes(plan: AffinePlan): number[][] {
  return plan.inputs.map((op) => op.labels.map((l) => plan.ranges.get(l)!));
}

/** An axis item as the spec writes it: a bare label, or a parenthesized index. */
function written(a: AxisIndex): string {
  const w = a.written ?? a;
  return w.plain ? w.index.terms[0].label : `(${formatAffine(w.index)})`;
}

/** An operand's (or the output's) term as the spec writes it, e.g. `bi(2h+k-1)(2w+l-1)`. */
export function writtenTerm(op: AffineOperand): string {
  return op.axes.map(written).join("");
}

/** An axis item in the coordinates the view is built in (the padded copy's, when padded). */
function viewItem(a: AxisIndex): string {
  return a.plain ? a.index.terms[0].label : fmt(a);
}

/**
 * Lines for explain(): each operand's derived view, the padding, and the scatter.
 * `strides` are the given operands' strides (row-major when only shapes are known);
 * a padded operand's view is over its padded copy, which is row-major.
 */
export function describeAffine(plan: AffinePlan, strides: ReadonlyArray<readonly number[]>): string[] {
  const lines = [`affine lowering: plain spec ${JSON.stringify(plan.plainSpec)} over derived views (no copy unless padded)`];
  plan.inputs.forEach((op, i) => {
    const widths = plan.pads[i];
    const base = widths ? rowMajorStrides(plan.shapes[i].map((n, axis) => n + widths[axis][0] + widths[axis][1])) : strides[i];
    let offset = 0;
    const s = op.labels.map(() => 0);
    op.axes.forEach((a, axis) => {
      offset += a.index.constant * base[axis];
      for (const t of a.index.terms) s[op.labels.indexOf(t.label)] += t.coef * base[axis];
    });
    const view = `view ${op.labels.join("")} shape [${op.labels.map((l) => plan.ranges.get(l)).join(", ")}] strides [${s.join(", ")}] offset +${offset}`;
    const asWritten = writtenTerm(op);
    if (!widths) {
      lines.push(`  operand ${i}: ${asWritten} → ${view}`);
      return;
    }
    const paddedShape = plan.shapes[i].map((n, axis) => n + widths[axis][0] + widths[axis][1]);
    lines.push(
      `  operand ${i}: ${asWritten} over [${plan.shapes[i].join(", ")}]`,
      `    pad [${widths.map(([b, e]) => `[${b}, ${e}]`).join(", ")}]: one zero-padded copy [${paddedShape.join(", ")}] (a copy, made at each run)`,
      `    over the padded copy: ${op.axes.map(viewItem).join("")} → ${view}`,
    );
  });
  if (plan.scatter) {
    lines.push(`  output ${writtenTerm(plan.output)} [${plan.outputShape.join(", ")}]: scatter-add of an intermediate ${plan.output.labels.join("")} (a copy), accumulated sequentially`);
  }
  return lines;
}
