/**
 * The heap-based greedy path (src/paths/greedy.ts) against the brute-force version it
 * replaced, which scores every remaining pair at every step: same choices on random
 * problems (shared labels, outer products, 0-d operands, output labels, size ties).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { greedyPath } from "../src/paths/greedy";
import { PathFinder, PathProblem, PathStep, flopCount, spanSize } from "../src/paths/types";
import { mulberry32 } from "../src/random";

// The brute-force scan the heap version replaced (kept verbatim as the oracle).
const scanGreedy: PathFinder = ({ inputs, output, sizes }) => {
  let sets = inputs.map((s) => new Set(s));
  let spans = sets.map((s) => spanSize(s, sizes));
  const holders = new Map<string, number>();
  for (const set of sets) for (const l of set) holders.set(l, (holders.get(l) ?? 0) + 1);
  const path: PathStep[] = [];
  while (sets.length > 1) {
    let best: { i: number; j: number; shares: number; removed: number; flops: number; kept: Set<string> } | null = null;
    for (let i = 0; i < sets.length; i++) {
      for (let j = i + 1; j < sets.length; j++) {
        const a = sets[i];
        const b = sets[j];
        const kept = new Set<string>();
        let all = 0;
        let shares = 1;
        const visit = (l: string, inA: boolean, inB: boolean) => {
          all++;
          if (output.has(l) || holders.get(l)! - (inA ? 1 : 0) - (inB ? 1 : 0) > 0) kept.add(l);
        };
        for (const l of a) {
          const inB = b.has(l);
          if (inB) shares = 0;
          visit(l, true, inB);
        }
        for (const l of b) if (!a.has(l)) visit(l, false, true);
        const keptSpan = spanSize(kept, sizes);
        const removed = keptSpan - spans[i] - spans[j];
        if (best && (shares > best.shares || (shares === best.shares && removed > best.removed))) continue;
        const union = new Set([...a, ...b]);
        const flops = flopCount(union, kept.size < all, 2, sizes);
        if (!best || shares < best.shares || removed < best.removed || flops < best.flops) best = { i, j, shares, removed, flops, kept };
      }
    }
    const { i, j, kept } = best!;
    path.push({ operands: [i, j] });
    for (const l of sets[i]) holders.set(l, holders.get(l)! - 1);
    for (const l of sets[j]) holders.set(l, holders.get(l)! - 1);
    for (const l of kept) holders.set(l, holders.get(l)! + 1);
    const keep = (_: unknown, k: number) => k !== i && k !== j;
    sets = [...sets.filter(keep), kept];
    spans = [...spans.filter(keep), spanSize(kept, sizes)];
  }
  return path;
};

function randomProblem(u: () => number): PathProblem {
  const letters = "abcdefghij".slice(0, 2 + Math.floor(u() * 8));
  const n = 1 + Math.floor(u() * 9);
  const inputs = Array.from({ length: n }, () => {
    const set = new Set<string>();
    const rank = Math.floor(u() * 4);
    for (let r = 0; r < rank; r++) set.add(letters[Math.floor(u() * letters.length)]);
    return set;
  });
  const all = [...new Set(inputs.flatMap((s) => [...s]))];
  const output = new Set(all.filter(() => u() < 0.3));
  // Few distinct sizes, so ties are common and the position tie-break is exercised.
  const sizes = new Map(all.map((l) => [l, 1 + Math.floor(u() * 3)]));
  return { inputs, output, sizes };
}

test("heap greedy makes exactly the brute-force scan's choices", () => {
  const u = mulberry32(2024);
  for (let c = 0; c < 2000; c++) {
    const problem = randomProblem(u);
    assert.deepEqual(greedyPath(problem), scanGreedy(problem), `case ${c}: ${problem.inputs.map((s) => [...s].join("")).join(",")}`);
  }
});

test("heap greedy plans 1000 one-axis operands (a chain over 52 labels)", () => {
  const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const inputs = Array.from({ length: 1000 }, (_, i) => new Set([letters[i % 52]]));
  const path = greedyPath({ inputs, output: new Set(), sizes: new Map([...letters].map((l) => [l, 2])) });
  assert.equal(path.length, 999);
});
