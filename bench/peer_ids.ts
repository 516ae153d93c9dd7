/**
 * The workloads of issue 10's peer table, by the ids their rows carry in peers.json. Shared by
 * the timing side (peer_table.ts, peer_einconv.ts) and the readers (targets.ts, readme_tables.ts),
 * which must not import the timing code.
 */

/** B1: NCHW B32 C16 64x64, O32, K3, pad 1. */
export const B1: { input: number[]; out: number; kernel: number; padding: number } = { input: [32, 16, 64, 64], out: 32, kernel: 3, padding: 1 };
/** Side of the square matmul. */
export const MM = 512;
/** Grid 1 points of the FFT row. */
export const FFT_POINTS: ReadonlyArray<{ n: number; f: number }> = [{ n: 256, f: 9 }, { n: 256, f: 31 }];

export const PEER_WORKLOADS = {
  convF64: "B1 conv forward f64 (prebuilt window view)",
  convF64Win: "B1 conv forward f64 incl. windows() padding",
  convF32: "B1 conv forward f32",
  mmF64: `matmul ${MM}^3 f64`,
  mmF32: `matmul ${MM}^3 f32`,
  dW: "dW einsum bihwkl,bohw->oikl f64",
  nhwc: "NHWC per-tap (100,32,32,3)x(3,3,3,16)",
} as const;

/** Id of an FFT point's row. */
export function fftWorkload(p: { n: number; f: number }): string {
  return `2-D FFT conv grid 1 n${p.n} f${p.f}`;
}

/** Every workload id, in table order. */
export function peerWorkloadIds(): string[] {
  const W = PEER_WORKLOADS;
  return [W.convF64, W.convF64Win, W.convF32, W.mmF64, W.mmF32, ...FFT_POINTS.map(fftWorkload), W.nhwc, W.dW];
}

/** Multiply-adds x 2 of the 512^3 matmul, for GFLOP/s. */
export const MM_FLOPS = 2 * MM ** 3;

/** A row of peers.json. */
export interface PeerCell {
  workload: string;
  impl: string;
  threads: number;
  median_ms: number;
  min_ms: number;
  repeats: number;
  cpu_ms?: number;
  batch?: number;
  /** The peer's own method name, where it has several (numpy einsum variant, ...). */
  method?: string;
}
