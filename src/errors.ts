import path from "node:path";

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

/** Most frames an error can be thrown under inside einconv (parse → plan → memo → compile …). */
const INTERNAL_FRAMES = 40;

/** The compiled library's own folder (dist/src): frames in it are einconv internals. */
const LIBRARY_DIR = __dirname + path.sep;

/**
 * Thrown for any invalid einsum spec, operand, view or option.
 *
 * Displays for the person who made the call: `stack` is the message (caret
 * first) followed only by the frames of the caller, not einconv's internals;
 * `util.inspect` (what Node and tslab print for an uncaught error) shows that
 * stack alone, without the `dist/` source excerpt Node's `vm` prepends and
 * without dumping `source`/`span` (non-enumerable, still readable).
 */
export class EinsumError extends Error {
  // On the prototype (below), not an own enumerable field, so inspect shows no `{ name }`.
  declare readonly name: "EinsumError";
  /** The spec the error is about, when there is one. */
  declare readonly source: string | undefined;
  /** Where in `source` the problem is. */
  declare readonly span: Span | undefined;

  constructor(message: string, source?: string, span?: Span) {
    // Capture INTERNAL_FRAMES more frames than asked for, so einconv's own depth never
    // pushes the caller's frames past Error.stackTraceLimit (they are cut back to it below).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = limit + INTERNAL_FRAMES;
    try {
      super(source !== undefined && span !== undefined ? `${caretMessage(source, span)}\n${message}` : message);
    } finally {
      Error.stackTraceLimit = limit;
    }
    Object.defineProperty(this, "source", { value: source, enumerable: false });
    Object.defineProperty(this, "span", { value: span, enumerable: false });
    Object.defineProperty(this, "stack", { value: callerStack(this, limit), writable: true, enumerable: false, configurable: true });
  }

  /** What `util.inspect`/`console.log` print: the stack, minus any excerpt a REPL put in front of it. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    const stack = typeof this.stack === "string" ? this.stack : "";
    const header = `${this.name}: ${this.message}`;
    const at = stack.indexOf(header);
    return at >= 0 ? stack.slice(at) : stack || header;
  }
}

Object.defineProperty(EinsumError.prototype, "name", { value: "EinsumError", writable: true, configurable: true, enumerable: false });

/**
 * `name: message` and the frames outside einconv: everything up to the
 * outermost frame in einconv's own files is dropped (the internals between
 * the API call and the throw say nothing to the caller), and so is everything
 * from a `node:vm` frame on (the notebook kernel or REPL that ran the caller).
 */
function callerStack(error: Error, limit: number): string {
  const header = `${error.name}: ${error.message}`;
  const frames = (typeof error.stack === "string" ? error.stack : "").split("\n").filter((line) => /^\s+at /.test(line));
  let lastInternal = -1;
  frames.forEach((line, i) => {
    if (line.includes(LIBRARY_DIR)) lastInternal = i;
  });
  const caller = frames.slice(lastInternal + 1);
  // A notebook or REPL runs the caller's code through node:vm; the frames from there
  // down are the kernel's (tslab's executor), not the caller's.
  const vm = caller.findIndex((line) => line.includes("node:vm:"));
  return [header, ...caller.slice(0, vm >= 0 ? vm : caller.length).slice(0, limit)].join("\n");
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
