/**
 * einconv's thread count as the benchmark records it. Issue 10 item 1 adds a worker pool
 * (`EINCONV_THREADS`, `setThreads(n)`, default = cores); until it lands the library is
 * single-threaded. The bench never calls `setThreads`: each thread count is timed in its
 * own child process with `EINCONV_THREADS` set (see peer_einconv.ts), which works whatever
 * the pool's API looks like.
 */
import * as os from "node:os";
import * as lib from "../src/index";
import { ramp } from "./data";

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

/** How long {@link warmThreadedPaths} runs the threaded paths before a process times anything. */
export const WARM_THREADS_MS = 400;

/**
 * Runs einconv's threaded paths (a GEMM above the thread cut-over, and FFT convolutions of
 * 128² and 256² data) untimed for about `ms` milliseconds and at least 12 calls each. Worker
 * threads compile their own copies of the code on first use, concurrently with running it:
 * a 256² FFT convolution on 2 threads took 65, 14, 9.2, 8.2, 8.5, 9.1, 3.4, 1.6 ms on its first
 * calls. The 8-9 ms plateau looks settled to any per-call warm-up rule (timing.ts), so a
 * process's first threaded cells were timed at 2-3x their real cost (n256 f9 at 3.5 ms
 * against 1.5 ms). Returns the calls made. A no-op cost on one thread (the same calls, no workers).
 */
export function warmThreadedPaths(ms = WARM_THREADS_MS): number {
  const a = ramp([384, 384], 1);
  const b = ramp([384, 384], 2);
  const jobs = [
    () => lib.einsum("ij,jk->ik", a, b),
    ...[128, 256].map((n) => {
      const x = ramp([n, n], 3);
      const k = ramp([9, 9], 4);
      return () => lib.convolve(x, k, { method: "fft" });
    }),
  ];
  const t0 = performance.now();
  let calls = 0;
  for (let round = 0; round < 12 || performance.now() - t0 < ms; round++) {
    for (const job of jobs) job();
    calls += jobs.length;
    if (performance.now() - t0 > 10 * ms) break; // a slow machine: enough
  }
  return calls;
}
