"use strict";
/**
 * Opens notebook pages in headless Chromium (Debian's /usr/bin/chromium through
 * puppeteer-core; no browser download) and checks that every chart shows its data.
 * Used by `npm run reproduce` (counts + one screenshot per page) and by the tests.
 *
 * A chart is any top-level <svg> or any <img> on the page. It passes when
 *  - its box is visible and non-empty (an <img> also loaded: naturalWidth > 0);
 *  - an SVG (inline, or an <img> SVG data URI rendered off-screen): it draws DATA marks,
 *    the drawn items of vega's `role-mark` groups (scripts/chart-marks.js) — axes, legends
 *    and titles do not count, so a chart whose data was emptied fails. When the page has its
 *    executed notebook beside it (<page>.ipynb, or options.expectations), each chart's marks
 *    per type must equal what its vega-lite spec's data gives (an imshow of r×c: r·c rects
 *    with differing fills; a line chart: one line per series and its points), and the page
 *    must hold exactly as many charts as the notebook has chart outputs;
 *  - a PNG: decoded, its pixels are not one flat colour and, for a chart of differing
 *    values, show data colours (not only gray axes and text).
 */
const fs = require("node:fs");
const path = require("node:path");
const marks = require("./chart-marks");

const CHROMIUM = process.env.EINCONV_CHROMIUM || "/usr/bin/chromium";

/** Why the check cannot run here, or undefined when it can. */
function unavailableReason() {
  if (!fs.existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (install: apt-get install -y --no-install-recommends chromium)`;
  try {
    require.resolve("puppeteer-core");
  } catch {
    return "puppeteer-core is not installed (npm ci installs it as a devDependency)";
  }
  return undefined;
}

async function launch() {
  const puppeteer = require("puppeteer-core");
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Chromium refuses to run its sandbox as root.
    args: [...(isRoot ? ["--no-sandbox"] : []), "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"],
  });
}

/** Runs inside the page: one record per chart, in page order (no judgement: Node judges). */
async function inspectCharts() {
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const st = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && st.visibility !== "hidden" && st.display !== "none" && Number(st.opacity) > 0;
  };
  // Data marks: the drawn (non-empty box) direct children of vega's role-mark groups, per mark type.
  const dataMarks = (root) => {
    const counts = {};
    const fills = new Set();
    for (const g of root.querySelectorAll("g.role-mark")) {
      const cls = [...g.classList].find((c) => c.startsWith("mark-") && c !== "mark-group");
      if (!cls) continue;
      const type = cls.slice(5);
      for (const item of g.children) {
        const r = item.getBoundingClientRect();
        if (!(r.width > 0 || r.height > 0)) continue;
        counts[type] = (counts[type] || 0) + 1;
        if (type === "rect" && item.getAttribute("fill")) fills.add(item.getAttribute("fill"));
      }
    }
    return { marks: counts, rectFills: fills.size };
  };
  const label = (el, i) => {
    const title = el.querySelector && el.querySelector("title");
    return `${el.tagName.toLowerCase()} #${i + 1}${title && title.textContent ? ` "${title.textContent.slice(0, 60)}"` : ""}`;
  };
  // Page order: top-level <svg>s and <img>s as they appear in the document.
  const charts = [...document.querySelectorAll("svg, img")].filter((el) => el.tagName.toLowerCase() === "img" || !el.parentElement.closest("svg"));
  const results = [];
  for (const [i, el] of charts.entries()) {
    if (el.tagName.toLowerCase() === "svg") {
      results.push({ chart: label(el, i), kind: "svg", visible: visible(el), loaded: true, ...dataMarks(el) });
      continue;
    }
    const img = el;
    if (!img.complete) await new Promise((resolve) => { img.onload = img.onerror = resolve; });
    const rec = { chart: `img #${i + 1}${img.alt ? ` (${img.alt})` : ""}`, kind: "img", visible: visible(img), loaded: img.naturalWidth > 0, width: img.naturalWidth };
    if (rec.loaded && img.src.startsWith("data:image/svg+xml")) {
      const text = await (await fetch(img.src)).text();
      const doc = new DOMParser().parseFromString(text, "image/svg+xml");
      const host = document.createElement("div");
      host.style.cssText = "position:absolute;left:-20000px;top:0";
      host.appendChild(document.importNode(doc.documentElement, true));
      document.body.appendChild(host);
      Object.assign(rec, { kind: "svg", ...dataMarks(host) });
      host.remove();
    } else if (rec.loaded && img.src.startsWith("data:image/png")) {
      Object.assign(rec, { kind: "png", png: img.src.slice(img.src.indexOf(",") + 1) });
    }
    results.push(rec);
  }
  return results;
}

/** Judges one page's charts against the expectations (undefined: data marks > 0 only). */
function judgePage(name, charts, expectations) {
  const failures = [];
  const records = charts.map((c, i) => {
    const why = [];
    if (!c.loaded) why.push("image did not load");
    else if (!c.visible) why.push("box not visible");
    let seen;
    if (c.loaded && c.kind === "svg") seen = { kind: "svg", marks: c.marks, rectFills: c.rectFills };
    else if (c.loaded && c.kind === "png") {
      try {
        seen = { kind: "png", png: marks.pngStats(Buffer.from(c.png, "base64")) };
      } catch (e) {
        why.push(`PNG did not decode: ${e.message}`);
      }
    } else if (c.loaded) why.push("neither an SVG nor a PNG chart");
    if (seen) why.push(...marks.judgeChart(expectations ? expectations[i] : undefined, seen));
    const shows = seen && seen.kind === "svg" ? marks.describeMarks(seen.marks) : seen ? `PNG ${seen.png.width}×${seen.png.height}, ${seen.png.distinctColors} colours` : "";
    if (why.length) failures.push(`${c.chart}${expectations && expectations[i] ? ` (cell ${expectations[i].cell})` : ""}: ${why.join("; ")}`);
    return { chart: c.chart, kind: c.kind, shows, drawn: why.length === 0 };
  });
  if (expectations && expectations.length !== charts.length) failures.push(`${charts.length} charts on the page, its notebook has ${expectations.length} chart outputs`);
  return { page: name, present: charts.length, expected: expectations ? expectations.length : undefined, drawn: records.filter((r) => r.drawn).length, charts: records, failures };
}

/**
 * Checks pages; returns [{ page, present, expected, drawn, charts, failures, screenshot? }].
 * `screenshotDir`: write <page>.png (full page) there. `expectations`: { <page>: [...] } from
 * chartExpectations; by default read from <page>.ipynb beside the page when it exists.
 */
async function checkPages(pages, { screenshotDir, expectations = {} } = {}) {
  const browser = await launch();
  try {
    const reports = [];
    for (const file of pages) {
      const page = await browser.newPage();
      await page.setViewport({ width: 1200, height: 900 });
      await page.goto("file://" + path.resolve(file), { waitUntil: "load" });
      const charts = await page.evaluate(inspectCharts);
      const name = path.basename(file, ".html");
      const ipynb = file.replace(/\.html$/, ".ipynb");
      const expected = expectations[name] || (fs.existsSync(ipynb) ? marks.chartExpectations(ipynb) : undefined);
      const report = judgePage(name, charts, expected);
      if (screenshotDir) {
        fs.mkdirSync(screenshotDir, { recursive: true });
        report.screenshot = path.join(screenshotDir, `${name}.png`);
        await page.screenshot({ path: report.screenshot, fullPage: true });
      }
      await page.close();
      reports.push(report);
    }
    return reports;
  } finally {
    await browser.close();
  }
}

/** The notebook pages in a folder (index.html is a list of links, not a notebook). */
function notebookPages(dir) {
  return fs.readdirSync(dir).filter((f) => f.endsWith(".html") && f !== "index.html").sort().map((f) => path.join(dir, f));
}

function formatReport(reports) {
  return reports
    .map((r) => {
      const head = `${r.page}: ${r.drawn}/${r.present} charts show their data${r.expected !== undefined ? ` (notebook: ${r.expected} chart outputs)` : ""}`;
      const shows = r.charts.map((c) => `  ${c.drawn ? "ok " : "BAD"} ${c.chart}: ${c.shows}`).join("\n");
      return `${head}\n${shows}${r.failures.length ? `\n  failures: ${r.failures.join("; ")}` : ""}`;
    })
    .join("\n");
}

module.exports = { CHROMIUM, unavailableReason, checkPages, judgePage, notebookPages, formatReport, ...marks };
