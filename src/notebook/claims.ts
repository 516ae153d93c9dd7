/**
 * Claim tables: a seed's claim, what this run measured, and a verdict computed by a
 * stated rule from the run's numbers. The rule and its inputs travel with the row, so a
 * saved table can be re-decided later (test/notebooks_claims.test.ts does exactly that
 * against the executed notebooks) and a reader sees which rule produced each verdict.
 *
 * Everything here except `markdown` and `saveClaims` is pure.
 */
import fs from "node:fs";
import path from "node:path";
import { type KernelKind, detectKernel } from "./kernel";


/** The three verdicts a claim can get. */
export type Verdict = "holds" | "holds partly" | "does not hold";

/**
 * How a verdict is decided, with the numbers it is decided from.
 *
 * - `share`: a claim about where something wins: `hits` of `total` points agree.
 *   holds at `hits/total >= holdsAt`, partly at `>= partlyAt`, else does not hold.
 * - `ratio`: a claimed figure (a time, a speed-up) against the measured one.
 *   holds when `measured/claimed` lies within [1/factor, factor]; partly within
 *   [1/partlyFactor, partlyFactor]; else does not hold.
 * - `checks`: a claim of correctness or of a fact (shapes, equalities):
 *   holds when all `total` checks pass, partly when some do, else does not hold.
 * - `order`: a claimed ordering "a is faster than b": `ratio = time(b) / time(a)`;
 *   holds at `ratio >= 1`, partly at `ratio >= partlyAbove`, else does not hold.
 */
export type VerdictRule =
  | { kind: "share"; hits: number; total: number; holdsAt: number; partlyAt: number }
  | { kind: "ratio"; measured: number; claimed: number; factor: number; partlyFactor: number }
  | { kind: "checks"; passed: number; total: number }
  | { kind: "order"; ratio: number; partlyAbove: number };

/** One row of a claim table. */
export interface ClaimRow {
  /** Seed file (e.g. "000_859ede780743134a.txt") or its short id ("000"). */
  seed: string;
  /** The claim, paraphrased. */
  claim: string;
  /** What this run measured, as a sentence built from the run's numbers. */
  measured: string;
  /** The rule and its inputs. */
  rule: VerdictRule;
  /** `decide(rule)`, stored so a saved table can be re-checked. */
  verdict: Verdict;
  /** One sentence: why it comes out this way (e.g. what einconv does differently). */
  why: string;
}

/** A claim row before its verdict is decided. */
export type ClaimInput = Omit<ClaimRow, "verdict">;

function checkFinite(name: string, v: number): void {
  if (!Number.isFinite(v)) throw new RangeError(`claim rule: ${name} must be a finite number, got ${v}`);
}

/** Applies a verdict rule (pure; throws on malformed inputs instead of guessing). */
export function decide(rule: VerdictRule): Verdict {
  switch (rule.kind) {
    case "share": {
      checkFinite("hits", rule.hits);
      checkFinite("total", rule.total);
      if (rule.total <= 0 || rule.hits < 0 || rule.hits > rule.total)
        throw new RangeError(`claim rule share: need 0 <= hits <= total and total > 0, got ${rule.hits} of ${rule.total}`);
      if (!(rule.partlyAt <= rule.holdsAt)) throw new RangeError(`claim rule share: partlyAt ${rule.partlyAt} must not exceed holdsAt ${rule.holdsAt}`);
      const share = rule.hits / rule.total;
      // A small epsilon so that 16 of 24 counts as "2/3" despite rounding of 2/3.
      if (share >= rule.holdsAt - 1e-12) return "holds";
      if (share >= rule.partlyAt - 1e-12 && rule.hits > 0) return "holds partly";
      return "does not hold";
    }
    case "ratio": {
      checkFinite("measured", rule.measured);
      checkFinite("claimed", rule.claimed);
      if (rule.measured <= 0 || rule.claimed <= 0) throw new RangeError(`claim rule ratio: measured and claimed must be positive, got ${rule.measured} and ${rule.claimed}`);
      if (!(rule.factor >= 1 && rule.partlyFactor >= rule.factor)) throw new RangeError(`claim rule ratio: need 1 <= factor <= partlyFactor, got ${rule.factor}, ${rule.partlyFactor}`);
      const r = rule.measured / rule.claimed;
      const spread = Math.max(r, 1 / r);
      if (spread <= rule.factor) return "holds";
      if (spread <= rule.partlyFactor) return "holds partly";
      return "does not hold";
    }
    case "checks": {
      if (!Number.isInteger(rule.total) || !Number.isInteger(rule.passed) || rule.total <= 0 || rule.passed < 0 || rule.passed > rule.total)
        throw new RangeError(`claim rule checks: need integers 0 <= passed <= total, total > 0, got ${rule.passed} of ${rule.total}`);
      if (rule.passed === rule.total) return "holds";
      if (rule.passed > 0) return "holds partly";
      return "does not hold";
    }
    case "order": {
      checkFinite("ratio", rule.ratio);
      if (rule.ratio <= 0) throw new RangeError(`claim rule order: ratio must be positive, got ${rule.ratio}`);
      if (!(rule.partlyAbove > 0 && rule.partlyAbove <= 1)) throw new RangeError(`claim rule order: partlyAbove must be in (0, 1], got ${rule.partlyAbove}`);
      if (rule.ratio >= 1) return "holds";
      if (rule.ratio >= rule.partlyAbove) return "holds partly";
      return "does not hold";
    }
  }
}

const pct = (x: number): string => `${Math.round(x * 100)} %`;

/** The rule in words, with its inputs (shown in the table's "rule" column). */
export function ruleText(rule: VerdictRule): string {
  switch (rule.kind) {
    case "share":
      return `${rule.hits} of ${rule.total} points; holds at ≥ ${pct(rule.holdsAt)}, partly at ≥ ${pct(rule.partlyAt)}`;
    case "ratio":
      return `measured / claimed = ${(rule.measured / rule.claimed).toPrecision(3)}; holds within ${rule.factor}× either way, partly within ${rule.partlyFactor}×`;
    case "checks":
      return `${rule.passed} of ${rule.total} checks pass; holds if all, partly if some`;
    case "order":
      return `ratio ${rule.ratio.toPrecision(3)}; holds at ≥ 1, partly at ≥ ${rule.partlyAbove}`;
  }
}

/** Decides a row's verdict. */
export function claim(input: ClaimInput): ClaimRow {
  return { ...input, verdict: decide(input.rule) };
}

/** Escapes a cell for a markdown table (pipes and line breaks would break the row). */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** The column headers of a claim table, in order. */
export const CLAIM_TABLE_HEADERS = ["seed", "claim", "measured in this run", "rule", "verdict", "why"] as const;

/** A markdown table of claim rows (one line per row, so it can be parsed back). */
export function claimTableMarkdown(rows: readonly ClaimRow[]): string {
  const lines = [`| ${CLAIM_TABLE_HEADERS.join(" | ")} |`, `|${CLAIM_TABLE_HEADERS.map(() => "---").join("|")}|`];
  for (const r of rows) {
    lines.push(`| ${[r.seed, r.claim, r.measured, ruleText(r.rule), `**${r.verdict}**`, r.why].map(cell).join(" | ")} |`);
  }
  return lines.join("\n");
}

/** One row read back from a displayed claim table. */
export interface ShownClaim {
  seed: string;
  claim: string;
  verdict: string;
}

/** Reads the rows of every claim table in a markdown text (inverse of `claimTableMarkdown` for seed, claim, verdict). */
export function parseClaimTables(markdownText: string): ShownClaim[] {
  const out: ShownClaim[] = [];
  const header = `| ${CLAIM_TABLE_HEADERS.join(" | ")} |`;
  const lines = markdownText.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== header) continue;
    for (let j = i + 2; j < lines.length && lines[j].startsWith("| "); j++) {
      // Escaped pipes (\|) are set aside, the row is split on its cell separators, then they are restored.
      const cells = lines[j]
        .slice(2, -2)
        .replace(/\\\|/g, "\u0000")
        .split(" | ")
        .map((c) => c.replace(/\u0000/g, "|"));
      if (cells.length !== CLAIM_TABLE_HEADERS.length) throw new Error(`claim table row ${j + 1} has ${cells.length} cells, expected ${CLAIM_TABLE_HEADERS.length}: ${lines[j]}`);
      out.push({ seed: cells[0], claim: cells[1], verdict: cells[4].replace(/^\*\*|\*\*$/g, "") });
    }
  }
  return out;
}

/** What a notebook saves next to its claim table. */
export interface SavedClaims {
  notebook: string;
  /** ISO time of the run. */
  date: string;
  /** The verdict rules in words, as the notebook states them. */
  rules: string;
  rows: ClaimRow[];
  /** The raw measurements the rule inputs were computed from (timings, differences, ...). */
  raw: Record<string, unknown>;
}

/**
 * Writes `out/claims/<kernel>/<notebook>.json` under `root` (the project root; kernel "tslab", "deno" or "none") and returns the path.
 * Untracked output: the notebook run must not modify tracked files.
 */
export function saveClaims(root: string, saved: SavedClaims, kernel: KernelKind = detectKernel().kind): string {
  // One folder per kernel: the tslab and Deno runs of a notebook each keep the numbers behind their own page.
  const dir = path.join(root, "out", "claims", kernel);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${saved.notebook}.json`);
  fs.writeFileSync(file, JSON.stringify(saved, null, 1) + "\n");
  return file;
}

/** Re-decides every saved row; returns the rows whose stored verdict differs from the rule's. */
export function recheckClaims(saved: Pick<SavedClaims, "rows">): Array<{ claim: string; stored: Verdict; decided: Verdict }> {
  return saved.rows
    .map((r) => ({ claim: r.claim, stored: r.verdict, decided: decide(r.rule) }))
    .filter((r) => r.stored !== r.decided);
}

/** "3.2×" style ratio for computed sentences (two significant digits, at least one decimal below 10). */
export function times(r: number): string {
  if (!Number.isFinite(r)) return String(r);
  return `${r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toPrecision(2)}×`;
}
