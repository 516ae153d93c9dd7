/**
 * A lint for notebook prose: static markdown must not state a measurement (a time, a
 * ratio, a count of points, a winner or a verdict). Those sentences change with the
 * machine, so a notebook computes them from its run and displays them as outputs.
 *
 * Exempt from the lint, by the project's conventions:
 * - blockquotes (`> ...`): a seed's own claim, quoted or paraphrased, with its figures;
 * - inline code and fenced code (formulas, identifiers, shapes);
 * - the phrases in `PROSE_ALLOWLIST` (fixed facts, each with its reason).
 *
 * Pure: test/notebooks_prose.test.ts runs it over the executed notebooks.
 */

/** One flagged passage. */
export interface ProseFinding {
  /** Which rule matched: "time", "ratio", "count", "verdict". */
  rule: string;
  /** The matched text. */
  match: string;
  /** 1-based line in the markdown text. */
  line: number;
}

/** An allowed phrase: a fixed fact that looks like a measurement. */
export interface AllowedPhrase {
  pattern: RegExp;
  reason: string;
}

/**
 * Fixed facts that would otherwise be flagged. Keep it small: a phrase belongs here only if
 * no machine can change it.
 */
export const PROSE_ALLOWLIST: readonly AllowedPhrase[] = [
  // Applied in order: the verdict list before the rule wording it contains.
  { pattern: /\b\d+ of \d+ (?:windows|taps|slabs|positions|axes|outputs kept)\b/gi, reason: "a count fixed by the shapes, not by a run" },
  { pattern: /\b(?:holds partly|does not hold|holds)(?:\s*\/\s*(?:holds partly|does not hold|holds))+/gi, reason: "the list of possible verdicts" },
  { pattern: /\bholds? (?:partly|if|when)\b/gi, reason: "the verdict rule's own wording (the rule, not a verdict)" },
];

interface ProseRule {
  rule: string;
  pattern: RegExp;
}

const UNITS = "(?:ns|µs|us|ms|s|sec|secs|seconds?|minutes?|min|hours?)";

/** What counts as a measurement. */
export const PROSE_RULES: readonly ProseRule[] = [
  // 18 ms, 0.5 s, 45 seconds, 1e-3 s
  { rule: "time", pattern: new RegExp(`\\b\\d+(?:[.,]\\d+)?(?:e-?\\d+)?\\s*${UNITS}\\b`, "gi") },
  // 2.5×, 3000x faster, 3 times; not 3×3 or n×n (dimensions)
  { rule: "ratio", pattern: /\b\d+(?:\.\d+)?\s*[×x](?![\d\w×])/g },
  { rule: "ratio", pattern: /\b\d+(?:\.\d+)?\s*times\b/gi },
  { rule: "ratio", pattern: /\b\d+(?:\.\d+)?\s*%/g },
  // 14 of 24 points
  { rule: "count", pattern: /\b\d+ (?:out )?of (?:the )?\d+\b/gi },
  // verdicts and winners
  {
    rule: "verdict",
    pattern:
      /\b(?:confirm(?:s|ed)?|holds|does not hold|did not hold|fastest|slowest|faster|slower|quicker|winner|wins|won|beats?|outperform(?:s|ed)?|caught up|ahead of|refuted|contradict(?:s|ed)?)\b/gi,
  },
];

/** Blanks out what the lint exempts, keeping line structure (so line numbers stay right). */
function exempt(text: string): string {
  // Fenced code blocks.
  let t = text.replace(/```[\s\S]*?```/g, (m) => m.replace(/[^\n]/g, " "));
  // Blockquote lines.
  t = t
    .split("\n")
    .map((line) => (/^\s*>/.test(line) ? "" : line))
    .join("\n");
  // Inline code.
  t = t.replace(/`[^`\n]*`/g, (m) => " ".repeat(m.length));
  for (const allowed of PROSE_ALLOWLIST) t = t.replace(allowed.pattern, (m) => " ".repeat(m.length));
  return t;
}

/** Flags every measurement-like passage in a markdown text (empty when clean). */
export function lintMarkdown(text: string): ProseFinding[] {
  const cleaned = exempt(text);
  const findings: ProseFinding[] = [];
  const lines = cleaned.split("\n");
  lines.forEach((line, i) => {
    for (const r of PROSE_RULES) {
      for (const m of line.matchAll(r.pattern)) findings.push({ rule: r.rule, match: m[0], line: i + 1 });
    }
  });
  return findings;
}

/** The parts of an .ipynb the lint needs. */
export interface NotebookCells {
  cells: Array<{ cell_type: string; source: string | string[] }>;
}

/** One finding located in a notebook. */
export interface NotebookFinding extends ProseFinding {
  cell: number;
}

/** Lints every markdown cell of a notebook (code cells and their outputs are not prose). */
export function lintNotebook(nb: NotebookCells): NotebookFinding[] {
  const out: NotebookFinding[] = [];
  nb.cells.forEach((c, index) => {
    if (c.cell_type !== "markdown") return;
    const text = Array.isArray(c.source) ? c.source.join("") : c.source;
    for (const f of lintMarkdown(text)) out.push({ ...f, cell: index });
  });
  return out;
}
