/**
 * Heatmaps of 2-D planes taken from 2-D, 3-D (HWC) or 4-D (NCHW / NHWC / OIHW
 * / HWIO) arrays, and side-by-side input / kernel / output panels.
 */
import type { ColorScheme } from "vega";
import type { Field } from "vega-lite/build/src/channeldef";
import type { LayerSpec } from "vega-lite/build/src/spec";
import type { Tensor } from "../types";
import { type ChartDisplayOptions, displayChart } from "./charts";
import { type ChartSpec, VEGA_LITE_SCHEMA } from "./spec";
import { NotebookError } from "./display";

/** Which 2-D plane of an N-D array to draw. */
export interface PlaneOptions {
  /**
   * One letter per axis: `H` and `W` are the image axes, `N`/`O` the batch (or
   * output-channel) axis picked by `batch`, `C`/`I` the channel axis picked by
   * `channel`. Defaults: 2-D "HW", 3-D "HWC", 4-D "NCHW".
   * Kernels: "OIHW" (PyTorch) or "HWIO" (the `[F, F, Cin, Cout]` filters of TensorFlow).
   */
  layout?: string;
  /** Index along the N/O axis. Default 0. */
  batch?: number;
  /** Index along the C/I axis. Default 0. */
  channel?: number;
}

/** A plane copied out of an array (a copy: the chart needs plain values anyway). */
export interface Plane {
  rows: number;
  cols: number;
  /** Row-major values, `rows * cols` long. */
  values: Float64Array;
  /** Shape of the whole array the plane came from. */
  shape: number[];
  /** Which indices were picked, e.g. "batch 0, channel 2"; empty for 2-D input. */
  picked: string;
}

const DEFAULT_LAYOUT: Readonly<Record<number, string>> = { 2: "HW", 3: "HWC", 4: "NCHW" };

const ROLE: Readonly<Record<string, "row" | "col" | "batch" | "channel">> = {
  H: "row",
  W: "col",
  N: "batch",
  O: "batch",
  C: "channel",
  I: "channel",
};

/**
 * Copies one 2-D plane out of a 2-D/3-D/4-D array.
 *
 * @example
 * selectPlane(x, { layout: "NHWC", batch: 1, channel: 2 }); // x[1, :, :, 2]
 */
export function selectPlane(x: Tensor, options: PlaneOptions = {}): Plane {
  const ndim = x.shape.length;
  const layout = (options.layout ?? DEFAULT_LAYOUT[ndim] ?? "").toUpperCase();
  if (layout.length !== ndim) {
    throw new NotebookError(`layout ${JSON.stringify(layout)} does not match an array with ${ndim} axes (shape [${x.shape.join(", ")}])`);
  }
  const roles = [...layout].map((letter) => {
    const role = ROLE[letter];
    if (!role) throw new NotebookError(`layout letter ${JSON.stringify(letter)} is not one of H W N O C I`);
    return role;
  });
  for (const role of ["row", "col", "batch", "channel"] as const) {
    const count = roles.filter((r) => r === role).length;
    if (count > 1 || (count === 0 && (role === "row" || role === "col"))) {
      throw new NotebookError(`layout ${JSON.stringify(layout)} needs exactly one H and one W and at most one batch (N/O) and channel (C/I) axis`);
    }
  }
  const picks = { batch: options.batch ?? 0, channel: options.channel ?? 0 };
  const index = roles.map((role, axis) => {
    if (role === "row" || role === "col") return 0;
    const i = picks[role];
    if (!Number.isInteger(i) || i < 0 || i >= x.shape[axis]) {
      throw new NotebookError(`${role} index ${i} is out of range for axis ${layout[axis]} of size ${x.shape[axis]}`);
    }
    return i;
  });
  const rowAxis = roles.indexOf("row");
  const colAxis = roles.indexOf("col");
  const rows = x.shape[rowAxis];
  const cols = x.shape[colAxis];
  const values = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    index[rowAxis] = r;
    for (let c = 0; c < cols; c++) {
      index[colAxis] = c;
      values[r * cols + c] = Number(x.get(...index));
    }
  }
  const picked = roles
    .map((role, axis) => (role === "batch" || role === "channel" ? `${layout[axis] === "O" ? "out" : layout[axis] === "I" ? "in" : role} ${index[axis]}` : ""))
    .filter(Boolean)
    .join(", ");
  return { rows, cols, values, shape: x.shape.slice(), picked };
}

/** Options for {@link imshowSpec}. */
export interface ImshowOptions extends PlaneOptions {
  /** Chart title. Default "array" followed by the shape and picked indices. */
  title?: string;
  /** Name used in the default title (plotConv passes "input", "kernel", "output"). */
  name?: string;
  /** Print each value in its cell. Default: when the plane has at most 144 cells. */
  annotate?: boolean;
  /** Cell size in pixels. Default: fits the longer side in about 300 px (4..32 px). */
  cellSize?: number;
  /** vega color scheme. Default "viridis", or "blueorange" centred on 0 when values have both signs. */
  scheme?: string;
  /** Refuse planes with more cells than this (the spec and SVG grow per cell). Default 16384 (128×128). */
  maxCells?: number;
}

/** Short label for a cell value: integers as is, others with 2 significant digits. */
function cellLabel(v: number): string {
  if (!Number.isFinite(v) || (Number.isInteger(v) && Math.abs(v) < 1e6)) return String(v);
  const a = Math.abs(v);
  if (a < 0.01 || a >= 1e6) return v.toExponential(0);
  return Number(v.toPrecision(2)).toString();
}

/** "7×7", "1×3×7×7". */
export function shapeText(shape: readonly number[]): string {
  return shape.length === 0 ? "scalar" : shape.join("×");
}

/** A heatmap layer spec without `$schema` (used alone or inside concatenations). */
function heatmapLayer(plane: Plane, options: ImshowOptions): LayerSpec<Field> {
  const maxCells = options.maxCells ?? 16384;
  if (plane.rows * plane.cols > maxCells) {
    throw new NotebookError(`plane ${plane.rows}×${plane.cols} has more than ${maxCells} cells; slice the array or raise maxCells`);
  }
  const values: Array<{ row: number; col: number; value: number; label: string }> = [];
  let min = Infinity;
  let max = -Infinity;
  for (let r = 0; r < plane.rows; r++) {
    for (let c = 0; c < plane.cols; c++) {
      const v = plane.values[r * plane.cols + c];
      if (Number.isFinite(v)) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      values.push({ row: r, col: c, value: v, label: cellLabel(v) });
    }
  }
  const diverging = options.scheme === undefined && min < 0 && max > 0;
  const scheme = (options.scheme ?? (diverging ? "blueorange" : "viridis")) as ColorScheme;
  const cell = options.cellSize ?? Math.max(4, Math.min(32, Math.floor(300 / Math.max(plane.rows, plane.cols))));
  // Size labels to fit the cell; by default annotate only when they stay legible.
  const labelChars = values.reduce((n, v) => Math.max(n, v.label.length), 1);
  const fontSize = Math.min(12, Math.floor((cell * 1.6) / labelChars), Math.floor(cell * 0.5));
  const annotate = options.annotate ?? (plane.rows * plane.cols <= 144 && fontSize >= 7);
  // Dark cells get white text: the low end of viridis, both outer ends of a diverging scheme
  // (with domainMid 0 each side spans its own extreme).
  const darkTest = diverging ? `datum.value < ${0.6 * min} || datum.value > ${0.6 * max}` : `datum.value < ${min + 0.45 * (max - min)}`;
  const name = options.name ?? "array";
  // The picked plane goes on a second line: one line "output 1×1×5×5 (batch 0, channel 0)" is wider
  // than a small panel and ran past the figure's right edge.
  const heading = `${name} ${shapeText(plane.shape)}`;
  const title = options.title ?? (plane.picked ? { text: [heading, `(${plane.picked})`], fontSize: 12 } : heading);
  const axis = { labelAngle: 0, labelOverlap: true, ticks: false, domain: false };
  const labels: LayerSpec<Field>["layer"] = annotate
    ? [
        {
          mark: { type: "text", fontSize: Math.max(6, fontSize) },
          encoding: {
            text: { field: "label" },
            color: { condition: { test: darkTest, value: "white" }, value: "black" },
          },
        },
      ]
    : [];
  return {
    title,
    data: { values },
    width: { step: cell },
    height: { step: cell },
    encoding: {
      x: { field: "col", type: "ordinal", title: null, axis },
      y: { field: "row", type: "ordinal", title: null, axis },
    },
    layer: [
      {
        // A hairline stroke in the fill color hides the anti-aliasing seams between cells.
        mark: { type: "rect", strokeWidth: 0.5 },
        encoding: {
          color: { field: "value", type: "quantitative", scale: diverging ? { scheme, domainMid: 0 } : { scheme }, title: null },
          stroke: { field: "value", type: "quantitative", scale: diverging ? { scheme, domainMid: 0 } : { scheme }, legend: null },
          tooltip: [
            { field: "row", type: "ordinal" },
            { field: "col", type: "ordinal" },
            { field: "value", type: "quantitative" },
          ],
        },
      },
      ...labels,
    ],
  };
}

/**
 * A vega-lite heatmap of a 2-D array, or of one plane of a 3-D/4-D array.
 *
 * @example
 * imshowSpec(x);                                         // 2-D
 * imshowSpec(img, { layout: "NHWC", batch: 0, channel: 2 }); // 4-D NHWC
 */
export function imshowSpec(x: Tensor, options: ImshowOptions = {}): ChartSpec {
  return { $schema: VEGA_LITE_SCHEMA, ...heatmapLayer(selectPlane(x, options), options) };
}

/**
 * Displays a heatmap of a 2-D array or one plane of a 3-D/4-D array.
 * Returns a Promise (rendering is async): `await imshow(x)` in the cell.
 *
 * @example
 * await imshow(out, { layout: "NCHW", batch: 0, channel: 5, title: "feature map 5" });
 */
export async function imshow(x: Tensor, options: ImshowOptions & ChartDisplayOptions = {}): Promise<void> {
  await displayChart(imshowSpec(x, options), options);
}

/** Arrays shown by {@link plotConv}. */
export interface ConvPanels {
  input: Tensor;
  kernel: Tensor;
  output: Tensor;
}

/** Per-panel plane options and a figure title for {@link plotConv}. */
export interface PlotConvOptions {
  input?: ImshowOptions;
  kernel?: ImshowOptions;
  output?: ImshowOptions;
  /** Figure title above the three panels. */
  title?: string;
  /**
   * Layout of input and output for panels that don't set their own; a 4-D
   * kernel then reads as "OIHW" (for "NCHW") or "HWIO" (for "NHWC").
   */
  layout?: string;
}

/** The figure-wide layout as it applies to one panel: 4-D kernels are OIHW/HWIO, other ranks use their default. */
function sharedLayout(layout: string | undefined, name: string, ndim: number): string | undefined {
  // A 4-D kernel beside 4-D NCHW data (the default) is OIHW: its panel reads "out 0, in 0", not "batch 0, channel 0".
  if (!layout && name === "kernel" && ndim === 4) return "OIHW";
  if (!layout || layout.length !== ndim) return undefined;
  if (name === "kernel") return ({ NCHW: "OIHW", NHWC: "HWIO" } as Record<string, string>)[layout.toUpperCase()] ?? layout;
  return layout;
}

/**
 * Three heatmaps side by side (input, kernel, output), each with its own
 * color scale and its full shape in the title.
 *
 * @example
 * plotConvSpec({ input: x, kernel: k, output: y });
 * plotConvSpec({ input: x, kernel: w, output: y }, { layout: "NHWC", kernel: { batch: 3 }, output: { channel: 3 } }); // w is HWIO
 */
export function plotConvSpec(panels: ConvPanels, options: PlotConvOptions = {}): ChartSpec {
  const names = ["input", "kernel", "output"] as const;
  const hconcat = names.map((name) => {
    const own = options[name] ?? {};
    const layout = own.layout ?? sharedLayout(options.layout, name, panels[name].shape.length);
    const panel: ImshowOptions = { ...own, name: own.name ?? name, layout };
    return heatmapLayer(selectPlane(panels[name], panel), panel);
  });
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(options.title ? { title: options.title } : {}),
    hconcat,
    resolve: { scale: { color: "independent", stroke: "independent" } },
    config: { concat: { spacing: 24 } },
  };
}

/**
 * Displays input, kernel and output heatmaps side by side. `await` it.
 *
 * @example
 * await plotConv({ input: x, kernel: k, output: convolve(x, k, { stride: 2 }) }, { title: "stride 2" });
 */
export async function plotConv(panels: ConvPanels, options: PlotConvOptions & ChartDisplayOptions = {}): Promise<void> {
  await displayChart(plotConvSpec(panels, options), options);
}
