/**
 * Entry of a GEMM worker thread (loaded by pool.ts from dist as
 * dist/src/compile/threads/worker.js). It instantiates the kernel module it was
 * given over the shared memory it was given, marks itself ready, then sleeps in
 * Atomics.wait on the job sequence word and runs its share of each job:
 * a GEMM (sweep.ts `runShare`), or, when the control block's kind word says
 * JOB_FFT, FFT plane passes (src/fft/threaded.ts `runFFTShare`, with this
 * worker's own fft.js instances). It never posts messages; the pool terminates it.
 */
import { writeSync } from "node:fs";
import { workerData } from "node:worker_threads";
import { FFTPlans } from "../../fft/plan";
import { runFFTShare } from "../../fft/threaded";
import { CONTROL_WORDS, Ctl, JOB_FFT, JobAborted, abortJob, readJob } from "./job";
import { KernelExports, runShare } from "./sweep";

/** What pool.ts passes as workerData (a compiled WebAssembly.Module and a shared WebAssembly.Memory). */
export interface WorkerInit {
  readonly module: object;
  readonly memory: { readonly buffer: ArrayBufferLike };
  readonly id: number;
  readonly epoch: number;
}

interface Wasm {
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}

// (Not `module`: that name is taken in a CommonJS file, and Node would then load it as ESM.)
const { module: compiled, memory, id, epoch } = workerData as WorkerInit;
const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
const ex = new wasm.Instance(compiled, { env: { memory } }).exports as unknown as KernelExports;
const ctl = new Int32Array(memory.buffer, 0, CONTROL_WORDS);
/**
 * Marks the job failed after a real error in this worker's share, and says what it was on
 * stderr (synchronously: the pool terminates this worker right after the caller sees the abort).
 */
function fail(err: unknown): void {
  if (err instanceof JobAborted) return;
  try {
    writeSync(2, `einconv worker ${id}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  } catch {
    // stderr closed: the abort below still reaches the caller
  }
  abortJob(ctl);
}
// This worker's fft.js instances for FFT jobs (built on first use of each size; gone with the worker).
const fftPlans = new FFTPlans();
let seen = Atomics.load(ctl, Ctl.seq);
if (Atomics.load(ctl, Ctl.epoch) === epoch) {
  Atomics.add(ctl, Ctl.ready, 1);
  Atomics.notify(ctl, Ctl.ready);
}

for (;;) {
  Atomics.wait(ctl, Ctl.seq, seen);
  if (Atomics.load(ctl, Ctl.epoch) !== epoch) break;
  seen = Atomics.load(ctl, Ctl.seq);
  if (Atomics.load(ctl, Ctl.kind) === JOB_FFT) {
    if (id >= Atomics.load(ctl, Ctl.kindThreads)) continue;
    try {
      runFFTShare(ctl, id, () => memory.buffer, fftPlans);
    } catch (err) {
      fail(err);
    }
    continue;
  }
  const job = readJob(ctl);
  if (id >= job.threads) continue;
  try {
    runShare(job, id, ex, memory.buffer, ctl);
  } catch (err) {
    fail(err);
  }
}
