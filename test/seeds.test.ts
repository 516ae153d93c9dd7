/**
 * bench/seeds.py, the seeds' code "as posted": each re-implementation checked against the right
 * value, or, where the seed is wrong, against the documented wrong value (the unflipped FFT equals
 * the convolution; the shape-order bug raises on 9×9; the asker's loop is right only at its size;
 * 004's dX shortcut fails exactly on the reference README's cases). Oracles: the seed's own printed
 * example, brute-force loops written here in TypeScript, and numerical gradients (inside seeds.py).
 * Under CI=true a missing python3/numpy/scipy fails instead of skipping.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { runSeeds, type SeedGridMethod, type SeedJob, type SeedRow } from "../bench/seeds";
import { parseProbeArgs, probeMemory } from "../bench/memory_probe";
import { ramp } from "../bench/data";

const INSTALL_HINT = "python3 with numpy and scipy is needed (pip install numpy scipy)";
const probe = spawnSync(process.env.EINCONV_BENCH_PYTHON ?? "python3", ["-c", "import numpy, scipy"], { encoding: "utf8" });
const pythonMissing = probe.error || probe.status !== 0 ? `${INSTALL_HINT}: ${probe.error?.message ?? probe.stderr.trim()}` : "";
if (pythonMissing && process.env.CI) throw new Error(`CI: ${pythonMissing}`);
const skip = pythonMissing || false;

const EXAMPLE = [[2, 3, 7, 4, 6, 2, 9], [6, 6, 9, 8, 7, 4, 3], [3, 4, 8, 3, 8, 9, 7], [7, 8, 3, 6, 6, 3, 4],
  [4, 2, 1, 8, 3, 4, 6], [3, 2, 4, 1, 9, 8, 3], [0, 1, 3, 9, 2, 1, 4]];
const KERNEL = [[3, 4, 4], [1, 0, 2], [-1, 0, 3]];
const EXPECTED = [[91, 100, 88], [69, 91, 117], [44, 72, 74]]; // the reference README's stride-2 example

/** Brute-force valid 2-D correlation at a stride; `flip` reverses the kernel (a true convolution). */
function correlate2d(x: number[][], k: number[][], stride: number, flip = false): number[][] {
  const [kh, kw] = [k.length, k[0].length];
  const out: number[][] = [];
  for (let i = 0; i + kh <= x.length; i += stride) {
    const row: number[] = [];
    for (let j = 0; j + kw <= x[0].length; j += stride) {
      let s = 0;
      for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) s += x[i + a][j + b] * (flip ? k[kh - 1 - a][kw - 1 - b] : k[a][b]);
      row.push(s);
    }
    out.push(row);
  }
  return out;
}

function run(job: SeedJob): SeedRow[] {
  return runSeeds({ time: false, ...job }).results;
}

function byMethod(rows: SeedRow[], method: string, id?: string): SeedRow {
  const row = rows.find((r) => r.method === method && (id === undefined || r.id === id));
  assert.ok(row, `no ${method} row${id ? " for " + id : ""}`);
  return row;
}

function assertClose(actual: unknown, expected: number[][], tol: number, what: string): void {
  const a = actual as number[][];
  assert.deepEqual([a.length, a[0].length], [expected.length, expected[0].length], `${what}: shape`);
  expected.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(a[i][j] - v) <= tol, `${what}[${i}][${j}] = ${a[i][j]}, expected ${v}`)));
}

test("003's 7×7 example: asker's loop, accepted answer, FFT answer and 000's correlating methods give the printed output", { skip }, () => {
  const rows = run({ workloads: [{ id: "ex", kind: "grid", input: EXAMPLE, kernel: KERNEL, stride: 2, return_values: true,
    methods: ["s003_asker_loop", "s003_accepted", "s003_fft_answer", "s000_submatrix", "s000_strided", "s000_fft"] }] });
  assert.deepEqual(correlate2d(EXAMPLE, KERNEL, 2), EXPECTED); // the oracle agrees with the README
  for (const m of ["s003_asker_loop", "s003_accepted", "s000_submatrix", "s000_strided"]) {
    const row = byMethod(rows, m);
    assert.deepEqual(row.values, EXPECTED, m);
    assert.equal(row.max_abs_diff, 0, m);
    assert.equal(row.matches_reference, true, m);
    assert.equal(row.as_posted, true, m);
  }
  assertClose(byMethod(rows, "s003_fft_answer").values, EXPECTED, 1e-9, "s003_fft_answer");
  // 000's FFT never flips the kernel: its output is the convolution, not the example's correlation.
  const fft = byMethod(rows, "s000_fft");
  assertClose(fft.values, correlate2d(EXAMPLE, KERNEL, 2, true), 1e-9, "s000_fft vs the flipped-kernel correlation");
  assert.equal(fft.matches_reference, false);
  assert.ok(fft.max_abs_diff !== null && fft.max_abs_diff > 1, `s000_fft differs from the correlation by ${fft.max_abs_diff}`);
  assert.ok(fft.max_abs_diff_convolution !== null && fft.max_abs_diff_convolution! < 1e-9);
});

test("000's three methods in the three settings: sub-matrix and strided view correlate, the FFT convolves", { skip }, () => {
  const settings = [{ depth: 0, stride: 1 }, { depth: 5, stride: 2 }, { depth: 10, stride: 5 }];
  const methods: SeedGridMethod[] = ["s000_fft", "s000_submatrix", "s000_strided", "peer_scipy_fft", "peer_numpy_submatrix", "peer_numpy_strided"];
  const rows = run({ workloads: settings.map((s) => ({ id: `d${s.depth}`, kind: "grid" as const, n: 17, f: 5, ...s, methods })) });
  for (const s of settings) {
    const id = `d${s.depth}`;
    const expectShape = Math.floor((17 - 5) / s.stride) + 1;
    for (const m of ["s000_submatrix", "s000_strided", "peer_scipy_fft", "peer_numpy_submatrix", "peer_numpy_strided"]) {
      const row = byMethod(rows, m, id);
      assert.ok(row.max_abs_diff !== null && row.max_abs_diff < 1e-12, `${m} ${id}: ${row.max_abs_diff}`);
      assert.deepEqual(row.check?.shape, [expectShape, expectShape], `${m} ${id}`);
    }
    const fft = byMethod(rows, "s000_fft", id);
    assert.ok(fft.max_abs_diff! > 0.1, `s000_fft ${id} should differ from the correlation, max diff ${fft.max_abs_diff}`);
    assert.ok(fft.max_abs_diff_convolution! < 1e-12, `s000_fft ${id} should equal the convolution`);
    // As posted, 3-D data keeps the collapsed depth axis.
    assert.deepEqual(fft.check?.shape, s.depth ? [expectShape, expectShape, 1] : [expectShape, expectShape]);
  }
});

test("seeds.py's grid reference agrees with a brute-force TypeScript correlation (3-D, stride 2)", { skip }, () => {
  const [n, f, depth, stride] = [11, 3, 4, 2];
  const x = ramp([n, n, depth], 0).data as Float64Array;
  const k = ramp([f, f, depth], 17).data as Float64Array;
  let sum = 0;
  let absSum = 0;
  for (let i = 0; i + f <= n; i += stride) {
    for (let j = 0; j + f <= n; j += stride) {
      let s = 0;
      for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) for (let c = 0; c < depth; c++) s += x[((i + a) * n + j + b) * depth + c] * k[(a * f + b) * depth + c];
      sum += s;
      absSum += Math.abs(s);
    }
  }
  const row = byMethod(run({ workloads: [{ id: "r", kind: "grid", n, f, depth, stride, methods: ["s000_strided"] }] }), "s000_strided");
  assert.equal(row.matches_reference, true);
  assert.ok(Math.abs(row.check!.sum - sum) < 1e-12 * absSum && Math.abs(row.check!.abs_sum - absSum) < 1e-12 * absSum);
});

test("003's accepted answer: numpy's shape error on 9×9; right whenever the output width equals the kernel height", { skip }, () => {
  const rows = run({ workloads: [
    { id: "9x9", kind: "grid", n: 9, f: 3, stride: 2, methods: ["s003_accepted"] },
    { id: "7x7", kind: "grid", n: 7, f: 3, stride: 2, methods: ["s003_accepted"] },
    { id: "5x7", kind: "grid", shape: [5, 7], f: 3, stride: 2, methods: ["s003_accepted"] },
  ] });
  const bad = byMethod(rows, "s003_accepted", "9x9");
  assert.equal(bad.error_type, "ValueError");
  assert.match(bad.error ?? "", /shape-mismatch/);
  assert.equal(bad.max_abs_diff, null);
  assert.equal(bad.matches_reference, false);
  for (const id of ["7x7", "5x7"]) {
    const ok = byMethod(rows, "s003_accepted", id);
    assert.equal(ok.error, null, id);
    assert.ok(ok.max_abs_diff! < 1e-12, id);
  }
});

test("003's asker's loop: right at its own size, wrong shape on 7×9 and for a 1×1 kernel, numpy's broadcast error on 8×8", { skip }, () => {
  const rows = run({ workloads: [
    { id: "9x9", kind: "grid", n: 9, f: 3, stride: 2, methods: ["s003_asker_loop"] },
    { id: "7x9", kind: "grid", shape: [7, 9], f: 3, stride: 2, methods: ["s003_asker_loop"] },
    { id: "8x8", kind: "grid", n: 8, f: 3, stride: 2, methods: ["s003_asker_loop"] },
    { id: "1x1", kind: "grid", n: 6, f: 1, stride: 1, methods: ["s003_asker_loop"] },
  ] });
  assert.ok(byMethod(rows, "s003_asker_loop", "9x9").max_abs_diff! < 1e-12);
  const wide = byMethod(rows, "s003_asker_loop", "7x9"); // rows used for the column count: a column is lost
  assert.deepEqual([wide.check?.shape, wide.reference_shape], [[3, 3], [3, 4]]);
  assert.equal(wide.shape_matches, false);
  assert.ok(wide.overlap_max_abs_diff! < 1e-12, "the columns it does compute are right");
  const cut = byMethod(rows, "s003_asker_loop", "8x8"); // the last window is cut to 2 columns
  assert.equal(cut.error_type, "ValueError");
  assert.match(cut.error ?? "", /could not be broadcast together with shapes \(3,2\) \(3,3\)/);
  const one = byMethod(rows, "s003_asker_loop", "1x1"); // range(0, n - 1) drops the last row and column
  assert.deepEqual([one.check?.shape, one.reference_shape], [[5, 5], [6, 6]]);
});

test("003's FFT answer is right for an even kernel too (its author doubted it)", { skip }, () => {
  const row = byMethod(run({ workloads: [{ id: "even", kind: "grid", n: 12, f: 4, stride: 2, methods: ["s003_fft_answer"] }] }), "s003_fft_answer");
  assert.ok(row.max_abs_diff! < 1e-12);
  assert.deepEqual(row.check?.shape, [5, 5]);
});

test("001 and 002 on NHWC: loops, einsum, tensordot, per-tap agree with the correlation; the flipped einsum is the convolution", { skip }, () => {
  const rows = run({ workloads: [{ id: "nhwc", kind: "nhwc", input: [2, 7, 6, 3], filter: [3, 3, 3, 4],
    methods: ["s001_loops", "s001_einsum_flipped", "s001_einsum", "s001_tensordot", "s002_naive", "s002_pertap",
      "peer_numpy_pertap", "peer_numpy_tensordot_strided"] }] });
  for (const row of rows.filter((r) => r.method !== "s001_einsum_flipped")) {
    assert.ok(row.max_abs_diff! < 1e-12, `${row.method}: ${row.max_abs_diff}`);
    assert.deepEqual(row.check?.shape, [2, 5, 4, 4], row.method);
  }
  const flipped = byMethod(rows, "s001_einsum_flipped");
  assert.ok(flipped.max_abs_diff! > 0.1, `flipped differs from TensorFlow's correlation by ${flipped.max_abs_diff}`);
  assert.ok(flipped.max_abs_diff_convolution! < 1e-12);
});

test("nhwc loop_batch runs the loop methods on fewer images and says so", { skip }, () => {
  const rows = runSeeds({ repeats: 1, warmup: 0, budget_ms: 50, workloads: [{ id: "b", kind: "nhwc", input: [3, 6, 6, 2],
    filter: [3, 3, 2, 2], loop_batch: 1, methods: ["s002_naive", "s002_pertap"] }] }).results;
  const naive = byMethod(rows, "s002_naive");
  assert.deepEqual([naive.timed_input, naive.full_input, naive.scale], [[1, 6, 6, 2], [3, 6, 6, 2], 3]);
  assert.equal(naive.extrapolated_median_ms, naive.median_ms! * 3);
  assert.deepEqual(naive.check?.shape, [1, 4, 4, 2]);
  assert.ok(naive.max_abs_diff! < 1e-12);
  const pertap = byMethod(rows, "s002_pertap");
  assert.equal(pertap.timed_input, undefined);
  assert.ok(pertap.median_ms! >= 0 && pertap.repeats! >= 1);
});

test("004's layer: forward right; backward's dX recipe fails on exactly the reference README's cases", { skip }, () => {
  const cases: Array<{ id: string; x: [number, number, number, number]; o: number; k: number; s: number; p: number; right: boolean }> = [
    { id: "post", x: [4, 3, 12, 10], o: 128, k: 3, s: 2, p: 1, right: false },
    { id: "12 k3 s2 p1", x: [2, 3, 12, 12], o: 4, k: 3, s: 2, p: 1, right: false },
    { id: "12 k5 s1 p1", x: [2, 3, 12, 12], o: 4, k: 5, s: 1, p: 1, right: false },
    { id: "12 k3 s3 p0", x: [2, 3, 12, 12], o: 4, k: 3, s: 3, p: 0, right: false },
    { id: "12 k3 s1 p0", x: [2, 3, 12, 12], o: 4, k: 3, s: 1, p: 0, right: true },
    { id: "9 k3 s2 p0", x: [2, 3, 9, 9], o: 4, k: 3, s: 2, p: 0, right: true },
    { id: "11 k5 s2 p2", x: [2, 3, 11, 11], o: 4, k: 5, s: 2, p: 2, right: true },
  ];
  const rows = run({ workloads: cases.map((c) => ({ id: c.id, kind: "layer" as const, x: c.x, out_channels: c.o, kernel: c.k, stride: c.s, padding: c.p })) });
  for (const c of cases) {
    const fwd = byMethod(rows, "s004_forward", c.id);
    assert.ok(fwd.max_abs_diff! < 1e-12, `${c.id} forward`);
    const back = byMethod(rows, "s004_backward", c.id);
    assert.ok(back.reference_numerical_max_abs_diff! < 1e-9, `${c.id}: the correct dX against numerical gradients`);
    assert.ok(back.grads!.db.max_abs_diff! < 1e-12 && back.grads!.dw.max_abs_diff! < 1e-12, `${c.id}: db and dW are right`);
    assert.equal(back.grads!.dx.matches_reference, c.right, `${c.id}: dX right = ${c.right}`);
    assert.equal(back.matches_reference, c.right, c.id);
    if (c.right) assert.deepEqual([back.undefined_outputs, back.window_overrun], [0, [0, 0]], c.id);
  }
  // The post's own settings: the printed shapes, and dX entries that read past the gradient's end.
  const post = byMethod(rows, "s004_backward", "post");
  assert.deepEqual(byMethod(rows, "s004_forward", "post").check?.shape, [4, 128, 6, 5]);
  assert.deepEqual([post.grads!.db.shape, post.grads!.dw.shape, post.grads!.dx.shape], [[128], [128, 3, 3, 3], [4, 3, 12, 10]]);
  assert.ok(post.undefined_outputs! > 0 && post.reads_past_end! > 0);
  assert.deepEqual(post.window_overrun, [1, 1]);
  // Where the padding rule or the single inserted zero is wrong, the defined entries differ too.
  for (const id of ["12 k5 s1 p1", "12 k3 s3 p0"]) assert.ok(byMethod(rows, "s004_backward", id).grads!.dx.max_abs_diff! > 0.1, id);
});

test("memory above n = 350: 000's strided view holds the whole window pile at its peak, the sub-matrix does not", { skip }, () => {
  const report = runSeeds({ time: false, workloads: [384, 512].map((n) => ({ id: `n${n}`, kind: "grid" as const, n, f: 3, depth: 5, stride: 2,
    measure_memory: true, methods: ["s000_strided" as const, "s000_submatrix" as const] })) });
  assert.equal(report.env.malloc_mmap_threshold_fixed, true);
  const rows = report.results;
  for (const n of [384, 512]) {
    const strided = byMethod(rows, "s000_strided", `n${n}`);
    const sub = byMethod(rows, "s000_submatrix", `n${n}`);
    const o = Math.floor((n - 3) / 2) + 1;
    assert.equal(strided.predicted_peak_bytes, o * o * 9 * 5 * 8);
    assert.ok(strided.peak_bytes! >= strided.predicted_peak_bytes!, `n=${n}: strided peak ${strided.peak_bytes} < pile ${strided.predicted_peak_bytes}`);
    // The process view sees the same pile (freed arrays leave RSS: the job fixed glibc's mmap threshold).
    if (strided.peak_rss_bytes !== null) assert.ok(strided.peak_rss_bytes! >= 0.9 * strided.predicted_peak_bytes!, `n=${n}: RSS peak ${strided.peak_rss_bytes}`);
    assert.ok(sub.peak_bytes! > 0 && sub.peak_bytes! < strided.peak_bytes!, `n=${n}: sub-matrix peak ${sub.peak_bytes}`);
    assert.ok(strided.max_abs_diff! < 1e-12 && sub.max_abs_diff! < 1e-12);
    assert.equal(strided.median_ms, undefined, "time: false");
  }
});

test("max_bytes skips a method whose pile would be too large, naming the sizes", { skip }, () => {
  const row = byMethod(run({ workloads: [{ id: "cap", kind: "grid", n: 64, f: 9, depth: 5, stride: 1, max_bytes: 1e5, methods: ["s000_strided"] }] }), "s000_strided");
  assert.equal(row.error_type, "Skipped");
  assert.match(row.error ?? "", /predicted peak .* bytes > max_bytes 1e\+05/);
});

test("bad jobs fail with a message naming the method or kind", { skip }, () => {
  assert.throws(() => run({ workloads: [{ id: "x", kind: "grid", n: 8, f: 3, methods: ["nope" as "s000_fft"] }] }), /unknown grid method 'nope'/);
  assert.throws(() => run({ workloads: [{ id: "x", kind: "bogus" } as unknown as { id: string; kind: "grid" }] }), /unknown kind 'bogus'/);
  assert.throws(() => run({ workloads: [{ id: "big", kind: "grid", n: 4, f: 5, methods: ["s000_fft"] }] }),
    /workload 'big' \(grid\): kernel size 5 on axis 0 is larger than the padded data size 4/);
  assert.throws(() => run({ workloads: [{ id: "ch", kind: "nhwc", input: [1, 5, 5, 3], filter: [3, 3, 2, 4] }] }), /input channels 3 != filter Cin 2/);
  assert.throws(() => run({ workloads: [{ id: "s0", kind: "layer", x: [1, 1, 5, 5], out_channels: 1, kernel: 3, stride: 0 }] }), /stride must be >= 1/);
});

test("the demos preset runs and every as-posted row carries a verdict against its reference", { skip }, () => {
  const rows = run({ preset: "demos" });
  assert.ok(rows.length >= 30);
  for (const row of rows) {
    assert.equal(typeof row.matches_reference, "boolean", `${row.id} ${row.method}`);
    assert.ok(row.error !== null || row.check !== undefined, `${row.id} ${row.method}: a result or an error`);
  }
});

test("memory_probe: one einconv call in a fresh node child reports its RSS peak", () => {
  const m = probeMemory({ method: "strided", n: 64, f: 3, depth: 0, stride: 1 });
  assert.equal(m.result_bytes, 62 * 62 * 8);
  assert.equal(m.input_bytes, (64 * 64 + 9) * 8);
  assert.ok(m.baseline_rss_bytes > 1e6 && m.peak_rss_bytes > 1e6, JSON.stringify(m));
  assert.ok(m.peak_delta_bytes >= 0 && Number.isFinite(m.array_buffers_after_bytes));
  assert.deepEqual(parseProbeArgs(["--method", "fft", "--n", "9", "--f", "3", "--depth", "2", "--stride", "2", "--cold"]),
    { method: "fft", n: 9, f: 3, depth: 2, stride: 2, cold: true });
  assert.throws(() => parseProbeArgs(["--method", "fft", "--n", "3", "--f", "5", "--depth", "0", "--stride", "1"]), /--f 5 is larger than the input size --n 3/);
  assert.throws(() => parseProbeArgs(["--method", "fast", "--n", "3", "--f", "1", "--depth", "0", "--stride", "1"]), /--method must be one of/);
  assert.throws(() => parseProbeArgs(["--method", "fft", "--n", "3", "--f", "1", "--depth", "0"]), /missing --stride/);
});
