/**
 * Wall-clock timing for the benchmark: untimed warm-up calls (JIT compilation and
 * einconv's kernel cache fill there), then timed calls until `repeats` are done or
 * `budgetMs` is spent, summarised by median and minimum.
 */
import { performance } from "node:perf_hooks";

/** How long and how often to time one workload. */
export interface TimingOptions {
  repeats: number;
  warmup: number;
  /** Keep warming up (beyond `warmup` calls) until this much time is spent: tiny calls need many runs before V8 optimizes them. */
  warmupMs?: number;
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

/**
 * Warm-up also goes on until the last call is within 20% of the fastest one before it
 * (the code has stopped getting faster), for at most this many calls. Worker threads JIT
 * their own copies of einconv's code: a threaded 256² FFT convolution takes 73, 15, 8,
 * 2.4, 1.8 ms on its first calls, and a fixed 50 ms warm-up timed those (median 4.8 ms
 * against 1.3 ms warm).
 */
export const MAX_SETTLE_CALLS = 50;

/** Whether a warm-up call of `last` ms is as fast as the best before it (within 20% either way). */
export function settled(last: number, bestBefore: number): boolean {
  return Number.isFinite(bestBefore) && last <= 1.2 * bestBefore && last >= bestBefore / 1.2;
}

/** Where timeCall's warm-up stands before call `i`: the time spent, and the last and fastest earlier call (ms). */
export interface WarmupState {
  readonly i: number;
  readonly warmedMs: number;
  readonly last: number;
  readonly bestBefore: number;
}

/**
 * Whether timeCall's warm-up is over (pure, so the rule is tested without a clock): at least
 * `warmup` calls and `warmupMs` spent, and the last call settled (or MAX_SETTLE_CALLS made);
 * or, after the first call, half the time budget gone.
 */
export function warmupDone(s: WarmupState, options: TimingOptions): boolean {
  if (s.i >= options.warmup && s.warmedMs >= (options.warmupMs ?? 0) && (settled(s.last, s.bestBefore) || s.i >= MAX_SETTLE_CALLS)) return true;
  // A call this long has compiled and cached everything in its first run.
  return s.i > 0 && s.warmedMs > options.budgetMs / 2;
}

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
