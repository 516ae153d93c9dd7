import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import ndarray from "ndarray";
import { inspect } from "node:util";
import type { JUPYTER_DISPLAY } from "../src/display_hook";
import * as vega from "vega";
import * as vl from "vega-lite";
import {
  NotebookError,
  arrayBundle,
  benchHeatmapData,
  benchHeatmapsSpec,
  chart,
  chartBundle,
  formatArray,
  imshowSpec,
  plotConvSpec,
  readTimingRows,
  recordingDisplay,
  renderChart,
  selectPlane,
  show,
  type TimingRow,
  type TopLevelSpec,
} from "../src/notebook";
import { check, pngChartFailures, svgChartFailures } from "./browser_check";

/** Compiles with vega-lite and collects its warnings (a spec mistake usually only warns). */
function compileWarnings(spec: TopLevelSpec): string[] {
  const warnings: string[] = [];
  const logger = vega.logger(vega.Warn, undefined, (method, _level, input) => {
    if (method === "error") throw new Error(Array.from(input, String).join(" "));
    warnings.push(Array.from(input, String).join(" "));
  });
  vl.compile(spec as unknown as vl.TopLevelSpec, { logger }); // einconv types specs loosely (ChartSpec) so its .d.ts need no vega-lite
  return warnings;
}

/** A 4-D array whose value encodes its index: v = 1000a + 100b + 10c + d. */
function indexCoded(shape: [number, number, number, number]): ndarray.NdArray<Float64Array> {
  const x = ndarray(new Float64Array(shape.reduce((a, b) => a * b)), shape);
  for (let a = 0; a < shape[0]; a++)
    for (let b = 0; b < shape[1]; b++)
      for (let c = 0; c < shape[2]; c++) for (let d = 0; d < shape[3]; d++) x.set(a, b, c, d, 1000 * a + 100 * b + 10 * c + d);
  return x;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

test("selectPlane picks the plane for each layout", () => {
  const x = indexCoded([2, 3, 4, 5]);
  const cases = [
    { layout: "NCHW", batch: 1, channel: 2, rows: 4, cols: 5, at: (r: number, c: number) => 1000 + 200 + 10 * r + c },
    { layout: "NHWC", batch: 1, channel: 4, rows: 3, cols: 4, at: (r: number, c: number) => 1000 + 100 * r + 10 * c + 4 },
    { layout: "HWIO", batch: 3, channel: 1, rows: 2, cols: 3, at: (r: number, c: number) => 1000 * r + 100 * c + 10 * 1 + 3 },
  ];
  for (const k of cases) {
    const plane = selectPlane(x, k);
    assert.equal(plane.rows, k.rows, k.layout);
    assert.equal(plane.cols, k.cols, k.layout);
    for (let r = 0; r < k.rows; r++) for (let c = 0; c < k.cols; c++) assert.equal(plane.values[r * k.cols + c], k.at(r, c), `${k.layout} ${r},${c}`);
  }
  // 3-D defaults to HWC.
  const hwc = ndarray(Float64Array.from({ length: 24 }, (_, i) => i), [2, 4, 3]);
  assert.deepEqual(Array.from(selectPlane(hwc, { channel: 1 }).values), [1, 4, 7, 10, 13, 16, 19, 22]);
  assert.throws(() => selectPlane(x, { layout: "NCHW", channel: 3 }), /out of range/);
  assert.throws(() => selectPlane(x, { layout: "NCH" }), /does not match/);
  assert.throws(() => selectPlane(x, { layout: "NHHW" }), /exactly one H/);
});

test("imshow and plotConv specs compile cleanly and render titled SVG and PNG", async () => {
  const input = indexCoded([1, 2, 7, 7]);
  const kernel = ndarray(new Float64Array([3, 4, 4, 1, 0, 2, -1, 0, 3]), [3, 3]);
  const output = ndarray(new Float64Array([91, 100, 88, 69, 91, 117, 44, 72, 74]), [3, 3]);

  const single = imshowSpec(input, { channel: 1, title: "channel one" });
  assert.deepEqual(compileWarnings(single), []);
  const panels = plotConvSpec({ input, kernel, output }, { title: "stride 2", input: { channel: 1 } });
  assert.deepEqual(compileWarnings(panels), []);

  const { svg, png } = await renderChart(panels, { png: true });
  assert.ok(svg.startsWith("<svg"));
  // A picked plane's title takes two lines (shape, then which plane) so it fits narrow panels.
  for (const title of ["stride 2", "input 1×2×7×7", "(batch 0, channel 1)", "kernel 3×3", "output 3×3"]) {
    assert.ok(svg.includes(`>${title}</text>`) || svg.includes(`>${title}</tspan>`), `missing title ${title}`);
  }
  // Annotations print the 3x3 output values.
  assert.ok(svg.includes(">117</text>"));
  assert.ok(png !== undefined);
  assert.deepEqual(Array.from(png.subarray(0, 8)), PNG_SIGNATURE);
  // Counted by what they show: every panel's cells (input 7×7, kernel 3×3, output 3×3) and the
  // annotations of the small panels; the PNG decodes to the data's colours, not just axes.
  assert.deepEqual(svgChartFailures(panels, svg), []);
  assert.deepEqual(svgChartFailures(single, (await renderChart(single)).svg), []);
  assert.equal(check.svgDataMarks(svg).marks.rect, 49 + 9 + 9);
  assert.deepEqual(pngChartFailures(panels, png), []);
});

test("plotConv reads a 4-D kernel beside NCHW data as OIHW", async () => {
  const x = ndarray(new Float64Array(2 * 3 * 5 * 5).map((_, i) => i % 7), [2, 3, 5, 5]);
  const w = ndarray(new Float64Array(4 * 3 * 3 * 3).map((_, i) => i % 5), [4, 3, 3, 3]);
  const y = ndarray(new Float64Array(2 * 4 * 3 * 3), [2, 4, 3, 3]);
  const { svg } = await renderChart(plotConvSpec({ input: x, kernel: w, output: y }));
  for (const title of ["(out 0, in 0)", "(batch 0, channel 0)"]) {
    assert.ok(svg.includes(`>${title}</text>`) || svg.includes(`>${title}</tspan>`), `missing title ${title}`);
  }
});

test("chart bundles carry vega-lite JSON, SVG and optional PNG", async () => {
  const spec = imshowSpec(ndarray(new Float64Array([1, 2, 3, 4]), [2, 2]), { title: "tiny" });
  const bundle = await chartBundle(spec, { png: true });
  assert.equal(bundle["application/vnd.vegalite.v5+json"], spec);
  assert.ok(String(bundle["image/svg+xml"]).includes(">tiny</text>"));
  assert.deepEqual(Array.from(Buffer.from(String(bundle["image/png"]), "base64").subarray(0, 8)), PNG_SIGNATURE);
  assert.equal(bundle["text/plain"], "tiny");
});

test("chart() values display themselves: Jupyter.display gives the bundle, inspect one line", async () => {
  const spec = imshowSpec(ndarray(new Float64Array([1, 2, 3, 4]), [2, 2]), { title: "tiny" });
  const value = await chart(spec);
  const bundle = value[Symbol.for("Jupyter.display") as typeof JUPYTER_DISPLAY]();
  assert.equal(bundle["application/vnd.vegalite.v5+json"], spec);
  assert.match(String(bundle["image/svg+xml"]), /<rect[^>]*>[\s\S]*>tiny<\/text>/);
  assert.equal(inspect(value), "[chart: tiny]");
});

test("large heatmaps fall back to a PNG static image", async () => {
  const big = ndarray(Float64Array.from({ length: 90 * 90 }, (_, i) => Math.sin(i / 40)), [90, 90]);
  const bundle = await chartBundle(imshowSpec(big));
  assert.equal(bundle["image/svg+xml"], undefined);
  assert.deepEqual(Array.from(Buffer.from(String(bundle["image/png"]), "base64").subarray(0, 8)), PNG_SIGNATURE);
  assert.deepEqual(pngChartFailures(imshowSpec(big), Buffer.from(String(bundle["image/png"]), "base64")), []);
  assert.throws(() => imshowSpec(ndarray(new Float64Array(200 * 200), [200, 200])), /maxCells/);
});

function row(method: string, n: number, f: number, median: number): TimingRow {
  return { method, n, f, median, min: median, mean: median, repeats: 3 };
}

test("benchHeatmapData: fastest method and ratios per cell", () => {
  const rows = [
    row("fft", 16, 3, 4e-3),
    row("strided", 16, 3, 1e-3),
    row("scipy.fftconvolve", 16, 3, 2e-3),
    row("fft", 32, 5, 2e-3),
    row("strided", 32, 5, 8e-3),
    row("scipy.fftconvolve", 32, 5, 4e-3),
  ];
  const data = benchHeatmapData(rows, { x: "n", y: "f", baseline: "scipy.fftconvolve" });
  assert.deepEqual(data.methods, ["fft", "strided", "scipy.fftconvolve"]);
  assert.equal(data.cells.length, 6);
  const fastest = Object.fromEntries(data.fastest.map((c) => [`${c.x}/${c.y}`, [c.method, c.margin]]));
  assert.deepEqual(fastest, { "16/3": ["strided", 2], "32/5": ["fft", 2] });
  const ratios = Object.fromEntries(data.ratios.map((c) => [`${c.method}@${c.x}`, c.ratio]));
  assert.deepEqual(ratios, { "fft@16": 2, "strided@16": 0.5, "fft@32": 0.5, "strided@32": 2 });
  assert.throws(() => benchHeatmapData([...rows, row("fft", 16, 3, 1)], { x: "n", y: "f" }), /two rows for fft/);
  assert.throws(() => benchHeatmapData(rows, { x: "n", y: "f", baseline: "numpy" }), /baseline/);
});

test("readTimingRows accepts numpy/scipy timing files and rejects malformed rows", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "einconv-rows-"));
  try {
    const good = path.join(dir, "scipy.json");
    const rows = [row("scipy.fftconvolve", 16, 3, 1e-4), row("numpy.strided", 16, 3, 2e-4)];
    fs.writeFileSync(good, JSON.stringify({ rows }));
    assert.deepEqual(readTimingRows(good), rows);
    const bad = path.join(dir, "bad.json");
    fs.writeFileSync(bad, JSON.stringify([{ method: "x", n: 1 }]));
    assert.throws(() => readTimingRows(bad), /row 0 needs/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("benchHeatmapsSpec compiles cleanly and renders all three panels", async () => {
  const rows: TimingRow[] = [];
  for (const n of [16, 32, 64]) {
    for (const f of [3, 5, 9]) {
      rows.push(row("fft", n, f, 1e-5 * n * Math.log2(n)), row("submatrix", n, f, 1e-7 * n * n * f * f), row("scipy.fftconvolve", n, f, 2e-5 * n * Math.log2(n)));
    }
  }
  const spec = benchHeatmapsSpec(rows, { x: "n", y: "f", baseline: "scipy.fftconvolve", title: "2-D, stride 1" });
  assert.deepEqual(compileWarnings(spec), []);
  const { svg } = await renderChart(spec);
  // 27 per-method cells, 9 fastest cells, 18 ratio cells: one rect per data row, plus their labels.
  assert.deepEqual(svgChartFailures(spec, svg), []);
  assert.equal(check.svgDataMarks(svg).marks.rect, 27 + 9 + 18);
  for (const text of ["2-D, stride 1", "time per method: log10(median seconds)", "fastest method", "time / time(scipy.fftconvolve)", ">submatrix</text>"]) {
    assert.ok(svg.includes(text), `missing ${text}`);
  }
});

test("show sends numpy text and an HTML table to the display target", () => {
  const x = ndarray(new Int32Array([1, -20, 3, 400]), [2, 2]);
  const rec = recordingDisplay();
  show(x, { target: rec, label: "k" });
  assert.equal(rec.outputs.length, 1);
  const bundle = rec.outputs[0].bundle;
  assert.equal(bundle["text/plain"], `k = ${formatArray(x)}`);
  assert.match(String(bundle["text/html"]), /<table[^>]*>.*>400<\/td>/s);
  // 3-D arrays get text only.
  assert.equal(arrayBundle(ndarray(new Float64Array(8), [2, 2, 2]))["text/html"], undefined);
});

test("displaying outside a notebook fails with a clear NotebookError", async () => {
  const x = ndarray(new Float64Array([1, 2]), [2]);
  assert.throws(() => show(x), NotebookError);
  assert.throws(() => show(x), /notebook cell \(tslab or Deno's Jupyter kernel\)/);
});

test("heatmap labels: significant digits for ratios, short margins", async () => {
  const { ratioLabel, marginLabel } = await import("../src/notebook/heatmaps");
  assert.deepEqual([0.0031, 0.013, 0.5349, 1, 2.44, 16.4, 99.7, 119.2].map(ratioLabel), ["3e-3", "0.013", "0.53", "1.0", "2.4", "16", "100", "119"]);
  assert.deepEqual([1.04, 9.96, 10.7, 28.6, 112].map(marginLabel), ["×1.0", "×10", "×11", "×29", "×112"]);
});

test("method colors: one hue family per library, distinct shades, readable ink", async () => {
  const { methodColors } = await import("../src/notebook/heatmaps");
  const names = ["einconv fft", "einconv submatrix", "einconv strided", "scipy fft", "numpy submatrix", "numpy strided"];
  const colors = methodColors(names);
  assert.equal(new Set(colors.map((c) => c.fill)).size, names.length, "every method its own fill");
  const blues = ["#9ecae1", "#4292c6", "#08519c", "#08306b"];
  assert.ok(colors.slice(0, 3).every((c) => blues.includes(c.fill)), "einconv methods are shades of one hue");
  assert.ok(!blues.includes(colors[5].fill), "numpy strided is not an einconv shade");
  assert.deepEqual(colors.map((c) => c.ink), ["black", "black", "white", "black", "black", "white"]);
});
