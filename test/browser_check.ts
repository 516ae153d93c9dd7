/** Typed handle on scripts/browser-check.js and scripts/chart-marks.js (plain JS: reproduce.js uses them before anything is built). */
import path from "node:path";
import { requireTool } from "./skip";

/** Data marks per vega mark type (rect, text, symbol, line, …). */
export type MarkCounts = Record<string, number>;

/** What one notebook chart output must show (scripts/chart-marks.js chartExpectations). */
export interface ChartExpectation {
  cell: number;
  kind: "svg" | "png";
  marks?: MarkCounts;
  colorValues?: number;
}

export interface PngStats {
  width: number;
  height: number;
  distinctColors: number;
  /** Distinct colours that are not gray (data colours; axes, text and anti-aliasing are gray). */
  chromaticColors: number;
  /** Standard deviation of luminance over all pixels. */
  stddev: number;
}

export type SeenChart = { kind: "svg"; marks: MarkCounts; rectFills: number } | { kind: "png"; png: PngStats };

export interface ChartRecord {
  chart: string;
  kind: string;
  shows: string;
  drawn: boolean;
}

export interface PageReport {
  page: string;
  present: number;
  /** Chart outputs in the page's notebook, when it has one beside it. */
  expected?: number;
  drawn: number;
  charts: ChartRecord[];
  failures: string[];
  screenshot?: string;
}

export interface BrowserCheck {
  /** Why Chromium/puppeteer-core cannot run here, or undefined. */
  unavailableReason(): string | undefined;
  checkPages(pages: string[], options?: { screenshotDir?: string; expectations?: Record<string, ChartExpectation[]> }): Promise<PageReport[]>;
  formatReport(reports: PageReport[]): string;
  expectedDataMarks(spec: unknown): { marks: MarkCounts; colorValues: number };
  chartExpectations(ipynb: string): ChartExpectation[];
  svgDataMarks(svg: string): { marks: MarkCounts; rectFills: number; total: number };
  pngStats(png: Uint8Array): PngStats;
  judgeChart(expected: ChartExpectation | undefined, seen: SeenChart): string[];
  describeMarks(marks: MarkCounts): string;
}

export const ROOT = path.resolve(__dirname, "..", "..");
export const check = require(path.join(ROOT, "scripts", "browser-check.js")) as BrowserCheck;

/**
 * The failures of an SVG chart (a string from renderChart / a bundle) against its vega-lite spec:
 * empty when it draws exactly the data marks the spec's data gives, with differing fills.
 */
export function svgChartFailures(spec: unknown, svg: string): string[] {
  const { marks, colorValues } = check.expectedDataMarks(spec);
  const seen = check.svgDataMarks(svg);
  return check.judgeChart({ cell: 0, kind: "svg", marks, colorValues }, { kind: "svg", marks: seen.marks, rectFills: seen.rectFills });
}

/** The failures of a PNG chart against its spec: one flat colour, or only gray where data colours belong. */
export function pngChartFailures(spec: unknown, png: Uint8Array): string[] {
  const { colorValues } = check.expectedDataMarks(spec);
  return check.judgeChart({ cell: 0, kind: "png", colorValues }, { kind: "png", png: check.pngStats(png) });
}

/** The skip reason for a browser test; in CI (CI=true) a missing browser throws instead (test/skip.ts). */
export function browserSkip(): string | false {
  return requireTool("Chromium + puppeteer-core", () => check.unavailableReason(), "node scripts/reproduce.js --setup-only (apt-get install -y --no-install-recommends chromium; npm ci)");
}
