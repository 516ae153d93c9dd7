/**
 * Stage 1 — parse: spec string (or numpy's sublist form) → {@link Subscripts}.
 *
 * The Ohm grammar in `grammar/einsum.ohm` owns the syntax; this file holds the
 * one semantics that turns a match into a record, plus the checks that need the
 * whole expression but no operand (one ellipsis per term, output labels).
 */
import * as fs from "fs";
import * as path from "path";
import * as ohm from "ohm-js";
import { AffineIndex, AffineTerm, formatAffine } from "./affine";
import { EinsumError, Span } from "./errors";

/** One axis name in a term, with where it was written. */
export interface LabelItem {
  readonly kind: "label";
  readonly label: string;
  readonly span: Span;
}

/** The `...` of a term. */
export interface EllipsisItem {
  readonly kind: "ellipsis";
  readonly span: Span;
}

/** A parenthesized affine index such as `(2h+k-1)`: one axis indexed by a combination of labels. */
export interface AffineItem {
  readonly kind: "affine";
  readonly index: AffineIndex;
  readonly span: Span;
}

export type TermItem = LabelItem | EllipsisItem | AffineItem;

/** The subscripts of one operand (or of the output). */
export interface Term {
  readonly items: readonly TermItem[];
  readonly span: Span;
}

/** A parsed einsum expression. `output` is null in implicit mode (no `->`). */
export interface Subscripts {
  readonly source: string;
  readonly inputs: readonly Term[];
  readonly output: Term | null;
}

/** Operand subscripts in numpy's sublist form: axis ids 0..51 or the string "...". */
export type Sublist = ReadonlyArray<number | "...">;

const GRAMMAR_FILE = path.join(__dirname, "..", "..", "grammar", "einsum.ohm");

/** Loads the grammar once per parser; a Parser is immutable after construction. */
export class Parser {
  private readonly grammar: ohm.Grammar;
  private readonly semantics: ohm.Semantics;

  constructor(grammarSource: string = fs.readFileSync(GRAMMAR_FILE, "utf8")) {
    this.grammar = ohm.grammar(grammarSource);
    this.semantics = this.grammar.createSemantics().addOperation<unknown>("record", ACTIONS);
  }

  /** Parsed specs by source text: records are immutable, so repeated calls reuse them. */
  private readonly memo = new Map<string, Subscripts>();
  private static readonly MEMO_LIMIT = 512;

  /** Parses a numpy subscripts string such as `"bihwkl,oikl->bohw"`. */
  parse(source: string): Subscripts {
    const known = this.memo.get(source);
    if (known) return known;
    const parsed = this.parseUncached(source);
    if (this.memo.size >= Parser.MEMO_LIMIT) this.memo.delete(this.memo.keys().next().value as string);
    this.memo.set(source, parsed);
    return parsed;
  }

  private parseUncached(source: string): Subscripts {
    const match = this.grammar.match(source);
    if (match.failed()) {
      throw new EinsumError(`${match.message ?? "invalid einsum spec"}`.replace(/\n?$/, "") + `\nin einsum spec ${JSON.stringify(source)}`);
    }
    let parsed: { inputs: Term[]; output: Term | null };
    try {
      parsed = this.semantics(match).record() as typeof parsed;
    } catch (e) {
      if (e instanceof SpecProblem) throw new EinsumError(e.message, source, e.span);
      throw e;
    }
    const subscripts: Subscripts = { source, inputs: parsed.inputs, output: parsed.output };
    checkSubscripts(subscripts);
    return subscripts;
  }
}

function span(node: ohm.Node): Span {
  return { start: node.source.startIdx, end: node.source.endIdx };
}

/** Raised inside the semantics; `parse` attaches the source text and rethrows an EinsumError. */
class SpecProblem {
  constructor(readonly message: string, readonly span: Span) {}
}

const ACTIONS: ohm.ActionDict<unknown> = {
  Spec_extraArrow(_inputs, _arrow, _output, extraArrows, _extraOutputs) {
    const arrow = extraArrows.children[0];
    throw new SpecProblem("a second '->': an einsum spec has at most one output", span(arrow));
  },
  Spec_explicit(inputs, _arrow, output) {
    return { inputs: inputs.record(), output: output.record() };
  },
  Spec_implicit(inputs) {
    return { inputs: inputs.record(), output: null };
  },
  Inputs(list) {
    return list.asIteration().children.map((term) => term.record());
  },
  Output(list) {
    const terms = list.asIteration().children;
    if (terms.length > 1) {
      const at = terms[0].source.endIdx;
      throw new SpecProblem("the output after '->' must be a single term, but a ',' follows it", { start: at, end: at + 1 });
    }
    return terms[0].record();
  },
  Term(items): Term {
    return { items: items.children.map((item) => item.record() as TermItem), span: span(this) };
  },
  Item_ellipsis(_dots): EllipsisItem {
    return { kind: "ellipsis", span: span(this) };
  },
  Item_label(_letter): LabelItem {
    return { kind: "label", label: this.sourceString, span: span(this) };
  },
  Item_affine(_open, expr, _close): AffineItem {
    const atoms = expr.record() as Array<{ coef: number; label: string | null; span: Span }>;
    const terms: AffineTerm[] = [];
    const where = new Map<string, Span>();
    let constant = 0;
    for (const atom of atoms) {
      if (atom.label === null) {
        constant += atom.coef;
        continue;
      }
      if (where.has(atom.label)) {
        throw new SpecProblem(`label '${atom.label}' appears twice inside one affine index; write its coefficients as one term`, atom.span);
      }
      if (atom.coef === 0) throw new SpecProblem(`label '${atom.label}' has coefficient 0 in an affine index`, atom.span);
      where.set(atom.label, atom.span);
      terms.push({ label: atom.label, coef: atom.coef });
    }
    const index: AffineIndex = { terms, constant };
    if (terms.length === 0) throw new SpecProblem(`affine index (${formatAffine(index)}) has no label`, span(this));
    return { kind: "affine", index, span: span(this) };
  },
  Item_emptyAffine(_open, _close) {
    throw new SpecProblem("empty affine index '()': write labels with integer coefficients, e.g. (2h+k)", span(this));
  },
  Item_unclosedAffine(open, _expr) {
    throw new SpecProblem("unclosed '(': an affine index ends with ')'", { start: open.source.startIdx, end: this.source.endIdx });
  },
  AffineExpr(sign, first, signs, rest) {
    const atoms = [signed(sign.children[0], first), ...signs.children.map((s, i) => signed(s, rest.children[i]))];
    return atoms;
  },
  AffineAtom_fractionalScaled(_n, _star, _label) {
    throw new SpecProblem(`coefficient ${this.children[0].sourceString} is not an integer: affine indices take integer coefficients`, span(this.children[0]));
  },
  AffineAtom_fractionalConstant(_n) {
    throw new SpecProblem(`constant ${this.sourceString} is not an integer: affine indices take integer constants`, span(this));
  },
  AffineAtom_scaled(n, _star, label) {
    return { coef: Number(n.sourceString), label: label.sourceString };
  },
  AffineAtom_constant(n) {
    return { coef: Number(n.sourceString), label: null };
  },
  AffineAtom_label(label) {
    return { coef: 1, label: label.sourceString };
  },
  Item_strayDot(_dot) {
    throw new SpecProblem("a '.' that is not part of an ellipsis '...'", span(this));
  },
  Item_invalidChar(_char) {
    throw new SpecProblem(`invalid character ${JSON.stringify(this.sourceString)}: subscripts must be letters a-z or A-Z`, span(this));
  },
};

/** One signed atom of an affine expression (a missing sign is '+'). */
function signed(sign: ohm.Node | undefined, atom: ohm.Node): { coef: number; label: string | null; span: Span } {
  const a = atom.record() as { coef: number; label: string | null };
  const negative = sign !== undefined && sign.sourceString === "-";
  return { coef: negative ? -a.coef : a.coef, label: a.label, span: span(atom) };
}

/** The labels an item mentions (none for '...'). */
export function itemLabels(item: TermItem): string[] {
  if (item.kind === "label") return [item.label];
  if (item.kind === "affine") return item.index.terms.map((t) => t.label);
  return [];
}

/** Whether any term of the expression has an affine item. */
export function hasAffine(s: Subscripts): boolean {
  const terms = s.output ? [...s.inputs, s.output] : s.inputs;
  return terms.some((t) => t.items.some((it) => it.kind === "affine"));
}

/** Checks that need the whole expression but no operand. */
function checkSubscripts(s: Subscripts): void {
  const terms = s.output ? [...s.inputs, s.output] : s.inputs;
  terms.forEach((term, t) => {
    const dots = term.items.filter((item) => item.kind === "ellipsis");
    if (dots.length > 1) {
      const where = t < s.inputs.length ? `operand ${t}` : "the output";
      throw new EinsumError(`more than one ellipsis '...' in the subscripts of ${where}`, s.source, dots[1].span);
    }
  });
  if (!s.output) return;
  const inputLabels = new Set<string>();
  for (const term of s.inputs) for (const item of term.items) for (const l of itemLabels(item)) inputLabels.add(l);
  const seen = new Set<string>();
  for (const item of s.output.items) {
    if (item.kind === "affine") {
      for (const t of item.index.terms) {
        if (!inputLabels.has(t.label)) throw new EinsumError(`output subscript '${t.label}' does not appear in any input`, s.source, item.span);
      }
      continue;
    }
    if (item.kind !== "label") continue;
    if (seen.has(item.label)) {
      throw new EinsumError(`output subscript '${item.label}' appears more than once`, s.source, item.span);
    }
    seen.add(item.label);
    if (!inputLabels.has(item.label)) {
      throw new EinsumError(`output subscript '${item.label}' does not appear in any input`, s.source, item.span);
    }
  }
}

/** Letter for a sublist axis id, as numpy maps them: 0-25 → A-Z, 26-51 → a-z. */
function sublistLetter(id: number | "...", where: string): string {
  if (id === "...") return "...";
  if (!Number.isInteger(id) || id < 0 || id > 51) {
    throw new EinsumError(`${where}: sublist subscript ${String(id)} is not an integer in [0, 52) or "..."`);
  }
  return id < 26 ? String.fromCharCode(65 + id) : String.fromCharCode(97 + id - 26);
}

/**
 * Turns numpy's sublist form into the equivalent subscripts string, which is then
 * parsed like any other, e.g. `([0, 1], [1, 2]) , [0, 2]` → `"AB,BC->AC"`.
 */
export function sublistToSpec(inputs: readonly Sublist[], output: Sublist | undefined): string {
  const term = (list: Sublist, where: string) => list.map((id) => sublistLetter(id, where)).join("");
  const lhs = inputs.map((list, i) => term(list, `operand ${i}`)).join(",");
  return output === undefined ? lhs : `${lhs}->${term(output, "output")}`;
}
