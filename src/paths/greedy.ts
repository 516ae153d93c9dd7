/**
 * Greedy pairwise path (the opt_einsum / numpy heuristic): repeatedly contract the
 * pair whose result shrinks the operand list the most (result size minus input
 * sizes), breaking ties by FLOPs; pairs sharing a label are preferred to outer products.
 */
import { PathFinder, PathStep, spanSize, stepCost } from "./types";

export const greedyPath: PathFinder = ({ inputs, output, sizes }) => {
  let sets = inputs.map((s) => new Set(s));
  const path: PathStep[] = [];
  while (sets.length > 1) {
    let best: { i: number; j: number; key: [number, number, number]; kept: Set<string> } | null = null;
    for (let i = 0; i < sets.length; i++) {
      for (let j = i + 1; j < sets.length; j++) {
        const others = sets.filter((_, k) => k !== i && k !== j);
        const { kept, flops } = stepCost([sets[i], sets[j]], others, output, sizes);
        const shares = [...sets[i]].some((l) => sets[j].has(l)) ? 0 : 1;
        const removed = spanSize(kept, sizes) - spanSize(sets[i], sizes) - spanSize(sets[j], sizes);
        const key: [number, number, number] = [shares, removed, flops];
        if (!best || key[0] < best.key[0] || (key[0] === best.key[0] && (key[1] < best.key[1] || (key[1] === best.key[1] && key[2] < best.key[2])))) {
          best = { i, j, key, kept };
        }
      }
    }
    const { i, j, kept } = best!;
    path.push({ operands: [i, j] });
    sets = [...sets.filter((_, k) => k !== i && k !== j), kept];
  }
  return path;
};
