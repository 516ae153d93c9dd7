/**
 * Exhaustive pairwise path search minimizing total FLOPs (numpy's "optimal").
 * The search grows factorially, so it is used up to {@link OPTIMAL_MAX_OPERANDS}
 * operands; beyond that the planner falls back to the greedy path and says so.
 */
import { PathFinder, PathStep, stepCost } from "./types";

export const OPTIMAL_MAX_OPERANDS = 7;

export const optimalPath: PathFinder = ({ inputs, output, sizes }) => {
  let bestCost = Infinity;
  let bestPath: PathStep[] = [];
  const search = (sets: Set<string>[], cost: number, path: PathStep[]): void => {
    if (cost >= bestCost) return;
    if (sets.length === 1) {
      bestCost = cost;
      bestPath = path;
      return;
    }
    for (let i = 0; i < sets.length; i++) {
      for (let j = i + 1; j < sets.length; j++) {
        const rest = sets.filter((_, k) => k !== i && k !== j);
        const { kept, flops } = stepCost([sets[i], sets[j]], rest, output, sizes);
        search([...rest, kept], cost + flops, [...path, { operands: [i, j] }]);
      }
    }
  };
  search(inputs.map((s) => new Set(s)), 0, []);
  return bestPath;
};
