"""The five reference seeds' own methods, re-implemented "as posted" in numpy/scipy.

bench/peers.py holds einconv's *optimised* numpy/scipy peers (only the kept strided outputs,
BLAS products). This file is the other thing a reader needs: each seed's algorithm with the
behaviour its text describes, bugs included (written here in the project's own code, from the
facts of ../shared/reference/seeds/), timed the same way and checked against a correct reference,
so that a wrong seed shows its difference instead of hiding it.

Protocol (same style as bench/peers.py): one JSON job on stdin, one JSON report on stdout.

    job    = {"repeats": 5, "warmup": 1, "budget_ms": 2000,
              "measure_memory": false,          # default for every workload (see Memory)
              "time": true,                     # false: check (and measure memory) without timing
              "preset": "demos" | "memory",     # optional: adds the ready-made workloads below
              "workloads": [workload, ...]}     # optional when a preset is given
    report = {"script": "bench/seeds.py", "version": 1, "env": {...as peers.py...},
              "results": [row, ...]}

Any of repeats / warmup / budget_ms / measure_memory / time / max_bytes may be set per workload too.

Inputs are bench/peers.py's `ramp` (data salt 0, kernel/filter salt 17, upstream gradient salt 31,
bias salt 5), so checksums line up with peers.py's rows and einconv's bench/data.ts. Explicit
values may be given instead (`input`, `kernel` as nested lists; integers stay int64, as in the
seeds' examples).

Workload kinds
--------------
grid   : {"id", "kind": "grid", "n", "f", "depth": 0|D, "stride", "pad": 0,
          "shape": [h, w] (optional, non-square data instead of n x n),
          "input": [[...]], "kernel": [[...]] (optional explicit values),
          "methods": [...], "return_values": false, "max_bytes": 4e9}
         data (n, n) or (n, n, depth), kernel (f, f) or (f, f, depth); the seeds' three settings are
         (depth 0, stride 1), (depth 5, stride 2), (depth 10, stride 5).
         methods:
           s000_fft        000's FFT conv3D: pad, scipy fftconvolve(data, kernel, "valid") WITHOUT the
                           kernel flip (so a true convolution, every axis flipped, depth included), every
                           stride-1 output computed, then [::s, ::s]. 3-D data returns (o0, o1, 1) as posted.
           s000_submatrix  000's sub-matrix conv3D2: one elementwise slab * kernel[i, j] per tap over every
                           stride-1 output (3-D: summed over depth per tap), accumulated, then [::s, ::s].
           s000_strided    000's strided-view conv3D3: as_strided window view at the stride
                           (o0, o1, f, f[, depth]), then sum(view * kernel) over the window axes; the
                           product `view * kernel` materialises the whole window pile (the memory peak).
           s003_asker_loop 003's question: Python loops over range(0, shape[0] - 1, s) for BOTH axes, window
                           size kernel.shape[0] for both axes, sum(window * kernel). Right only when those
                           assumptions hold; a truncated window raises numpy's broadcast error.
           s003_accepted   003's accepted answer: as_strided with shape (o0, f0, o1, f1) but strides ordered
                           (s*row, s*col, row, col), then tensordot(axes=((2, 3), (0, 1))). It is right only
                           when o1 == f0 (e.g. every size 3, the 7x7 example); otherwise numpy raises.
           s003_fft_answer 003's FFT answer: fftconvolve with the kernel flipped, "valid", then the strided
                           outputs picked by meshgrid fancy indexing (a copy). 2-D only.
           (003's benchmark UPDATE timed the same three conv3D/conv3D2/conv3D3 as 000; use the s000_* ids.)
           peer_scipy_fft, peer_numpy_submatrix, peer_numpy_strided
                           bench/peers.py's optimised versions (NOT as posted), for side-by-side rows and memory.
nhwc   : {"id", "kind": "nhwc", "input": [N, H, W, C], "filter": [F, F, Cin, Cout], "methods": [...],
          "loop_batch": k (optional: the Python-loop methods run on the first k images only)}
         valid, stride 1, TensorFlow semantics (cross-correlation).
         methods:
           s001_loops          001's question: four loops (n, i, j, cout), multiply a window by a filter and sum.
           s001_einsum_flipped 001's answer as first posted: 6-D as_strided view, einsum('abcijk,ijkd') with the
                               filter flipped [::-1, ::-1] (disagrees with TensorFlow: a true convolution).
           s001_einsum         the same with the flip removed (the answer's edit).
           s001_tensordot      the answer's final version: the 6-D view, tensordot(axes=3).
           s002_naive          002's seven loops (n, c_in, c_out, y, x, i, j), one scalar multiply-add each.
           s002_pertap         002's per-tap matrix multiplication: out += x[:, i:i+H', j:j+W', :] @ w[i, j].
           peer_numpy_pertap, peer_numpy_einsum_strided, peer_numpy_tensordot_strided   (peers.py, optimised)
         The article's shapes: input [100, 32, 32, 3], filter [3, 3, 3, 16] (s002_naive took ~45 s there;
         give loop_batch to time it on fewer images).
layer  : {"id", "kind": "layer", "x": [B, C, H, W], "out_channels", "kernel", "stride", "padding",
          "methods": ["s004_forward", "s004_backward"]}
         004's Conv2D layer: weight (O, C, K, K) = ramp salt 17, bias (O,) = ramp salt 5,
         upstream gradient dout (B, O, H', W') = ramp salt 31.
           s004_forward   getWindows (as_strided (B, C, H', W', K, K) view of the padded input) and
                          einsum('bihwkl,oikl->bohw') + bias.
           s004_backward  the post's recipe: db = sum(dout), dW = einsum over the cached windows and dout,
                          dX = einsum of windows over dout (stride 1, padding K-1 if the forward padding is 0
                          else the forward padding, ONE zero inserted between elements whenever stride > 1)
                          with the kernel rotated 180 degrees. Where that window view runs past the end of the
                          padded gradient, the post's as_strided reads whatever memory follows; here the
                          padded gradient sits in a buffer with a zero tail, so those reads see zeros
                          (deterministic; the row wrap-around reads are reproduced exactly).

Report rows
-----------
Every row: {"id", "kind", "seed": "000".."004" | "peers", "method", "label" (e.g. "000 conv3D FFT (as posted)"),
            "as_posted": bool, "check": {"shape", "sum", "abs_sum"} (of the result as returned),
            "reference": how the correct value was computed,
            "max_abs_diff": largest |result - reference| (null when shapes differ or on error),
            "norm_diff": Frobenius norm of the difference (002's own measure),
            "matches_reference": max_abs_diff <= 1e-8 * max(1, max |reference|) and shapes equal,
            "shape_matches": bool, "reference_shape": [...],
            "error": null | numpy's message text, "error_type": null | e.g. "ValueError",
            timing fields when timed and no error: "median_ms", "min_ms", "repeats", "cpu_ms", ["batch"],
            "values": nested list (when return_values and at most 10000 elements)}
Comparisons drop a trailing axis of size 1 (000's FFT keeps the depth axis); check.shape is as returned.
grid / nhwc rows add "max_abs_diff_convolution": the difference from the true convolution (the kernel flipped:
  every axis for grid, as fftconvolve does; the two spatial axes for nhwc), so the unflipped FFT and the
  flipped einsum show as "equals the convolution, not the correlation".
  When shapes differ: "overlap_max_abs_diff" over the common leading block.
nhwc loop methods with loop_batch: "timed_input" (shape actually run), "full_input", "scale" (= N / k) and
  "extrapolated_median_ms" (= median_ms * scale; the loop count is linear in N: an extrapolation, say so).
layer s004_backward: "grads": {"db"|"dw"|"dx": {"shape", "max_abs_diff", "matches_reference"}},
  max_abs_diff = the largest of the three, "window_overrun": [rows, cols] the dX window view needs beyond the
  padded gradient (0, 0 when it fits), "reads_past_end": elements read past the buffer's end (zeros here),
  "reference_numerical_max_abs_diff": the correct dX against central differences of sum(forward(x) * dout).

Memory (measure_memory: true)
-----------------------------
One extra untimed call per method under tracemalloc (numpy registers its array buffers with
tracemalloc): "peak_bytes" = peak traced bytes during the call minus the traced bytes just
before it (result + temporaries: the window pile of s000_strided, FFT buffers, slabs).
Then one more untimed call for the process view: "peak_rss_bytes" = VmHWM after the call minus
"baseline_rss_bytes" (VmRSS just before it, after resetting VmHWM through /proc/self/clear_refs);
coarse (pages, allocator reuse), null when /proc is unavailable. "max_bytes" (default 4e9) skips a
method whose predicted largest temporary is larger (error "skipped: ..."), so memory runs stay bounded.

Presets
-------
"demos"  : item 4's minimal demonstrations: the 7x7 example (asker's loop, accepted answer: both give
           [[91, 100, 88], [69, 91, 117], [44, 72, 74]]), the accepted answer on 9x9 (numpy's error), the
           asker's loop on a 7x9 input (a missing column) and on 8x8 (a truncated window), the unflipped FFT
           on a 5x5 kernel, 003's FFT answer with an even kernel, 001's flip, and 004's dX recipe on the
           post's settings and the reference README's six cases.
"memory" : s000_fft / s000_submatrix / s000_strided and the peers' three at n 384 and 512, f 3 and 9,
           setting 2 (depth 5, stride 2), measure_memory on, time off.

Which seed claims each method serves (for the notebooks' claim tables)
------------------------------------------------------------------------
000 (blog): "conv3D (FFT) is in general the fastest"; "sub-matrix and strided view slow down as the
    kernel grows, then speed up again as it nears the input size"; "sub-matrix is best for very small
    kernels (below about 5x5)"; "strided view is fastest when the kernel approaches the input"
    -> s000_fft, s000_submatrix, s000_strided timed on settings 1-3 (as posted) beside peer_* and einconv.
    Its FFT computes a convolution while the other two correlate -> s000_fft's max_abs_diff vs
    max_abs_diff_convolution.
003 (Q&A): the three comparisons of the UPDATE (same claims as 000 for 2-D; 3-D stride 2: "sub-matrix
    shows no advantage", "strided view beats FFT for small and large kernels"; 3-D stride 5: "strided
    view wins over a larger area, since FFT computes outputs the stride discards") -> s000_* on
    settings 2 and 3; "memory peaks for the strided view above n = 350" -> s000_strided with
    measure_memory (preset "memory"); the accepted answer's shape order -> s003_accepted (error on 9x9);
    the asker's loop -> s003_asker_loop; "the FFT answer only works for odd kernels" -> s003_fft_answer
    on an even kernel (matches_reference shows whether it holds).
001 (NHWC Q&A): "four loops are extremely slow" -> s001_loops; "tensordot(axes=3) is much faster than
    einsum('abcijk,ijkd')" -> s001_tensordot vs s001_einsum; "the flip disagreed with TensorFlow"
    -> s001_einsum_flipped (max_abs_diff vs max_abs_diff_convolution); "numpy should not be slower
    than TensorFlow on the same CPU" -> s001_tensordot vs the notebook's tfjs timing.
002 (article): "reference ~18 ms, per-tap ~60 ms, naive ~45 s (about 3000x the reference)"
    -> s002_pertap and s002_naive (extrapolated_median_ms) beside the notebook's tfjs/einconv timing;
    "the fast ones agree with the reference to ~1e-12 (norm)" -> norm_diff.
004 (layer post): the printed shapes -> check.shape of s004_forward / grads.*.shape; the dX shortcut
    -> s004_backward's grads.dx.max_abs_diff on the post's settings and the README's cases.
"""

import json
import sys


def main():
    raise SystemExit("bench/seeds.py: interface only so far (see the docstring); implementation follows")


if __name__ == "__main__":
    main()
