/**
 * The plane passes (plane.ts) on both cores: the GEMM's worker pool
 * (src/compile/threads/) gets a second job kind, {@link JOB_FFT}: a list of
 * consecutive passes (a whole convolution) per job, a barrier between them.
 *
 * How: every buffer a pass reads or writes lives in the wasm kernel's shared
 * `WebAssembly.Memory` (a SharedArrayBuffer the workers already have): the
 * input, copied once into it as a contiguous channel-first array ({@link PlaneRunner.input}),
 * the kernel's row spectra / spectra, the data's row spectra, the product sum and
 * the output (which the caller copies out at the end). The caller encodes the pass
 * (which function, sizes, buffer positions) into the control block after
 * `Ctl.job`, bumps the sequence word and takes chunks of the pass's index range
 * (rows, bins or output rows) from an atomic counter like every worker; a barrier
 * ends each pass, so the next one sees the whole previous one. Passes are queued
 * and sent together by {@link PlaneRunner.result} (one wake-up of the workers per
 * convolution, ~25–45 µs each measured, not one per pass; and the job is posted when
 * the runner is made, so the wake-up overlaps the caller's input copy and planning,
 * the workers waiting at the job's first barrier): the caller must not touch a
 * pass's buffers before then ({@link PlaneRunner.clear} is a queued pass too), and
 * must {@link PlaneRunner.close} a runner it abandons.
 *
 * Bitwise identity: each pass writes only its own range with its own scratch and
 * rows pair as (2q, 2q + 1) whatever the range (plane.ts), so which thread takes
 * which chunk changes nothing; results equal the one-thread path's bit for bit.
 * Workers build their own fft.js instances (same code, same twiddles).
 */
import { CONTROL_WORDS, Ctl, JOB_FFT, barrier } from "../compile/threads/job";
import { RealView } from "./layout";
import { FFTPlans } from "./plan";
import {
  JobRange, KernelColumns, PlaneSize, RowTarget, SumPosition, accumulateColumns, columnSpectra, inverseRows, newPlaneSpectrum, rowSpectra,
} from "./plane";
import { IndexRange } from "./sizes";

/** One term of a block's product sum: a data plane (row view) and its kernel. */
export interface BlockTerm {
  readonly view: RealView;
  readonly kernel: KernelColumns;
}

/** One overlap-save block: its terms, summed in the frequency domain, and where its outputs go. */
export interface PlaneBlock {
  readonly terms: readonly BlockTerm[];
  /** The kept rows of the block's n0 result rows, and their target. */
  readonly rowCrop: IndexRange;
  readonly target: RowTarget;
}

/**
 * One block from start to end on this thread: per term, the row pass into
 * `rowsSpec` and the column pass summed into `acc`; then the inverse rows into the
 * block's target. `acc` may be `rowsSpec` when every block has one term.
 */
export function runBlock(block: PlaneBlock, size: PlaneSize, plans: FFTPlans, rowsSpec: Float64Array, acc: Float64Array): void {
  const bins: JobRange = { start: 0, end: size.n1 / 2 + 1 };
  const { terms } = block;
  terms.forEach(({ view, kernel }, t) => {
    // Rows past the view must read as zero padding (the buffer is shared by planes).
    if (view.shape[0] < size.n0) rowsSpec.fill(0);
    rowSpectra(view, size, plans, rowsSpec, { start: 0, end: view.shape[0] });
    accumulateColumns(acc, rowsSpec, kernel, size, plans, bins, { first: t === 0, last: t === terms.length - 1 });
  });
  inverseRows(acc, size, plans, block.rowCrop, block.target, { start: 0, end: block.rowCrop.length });
}

/**
 * Runs the plane passes of one convolution: on the calling thread over ordinary
 * arrays ({@link LocalRunner}), or split over the pool ({@link ThreadedRunner}).
 * Callers allocate every buffer a pass touches through {@link alloc} and pass input
 * views through {@link input}.
 */
export interface PlaneRunner {
  /** Threads the passes run on (1: the calling thread alone). */
  readonly threads: number;
  /** A buffer of `length` doubles: zeroed, or with any contents when the caller writes all of it before reading ("any"). */
  alloc(length: number, contents?: "zero" | "any"): Float64Array;
  /** A channel-first (c, h, w) view as the passes may read it (itself, or a shared copy). */
  input(x: RealView): RealView;
  rows(x: RealView, size: PlaneSize, out: Float64Array, range: JobRange): void;
  columns(spec: Float64Array, size: PlaneSize, range: JobRange, scale: number): void;
  accumulate(acc: Float64Array, rows: Float64Array, kernel: KernelColumns, size: PlaneSize, range: JobRange, position: SumPosition): void;
  inverse(spec: Float64Array, size: PlaneSize, rowCrop: IndexRange, target: RowTarget, range: JobRange): void;
  /** Zeroes a buffer between passes (in order with them). */
  clear(buffer: Float64Array): void;
  /**
   * Every block of a convolution ({@link runBlock}); `aliased`: every block has one
   * term, so one scratch spectrum serves as row spectra and sum.
   */
  blocks(blocks: readonly PlaneBlock[], size: PlaneSize, aliased: boolean): void;
  /** The result as an ordinary array the caller may keep (a copy out of shared memory when threaded). */
  result(out: Float64Array): Float64Array;
  /** Releases the workers if {@link result} was not reached (an error): queued passes are dropped. Idempotent. */
  close(): void;
}

/** The one-thread path: plane.ts called directly, ordinary arrays, no copies. */
export class LocalRunner implements PlaneRunner {
  readonly threads = 1;
  constructor(private readonly plans: FFTPlans) {}
  alloc(length: number): Float64Array {
    return new Float64Array(length); // zeroed either way
  }
  input(x: RealView): RealView {
    return x;
  }
  rows(x: RealView, size: PlaneSize, out: Float64Array, range: JobRange): void {
    rowSpectra(x, size, this.plans, out, range);
  }
  columns(spec: Float64Array, size: PlaneSize, range: JobRange, scale: number): void {
    columnSpectra(spec, size, this.plans, range, scale);
  }
  accumulate(acc: Float64Array, rows: Float64Array, kernel: KernelColumns, size: PlaneSize, range: JobRange, position: SumPosition): void {
    accumulateColumns(acc, rows, kernel, size, this.plans, range, position);
  }
  inverse(spec: Float64Array, size: PlaneSize, rowCrop: IndexRange, target: RowTarget, range: JobRange): void {
    inverseRows(spec, size, this.plans, rowCrop, target, range);
  }
  clear(buffer: Float64Array): void {
    buffer.fill(0);
  }
  blocks(blocks: readonly PlaneBlock[], size: PlaneSize, aliased: boolean): void {
    if (blocks.length === 0) return;
    const rowsSpec = newPlaneSpectrum(size);
    const acc = aliased ? rowsSpec : newPlaneSpectrum(size);
    for (const block of blocks) runBlock(block, size, this.plans, rowsSpec, acc);
  }
  result(out: Float64Array): Float64Array {
    return out;
  }
  close(): void {}
}

/** The engine refused to grow the shared memory for a threaded convolution (the caller then runs it on one thread). */
export class SharedMemoryFull extends Error {}

/** What {@link ThreadedRunner} needs of the wasm kernel (kernel.ts `WasmGemm`): its shared memory and pool. */
export interface SharedHost {
  /** Grows the shared memory to `doubles` values after the control block; a view of the whole memory. */
  sharedDoubles(doubles: number): Float64Array;
  /** The control block (Int32 words at byte 0). */
  readonly control: Int32Array;
  readonly threadPool: { postKind(kind: number, threads: number): void; joinKind(share: () => void): void };
}

/** The passes, as encoded. */
const Pass = { rows: 0, columns: 1, accumulate: 2, inverse: 3, zero: 4, blocks: 5 } as const;

/**
 * One pass record of a job's list, in Int32 words of the shared memory: its chunk
 * counter, the header, its own fields from {@link ARGS}, and its one double (a
 * scale) at {@link SCALE} (a float64, the record being 8-byte aligned).
 */
const W = { counter: 0, pass: 1, n0: 2, n1: 3, total: 4, chunk: 5 } as const;
const ARGS = 6;
const SCALE = 18;
const PASS_WORDS = 20;
/** Words after Ctl.job: the pass count, and the Int32 index of the list. */
const J = { count: 0, list: 1 } as const;

/** One encoded pass waiting in the queue. */
interface QueuedPass {
  readonly words: readonly number[];
  readonly scale: number;
}

/**
 * Loads a thread spins at a barrier between passes before it sleeps: the other
 * thread's last chunk is tens of µs away, and a sleep costs a wake-up (25–45 µs
 * measured on the 2-core VM) — a longer spin than the GEMM's.
 */
const BARRIER_SPINS = 200000;

/** Chunks per thread of a pass's range (more than one: the counter evens out a late start or a busy core). */
const CHUNKS_PER_THREAD = 8;

/** Double index of a buffer inside the shared memory (its subarray offset). */
function at(a: Float64Array): number {
  return a.byteOffset / 8;
}

/**
 * The passes over the pool of `host`, on `threads` threads (the caller included;
 * the pool must have been made ready for that many). Buffers come from a bump
 * allocator over the shared memory after the control block, valid until the next
 * job on the host (one convolution at a time: the library is synchronous).
 */
export class ThreadedRunner implements PlaneRunner {
  private used = 0;
  private queue: QueuedPass[] = [];
  private readonly ctl: Int32Array;
  private readonly base = (CONTROL_WORDS * 4) / 8;

  /** Whether the job is posted (workers woken, waiting at its first barrier) and not yet joined. */
  private posted = false;

  /** Posts the job at once: the workers wake while the caller copies the input and plans the blocks. */
  constructor(private readonly host: SharedHost, readonly threads: number, private readonly plans: FFTPlans) {
    this.ctl = host.control;
    host.threadPool.postKind(JOB_FFT, threads);
    this.posted = true;
  }

  alloc(length: number, contents: "zero" | "any" = "zero"): Float64Array {
    const start = this.base + this.used;
    this.used += Math.ceil(length / 4) * 4; // 32-byte aligned regions
    let mem: Float64Array;
    try {
      mem = this.host.sharedDoubles(this.used);
    } catch (err) {
      if (err instanceof RangeError) throw new SharedMemoryFull(`einconv: cannot grow the shared memory to ${this.used} doubles`);
      throw err;
    }
    const buffer = mem.subarray(start, start + length);
    // The memory holds the last GEMM's or convolution's data.
    return contents === "zero" ? buffer.fill(0) : buffer;
  }

  /** Copies the (any-strided) view into shared memory, contiguous: the one copy of the input. */
  input(x: RealView): RealView {
    const [c, h, w] = x.shape;
    const [sc, s0, s1] = x.stride;
    const copy = this.alloc(c * h * w, "any");
    const data = x.data;
    for (let k = 0, q = 0; k < c; k++) {
      for (let i = 0; i < h; i++, q += w) {
        const p = x.offset + k * sc + i * s0;
        // Contiguous rows of a typed array (the usual case): one block copy per row.
        if (s1 === 1 && data instanceof Float64Array) copy.set(data.subarray(p, p + w), q);
        else for (let j = 0, r = p; j < w; j++, r += s1) copy[q + j] = data[r];
      }
    }
    return { data: this.host.sharedDoubles(this.used), shape: [c, h, w], stride: [h * w, w, 1], offset: at(copy) };
  }

  rows(x: RealView, size: PlaneSize, out: Float64Array, range: JobRange): void {
    if (!(x.data instanceof Float64Array) || x.data.byteOffset !== 0) throw new Error("einconv: a threaded FFT input must be a view of the shared memory (PlaneRunner.input)");
    const [s0, s1] = x.stride;
    this.run(Pass.rows, size, range, true, [x.offset, x.shape[0], x.shape[1], s0, s1, at(out), out.length]);
  }

  columns(spec: Float64Array, size: PlaneSize, range: JobRange, scale: number): void {
    this.run(Pass.columns, size, range, false, [at(spec), spec.length], scale);
  }

  accumulate(acc: Float64Array, rows: Float64Array, kernel: KernelColumns, size: PlaneSize, range: JobRange, position: SumPosition): void {
    const k = kernel.rows === undefined ? [0, at(kernel.spectrum), kernel.spectrum.length, 0] : [1, at(kernel.rows), kernel.rows.length, kernel.height];
    const scale = kernel.rows === undefined ? 1 : kernel.scale;
    this.run(Pass.accumulate, size, range, false, [at(acc), acc.length, at(rows), rows.length, ...k, position.first ? 1 : 0, position.last ? 1 : 0], scale);
  }

  inverse(spec: Float64Array, size: PlaneSize, rowCrop: IndexRange, target: RowTarget, range: JobRange): void {
    const { crop } = target;
    this.run(Pass.inverse, size, range, true, [
      at(spec), spec.length, rowCrop.start, rowCrop.length, rowCrop.step,
      at(target.data), target.data.length, target.offset, target.rowStride, crop.start, crop.length, crop.step,
    ]);
  }

  clear(buffer: Float64Array): void {
    this.run(Pass.zero, { n0: 0, n1: 0 }, { start: 0, end: buffer.length }, false, [at(buffer), buffer.length]);
  }

  /**
   * Enough blocks (two per thread or more): one pass whose work items are whole
   * blocks, each thread with its own scratch spectra (no barrier inside a block).
   * Fewer: each block's passes split by rows and bins, as for one block.
   */
  blocks(blocks: readonly PlaneBlock[], size: PlaneSize, aliased: boolean): void {
    if (blocks.length === 0) return;
    const specLength = 2 * (size.n1 / 2 + 1) * size.n0;
    if (blocks.length < 2 * this.threads) {
      // Any contents: a view of n0 rows or more writes every row, a shorter one is cleared first; the sum's first term overwrites.
      const rowsSpec = this.alloc(specLength, "any");
      const acc = aliased ? rowsSpec : this.alloc(specLength, "any");
      const bins: JobRange = { start: 0, end: size.n1 / 2 + 1 };
      for (const block of blocks) {
        const { terms } = block;
        terms.forEach(({ view, kernel }, t) => {
          if (view.shape[0] < size.n0) this.clear(rowsSpec);
          this.rows(view, size, rowsSpec, { start: 0, end: view.shape[0] });
          this.accumulate(acc, rowsSpec, kernel, size, bins, { first: t === 0, last: t === terms.length - 1 });
        });
        this.inverse(acc, size, block.rowCrop, block.target, { start: 0, end: block.rowCrop.length });
      }
      return;
    }
    // Per thread: row spectra, and (unless aliased) the sum, from `scratch` on.
    const stride = Math.ceil(specLength / 4) * 4;
    const scratch = this.alloc(stride * (aliased ? 1 : 2) * this.threads, "any"); // runBlock clears before a short view
    // The block table: an Int32 offset per block, then each block's record.
    const words: number[] = [];
    const starts: number[] = [];
    let scale = 1;
    for (const { terms, rowCrop, target } of blocks) {
      starts.push(words.length);
      const { crop } = target;
      words.push(terms.length, rowCrop.start, rowCrop.length, rowCrop.step, at(target.data), target.data.length, target.offset, target.rowStride, crop.start, crop.length, crop.step);
      for (const { view, kernel } of terms) {
        if (!(view.data instanceof Float64Array) || view.data.byteOffset !== 0) throw new Error("einconv: a threaded FFT input must be a view of the shared memory (PlaneRunner.input)");
        const k = kernel.rows === undefined ? [0, at(kernel.spectrum), kernel.spectrum.length, 0] : [1, at(kernel.rows), kernel.rows.length, kernel.height];
        if (kernel.rows !== undefined) scale = kernel.scale; // one scale, 1 / (n0 · n1), for every kernel
        words.push(view.offset, view.shape[0], view.shape[1], view.stride[0], view.stride[1], ...k);
      }
    }
    const table = this.alloc(Math.ceil((blocks.length + words.length) / 2));
    const i32 = new Int32Array(this.host.sharedDoubles(this.used).buffer);
    const first = table.byteOffset / 4;
    starts.forEach((v, b) => (i32[first + b] = first + blocks.length + v));
    words.forEach((v, w) => (i32[first + blocks.length + w] = v));
    this.queue.push({ words: [0, Pass.blocks, size.n0, size.n1, blocks.length, 1, first, at(scratch), stride, aliased ? 1 : 0], scale });
  }

  result(out: Float64Array): Float64Array {
    this.flush();
    return out.slice(); // out of the shared memory, which the next GEMM or FFT reuses
  }

  close(): void {
    this.queue = [];
    if (this.posted) this.flush();
  }

  /**
   * Queues one pass over indices range.start..range.end (sent by {@link result}). Chunks of rows are multiples of 8 (plane.ts ROW_BLOCK:
   * whole blocks, pairs never cut), so a split costs no recomputed pair.
   */
  private run(pass: number, size: PlaneSize, range: JobRange, rowsLike: boolean, args: number[], scale = 1): void {
    const total = range.end - range.start;
    if (total <= 0) return;
    if (range.start !== 0) throw new Error("einconv: threaded FFT passes run whole ranges");
    const want = Math.ceil(total / (CHUNKS_PER_THREAD * this.threads));
    const chunk = rowsLike ? Math.ceil(want / 8) * 8 : Math.max(1, want);
    this.queue.push({ words: [0, pass, size.n0, size.n1, total, chunk, ...args], scale });
  }

  /**
   * Writes the queued passes (possibly none) as the posted job's list and takes this
   * thread's share; returns when the job is done. Posts a new job if needed.
   */
  private flush(): void {
    const queue = this.queue;
    if (!this.posted && queue.length === 0) return;
    this.queue = [];
    let first = 0;
    if (queue.length > 0) {
      const list = this.alloc((queue.length * PASS_WORDS) / 2); // zeroed: the counters start at 0
      const mem = this.host.sharedDoubles(this.used);
      const i32 = new Int32Array(mem.buffer);
      first = list.byteOffset / 4;
      queue.forEach(({ words, scale }, i) => {
        const base = first + i * PASS_WORDS;
        words.forEach((v, w) => (i32[base + w] = v));
        mem[base / 2 + SCALE / 2] = scale;
      });
    }
    const ctl = this.ctl;
    ctl[Ctl.job + J.count] = queue.length;
    ctl[Ctl.job + J.list] = first;
    if (!this.posted) this.host.threadPool.postKind(JOB_FFT, this.threads);
    this.posted = false;
    // An empty list (close after an error, maybe a memory that would not grow) needs no views.
    const buffer = queue.length > 0 ? this.host.sharedDoubles(this.used).buffer : ctl.buffer;
    const plans = this.plans;
    this.host.threadPool.joinKind(() => runFFTShare(ctl, 0, () => buffer, plans));
  }
}

/**
 * One thread's share of the FFT job in the control block (thread `id`; the caller
 * is 0): a first barrier (the caller reaches it once the list is written), then per pass, chunks of its range taken from the pass's atomic counter until
 * none is left, then a barrier (the last one ends the job). Called by worker.ts and the caller.
 */
export function runFFTShare(ctl: Int32Array, id: number, memory: () => ArrayBufferLike, plans: FFTPlans): void {
  const threads = Atomics.load(ctl, Ctl.kindThreads);
  // The job was posted before its list was written: the caller arrives here after writing it
  // (and after growing the memory: its buffer is read after the barrier).
  barrier(ctl, threads, BARRIER_SPINS);
  const buffer = memory();
  const mem = new Float64Array(buffer);
  const i32 = new Int32Array(buffer);
  const sub = (start: number, length: number): Float64Array => mem.subarray(start, start + length);
  const passes = ctl[Ctl.job + J.count];
  for (let i = 0; i < passes; i++) {
    const base = ctl[Ctl.job + J.list] + i * PASS_WORDS;
    const w = (k: number): number => i32[base + k];
    const a = (k: number): number => i32[base + ARGS + k];
    const total = w(W.total), chunk = w(W.chunk);
    const run = passFunction(w(W.pass), { n0: w(W.n0), n1: w(W.n1) }, a, mem, sub, mem[(base + SCALE) / 2], plans, id);
    for (;;) {
      const start = Atomics.add(i32, base + W.counter, 1) * chunk;
      if (start >= total) break;
      run({ start, end: Math.min(total, start + chunk) });
    }
    barrier(ctl, threads, BARRIER_SPINS);
  }
}

/** Block record at Int32 index `r` of the table (see ThreadedRunner.blocks). */
function decodeBlock(i32: Int32Array, r: number, mem: Float64Array, sub: (start: number, length: number) => Float64Array, scale: number): PlaneBlock {
  const terms: BlockTerm[] = [];
  for (let t = 0, q = r + 11; t < i32[r]; t++, q += 9) {
    const view: RealView = { data: mem, offset: i32[q], shape: [i32[q + 1], i32[q + 2]], stride: [i32[q + 3], i32[q + 4]] };
    const k = sub(i32[q + 6], i32[q + 7]);
    terms.push({ view, kernel: i32[q + 5] === 0 ? { spectrum: k } : { rows: k, height: i32[q + 8], scale } });
  }
  return {
    terms,
    rowCrop: { start: i32[r + 1], length: i32[r + 2], step: i32[r + 3] },
    target: { data: sub(i32[r + 4], i32[r + 5]), offset: i32[r + 6], rowStride: i32[r + 7], crop: { start: i32[r + 8], length: i32[r + 9], step: i32[r + 10] } },
  };
}

/** The pass of the job, decoded once per share, as a function of a range. */
function passFunction(
  pass: number, size: PlaneSize, a: (i: number) => number, mem: Float64Array,
  sub: (start: number, length: number) => Float64Array, scale: number, plans: FFTPlans, id: number,
): (range: JobRange) => void {
  switch (pass) {
    case Pass.rows: {
      const x: RealView = { data: mem, offset: a(0), shape: [a(1), a(2)], stride: [a(3), a(4)] };
      const out = sub(a(5), a(6));
      return (range) => rowSpectra(x, size, plans, out, range);
    }
    case Pass.columns: {
      const spec = sub(a(0), a(1));
      return (range) => columnSpectra(spec, size, plans, range, scale);
    }
    case Pass.accumulate: {
      const acc = sub(a(0), a(1));
      const rows = sub(a(2), a(3));
      const k = sub(a(5), a(6));
      const kernel: KernelColumns = a(4) === 0 ? { spectrum: k } : { rows: k, height: a(7), scale };
      const position: SumPosition = { first: a(8) === 1, last: a(9) === 1 };
      return (range) => accumulateColumns(acc, rows, kernel, size, plans, range, position);
    }
    case Pass.inverse: {
      const spec = sub(a(0), a(1));
      const rowCrop: IndexRange = { start: a(2), length: a(3), step: a(4) };
      const target: RowTarget = { data: sub(a(5), a(6)), offset: a(7), rowStride: a(8), crop: { start: a(9), length: a(10), step: a(11) } };
      return (range) => inverseRows(spec, size, plans, rowCrop, target, range);
    }
    case Pass.blocks: {
      // a: the block table (Int32 index), this thread's scratch (thread id · stride · 1 or 2), aliased.
      const i32 = new Int32Array(mem.buffer);
      const table = a(0), stride = a(2), aliased = a(3) === 1;
      const specLength = 2 * (size.n1 / 2 + 1) * size.n0;
      const mine = a(1) + id * stride * (aliased ? 1 : 2);
      const rowsSpec = sub(mine, specLength);
      const acc = aliased ? rowsSpec : sub(mine + stride, specLength);
      return (range) => {
        for (let b = range.start; b < range.end; b++) runBlock(decodeBlock(i32, i32[table + b], mem, sub, scale), size, plans, rowsSpec, acc);
      };
    }
    case Pass.zero: {
      const buffer = sub(a(0), a(1));
      return (range) => buffer.fill(0, range.start, range.end);
    }
    default:
      throw new Error(`einconv: unknown FFT pass ${pass}`);
  }
}
