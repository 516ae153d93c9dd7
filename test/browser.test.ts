/**
 * The browser check itself (scripts/browser-check.js) in headless Chromium, on small pages
 * whose answer is known: it must pass charts that show their data and fail the others —
 * an imshow whose data was emptied (still a background rect, axes and a title), the SVG
 * Debian's nbconvert 6.5 leaves after clean_html (text only), a flat PNG, a page missing one
 * of its notebook's charts. The real notebook pages are checked in notebooks.test.ts right
 * after the notebook run, so the notebooks run once. Also checks the page writer
 * (scripts/notebook-html.js) puts charts on the page and that expectations come from the
 * executed notebook beside the page.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import ndarray from "ndarray";
import { imshowSpec, renderChart, type TopLevelSpec } from "../src/notebook";
import { ROOT, browserSkip, check, type ChartExpectation } from "./browser_check";

const { writeHtml } = require(path.join(ROOT, "scripts", "notebook-html.js")) as {
  writeHtml(ipynb: string, html: string, options?: { runner?: string }): string;
};

/** What clean_html leaves of a vega chart: the <svg> and its text. */
const STRIPPED_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80" viewBox="0 0 120 80">title 0 1 2</svg>';
// A 2×2 red PNG: loads, but one flat colour.
const FLAT_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==";
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

/** A 2×3 imshow (6 differing cells, 6 value labels) and the same spec with its data emptied. */
const x = ndarray(new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3]);
const SPEC = imshowSpec(x, { title: "six cells" });
const EMPTIED = { ...SPEC, data: { values: [] } } as TopLevelSpec;
const EXPECT_SVG: ChartExpectation = { cell: 0, kind: "svg", ...check.expectedDataMarks(SPEC) };
const EXPECT_PNG: ChartExpectation = { cell: 0, kind: "png", colorValues: 6 };

fs.mkdirSync(path.join(ROOT, "out"), { recursive: true });
const scratch = fs.mkdtempSync(path.join(ROOT, "out", "test-browser-"));
process.on("exit", () => fs.rmSync(scratch, { recursive: true, force: true }));

function page(name: string, body: string): string {
  const file = path.join(scratch, `${name}.html`);
  fs.writeFileSync(file, `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>${body}</body></html>`);
  return file;
}

test("the spec's data predicts the marks: 6 rects with differing fills and 6 labels", () => {
  assert.deepEqual(EXPECT_SVG.marks, { rect: 6, text: 6 });
  assert.equal(EXPECT_SVG.colorValues, 6);
});

test("the browser check tells charts that show their data from empty and blank ones", { skip: browserSkip(), timeout: 180_000 }, async () => {
  const full = await renderChart(SPEC, { png: true });
  const emptied = await renderChart(EMPTIED, { png: true });
  const pngB64 = Buffer.from(full.png!).toString("base64");
  const pages = [
    page("good", `${full.svg}<img src="data:image/svg+xml;base64,${b64(full.svg)}"><img src="data:image/png;base64,${pngB64}">`),
    page("emptied_inline", emptied.svg),
    page("emptied_img", `<img src="data:image/svg+xml;base64,${b64(emptied.svg)}">`),
    page("emptied_png", `<img src="data:image/png;base64,${Buffer.from(emptied.png!).toString("base64")}">`),
    page("stripped_inline", STRIPPED_SVG),
    page("stripped_img", `<img src="data:image/svg+xml;base64,${b64(STRIPPED_SVG)}">`),
    page("flat_png", `<img src="data:image/png;base64,${FLAT_PNG}">`),
    page("broken_img", '<img src="data:image/png;base64,AAAA">'),
    page("hidden", `<div style="display:none">${full.svg}</div>`),
    page("one_missing", full.svg),
  ];
  const expectations: Record<string, ChartExpectation[]> = {
    good: [EXPECT_SVG, EXPECT_SVG, EXPECT_PNG],
    emptied_img: [EXPECT_SVG],
    emptied_png: [EXPECT_PNG],
    one_missing: [EXPECT_SVG, EXPECT_SVG],
  };
  const reports = await check.checkPages(pages, { screenshotDir: path.join(scratch, "shots"), expectations });
  const byPage = Object.fromEntries(reports.map((r) => [r.page, r]));
  assert.deepEqual(
    reports.map((r) => ({ page: r.page, present: r.present, drawn: r.drawn })),
    [
      { page: "good", present: 3, drawn: 3 },
      { page: "emptied_inline", present: 1, drawn: 0 },
      { page: "emptied_img", present: 1, drawn: 0 },
      { page: "emptied_png", present: 1, drawn: 0 },
      { page: "stripped_inline", present: 1, drawn: 0 },
      { page: "stripped_img", present: 1, drawn: 0 },
      { page: "flat_png", present: 1, drawn: 0 },
      { page: "broken_img", present: 1, drawn: 0 },
      { page: "hidden", present: 1, drawn: 0 },
      { page: "one_missing", present: 1, drawn: 1 },
    ],
    check.formatReport(reports),
  );
  assert.deepEqual(byPage.good.failures, []);
  assert.match(byPage.good.charts[0].shows, /^6 rect \+ 6 text$/);
  // Without a notebook beside it an emptied chart still fails: axes and title are not data.
  assert.match(byPage.emptied_inline.failures[0], /no data marks/);
  assert.match(byPage.emptied_img.failures[0], /rect marks: 0, its data has 6/);
  assert.match(byPage.emptied_png.failures[0], /only gray axes\/text/);
  assert.match(byPage.stripped_inline.failures[0], /no data marks/);
  assert.match(byPage.stripped_img.failures[0], /no data marks/);
  assert.match(byPage.flat_png.failures[0], /one flat colour/);
  assert.match(byPage.broken_img.failures[0], /did not load/);
  assert.match(byPage.hidden.failures[0], /not visible/);
  assert.match(byPage.one_missing.failures.join("\n"), /1 charts on the page, its notebook has 2 chart outputs/);
  for (const r of reports) assert.ok(r.screenshot && fs.readFileSync(r.screenshot).subarray(1, 4).toString() === "PNG", `${r.page}: screenshot`);
});

/** A one-cell executed notebook with the given chart outputs. */
function notebook(outputs: Array<Record<string, string | object>>): object {
  return {
    cells: [
      { cell_type: "markdown", metadata: {}, source: "# charts" },
      { cell_type: "code", execution_count: 1, metadata: {}, source: "await imshow(x)", outputs: outputs.map((data) => ({ output_type: "display_data", metadata: {}, data })) },
    ],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  };
}

test("the page writer's pages are judged against the executed notebook beside them", { skip: browserSkip(), timeout: 180_000 }, async () => {
  const full = await renderChart(SPEC, { png: true });
  const emptied = await renderChart(EMPTIED);
  const mime = "application/vnd.vegalite.v5+json";
  const write = (name: string, nb: object) => {
    const ipynb = path.join(scratch, `${name}.ipynb`);
    fs.writeFileSync(ipynb, JSON.stringify(nb));
    return writeHtml(ipynb, path.join(scratch, `${name}.html`));
  };
  const good = write("written", notebook([
    { [mime]: SPEC, "image/svg+xml": full.svg, "text/plain": "chart" },
    { [mime]: SPEC, "image/png": Buffer.from(full.png!).toString("base64"), "text/plain": "png" },
  ]));
  // The spec says 6 cells, the drawing shows none: the page must fail.
  const bad = write("written_emptied", notebook([{ [mime]: SPEC, "image/svg+xml": emptied.svg, "text/plain": "chart" }]));
  const [g, b] = await check.checkPages([good, bad]);
  assert.deepEqual({ present: g.present, expected: g.expected, drawn: g.drawn, failures: g.failures }, { present: 2, expected: 2, drawn: 2, failures: [] }, check.formatReport([g]));
  assert.deepEqual({ present: b.present, expected: b.expected, drawn: b.drawn }, { present: 1, expected: 1, drawn: 0 }, check.formatReport([b]));
  assert.match(b.failures[0], /cell 1\): .*rect marks: 0, its data has 6/);
});
