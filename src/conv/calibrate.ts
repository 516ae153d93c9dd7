/**
 * `npx einconv calibrate`: refits `auto`'s cost constants on this machine, measures the
 * threaded paths' cut-overs, and writes both to the tuning file (src/tuning_file.ts,
 * `$XDG_CACHE_HOME/einconv/conv-costs.json`), which `auto` and the threaded paths then use.
 *
 * Within a time budget (default 60 s; phases end early to keep it):
 * 1. two timing passes over calibration cells (the blog's three grid settings at
 *    n 32-256, f 3/9/15/31 and n - 4), every method per cell (direct methods skipped above
 *    {@link DIRECT_MACS_LIMIT} multiply-adds), cheapest cells first;
 * 2. the fit of src/conv/fit.ts (least squares, then the ranking search) on those passes;
 * 3. a fresh pass over the same cells, not used for fitting, judging the fitted constants:
 *    the worst "time of the method they choose / time of the fastest" per grid;
 * 4. with more than one thread: the FFT and GEMM thread cut-overs, each the smallest
 *    measured size from which T threads were never slower than one ({@link cutoverFromSamples});
 *    for the GEMM over square products and conv2dNHWC's thin ones (K = 27, N = 16: the
 *    issue's case of 2 threads slower than 1), the later of the two.
 * The timers are injectable (tests run it without a clock).
 */
import { performance } from "node:perf_hooks";
import ndarray from "ndarray";
import { getThreads } from "../compile/threads/settings";
import { WasmBackend } from "../compile/wasm/backend";
import { einsum } from "../einsum";
import { machineId, resetTuning, tuningFilePath, TUNING_VERSION, writeTuning, type ThreadCutovers, type TuningRecord } from "../tuning_file";
import type { Tensor } from "../types";
import { chooseConvMethod, convCostFeatures, CONV_METHODS, DEFAULT_CONV_COSTS, type ConvCostConstants, type ConvMethodName } from "./auto";
import { convolveWith } from "./convolve";
import { conv2dFFT } from "./fft/conv2d";
import { planConv2dFFT } from "./fft/plan";
import { planWorkSize } from "./fft/runner";
import { fitConstants, mergeRuns, type FitPoint } from "./fit";
import { ConvError, convInfo, type ConvInfo } from "./info";
import { nhwcInfo, nhwcWindows } from "./nhwc";

/** One calibration cell: n x n (x depth) data, f x f (x depth) kernel, a stride. */
export interface CalibrationCell {
  readonly grid: number;
  readonly n: number;
  readonly f: number;
  /** 0 for 2-D data and kernel. */
  readonly depth: number;
  readonly stride: number;
}

/** The blog's three grid settings (the bench's conv grids). */
export const CALIBRATION_GRIDS: ReadonlyArray<{ grid: number; depth: number; stride: number }> = Object.freeze([
  { grid: 1, depth: 0, stride: 1 },
  { grid: 2, depth: 5, stride: 2 },
  { grid: 3, depth: 10, stride: 5 },
]);

/** Direct methods are not timed above this many multiply-adds (they lose there by far, and cost seconds). */
export const DIRECT_MACS_LIMIT = 5e7;

/** The cells' ConvInfo. */
export function cellInfo(c: CalibrationCell): ConvInfo {
  return c.depth ? convInfo([c.n, c.n, c.depth], [c.f, c.f, c.depth], { stride: c.stride }) : convInfo([c.n, c.n], [c.f, c.f], { stride: c.stride });
}

/** The default cells: each grid at n 32/64/128/256, f 3/9/15/31 and n - 4 (60 cells); cheapest (by the default model) first. */
export function calibrationCells(ns: readonly number[] = [32, 64, 128, 256]): CalibrationCell[] {
  const cells: CalibrationCell[] = [];
  for (const g of CALIBRATION_GRIDS) {
    for (const n of ns) {
      for (const f of [...new Set([3, 9, 15, 31, n - 4])].filter((f) => f >= 1 && f < n).sort((a, b) => a - b)) cells.push({ grid: g.grid, n, f, depth: g.depth, stride: g.stride });
    }
  }
  const cost = (c: CalibrationCell) => {
    const e = chooseConvMethod(cellInfo(c), DEFAULT_CONV_COSTS).estimates;
    return CONV_METHODS.reduce((s, m) => s + e[m], 0);
  };
  return cells.map((c) => ({ c, t: cost(c) })).sort((a, b) => a.t - b.t).map((x) => x.c);
}

/** Times one method on one cell; returns milliseconds per call. Injectable (tests). */
export type MethodTimer = (method: ConvMethodName, cell: CalibrationCell, info: ConvInfo) => number;

/** One cut-over sample: a size of work and the time on one and on T threads. */
export interface CutoverSample {
  readonly work: number;
  readonly oneMs: number;
  readonly manyMs: number;
  /** Samples of one shape family (e.g. square vs thin GEMMs); absent = one family. */
  readonly family?: string;
}

/** Measures a threaded path at its sample sizes. Injectable (tests). */
export type CutoverSampler = (path: keyof ThreadCutovers, threads: number, shouldStop: () => boolean) => CutoverSample[];

/** Progress of a calibration: `done` of `total` steps of the current phase. */
export interface CalibrationProgress {
  readonly phase: string;
  readonly done: number;
  readonly total: number;
  /** Elapsed ms of the whole calibration. */
  readonly elapsedMs: number;
}

/** Options of {@link calibrate}. */
export interface CalibrateOptions {
  /** Time budget in ms (default 60000); phases stop early to stay within it. */
  readonly budgetMs?: number;
  /** Where to write (default {@link tuningFilePath}). */
  readonly file?: string;
  /** false: do not write the file (dry run). */
  readonly write?: boolean;
  readonly cells?: readonly CalibrationCell[];
  /** Default: real timing of `convolveWith` (one warm-up, the fastest of 3 samples of >= 1 ms each). */
  readonly timer?: MethodTimer;
  /** Budget clock in ms (default performance.now). */
  readonly clock?: () => number;
  /** Progress callback; default a bar on stderr (one line per phase when stderr is not a terminal); false: silent. */
  readonly progress?: ((p: CalibrationProgress) => void) | false;
  /** Thread cut-overs: default measured when getThreads() > 1; false skips them; a function replaces the real sampler. */
  readonly cutovers?: boolean | CutoverSampler;
  /** Random starts of the fit's ranking search (default 8; fewer when the budget runs short). */
  readonly starts?: number;
}

/** The fresh run's verdict for one grid. */
export interface CalibrationGridEval {
  readonly grid: number;
  readonly points: number;
  /** Worst "time of the method the fitted constants choose / fastest time". */
  readonly worst: number;
  readonly at: string;
  /** The same for the shipped defaults on the same fresh timings. */
  readonly defaultsWorst: number;
}

/** Result of {@link calibrate}. */
export interface CalibrationResult {
  readonly file: string;
  readonly written: boolean;
  readonly record: TuningRecord;
  readonly fresh: readonly CalibrationGridEval[];
  /** The worst ratio over every grid of the fresh run. */
  readonly worst: number;
  readonly durationMs: number;
  /** Cells timed in each of the three passes. */
  readonly cellsTimed: readonly number[];
  readonly cutoverSamples: Partial<Record<keyof ThreadCutovers, readonly CutoverSample[]>>;
}

/** Deterministic data in [-0.5, 0.5) (the bench's ramp). */
function ramp(shape: readonly number[], salt: number): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(size);
  for (let i = 0; i < size; i++) data[i] = ((i * 7919 + 13 + salt) % 10007) / 10007 - 0.5;
  return ndarray(data, [...shape]);
}

/** Times `fn`: one warm-up call, then 3 samples (2 for calls over 20 ms) of enough calls to last >= 1 ms; the fastest per call (ms: the least disturbed by other processes on a shared machine). */
export function timeFn(fn: () => unknown, clock: () => number = () => performance.now()): number {
  let t0 = clock();
  fn();
  const first = clock() - t0;
  const batch = Math.max(1, Math.min(1000, Math.ceil(1 / Math.max(first, 1e-3))));
  const samples: number[] = [];
  for (let s = 0; s < (first > 20 ? 2 : 3); s++) {
    t0 = clock();
    for (let b = 0; b < batch; b++) fn();
    samples.push((clock() - t0) / batch);
  }
  return Math.min(...samples);
}

function realTimer(): MethodTimer {
  const data = new Map<string, { x: Tensor; k: Tensor }>();
  return (method, cell, info) => {
    const key = `${cell.n}|${cell.f}|${cell.depth}`;
    let d = data.get(key);
    if (!d) {
      d = { x: ramp(cell.depth ? [cell.n, cell.n, cell.depth] : [cell.n, cell.n], 1), k: ramp(cell.depth ? [cell.f, cell.f, cell.depth] : [cell.f, cell.f], 2) };
      data.clear(); // one cell's data at a time
      data.set(key, d);
    }
    const { x, k } = d;
    return timeFn(() => convolveWith(method, x, k, info));
  };
}

/**
 * The cut-over from samples (pure): the smallest sampled work from which T threads were
 * never slower than one at every larger sample; MAX_SAFE_INTEGER (never split) when the
 * largest sample was still slower; the smallest sample's work when every sample won.
 */
export function cutoverFromSamples(samples: readonly CutoverSample[]): number {
  const s = [...samples].sort((a, b) => a.work - b.work);
  if (s.length === 0) throw new ConvError("cutoverFromSamples: no samples");
  let from = s.length;
  for (let i = s.length - 1; i >= 0 && s[i].manyMs <= s[i].oneMs; i--) from = i;
  return from === s.length ? Number.MAX_SAFE_INTEGER : s[from].work;
}

/**
 * The cut-over over several shape families (pure): the largest of each family's
 * {@link cutoverFromSamples}, so that no family gets slower on T threads.
 */
export function cutoverFromFamilies(samples: readonly CutoverSample[]): number {
  const families = new Map<string, CutoverSample[]>();
  for (const x of samples) families.set(x.family ?? "", [...(families.get(x.family ?? "") ?? []), x]);
  return Math.max(...[...families.values()].map(cutoverFromSamples));
}

/** The real sampler: 2-D FFT convolutions (n 48-256, f 9); square f64 GEMMs (128-512) and conv2dNHWC's thin GEMMs; 1 vs T threads interleaved, min of 5. */
function realSampler(): CutoverSampler {
  return (path, threads, shouldStop) => {
    const samples: CutoverSample[] = [];
    const pair = (one: () => unknown, many: () => unknown): { oneMs: number; manyMs: number } => {
      for (let i = 0; i < 3; i++) one(), many(); // workers compile their own code on first use
      let oneMs = Infinity;
      let manyMs = Infinity;
      for (let i = 0; i < 5; i++) {
        oneMs = Math.min(oneMs, timeFn(one));
        manyMs = Math.min(manyMs, timeFn(many));
      }
      return { oneMs, manyMs };
    };
    if (path === "fftMinSamples") {
      for (const n of [48, 64, 96, 128, 192, 256]) {
        if (shouldStop()) break;
        const x = ramp([n, n], 3);
        const k = ramp([9, 9], 4);
        const w = planWorkSize(planConv2dFFT(x.shape, k.shape, { stride: [1, 1] }));
        const work = w.size.n0 * w.size.n1 * w.blocks * w.terms;
        const t = pair(() => conv2dFFT(x, k, { stride: [1, 1], threads: 1 }), () => conv2dFFT(x, k, { stride: [1, 1], threads, threadMin: 0 }));
        samples.push({ work, ...t });
      }
    } else {
      const one = new WasmBackend({ gemm: { threads: 1 } });
      const many = new WasmBackend({ gemm: { threads, threadMin: 0 } });
      const square: CutoverSample[] = [];
      for (const n of [128, 192, 256, 320, 384, 512]) {
        if (shouldStop()) break;
        const a = ramp([n, n], 5);
        const b = ramp([n, n], 6);
        const t = pair(() => einsum("ij,jk->ik", a, b, { backend: one }), () => einsum("ij,jk->ik", a, b, { backend: many }));
        square.push({ work: n * n * n, ...t });
      }
      // Thin GEMMs too: conv2dNHWC's window-view contraction (K = 27, N = 16, the article's
      // shape at batch 25-200), where splitting output tiles pays off later than for squares.
      const thin: CutoverSample[] = [];
      for (const batch of [25, 50, 100, 200]) {
        if (shouldStop()) break;
        const x = ramp([batch, 32, 32, 3], 7);
        const w = ramp([3, 3, 3, 16], 8);
        const windows = nhwcWindows(x, nhwcInfo(x.shape, w.shape));
        const t = pair(
          () => einsum("nhwijc,ijcd->nhwd", windows, w, { dtype: "float64", backend: one }),
          () => einsum("nhwijc,ijcd->nhwd", windows, w, { dtype: "float64", backend: many }),
        );
        thin.push({ work: batch * 30 * 30 * 16 * 27, ...t });
      }
      samples.push(...square.map((x) => ({ ...x, family: "square" })), ...thin.map((x) => ({ ...x, family: "nhwc" })));
    }
    return samples;
  };
}

function stderrProgress(): (p: CalibrationProgress) => void {
  const tty = process.stderr.isTTY === true;
  let lastPhase = "";
  return (p) => {
    if (!tty) {
      if (p.phase !== lastPhase) process.stderr.write(`calibrate: ${p.phase} (${(p.elapsedMs / 1000).toFixed(1)} s)\n`);
      lastPhase = p.phase;
      return;
    }
    const width = 30;
    const filled = p.total > 0 ? Math.round((width * p.done) / p.total) : width;
    process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${p.phase} ${p.done}/${p.total}  ${(p.elapsedMs / 1000).toFixed(1)} s\x1b[K`);
    if (p.done === p.total) process.stderr.write("\n");
  };
}

/** Fit points from one pass's times (ms per method per cell). */
function toPoints(cells: readonly CalibrationCell[], times: ReadonlyArray<Partial<Record<ConvMethodName, number>>>, threads: number): FitPoint[] {
  return cells.map((c, i) => {
    const info = cellInfo(c);
    const ns: Partial<Record<ConvMethodName, number>> = {};
    for (const m of CONV_METHODS) if (times[i][m] !== undefined) ns[m] = times[i][m]! * 1e6;
    return { grid: c.grid, n: c.n, f: c.f, info, threads, features: convCostFeatures(info, threads), times: ns };
  });
}

/** Per grid, the worst chosen/fastest ratio of `constants` on `points`. */
export function judgeFresh(points: readonly FitPoint[], constants: ConvCostConstants): Array<{ grid: number; points: number; worst: number; at: string }> {
  const grids = [...new Set(points.map((p) => p.grid))].sort((a, b) => a - b);
  return grids.map((grid) => {
    const ps = points.filter((p) => p.grid === grid);
    let worst = 0;
    let at = "";
    for (const p of ps) {
      const best = Math.min(...Object.values(p.times));
      const chosen = chooseConvMethod(p.info, constants, p.threads).method;
      const t = p.times[chosen];
      const r = t === undefined ? Infinity : t / best;
      if (r > worst) {
        worst = r;
        const fastest = CONV_METHODS.find((m) => p.times[m] === best);
        at = `n${p.n} f${p.f} -> ${chosen} (fastest ${fastest})`;
      }
    }
    return { grid, points: ps.length, worst, at };
  });
}

/**
 * Calibrates this machine (see the module comment) and writes the tuning file; returns
 * what it measured and the fresh run's verdict.
 *
 * @example
 * const r = calibrate({ budgetMs: 30000 });
 * r.worst; // worst chosen/fastest on the fresh run
 */
export function calibrate(options: CalibrateOptions = {}): CalibrationResult {
  const clock = options.clock ?? (() => performance.now());
  const budget = options.budgetMs ?? 60000;
  if (!Number.isFinite(budget) || budget <= 0) throw new ConvError(`calibrate: budgetMs must be a positive number (got ${String(budget)})`);
  const file = options.file ?? tuningFilePath();
  const timer = options.timer ?? realTimer();
  const progress = options.progress === false ? () => {} : (options.progress ?? stderrProgress());
  const threads = getThreads();
  const cutoverOpt = options.cutovers ?? threads > 1;
  const sampler: CutoverSampler | undefined = cutoverOpt === false ? undefined : cutoverOpt === true ? realSampler() : cutoverOpt;
  const cells = options.cells ?? calibrationCells();
  if (cells.length === 0) throw new ConvError("calibrate: no cells");
  const start = clock();
  const elapsed = () => clock() - start;
  // Phase deadlines as shares of the budget: fit runs, fit, fresh run, cut-overs.
  // The first pass gets the most: it also pays for compiling (JIT) every method's code.
  // The last deadline leaves 3% for the sample in flight when it passes (a 512³ GEMM pair, a fresh cell).
  const share = sampler ? [0.3, 0.52, 0.6, 0.8, 0.97] : [0.34, 0.6, 0.7, 0.97];
  const deadline = (phase: number) => share[phase] * budget;

  const pass = (name: string, list: readonly CalibrationCell[], until: number) => {
    const times: Array<Partial<Record<ConvMethodName, number>>> = [];
    for (const c of list) {
      if (times.length > 0 && elapsed() > until) break;
      const info = cellInfo(c);
      const macs = info.outHeight * info.outWidth * info.kernelHeight * info.kernelWidth * info.inChannels;
      const t: Partial<Record<ConvMethodName, number>> = {};
      for (const m of CONV_METHODS) {
        if (m !== "fft" && macs > DIRECT_MACS_LIMIT) continue;
        const ms = timer(m, c, info);
        if (!(Number.isFinite(ms) && ms >= 0)) throw new ConvError(`calibrate: the timer gave ${String(ms)} ms for ${m} at n${c.n} f${c.f}`);
        t[m] = ms;
      }
      times.push(t);
      progress({ phase: name, done: times.length, total: list.length, elapsedMs: elapsed() });
    }
    if (times.length < list.length) progress({ phase: name, done: list.length, total: list.length, elapsedMs: elapsed() });
    return times;
  };

  const run1 = pass("fit run 1", cells, deadline(0));
  const used = cells.slice(0, run1.length);
  const run2 = pass("fit run 2", used, deadline(1));
  const fitCells = used.slice(0, run2.length);
  const points1 = toPoints(fitCells, run1.slice(0, fitCells.length), threads);
  const points2 = toPoints(fitCells, run2, threads);
  progress({ phase: "fitting", done: 0, total: 1, elapsedMs: elapsed() });
  const costs = fitConstants(mergeRuns([points1, points2]), [...points1, ...points2], options.starts ?? 8, () => elapsed() > deadline(2));
  progress({ phase: "fitting", done: 1, total: 1, elapsedMs: elapsed() });
  const run3 = pass("fresh run", fitCells, deadline(3));
  const freshPoints = toPoints(fitCells.slice(0, run3.length), run3, threads);
  const defaults = judgeFresh(freshPoints, DEFAULT_CONV_COSTS);
  const fresh: CalibrationGridEval[] = judgeFresh(freshPoints, costs).map((g, i) => ({ ...g, defaultsWorst: defaults[i].worst }));

  const cutovers: { fftMinSamples?: number; gemmMinWork?: number } = {};
  const cutoverSamples: Partial<Record<keyof ThreadCutovers, readonly CutoverSample[]>> = {};
  if (sampler) {
    const paths: Array<keyof ThreadCutovers> = ["fftMinSamples", "gemmMinWork"];
    paths.forEach((p, i) => {
      progress({ phase: "thread cut-overs", done: i, total: paths.length, elapsedMs: elapsed() });
      const until = deadline(3) + ((i + 1) / paths.length) * (budget - deadline(3));
      const samples = sampler(p, threads, () => elapsed() > until);
      cutoverSamples[p] = samples;
      if (samples.length > 0) cutovers[p] = cutoverFromFamilies(samples);
    });
    progress({ phase: "thread cut-overs", done: paths.length, total: paths.length, elapsedMs: elapsed() });
  }
  const durationMs = elapsed();
  const worst = Math.max(...fresh.map((g) => g.worst));
  const record: TuningRecord = {
    version: TUNING_VERSION,
    machine: machineId(),
    threads,
    created: new Date().toISOString(),
    costs,
    cutovers,
    report: { budgetMs: budget, durationMs, cells: [run1.length, run2.length, run3.length], fresh, cutoverSamples },
  };
  let written = false;
  if (options.write !== false) {
    try {
      writeTuning(file, record);
    } catch (err) {
      throw new ConvError(`calibrate: could not write ${file} (${(err as Error).message}); set XDG_CACHE_HOME to a writable folder`);
    }
    written = true;
    resetTuning(); // this process now uses the new file too
  }
  return { file, written, record, fresh, worst, durationMs, cellsTimed: [run1.length, run2.length, run3.length], cutoverSamples };
}

/** The command line's summary of a calibration (what `npx einconv calibrate` prints). */
export function formatCalibration(r: CalibrationResult): string {
  const ratio = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : "inf");
  const lines = [
    `einconv calibrate: ${r.record.machine.cpu}, ${r.record.threads} thread${r.record.threads > 1 ? "s" : ""}, ${(r.durationMs / 1000).toFixed(1)} s, cells timed per pass ${r.cellsTimed.join(" / ")}`,
    "fresh run (not used for fitting): worst time of the chosen method / fastest method",
    ...r.fresh.map((g) => `  grid ${g.grid} (${g.points} cells): ${ratio(g.worst)} at ${g.at}; shipped defaults ${ratio(g.defaultsWorst)}`),
    `  worst overall ${ratio(r.worst)}`,
  ];
  const cut = r.record.cutovers;
  const never = (v: number | undefined) => (v === undefined ? "not measured" : v >= Number.MAX_SAFE_INTEGER ? "never (one thread was always faster)" : String(v));
  lines.push(`thread cut-overs: FFT from ${never(cut.fftMinSamples)} samples, GEMM from ${never(cut.gemmMinWork)} multiply-adds`);
  lines.push(r.written ? `written to ${r.file}` : `not written (dry run; would go to ${r.file})`);
  return lines.join("\n");
}
