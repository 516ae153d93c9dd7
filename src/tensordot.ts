/** numpy's `tensordot`, expressed as an einsum over generated labels. */
import { einsum } from "./einsum";
import { EinsumError } from "./errors";
import { assertTensor, describe } from "./validate";
import { Tensor } from "./types";

/** Axes to contract: the last N of `a` with the first N of `b`, or explicit lists. */
export type TensordotAxes = number | readonly [number | readonly number[], number | readonly number[]];

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

function normalize(axes: number | readonly number[], rank: number, which: string): number[] {
  const list: unknown[] = typeof axes === "number" ? [axes] : Array.isArray(axes) ? [...axes] : [];
  if (typeof axes !== "number" && !Array.isArray(axes)) throw new EinsumError(`tensordot: axes of ${which} must be an integer or a list of integers, got ${describe(axes)}`);
  return list.map((ax) => {
    if (!Number.isInteger(ax) || (ax as number) < -rank || (ax as number) >= rank) throw new EinsumError(`tensordot: axis ${describe(ax)} is out of bounds for ${which} of rank ${rank}`);
    return (ax as number) < 0 ? (ax as number) + rank : (ax as number);
  });
}

/**
 * Sums products over the given axes, like `numpy.tensordot`. The result's axes are
 * `a`'s free axes followed by `b`'s.
 *
 * @example
 * tensordot(a, b);                 // axes=2: last two of a with first two of b
 * tensordot(win6d, w, 3);          // NHWC conv: (N,H',W',F,F,C) · (F,F,C,D)
 * tensordot(a, b, [[1, 0], [0, 1]]);
 */
export function tensordot(a: Tensor, b: Tensor, axes: TensordotAxes = 2): Tensor {
  assertTensor(a, "tensordot: a");
  assertTensor(b, "tensordot: b");
  const ra = a.shape.length;
  const rb = b.shape.length;
  let axesA: number[];
  let axesB: number[];
  if (typeof axes === "number") {
    if (!Number.isInteger(axes) || axes < 0) throw new EinsumError(`tensordot: axes=${axes} must be a non-negative integer`);
    if (axes > ra || axes > rb) throw new EinsumError(`tensordot: axes=${axes} but a has rank ${ra} and b has rank ${rb}`);
    axesA = Array.from({ length: axes }, (_, i) => ra - axes + i);
    axesB = Array.from({ length: axes }, (_, i) => i);
  } else {
    if (!Array.isArray(axes) || axes.length !== 2) {
      throw new EinsumError(`tensordot: axes must be an integer or a pair [axesOfA, axesOfB], got ${describe(axes)}`);
    }
    axesA = normalize(axes[0], ra, "a");
    axesB = normalize(axes[1], rb, "b");
    if (axesA.length !== axesB.length) throw new EinsumError(`tensordot: ${axesA.length} axes of a but ${axesB.length} axes of b`);
    for (const [which, list] of [["a", axesA], ["b", axesB]] as const) {
      const dup = list.find((ax, i) => list.indexOf(ax) !== i);
      if (dup !== undefined) throw new EinsumError(`tensordot: duplicate axes: axis ${dup} of ${which} is listed twice`);
    }
  }
  axesA.forEach((ax, i) => {
    if (a.shape[ax] !== b.shape[axesB[i]]) {
      throw new EinsumError(`tensordot: shape mismatch for sum: axis ${ax} of a has size ${a.shape[ax]} but axis ${axesB[i]} of b has size ${b.shape[axesB[i]]}`);
    }
  });
  if (ra + rb - axesA.length > LETTERS.length) {
    throw new EinsumError(
      `tensordot: the result would have ${ra + rb - axesA.length} axes, more than the 52 labels (a-z, A-Z) of the einsum notation ` +
        `tensordot is written in; numpy has no such limit — reshape to fewer axes first`,
    );
  }
  const labelsA = Array.from({ length: ra }, (_, i) => LETTERS[i]);
  let next = ra;
  const labelsB = Array.from({ length: rb }, (_, j) => {
    const at = axesB.indexOf(j);
    return at >= 0 ? labelsA[axesA[at]] : LETTERS[next++];
  });
  const out = [...labelsA.filter((_, i) => !axesA.includes(i)), ...labelsB.filter((_, j) => !axesB.includes(j))];
  return einsum(`${labelsA.join("")},${labelsB.join("")}->${out.join("")}`, a, b);
}
