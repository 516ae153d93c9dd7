/** Plain-text tables for the benchmark's console output. */

/** A table: a header row and body rows of already formatted cells. */
export interface Table {
  title: string;
  header: string[];
  rows: string[][];
}

/**
 * Renders a table with columns padded to their widest cell; cells that look numeric
 * are right-aligned.
 *
 * @example
 * console.log(formatTable({ title: "t", header: ["a", "ms"], rows: [["x", "1.5"]] }));
 */
export function formatTable(table: Table): string {
  const all = [table.header, ...table.rows];
  const widths = table.header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? "").length)));
  const numeric = /^[-+]?[\d.,]+(e[-+]?\d+)?[x%]?$|^—$/;
  const line = (r: string[]) =>
    r.map((cell, c) => (numeric.test(cell) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("  ").trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [table.title, line(table.header), rule, ...table.rows.map(line)].join("\n");
}

/** Milliseconds with 3 significant digits ("—" when absent). */
export function ms(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "—";
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  if (value >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

/** A ratio such as "2.31x" ("—" when absent). */
export function ratio(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "—";
  return value >= 100 ? `${value.toFixed(0)}x` : value >= 10 ? `${value.toFixed(1)}x` : `${value.toFixed(2)}x`;
}
