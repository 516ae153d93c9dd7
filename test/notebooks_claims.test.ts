/**
 * Recomputes every claim table's verdicts from the JSON each notebook saved
 * (out/claims/tslab/<notebook>.json) and compares them with the table the executed page shows
 * (out/notebooks/<notebook>.ipynb, written by test/notebooks.test.ts, which sorts first).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { decide, parseClaimTables, type SavedClaims, type ShownClaim } from "../src/notebook/claims";

const ROOT = path.join(__dirname, "..", "..");
const OUT = path.join(ROOT, "out", "notebooks");
/** The notebooks that reproduce a seed, each with a claim table. */
const WITH_CLAIMS = ["02_blog_conv", "03_nhwc_conv", "04_article_conv2d", "05_strided_qa", "06_conv_layer"];
const ci = process.env.CI === "true" || process.env.CI === "1";

interface Output {
  output_type: string;
  data?: Record<string, string | string[]>;
}
interface Cell {
  cell_type: string;
  outputs?: Output[];
}

/** Every claim-table row displayed as a markdown output of a code cell. */
function shownClaims(nb: { cells: Cell[] }): ShownClaim[] {
  const rows: ShownClaim[] = [];
  for (const c of nb.cells) {
    if (c.cell_type !== "code") continue;
    for (const o of c.outputs ?? []) {
      const md = o.data?.["text/markdown"];
      if (md !== undefined) rows.push(...parseClaimTables(Array.isArray(md) ? md.join("") : md));
    }
  }
  return rows;
}

for (const name of WITH_CLAIMS) {
  const page = path.join(OUT, `${name}.ipynb`);
  const saved = path.join(ROOT, "out", "claims", "tslab", `${name}.json`); // the tslab run's numbers, beside its page in out/notebooks
  const missing = [page, saved].filter((f) => !fs.existsSync(f));
  const skip = missing.length > 0 && !ci ? `missing ${missing.map((f) => path.relative(ROOT, f)).join(", ")}: run the notebooks first` : false;
  if (skip) process.stdout.write(`notebooks_claims: ${name}: skipped, ${skip}\n`);
  test(`${name}: the claim table shown equals the verdicts recomputed from its saved results`, { skip }, () => {
    const claims = JSON.parse(fs.readFileSync(saved, "utf8")) as SavedClaims;
    assert.equal(claims.notebook, name);
    assert.ok(claims.rows.length > 0, "a claim table needs rows");
    assert.ok(claims.raw && Object.keys(claims.raw).length > 0, "the raw numbers behind the verdicts must be saved");
    const shown = shownClaims(JSON.parse(fs.readFileSync(page, "utf8")) as { cells: Cell[] });
    assert.equal(shown.length, claims.rows.length, `the page shows ${shown.length} claim rows, the saved results have ${claims.rows.length}`);
    claims.rows.forEach((row, i) => {
      const decided = decide(row.rule);
      assert.equal(row.verdict, decided, `saved verdict of "${row.claim}" is not what its rule gives`);
      assert.equal(shown[i].claim, row.claim.replace(/\r?\n/g, " "), `row ${i} of the page is a different claim`);
      assert.equal(shown[i].verdict, decided, `the page shows "${shown[i].verdict}" for "${row.claim}", its saved numbers give "${decided}"`);
    });
  });
}
