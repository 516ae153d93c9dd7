/**
 * `convolve(x, k, { method: "measure" })`: the method chosen by timing, after scipy's
 * `choose_conv_method(measure=True)`, FFTW_MEASURE and cuDNN's benchmark mode.
 *
 * On the first call for a geometry key (machine, thread count, data and kernel shapes,
 * dtypes and strides, stride, dilation, padding, mode) the candidate methods run on the
 * caller's own data and are timed; the fastest is kept in the wisdom memo (wisdom.ts) and
 * later calls with that key run it straight away, with no timing. The first call returns
 * the winner's own result, so it equals every later call bit for bit.
 *
 * Candidates: the methods whose cost-model estimate (auto.ts) is within `factor` (default
 * 3) of the model's pick, cheapest estimate first.
 *
 * The first call's cost is bounded (defaults in {@link MEASURE_DEFAULTS}):
 * - each candidate first runs `warmup` times (1) untimed: a method's first run in a process
 *   pays for compiling its code (and the FFT's worker threads for starting), 10-20x a later run;
 * - then at most `runs` times (3), its time being the fastest of those runs;
 * - once `capMs` (50 ms) has been spent, a candidate stops after a run that leaves it
 *   slower than `abandon` (1.5) × the best candidate so far (below that, every candidate
 *   makes its runs, so a cold first run does not lose a cheap method);
 * - a run starts only while the time measured so far plus that run's predicted time (the
 *   candidate's own best run, or for its first run the best time scaled by the ratio of
 *   the estimates) stays within `budget` (6) × the best time so far + `capMs` (50 ms).
 * So the timed runs take at most 6 × the best candidate's time + 50 ms, exceeded only by a
 * run that takes longer than predicted (at most one per candidate: it then stops); on top
 * come the warm-up runs (one per candidate started, each predicted within the same budget
 * before it starts). At most (`warmup` + `runs`) × candidates (≤ 12) calls in all.
 *
 * Methods differ in rounding (each sums in its own order), so which method wins changes
 * the last bits of the result: on seeded random data (`node dist/bench/rounding.js`, six
 * shapes x 3 seeds, 2026-12-08) the largest |difference| relative to the largest |output|
 * was 5.4e-15 between fft and submatrix, 1.6e-15 between fft and strided and 4.6e-15
 * between submatrix and strided (the direct methods differ too: different summation order).
 * A winner is fixed per geometry key, so repeated calls agree bit for bit.
 */
import { performance } from "node:perf_hooks";
import { getThreads } from "../compile/threads/settings";
import { machineKey } from "../tuning_file";
import { chooseConvMethod, CONV_METHODS, machineConvCosts, type ConvCostConstants, type ConvCostEstimates, type ConvMethodName } from "./auto";
import { ConvError, type ConvInfo } from "./info";
import { defaultConvWisdom, ensureWisdomFile, saveWisdomFile, type ConvWisdom, type ConvWisdomStats, type WisdomEntry } from "./wisdom";
import type { Tensor } from "../types";

/** Knobs of "measure" (all optional; see the module comment for the bound they give). */
export interface MeasureOptions {
  /** Clock in milliseconds (default `performance.now`); tests inject one. */
  readonly clock?: () => number;
  /** Candidates: methods estimated within this factor of the model's pick (default 3; 1 = the pick and its ties). */
  readonly factor?: number;
  /** Most timed runs per candidate (default 3). */
  readonly runs?: number;
  /** Untimed warm-up runs per candidate before its timed runs (default 1; not counted in the budget). */
  readonly warmup?: number;
  /** A candidate stops once slower than this × the best so far (default 1.5). */
  readonly abandon?: number;
  /** Time budget as a multiple of the best time so far (default 6)... */
  readonly budget?: number;
  /** ...plus this many ms (default 50). */
  readonly capMs?: number;
  /** Where winners are kept (default the process's wisdom, `defaultConvWisdom`). */
  readonly wisdom?: ConvWisdom;
}

/** The defaults of {@link MeasureOptions}. */
export const MEASURE_DEFAULTS = Object.freeze({ factor: 3, runs: 3, warmup: 1, abandon: 1.5, budget: 6, capMs: 50 });

/** One candidate's measurement. */
export interface CandidateTiming {
  readonly method: ConvMethodName;
  /** The cost model's estimate (ns). */
  readonly estimateNs: number;
  /** Timed runs made (0: the budget ran out before its turn). */
  readonly runs: number;
  /** Untimed warm-up runs made before them. */
  readonly warmups?: number;
  /** Fastest run (ms), undefined when it never ran. */
  readonly bestMs: number | undefined;
  /** Why it stopped before `runs` runs: "slower" (abandon rule) or "budget"; undefined when it made all its runs. */
  readonly stopped?: "slower" | "budget";
}

/** What "measure" did on one call. */
export interface MeasuredCall {
  readonly key: string;
  readonly method: ConvMethodName;
  /** "measured": timed now; "memo": a winner measured earlier in this process; "wisdom": an imported winner. */
  readonly source: "measured" | "memo" | "wisdom";
  readonly candidates: readonly CandidateTiming[];
}

function checkPositive(name: string, v: number, min: number): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < min) throw new ConvError(`measure.${name} must be a finite number >= ${min} (got ${String(v)})`);
  return v;
}

/** Resolved options (validated). */
function settings(options: MeasureOptions = {}) {
  const runs = checkPositive("runs", options.runs ?? MEASURE_DEFAULTS.runs, 1);
  if (!Number.isInteger(runs)) throw new ConvError(`measure.runs must be an integer (got ${runs})`);
  const warmup = options.warmup ?? MEASURE_DEFAULTS.warmup;
  if (!Number.isInteger(warmup) || warmup < 0) throw new ConvError(`measure.warmup must be an integer >= 0 (got ${String(warmup)})`);
  return {
    warmup,
    clock: options.clock ?? (() => performance.now()),
    factor: checkPositive("factor", options.factor ?? MEASURE_DEFAULTS.factor, 1),
    runs,
    abandon: checkPositive("abandon", options.abandon ?? MEASURE_DEFAULTS.abandon, 1),
    budget: checkPositive("budget", options.budget ?? MEASURE_DEFAULTS.budget, 1),
    capMs: checkPositive("capMs", options.capMs ?? MEASURE_DEFAULTS.capMs, 0),
    wisdom: options.wisdom ?? defaultConvWisdom,
  };
}

/** How an operand is laid out, for the key: "C" (row-major contiguous) or its strides. */
function layoutTag(t: { shape: readonly number[]; stride?: readonly number[] }): string {
  const stride = t.stride;
  if (stride === undefined) return "C";
  let expect = 1;
  let rowMajor = true;
  for (let i = t.shape.length - 1; i >= 0; i--) {
    if (t.shape[i] !== 1 && stride[i] !== expect) rowMajor = false;
    expect *= t.shape[i];
  }
  return rowMajor ? "C" : `s${stride.join(",")}`;
}

/** An operand or a bare shape (explainConv), for the key. */
export type OperandLike = Tensor | readonly number[];

function operandTag(t: OperandLike): string {
  if (Array.isArray(t)) return `[${t.join(",")}]float64:C`;
  const x = t as Tensor;
  return `[${x.shape.join(",")}]${x.dtype}:${layoutTag(x)}`;
}

/**
 * The geometry key of one convolution: machine, thread count, both operands (shape, dtype,
 * layout), stride, dilation, the total padding per side and the mode.
 */
export function convGeometryKey(x: OperandLike, kernel: OperandLike, info: ConvInfo, threads: number = getThreads()): string {
  return [
    machineKey(),
    `t${threads}`,
    `x${operandTag(x)}`,
    `k${operandTag(kernel)}`,
    `s${info.strideHeight},${info.strideWidth}`,
    `d${info.dilationHeight},${info.dilationWidth}`,
    `p${info.padTop},${info.padBottom},${info.padLeft},${info.padRight}`,
    info.mode,
  ].join("|");
}

/** The candidates: methods estimated within `factor` of the cheapest, cheapest first (ties in CONV_METHODS order). */
export function measureCandidates(estimates: ConvCostEstimates, factor: number = MEASURE_DEFAULTS.factor): ConvMethodName[] {
  const pick = Math.min(...CONV_METHODS.map((m) => estimates[m]));
  return CONV_METHODS.filter((m) => estimates[m] <= factor * pick).sort((a, b) => estimates[a] - estimates[b] || CONV_METHODS.indexOf(a) - CONV_METHODS.indexOf(b));
}

/**
 * Times the candidates under the bound of the module comment; returns the winner, its
 * result (from one of its runs: no extra call) and every candidate's timing. `run` runs one
 * method on the caller's data.
 */
export function timeCandidates(
  candidates: readonly ConvMethodName[],
  estimates: ConvCostEstimates,
  run: (method: ConvMethodName) => Tensor,
  options: MeasureOptions = {},
  stats?: ConvWisdomStats,
): { method: ConvMethodName; result: Tensor; timings: CandidateTiming[] } {
  const s = settings(options);
  let best = Infinity;
  let bestMethod: ConvMethodName | undefined;
  let bestResult: Tensor | undefined;
  let spent = 0;
  const timings: CandidateTiming[] = [];
  for (const method of candidates) {
    let own = Infinity;
    let runs = 0;
    let stopped: CandidateTiming["stopped"];
    let warmups = 0;
    // Untimed warm-up runs first (JIT compiling, worker start-up, memory growth: a method's
    // first run in a process can take 10-20x its later runs), started under the same budget
    // rule as a first timed run but not counted in it.
    if (bestMethod !== undefined && spent + (best * estimates[method]) / Math.max(estimates[bestMethod], 1e-9) > s.budget * best + s.capMs) {
      timings.push({ method, estimateNs: estimates[method], runs: 0, warmups: 0, bestMs: undefined, stopped: "budget" });
      continue;
    }
    for (; warmups < s.warmup; warmups++) run(method);
    for (let r = 0; r < s.runs; r++) {
      if (bestMethod !== undefined) {
        const predicted = runs > 0 ? own : (best * estimates[method]) / Math.max(estimates[bestMethod], 1e-9);
        if (spent + predicted > s.budget * best + s.capMs) {
          stopped = "budget";
          break;
        }
      }
      const t0 = s.clock();
      const out = run(method);
      const dt = Math.max(0, s.clock() - t0);
      if (stats) stats.timedRuns++;
      spent += dt;
      runs++;
      if (dt < own) own = dt;
      if (own < best) {
        best = own;
        bestMethod = method;
        bestResult = out; // the winner's output is returned, so no extra call is needed
      }
      // Within the fixed cap every candidate makes its runs (cheap calls are measured fully, so a
      // cold first run, JIT compiling, does not lose a method); beyond it slow candidates stop.
      if (own > s.abandon * best && spent > s.capMs) {
        stopped = "slower";
        break;
      }
    }
    timings.push({ method, estimateNs: estimates[method], runs, warmups, bestMs: runs > 0 ? own : undefined, ...(stopped && runs < s.runs ? { stopped } : {}) });
  }
  if (bestMethod === undefined || bestResult === undefined) throw new ConvError("measure: no candidate method ran");
  return { method: bestMethod, result: bestResult, timings };
}

function entryCandidates(entry: WisdomEntry, estimates: ConvCostEstimates): CandidateTiming[] {
  return CONV_METHODS.filter((m) => entry.times[m] !== undefined || entry.runs[m] !== undefined).map((m) => ({
    method: m,
    estimateNs: estimates[m],
    runs: entry.runs[m] ?? 0,
    bestMs: entry.times[m],
  }));
}

/**
 * Runs a convolution by "measure": the remembered winner of its geometry key, or (first
 * call) the timed candidates, remembering the winner. `run` runs one method on the caller's data.
 */
export function convolveMeasured(
  x: Tensor,
  kernel: Tensor,
  info: ConvInfo,
  run: (method: ConvMethodName) => Tensor,
  options: { costs?: ConvCostConstants; measure?: MeasureOptions } = {},
): { result: Tensor; call: MeasuredCall } {
  const s = settings(options.measure);
  if (options.measure?.wisdom === undefined) ensureWisdomFile();
  const threads = getThreads();
  const key = convGeometryKey(x, kernel, info, threads);
  const known = s.wisdom.get(key);
  const estimates = chooseConvMethod(info, options.costs ?? machineConvCosts().costs, threads).estimates;
  if (known !== undefined) {
    const source = known.origin === "measured" ? "memo" : "wisdom";
    if (source === "memo") s.wisdom.stats.memoHits++;
    else s.wisdom.stats.wisdomHits++;
    return { result: run(known.method), call: { key, method: known.method, source, candidates: entryCandidates(known, estimates) } };
  }
  const candidates = measureCandidates(estimates, s.factor);
  const { method, result, timings } = timeCandidates(candidates, estimates, run, options.measure, s.wisdom.stats);
  s.wisdom.stats.measurements++;
  const times: Partial<Record<ConvMethodName, number>> = {};
  const runs: Partial<Record<ConvMethodName, number>> = {};
  for (const t of timings) {
    if (t.bestMs !== undefined) times[t.method] = t.bestMs;
    runs[t.method] = t.runs;
  }
  s.wisdom.set(key, { method, times, runs, origin: "measured" });
  if (s.wisdom === defaultConvWisdom) saveWisdomFile();
  return { result, call: { key, method, source: "measured", candidates: timings } };
}
