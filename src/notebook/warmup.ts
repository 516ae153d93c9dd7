/**
 * The warm-up rule shared by the benchmarks (bench/timing.ts) and `timeit`: when
 * untimed calls may stop because the code has stopped getting faster (JIT
 * compilation, einconv's kernel caches and worker threads' own JIT are done).
 * Pure functions of the times seen so far, so the rule is tested without a clock.
 */

/** The warm-up's knobs (the benchmark's TimingOptions have these fields). */
export interface WarmupOptions {
  /** At least this many untimed calls. */
  warmup: number;
  /** Keep warming up (beyond `warmup` calls) until this much time is spent: tiny calls need many runs before V8 optimizes them. */
  warmupMs?: number;
  /** The whole measurement's budget; a warm-up that has taken half of it ends. */
  budgetMs: number;
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

/** Where a warm-up stands before call `i`: the time spent, and the last and fastest earlier call (ms). */
export interface WarmupState {
  readonly i: number;
  readonly warmedMs: number;
  readonly last: number;
  readonly bestBefore: number;
}

/**
 * Whether the warm-up is over: at least `warmup` calls and `warmupMs` spent, and the
 * last call settled (or MAX_SETTLE_CALLS made); or, after the first call, half the
 * time budget gone.
 */
export function warmupDone(s: WarmupState, options: WarmupOptions): boolean {
  if (s.i >= options.warmup && s.warmedMs >= (options.warmupMs ?? 0) && (settled(s.last, s.bestBefore) || s.i >= MAX_SETTLE_CALLS)) return true;
  // A call this long has compiled and cached everything in its first run.
  return s.i > 0 && s.warmedMs > options.budgetMs / 2;
}
