/** Typed handle on scripts/browser-check.js (plain JS: reproduce.js uses it before anything is built). */
import path from "node:path";

export interface PageReport {
  page: string;
  present: number;
  drawn: number;
  failures: string[];
  screenshot?: string;
}

export interface BrowserCheck {
  /** Why Chromium/puppeteer-core cannot run here, or undefined. */
  unavailableReason(): string | undefined;
  checkPages(pages: string[], options?: { screenshotDir?: string }): Promise<PageReport[]>;
  formatReport(reports: PageReport[]): string;
}

export const ROOT = path.resolve(__dirname, "..", "..");
export const check = require(path.join(ROOT, "scripts", "browser-check.js")) as BrowserCheck;

/** The skip reason for a browser test; in CI (CI=true) a missing browser throws instead. */
export function browserSkip(): string | false {
  const why = check.unavailableReason();
  if (why && process.env.CI) throw new Error(`CI: ${why}; run \`node scripts/reproduce.js --setup-only\` first`);
  return why ? `browser check skipped: ${why}` : false;
}
