/**
 * Rendering vega-lite v5 specs headless (SVG via vega's `toSVG`, PNG via
 * resvg) and displaying them as one MIME bundle that both JupyterLab (live
 * vega-lite) and static HTML (the SVG) can show.
 *
 * vega / vega-lite are loaded lazily with `require` on first use: they are
 * version 5 on purpose (v6 is ESM-only and cannot be `require`d by tslab).
 * Their types appear only inside function bodies, so this module's `.d.ts`
 * does not import them (a consumer without vega still type-checks).
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { TopLevelSpec as VegaLiteSpec } from "vega-lite";
import { INSPECT_CUSTOM, JUPYTER_DISPLAY } from "../display_hook";
import { type DisplayOptions, type MimeBundle, resolveDisplay } from "./display";
import { type ChartSpec, VEGA_LITE_MIME } from "./spec";

export { type ChartSpec, VEGA_LITE_MIME, VEGA_LITE_SCHEMA } from "./spec";

/**
 * einconv's earlier name for {@link ChartSpec} (kept so notebooks that annotate
 * `const spec: TopLevelSpec = {...}` keep compiling).
 */
export type TopLevelSpec = ChartSpec;

/**
 * What the rendering helpers accept: any vega-lite v5 top-level spec object
 * (a {@link ChartSpec} from einconv's builders, a literal, or a value typed
 * with vega-lite's own `TopLevelSpec`). vega-lite validates it when compiling.
 */
export type AnySpec = ChartSpec | object;

/** Options for {@link renderChart}. */
export interface RenderOptions {
  /** Also rasterize to PNG. Default false. */
  png?: boolean;
  /** PNG pixels per SVG unit. Default 2 (crisp on high-DPI screens and in READMEs). */
  pngScale?: number;
}

/** A chart rendered headless. */
export interface RenderedChart {
  /** Standalone SVG document; element ids are made unique so several charts can share one HTML page. */
  svg: string;
  /** PNG bytes when requested. */
  png?: Uint8Array;
  /** Milliseconds spent compiling + rendering (SVG and PNG). */
  renderMs: number;
}

/**
 * Compiles a vega-lite spec and renders it without a browser.
 *
 * @example
 * const { svg, png } = await renderChart(imshowSpec(x), { png: true });
 */
export async function renderChart(spec: AnySpec, options: RenderOptions = {}): Promise<RenderedChart> {
  const start = performance.now();
  const [vega, vl] = await Promise.all([import("vega"), import("vega-lite")]);
  const view = new vega.View(vega.parse(vl.compile(spec as VegaLiteSpec).spec), { renderer: "none" });
  let svg: string;
  try {
    svg = uniquifySvgIds(await view.toSVG());
  } finally {
    view.finalize();
  }
  const png = options.png ? await rasterize(svg, options.pngScale ?? 2) : undefined;
  return { svg, png, renderMs: performance.now() - start };
}

/** Renders SVG text to PNG bytes with resvg (fonts: system DejaVu Sans, see README). */
export async function rasterize(svg: string, scale = 2): Promise<Uint8Array> {
  const { Resvg } = await import("@resvg/resvg-js");
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" },
  });
  return new Uint8Array(resvg.render().asPng());
}

/**
 * vega numbers gradient/clip ids per process (`gradient_0`...), so two
 * kernels' charts on one page could collide; prefix them with a random token.
 */
function uniquifySvgIds(svg: string): string {
  const token = "c" + randomBytes(4).toString("hex");
  return svg.replace(/(\bid="|url\(#|href="#)([^")]+)/g, `$1${token}-$2`);
}

/** Options for {@link displayChart}. */
export interface ChartDisplayOptions extends DisplayOptions, RenderOptions {
  /** `text/plain` fallback. Default: the chart title, or "vega-lite chart". */
  alt?: string;
  /**
   * The static image for HTML pages: "svg", "png", or "auto" (default): SVG
   * unless it exceeds 1 MB (big heatmaps: one element per cell), then PNG.
   */
  staticFormat?: "svg" | "png" | "auto";
}

/** SVG size above which "auto" switches the static image to PNG. */
const MAX_INLINE_SVG = 1_000_000;

/**
 * The MIME bundle for a chart: vega-lite JSON (JupyterLab renders it live),
 * a static image for HTML pages and the classic notebook (SVG, or PNG for
 * very large charts, see `staticFormat`), optional PNG, and a text fallback.
 */
export async function chartBundle(spec: AnySpec, options: ChartDisplayOptions = {}): Promise<MimeBundle> {
  const rendered = await renderChart(spec, options);
  const format = options.staticFormat ?? "auto";
  const svgFits = format === "svg" || (format === "auto" && rendered.svg.length <= MAX_INLINE_SVG);
  const png = rendered.png ?? (svgFits ? undefined : await rasterize(rendered.svg, options.pngScale ?? 2));
  const bundle: Record<string, string | object> = { [VEGA_LITE_MIME]: spec };
  if (svgFits) bundle["image/svg+xml"] = rendered.svg;
  if (png) bundle["image/png"] = Buffer.from(png).toString("base64");
  bundle["text/plain"] = options.alt ?? titleText(spec) ?? "vega-lite chart";
  return bundle;
}

function titleText(spec: AnySpec): string | undefined {
  const title = (spec as { title?: unknown }).title;
  if (typeof title === "string") return title;
  if (title && typeof title === "object" && "text" in title) {
    const text = (title as { text: unknown }).text;
    return Array.isArray(text) ? text.join(" ") : typeof text === "string" ? text : undefined;
  }
  return undefined;
}

/** A rendered chart as a value that displays itself (see {@link chart}). */
export interface ChartValue {
  readonly spec: AnySpec;
  /** The same MIME bundle {@link displayChart} sends. */
  readonly bundle: MimeBundle;
  /** Deno's Jupyter kernel calls this to display the value. */
  [JUPYTER_DISPLAY](): MimeBundle;
  /** One line for `console.log` / tslab's last value (tslab shows charts through displayChart). */
  [INSPECT_CUSTOM](): string;
}

/**
 * Renders a chart into a value that carries its MIME bundle: a cell ending in
 * `await chart(spec)` displays it in Deno's Jupyter kernel (through
 * `[Symbol.for("Jupyter.display")]()`). tslab prints a last value as text, so
 * there use {@link displayChart}, which sends the same bundle.
 *
 * @example
 * await chart(imshowSpec(x));   // Deno: drawn; tslab: prints "[chart: ...]"
 */
export async function chart(spec: AnySpec, options: ChartDisplayOptions = {}): Promise<ChartValue> {
  const bundle = await chartBundle(spec, options);
  const text = `[chart: ${String(bundle["text/plain"])}]`;
  return { spec, bundle, [JUPYTER_DISPLAY]: () => bundle, [INSPECT_CUSTOM]: () => text };
}

/**
 * Displays a vega-lite chart in the notebook. Rendering is asynchronous:
 * `await` it (tslab cells accept top-level `await`), otherwise the output may
 * land after the cell finished.
 *
 * @example
 * await displayChart({ $schema: VEGA_LITE_SCHEMA, data: { values }, mark: "line", encoding });
 */
export async function displayChart(spec: AnySpec, options: ChartDisplayOptions = {}): Promise<void> {
  const target = resolveDisplay(options.target); // fail before rendering when outside a notebook
  target.display(await chartBundle(spec, options));
  // Let the event loop run once so Deno's kernel sends the message within this cell (see benchmark).
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Renders a chart to a file; the format follows the extension (`.svg` or
 * `.png`). Creates the directory if needed and returns the absolute path.
 *
 * @example
 * await saveChart(benchHeatmapsSpec(rows, { x: "n", y: "f" }), "../docs/heatmaps.png");
 */
export async function saveChart(spec: AnySpec, file: string, options: Omit<RenderOptions, "png"> = {}): Promise<string> {
  const ext = path.extname(file).toLowerCase();
  if (ext !== ".svg" && ext !== ".png") throw new Error(`saveChart: use a .svg or .png file name, got ${JSON.stringify(file)}`);
  const rendered = await renderChart(spec, { ...options, png: ext === ".png" });
  const abs = path.resolve(file);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, ext === ".png" && rendered.png ? rendered.png : rendered.svg);
  return abs;
}
