/**
 * Exhaustive pairwise path search minimizing total FLOPs (numpy's "optimal").
 * The search grows factorially, so it is used up to {@link OPTIMAL_MAX_OPERANDS}
 * operands; beyond that the planner falls back to the greedy path and says so.
 *
 * With a `memoryLimit` (numpy's memory_limit), steps whose result exceeds it are not taken. numpy's
 * breadth-first search then keeps the paths that get furthest: if no path completes, it takes the cheapest
 * of the longest partial paths and appends one step over the remaining operands. The search below ranks
 * (steps done, cost) the same way, and visits paths in numpy's order, so ties go the same way.
 */
import { PathFinder, PathStep, spanSize, stepCost } from "./types";

export const OPTIMAL_MAX_OPERANDS = 7;

export const optimalPath: PathFinder = ({ inputs, output, sizes, memoryLimit = Infinity }) => {
  const full = inputs.length - 1; // steps of a complete pairwise path
  let bestCost = Infinity;
  let bestDepth = -1;
  let bestPath: PathStep[] = [];
  let bestLeft = 0; // operands left when the best path stopped
  const search = (sets: Set<string>[], cost: number, path: PathStep[]): void => {
    // Cost only prunes against a complete path: a costlier partial path may still get further.
    if (bestDepth === full && cost >= bestCost) return;
    let moved = false;
    for (let i = 0; i < sets.length; i++) {
      for (let j = i + 1; j < sets.length; j++) {
        const rest = sets.filter((_, k) => k !== i && k !== j);
        const { kept, flops } = stepCost([sets[i], sets[j]], rest, output, sizes);
        if (spanSize(kept, sizes) > memoryLimit) continue;
        moved = true;
        search([...rest, kept], cost + flops, [...path, { operands: [i, j] }]);
      }
    }
    if (moved) return;
    const depth = path.length;
    if (depth > bestDepth || (depth === bestDepth && cost < bestCost)) {
      bestDepth = depth;
      bestCost = cost;
      bestPath = path;
      bestLeft = sets.length;
    }
  };
  search(inputs.map((s) => new Set(s)), 0, []);
  // Stopped short by the memory limit: the rest in one step (numpy's fallback).
  return bestLeft > 1 ? [...bestPath, { operands: Array.from({ length: bestLeft }, (_, k) => k) }] : bestPath;
};
