/**
 * Paths a notebook needs without `require` (Deno's Jupyter cells are ES
 * modules: no `require`, and `import.meta` is not usable in its REPL cells).
 */
import path from "node:path";

/**
 * The folder of the einconv package this code was loaded from: the checkout
 * when einconv is self-linked (this repository's notebooks), else
 * `node_modules/einconv`. Same answer on tslab, Deno and plain Node. Replaces
 * `path.dirname(require.resolve("einconv/package.json"))` in notebook cells.
 *
 * @example
 * path.join(projectRoot(), "bench", "results", "article.json");
 */
export function projectRoot(): string {
  // This file is dist/src/notebook/project.js (compiled) or src/notebook/project.ts (ts-node style runs).
  const up = path.basename(path.resolve(__dirname, "..", "..")) === "dist" ? ["..", "..", ".."] : ["..", ".."];
  return path.resolve(__dirname, ...up);
}
