/**
 * One error type for every bad spec, operand or option, carrying the span of the
 * expression it is about. Messages use Ohm's "Line 1, col N" + caret layout for
 * syntax and semantic errors alike.
 */

/** Half-open character range [start, end) in the spec string. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** Thrown for any invalid einsum spec, operand, view or option. */
export class EinsumError extends Error {
  override readonly name = "EinsumError";
  /** The spec the error is about, when there is one. */
  readonly source: string | undefined;
  /** Where in `source` the problem is. */
  readonly span: Span | undefined;

  constructor(message: string, source?: string, span?: Span) {
    super(source !== undefined && span !== undefined ? `${caretMessage(source, span)}\n${message}` : message);
    this.source = source;
    this.span = span;
  }
}

/**
 * Formats a position the way Ohm does for syntax errors:
 * ```
 * Line 1, col 4:
 * > 1 | ij,jk->ii
 *              ^~
 * ```
 */
export function caretMessage(source: string, span: Span): string {
  const lines = source.split("\n");
  let lineStart = 0;
  let lineNo = 0;
  while (lineNo < lines.length - 1 && lineStart + lines[lineNo].length < span.start) {
    lineStart += lines[lineNo].length + 1;
    lineNo++;
  }
  const col = span.start - lineStart;
  const prefix = `> ${lineNo + 1} | `;
  const width = Math.max(1, Math.min(span.end, lineStart + lines[lineNo].length) - span.start);
  const marker = " ".repeat(prefix.length + col) + "^" + "~".repeat(width - 1);
  return `Line ${lineNo + 1}, col ${col + 1}:\n${prefix}${lines[lineNo]}\n${marker}`;
}
