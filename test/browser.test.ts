/**
 * The browser check itself (scripts/browser-check.js) in headless Chromium, on
 * small pages whose answer is known: it must pass drawn charts and fail blank
 * ones — in particular the SVG Debian's nbconvert 6.5 leaves after clean_html
 * (text only, no <g>/<rect>/<path>). The real notebook pages are checked in
 * notebooks.test.ts right after the notebook run, so the notebooks run once.
 * Also checks the page writer (scripts/notebook-html.js) puts charts on the page.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { ROOT, browserSkip, check } from "./browser_check";

const { writeHtml } = require(path.join(ROOT, "scripts", "notebook-html.js")) as {
  writeHtml(ipynb: string, html: string, options?: { runner?: string }): string;
};

const DRAWN_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80" viewBox="0 0 120 80"><g><rect x="10" y="10" width="40" height="50" fill="steelblue"/>' +
  '<path d="M60 70 L110 10" stroke="black"/></g><text x="5" y="78">drawn</text></svg>';
/** What clean_html leaves of a vega chart: the <svg> and its text. */
const STRIPPED_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80" viewBox="0 0 120 80">title 0 1 2</svg>';
// A 2×2 red PNG.
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==";
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

fs.mkdirSync(path.join(ROOT, "out"), { recursive: true });
const scratch = fs.mkdtempSync(path.join(ROOT, "out", "test-browser-"));
process.on("exit", () => fs.rmSync(scratch, { recursive: true, force: true }));

function page(name: string, body: string): string {
  const file = path.join(scratch, `${name}.html`);
  fs.writeFileSync(file, `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>${body}</body></html>`);
  return file;
}

test("the browser check tells drawn charts from blank ones", { skip: browserSkip(), timeout: 120_000 }, async () => {
  const pages = [
    page("good", `${DRAWN_SVG}<img src="data:image/svg+xml;base64,${b64(DRAWN_SVG)}"><img src="data:image/png;base64,${PNG}">`),
    page("stripped_inline", STRIPPED_SVG),
    page("stripped_img", `<img src="data:image/svg+xml;base64,${b64(STRIPPED_SVG)}">`),
    page("broken_img", '<img src="data:image/png;base64,AAAA">'),
    page("hidden", `<div style="display:none">${DRAWN_SVG}</div>`),
  ];
  const reports = await check.checkPages(pages, { screenshotDir: path.join(scratch, "shots") });
  const byPage = Object.fromEntries(reports.map((r) => [r.page, r]));
  assert.deepEqual(
    reports.map((r) => ({ page: r.page, present: r.present, drawn: r.drawn })),
    [
      { page: "good", present: 3, drawn: 3 },
      { page: "stripped_inline", present: 1, drawn: 0 },
      { page: "stripped_img", present: 1, drawn: 0 },
      { page: "broken_img", present: 1, drawn: 0 },
      { page: "hidden", present: 1, drawn: 0 },
    ],
    check.formatReport(reports),
  );
  assert.match(byPage.stripped_inline.failures[0], /no drawn marks/);
  assert.match(byPage.stripped_img.failures[0], /no drawn marks/);
  assert.match(byPage.broken_img.failures[0], /did not load/);
  assert.match(byPage.hidden.failures[0], /not visible/);
  for (const r of reports) assert.ok(r.screenshot && fs.readFileSync(r.screenshot).subarray(1, 4).toString() === "PNG", `${r.page}: screenshot`);
});

test("the page writer turns SVG and PNG outputs into charts that draw", { skip: browserSkip(), timeout: 120_000 }, async () => {
  const nb = {
    cells: [
      { cell_type: "markdown", metadata: {}, source: "# charts" },
      {
        cell_type: "code",
        execution_count: 1,
        metadata: {},
        source: "await imshow(x)",
        outputs: [
          { output_type: "display_data", metadata: {}, data: { "application/vnd.vegalite.v5+json": {}, "image/svg+xml": DRAWN_SVG, "text/plain": "chart" } },
          { output_type: "display_data", metadata: {}, data: { "image/png": PNG, "text/plain": "png" } },
        ],
      },
    ],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  };
  const ipynb = path.join(scratch, "written.ipynb");
  fs.writeFileSync(ipynb, JSON.stringify(nb));
  const html = writeHtml(ipynb, path.join(scratch, "written.html"));
  const [report] = await check.checkPages([html]);
  assert.deepEqual({ present: report.present, drawn: report.drawn }, { present: 2, drawn: 2 }, check.formatReport([report]));
});
