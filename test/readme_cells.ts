/**
 * The README as a test, the pure half: extract every ```ts block of a markdown text as a
 * notebook cell, turn its marked lines into probes, and judge what the probes saw against the
 * README's stated values. test/readme.test.ts compiles and runs the cells.
 *
 * The README's conventions (generic: any block, whatever the README says):
 *  - a line `EXPR;  // prose → VALUE` (or `const name = EXPR;  // … → VALUE`) states EXPR's value:
 *    the text after the comment's last "→" is compared with the value formatted as below
 *    (whitespace-insensitive);
 *  - a line `EXPR;  // throws ↓` must throw; its message must equal the next plain fenced block
 *    (``` with no language, or ```text) after that ts block, in order of the throws markers;
 *  - each block is one cell, compiled on its own with its own imports (strict TypeScript against the
 *    built package, like a tslab cell: top-level await is allowed), and its last line, when it is
 *    a bare expression (no `;`), is the cell's displayed value: it must display through a hook
 *    (util.inspect.custom), never as an object dump.
 * Values format as: a tensor -> its nested array `[[4, 5], [10, 11]]` (0-d: the number); arrays
 * `[a, b]`; numbers with String(); strings as they are; other objects `{ k: v, … }`.
 */

export interface Marker {
  kind: "value" | "throws";
  /** 1-based line in the README. */
  line: number;
  /** For a value: the stated text; for throws: the error block's text. */
  expected: string;
}

export interface Cell {
  /** Index among the README's ts blocks. */
  index: number;
  /** 1-based README line of the block's first code line. */
  line: number;
  /** The block's code as written (dedented). */
  code: string;
  markers: Marker[];
  /** The TypeScript module the test compiles: imports, then `export async function cell(probe)`. */
  module: string;
  /** Marked throws whose error block was missing (a README mistake, reported as a failure). */
  problems: string[];
}

/** What running a cell recorded: values[k] / errors[k] for marker k; `last` = inspect of the last value. */
export interface CellRun {
  values: Map<number, unknown>;
  errors: Map<number, string | undefined>;
  /** The bare last expression's value, when the cell has one. */
  last?: { value: unknown };
  /** Compile or runtime failure of the whole cell. */
  failure?: string;
}

interface Block {
  lang: string;
  line: number;
  code: string;
}

/** Every fenced block (``` at any indent, closed at the same indent), dedented. */
export function fencedBlocks(markdown: string): Block[] {
  const lines = markdown.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```([\w+-]*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const indent = open[1];
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !new RegExp(`^${indent}\`\`\`\\s*$`).test(lines[j])) body.push(lines[j++]);
    blocks.push({ lang: open[2], line: i + 2, code: body.map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart())).join("\n") });
    i = j;
  }
  return blocks;
}

const VALUE_LINE = /^(\s*)(.*;)\s*\/\/(.*)→\s*(.+?)\s*$/;
const THROWS_LINE = /^(\s*)(.*;)\s*\/\/\s*throws ↓\s*$/;
const DECLARATION = /^(const|let)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*(.*);$/;

/** The README's ts blocks as cells (see the module comment for the conventions). */
export function extractCells(markdown: string): Cell[] {
  const blocks = fencedBlocks(markdown);
  const cells: Cell[] = [];
  blocks.forEach((b, bi) => {
    if (b.lang !== "ts" && b.lang !== "typescript") return;
    // Error blocks: the plain blocks after this ts block, before the next one.
    const errorBlocks: Block[] = [];
    for (let k = bi + 1; k < blocks.length && blocks[k].lang !== "ts" && blocks[k].lang !== "typescript"; k++) {
      if (blocks[k].lang === "" || blocks[k].lang === "text") errorBlocks.push(blocks[k]);
    }
    const markers: Marker[] = [];
    const problems: string[] = [];
    const imports: string[] = [];
    const body: string[] = [];
    const lines = b.code.split("\n");
    let lastExpr: string | undefined;
    const lastCode = lines.map((l, i) => ({ l: l.replace(/\s*\/\/.*$/, "").trim(), i })).filter((x) => x.l !== "").pop();
    lines.forEach((text, i) => {
      const line = b.line + i;
      if (/^import\s/.test(text)) {
        imports.push(text);
        return;
      }
      const thrown = THROWS_LINE.exec(text);
      if (thrown) {
        const k = markers.length;
        const nth = markers.filter((m) => m.kind === "throws").length;
        const block = errorBlocks[nth];
        if (!block) problems.push(`README line ${line}: "throws ↓" but no error block follows the ts block`);
        markers.push({ kind: "throws", line, expected: block ? block.code.trim() : "" });
        body.push(`${thrown[1]}await probe.throws(${k}, async () => { ${thrown[2]} });`);
        return;
      }
      const valued = VALUE_LINE.exec(text);
      if (valued) {
        const k = markers.length;
        markers.push({ kind: "value", line, expected: valued[4] });
        const decl = DECLARATION.exec(valued[2].trim());
        if (decl) body.push(`${valued[1]}${valued[2]} probe.value(${k}, ${decl[2]});`);
        else body.push(`${valued[1]}probe.value(${k}, (${valued[2].replace(/;\s*$/, "")}));`);
        return;
      }
      if (lastCode && i === lastCode.i && !/[;{}]$/.test(lastCode.l) && !/^(const|let|var|function|class|type|interface|export)\b/.test(lastCode.l)) {
        lastExpr = lastCode.l;
        body.push(`return { last: (${lastExpr}) };`);
        return;
      }
      body.push(text);
    });
    const module = [
      "// Generated by test/readme.test.ts from a README.md ts block: do not edit.",
      ...imports,
      "interface ReadmeProbe { value(k: number, v: unknown): void; throws(k: number, f: () => Promise<unknown>): Promise<void>; }",
      "export async function cell(probe: ReadmeProbe): Promise<{ last: unknown } | void> {",
      ...body.map((l) => `  ${l}`),
      "}",
      "",
    ].join("\n");
    cells.push({ index: cells.length, line: b.line, code: b.code, markers, module, problems });
  });
  return cells;
}

interface NestedTensorLike {
  shape: readonly number[];
  data: ArrayLike<number>;
  get(...i: number[]): number;
}

function isTensorLike(v: unknown): v is NestedTensorLike {
  const t = v as Partial<NestedTensorLike> | null;
  return typeof t === "object" && t !== null && Array.isArray(t.shape) && typeof t.get === "function" && t.data !== undefined;
}

function nested(t: NestedTensorLike, prefix: number[] = []): unknown {
  if (prefix.length === t.shape.length) return t.get(...prefix);
  return Array.from({ length: t.shape[prefix.length] }, (_, i) => nested(t, [...prefix, i]));
}

/** A value as the README writes it (see the module comment). */
export function formatValue(v: unknown): string {
  if (isTensorLike(v)) return formatValue(nested(v));
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return v;
  if (typeof v === "boolean" || v === undefined || v === null) return String(v);
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return `[${Array.from(v as ArrayLike<unknown>, formatValue).join(", ")}]`;
  if (typeof v === "object") return `{ ${Object.entries(v as object).map(([k, x]) => `${k}: ${formatValue(x)}`).join(", ")} }`;
  return String(v);
}

const normalize = (s: string) => s.replace(/\s+/g, " ").replace(/([[({]) /g, "$1").replace(/ ([\])}])/g, "$1").trim();

/** One failure per stated value or error text that the run contradicts (empty: the README is right). */
export function judgeCell(cell: Cell, run: CellRun): string[] {
  const where = (line: number) => `README line ${line}`;
  if (run.failure) return [`README ts block at line ${cell.line}: ${run.failure}`];
  const out = [...cell.problems];
  cell.markers.forEach((m, k) => {
    if (m.kind === "value") {
      if (!run.values.has(k)) return void out.push(`${where(m.line)}: the line did not run`);
      const got = formatValue(run.values.get(k));
      if (normalize(got) !== normalize(m.expected)) out.push(`${where(m.line)}: README says → ${m.expected}, the code gives ${got}`);
    } else {
      if (!run.errors.has(k)) return void out.push(`${where(m.line)}: the line did not run`);
      const msg = run.errors.get(k);
      if (msg === undefined) out.push(`${where(m.line)}: README says it throws, it returned`);
      else if (msg.trim() !== m.expected) out.push(`${where(m.line)}: README's error text differs:\n--- README\n${m.expected}\n--- thrown\n${msg.trim()}`);
    }
  });
  if (run.last) {
    const v = run.last.value;
    const hook = typeof v === "object" && v !== null && typeof (v as Record<symbol, unknown>)[Symbol.for("nodejs.util.inspect.custom")] === "function";
    if (typeof v === "object" && v !== null && !hook && !isTensorLike(v)) out.push(`README ts block at line ${cell.line}: its last value displays as an object dump (no util.inspect.custom hook)`);
  }
  return out;
}

/**
 * Copies of the README with one stated value or one error text changed each (the unit test
 * proves every one of them makes judgeCell fail). A number's last digit is bumped; other text
 * gets a character appended.
 */
export function mutatedReadmes(markdown: string): Array<{ what: string; text: string }> {
  const lines = markdown.split("\n");
  const out: Array<{ what: string; text: string }> = [];
  for (const cell of extractCells(markdown)) {
    for (const m of cell.markers) {
      if (m.kind === "value") {
        const i = m.line - 1;
        const arrow = lines[i].lastIndexOf("→");
        const head = lines[i].slice(0, arrow + 1);
        const value = lines[i].slice(arrow + 1);
        const digit = value.search(/\d(?!.*\d)/);
        const changed = digit >= 0 ? value.slice(0, digit) + String((Number(value[digit]) + 1) % 10) + value.slice(digit + 1) : `${value}x`;
        out.push({ what: `value at line ${m.line}`, text: [...lines.slice(0, i), head + changed, ...lines.slice(i + 1)].join("\n") });
      } else if (m.expected !== "") {
        // The error block's first line that has a letter: change one letter.
        const blockStart = lines.findIndex((l, j) => j > m.line - 1 && l.includes(m.expected.split("\n")[0]));
        if (blockStart < 0) continue;
        out.push({ what: `error text at line ${blockStart + 1}`, text: [...lines.slice(0, blockStart), `${lines[blockStart]}!`, ...lines.slice(blockStart + 1)].join("\n") });
      }
    }
  }
  return out;
}
