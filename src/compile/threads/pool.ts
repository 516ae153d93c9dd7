/**
 * The worker threads of one wasm kernel instance (one shared memory). Workers are
 * spawned on the first GEMM that is worth splitting, `unref`ed (they never keep the
 * process alive), and terminated by `setThreads` (settings.ts) — the next threaded
 * GEMM spawns the new count — or when their kernel is garbage-collected.
 * Where worker_threads or the compiled worker file is unavailable, a pool has no
 * workers and every GEMM runs on the calling thread.
 */
import fs from "node:fs";
import path from "node:path";
import { Ctl, JOB_GEMM, Job, JobAborted, WorkerFailure, abortJob, writeJob } from "./job";
import { onThreadsChange } from "./settings";
import { Chunk, KernelExports, runShare } from "./sweep";
import type { WorkerInit } from "./worker";

/** The worker file, compiled beside this one (dist/src/compile/threads/worker.js). */
const WORKER_FILE = path.join(__dirname, "worker.js");
/** How long a first threaded GEMM waits for new workers to instantiate the module before running alone. */
const READY_TIMEOUT_MS = 10000;

interface WorkerHandle {
  terminate(): Promise<number>;
  unref(): void;
  on(event: "error", listener: (err: Error) => void): void;
}
type WorkerCtor = new (file: string, options: { workerData: WorkerInit }) => WorkerHandle;

let workerCtor: WorkerCtor | null | undefined;

function loadWorkerCtor(): WorkerCtor | null {
  if (workerCtor !== undefined) return workerCtor;
  try {
    // Loaded lazily, so engines without worker_threads only lose the threaded path.
    workerCtor = fs.existsSync(WORKER_FILE) ? (require("node:worker_threads") as { Worker: WorkerCtor }).Worker : null;
  } catch {
    workerCtor = null;
  }
  return workerCtor;
}

const pools = new Set<WeakRef<Pool>>();
const byOwner = new FinalizationRegistry<WeakRef<Pool>>((ref) => {
  ref.deref()?.terminate();
  pools.delete(ref);
});
onThreadsChange(() => {
  for (const ref of pools) {
    const pool = ref.deref();
    if (pool === undefined) pools.delete(ref);
    else pool.reset();
  }
});

/**
 * Workers over one module and one shared memory; `ctl` is the control block at the
 * memory's byte 0 (job.ts). One job at a time (the kernel is not reentrant).
 */
export class Pool {
  private workers: WorkerHandle[] = [];
  /** Set when workers failed to start: this pool then stays at one thread until the next setThreads. */
  private broken = false;
  /** Jobs posted to workers so far (tests read it to check the cut-over). */
  jobs = 0;

  constructor(
    private readonly module: object,
    private readonly memory: { readonly buffer: ArrayBufferLike },
    private readonly ctl: Int32Array,
    owner: object,
  ) {
    const ref = new WeakRef(this);
    pools.add(ref);
    byOwner.register(owner, ref);
  }

  /** Live workers. */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Makes `threads - 1` workers ready; returns the number of threads a job can use
   * (1 when workers cannot be started here).
   */
  ensure(threads: number): number {
    if (threads <= 1) return 1;
    if (this.workers.length === threads - 1) return threads;
    this.terminate();
    const Worker = loadWorkerCtor();
    if (Worker === null || this.broken) return 1;
    const ctl = this.ctl;
    const epoch = Atomics.load(ctl, Ctl.epoch);
    Atomics.store(ctl, Ctl.ready, 0);
    for (let id = 1; id < threads; id++) {
      const worker = new Worker(WORKER_FILE, { workerData: { module: this.module, memory: this.memory, id, epoch } });
      worker.unref();
      // A worker that fails to start never reports ready (ensure then times out and
      // runs on one thread); without a listener its error would end the process.
      worker.on("error", () => undefined);
      this.workers.push(worker);
    }
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (let ready = Atomics.load(ctl, Ctl.ready); ready < threads - 1; ready = Atomics.load(ctl, Ctl.ready)) {
      const left = deadline - Date.now();
      if (left <= 0) {
        this.terminate();
        this.broken = true;
        return 1;
      }
      Atomics.wait(ctl, Ctl.ready, ready, left);
    }
    return threads;
  }

  /**
   * Runs `job` on job.threads threads (this one is thread 0) and hands every
   * finished C panel to `onChunk` on this thread. Rethrows a failure of any share
   * (after terminating the workers, whose barrier state is then unknown).
   */
  run(job: Job, ex: KernelExports, onChunk: (chunk: Chunk) => void): void {
    const ctl = this.ctl;
    writeJob(ctl, job);
    this.post(JOB_GEMM);
    try {
      runShare(job, 0, ex, this.memory.buffer, ctl, onChunk);
    } catch (err) {
      abortJob(ctl);
      this.terminate();
      throw err instanceof JobAborted ? new WorkerFailure("einconv: a GEMM worker thread failed; the workers were terminated (the next call restarts them)") : err;
    }
  }

  /**
   * Runs a job of another kind (the FFT engine's, src/fft/threaded.ts) on `threads`
   * threads (at most the count {@link ensure} returned): the caller has already written
   * its description after {@link Ctl.job}; `share` is this thread's part (thread 0), and
   * must end in a barrier of all `threads` so the job is complete when it returns. The
   * workers dispatch on {@link Ctl.kind} (worker.ts). Failures as in {@link run}.
   */
  runKind(kind: number, threads: number, share: () => void): void {
    this.postKind(kind, threads);
    this.joinKind(share);
  }

  /**
   * The first half of {@link runKind}: wakes the workers for a job of `kind` now, so
   * their wake-up overlaps the caller's preparation. The job must then read its
   * description only after a first barrier of all threads, which the caller reaches in
   * {@link joinKind} (after writing it); the caller must always join.
   */
  postKind(kind: number, threads: number): void {
    Atomics.store(this.ctl, Ctl.kindThreads, threads);
    this.post(kind);
  }

  /** Resets the job's counters and barrier, then wakes the workers for a job of `kind` (its description is written). */
  private post(kind: number): void {
    const ctl = this.ctl;
    Atomics.store(ctl, Ctl.kind, kind);
    Atomics.store(ctl, Ctl.counter0, 0);
    Atomics.store(ctl, Ctl.counter1, 0);
    Atomics.store(ctl, Ctl.barCount, 0);
    Atomics.store(ctl, Ctl.abort, 0);
    Atomics.add(ctl, Ctl.seq, 1);
    Atomics.notify(ctl, Ctl.seq);
    this.jobs++;
  }

  /** The second half of {@link runKind}: this thread's share of the posted job; failures as in {@link run}. */
  joinKind(share: () => void): void {
    try {
      share();
    } catch (err) {
      abortJob(this.ctl);
      this.terminate();
      throw err instanceof JobAborted ? new WorkerFailure("einconv: a worker thread failed; the workers were terminated (the next call restarts them)") : err;
    }
  }

  /** Terminates the workers and forgets an earlier start-up failure (called by setThreads). */
  reset(): void {
    this.terminate();
    this.broken = false;
  }

  /** Stops and terminates every worker (they leave their loop when the epoch changes). */
  terminate(): void {
    if (this.workers.length === 0) return;
    Atomics.add(this.ctl, Ctl.epoch, 1);
    Atomics.notify(this.ctl, Ctl.seq);
    for (const worker of this.workers) void worker.terminate();
    this.workers = [];
  }
}
