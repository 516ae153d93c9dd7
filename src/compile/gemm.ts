/**
 * A packed, register-blocked matrix kernel in plain JavaScript (the Goto/BLIS
 * scheme): B is packed in KC×NC panels, A in MC×KC blocks, both into contiguous
 * Float64Arrays laid out in MR- and NR-wide strips, and a 4×4 micro-kernel keeps
 * 16 accumulators in locals. Packing reads through offset tables, so any strided
 * layout — transposes, multi-axis groups, overlapping window views — is packed
 * without materializing the operand (the packs are the only copies, O(MK + KN)).
 */
import { STRIP, packStrips } from "./pack";
import { GemmTask } from "./tasks";

/** Blocking parameters, chosen for 32 KiB L1 / ≥256 KiB L2 caches. */
export interface GemmBlocking {
  readonly mc: number;
  readonly kc: number;
  readonly nc: number;
}

export const DEFAULT_BLOCKING: GemmBlocking = { mc: 64, kc: 256, nc: 2048 };

const MR = STRIP;
const NR = STRIP;

/** Scratch buffers reused across blocks of one call. */
interface Packs {
  a: Float64Array;
  b: Float64Array;
}

/**
 * 4×4 micro-kernel: C[i0..i0+rows, j0..j0+cols] += Apack strip · Bpack strip over kc.
 * Rows/cols beyond the matrix edge were packed as zeros and are simply not written.
 */
function micro(
  kc: number, ap: Float64Array, aOff: number, bp: Float64Array, bOff: number,
  c: Float64Array, cBase: number, cRow: Int32Array, cCol: Int32Array, i0: number, rows: number, j0: number, cols: number,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  let ia = aOff;
  let ib = bOff;
  for (let p = 0; p < kc; p++) {
    const a0 = ap[ia], a1 = ap[ia + 1], a2 = ap[ia + 2], a3 = ap[ia + 3];
    const b0 = bp[ib], b1 = bp[ib + 1], b2 = bp[ib + 2], b3 = bp[ib + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    ia += MR;
    ib += NR;
  }
  if (rows === MR && cols === NR) {
    const r0 = cBase + cRow[i0], r1 = cBase + cRow[i0 + 1], r2 = cBase + cRow[i0 + 2], r3 = cBase + cRow[i0 + 3];
    const k0 = cCol[j0], k1 = cCol[j0 + 1], k2 = cCol[j0 + 2], k3 = cCol[j0 + 3];
    c[r0 + k0] += c00; c[r0 + k1] += c01; c[r0 + k2] += c02; c[r0 + k3] += c03;
    c[r1 + k0] += c10; c[r1 + k1] += c11; c[r1 + k2] += c12; c[r1 + k3] += c13;
    c[r2 + k0] += c20; c[r2 + k1] += c21; c[r2 + k2] += c22; c[r2 + k3] += c23;
    c[r3 + k0] += c30; c[r3 + k1] += c31; c[r3 + k2] += c32; c[r3 + k3] += c33;
    return;
  }
  const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let r = 0; r < rows; r++) {
    const row = cBase + cRow[i0 + r];
    for (let q = 0; q < cols; q++) c[row + cCol[j0 + q]] += tile[r * NR + q];
  }
}

/** Runs a {@link GemmTask}: C += A·B for every batch entry. C must be zeroed by the caller. */
export function gemm(task: GemmTask, blocking: GemmBlocking = DEFAULT_BLOCKING): void {
  const { m, n, k } = task;
  if (m === 0 || n === 0 || k === 0) return;
  const mcMax = Math.min(blocking.mc, roundUp(m, MR));
  const kcMax = Math.min(blocking.kc, k);
  const ncMax = Math.min(blocking.nc, roundUp(n, NR));
  const packs: Packs = { a: new Float64Array(roundUp(mcMax, MR) * kcMax), b: new Float64Array(roundUp(ncMax, NR) * kcMax) };
  const c = task.c as Float64Array;
  for (let batch = 0; batch < task.aBatch.length; batch++) {
    const aBase = task.aBatch[batch];
    const bBase = task.bBatch[batch];
    const cBase = task.cBatch[batch];
    for (let j0 = 0; j0 < n; j0 += ncMax) {
      const nc = Math.min(ncMax, n - j0);
      for (let p0 = 0; p0 < k; p0 += kcMax) {
        const kc = Math.min(kcMax, k - p0);
        packStrips(task.b, bBase, { x: task.bCol, y: task.bRow }, j0, nc, p0, kc, packs.b, 0);
        for (let i0 = 0; i0 < m; i0 += mcMax) {
          const mc = Math.min(mcMax, m - i0);
          packStrips(task.a, aBase, { x: task.aRow, y: task.aCol }, i0, mc, p0, kc, packs.a, 0);
          for (let jr = 0; jr < nc; jr += NR) {
            const cols = Math.min(NR, nc - jr);
            for (let ir = 0; ir < mc; ir += MR) {
              micro(kc, packs.a, ir * kc, packs.b, jr * kc, c, cBase, task.cRow, task.cCol, i0 + ir, Math.min(MR, mc - ir), j0 + jr, cols);
            }
          }
        }
      }
    }
  }
}

function roundUp(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}
