/**
 * The shared control block at the start of the wasm memory and the description of
 * one threaded GEMM ("job") written into it. Every thread reads the job from there,
 * so a GEMM is handed to the workers with one Atomics.notify — no postMessage.
 */

/** Int32 words at byte 0 of the memory reserved for control (the drivers allocate after it). */
export const CONTROL_WORDS = 128;
/** The same region in bytes (a multiple of 32, so the regions after it stay aligned). */
export const CONTROL_BYTES = CONTROL_WORDS * 4;

/** Word indices of the control block. */
export const Ctl = {
  /** Job sequence number: the workers wait on it, the caller bumps it to start a job. */
  seq: 0,
  /** The pool generation: a worker whose generation differs leaves its loop (the pool was terminated). */
  epoch: 1,
  /** Barrier: threads arrived in the current round, and the round number. */
  barCount: 2,
  barGen: 3,
  /** Set to 1 by a thread whose share threw: every barrier then throws instead of waiting. */
  abort: 4,
  /** Block counters of the two alternating phases (see sweep.ts). */
  counter0: 5,
  counter1: 6,
  /** Workers that have instantiated the module (each adds 1 when ready). */
  ready: 7,
  /** What the current job is: {@link JOB_GEMM} (the encoded {@link Job}) or another kind (e.g. {@link JOB_FFT}). */
  kind: 8,
  /** Threads of a job of another kind (a GEMM's count is in its {@link Job}). */
  kindThreads: 9,
  /** First word of the encoded {@link Job} (or of another kind's job description). */
  job: 16,
} as const;

/** Job kinds (the {@link Ctl.kind} word). */
export const JOB_GEMM = 0;
/** An FFT plane pass (src/fft/threaded.ts encodes it after {@link Ctl.job}). */
export const JOB_FFT = 1;

/**
 * One threaded GEMM, all in element indices of the job's dtype (doubles or floats)
 * unless marked i32 (an Int32Array index into the same memory).
 */
export interface Job {
  /** 0: float64 (`block`, `pack`); 1: float32 (`block32`, `pack32`). */
  readonly f32: number;
  readonly threads: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly batches: number;
  readonly mr: number;
  readonly nr: number;
  readonly mcMax: number;
  readonly kcMax: number;
  readonly ncMax: number;
  readonly span: number;
  readonly ldc: number;
  /** Rows of C per phase (a multiple of mcMax): the height of one C panel. */
  readonly chunkRows: number;
  /** Column parts per row block: a work item is (row block, part), so M of one block still splits. */
  readonly parts: number;
  /** Thread t packs A at aAt + t · aSize. */
  readonly aAt: number;
  readonly aSize: number;
  readonly bAt: number;
  /** The two C panels, chunkRows × ldc each; phase p writes panel p mod 2. */
  readonly panel0: number;
  readonly panel1: number;
  /** Staged operands: element 0 of the storage is at `origin` (may be negative before adding a batch base). */
  readonly aOrigin: number;
  readonly aX: number; // i32
  readonly aXLen: number;
  readonly aY: number; // i32
  readonly aYLen: number;
  readonly bOrigin: number;
  readonly bX: number; // i32
  readonly bXLen: number;
  readonly bY: number; // i32
  readonly bYLen: number;
  /** The batch base tables of A and B. */
  readonly aBatch: number; // i32
  readonly bBatch: number; // i32
}

const FIELDS: readonly (keyof Job)[] = [
  "f32", "threads", "m", "n", "k", "batches", "mr", "nr", "mcMax", "kcMax", "ncMax", "span", "ldc", "chunkRows", "parts",
  "aAt", "aSize", "bAt", "panel0", "panel1",
  "aOrigin", "aX", "aXLen", "aY", "aYLen", "bOrigin", "bX", "bXLen", "bY", "bYLen", "aBatch", "bBatch",
];
if (Ctl.job + FIELDS.length > CONTROL_WORDS) throw new Error("einconv: the job does not fit the control block");

export function writeJob(ctl: Int32Array, job: Job): void {
  FIELDS.forEach((f, i) => {
    ctl[Ctl.job + i] = job[f];
  });
}

export function readJob(ctl: Int32Array): Job {
  const job: Record<string, number> = {};
  FIELDS.forEach((f, i) => {
    job[f] = ctl[Ctl.job + i];
  });
  return job as unknown as Job;
}

/** A thread's share of one job failed (or another thread's did). */
export class JobAborted extends Error {}

/**
 * What the pool throws on the calling thread when a worker's share failed: the workers
 * are terminated and the next threaded call restarts them. The worker writes its own
 * error to stderr (worker.ts), since it posts no messages. Callers whose output is
 * a fresh array (the FFT engine) can rerun the job on the calling thread: results are
 * bitwise the same for any thread count.
 */
export class WorkerFailure extends Error {
  override readonly name = "WorkerFailure";
}

/**
 * Waits until all `threads` threads have called it for this round. Spins briefly
 * (`spins` loads; rounds are short) and then sleeps in Atomics.wait; throws {@link JobAborted} when
 * a thread has set the abort word.
 */
export function barrier(ctl: Int32Array, threads: number, spins = 2000): void {
  const gen = Atomics.load(ctl, Ctl.barGen);
  if (Atomics.add(ctl, Ctl.barCount, 1) === threads - 1) {
    Atomics.store(ctl, Ctl.barCount, 0);
    Atomics.add(ctl, Ctl.barGen, 1);
    Atomics.notify(ctl, Ctl.barGen);
    return;
  }
  for (let spin = 0; spin < spins; spin++) {
    if (Atomics.load(ctl, Ctl.barGen) !== gen) return;
  }
  while (Atomics.load(ctl, Ctl.barGen) === gen) {
    if (Atomics.load(ctl, Ctl.abort) !== 0) throw new JobAborted("einconv: a GEMM worker thread failed");
    Atomics.wait(ctl, Ctl.barGen, gen, 100);
  }
}

/** Marks the job failed and wakes every thread waiting in a barrier. */
export function abortJob(ctl: Int32Array): void {
  Atomics.store(ctl, Ctl.abort, 1);
  Atomics.notify(ctl, Ctl.barGen);
}
