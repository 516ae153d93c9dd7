/**
 * Small-einsum latency, two builds interleaved in one process (A/B, to share the
 * machine's noise): `node dist/bench/latency.js <baselineDir> <candidateDir>`, each dir
 * holding a built `dist/src/index.js`. Reports the median of per-round means, in µs per call,
 * for cache-hit calls of `ij,jk->ik` (4×4) and `i,i->` (n = 8).
 */
import * as path from "path";

type Lib = typeof import("../src/index");

const dirs = process.argv.slice(2);
if (dirs.length === 0) dirs.push(path.join(__dirname, "..", ".."));
const libs = dirs.map((d) => ({ dir: d, lib: require(path.resolve(d, "dist", "src", "index.js")) as Lib }));

const cases = [
  { name: "ij,jk->ik 4x4", setup: (l: Lib) => { const a = l.fromFlat(Array.from({ length: 16 }, (_, i) => i), [4, 4]); return () => l.einsum("ij,jk->ik", a, a); } },
  { name: "i,i-> n=8", setup: (l: Lib) => { const v = l.fromFlat([1, 2, 3, 4, 5, 6, 7, 8], [8]); return () => l.einsum("i,i->", v, v); } },
];

const ROUNDS = Number(process.env.ROUNDS ?? 15);
const CALLS = Number(process.env.CALLS ?? 2000);
for (const c of cases) {
  const fns = libs.map((l) => c.setup(l.lib));
  fns.forEach((f) => { for (let i = 0; i < 2000; i++) f(); }); // warm up, fill caches
  const times: number[][] = fns.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    fns.forEach((f, k) => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < CALLS; i++) f();
      times[k].push(Number(process.hrtime.bigint() - t0) / 1e3 / CALLS);
    });
  }
  const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];
  console.log(`${c.name.padEnd(16)} ${libs.map((l, k) => `${path.basename(path.resolve(l.dir))}: ${median(times[k]).toFixed(2)} µs`).join("   ")}`);
}
