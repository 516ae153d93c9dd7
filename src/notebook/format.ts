/**
 * numpy-style text rendering of ndarrays (`formatArray`) and a small HTML
 * table for 2-D arrays. Pure functions: no display, no I/O.
 *
 * The text follows numpy 2's `repr` with default print options: 8 digits of
 * precision in "maxprec" mode, scientific notation when the magnitudes span
 * more than 1000x (or any is >= 1e8 or < 1e-4), 75-column lines, and
 * summarization with `...` above 1000 elements.
 */
import type { DType, Tensor } from "../types";

/** Knobs mirroring numpy's print options. */
export interface FormatOptions {
  /** Fractional digits kept at most (numpy `precision`). Default 8. */
  precision?: number;
  /** Summarize arrays with more elements than this (numpy `threshold`). Default 1000. */
  threshold?: number;
  /** Items kept at each edge of a summarized axis (numpy `edgeitems`). Default 3. */
  edgeItems?: number;
  /** Line width in characters (numpy `linewidth`). Default 75. */
  lineWidth?: number;
}

interface ResolvedFormat {
  precision: number;
  threshold: number;
  edgeItems: number;
  lineWidth: number;
}

const DEFAULTS: ResolvedFormat = { precision: 8, threshold: 1000, edgeItems: 3, lineWidth: 75 };

/** The dtype of a tensor's storage (plain arrays count as float64). */
export function dtypeOf(x: Tensor): DType {
  if (x.data instanceof Float32Array) return "float32";
  if (x.data instanceof Int32Array) return "int32";
  return "float64";
}

/**
 * numpy's `repr` of an ndarray.
 *
 * @example
 * formatArray(ndarray(new Float64Array([1, 2, 3, 4]), [2, 2]))
 * // "array([[1., 2.],\n       [3., 4.]])"
 * formatArray(ndarray(new Int32Array([1, -2]), [2]))
 * // "array([ 1, -2], dtype=int32)"
 */
export function formatArray(x: Tensor, options: FormatOptions = {}): string {
  const opts: ResolvedFormat = { ...DEFAULTS, ...options };
  const dtype = dtypeOf(x);
  const prefix = "array(";
  const shape = x.shape.slice();
  const size = shape.reduce((a, b) => a * b, 1);
  const summarize = size > opts.threshold;

  let body: string;
  if (size === 0) {
    body = "[]";
  } else {
    const picks = shape.map((n) => axisPicks(n, summarize ? opts.edgeItems : Infinity));
    const formatElement = elementFormatter(gatherValues(x, picks), dtype, opts.precision);
    body = formatNested(x, picks, formatElement, {
      lineWidth: opts.lineWidth - ")".length,
      nextLinePrefix: " ".repeat(1 + prefix.length),
    });
  }

  const extras: string[] = [];
  if ((size === 0 && !(shape.length === 1 && shape[0] === 0)) || summarize) {
    extras.push(`shape=${pythonTuple(shape)}`);
  }
  if (dtype !== "float64" || size === 0) extras.push(`dtype=${dtype}`);
  if (extras.length === 0) return `${prefix}${body})`;

  const head = `${prefix}${body},`;
  const tail = `${extras.join(", ")})`;
  const lastLineLength = head.length - (head.lastIndexOf("\n") + 1);
  const spacer = lastLineLength + tail.length + 1 > opts.lineWidth ? "\n" + " ".repeat(prefix.length) : " ";
  return head + spacer + tail;
}

/** Python's tuple syntax for a shape: `(3,)`, `(2, 3)`. */
export function pythonTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/** Indices shown along one axis: all of them, or the edges around a `...`. */
interface AxisPicks {
  leading: number[];
  trailing: number[];
  summarized: boolean;
}

function axisPicks(n: number, edge: number): AxisPicks {
  const all = Array.from({ length: n }, (_, i) => i);
  if (2 * edge < n) {
    return { leading: all.slice(0, edge), trailing: all.slice(n - edge), summarized: true };
  }
  return { leading: [], trailing: all, summarized: false };
}

/** Values visible after summarization; numpy sizes columns from these only. */
function gatherValues(x: Tensor, picks: AxisPicks[]): number[] {
  const out: number[] = [];
  const index: number[] = [];
  const visit = (axis: number): void => {
    if (axis === picks.length) {
      out.push(Number(x.get(...index)));
      return;
    }
    for (const i of [...picks[axis].leading, ...picks[axis].trailing]) {
      index[axis] = i;
      visit(axis + 1);
    }
  };
  visit(0);
  return out;
}

interface Layout {
  lineWidth: number;
  nextLinePrefix: string;
}

/** numpy's `_formatArray` (non-legacy branch): nested brackets with hanging indents and wrapping. */
function formatNested(x: Tensor, picks: AxisPicks[], formatElement: (v: number) => string, layout: Layout): string {
  const ndim = picks.length;
  const separator = ", ";

  const recurse = (index: number[], hangingIndent: string, width: number): string => {
    const axis = index.length;
    if (axis === ndim) return formatElement(Number(x.get(...index)));

    const nextIndent = hangingIndent + " ";
    const nextWidth = width - "]".length;
    const { leading, trailing, summarized } = picks[axis];
    const lastItem = trailing[trailing.length - 1];
    const middle = [...leading];
    let s = "";

    if (ndim - axis === 1) {
      const elementWidth = width - Math.max(separator.trimEnd().length, "]".length);
      let line = hangingIndent;
      const extend = (word: string): void => {
        // Wrap only if it helps: a line holding just the indent never wraps.
        if (line.length + word.length > elementWidth && line.length > hangingIndent.length) {
          s += line.trimEnd() + "\n";
          line = hangingIndent;
        }
        line += word;
      };
      for (const i of middle) {
        extend(recurse([...index, i], nextIndent, nextWidth));
        line += separator;
      }
      if (summarized) {
        extend("...");
        line += separator;
      }
      for (const i of trailing.slice(0, -1)) {
        extend(recurse([...index, i], nextIndent, nextWidth));
        line += separator;
      }
      extend(recurse([...index, lastItem], nextIndent, nextWidth));
      s += line;
    } else {
      const lineSeparator = separator.trimEnd() + "\n".repeat(ndim - axis - 1);
      for (const i of middle) s += hangingIndent + recurse([...index, i], nextIndent, nextWidth) + lineSeparator;
      if (summarized) s += hangingIndent + "..." + lineSeparator;
      for (const i of trailing.slice(0, -1)) {
        s += hangingIndent + recurse([...index, i], nextIndent, nextWidth) + lineSeparator;
      }
      s += hangingIndent + recurse([...index, lastItem], nextIndent, nextWidth);
    }
    return "[" + s.slice(hangingIndent.length) + "]";
  };

  return recurse([], layout.nextLinePrefix, layout.lineWidth);
}

/** Builds the per-element formatter numpy would pick for these values. */
export function elementFormatter(values: readonly number[], dtype: DType, precision = 8): (v: number) => string {
  if (dtype === "int32") return integerFormatter(values);
  return floatFormatter(values, dtype, precision);
}

function integerFormatter(values: readonly number[]): (v: number) => string {
  const width = values.reduce((w, v) => Math.max(w, String(v).length), 0);
  return (v) => String(v).padStart(width, " ");
}

/** Decimal digits of a float: value = 0.d1d2d3... x 10^pointPos, digits without trailing zeros. */
interface Decimal {
  negative: boolean;
  digits: string;
  /** Position of the decimal point relative to the first digit. */
  pointPos: number;
}

/** Shortest digits that read back as the same float64 (or float32) value. */
function shortestDecimal(v: number, dtype: DType): Decimal {
  const negative = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  if (a === 0) return { negative, digits: "0", pointPos: 1 };
  let exp = a.toExponential();
  if (dtype === "float32") {
    // float32 round-trips with at most 9 significant digits; take the first length that does.
    for (let p = 1; p <= 9; p++) {
      const candidate = a.toExponential(p - 1);
      if (Math.fround(Number(candidate)) === a) {
        exp = candidate;
        break;
      }
    }
  }
  const [mantissa, e] = exp.split("e");
  const digits = mantissa.replace(".", "").replace(/0+$/, "") || "0";
  return { negative, digits, pointPos: Number(e) + 1 };
}

/** Positional digits, at most `precision` after the point (rounded from the exact value). */
function positionalParts(v: number, dtype: DType, precision: number): { intPart: string; fracPart: string } {
  const d = shortestDecimal(v, dtype);
  const sign = d.negative ? "-" : "";
  const fracDigits = Math.max(0, d.digits.length - d.pointPos);
  if (fracDigits > precision) {
    // toFixed rounds the exact binary value, like numpy's Dragon4 cutoff.
    const [i, f] = Math.abs(v).toFixed(precision).split(".");
    return { intPart: sign + i, fracPart: f.replace(/0+$/, "") };
  }
  if (d.pointPos <= 0) return { intPart: sign + "0", fracPart: "0".repeat(-d.pointPos) + d.digits };
  if (d.pointPos >= d.digits.length) return { intPart: sign + d.digits + "0".repeat(d.pointPos - d.digits.length), fracPart: "" };
  return { intPart: sign + d.digits.slice(0, d.pointPos), fracPart: d.digits.slice(d.pointPos) };
}

/** Scientific parts: mantissa integer digit, fraction digits (at most `precision`), exponent. */
function scientificParts(v: number, dtype: DType, precision: number): { intPart: string; fracPart: string; exponent: number } {
  const d = shortestDecimal(v, dtype);
  const sign = d.negative ? "-" : "";
  if (d.digits.length - 1 > precision) {
    const [m, e] = Math.abs(v).toExponential(precision).split("e");
    const [i, f] = m.split(".");
    return { intPart: sign + i, fracPart: f.replace(/0+$/, ""), exponent: Number(e) };
  }
  const exponent = d.digits === "0" ? 0 : d.pointPos - 1;
  return { intPart: sign + d.digits[0], fracPart: d.digits.slice(1), exponent };
}

function exponentString(exponent: number, minDigits: number): string {
  return (exponent < 0 ? "-" : "+") + String(Math.abs(exponent)).padStart(minDigits, "0");
}

/** numpy's FloatingFormat with floatmode="maxprec", sign="-". */
function floatFormatter(values: readonly number[], dtype: DType, precision: number): (v: number) => string {
  const finite = values.filter((v) => Number.isFinite(v));
  // float32 comparisons happen in float32 in numpy.
  const round = dtype === "float32" ? Math.fround : (v: number) => v;
  const magnitudes = finite.filter((v) => v !== 0).map((v) => Math.abs(v));
  let useExp = false;
  if (magnitudes.length > 0) {
    const max = Math.max(...magnitudes);
    const min = Math.min(...magnitudes);
    useExp = max >= round(1e8) || min < round(1e-4) || round(max / min) > 1000;
  }

  let padLeft = 0;
  let padRight = 0;
  let render: (v: number) => string = (v) => String(v);

  if (finite.length > 0 && useExp) {
    const parts = finite.map((v) => scientificParts(v, dtype, precision));
    const expDigits = Math.max(...parts.map((p) => exponentString(p.exponent, 2).length)) - 1;
    const fracWidth = Math.max(...parts.map((p) => p.fracPart.length));
    padLeft = Math.max(...parts.map((p) => p.intPart.length));
    padRight = expDigits + 2 + fracWidth;
    render = (v) => {
      const p = scientificParts(v, dtype, precision);
      return p.intPart.padStart(padLeft, " ") + "." + p.fracPart.padEnd(fracWidth, "0") + "e" + exponentString(p.exponent, expDigits);
    };
  } else if (finite.length > 0) {
    const parts = finite.map((v) => positionalParts(v, dtype, precision));
    padLeft = Math.max(...parts.map((p) => p.intPart.length));
    padRight = Math.max(...parts.map((p) => p.fracPart.length));
    render = (v) => {
      const p = positionalParts(v, dtype, precision);
      return p.intPart.padStart(padLeft, " ") + "." + p.fracPart.padEnd(padRight, " ");
    };
  }

  if (finite.length !== values.length) {
    const negInf = values.some((v) => v === -Infinity) ? 1 : 0;
    const offset = padRight + 1;
    padLeft = Math.max(padLeft, "nan".length - offset, "inf".length + negInf - offset);
  }

  return (v) => {
    if (Number.isFinite(v)) return render(v);
    const text = Number.isNaN(v) ? "nan" : v < 0 ? "-inf" : "inf";
    return text.padStart(padLeft + padRight + 1, " ");
  };
}

/** Options for {@link formatTableHtml}. */
export interface TableOptions extends FormatOptions {
  /** Largest number of rows or columns rendered as a table. Default 24. */
  maxSide?: number;
}

/** Whether `x` gets an HTML table from {@link formatTableHtml}. */
export function isTableSized(x: Tensor, maxSide = 24): boolean {
  return x.shape.length === 2 && x.shape.every((n) => n > 0 && n <= maxSide);
}

/**
 * An HTML table of a small 2-D array (cells formatted like numpy's repr, with
 * a caption giving shape and dtype), or `undefined` for other arrays.
 *
 * @example
 * formatTableHtml(ndarray(new Float64Array([1, 2, 3, 4]), [2, 2]))
 * // '<table class="einconv-array">...<td>1.</td>...'
 */
export function formatTableHtml(x: Tensor, options: TableOptions = {}): string | undefined {
  if (!isTableSized(x, options.maxSide)) return undefined;
  const [rows, cols] = x.shape;
  const dtype = dtypeOf(x);
  const values: number[] = [];
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) values.push(Number(x.get(i, j)));
  const format = elementFormatter(values, dtype, options.precision ?? DEFAULTS.precision);
  const cell = "padding:2px 8px;text-align:right;font-family:monospace;border:1px solid #ddd";
  const head = `<tr><th style="${cell};background:#f4f4f4"></th>${Array.from({ length: cols }, (_, j) => `<th style="${cell};background:#f4f4f4">${j}</th>`).join("")}</tr>`;
  const body = Array.from({ length: rows }, (_, i) => {
    const tds = Array.from({ length: cols }, (_, j) => `<td style="${cell}">${escapeHtml(format(values[i * cols + j]).trim())}</td>`);
    return `<tr><th style="${cell};background:#f4f4f4">${i}</th>${tds.join("")}</tr>`;
  });
  // nowrap: a narrow table must not break its caption inside "(3, 4)".
  const caption = `<caption style="caption-side:top;text-align:left;font-family:monospace;color:#555;white-space:nowrap">shape ${escapeHtml(pythonTuple(x.shape))}, ${dtype}</caption>`;
  return `<table class="einconv-array" style="border-collapse:collapse">${caption}${head}${body.join("")}</table>`;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A Jupyter MIME bundle: mimetype -> payload (text, base64 for images, JSON for `*+json` types). */
export type MimeBundle = Readonly<Record<string, string | object>>;

/** Options for {@link arrayBundle}. */
export interface BundleOptions extends TableOptions {
  /** Text shown before the array, e.g. a variable name. */
  label?: string;
  /** Add an HTML table for small 2-D arrays. Default true. */
  table?: boolean;
}

/**
 * The MIME bundle of an array (what `show` displays and what a tensor's
 * `[Symbol.for("Jupyter.display")]()` returns): numpy-style `text/plain`, plus
 * a `text/html` table (caption: shape and dtype) when the array is 2-D and at
 * most `maxSide` (24) on each side.
 *
 * @example
 * arrayBundle(ndarray(new Float64Array([1, 2]), [2]))["text/plain"]; // "array([1., 2.])"
 */
export function arrayBundle(x: Tensor, options: BundleOptions = {}): MimeBundle {
  const text = formatArray(x, options);
  const label = options.label ? `${options.label} = ` : "";
  const bundle: Record<string, string> = { "text/plain": label + text };
  const table = options.table === false ? undefined : formatTableHtml(x, options);
  if (table) {
    const heading = options.label
      ? `<div style="font-family:monospace;font-weight:bold;white-space:nowrap">${escapeHtml(options.label)}</div>`
      : "";
    bundle["text/html"] = heading + table;
  }
  return bundle;
}
