/** Where and how the benchmark's JSON results are written (bench/results/, plotted by the notebooks). */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** bench/results in the source tree (this file runs from dist/bench/). */
export const RESULTS_DIR = path.resolve(__dirname, "..", "..", "bench", "results");

/** Machine facts stored with every result file, so numbers are never read without their context. */
export interface RunMeta {
  date: string;
  node: string;
  cpu: string;
  cores: number;
  /** 1-, 5- and 15-minute load averages when the section started and ended: other work on the machine skews timings. */
  loadavg_start: number[];
  loadavg_end?: number[];
  grid: "quick" | "default" | "full";
}

/** Metadata for a section starting now. */
export function startMeta(grid: RunMeta["grid"]): RunMeta {
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    loadavg_start: os.loadavg().map((v) => Number(v.toFixed(2))),
    grid,
  };
}

/**
 * The result file of a section: bench/results/<name>.json for the default grids (the
 * files the notebooks read), <name>.quick.json and <name>.full.json for the others, so
 * a CI smoke run never overwrites the recorded results.
 */
export function resultsFile(name: string, grid: RunMeta["grid"]): string {
  return path.join(RESULTS_DIR, grid === "default" ? `${name}.json` : `${name}.${grid}.json`);
}

/** Stamps the end load average and writes `payload` to {@link resultsFile}; returns the path. */
export function writeResults(name: string, meta: RunMeta, payload: Record<string, unknown>): string {
  meta.loadavg_end = os.loadavg().map((v) => Number(v.toFixed(2)));
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = resultsFile(name, meta.grid);
  fs.writeFileSync(file, toJson({ meta, ...payload }) + "\n");
  return file;
}

/** Load averages formatted for a console line. */
export function loadLine(): string {
  return os.loadavg().map((v) => v.toFixed(2)).join(" ");
}

/** Non-integers to 5 significant digits: timings are not more precise than that. */
function roundNumber(v: number): number {
  return Number.isInteger(v) || !Number.isFinite(v) ? v : Number(v.toPrecision(5));
}

function isFlat(v: unknown): boolean {
  if (v === null || typeof v !== "object") return true;
  return Object.values(v as object).every((x) => x === null || typeof x !== "object" || (Array.isArray(x) && x.every((y) => typeof y !== "object")));
}

/**
 * JSON with one line per flat record (tidy rows stay one row per line, which keeps
 * result files short and their diffs readable) and rounded numbers.
 */
export function toJson(value: unknown, indent = ""): string {
  const inner = indent + " ";
  if (typeof value === "number") return JSON.stringify(roundNumber(value));
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (isFlat(value)) return JSON.stringify(value, (_, v: unknown) => (typeof v === "number" ? roundNumber(v) : v));
  if (Array.isArray(value)) return `[\n${value.map((v) => inner + toJson(v, inner)).join(",\n")}\n${indent}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${toJson(v, inner)}`).join(",\n")}\n${indent}}`;
}
