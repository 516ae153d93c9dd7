"use strict";
/**
 * Opens notebook pages in headless Chromium (Debian's /usr/bin/chromium through
 * puppeteer-core; no browser download) and checks that every chart is drawn.
 * Used by `npm run reproduce` (counts + one screenshot per page) and by the tests.
 *
 * A chart is any top-level <svg> or any <img> on the page. It counts as drawn when
 *  - an <svg>: its box is visible and non-empty and it holds at least one mark
 *    element (rect, path, line, ...) with a non-empty bounding box. A chart whose
 *    elements were stripped (Debian nbconvert's clean_html leaves only <text>) fails;
 *  - an <img>: it loaded (naturalWidth > 0) into a visible, non-empty box, and if it
 *    is an SVG data URI, that SVG passes the same mark check (rendered off-screen).
 */
const fs = require("node:fs");
const path = require("node:path");

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

/** Runs inside the page: one record per chart. */
async function inspectCharts() {
  const MARKS = "rect, path, line, circle, ellipse, polygon, polyline, use, image";
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const st = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && st.visibility !== "hidden" && st.display !== "none" && Number(st.opacity) > 0;
  };
  const drawnMarks = (svg) => [...svg.querySelectorAll(MARKS)].filter((m) => {
    const r = m.getBoundingClientRect();
    return r.width > 0 || r.height > 0;
  }).length;
  const label = (el, i) => {
    const title = el.querySelector && el.querySelector("title");
    return `${el.tagName.toLowerCase()} #${i + 1}${title && title.textContent ? ` "${title.textContent.slice(0, 60)}"` : ""}`;
  };
  const svgs = [...document.querySelectorAll("svg")].filter((s) => !s.parentElement.closest("svg"));
  const imgs = [...document.querySelectorAll("img")];
  const results = [];
  for (const [i, svg] of svgs.entries()) {
    const marks = drawnMarks(svg);
    const ok = visible(svg) && marks > 0;
    results.push({ chart: label(svg, i), kind: "svg", drawn: ok, why: ok ? "" : visible(svg) ? "no drawn marks" : "box not visible", marks });
  }
  for (const [i, img] of imgs.entries()) {
    if (!img.complete) await new Promise((resolve) => { img.onload = img.onerror = resolve; });
    let ok = img.naturalWidth > 0 && visible(img);
    let why = ok ? "" : img.naturalWidth > 0 ? "box not visible" : "image did not load";
    let marks;
    if (ok && img.src.startsWith("data:image/svg+xml")) {
      const text = await (await fetch(img.src)).text();
      const doc = new DOMParser().parseFromString(text, "image/svg+xml");
      const host = document.createElement("div");
      host.style.cssText = "position:absolute;left:-20000px;top:0";
      host.appendChild(document.importNode(doc.documentElement, true));
      document.body.appendChild(host);
      marks = drawnMarks(host);
      host.remove();
      if (marks === 0) {
        ok = false;
        why = "SVG image has no drawn marks";
      }
    }
    results.push({ chart: `img #${i + 1}${img.alt ? ` (${img.alt})` : ""}`, kind: "img", drawn: ok, why, marks, width: img.naturalWidth });
  }
  return results;
}

/**
 * Checks pages; returns [{ page, present, drawn, failures, screenshot? }].
 * `screenshotDir`: write <page>.png (full page) there.
 */
async function checkPages(pages, { screenshotDir } = {}) {
  const browser = await launch();
  try {
    const reports = [];
    for (const file of pages) {
      const page = await browser.newPage();
      await page.setViewport({ width: 1200, height: 900 });
      await page.goto("file://" + path.resolve(file), { waitUntil: "load" });
      const charts = await page.evaluate(inspectCharts);
      const name = path.basename(file, ".html");
      const report = {
        page: name,
        present: charts.length,
        drawn: charts.filter((c) => c.drawn).length,
        failures: charts.filter((c) => !c.drawn).map((c) => `${c.chart}: ${c.why}`),
      };
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
  return reports.map((r) => `${r.page}: ${r.drawn}/${r.present} charts drawn${r.failures.length ? ` — not drawn: ${r.failures.join("; ")}` : ""}`).join("\n");
}

module.exports = { CHROMIUM, unavailableReason, checkPages, notebookPages, formatReport };
