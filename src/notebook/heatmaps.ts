/**
 * The speed-comparison figure: one heatmap per method (log10 time over input
 * size x kernel size), a "fastest method" map and time ratios against a
 * baseline method. Rows can come from `benchmark()` or from a JSON file of
 * numpy/scipy timings with the same row shape.
 */
import fs from "node:fs";
import type { Field, StringFieldDef } from "vega-lite/build/src/channeldef";
import type { NonNormalizedSpec } from "vega-lite/build/src/spec";
import type { BenchTiming, ParamValue } from "./benchmark";
import { NotebookError } from "./display";
import { type ChartDisplayOptions, displayChart } from "./charts";
import { type ChartSpec, VEGA_LITE_SCHEMA } from "./spec";

/** A timing row as `benchmark()` returns it or a Python script writes it. */
export type TimingRow = Readonly<Record<string, ParamValue>> & Readonly<BenchTiming> & { readonly method: string };

/**
 * What the heatmap functions read from a row: its method and timing, plus the `x`/`y` fields
 * looked up by name. No index signature, so `benchmark`'s own rows (`BenchRow<P>` — P's fields,
 * the timing and the method) pass as they are, as do `TimingRow`s from files.
 */
export type HeatmapRow = Readonly<BenchTiming> & { readonly method: string };

/** A row's field by name (the x/y axes): grid values are ParamValues; a missing field is undefined. */
function fieldOf(row: HeatmapRow, name: string): ParamValue | undefined {
  return (row as unknown as Readonly<Record<string, ParamValue | undefined>>)[name];
}

/** Options for {@link benchHeatmapsSpec}. */
export interface BenchHeatmapOptions {
  /** Row field on the x axis (input size), e.g. "n". */
  x: string;
  /** Row field on the y axis (kernel size), e.g. "f". */
  y: string;
  /** Method the ratio maps divide by. Default: no ratio maps. */
  baseline?: string;
  /** Timing statistic. Default "median". */
  value?: "median" | "min" | "mean";
  /** Methods to include, in this order. Default: all, in order of first appearance. */
  methods?: readonly string[];
  /** Figure title. */
  title?: string;
  /** Heatmap cell size in pixels. Default 26. */
  cellSize?: number;
  /** Facet columns. Default: up to 4 (one row for up to 4 methods). */
  columns?: number;
  /** Axis titles. Default: the field names. */
  xTitle?: string;
  yTitle?: string;
}

/** One method's time at one (x, y) point. */
export interface HeatCell {
  method: string;
  x: ParamValue;
  y: ParamValue;
  seconds: number;
  log10: number;
  label: string;
}

/** The fastest method at one point, and how much faster it is than the runner-up. */
export interface FastestCell {
  x: ParamValue;
  y: ParamValue;
  method: string;
  seconds: number;
  /** runner-up time / fastest time (>= 1); undefined with a single method. */
  margin?: number;
  label: string;
  /** Label color that reads on this method's fill ("black" or "white"). */
  ink: string;
}

/** time(method) / time(baseline) at one point. */
export interface RatioCell {
  method: string;
  x: ParamValue;
  y: ParamValue;
  ratio: number;
  log10: number;
  label: string;
}

/** The three data sets behind the figure. */
export interface BenchHeatmapData {
  methods: string[];
  cells: HeatCell[];
  fastest: FastestCell[];
  ratios: RatioCell[];
}

/**
 * Reads timing rows from a JSON file (an array of rows, or `{ rows: [...] }`)
 * and checks they carry `method` and `median`.
 *
 * @example
 * fs.writeFileSync("rows.json", JSON.stringify(await benchmark(methods, grid))); // rows in seconds
 * const rows = readTimingRows("rows.json");
 */
export function readTimingRows(file: string): TimingRow[] {
  const parsed: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
  const rows = Array.isArray(parsed) ? parsed : (parsed as { rows?: unknown }).rows;
  if (!Array.isArray(rows)) throw new NotebookError(`${file}: expected an array of rows or { rows: [...] }`);
  rows.forEach((r: unknown, i) => {
    const row = r as { method?: unknown; median?: unknown };
    if (typeof row?.method !== "string" || typeof row.median !== "number") {
      throw new NotebookError(`${file}: row ${i} needs a string "method" and a numeric "median" (seconds)`);
    }
  });
  return rows as TimingRow[];
}

function shortSeconds(s: number): string {
  if (s < 1e-3) return `${Number((s * 1e6).toPrecision(2))}µ`;
  if (s < 1) return `${Number((s * 1e3).toPrecision(2))}m`;
  return `${Number(s.toPrecision(2))}s`;
}

/** Ratio label with two significant digits ("0.53", "1.0", "16", "119"; below 0.01 "3e-3"), never "0.00". */
export function ratioLabel(r: number): string {
  if (!Number.isFinite(r)) return String(r);
  if (r >= 99.5) return r.toFixed(0);
  if (r >= 0.01) return r.toPrecision(2);
  return r.toExponential(0);
}

/** Margin label: one decimal below 10 ("×1.3"), whole numbers above ("×11"), so labels stay 4 characters wide. */
export function marginLabel(m: number): string {
  return `×${m < 9.95 ? m.toFixed(1) : Math.round(m).toFixed(0)}`;
}

/**
 * Shade ramps, light to dark, one per library (the word before the first space
 * or dot of a method name: "einconv fft", "numpy strided", "scipy.fftconvolve").
 */
const HUE_FAMILIES: readonly (readonly string[])[] = [
  ["#9ecae1", "#4292c6", "#08519c", "#08306b"], // blues
  ["#fdae6b", "#e6550d", "#a63603", "#7f2704"], // oranges
  ["#bcbddc", "#807dba", "#54278f", "#3f007d"], // purples
  ["#a1d99b", "#41ab5d", "#006d2c", "#00441b"], // greens
  ["#d9d9d9", "#969696", "#525252", "#252525"], // greys
];

/** Which shades of a 4-step ramp k methods of one library get: spread apart, light first. */
const SHADE_PICKS: readonly (readonly number[])[] = [[], [1], [0, 2], [0, 1, 2], [0, 1, 2, 3]];

/** A method's fill color and the label color that reads on it. */
export interface MethodColor {
  method: string;
  library: string;
  fill: string;
  ink: string;
}

function libraryOf(method: string): string {
  return method.split(/[ .]/)[0];
}

function relativeLuminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/**
 * Method colors: each library a hue family (in order of first appearance:
 * blues, oranges, purples, greens, greys), each of its methods a clearly
 * different shade; white labels on the dark shades.
 *
 * @example
 * methodColors(["einconv fft", "einconv strided", "numpy strided"]).map((c) => c.fill);
 * // ["#9ecae1", "#08519c", "#e6550d"]
 */
export function methodColors(methods: readonly string[]): MethodColor[] {
  const libraries = [...new Set(methods.map(libraryOf))];
  return methods.map((method) => {
    const library = libraryOf(method);
    const family = HUE_FAMILIES[libraries.indexOf(library) % HUE_FAMILIES.length];
    const siblings = methods.filter((m) => libraryOf(m) === library);
    const picks = SHADE_PICKS[Math.min(siblings.length, SHADE_PICKS.length - 1)];
    const index = siblings.indexOf(method);
    // More than four methods in one library: shades repeat (rare; pass fewer methods).
    const fill = family[picks[index % picks.length]];
    return { method, library, fill, ink: relativeLuminance(fill) < 0.2 ? "white" : "black" };
  });
}

function keyOf(x: ParamValue, y: ParamValue): string {
  return JSON.stringify([x, y]);
}

/**
 * Computes the per-method cells, the fastest-method map and the baseline
 * ratios. Throws if a (method, x, y) appears twice: filter other parameters
 * (e.g. stride) first.
 */
export function benchHeatmapData(rows: readonly HeatmapRow[], options: BenchHeatmapOptions): BenchHeatmapData {
  const stat = options.value ?? "median";
  const seen = [...new Set(rows.map((r) => r.method))];
  const methods = options.methods ? [...options.methods] : seen;
  const wanted = new Set(methods);
  const byPoint = new Map<string, { x: ParamValue; y: ParamValue; times: Map<string, number> }>();
  for (const row of rows) {
    if (!wanted.has(row.method)) continue;
    const x = fieldOf(row, options.x);
    const y = fieldOf(row, options.y);
    if (x === undefined || y === undefined) throw new NotebookError(`row for ${row.method} lacks field ${JSON.stringify(x === undefined ? options.x : options.y)}`);
    const key = keyOf(x, y);
    const point = byPoint.get(key) ?? { x, y, times: new Map<string, number>() };
    if (point.times.has(row.method)) {
      throw new NotebookError(`two rows for ${row.method} at ${options.x}=${x}, ${options.y}=${y}; filter the other parameters first`);
    }
    point.times.set(row.method, row[stat]);
    byPoint.set(key, point);
  }
  if (options.baseline !== undefined && !wanted.has(options.baseline)) {
    throw new NotebookError(`baseline ${JSON.stringify(options.baseline)} is not among the methods: ${methods.join(", ")}`);
  }

  const inkOf = new Map(methodColors(methods).map((c) => [c.method, c.ink]));
  const cells: HeatCell[] = [];
  const fastest: FastestCell[] = [];
  const ratios: RatioCell[] = [];
  for (const { x, y, times } of byPoint.values()) {
    const ranked = [...times.entries()].filter(([, s]) => s > 0 && Number.isFinite(s)).sort((a, b) => a[1] - b[1]);
    for (const [method, seconds] of times) {
      cells.push({ method, x, y, seconds, log10: Math.log10(seconds), label: shortSeconds(seconds) });
    }
    if (ranked.length > 0) {
      const [method, seconds] = ranked[0];
      const margin = ranked.length > 1 ? ranked[1][1] / seconds : undefined;
      fastest.push({ x, y, method, seconds, margin, label: margin === undefined ? "" : marginLabel(margin), ink: inkOf.get(method) ?? "black" });
    }
    const base = options.baseline !== undefined ? times.get(options.baseline) : undefined;
    if (base !== undefined && base > 0) {
      for (const [method, seconds] of times) {
        if (method === options.baseline) continue;
        const ratio = seconds / base;
        ratios.push({ method, x, y, ratio, log10: Math.log10(ratio), label: ratioLabel(ratio) });
      }
    }
  }
  return { methods, cells, fastest, ratios };
}

/**
 * The figure as one vega-lite spec (vertical concatenation of: heatmaps per
 * method on a shared log10-seconds color scale; fastest method per cell with
 * its margin over the runner-up; time ratio to `baseline` per method on a
 * diverging log scale, blue = faster than the baseline).
 *
 * @example
 * benchHeatmapsSpec([...einconvRows, ...readTimingRows("peer_rows.json")], { x: "n", y: "f", baseline: "scipy.fftconvolve" });
 */
export function benchHeatmapsSpec(rows: readonly HeatmapRow[], options: BenchHeatmapOptions): ChartSpec {
  const data = benchHeatmapData(rows, options);
  const cell = options.cellSize ?? 26;
  // One row per panel by default: a wrapped facet grid leaves an empty cell with a stray axis.
  const columns = options.columns ?? Math.max(1, data.methods.length);
  const stat = options.value ?? "median";
  const axes = {
    x: { field: "x", type: "ordinal", title: options.xTitle ?? options.x, axis: { labelAngle: 0, labelOverlap: true } },
    y: { field: "y", type: "ordinal", title: options.yTitle ?? options.y, sort: "descending", axis: { labelOverlap: true } },
  } as const;
  const size = { width: { step: cell }, height: { step: cell } };
  // Labels must fit their cell: at most 4-5 characters (see shortSeconds/marginLabel/ratioLabel),
  // DejaVu Sans digits are ~0.6 em wide, and a few pixels stay free between neighbours.
  const widest = Math.max(4, ...[...data.cells, ...data.fastest, ...data.ratios].map((c) => c.label.length));
  const fontSize = Math.max(6, Math.min(10, cell * 0.34, (cell - 5) / (0.62 * widest)));
  const palette = methodColors(data.methods);
  const tooltip = (field: string, format: string): Array<StringFieldDef<Field>> => [
    { field: "method" },
    { field: "x", title: options.x },
    { field: "y", title: options.y },
    { field, format },
  ];
  const header = { title: null, labelFontSize: 12, labelFontWeight: "bold" } as const;
  const ratioMethods = data.methods.filter((m) => m !== options.baseline);
  // Label colors that stay readable: white on the dark half of viridis / the saturated ends of redblue.
  const logTimes = data.cells.map((c) => c.log10).filter(Number.isFinite);
  const midLog = (Math.min(...logTimes) + Math.max(...logTimes)) / 2;
  // A symmetric diverging domain: equal ratios above and below 1 get equal color strength,
  // and one label threshold serves both sides.
  const ratioSpan = Math.max(1e-9, ...data.ratios.map((r) => Math.abs(r.log10)).filter(Number.isFinite));
  const labelColor = (test: string) => ({ condition: { test, value: "white" }, value: "black" });

  /** One heatmap per method (faceted), sharing one color scale, with value labels. */
  const facetedHeatmaps = (p: {
    title: string; values: object[]; sort: string[]; scale: object; legend: string; tooltipField: string; tooltipFormat: string; whiteWhen: string;
  }): NonNormalizedSpec => ({
    title: { text: p.title, anchor: "start" },
    data: { values: p.values },
    facet: { field: "method", type: "nominal", sort: p.sort, header },
    columns,
    spec: {
      ...size,
      encoding: axes,
      layer: [
        {
          mark: "rect",
          encoding: {
            color: { field: "log10", type: "quantitative", scale: p.scale, title: p.legend },
            tooltip: tooltip(p.tooltipField, p.tooltipFormat),
          },
        },
        { mark: { type: "text", fontSize }, encoding: { text: { field: "label" }, color: labelColor(p.whiteWhen) } },
      ],
    },
    resolve: { scale: { color: "shared" } },
  });

  const perMethod = facetedHeatmaps({
    title: `time per method: log10(${stat} seconds)`,
    values: data.cells,
    sort: data.methods,
    scale: { scheme: "viridis" },
    legend: "log10 s",
    tooltipField: "seconds",
    tooltipFormat: ".3e",
    whiteWhen: `datum.log10 < ${midLog}`,
  });

  const fastestPanel: NonNormalizedSpec = {
    title: { text: "fastest method (label: times faster than the runner-up)", anchor: "start" },
    data: { values: data.fastest },
    ...size,
    encoding: axes,
    layer: [
      {
        mark: "rect",
        encoding: {
          // Each library a hue family, each method a shade (methodColors); labels in each fill's ink.
          color: {
            field: "method",
            type: "nominal",
            scale: { domain: data.methods, range: palette.map((c) => c.fill) },
            title: "fastest",
          },
          tooltip: tooltip("margin", ".3~g"),
        },
      },
      { mark: { type: "text", fontSize }, encoding: { text: { field: "label" }, color: { field: "ink", type: "nominal", scale: null } } },
    ],
  };

  const panels: NonNormalizedSpec[] = [perMethod, fastestPanel];
  if (options.baseline !== undefined && data.ratios.length > 0) {
    panels.push(
      facetedHeatmaps({
        title: `time / time(${options.baseline}) (blue: faster than ${options.baseline})`,
        values: data.ratios,
        sort: ratioMethods,
        scale: { scheme: "redblue", reverse: true, domain: [-ratioSpan, ratioSpan] },
        legend: "log10 ratio",
        tooltipField: "ratio",
        tooltipFormat: ".3~g",
        whiteWhen: `abs(datum.log10) > ${0.6 * ratioSpan}`,
      }),
    );
  }

  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(options.title ? { title: { text: options.title, fontSize: 15 } } : {}),
    vconcat: panels,
    resolve: { scale: { color: "independent" } },
    config: { view: { stroke: null }, axis: { grid: false } },
  };
}

/**
 * Displays the speed-comparison figure (see {@link benchHeatmapsSpec}). `await` it.
 *
 * @example
 * await benchHeatmaps(rows, { x: "n", y: "f", baseline: "scipy.fftconvolve", title: "2-D, stride 1" });
 */
export async function benchHeatmaps(rows: readonly HeatmapRow[], options: BenchHeatmapOptions & ChartDisplayOptions): Promise<void> {
  await displayChart(benchHeatmapsSpec(rows, options), options);
}
