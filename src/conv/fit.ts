/**
 * The fit of `auto`'s cost constants (src/conv/auto.ts) to measured times: one
 * implementation shared by the benchmark's fit (bench/fit_auto.ts, on recorded grid
 * runs) and `einconv calibrate` (src/conv/calibrate.ts, on timings taken there and then).
 *
 * Pure functions of the points: no timing and no files here. Two stages:
 * 1. per method, a non-negative least-squares fit of the model's linear form to the
 *    times, weighted by 1/time so every point counts by its relative error;
 * 2. a multiplicative coordinate search from that fit that minimises the worst
 *    "chosen method time / fastest method time" per grid, then the mean over every
 *    run: the model only has to rank the methods, and a good regression is not always
 *    the best ranking.
 */
import { chooseConvMethod, CONV_METHODS, DEFAULT_CONV_COSTS, estimateConvCosts, type ConvCostConstants, type ConvCostFeatures, type ConvMethodName } from "./auto";
import type { ConvInfo } from "./info";

/** Median of a non-empty list. */
function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

/** Which work count each constant multiplies ("call" = a constant 1 per call): the linear form of estimateConvCosts. */
const FEATURE_OF: { [M in ConvMethodName]: Record<keyof ConvCostConstants[M], keyof ConvCostFeatures | "call"> } = {
  fft: { perModelNs: "fftSerialModelNs", perThreadedModelNs: "fftThreadedModelNs", perCall: "call" },
  submatrix: { perMac: "macs", perSlabElement: "slabElements", perTap: "taps", perSpilledLine: "spilledLines", perCall: "call" },
  strided: { perMac: "macs", perOutput: "outputs", perDataElement: "dataElements", perCall: "call" },
};

/** A grid point with its work counts and measured times (ns) per method (absent = not run). */
export interface FitPoint {
  grid: number;
  n: number;
  f: number;
  features: ConvCostFeatures;
  info: ConvInfo;
  /** einconv's thread count in that run (rows from before the thread pool: 1); the features and choices are for it. */
  threads: number;
  times: Partial<Record<ConvMethodName, number>>;
  /** Measured time of `auto` as it ran in the benchmark (ns), when present. */
  auto?: number;
}

/**
 * Merges runs of the same grids: per point and method, the median of the runs' times
 * (the mean of two). Some methods' times vary from run to run by more than the gap
 * to the next best method (the sub-matrix passes on large 3-D data, sensitive to cache
 * state), so the model is fitted to typical times rather than to a lucky best run.
 */
export function mergeRuns(runs: FitPoint[][]): FitPoint[] {
  const byKey = new Map<string, FitPoint[]>();
  for (const run of runs) {
    for (const p of run) {
      const key = `${p.grid}|${p.n}|${p.f}`;
      byKey.set(key, [...(byKey.get(key) ?? []), p]);
    }
  }
  const typical = (values: number[]) => (values.length ? median(values) : undefined);
  return [...byKey.values()].map((same) => {
    const times: Partial<Record<ConvMethodName, number>> = {};
    for (const m of CONV_METHODS) {
      const t = typical(same.flatMap((p) => (p.times[m] === undefined ? [] : [p.times[m]!])));
      if (t !== undefined) times[m] = t;
    }
    return { ...same[0], times, auto: typical(same.flatMap((p) => (p.auto === undefined ? [] : [p.auto]))) };
  });
}

function featureValue(features: ConvCostFeatures, name: keyof ConvCostFeatures | "call"): number {
  return name === "call" ? 1 : features[name];
}

/** estimateConvCosts through FEATURE_OF; checked against the real one so the two cannot drift apart. */
export function checkFeatureMap(points: FitPoint[]): void {
  for (const p of points.slice(0, 5)) {
    const real = estimateConvCosts(p.info, DEFAULT_CONV_COSTS, p.threads);
    for (const m of CONV_METHODS) {
      const consts = DEFAULT_CONV_COSTS[m] as Record<string, number>;
      const mine = Object.entries(FEATURE_OF[m]).reduce((s, [c, feat]) => s + consts[c] * featureValue(p.features, feat as keyof ConvCostFeatures | "call"), 0);
      if (Math.abs(mine - real[m]) > 1e-6 * Math.abs(real[m])) {
        throw new Error(`fit_auto's feature map for ${m} no longer matches estimateConvCosts in src/conv/auto.ts; update FEATURE_OF`);
      }
    }
  }
}

/** Solves the small dense system `a x = b` by Gaussian elimination with partial pivoting (null if singular). */
function solve(a: number[][], b: number[]): number[] | null {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) pivot = r;
    if (Math.abs(m[pivot][c]) < 1e-12) return null;
    [m[c], m[pivot]] = [m[pivot], m[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const k = m[r][c] / m[c][c];
      for (let j = c; j <= n; j++) m[r][j] -= k * m[c][j];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

/**
 * Non-negative least squares `min |A x - b|^2, x >= 0` for a handful of unknowns, by
 * trying every support set (2^k small systems) and keeping the best feasible one.
 */
export function nnls(A: number[][], b: number[]): number[] {
  const k = A[0].length;
  // Columns scaled to unit norm: the work counts span ten orders of magnitude.
  const norms = Array.from({ length: k }, (_, j) => Math.sqrt(A.reduce((s, row) => s + row[j] * row[j], 0)) || 1);
  const As = A.map((row) => row.map((v, j) => v / norms[j]));
  let best: number[] = new Array<number>(k).fill(0);
  let bestErr = b.reduce((s, v) => s + v * v, 0);
  for (let mask = 1; mask < 1 << k; mask++) {
    const cols = [...Array(k).keys()].filter((j) => mask & (1 << j));
    const ata = cols.map((i) => cols.map((j) => As.reduce((s, row) => s + row[i] * row[j], 0)));
    const atb = cols.map((i) => As.reduce((s, row, r) => s + row[i] * b[r], 0));
    const x = solve(ata, atb);
    if (!x || x.some((v) => v < 0)) continue;
    const full = new Array<number>(k).fill(0);
    cols.forEach((j, i) => (full[j] = x[i]));
    const err = As.reduce((s, row, r) => s + (row.reduce((t, v, j) => t + v * full[j], 0) - b[r]) ** 2, 0);
    if (err < bestErr) {
      bestErr = err;
      best = full;
    }
  }
  return best.map((v, j) => v / norms[j]);
}

/** Stage 1: each method's constants by relative-error NNLS on the points where it ran. */
export function leastSquaresFit(points: FitPoint[]): ConvCostConstants {
  const fitted = structuredClone(DEFAULT_CONV_COSTS);
  for (const m of CONV_METHODS) {
    const names = Object.keys(FEATURE_OF[m]) as string[];
    const used = points.filter((p) => p.times[m] !== undefined);
    if (used.length < names.length) continue;
    const A = used.map((p) => names.map((c) => featureValue(p.features, (FEATURE_OF[m] as Record<string, keyof ConvCostFeatures | "call">)[c]) / p.times[m]!));
    const x = nnls(A, used.map(() => 1));
    const target = fitted[m] as Record<string, number>;
    // A work count no point has (no threaded FFT in one-thread runs): leave that constant absent (its default rule).
    names.forEach((c, j) => (A.every((row) => row[j] === 0) ? delete target[c] : (target[c] = x[j])));
  }
  return fitted;
}

/** Time of the method the model picks at a point over the fastest measured one (Infinity if it picks one that was not run). */
export function choiceRatio(p: FitPoint, constants: ConvCostConstants): number {
  const chosen = chooseConvMethod(p.info, constants, p.threads).method;
  const best = Math.min(...Object.values(p.times));
  const t = p.times[chosen];
  return t === undefined ? Infinity : t / best;
}

/** Worst ratio per grid (and overall) for a set of constants. */
export function worstByGrid(points: FitPoint[], constants: ConvCostConstants): Map<number, { worst: number; at: string; mean: number }> {
  const out = new Map<number, { worst: number; at: string; mean: number }>();
  for (const grid of [...new Set(points.map((p) => p.grid))].sort()) {
    const ps = points.filter((p) => p.grid === grid);
    const ratios = ps.map((p) => choiceRatio(p, constants));
    const i = ratios.indexOf(Math.max(...ratios));
    const mean = Math.exp(ratios.reduce((s, r) => s + Math.log(Math.min(r, 1e6)), 0) / ratios.length);
    out.set(grid, { worst: ratios[i], at: `n${ps[i].n} f${ps[i].f} -> ${chooseConvMethod(ps[i].info, constants, ps[i].threads).method}`, mean });
  }
  return out;
}

/**
 * What stage 2 minimises: the sum over grids of the worst ratio on the merged (typical)
 * points, then (weakly) the geometric-mean ratio over every separate run. Summed per
 * grid, so the grid with the worst point does not leave the others without pressure;
 * not taken per run, since one disturbed timing in one run (both fft and submatrix
 * twice as slow at one point) would pin it whatever the constants.
 */
export function rankingObjective(points: FitPoint[], runPoints: FitPoint[], constants: ConvCostConstants): number {
  let worst = 0;
  for (const w of worstByGrid(points, constants).values()) worst += Math.min(w.worst, 1e6);
  const ratios = runPoints.map((p) => choiceRatio(p, constants));
  const meanLog = ratios.reduce((s, r) => s + Math.log(Math.min(r, 1e6)), 0) / ratios.length;
  return worst + 0.1 * meanLog;
}

/** Stage 2: multiplicative coordinate search on every constant, from `start` (see {@link rankingObjective}). */
export function refineForRanking(points: FitPoint[], start: ConvCostConstants, runPoints: FitPoint[] = points): ConvCostConstants {
  const current = structuredClone(start);
  const slots: Array<{ get: () => number; set: (v: number) => void }> = [];
  for (const m of CONV_METHODS) {
    const rec = current[m] as Record<string, number>;
    for (const c of Object.keys(rec)) {
      if (rec[c] <= 0) rec[c] = 1e-3; // lets a constant NNLS set to zero grow back
      slots.push({ get: () => rec[c], set: (v) => (rec[c] = v) });
    }
  }
  let score = rankingObjective(points, runPoints, current);
  const factors = [8, 3, 1.5, 1.15, 1 / 1.15, 1 / 1.5, 1 / 3, 1 / 8];
  for (let round = 0; round < 40; round++) {
    let improved = false;
    for (const slot of slots) {
      const old = slot.get();
      let bestValue = old;
      for (const f of factors) {
        slot.set(old * f);
        const s = rankingObjective(points, runPoints, current);
        if (s < score - 1e-9) {
          score = s;
          bestValue = old * f;
          improved = true;
        }
      }
      slot.set(bestValue);
    }
    if (!improved) break;
  }
  return current;
}

/** Deterministic uniform numbers in [0, 1) (Park-Miller), so a fit is reproducible. */
function lehmer(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 16807) % 2147483647) / 2147483647;
}

/**
 * Scales every constant by one factor so the estimates match the measured times on
 * average (geometric mean over points and methods). Choices depend only on the
 * constants' ratios, which the ranking search lets drift; this keeps estimates in ns.
 */
export function rescaleToTimes(points: FitPoint[], constants: ConvCostConstants): ConvCostConstants {
  let sumLog = 0;
  let count = 0;
  for (const p of points) {
    const est = estimateConvCosts(p.info, constants, p.threads);
    for (const m of CONV_METHODS) {
      const t = p.times[m];
      if (t !== undefined && est[m] > 0) {
        sumLog += Math.log(t / est[m]);
        count++;
      }
    }
  }
  const factor = count ? Math.exp(sumLog / count) : 1;
  const out = structuredClone(constants);
  for (const m of CONV_METHODS) {
    const rec = out[m] as Record<string, number>;
    for (const c of Object.keys(rec)) rec[c] *= factor;
  }
  return out;
}

/**
 * Full fit: least squares on `points` (merged runs), then ranking refinement (see
 * {@link rankingObjective}; `runPoints` are the separate runs behind the merged points,
 * which steer it away from a method whose time varies from run to run when a steadier
 * one is nearly as fast). The coordinate search stalls in local optima, so it also
 * starts from `starts - 1` random perturbations of the least-squares constants (each
 * scaled by up to e^±1.5, fixed seed) and keeps the best; the result is rescaled to ns.
 * `shouldStop` (checked before each start after the first) ends the search early.
 */
export function fitConstants(points: FitPoint[], runPoints: FitPoint[] = points, starts = 32, shouldStop: () => boolean = () => false): ConvCostConstants {
  const lsq = leastSquaresFit(points);
  const random = lehmer(1);
  let best = lsq;
  let bestScore = Infinity;
  for (let i = 0; i < starts; i++) {
    if (i > 0 && shouldStop()) break; // calibrate's time budget: keep the best start so far
    const start = structuredClone(lsq);
    if (i > 0) {
      for (const m of CONV_METHODS) {
        const rec = start[m] as Record<string, number>;
        for (const c of Object.keys(rec)) rec[c] = (rec[c] || 1e-3) * Math.exp(3 * (random() - 0.5));
      }
    }
    const refined = refineForRanking(points, start, runPoints);
    const score = rankingObjective(points, runPoints, refined);
    if (score < bestScore) {
      bestScore = score;
      best = refined;
    }
  }
  return rescaleToTimes(points, best);
}

