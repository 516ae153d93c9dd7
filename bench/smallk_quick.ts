/**
 * Quick locked timing of the small-K products (issue 10 item 5): NHWC per-tap and
 * window-view convolution on the article's shapes, and sub-matrix grid-1 cells,
 * next to numpy's per-tap loop / sub-matrix in the same run. A few seconds:
 * `node dist/bench/smallk_quick.js` (bench/README.md).
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { ramp } from "./data";
import { conv2dNHWC, conv2dNHWCPerTap, convInfo, correlateSubmatrix } from "../src/conv";
import { timeCall } from "./timing";
import { einsumAccumulate } from "../src/einsum";
import { WasmBackend } from "../src/compile/wasm";
import { Tensor } from "../src/types";
import ndarray from "ndarray";

/** conv2dNHWCPerTap's loop (stride 1, valid) with an explicit backend: old (packed sweep) vs new (small-K) in one run. */
function perTapWith(x: Tensor, w: Tensor, backend: WasmBackend): Tensor {
  const [n, h, wd, c] = x.shape;
  const [kh, kw, , d] = w.shape;
  const [oh, ow] = [h - kh + 1, wd - kw + 1];
  const out = ndarray(new Float64Array(n * oh * ow * d), [n, oh, ow, d]);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) einsumAccumulate("nhwc,cd->nhwd", out, [x.lo(0, i, j, 0).hi(n, oh, ow, c), w.pick(i, j, null, null)], { backend });
  }
  return out;
}

const timing = { repeats: 9, warmup: 4, budgetMs: 2000 };
const rows: string[] = [];
const x = ramp([100, 32, 32, 3], 0);
const w = ramp([3, 3, 3, 16], 17);
const packed = new WasmBackend({ gemm: { smallK: "never" } });
const smallK = new WasmBackend();
rows.push(`${"perTap old (packed)".padEnd(24)} ${timeCall(() => perTapWith(x, w, packed), timing).timing.median_ms.toFixed(2)} ms`);
rows.push(`${"perTap new (small-K)".padEnd(24)} ${timeCall(() => perTapWith(x, w, smallK), timing).timing.median_ms.toFixed(2)} ms`);
for (const [name, fn] of [["conv2dNHWCPerTap", conv2dNHWCPerTap], ["conv2dNHWC", conv2dNHWC]] as const) {
  rows.push(`${name.padEnd(24)} ${timeCall(() => fn(x, w), timing).timing.median_ms.toFixed(2)} ms`);
}
for (const n of [128, 256]) {
  for (const f of [3, 9]) {
    const d = ramp([n, n], 0);
    const k = ramp([f, f], 17);
    const info = convInfo(d.shape, k.shape, {});
    rows.push(`${`submatrix n${n} f${f}`.padEnd(24)} ${timeCall(() => correlateSubmatrix(d, k, info), timing).timing.median_ms.toFixed(3)} ms`);
  }
}
const job = {
  repeats: 7, warmup: 2, budget_ms: 1500,
  workloads: [
    { id: "nhwc", kind: "nhwc", input: [100, 32, 32, 3], filter: [3, 3, 3, 16], methods: ["numpy_pertap", "numpy_einsum_strided"] },
    ...[128, 256].flatMap((n) => [3, 9].map((f) => ({ id: `sub n${n} f${f}`, kind: "conv", n, f, depth: 0, stride: 1, methods: ["numpy_submatrix"] }))),
  ],
};
const py = execFileSync("python3", [join(__dirname, "..", "..", "bench", "peers.py")], { input: JSON.stringify(job), env: { ...process.env, OPENBLAS_NUM_THREADS: "1" } }).toString();
console.log(rows.join("\n"));
const parsed = JSON.parse(py) as { results: { id: string; method: string; median_ms: number }[] };
for (const r of parsed.results) console.log(`numpy ${r.id} ${r.method}`.padEnd(40), r.median_ms.toFixed(3), "ms");
