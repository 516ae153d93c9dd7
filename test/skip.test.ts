/** test/skip.ts: the one skip decision. A missing tool skips locally (named, printed, recorded) and fails under CI. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { inCI, requireTool, skipped } from "./skip";

test("a present tool never skips", () => {
  assert.equal(requireTool("node", () => undefined, "apt-get install nodejs", {}), false);
  assert.equal(requireTool("node", () => undefined, "apt-get install nodejs", { CI: "true" }), false);
});

test("a missing tool skips locally with its install line, and is recorded", () => {
  const before = skipped.length;
  const reason = requireTool("frob", () => "no /usr/bin/frob", "apt-get install -y frob", {});
  assert.equal(reason, "skipped: frob unavailable: no /usr/bin/frob (install: apt-get install -y frob)");
  assert.deepEqual(skipped.slice(before), [{ tool: "frob", reason: "no /usr/bin/frob", install: "apt-get install -y frob" }]);
});

test("under CI a missing tool fails with the install line instead of skipping", () => {
  assert.throws(() => requireTool("frob", () => "no /usr/bin/frob", "apt-get install -y frob", { CI: "true" }), {
    message: "CI: frob unavailable: no /usr/bin/frob (install: apt-get install -y frob)",
  });
  assert.deepEqual([inCI({ CI: "true" }), inCI({ CI: "1" }), inCI({ CI: "false" }), inCI({ CI: "0" }), inCI({ CI: "" }), inCI({})], [true, true, false, false, false, false]);
});
