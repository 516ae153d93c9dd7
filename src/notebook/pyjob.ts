/**
 * Runs one of the project's JSON-job Python scripts (bench/peers.py, bench/seeds.py):
 * the job goes to stdin, the report comes back on stdout. numpy gets one BLAS thread,
 * like einconv, which is single-threaded JavaScript (idle BLAS threads also add
 * millisecond stalls on a busy machine).
 */
import { execFileSync } from "node:child_process";

/** Options of {@link runPythonJob}. */
export interface PythonJobOptions {
  /** Interpreter (default `python3`). */
  python?: string;
  /** Largest report accepted, bytes (default 256 MiB). */
  maxBuffer?: number;
}

/** Result of {@link runPythonJob}: the report, or null and why there is none (python or numpy missing, script error). */
export interface PythonJobResult<R> {
  report: R | null;
  /** Empty when the report is there. */
  reason: string;
}

/** Runs `script` with `job` as JSON on stdin and parses its JSON report. Never throws. */
export function runPythonJob<R>(script: string, job: unknown, options: PythonJobOptions = {}): PythonJobResult<R> {
  try {
    const stdout = execFileSync(options.python ?? "python3", [script], {
      input: JSON.stringify(job),
      encoding: "utf8",
      maxBuffer: options.maxBuffer ?? 256 << 20,
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" },
    });
    return { report: JSON.parse(stdout) as R, reason: "" };
  } catch (err) {
    const e = err as Error & { stderr?: string };
    const detail = (e.stderr ?? "").trim().split("\n").slice(-1)[0] || e.message.split("\n")[0];
    return { report: null, reason: detail };
  }
}
