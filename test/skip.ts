/**
 * The one place a test decides to skip because a tool is missing.
 *
 *   test("…", { skip: requireTool("Chromium", probe, "apt-get install -y chromium") }, …)
 *
 * `probe()` returns why the tool cannot be used, or undefined when it can. When it is missing:
 *  - locally the test is skipped with a reason that names the tool and its install line, and the
 *    skip is printed (stderr, and again in the summary node's test runner prints for skips);
 *  - under CI=true (where setup installs everything) it throws at load, failing the test file
 *    with the same install line, so a broken setup can never pass as a quiet skip.
 * Skips that are not about a missing tool (another process covers the case, not a git checkout)
 * stay plain `skip:` strings: they are true on every machine that runs them.
 */

export interface SkipRecord {
  tool: string;
  reason: string;
  install: string;
}

/** What this process skipped so far (each requireTool that found its tool missing). */
export const skipped: SkipRecord[] = [];

/** true under CI=true (or any non-empty CI other than "false"/"0"). */
export function inCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== "" && ci !== "false" && ci !== "0";
}

/**
 * The `skip` option for a test that needs `tool`: false when `probe()` finds it; otherwise a skip
 * reason, or under CI an Error thrown (the test file fails with the install line).
 */
export function requireTool(tool: string, probe: () => string | undefined, install: string, env: NodeJS.ProcessEnv = process.env): string | false {
  const reason = probe();
  if (reason === undefined) return false;
  const text = `${tool} unavailable: ${reason} (install: ${install})`;
  if (inCI(env)) throw new Error(`CI: ${text}`);
  skipped.push({ tool, reason, install });
  process.stderr.write(`[skip] ${text}\n`);
  return `skipped: ${text}`;
}
