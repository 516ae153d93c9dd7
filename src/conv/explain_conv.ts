/**
 * `explainConv`: which method `convolve` runs for these operands and options, and why —
 * without running anything. For "auto": the cost model's estimates and which constants
 * (this machine's calibration or the shipped defaults). For "measure": the remembered
 * winner with the candidates' measured times and whether it came from this process's
 * measurement (memo) or imported wisdom, or, before the first call, the candidates that
 * will be timed; plus the wisdom's counters (timed runs, measurements, hits).
 */
import { getThreads } from "../compile/threads/settings";
import { chooseConvMethod, machineConvCosts, type ConvCostEstimates, type ConvMethodName } from "./auto";
import type { ConvMethod, ConvolveOptions } from "./convolve";
import { convInfo, type ConvInfo } from "./info";
import { convGeometryKey, measureCandidates, MEASURE_DEFAULTS, type CandidateTiming, type OperandLike } from "./measure";
import { defaultConvWisdom, type ConvWisdomStats } from "./wisdom";

/** Result of {@link explainConv}. */
export interface ConvExplanation {
  readonly requested: ConvMethod;
  /** The method the next call runs; undefined for "measure" before its first call (to be timed). */
  readonly method: ConvMethodName | undefined;
  /**
   * "given": a concrete method was asked for; "cost model": auto; "memo" / "wisdom": measure
   * with a winner measured in this process / imported; "to measure": the next call times the candidates.
   */
  readonly source: "given" | "cost model" | "memo" | "wisdom" | "to measure";
  readonly info: ConvInfo;
  readonly estimates: ConvCostEstimates;
  /** Which cost constants: the options' own, this machine's calibration, or the shipped defaults. */
  readonly costs: string;
  /** "measure": the candidates, with their measured times once measured. */
  readonly candidates?: readonly CandidateTiming[];
  /** "measure": the geometry key. */
  readonly key?: string;
  /** "measure": the counters of the wisdom used (timedRuns is 0 in a process that measured nothing). */
  readonly stats?: ConvWisdomStats;
  readonly text: string;
}

const fmtNs = (ns: number) => `${(ns / 1e6).toFixed(3)} ms`;

/**
 * Explains the method choice of `convolve(x, kernel, options)`; `x` and `kernel` may be the
 * arrays or their shapes (shapes: float64 row-major assumed for the measure key).
 *
 * @example
 * convolve(x, k, { method: "measure" });
 * console.log(explainConv(x, k, { method: "measure" }).text); // candidates' times, the winner, "memo"
 */
export function explainConv(x: OperandLike, kernel: OperandLike, options: ConvolveOptions = {}): ConvExplanation {
  const shape = (t: OperandLike) => (Array.isArray(t) ? (t as readonly number[]) : (t as { shape: number[] }).shape);
  const info = convInfo(shape(x), shape(kernel), options);
  const requested: ConvMethod = options.method ?? "auto";
  const machine = machineConvCosts();
  const costs = options.costs ? "given in the options" : machine.note;
  const threads = getThreads();
  const { method: modelPick, estimates } = chooseConvMethod(info, options.costs ?? machine.costs, threads);
  const estimateLine = `estimates: ${(Object.keys(estimates) as ConvMethodName[]).map((m) => `${m} ${fmtNs(estimates[m])}`).join(", ")} (costs: ${costs})`;
  const geometry = `convolve: data [${shape(x).join(", ")}], kernel [${shape(kernel).join(", ")}], output [${info.outHeight}, ${info.outWidth}], ${threads} thread${threads > 1 ? "s" : ""}`;
  if (requested !== "measure") {
    const method = requested === "auto" ? modelPick : requested;
    const source = requested === "auto" ? "cost model" : "given";
    const text = [geometry, `method: ${method} (${requested === "auto" ? "auto: the cheapest estimate" : "given"})`, estimateLine].join("\n");
    return { requested, method, source, info, estimates, costs, text };
  }
  const wisdom = options.measure?.wisdom ?? defaultConvWisdom;
  const key = convGeometryKey(x, kernel, info, threads);
  const entry = wisdom.peek(key);
  const stats = { ...wisdom.stats };
  const statsLine = `wisdom: ${wisdom.size} entries; ${stats.timedRuns} timed runs, ${stats.measurements} measurements, ${stats.memoHits} memo hits, ${stats.wisdomHits} wisdom hits in this process`;
  if (entry === undefined) {
    const names = measureCandidates(estimates, options.measure?.factor ?? MEASURE_DEFAULTS.factor);
    const candidates = names.map((m) => ({ method: m, estimateNs: estimates[m], runs: 0, bestMs: undefined }));
    const text = [geometry, `method: to be measured on the next call; candidates ${names.join(", ")}`, estimateLine, statsLine].join("\n");
    return { requested, method: undefined, source: "to measure", info, estimates, costs, candidates, key, stats, text };
  }
  const source = entry.origin === "measured" ? "memo" : "wisdom";
  const candidates = (Object.keys(estimates) as ConvMethodName[])
    .filter((m) => entry.times[m] !== undefined || entry.runs[m] !== undefined)
    .map((m) => ({ method: m, estimateNs: estimates[m], runs: entry.runs[m] ?? 0, bestMs: entry.times[m] }));
  const measured = candidates.map((c) => `${c.method} ${c.bestMs === undefined ? "not run" : `${c.bestMs.toFixed(3)} ms`} (${c.runs} run${c.runs === 1 ? "" : "s"})`).join(", ");
  const text = [
    geometry,
    `method: ${entry.method} (measure: ${source === "memo" ? "measured in this process" : "from imported wisdom"})`,
    `measured: ${measured}`,
    estimateLine,
    statsLine,
  ].join("\n");
  return { requested, method: entry.method, source, info, estimates, costs, candidates, key, stats, text };
}
