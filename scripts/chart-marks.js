"use strict";
/**
 * Charts counted by what they show (plain JS: reproduce.js and the browser check use it
 * before anything is built; the tests use it through test/browser_check.ts).
 *
 * A vega chart's DATA marks are the items inside its `<g class="mark-<type> role-mark …">`
 * groups: one `<path>` per rect/bar cell, one `<text>` per text item, one `<path>` per point
 * (mark-symbol) and one per line series (mark-line). Axes, legends and titles live in groups
 * with other roles (role-axis-*, role-legend-*, role-title-*) and are never counted, so a chart
 * whose data was emptied — still 1 background rect, axis paths and a title — counts 0.
 *
 *  - expectedDataMarks(spec): what a vega-lite spec must draw, from its inline data;
 *  - chartExpectations(ipynb): one expectation per chart output of an executed notebook;
 *  - svgDataMarks(svgText): what an SVG string draws (a small tag parser, no DOM);
 *  - pngStats(buffer): decodes a PNG (zlib only) into pixel statistics;
 *  - judgeChart(expectation, seen): the failures ("" list when the chart shows its data).
 */
const fs = require("node:fs");
const zlib = require("node:zlib");

/** vega-lite mark type -> the vega mark group it renders as. */
const VEGA_MARK = { rect: "rect", bar: "rect", tick: "rect", text: "text", point: "symbol", circle: "symbol", square: "symbol", line: "line", trail: "trail", area: "area", rule: "rule" };

const markType = (mark) => (typeof mark === "string" ? mark : mark && mark.type);
const distinct = (rows, fields) => new Set(rows.map((r) => JSON.stringify(fields.map((f) => r[f])))).size;
const fieldOf = (enc, channel) => (enc && enc[channel] && typeof enc[channel].field === "string" ? enc[channel].field : undefined);

/**
 * The data marks a vega-lite spec draws: { marks: {rect, text, symbol, line, …}, colorValues }
 * where colorValues is the number of distinct values of the rect marks' color field (a heatmap
 * of differing values must show differing fills). One mark per data row for rect/bar/text/point;
 * one line per series (distinct color/strokeDash/detail and facet values), plus one point per row
 * with `point: true`. Transforms would change the counts: a spec with one throws, so a chart
 * this module cannot predict is named instead of passing unchecked.
 */
function expectedDataMarks(spec) {
  const marks = {};
  let colorValues = 0;
  const add = (type, n) => {
    marks[type] = (marks[type] || 0) + n;
  };
  const walk = (s, data, encoding, facetFields) => {
    if (s.transform && s.transform.length > 0) throw new Error("expectedDataMarks: specs with transforms are not predicted");
    if (s.data && !Array.isArray(s.data.values)) throw new Error("expectedDataMarks: only inline data (data.values) is predicted");
    const rows = s.data ? s.data.values : data;
    const enc = { ...encoding, ...(s.encoding || {}) };
    for (const key of ["hconcat", "vconcat", "concat"]) if (Array.isArray(s[key])) for (const sub of s[key]) walk(sub, rows, {}, facetFields);
    if (Array.isArray(s.layer)) for (const sub of s.layer) walk(sub, rows, enc, facetFields);
    if (s.facet && s.spec) {
      const f = s.facet;
      const fields = [f.field, f.row && f.row.field, f.column && f.column.field].filter((x) => typeof x === "string");
      walk(s.spec, rows, {}, [...facetFields, ...fields]);
    }
    if (s.mark === undefined) return;
    const type = markType(s.mark);
    const vega = VEGA_MARK[type];
    if (vega === undefined) throw new Error(`expectedDataMarks: mark "${type}" is not predicted`);
    if (!rows) throw new Error(`expectedDataMarks: a "${type}" mark with no data`);
    if (vega === "line" || vega === "area" || vega === "trail") {
      const fields = [fieldOf(enc, "color"), fieldOf(enc, "strokeDash"), fieldOf(enc, "detail"), ...facetFields].filter(Boolean);
      add(vega, rows.length === 0 ? 0 : distinct(rows, fields));
      if (typeof s.mark === "object" && s.mark.point) add("symbol", rows.length);
    } else if (vega === "text" && fieldOf(enc, "text")) {
      // vega draws no <text> for an empty string (a heatmap cell left unlabelled on purpose).
      const field = fieldOf(enc, "text");
      add(vega, rows.filter((r) => r[field] !== undefined && r[field] !== null && String(r[field]) !== "").length);
    } else {
      add(vega, rows.length);
      const color = fieldOf(enc, "color");
      if (vega === "rect" && color) colorValues = Math.max(colorValues, distinct(rows, [color]));
    }
  };
  walk(spec, undefined, {}, []);
  return { marks, colorValues };
}

const VEGALITE_MIME = /^application\/vnd\.vegalite\.v\d+\+json$/;

/**
 * One expectation per chart output of an executed notebook, in page order: `kind` is what the
 * page writer (scripts/notebook-html.js) puts on the page — the SVG when there is one, else the
 * PNG — and `marks`/`colorValues` come from the output's vega-lite spec.
 */
function chartExpectations(ipynbFile) {
  const nb = JSON.parse(fs.readFileSync(ipynbFile, "utf8"));
  const out = [];
  for (const [cellIndex, cell] of (nb.cells || []).entries()) {
    for (const o of cell.outputs || []) {
      const data = o.data || {};
      // text/html outranks images in the page writer: such an output is not a chart on the page.
      if (data["text/html"] !== undefined) continue;
      const kind = data["image/svg+xml"] !== undefined ? "svg" : data["image/png"] !== undefined ? "png" : undefined;
      if (kind === undefined) continue;
      const mime = Object.keys(data).find((k) => VEGALITE_MIME.test(k));
      const e = { cell: cellIndex, kind };
      if (mime) Object.assign(e, expectedDataMarks(data[mime]));
      out.push(e);
    }
  }
  return out;
}

/**
 * The data marks an SVG string draws: { marks: {type: count}, rectFills, total }. A tiny tag
 * tokenizer tracks nesting; every direct child element of a `role-mark` group is one item.
 */
function svgDataMarks(svg) {
  const marks = {};
  const fills = new Set();
  const stack = []; // one entry per open element: the mark type when it is a role-mark group
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>/g;
  let m;
  while ((m = tag.exec(svg)) !== null) {
    const [, closing, name, attrs, selfClosing] = m;
    if (closing) {
      stack.pop();
      continue;
    }
    const parent = stack[stack.length - 1];
    // An empty label is written as <text .../>: it draws nothing (Chromium gives it no box), so it is no mark.
    if (parent && !(parent === "text" && selfClosing)) {
      marks[parent] = (marks[parent] || 0) + 1;
      if (parent === "rect") {
        const fill = /\sfill="([^"]*)"/.exec(attrs);
        if (fill) fills.add(fill[1]);
      }
    }
    let type;
    if (name === "g") {
      const cls = /\sclass="([^"]*)"/.exec(attrs);
      const classes = cls ? cls[1].split(/\s+/) : [];
      if (classes.includes("role-mark")) {
        const t = classes.find((c) => c.startsWith("mark-"));
        if (t && t !== "mark-group") type = t.slice(5);
      }
    }
    if (!selfClosing) stack.push(type);
  }
  const total = Object.values(marks).reduce((a, b) => a + b, 0);
  return { marks, rectFills: fills.size, total };
}

/** Decodes an 8-bit RGB/RGBA/gray PNG (non-interlaced) with zlib: { width, height, distinctColors, chromaticColors, stddev }. */
function pngStats(bytes) {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (buf.length < 8 || SIG.some((b, i) => buf[i] !== b)) throw new Error("not a PNG (bad signature)");
  let off = 8;
  let width = 0, height = 0, depth = 0, colorType = 0, interlace = 0;
  const idat = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString("latin1", off + 4, off + 8);
    const body = buf.subarray(off + 8, off + 8 + len);
    if (type === "IHDR") {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      depth = body[8];
      colorType = body[9];
      interlace = body[12];
    } else if (type === "IDAT") idat.push(body);
    else if (type === "IEND") break;
    off += 12 + len;
  }
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colorType];
  if (depth !== 8 || channels === undefined || interlace !== 0) throw new Error(`pngStats: unsupported PNG (depth ${depth}, color type ${colorType}, interlace ${interlace})`);
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const px = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? px[y * stride + x - channels] : 0;
      const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? px[(y - 1) * stride + x - channels] : 0;
      let v = line[x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      px[y * stride + x] = v & 0xff;
    }
  }
  const colors = new Set();
  const chromatic = new Set();
  let sum = 0, sum2 = 0;
  for (let i = 0; i < width * height; i++) {
    const p = i * channels;
    const r = px[p], g = channels >= 3 ? px[p + 1] : r, b = channels >= 3 ? px[p + 2] : r;
    const key = (r << 16) | (g << 8) | b;
    colors.add(key);
    // Axes, text and anti-aliasing are gray (r = g = b); data colors (viridis, blue-orange, method hues) are not.
    if (Math.max(r, g, b) - Math.min(r, g, b) > 8) chromatic.add(key);
    const lum = 0.299 * r + 0.587 * g + 0.114 * b;
    sum += lum;
    sum2 += lum * lum;
  }
  const n = width * height;
  const stddev = Math.sqrt(Math.max(0, sum2 / n - (sum / n) ** 2));
  return { width, height, distinctColors: colors.size, chromaticColors: chromatic.size, stddev };
}

/**
 * Failures of one chart against its expectation (empty when it shows its data).
 * `seen` is { kind: "svg", marks, rectFills } or { kind: "png", png: pngStats(...) }.
 * Without an expectation (a page with no notebook beside it) a chart must still draw >= 1 data mark.
 */
function judgeChart(expected, seen) {
  const fail = [];
  if (expected && expected.kind !== seen.kind) fail.push(`expected a ${expected.kind} chart, found ${seen.kind}`);
  if (seen.kind === "svg") {
    const total = Object.values(seen.marks).reduce((a, b) => a + b, 0);
    if (total === 0) fail.push("no data marks (axes, legend and title only)");
    if (expected && expected.marks) {
      for (const type of new Set([...Object.keys(expected.marks), ...Object.keys(seen.marks)])) {
        const want = expected.marks[type] || 0, got = seen.marks[type] || 0;
        if (want !== got) fail.push(`${type} marks: ${got}, its data has ${want}`);
      }
      if (expected.colorValues >= 2 && seen.rectFills < 2) fail.push(`rect fills: ${seen.rectFills} distinct, its data has ${expected.colorValues} distinct colour values`);
    }
  } else if (seen.kind === "png") {
    const p = seen.png;
    if (p.stddev === 0 || p.distinctColors < 2) fail.push(`PNG ${p.width}×${p.height} is one flat colour`);
    else if (expected && expected.colorValues >= 2 && p.chromaticColors < 2) fail.push(`PNG shows ${p.chromaticColors} data colour(s) (only gray axes/text), its data has ${expected.colorValues} distinct values`);
  }
  return fail;
}

const describeMarks = (marks) => Object.entries(marks).filter(([, n]) => n > 0).map(([t, n]) => `${n} ${t}`).join(" + ") || "0 marks";

module.exports = { expectedDataMarks, chartExpectations, svgDataMarks, pngStats, judgeChart, describeMarks };
