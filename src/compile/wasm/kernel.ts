/**
 * The WebAssembly SIMD GEMM driver: the Goto/BLIS blocking of gemm.ts, with the
 * macro-kernel (every MR×NR micro-tile of an MC×NC block over one KC slice) in
 * wasm and packing/scattering in JS. Per block:
 *
 *   1. JS packs B[p0.., j0..] (KC×NC) and A[i0.., p0..] (MC×KC) into the module's
 *      memory, reading the operands through the task's offset tables exactly like
 *      gemm.ts — so transposes, multi-axis groups and overlapping window views are
 *      packed without materializing the operand (the packs are the only copies of
 *      A and B, and they are the copies the kernel needs anyway).
 *   2. wasm `block` overwrites a contiguous MC×NC C buffer with the block product.
 *   3. JS adds that buffer into `task.c` through cBatch/cRow/cCol (so C may be any
 *      strided view; a K larger than KC is summed over several blocks this way).
 */
import { GemmBlocking } from "../gemm";
import { GemmTask } from "../tasks";
import { GEMM_WASM_BASE64 } from "./gemm_wasm";

/** Micro-tile shape compiled into gemm.wat (do not change without the .wat). */
export const WASM_MR = 4;
export const WASM_NR = 4;

/**
 * Blocking for the wasm kernel: one A block (128×256 doubles = 256 KiB) fits a
 * 512 KiB L2, one B strip (256×4 = 8 KiB) fits L1. mc and nc are multiples of 4.
 */
export const WASM_BLOCKING: GemmBlocking = { mc: 128, kc: 256, nc: 1024 };

/** The slice of the WebAssembly JS API einconv uses (typed here: the DOM lib is not loaded). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}
type BlockFn = (pa: number, pb: number, pc: number, mc: number, nc: number, kc: number) => void;

const PAGE_BYTES = 65536;

function wasmApi(): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
}

/** The module bytes (decoded from the base64 constant; no file or network access). */
export function gemmModuleBytes(): Uint8Array {
  return Uint8Array.from(atob(GEMM_WASM_BASE64), (ch) => ch.charCodeAt(0));
}

/**
 * Whether this JS engine can run the kernel: WebAssembly exists and validates the
 * module, which uses v128/f64x2 instructions (so this is also the SIMD check).
 *
 * @example
 * if (!wasmSimdSupported()) console.log("einconv: using the plain-JS GEMM");
 */
export function wasmSimdSupported(): boolean {
  const api = wasmApi();
  try {
    return api !== undefined && api.validate(gemmModuleBytes());
  } catch {
    return false;
  }
}

/**
 * One instance of the wasm kernel with its own linear memory (grown on demand,
 * never shrunk). Not reentrant: one GEMM at a time per instance.
 *
 * @example
 * const kernel = WasmGemm.create();            // undefined without WebAssembly SIMD
 * kernel?.run(task);                           // task.c += A·B
 */
export class WasmGemm {
  private view: Float64Array;

  private constructor(private readonly memory: WasmMemory, private readonly block: BlockFn) {
    this.view = new Float64Array(memory.buffer);
  }

  /** Instantiates the module, or returns undefined when WebAssembly SIMD is unavailable. */
  static create(): WasmGemm | undefined {
    const api = wasmApi();
    if (api === undefined || !wasmSimdSupported()) return undefined;
    const { exports } = new api.Instance(new api.Module(gemmModuleBytes()), {});
    return new WasmGemm(exports.memory as WasmMemory, exports.block as BlockFn);
  }

  /** Bytes of linear memory currently reserved. */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** A Float64Array over the memory with room for `doubles` values (grows it if needed). */
  private reserve(doubles: number): Float64Array {
    const bytes = doubles * 8;
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / PAGE_BYTES));
    // Growing detaches the old buffer, so the view is rebuilt whenever it changed.
    if (this.view.buffer !== this.memory.buffer) this.view = new Float64Array(this.memory.buffer);
    return this.view;
  }

  /** Runs a {@link GemmTask}: C += A·B for every batch entry (C is not zeroed here). */
  run(task: GemmTask, blocking: GemmBlocking = WASM_BLOCKING): void {
    const { m, n, k } = task;
    if (m === 0 || n === 0 || k === 0) return;
    const mcMax = roundUp(Math.min(blocking.mc, m), WASM_MR);
    const kcMax = Math.min(blocking.kc, k);
    const ncMax = roundUp(Math.min(blocking.nc, n), WASM_NR);
    // Regions in doubles; each size is a multiple of 4 doubles, so all stay 32-byte aligned.
    const aAt = 0;
    const bAt = aAt + mcMax * kcMax;
    const cAt = bAt + kcMax * ncMax;
    const mem = this.reserve(cAt + mcMax * ncMax);
    const c = task.c as Float64Array;
    for (let batch = 0; batch < task.aBatch.length; batch++) {
      const aBase = task.aBatch[batch];
      const bBase = task.bBatch[batch];
      const cBase = task.cBatch[batch];
      for (let j0 = 0; j0 < n; j0 += ncMax) {
        const nc = Math.min(ncMax, n - j0);
        const ncPad = roundUp(nc, WASM_NR);
        for (let p0 = 0; p0 < k; p0 += kcMax) {
          const kc = Math.min(kcMax, k - p0);
          packB(task, bBase, p0, kc, j0, nc, mem, bAt);
          for (let i0 = 0; i0 < m; i0 += mcMax) {
            const mc = Math.min(mcMax, m - i0);
            const mcPad = roundUp(mc, WASM_MR);
            packA(task, aBase, i0, mc, p0, kc, mem, aAt);
            this.block(aAt * 8, bAt * 8, cAt * 8, mcPad, ncPad, kc);
            scatterAdd(c, cBase, task.cRow, task.cCol, i0, mc, j0, nc, mem, cAt, ncPad);
          }
        }
      }
    }
  }
}

/** Packs A[rows i0..i0+mc, cols p0..p0+kc] into 4-row strips at dst[at..]; missing rows are zeros. */
function packA(t: GemmTask, base: number, i0: number, mc: number, p0: number, kc: number, dst: Float64Array, at: number): void {
  const a = t.a as Float64Array;
  const { aRow, aCol } = t;
  let w = at;
  for (let s = 0; s < mc; s += WASM_MR) {
    const rows = Math.min(WASM_MR, mc - s);
    // Missing rows alias row 0 for the address arithmetic only; they are packed as zeros.
    const r0 = base + aRow[i0 + s];
    const r1 = rows > 1 ? base + aRow[i0 + s + 1] : r0;
    const r2 = rows > 2 ? base + aRow[i0 + s + 2] : r0;
    const r3 = rows > 3 ? base + aRow[i0 + s + 3] : r0;
    if (rows === WASM_MR) {
      for (let p = 0; p < kc; p++) {
        const col = aCol[p0 + p];
        dst[w] = a[r0 + col];
        dst[w + 1] = a[r1 + col];
        dst[w + 2] = a[r2 + col];
        dst[w + 3] = a[r3 + col];
        w += WASM_MR;
      }
    } else {
      // Edge strip (rows < 4): the padded rows compute zeros, which scatterAdd never reads.
      for (let p = 0; p < kc; p++) {
        const col = aCol[p0 + p];
        dst[w] = a[r0 + col];
        dst[w + 1] = rows > 1 ? a[r1 + col] : 0;
        dst[w + 2] = rows > 2 ? a[r2 + col] : 0;
        dst[w + 3] = 0;
        w += WASM_MR;
      }
    }
  }
}

/** Packs B[rows p0..p0+kc, cols j0..j0+nc] into 4-column strips at dst[at..]; missing columns are zeros. */
function packB(t: GemmTask, base: number, p0: number, kc: number, j0: number, nc: number, dst: Float64Array, at: number): void {
  const b = t.b as Float64Array;
  const { bRow, bCol } = t;
  let w = at;
  for (let s = 0; s < nc; s += WASM_NR) {
    const cols = Math.min(WASM_NR, nc - s);
    const c0 = base + bCol[j0 + s];
    const c1 = cols > 1 ? base + bCol[j0 + s + 1] : c0;
    const c2 = cols > 2 ? base + bCol[j0 + s + 2] : c0;
    const c3 = cols > 3 ? base + bCol[j0 + s + 3] : c0;
    if (cols === WASM_NR) {
      for (let p = 0; p < kc; p++) {
        const row = bRow[p0 + p];
        dst[w] = b[row + c0];
        dst[w + 1] = b[row + c1];
        dst[w + 2] = b[row + c2];
        dst[w + 3] = b[row + c3];
        w += WASM_NR;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const row = bRow[p0 + p];
        dst[w] = b[row + c0];
        dst[w + 1] = cols > 1 ? b[row + c1] : 0;
        dst[w + 2] = cols > 2 ? b[row + c2] : 0;
        dst[w + 3] = 0;
        w += WASM_NR;
      }
    }
  }
}

/** c[cBase + cRow[i0+i] + cCol[j0+j]] += src[at + i·ld + j] for the valid mc×nc corner. */
function scatterAdd(
  c: Float64Array, cBase: number, cRow: Int32Array, cCol: Int32Array,
  i0: number, mc: number, j0: number, nc: number, src: Float64Array, at: number, ld: number,
): void {
  for (let i = 0; i < mc; i++) {
    const row = cBase + cRow[i0 + i];
    const from = at + i * ld;
    for (let j = 0; j < nc; j++) c[row + cCol[j0 + j]] += src[from + j];
  }
}

function roundUp(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}
