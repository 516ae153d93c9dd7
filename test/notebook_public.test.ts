/**
 * The public notebook functions that had no test of their own — displayChart, saveChart,
 * rasterize, benchHeatmaps, formatSeconds — checked by what they produce: charts counted by
 * their data marks (scripts/chart-marks.js), PNGs decoded and checked for pixels, files on disk.
 * Also an emptied imshowSpec, which every check must reject.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import ndarray from "ndarray";
import {
  VEGA_LITE_MIME,
  benchHeatmaps,
  benchHeatmapsSpec,
  displayChart,
  formatSeconds,
  imshowSpec,
  rasterize,
  recordingDisplay,
  renderChart,
  saveChart,
  type TimingRow,
  type TopLevelSpec,
} from "../src/notebook";
import { ROOT, check, pngChartFailures, svgChartFailures } from "./browser_check";

/** A 3×4 plane of distinct values. */
const plane = ndarray(Float64Array.from({ length: 12 }, (_, i) => (i * 7) % 12), [3, 4]);
const SPEC = imshowSpec(plane, { title: "twelve cells" });
const EMPTIED = { ...SPEC, data: { values: [] } } as TopLevelSpec;

fs.mkdirSync(path.join(ROOT, "out"), { recursive: true });
const scratch = fs.mkdtempSync(path.join(ROOT, "out", "test-notebook-public-"));
process.on("exit", () => fs.rmSync(scratch, { recursive: true, force: true }));

test("an empty label is no text mark: vega draws none, and the prediction agrees", async () => {
  const rows = [{ x: 0, label: "a" }, { x: 1, label: "" }, { x: 2, label: "c" }];
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    data: { values: rows },
    layer: [{ mark: "rect", encoding: { x: { field: "x", type: "ordinal" }, color: { field: "x", type: "ordinal" } } }, { mark: "text", encoding: { x: { field: "x", type: "ordinal" }, text: { field: "label" } } }],
  } as unknown as TopLevelSpec;
  assert.deepEqual(check.expectedDataMarks(spec).marks, { rect: 3, text: 2 });
  const { svg } = await renderChart(spec, {});
  assert.equal(check.svgDataMarks(svg).marks.text, 2, "vega's SVG has no <text> for the empty label");
});

test("an imshow draws one rect per cell with differing fills; the emptied spec is rejected", async () => {
  assert.deepEqual(check.expectedDataMarks(SPEC), { marks: { rect: 12, text: 12 }, colorValues: 12 });
  const { svg, png } = await renderChart(SPEC, { png: true });
  const seen = check.svgDataMarks(svg);
  assert.deepEqual(seen.marks, { rect: 12, text: 12 });
  assert.equal(seen.rectFills, 12, "12 distinct values, 12 distinct fills");
  assert.deepEqual(svgChartFailures(SPEC, svg), []);
  assert.deepEqual(pngChartFailures(SPEC, png!), []);

  // Emptied: still a background, axes and a title — but no data marks, so every check fails.
  const empty = await renderChart(EMPTIED, { png: true });
  assert.ok(/<path/.test(empty.svg) && empty.svg.includes(">twelve cells</text>"), "the emptied chart still draws its frame and title");
  assert.equal(check.svgDataMarks(empty.svg).total, 0);
  assert.match(svgChartFailures(SPEC, empty.svg).join("\n"), /rect marks: 0, its data has 12/);
  assert.match(svgChartFailures(EMPTIED, empty.svg).join("\n"), /no data marks/);
  assert.match(pngChartFailures(SPEC, empty.png!).join("\n"), /only gray axes\/text/);
  // One cell lost, or all fills equal, is caught too.
  const lost = svg.replace(/<path[^>]*aria-roledescription="rect mark"[^>]*\/>/, "");
  assert.match(svgChartFailures(SPEC, lost).join("\n"), /rect marks: 11, its data has 12/);
  const flat = svg.replace(/(<path[^>]*aria-roledescription="rect mark"[^>]*fill=")[^"]*"/g, '$1#000"');
  assert.match(svgChartFailures(SPEC, flat).join("\n"), /rect fills: 1 distinct/);
});

test("rasterize: a PNG of the chart's size times the scale, with the data's colours", async () => {
  const { svg } = await renderChart(SPEC);
  const width = Number(/<svg[^>]*\swidth="([\d.]+)"/.exec(svg)![1]);
  const height = Number(/<svg[^>]*\sheight="([\d.]+)"/.exec(svg)![1]);
  for (const scale of [1, 2]) {
    const stats = check.pngStats(await rasterize(svg, scale));
    assert.deepEqual([stats.width, stats.height], [Math.round(width * scale), Math.round(height * scale)], `scale ${scale}`);
    assert.ok(stats.stddev > 10, `scale ${scale}: luminance varies (${stats.stddev})`);
    assert.ok(stats.chromaticColors >= 12, `scale ${scale}: ${stats.chromaticColors} data colours`);
  }
  const blank = check.pngStats(await rasterize('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="20" height="10" fill="white"/></svg>', 1));
  assert.deepEqual([blank.width, blank.height, blank.distinctColors, blank.stddev], [20, 10, 1, 0]);
});

test("displayChart sends one bundle whose SVG shows the spec's data", async () => {
  const rec = recordingDisplay();
  await displayChart(SPEC, { target: rec, png: true });
  assert.equal(rec.outputs.length, 1);
  const bundle = rec.outputs[0].bundle;
  assert.equal(bundle[VEGA_LITE_MIME], SPEC);
  assert.equal(bundle["text/plain"], "twelve cells");
  assert.deepEqual(svgChartFailures(SPEC, String(bundle["image/svg+xml"])), []);
  assert.deepEqual(pngChartFailures(SPEC, Buffer.from(String(bundle["image/png"]), "base64")), []);
  const alt = recordingDisplay();
  await displayChart(SPEC, { target: alt, alt: "a plane", staticFormat: "png" });
  assert.equal(alt.outputs[0].bundle["text/plain"], "a plane");
  assert.equal(alt.outputs[0].bundle["image/svg+xml"], undefined, "staticFormat png: no SVG");
  assert.deepEqual(pngChartFailures(SPEC, Buffer.from(String(alt.outputs[0].bundle["image/png"]), "base64")), []);
  await assert.rejects(displayChart(SPEC), /need a notebook cell \(tslab or Deno/);
});

test("saveChart writes the SVG or PNG the extension names, creating the folder", async () => {
  const svgFile = await saveChart(SPEC, path.join(scratch, "deep", "er", "chart.svg"));
  assert.equal(svgFile, path.join(scratch, "deep", "er", "chart.svg"));
  assert.deepEqual(svgChartFailures(SPEC, fs.readFileSync(svgFile, "utf8")), []);
  const pngFile = await saveChart(SPEC, path.join(scratch, "chart.PNG"), { pngScale: 1 });
  assert.deepEqual(pngChartFailures(SPEC, fs.readFileSync(pngFile)), []);
  await assert.rejects(saveChart(SPEC, path.join(scratch, "chart.jpg")), /use a \.svg or \.png file name, got ".*chart\.jpg"/);
  assert.equal(fs.existsSync(path.join(scratch, "chart.jpg")), false);
});

function row(method: string, n: number, f: number, median: number): TimingRow {
  return { method, n, f, median, min: median, mean: median, repeats: 3 };
}

test("benchHeatmaps displays the three panels: one cell per (method, point), one fastest cell per point, ratios", async () => {
  const rows: TimingRow[] = [];
  for (const n of [16, 32, 64]) for (const f of [3, 5]) rows.push(row("fft", n, f, 1e-5 * n), row("strided", n, f, 1e-7 * n * n * f), row("scipy", n, f, 2e-5 * n));
  const rec = recordingDisplay();
  await benchHeatmaps(rows, { x: "n", y: "f", baseline: "scipy", title: "t", target: rec });
  assert.equal(rec.outputs.length, 1);
  const bundle = rec.outputs[0].bundle;
  const spec = bundle[VEGA_LITE_MIME] as TopLevelSpec;
  // (JSON: vega tags the spec's data rows with a symbol id when it renders them.)
  assert.deepEqual(JSON.parse(JSON.stringify(spec)), JSON.parse(JSON.stringify(benchHeatmapsSpec(rows, { x: "n", y: "f", baseline: "scipy", title: "t" }))));
  const svg = String(bundle["image/svg+xml"]);
  assert.deepEqual(svgChartFailures(spec, svg), []);
  // 18 per-method cells + 6 fastest cells + 12 ratio cells (fft and strided over scipy) = 36 rects.
  assert.equal(check.svgDataMarks(svg).marks.rect, 18 + 6 + 12);
  await assert.rejects(benchHeatmaps(rows, { x: "n", y: "f" }), /need a notebook cell \(tslab or Deno/);
});

test("formatSeconds: three significant digits in µs, ms or s", () => {
  const cases: Array<[number, string]> = [
    [0, "0.00 µs"],
    [8.12e-4, "812 µs"],
    [9.996e-4, "1.00 ms"], // rounds up into the next unit (was "1.00e+3 µs")
    [1e-3, "1.00 ms"],
    [0.0034, "3.40 ms"],
    [0.25, "250 ms"],
    [1, "1.00 s"],
    [1.254, "1.25 s"],
    [125.4, "125 s"],
    [0.9996, "1.00 s"],
    [1254.2, "1254 s"],
  ];
  for (const [s, text] of cases) assert.equal(formatSeconds(s), text, String(s));
});
