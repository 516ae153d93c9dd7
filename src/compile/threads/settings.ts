/**
 * The thread count of einconv's GEMM: `EINCONV_THREADS` (read once, on first use),
 * overridden by {@link setThreads}; the default is the number of cores. One thread
 * is today's single-threaded path and always works (also without worker_threads).
 * Pools (pool.ts) subscribe to changes, so `setThreads(1)` terminates their workers.
 */
import os from "node:os";
import { EinsumError } from "../../errors";

/** Most threads einconv accepts (far above any core count it can use well). */
export const MAX_THREADS = 256;

let chosen: number | undefined;
const listeners = new Set<(threads: number) => void>();

function cores(): number {
  const o = os as { availableParallelism?: () => number };
  return Math.max(1, o.availableParallelism?.() ?? os.cpus().length);
}

function check(value: unknown, where: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_THREADS) {
    throw new EinsumError(`${where}: the thread count must be an integer from 1 to ${MAX_THREADS} (got ${JSON.stringify(value) ?? String(value)})`);
  }
  return value;
}

/** Parses EINCONV_THREADS ("" or unset: undefined). */
function fromEnv(): number | undefined {
  const raw = typeof process === "undefined" ? undefined : process.env.EINCONV_THREADS;
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n)) throw new EinsumError(`EINCONV_THREADS: the thread count must be an integer from 1 to ${MAX_THREADS} (got "${raw}")`);
  return check(n, "EINCONV_THREADS");
}

/**
 * The number of threads GEMMs may use (the calling thread included).
 *
 * @example
 * import { getThreads } from "einconv";
 * getThreads(); // 2 on a 2-core machine without EINCONV_THREADS
 */
export function getThreads(): number {
  chosen ??= fromEnv() ?? cores();
  return chosen;
}

/**
 * Sets the number of threads GEMMs may use (the calling thread included); "auto"
 * goes back to `EINCONV_THREADS` or the core count. `setThreads(1)` is the
 * single-threaded path and terminates the worker threads of every pool.
 * Throws an EinsumError unless `threads` is an integer from 1 to {@link MAX_THREADS}.
 *
 * @example
 * import { einsum, setThreads } from "einconv";
 * setThreads(2);                 // the calling thread + one worker
 * einsum("ij,jk->ik", a, b);     // large products are split by output row blocks
 * setThreads(1);                 // back to one thread; workers are terminated
 */
export function setThreads(threads: number | "auto"): void {
  chosen = threads === "auto" ? fromEnv() ?? cores() : check(threads, "setThreads");
  for (const listener of listeners) listener(chosen);
}

/** Calls `listener` with the new count on every {@link setThreads}; returns the unsubscribe function. */
export function onThreadsChange(listener: (threads: number) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
