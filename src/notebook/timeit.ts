/**
 * IPython's `%timeit` for notebooks: `await timeit(() => einsum(...))` warms the
 * call up with the benchmarks' rule (src/notebook/warmup.ts), picks how many calls
 * one run makes the way IPython does (1, 2, 5, 10, 20, 50, … until a run takes at
 * least 0.2 s), times `repeat` runs and returns their per-call times. The result
 * displays itself as a cell value — `7.21 ms ± 0.11 ms per call (median of 7 runs ×
 * 10 calls)` — in tslab (through `util.inspect`) and Deno (through
 * `Symbol.for("Jupyter.display")`), and keeps the numbers for code to use.
 */
import { INSPECT_CUSTOM, JUPYTER_DISPLAY } from "../display_hook";
import { describe } from "../validate";
import type { MimeBundle } from "./format";
import { warmupDone, type WarmupOptions } from "./warmup";

/** Options of {@link timeit}. */
export interface TimeitOptions {
  /** Timed runs (default 7, like IPython). */
  repeat?: number;
  /** Calls per run; by default the smallest of 1, 2, 5, 10, 20, 50, … whose run takes >= `minRunSeconds`. */
  number?: number;
  /** The shortest run the automatic `number` accepts, in seconds (default 0.2, IPython's). */
  minRunSeconds?: number;
  /** Monotonic clock in milliseconds (default `performance.now`); tests inject a fake one. */
  clock?: () => number;
  /** The warm-up rule's knobs (default: at least 1 call and 20 ms, until calls stop getting faster; at most 1 s). */
  warmup?: Partial<WarmupOptions>;
}

const DEFAULT_WARMUP: WarmupOptions = { warmup: 1, warmupMs: 20, budgetMs: 2000 };
/** The warm-up's cap on calls (the benchmarks' too): tiny calls reach warmupMs long before it. */
const MAX_WARMUP_CALLS = 100000;
/** autorange gives up beyond this many calls per run (a clock that does not advance). */
const MAX_NUMBER = 1e10;

/** IPython's unit choice: ns, µs, ms or s for the median, three significant digits. */
function unitOf(seconds: number): { scale: number; unit: string } {
  if (seconds >= 1) return { scale: 1, unit: "s" };
  if (seconds >= 1e-3) return { scale: 1e3, unit: "ms" };
  if (seconds >= 1e-6) return { scale: 1e6, unit: "µs" };
  return { scale: 1e9, unit: "ns" };
}

function digits(v: number, precision: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  return Math.abs(v) >= 10 ** precision ? v.toFixed(0) : String(Number(v.toPrecision(precision)));
}

/** Median of a non-empty list. */
function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

/** What {@link timeit} measured: per-call seconds of each run, and their summary. */
export class TimeitResult {
  /** Per-call time of each run, in seconds (run time / `number`). */
  readonly times: readonly number[];
  readonly median: number;
  readonly mean: number;
  /** Population standard deviation of `times` (IPython's). */
  readonly std: number;
  /** Fastest run's per-call time. */
  readonly best: number;
  readonly worst: number;
  /** Runs timed. */
  readonly repeat: number;
  /** Calls per run. */
  readonly number: number;
  /** Untimed calls made first (warm-up and choosing `number`). */
  readonly warmupCalls: number;

  constructor(times: readonly number[], number: number, warmupCalls: number) {
    this.times = Object.freeze([...times]);
    this.repeat = times.length;
    this.number = number;
    this.warmupCalls = warmupCalls;
    this.median = median(times);
    this.mean = times.reduce((s, t) => s + t, 0) / times.length;
    this.std = Math.sqrt(times.reduce((s, t) => s + (t - this.mean) ** 2, 0) / times.length);
    this.best = Math.min(...times);
    this.worst = Math.max(...times);
  }

  /** `7.21 ms ± 0.11 ms per call (median of 7 runs × 10 calls)`; ± is the standard deviation across runs. */
  toString(): string {
    const { scale, unit } = unitOf(this.median);
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
    // A spread below a millionth of the median is rounding in the clock arithmetic: show 0.
    const std = this.std < 1e-6 * this.median ? 0 : this.std;
    return `${digits(this.median * scale, 3)} ${unit} ± ${digits(std * scale, 2)} ${unit} per call (median of ${plural(this.repeat, "run")} × ${plural(this.number, "call")})`;
  }

  /** The numbers, without the display hooks. */
  toJSON(): Record<string, number | readonly number[]> {
    const { times, median, mean, std, best, worst, repeat, number, warmupCalls } = this;
    return { times, median, mean, std, best, worst, repeat, number, warmupCalls };
  }

  /** tslab prints a cell's last value with `util.inspect`: the summary line. */
  [INSPECT_CUSTOM](): string {
    return this.toString();
  }

  /** Deno's Jupyter kernel: text and HTML (the HTML's tooltip lists best, worst and mean). */
  [JUPYTER_DISPLAY](): MimeBundle {
    const { scale, unit } = unitOf(this.median);
    const f = (s: number) => `${digits(s * scale, 3)} ${unit}`;
    const title = `± is the standard deviation across runs; best ${f(this.best)}, worst ${f(this.worst)}, mean ${f(this.mean)}; ${this.warmupCalls} warm-up calls`;
    return { "text/plain": this.toString(), "text/html": `<span class="einconv-timeit" title="${title}">${this.toString()}</span>` };
  }
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return x !== null && (typeof x === "object" || typeof x === "function") && typeof (x as { then?: unknown }).then === "function";
}

function positiveInteger(value: unknown, name: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) throw new TypeError(`timeit: ${name} must be a positive integer, got ${describe(value)}`);
  return value as number;
}

/**
 * Times `fn` like IPython's `%timeit` (see the top of this file). Async functions
 * are awaited call by call. Returns a {@link TimeitResult}: a cell ending in
 * `await timeit(...)` shows the summary line; its fields hold the numbers.
 *
 * @example
 * await timeit(() => einsum("ij,jk->ik", a, b));             // 1.93 ms ± 0.041 ms per call (median of 7 runs × 100 calls)
 * const t = await timeit(() => conv(x), { repeat: 3, number: 10 });
 * t.median;                                                    // seconds per call
 */
export async function timeit(fn: () => unknown, options: TimeitOptions = {}): Promise<TimeitResult> {
  if (typeof fn !== "function") throw new TypeError(`timeit: fn must be a function, got ${describe(fn)}`);
  const known = ["repeat", "number", "minRunSeconds", "clock", "warmup"];
  for (const key of Object.keys(options)) if (!known.includes(key)) throw new TypeError(`timeit: unknown option ${JSON.stringify(key)}; valid options: ${known.join(", ")}`);
  const repeat = positiveInteger(options.repeat ?? 7, "repeat");
  const fixedNumber = options.number === undefined ? undefined : positiveInteger(options.number, "number");
  const minRun = options.minRunSeconds ?? 0.2;
  if (typeof minRun !== "number" || !(minRun >= 0) || !Number.isFinite(minRun)) throw new TypeError(`timeit: minRunSeconds must be a finite number >= 0, got ${describe(minRun)}`);
  const clock = options.clock ?? (() => globalThis.performance.now());
  if (typeof clock !== "function") throw new TypeError(`timeit: clock must be a function returning milliseconds, got ${describe(clock)}`);
  const warm: WarmupOptions = { ...DEFAULT_WARMUP, ...options.warmup };

  let sink: unknown; // keeps results alive, so no call is optimized away
  let async = false;
  let calls = 0;
  // One run of `n` calls; returns its duration in ms.
  const run = async (n: number): Promise<number> => {
    const t0 = clock();
    if (async) for (let k = 0; k < n; k++) sink = await fn();
    else for (let k = 0; k < n; k++) sink = fn();
    const dt = clock() - t0;
    if (!Number.isFinite(dt)) throw new TypeError(`timeit: the clock returned ${describe(dt)} as a duration`);
    calls += n;
    return dt;
  };

  // Warm-up (the benchmarks' rule). The first call also tells whether fn is async.
  let last = Infinity;
  let bestBefore = Infinity;
  const warmStart = clock();
  for (let i = 0; i < MAX_WARMUP_CALLS; i++) {
    if (i > 0 && warmupDone({ i, warmedMs: clock() - warmStart, last, bestBefore }, warm)) break;
    bestBefore = Math.min(bestBefore, last);
    const t0 = clock();
    const r = fn();
    if (i === 0) async = isThenable(r);
    sink = async ? await r : r;
    last = clock() - t0;
    calls++;
  }

  // IPython's autorange: the smallest 1, 2, 5 × 10^k calls whose run takes >= minRun seconds.
  let number = fixedNumber ?? 0;
  if (fixedNumber === undefined) {
    search: for (let scale = 1; ; scale *= 10) {
      for (const m of [1, 2, 5]) {
        number = scale * m;
        const dt = await run(number);
        if (dt >= minRun * 1000) break search;
        // No call takes under a picosecond: a run of a million calls that took 0 ms means the clock is stuck.
        if (number >= MAX_NUMBER || (number >= 1e6 && dt <= 0)) throw new Error(`timeit: ${number} calls took ${dt} ms by the clock: is the clock advancing?`);
      }
    }
  }
  const warmupCalls = calls;
  const times: number[] = [];
  for (let r = 0; r < repeat; r++) times.push((await run(number)) / 1000 / number);
  void sink;
  return new TimeitResult(times, number, warmupCalls);
}
