/**
 * einconv's thread count as the benchmark records it. Issue 10 item 1 adds a worker pool
 * (`EINCONV_THREADS`, `setThreads(n)`, default = cores); until it lands the library is
 * single-threaded. The bench never calls `setThreads`: each thread count is timed in its
 * own child process with `EINCONV_THREADS` set (see peer_einconv.ts), which works whatever
 * the pool's API looks like.
 */
import * as os from "node:os";
import * as lib from "../src/index";

/** What the running process's einconv uses. */
export interface EinconvThreads {
  /** `EINCONV_THREADS` as given to this process (null when unset). */
  requested: number | null;
  /** Whether this build has a thread pool (exports `setThreads`). */
  pool: boolean;
  /** Threads einconv computes with: the pool's own answer (`getThreads()`) when it has one, else the requested count or the cores; 1 without a pool. */
  effective: number;
}

/** Parses `EINCONV_THREADS` (null when unset or empty); throws on anything but a positive integer. */
export function parseThreadsEnv(value: string | undefined): number | null {
  if (value === undefined || value.trim() === "") return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`EINCONV_THREADS must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

/** The thread facts of this process (see {@link EinconvThreads}). */
export function einconvThreads(env: NodeJS.ProcessEnv = process.env): EinconvThreads {
  const api = lib as unknown as Record<string, unknown>;
  const requested = parseThreadsEnv(env.EINCONV_THREADS);
  const pool = typeof api.setThreads === "function";
  if (!pool) return { requested, pool, effective: 1 };
  const get = api.getThreads;
  const effective = typeof get === "function" ? Number((get as () => number)()) : (requested ?? os.cpus().length);
  return { requested, pool, effective };
}

/** "2" or "2 (single-threaded build)" for console lines and labels. */
export function threadsLabel(t: EinconvThreads, asked: number | null = t.requested): string {
  const n = asked ?? t.effective;
  return t.pool ? String(n) : `${n} (no thread pool in this build: ran 1)`;
}
