import { test } from "node:test";
import assert from "node:assert/strict";
import { EinsumError } from "../src/index";
import { Parser, sublistToSpec } from "../src/internals";

const parser = new Parser();
const labels = (spec: string) =>
  parser.parse(spec).inputs.map((t) => t.items.map((it) => (it.kind === "label" ? it.label : "...")).join(""));

test("parses terms, ellipsis, whitespace and implicit mode", () => {
  assert.deepEqual(labels("bihwkl,oikl->bohw"), ["bihwkl", "oikl"]);
  assert.deepEqual(labels(" i j , j k "), ["ij", "jk"]);
  assert.deepEqual(labels("...ij,j...->i..."), ["...ij", "j..."]);
  assert.deepEqual(labels(",ij"), ["", "ij"]);
  assert.equal(parser.parse("ij,jk").output, null);
  assert.deepEqual(parser.parse("ij->").output?.items, []);
});

test("records source spans of labels", () => {
  const s = parser.parse("ab,bc->ac");
  const second = s.inputs[1].items[0];
  assert.deepEqual(second.span, { start: 3, end: 4 });
  assert.deepEqual(s.inputs[1].span, { start: 3, end: 5 });
});

function throwsAt(spec: string, col: number, text: RegExp): void {
  assert.throws(() => parser.parse(spec), (e: unknown) => {
    assert.ok(e instanceof EinsumError, `expected EinsumError, got ${String(e)}`);
    assert.match(e.message, new RegExp(`^Line 1, col ${col}:\\n> 1 \\| `));
    assert.match(e.message, text);
    const caret = e.message.split("\n")[2];
    assert.equal(caret.indexOf("^"), "> 1 | ".length + col - 1, `caret under col ${col}: ${JSON.stringify(e.message)}`);
    return true;
  });
}

test("syntax errors name the problem and point at it", () => {
  throwsAt("i$j", 2, /invalid character "\$"/);
  throwsAt("i.j", 2, /'\.' that is not part of an ellipsis/);
  throwsAt("..i", 1, /'\.' that is not part of an ellipsis/);
  throwsAt("i->j->k", 5, /second '->'/);
  throwsAt("ij->i,j", 6, /single term/);
  throwsAt("ij->ii", 6, /output subscript 'i' appears more than once/);
  throwsAt("ij->k", 5, /'k' does not appear in any input/);
  throwsAt("...i...", 5, /more than one ellipsis/);
  throwsAt("i - > i", 3, /invalid character "-"/);
});

test("sublist form maps ids like numpy (0-25 -> A-Z, 26-51 -> a-z)", () => {
  assert.equal(sublistToSpec([[0, 1], [1, 2]], [0, 2]), "AB,BC->AC");
  assert.equal(sublistToSpec([["...", 26]], undefined), "...a");
  assert.throws(() => sublistToSpec([[52]], undefined), /\[0, 52\)/);
});
