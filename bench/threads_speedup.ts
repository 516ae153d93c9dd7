/**
 * One thread vs two on the wasm GEMM, interleaved in one process (same machine noise):
 * `flock /work/bench.lock node dist/bench/threads_speedup.js [--cutover]`. Prints the median
 * ms of each workload at 1 and 2 threads and their ratio; `--cutover` times square
 * matmuls around the cut-over (THREAD_MIN in src/compile/wasm/kernel.ts) instead.
 */
import ndarray from "ndarray";
import { einsum, Tensor, windows } from "../src/index";
import { WasmBackend } from "../src/compile/wasm";

const one = new WasmBackend({ gemm: { threads: 1 } });
const two = new WasmBackend({ gemm: { threads: 2, threadMin: 0 } });

function rand(length: number, f32: boolean): Float64Array | Float32Array {
  const a = f32 ? new Float32Array(length) : new Float64Array(length);
  for (let i = 0; i < length; i++) a[i] = Math.sin(i * 0.37);
  return a;
}

function median(xs: number[]): number {
  return [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];
}

/** Median ms per call of each function, rounds interleaved. */
function time(fns: (() => unknown)[], rounds: number, calls: number): number[] {
  fns.forEach((f) => f());
  const t: number[][] = fns.map(() => []);
  for (let r = 0; r < rounds; r++) {
    fns.forEach((f, i) => {
      const t0 = process.hrtime.bigint();
      for (let c = 0; c < calls; c++) f();
      t[i].push(Number(process.hrtime.bigint() - t0) / 1e6 / calls);
    });
  }
  return t.map(median);
}

function report(name: string, flops: number, [a, b]: number[]): void {
  console.log(`${name.padEnd(28)} 1 thread ${a.toFixed(3).padStart(8)} ms (${(flops / a / 1e6).toFixed(1)} GFLOP/s)   2 threads ${b.toFixed(3).padStart(8)} ms (${(flops / b / 1e6).toFixed(1)} GFLOP/s)   speed-up ${(a / b).toFixed(2)}×`);
}

if (process.argv.includes("--cutover")) {
  for (const s of process.argv.includes("--large") ? [256, 320, 384, 448] : [48, 64, 96, 128, 192, 256]) {
    const a = ndarray(rand(s * s, false), [s, s]) as Tensor;
    const calls = Math.max(1, Math.round(2e7 / s ** 3));
    report(`matmul ${s}³ f64 (${(s ** 3 / 1e6).toFixed(2)} M)`, 2 * s ** 3, time([one, two].map((backend) => () => einsum("ij,jk->ik", a, a, { backend })), 7, calls));
  }
} else {
  for (const f32 of [false, true]) {
    const dt = f32 ? "f32" : "f64";
    const a = ndarray(rand(512 * 512, f32), [512, 512]) as Tensor;
    const b = ndarray(rand(512 * 512, f32), [512, 512]) as Tensor;
    report(`matmul 512³ ${dt}`, 2 * 512 ** 3, time([one, two].map((backend) => () => einsum("ij,jk->ik", a, b, { backend })), 9, 2));
    const x = ndarray(rand(32 * 16 * 64 * 64, f32), [32, 16, 64, 64]) as Tensor;
    const w = ndarray(rand(32 * 16 * 9, f32), [32, 16, 3, 3]) as Tensor;
    const win = windows(x, { kernel: 3, padding: 1 });
    report(`B1 conv forward ${dt}`, 2 * 32 * 32 * 64 * 64 * 16 * 9, time([one, two].map((backend) => () => einsum("bihwkl,oikl->bohw", win, w, { backend })), 5, 1));
  }
}
