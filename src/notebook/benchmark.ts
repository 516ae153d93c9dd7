/**
 * `benchmark`: time several implementations over a parameter grid, with
 * warm-up and repetitions, live progress in the notebook, and tidy rows.
 */
import { type DisplayTarget, type MimeBundle, NotebookError, kernelDisplay } from "./display";
import { escapeHtml } from "./format";

/** A grid parameter value (JSON-serializable). */
export type ParamValue = number | string | boolean;

/** One point of the grid, e.g. `{ n: 64, f: 5 }`. */
export type BenchParams = Record<string, ParamValue>;

/** Axes of a grid: every combination is run (first key varies slowest). */
export type ParamGrid<P extends BenchParams> = { readonly [K in keyof P]: readonly P[K][] };

/** Timing summary of one method at one grid point; times in seconds. */
export interface BenchTiming {
  median: number;
  min: number;
  mean: number;
  /** Number of timed calls (after warm-up). */
  repeats: number;
}

/** A tidy result row: the method, the grid point's parameters, the timing. */
export type BenchRow<P extends BenchParams = BenchParams> = P & BenchTiming & { method: string };

/** Progress report passed to `onProgress` after each (method, grid point). */
export interface BenchProgress<P extends BenchParams> {
  /** Finished (method, point) pairs, skipped ones included. */
  done: number;
  total: number;
  method: string;
  params: P;
  /** Undefined when the pair was skipped. */
  row?: BenchRow<P>;
  /** Seconds since the benchmark started (injected clock). */
  elapsed: number;
}

/** Options for {@link benchmark}. */
export interface BenchmarkOptions<P extends BenchParams, I> {
  /** Untimed calls before timing. Default 1. */
  warmup?: number;
  /** Timed calls, at least. Default 5. */
  repeats?: number;
  /** Keep timing until this many seconds were spent on the pair (never more than `maxRepeats` calls). Default 0. */
  minTime?: number;
  /** Cap on timed calls when `minTime` is set. Default 1000. */
  maxRepeats?: number;
  /** Builds the inputs for a grid point once, outside the timed region; passed to every method. */
  setup?: (params: P) => I;
  /** Return true to skip a (method, point) pair (e.g. a naive method on a large grid); it yields no row. */
  skip?: (method: string, params: P) => boolean;
  /** Called after every (method, point) pair. */
  onProgress?: (progress: BenchProgress<P>) => void;
  /**
   * Live progress output. Default: one output updated in place when running
   * in a notebook kernel (tslab or Deno), nothing elsewhere. `false` turns it off; a target
   * sends it there.
   */
  progress?: boolean | DisplayTarget;
  /** Title of the progress output. Default "benchmark". */
  label?: string;
  /** Millisecond clock. Default `performance.now`. Injected by tests. */
  now?: () => number;
}

/** Reserved keys a grid parameter must not use (they are row fields). */
const RESERVED = new Set(["method", "median", "min", "mean", "repeats"]);

/**
 * All combinations of a grid's axes, first key varying slowest.
 *
 * @example
 * expandGrid({ n: [8, 16], f: [3, 5] });
 * // [{ n: 8, f: 3 }, { n: 8, f: 5 }, { n: 16, f: 3 }, { n: 16, f: 5 }]
 */
export function expandGrid<P extends BenchParams>(grid: ParamGrid<P>): P[] {
  let points: BenchParams[] = [{}];
  for (const key of Object.keys(grid)) {
    const values = grid[key as keyof P] as readonly ParamValue[];
    points = points.flatMap((p) => values.map((v) => ({ ...p, [key]: v })));
  }
  return points as P[];
}

/** Median, min and mean of samples in seconds. */
export function summarizeTimes(samples: readonly number[]): BenchTiming {
  if (samples.length === 0) throw new NotebookError("summarizeTimes needs at least one sample");
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  return { median, min: sorted[0], mean, repeats: sorted.length };
}

/** Human-readable seconds, three significant digits: "812 µs", "3.40 ms", "1.25 s", "1254 s". */
export function formatSeconds(s: number): string {
  // Round to 3 digits before picking the unit: 999.6 µs reads "1.00 ms", not "1.00e+3 µs".
  const r = Number(s.toPrecision(3));
  if (r < 1e-3) return `${(r * 1e6).toPrecision(3)} µs`;
  if (r < 1) return `${(r * 1e3).toPrecision(3)} ms`;
  if (r < 1000) return `${r.toPrecision(3)} s`;
  return `${s.toFixed(0)} s`;
}

function paramsText(params: BenchParams): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
}

function progressBundle(label: string, p: BenchProgress<BenchParams> | undefined, total: number, finished: boolean): MimeBundle {
  const done = p?.done ?? 0;
  const last = p ? `${p.method} (${paramsText(p.params)}): ${p.row ? formatSeconds(p.row.median) : "skipped"}` : "starting";
  const elapsed = p?.elapsed ?? 0;
  const status = finished ? `done: ${total} runs in ${formatSeconds(elapsed)}` : `${done}/${total}, last ${last}`;
  const text = `${label}: ${status}`;
  const html =
    `<div style="font-family:monospace"><b>${escapeHtml(label)}</b> ` +
    `<progress value="${done}" max="${total}" style="vertical-align:middle"></progress> ` +
    `${escapeHtml(status)}</div>`;
  return { "text/plain": text, "text/html": html };
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Times each method at each grid point: `warmup` untimed calls, then at least
 * `repeats` timed calls (more while `minTime` is not reached). Inputs come
 * from `setup(params)`, built once per point outside the timing. Progress is
 * one notebook output updated in place (Jupyter `update_display_data`); the
 * loop yields to the event loop between pairs so the kernel can send it.
 *
 * Returns a Promise of tidy, JSON-serializable rows (times in seconds):
 * `{ method, ...params, median, min, mean, repeats }`.
 *
 * @example
 * const rows = await benchmark(
 *   { fft: (p, x) => convolve(x.img, x.k, { method: "fft" }), view: (p, x) => convolve(x.img, x.k, { method: "strided" }) },
 *   { n: [32, 64, 128], f: [3, 5, 9] },
 *   { setup: ({ n, f }) => ({ img: rand([n, n]), k: rand([f, f]) }), repeats: 5 },
 * );
 */
export async function benchmark<P extends BenchParams, I = undefined>(
  methods: Readonly<Record<string, (params: P, input: I) => unknown>>,
  grid: readonly P[] | ParamGrid<P>,
  options: BenchmarkOptions<P, I> = {},
): Promise<Array<BenchRow<P>>> {
  const points: P[] = Array.isArray(grid) ? [...(grid as readonly P[])] : expandGrid(grid as ParamGrid<P>);
  for (const p of points) {
    const bad = Object.keys(p).find((k) => RESERVED.has(k));
    if (bad) throw new NotebookError(`grid parameter ${JSON.stringify(bad)} clashes with a result field; rename it`);
  }
  const warmup = options.warmup ?? 1;
  const repeats = Math.max(1, options.repeats ?? 5);
  const minTime = options.minTime ?? 0;
  const maxRepeats = Math.max(repeats, options.maxRepeats ?? 1000);
  const now = options.now ?? (() => performance.now());
  const names = Object.keys(methods);
  const total = points.length * names.length;
  const label = options.label ?? "benchmark";

  const progressTarget = options.progress === false ? undefined : options.progress === true || options.progress === undefined ? kernelDisplay() : options.progress;
  const handle = progressTarget?.display(progressBundle(label, undefined, total, false));

  const rows: Array<BenchRow<P>> = [];
  const start = now();
  let done = 0;
  let sink: unknown;
  for (const params of points) {
    const runnable = names.filter((name) => !options.skip?.(name, params));
    const input = (runnable.length > 0 && options.setup ? options.setup(params) : undefined) as I;
    for (const name of names) {
      let row: BenchRow<P> | undefined;
      if (runnable.includes(name)) {
        const fn = methods[name];
        for (let i = 0; i < warmup; i++) sink = fn(params, input);
        const samples: number[] = [];
        let spent = 0;
        while (samples.length < repeats || (spent < minTime && samples.length < maxRepeats)) {
          const t0 = now();
          sink = fn(params, input);
          const seconds = (now() - t0) / 1000;
          samples.push(seconds);
          spent += seconds;
        }
        row = { method: name, ...params, ...summarizeTimes(samples) } as BenchRow<P>;
        rows.push(row);
      }
      done += 1;
      const progress: BenchProgress<P> = { done, total, method: name, params, row, elapsed: (now() - start) / 1000 };
      options.onProgress?.(progress);
      handle?.update(progressBundle(label, progress, total, false));
      await yieldToEventLoop();
    }
  }
  void sink;
  handle?.update(progressBundle(label, { done, total, method: "", params: {}, elapsed: (now() - start) / 1000 }, total, true));
  // Deno's kernel sends display messages from its event loop: let it run once, or the final
  // update can leave after the cell has finished (and land in no cell).
  if (handle) await yieldToEventLoop();
  return rows;
}
