/**
 * Wall-clock timing for the benchmark: untimed warm-up calls (JIT compilation and
 * einconv's kernel cache fill there), then timed calls until `repeats` are done or
 * `budgetMs` is spent, summarised by median and minimum.
 */
import { performance } from "node:perf_hooks";
import { type WarmupOptions, warmupDone } from "../src/notebook/warmup";

/** How long and how often to time one workload. */
export interface TimingOptions extends WarmupOptions {
  repeats: number;
  /** Stop repeating once this much time has been measured (at least one timed call is always made). */
  budgetMs: number;
}

/** The summary written to every result row. */
export interface Timing {
  median_ms: number;
  min_ms: number;
  repeats: number;
  /**
   * Median CPU time of the process over the same calls (all its threads). For
   * single-threaded code it matches wall time on a quiet machine and, unlike wall
   * time, does not count the time other processes held the core.
   */
  cpu_ms?: number;
  /** Calls per timed sample, when the calls were too short to time one by one. */
  batch?: number;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

// The warm-up rule lives with timeit (einconv/notebook), which uses it too.
export { MAX_SETTLE_CALLS, settled, warmupDone, type WarmupState } from "../src/notebook/warmup";

/** Calls shorter than this are timed in batches, so the clock's resolution and overhead stay negligible. */
export const MIN_SAMPLE_MS = 2;

/**
 * Times `fn` and returns the timing together with the result of the last call.
 * Calls that took less than {@link MIN_SAMPLE_MS} in warm-up are timed in batches of
 * `batch` calls per sample, and each sample is divided by `batch` (as Python's timeit does).
 *
 * @example
 * const { timing, result } = timeCall(() => einsum("ij,jk->ik", a, b), { repeats: 7, warmup: 1, budgetMs: 2000 });
 */
export function timeCall<T>(fn: () => T, options: TimingOptions): { timing: Timing; result: T } {
  let result: T | undefined;
  let last = Infinity; // duration of the last warm-up call
  let bestBefore = Infinity; // fastest warm-up call before the last one
  const warmStart = performance.now();
  for (let i = 0; i < 100000; i++) {
    if (warmupDone({ i, warmedMs: performance.now() - warmStart, last, bestBefore }, options)) break;
    bestBefore = Math.min(bestBefore, last);
    const t0 = performance.now();
    result = fn();
    last = performance.now() - t0;
  }
  const batch = last < MIN_SAMPLE_MS ? Math.ceil(MIN_SAMPLE_MS / Math.max(last, 1e-4)) : 1;
  const times: number[] = [];
  const cpu: number[] = [];
  let spent = 0;
  while (times.length < Math.max(1, options.repeats)) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let b = 0; b < batch; b++) result = fn();
    const dt = performance.now() - t0;
    const c = process.cpuUsage(c0);
    times.push(dt / batch);
    cpu.push((c.user + c.system) / 1000 / batch);
    spent += dt;
    if (spent > options.budgetMs) break;
  }
  const timing = { median_ms: median(times), min_ms: Math.min(...times), repeats: times.length, cpu_ms: median(cpu), ...(batch > 1 ? { batch } : {}) };
  return { timing, result: result as T };
}
