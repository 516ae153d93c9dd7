/** Benchmark run settings chosen by the command-line flags of bench/run.ts. */
import type { TimingOptions } from "./timing";

/** Grid size: `quick` is a CI smoke run (under a minute in total), `full` the large grids. */
export type GridSize = "quick" | "default" | "full";

/** Settings every suite reads. */
export interface BenchConfig {
  grid: GridSize;
  /** Timing for fast workloads (most of them). */
  timing: TimingOptions;
  /** Timing for workloads known to take seconds per call (naive loops). */
  slowTiming: TimingOptions;
}

/** The settings of a grid size. */
export function configFor(grid: GridSize): BenchConfig {
  switch (grid) {
    case "quick":
      return { grid, timing: { repeats: 3, warmup: 1, warmupMs: 10, budgetMs: 300 }, slowTiming: { repeats: 1, warmup: 0, budgetMs: 0 } };
    case "default":
      return { grid, timing: { repeats: 7, warmup: 2, warmupMs: 50, budgetMs: 2000 }, slowTiming: { repeats: 2, warmup: 1, budgetMs: 3000 } };
    case "full":
      return { grid, timing: { repeats: 11, warmup: 2, warmupMs: 100, budgetMs: 4000 }, slowTiming: { repeats: 3, warmup: 1, budgetMs: 6000 } };
  }
}
