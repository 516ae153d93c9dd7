/**
 * One thread's share of a threaded wasm GEMM (the same Goto loop nest as
 * kernel.ts `sweep`, run by every thread over the job in the control block).
 * Per batch entry, N block j0 and K span, in every thread:
 *
 *   pack this thread's B strips (disjoint column strips of the panel)   barrier
 *   for each chunk of C rows (a "phase", alternating C panels 0 and 1):
 *     take work items (MC row block, column part) from the phase's atomic counter
 *     until none is left: pack A into this thread's A region; kernel over the K
 *     slices into the item's tile of the panel
 *     barrier
 *
 * Each C element is computed by exactly one thread, with the same blocking and K
 * order as the one-thread sweep, so results are bitwise identical for any thread
 * count (which thread takes which block does not matter). C itself (task.c) is an
 * ordinary array only the calling thread can write: the calling thread (id 0) adds
 * each finished panel into C (`onChunk`, the scatter) at the start of the next
 * phase, while the others already compute that phase into the other panel.
 * Operands are read only from their staged copies in the shared memory.
 */
import { packStrips32 } from "../wasm/pack";
import { Ctl, Job, barrier } from "./job";

/** The module exports a thread calls. */
export interface KernelExports {
  readonly block: (pa: number, pb: number, pc: number, mc: number, nc: number, kc: number, ldc: number, acc: number) => void;
  readonly block32: (pa: number, pb: number, pc: number, mc: number, nc: number, kc: number, ldc: number, acc: number) => void;
  readonly pack: (src: number, x: number, count: number, y: number, len: number, dst: number) => void;
  readonly pack32: (src: number, x: number, strips: number, y: number, len: number, dst: number, width: number) => void;
}

/** A finished C panel: rows c0 .. c0+rows, columns j0 .. j0+nc of batch entry `batch`, at element `at` (row pitch ldc). */
export interface Chunk {
  readonly batch: number;
  readonly c0: number;
  readonly rows: number;
  readonly j0: number;
  readonly nc: number;
  readonly at: number;
  /** Whether the panel is its elements' first K span (the write-back may store instead of add into a fresh C). */
  readonly first: boolean;
}

type Packer = (base: number, x0: number, count: number, y0: number, len: number, at: number) => void;

function stagedPackers(job: Job, ex: KernelExports, buffer: ArrayBufferLike): { a: Packer; b: Packer } {
  const i32 = new Int32Array(buffer);
  if (job.f32 === 0) {
    const make = (origin: number, x: number, y: number): Packer => (base, x0, count, y0, len, at) =>
      ex.pack((origin + base) * 8, (x + x0) * 4, count, (y + y0) * 4, len, at * 8);
    return { a: make(job.aOrigin, job.aX, job.aY), b: make(job.bOrigin, job.bX, job.bY) };
  }
  const f32 = new Float32Array(buffer);
  const make = (origin: number, x: number, xLen: number, y: number, yLen: number, width: number): Packer => {
    const tables = { x: i32.subarray(x, x + xLen), y: i32.subarray(y, y + yLen) };
    return (base, x0, count, y0, len, at) => {
      const strips = Math.floor(count / width);
      if (strips > 0) ex.pack32((origin + base) * 4, (x + x0) * 4, strips, (y + y0) * 4, len, at * 4, width);
      const done = strips * width;
      // The last partial strip: gathered in JS from the staged (already float32) copy.
      if (done < count) packStrips32(f32, origin + base, tables, x0 + done, count - done, y0, len, f32, at + done * len, width);
    };
  };
  return { a: make(job.aOrigin, job.aX, job.aXLen, job.aY, job.aYLen, job.mr), b: make(job.bOrigin, job.bX, job.bXLen, job.bY, job.bYLen, job.nr) };
}

/**
 * Runs thread `id`'s share of `job`. `buffer` is the memory's current buffer (taken
 * after any grow). Only the calling thread passes `onChunk`; it receives every panel
 * in phase order (the last one after the final barrier).
 */
export function runShare(job: Job, id: number, ex: KernelExports, buffer: ArrayBufferLike, ctl: Int32Array, onChunk?: (chunk: Chunk) => void): void {
  const { m, n, k, mr, nr, mcMax, kcMax, ncMax, span, ldc, chunkRows, parts, threads } = job;
  const i32 = new Int32Array(buffer);
  const pack = stagedPackers(job, ex, buffer);
  const kernel = job.f32 === 0 ? ex.block : ex.block32;
  const bytes = job.f32 === 0 ? 8 : 4;
  const myA = job.aAt + id * job.aSize;
  let phase = 0;
  let pending: Chunk | undefined;
  for (let batch = 0; batch < job.batches; batch++) {
    const aBase = i32[job.aBatch + batch];
    const bBase = i32[job.bBatch + batch];
    for (let j0 = 0; j0 < n; j0 += ncMax) {
      const nc = Math.min(ncMax, n - j0);
      const ncPad = roundUp(nc, nr);
      const strips = ncPad / nr;
      const t0 = Math.floor((strips * id) / threads);
      const t1 = Math.floor((strips * (id + 1)) / threads);
      for (let s0 = 0; s0 < k; s0 += span) {
        const sEnd = Math.min(k, s0 + span);
        if (t1 > t0) {
          for (let p0 = s0; p0 < sEnd; p0 += kcMax) {
            const len = Math.min(kcMax, sEnd - p0);
            pack.b(bBase, j0 + t0 * nr, Math.min(nc - t0 * nr, (t1 - t0) * nr), p0, len, job.bAt + (p0 - s0) * ncPad + t0 * nr * len);
          }
        }
        barrier(ctl, threads);
        for (let c0 = 0; c0 < m; c0 += chunkRows) {
          const rows = Math.min(chunkRows, m - c0);
          const panel = phase % 2 === 0 ? job.panel0 : job.panel1;
          const counter = phase % 2 === 0 ? Ctl.counter0 : Ctl.counter1;
          if (onChunk !== undefined) {
            // The other counter was last used by the previous phase, which every thread has left.
            Atomics.store(ctl, phase % 2 === 0 ? Ctl.counter1 : Ctl.counter0, 0);
            if (pending !== undefined) onChunk(pending);
            pending = undefined;
          }
          for (;;) {
            // Work item → (row block, column part); which thread takes it does not change its result.
            const item = Atomics.add(ctl, counter, 1);
            const i0 = c0 + Math.floor(item / parts) * mcMax;
            if (i0 >= c0 + rows) break;
            const part = item % parts;
            const q0 = Math.floor((strips * part) / parts);
            const q1 = Math.floor((strips * (part + 1)) / parts);
            if (q1 === q0) continue;
            const mc = Math.min(mcMax, m - i0);
            const mcPad = roundUp(mc, mr);
            for (let p0 = s0; p0 < sEnd; p0 += kcMax) {
              const len = Math.min(kcMax, sEnd - p0);
              pack.a(aBase, i0, mc, p0, len, myA);
              const pb = job.bAt + (p0 - s0) * ncPad + q0 * nr * len;
              const pc = panel + (i0 - c0) * ldc + q0 * nr;
              kernel(myA * bytes, pb * bytes, pc * bytes, mcPad, (q1 - q0) * nr, len, ldc, p0 === s0 ? 0 : 1);
            }
          }
          barrier(ctl, threads);
          pending = { batch, c0, rows, j0, nc, at: panel, first: s0 === 0 };
          phase++;
        }
      }
    }
  }
  if (onChunk !== undefined && pending !== undefined) onChunk(pending);
}

function roundUp(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}
