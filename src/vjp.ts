/**
 * Gradients of any einsum, affine indices included: the vector-Jacobian product.
 *
 * The gradient with respect to operand i is itself an einsum: swap operand i's term
 * with the output term (dOut takes the output's place). An affine input becomes an
 * affine output (a scatter-add) and the reverse; a repeated label (diagonal) becomes
 * a repeated output index, written onto the diagonal by the scatter; a label summed
 * only in operand i is broadcast back with a zero-stride ones view (no copy).
 */
import { formatAffine } from "./affine";
import { AffineOperand, LabelSizes, PadOption, padWidths, planAffine } from "./affine_einsum";
import { einsum, parse } from "./einsum";
import { EinsumError } from "./errors";
import { assertTensor, copy, zeros } from "./ndutil";
import { makeView } from "./views/strided";
import { pad as padCopy } from "./views/pad";
import { Tensor } from "./types";

/** Options of {@link einsumVjp}: the forward call's `sizes` and `pad`. */
export interface VjpOptions {
  sizes?: LabelSizes;
  pad?: PadOption;
}

function termText(op: AffineOperand, forceAffine: boolean): string {
  const seen = new Set<string>();
  return op.axes
    .map((a) => {
      const label = a.index.terms[0].label;
      const repeated = a.plain && seen.has(label);
      if (a.plain) seen.add(label);
      return a.plain && !repeated && !forceAffine ? label : `(${formatAffine(a.index)})`;
    })
    .join("");
}

/**
 * Gradients of `einsum(spec, ...operands)` with respect to each operand, given the
 * gradient `dOut` of the result. Pass the forward call's `sizes`/`pad`.
 *
 * @example
 * const [dx, dw] = einsumVjp("bi(2h+k)(2w+l),oikl->bohw", [x, w], dy);
 */
export function einsumVjp(spec: string, operands: readonly Tensor[], dOut: Tensor, options: VjpOptions = {}): Tensor[] {
  operands.forEach((x, i) => assertTensor(x, `operand ${i}`));
  assertTensor(dOut, "dOut");
  const subscripts = parse(spec);
  const pads = options.pad ?? {};
  const plan = planAffine(subscripts, operands.map((x) => x.shape), options.sizes ?? {}, undefined, pads);
  if (dOut.shape.length !== plan.outputShape.length || dOut.shape.some((n, i) => n !== plan.outputShape[i])) {
    throw new EinsumError(`dOut has shape [${dOut.shape.join(", ")}] but the result of "${spec}" has shape [${plan.outputShape.join(", ")}]`);
  }
  const widths = operands.map((x, i) => padWidths(pads, i, x.shape.length));
  // The gradient flows through the padded copies; each padded gradient is cropped at the end.
  const padded = operands.map((x, i) => (pads[i] === undefined ? x : padCopy(x, widths[i])));
  const sizes: Record<string, number> = Object.fromEntries(plan.ranges);
  return operands.map((x, i) => {
    const others = plan.inputs.map((op, j) => ({ op, t: padded[j], j })).filter((o) => o.j !== i);
    const terms = [...others.map((o) => termText(o.op, false)), termText(plan.output, false)];
    const tensors = [...others.map((o) => o.t), dOut];
    // Labels of operand i found nowhere else: broadcast dOut along them (zero-stride ones, no copy).
    const elsewhere = new Set([...others.flatMap((o) => o.op.labels), ...plan.output.labels]);
    for (const label of plan.inputs[i].labels) {
      if (elsewhere.has(label)) continue;
      terms.push(label);
      tensors.push(makeView(new Float64Array(1).fill(1), [plan.ranges.get(label)!], [0], 0, "einsumVjp ones"));
    }
    // A size-1 axis that broadcast in the forward pass: its gradient sums over the label's range.
    // The output axis gets a fresh size-1 label (fed by a ones operand), so the original label is summed.
    const used = new Set([...plan.ranges.keys()]);
    const spare = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"].filter((c) => !used.has(c));
    const target: AffineOperand = {
      labels: plan.inputs[i].labels,
      axes: plan.inputs[i].axes.map((a, axis) => {
        if (!(a.plain && x.shape[axis] === 1 && plan.ranges.get(a.index.terms[0].label)! > 1)) return a;
        const fresh = spare.shift();
        if (fresh === undefined) throw new EinsumError("einsumVjp: no spare label left for a broadcast axis");
        terms.push(fresh);
        tensors.push(makeView(new Float64Array(1).fill(1), [1], [0], 0, "einsumVjp ones"));
        sizes[fresh] = 1;
        return { ...a, index: { terms: [{ label: fresh, coef: 1 }], constant: 0 } };
      }),
    };
    const gradSpec = `${terms.join(",")}->${termText(target, true)}`;
    const shape = x.shape.map((n, axis) => n + widths[i][axis][0] + widths[i][axis][1]);
    const grad = einsum(gradSpec, ...tensors, { sizes, dtype: "float64", out: zeros(shape, "float64") });
    if (pads[i] === undefined) return grad;
    const offset = widths[i].reduce((acc, [before], axis) => acc + before * grad.stride[axis], grad.offset);
    return copy(makeView(grad.data, x.shape, grad.stride, offset, "einsumVjp crop")); // crop the padding (a copy)
  });
}
