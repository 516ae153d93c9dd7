"use strict";
/**
 * The one HTML writer for executed notebooks, used by both runners (nbconvert
 * only executes). Why our own and not `jupyter nbconvert --to html`: Debian's
 * nbconvert 6.5 passes `image/svg+xml` through `clean_html`, which strips every
 * <g>, <rect> and <path>, so every chart came out blank. Picks each output's
 * richest static MIME type the way nbconvert does: HTML, SVG, PNG/JPEG,
 * markdown, plain text. SVG goes in as an `<img>` data URI rather than inline:
 * each chart is then its own document, so vega's element ids (clip paths,
 * gradients) cannot collide between charts on one page and the page's CSS
 * cannot restyle them; PNG stays in the notebook and is used when no SVG exists. Markdown cells go through a small renderer covering what
 * einconv's notebooks use (headings, paragraphs, lists, code, tables, links,
 * emphasis); math stays as TeX source.
 */
const fs = require("node:fs");
const path = require("node:path");

const OUTPUT_PRIORITY = ["text/html", "image/svg+xml", "image/png", "image/jpeg", "text/markdown", "text/latex", "text/plain"];

function escapeHtml(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function joinText(v) {
  return Array.isArray(v) ? v.join("") : v == null ? "" : String(v);
}

/** Strips ANSI color codes (error tracebacks may contain them). */
function stripAnsi(s) {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, "");
}

function inline(text) {
  const codes = [];
  let s = text.replace(/`([^`]+)`/g, (_, code) => {
    codes.push(`<code>${escapeHtml(code)}</code>`);
    return `\u0000${codes.length - 1}\u0000`;
  });
  s = escapeHtml(s)
    .replace(/!\[([^\]]*)\]\(([^)\s]+)\)/g, '<img alt="$1" src="$2">')
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, '<a href="$2">$1</a>')
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
    .replace(/(^|[^*\w])\*([^*\s][^*]*)\*/g, "$1<em>$2</em>")
    .replace(/(^|\W)_([^_\s][^_]*)_(?=\W|$)/g, "$1<em>$2</em>");
  return s.replace(/\u0000(\d+)\u0000/g, (_, i) => codes[Number(i)]);
}

function tableRow(line) {
  return line.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((c) => c.trim());
}

/** Minimal markdown to HTML. */
function markdownToHtml(md) {
  const lines = md.replace(/\r\n/g, "\n").split("\n");
  const out = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    const fence = line.match(/^\s*(```|~~~)\s*(\S*)/);
    if (fence) {
      const body = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence[1])) body.push(lines[i++]);
      i++;
      out.push(`<pre class="md-code"><code>${escapeHtml(body.join("\n"))}</code></pre>`);
      continue;
    }
    const heading = line.match(/^(#{1,6})\s+(.*)$/);
    if (heading) {
      out.push(`<h${heading[1].length}>${inline(heading[2])}</h${heading[1].length}>`);
      i++;
      continue;
    }
    if (/^\s*\|.*\|\s*$/.test(line) && i + 1 < lines.length && /^\s*\|?[\s:-]+(\|[\s:-]+)+\|?\s*$/.test(lines[i + 1])) {
      const head = tableRow(line);
      i += 2;
      const rows = [];
      while (i < lines.length && /^\s*\|.*\|\s*$/.test(lines[i])) rows.push(tableRow(lines[i++]));
      out.push(
        `<table class="md-table"><tr>${head.map((h) => `<th>${inline(h)}</th>`).join("")}</tr>` +
          rows.map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join("")}</tr>`).join("") +
          "</table>",
      );
      continue;
    }
    const item = line.match(/^\s*([-*+]|\d+[.)])\s+(.*)$/);
    if (item) {
      const ordered = /\d/.test(item[1]);
      const items = [];
      while (i < lines.length) {
        const m = lines[i].match(/^\s*([-*+]|\d+[.)])\s+(.*)$/);
        if (m) {
          items.push(m[2]);
        } else if (lines[i].trim() && /^\s{2,}/.test(lines[i]) && items.length) {
          items[items.length - 1] += " " + lines[i].trim();
        } else {
          break;
        }
        i++;
      }
      const tag = ordered ? "ol" : "ul";
      out.push(`<${tag}>${items.map((t) => `<li>${inline(t)}</li>`).join("")}</${tag}>`);
      continue;
    }
    if (/^\s*>/.test(line)) {
      const quote = [];
      while (i < lines.length && /^\s*>/.test(lines[i])) quote.push(lines[i++].replace(/^\s*>\s?/, ""));
      out.push(`<blockquote>${markdownToHtml(quote.join("\n"))}</blockquote>`);
      continue;
    }
    if (/^\s*(---|\*\*\*)\s*$/.test(line)) {
      out.push("<hr>");
      i++;
      continue;
    }
    if (!line.trim()) {
      i++;
      continue;
    }
    const para = [];
    while (i < lines.length && lines[i].trim() && !/^(#{1,6}\s|\s*```|\s*~~~|\s*([-*+]|\d+[.)])\s|\s*>)/.test(lines[i])) para.push(lines[i++]);
    out.push(`<p>${inline(para.join("\n"))}</p>`);
  }
  return out.join("\n");
}

function renderOutput(output) {
  switch (output.output_type) {
    case "stream":
      return `<pre class="stream ${escapeHtml(output.name)}">${escapeHtml(stripAnsi(joinText(output.text)))}</pre>`;
    case "error":
      return `<pre class="error">${escapeHtml(stripAnsi((output.traceback || []).join("\n") || `${output.ename}: ${output.evalue}`))}</pre>`;
    case "display_data":
    case "execute_result": {
      const data = output.data || {};
      const mime = OUTPUT_PRIORITY.find((m) => data[m] !== undefined);
      const value = mime && joinText(data[mime]);
      if (mime === "text/html") return `<div class="rich">${value}</div>`;
      if (mime === "image/svg+xml") return `<div class="rich chart"><img alt="chart" src="data:image/svg+xml;base64,${Buffer.from(value, "utf8").toString("base64")}"></div>`;
      if (mime === "image/png" || mime === "image/jpeg") return `<div class="rich chart"><img alt="chart" src="data:${mime};base64,${value.replace(/\s/g, "")}"></div>`;
      if (mime === "text/markdown") return `<div class="rich">${markdownToHtml(value)}</div>`;
      if (mime) return `<pre class="text">${escapeHtml(value)}</pre>`;
      return "";
    }
    default:
      return "";
  }
}

function renderCell(cell) {
  if (cell.cell_type === "markdown") return `<section class="cell markdown">${markdownToHtml(joinText(cell.source))}</section>`;
  if (cell.cell_type === "raw") return `<section class="cell raw"><pre>${escapeHtml(joinText(cell.source))}</pre></section>`;
  const count = cell.execution_count == null ? " " : cell.execution_count;
  return (
    `<section class="cell code"><div class="prompt">[${count}]:</div>` +
    `<pre class="source"><code>${escapeHtml(joinText(cell.source))}</code></pre>` +
    `<div class="outputs">${(cell.outputs || []).map(renderOutput).join("\n")}</div></section>`
  );
}

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.5; }
.banner { font-size: 0.85em; color: #666; border-bottom: 1px solid #ddd; padding-bottom: 0.5em; margin-bottom: 1em; }
.cell { margin: 1em 0; }
.cell.code { position: relative; }
.prompt { font-family: monospace; color: #888; font-size: 0.8em; }
pre { overflow-x: auto; padding: 0.5em 0.75em; margin: 0.3em 0; font-size: 0.85em; }
pre.source { background: #f5f7fa; border: 1px solid #e1e4e8; border-radius: 4px; }
pre.stream, pre.text { background: #fff; }
pre.stderr { background: #fff3f3; }
pre.error { background: #ffe9e9; border-left: 3px solid #d33; }
.rich { overflow-x: auto; margin: 0.3em 0; }
.md-code { background: #f5f7fa; }
table.md-table { border-collapse: collapse; }
table.md-table td, table.md-table th { border: 1px solid #ccc; padding: 2px 8px; }
code { font-size: 0.95em; }
`;

/** Writes an HTML page for an executed .ipynb; returns the HTML path. */
function writeHtml(ipynbPath, htmlPath, { runner } = {}) {
  const nb = JSON.parse(fs.readFileSync(ipynbPath, "utf8"));
  const title = path.basename(ipynbPath, ".ipynb");
  const page =
    `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>\n` +
    `<div class="banner">${escapeHtml(title)}.ipynb${runner ? ` — executed by ${escapeHtml(runner)}` : ""}</div>\n` +
    nb.cells.map(renderCell).join("\n") +
    "\n</body></html>\n";
  fs.writeFileSync(htmlPath, page);
  return htmlPath;
}

module.exports = { writeHtml, markdownToHtml };
