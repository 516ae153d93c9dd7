"""The five reference seeds' own methods, re-implemented "as posted" in numpy/scipy.

bench/peers.py holds einconv's *optimised* numpy/scipy peers (only the kept strided outputs,
BLAS products). This file is the other thing a reader needs: each seed's algorithm with the
behaviour its text describes, bugs included (written here in the project's own code, from the
facts of ../shared/reference/seeds/), timed the same way and checked against a correct reference,
so that a wrong seed shows its difference instead of hiding it.

Protocol (same style as bench/peers.py): one JSON job on stdin, one JSON report on stdout.
From TypeScript: `runSeeds(job)` in bench/seeds.ts (typed rows); from a notebook, like peers.py:
    execFileSync("python3", [path.join(projectRoot, "bench", "seeds.py")], {input: JSON.stringify(job),
                 encoding: "utf8", env: {...process.env, OPENBLAS_NUM_THREADS: "1"}})
einconv's side of the memory comparison is bench/memory_probe.ts (process RSS of one call).

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
           s003_fft_answer 003's FFT answer: fftconvolve with the kernel flipped, "valid", every stride-1
                           output, then the strided ones gathered by meshgrid fancy indexing (a copy). Written
                           for 2-D; on 3-D data it flips only the two spatial axes, so the depth axis convolves.
           (003's benchmark UPDATE timed the same three conv3D/conv3D2/conv3D3 as 000 (its FFT one also
           unflipped); use the s000_* ids. The compute-everything-then-[::s, ::s] methods are s000_fft,
           s000_submatrix and s003_fft_answer; s000_strided and s003_accepted put the stride in the view.)
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
                          with the kernel rotated 180 degrees. That window view has no bounds check: when
                          it needs more rows/columns than the padded gradient has, it wraps into the next row
                          or plane (reproduced exactly) and, at the very end, reads past the array (undefined
                          memory in the post). Here the padded gradient sits in a buffer with a NaN tail, so
                          every dX entry that depends on memory past the end is NaN and counted.

Report rows
-----------
Every row: {"id", "kind", "seed": "000".."004" | "peers", "method", "label" (e.g. "000 conv3D FFT (as posted)"),
            "as_posted": bool, "check": {"shape", "sum", "abs_sum"} (of the result as returned),
            "reference": how the correct value was computed (grid: an explicit tap-by-tap correlation
                         over the kept outputs; scipy's FFT correlation only above 3e8 multiply-adds),
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
  grads.dx.undefined_outputs (also at the row's top level) = dX entries that read past the end (NaN here; the difference is over the rest;
  matches_reference is false when any exist), check = checksum of dX (sums null when any is undefined),
  max_abs_diff = the largest of the three, "window_overrun": [rows, cols] the dX window view needs beyond the
  padded gradient (0, 0 when it fits), "reads_past_end": elements read past the buffer's end,
  "reference_numerical_max_abs_diff": the correct dX against central differences of sum(forward(x) * dout).

Memory (measure_memory: true)
-----------------------------
One extra untimed call per method under tracemalloc (numpy registers its array buffers with
tracemalloc): "peak_bytes" = peak traced bytes during the call minus the traced bytes just
before it (result + temporaries: the window pile of s000_strided, FFT buffers, slabs).
Then one more untimed call for the process view: "peak_rss_bytes" = VmHWM after the call minus
"baseline_rss_bytes" (VmRSS just before it, after resetting VmHWM through /proc/self/clear_refs);
page-granular, null when /proc is unavailable. A job with any measure_memory workload fixes glibc's
mmap threshold at 128 KiB first (env.malloc_mmap_threshold_fixed), so freed arrays leave RSS and the
next call's are counted; that also slows large allocations, so memory workloads should set time: false.
"max_bytes" (default 4e9) skips a method whose predicted peak ("predicted_peak_bytes", a rough
formula given in every row) is larger (error "skipped: ..."), so memory runs stay bounded.

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
import gc
import json
import os
import sys
import time
import tracemalloc

import numpy as np
import scipy.signal
from numpy.lib.stride_tricks import as_strided
from scipy.signal import fftconvolve

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402  (bench/peers.py: ramp, checksum, time_call, environment and the optimised peers)

VERSION = 1
DATA_SALT, KERNEL_SALT, DOUT_SALT, BIAS_SALT = 0, 17, 31, 5
DEFAULT_MAX_BYTES = 4e9
MAX_VALUES = 10000


# ---------------------------------------------------------------- helpers the posts share

def repeat_kernel_depth(var, kernel):
    """000's shape check: a 2-D kernel on 3-D data is repeated along the depth axis (a copy, as posted)."""
    if var.ndim == 3 and kernel.ndim == 2:
        return np.repeat(kernel[:, :, None], var.shape[2], axis=2)
    return kernel


def pad_first_two(var, pad):
    """Zeros on both sides of the first two axes only (a copy; none when pad is 0)."""
    if pad <= 0:
        return var
    return np.pad(var, [(pad, pad), (pad, pad)] + [(0, 0)] * (var.ndim - 2))


def window_pile(arr, sub_shape, stride):
    """000/003's asStride: a zero-copy (o0, o1, m2, n2, ...rest) window view at `stride`."""
    s0, s1 = arr.strides[:2]
    m1, n1 = arr.shape[:2]
    m2, n2 = sub_shape[:2]
    shape = (1 + (m1 - m2) // stride, 1 + (n1 - n2) // stride, m2, n2) + arr.shape[2:]
    strides = (stride * s0, stride * s1, s0, s1) + arr.strides[2:]
    return as_strided(arr, shape, strides, writeable=False)


# ---------------------------------------------------------------- seed 000 (and 003's UPDATE)

def s000_fft(var, kernel, stride, pad):
    """FFT conv3D as posted: fftconvolve without flipping the kernel (a true convolution, depth
    axis included), every stride-1 output, then every stride-th one kept."""
    kernel = repeat_kernel_depth(var, kernel)
    conv = fftconvolve(pad_first_two(var, pad), kernel, mode="valid")
    if stride > 1:
        conv = conv[::stride, ::stride, ...]
    return conv


def s000_submatrix(var, kernel, stride, pad):
    """Sub-matrix conv3D2 as posted: per tap, an elementwise product of a shifted slab covering
    every stride-1 output; 3-D slabs summed over depth; the stride applied at the end."""
    ny, nx = var.shape[:2]
    ky, kx = kernel.shape[:2]
    padded = pad_first_two(var, pad)
    result = 0
    for tap in range(ky * kx):
        yi, xi = divmod(tap, kx)
        slab = padded[yi:2 * pad + ny - ky + yi + 1, xi:2 * pad + nx - kx + xi + 1, ...] * kernel[yi, xi]
        if var.ndim == 3:
            slab = slab.sum(axis=-1)
        result += slab  # the first tap turns the int 0 into a fresh array, the rest add in place
    if stride > 1:
        result = result[::stride, ::stride, ...]
    return result


def s000_strided(var, kernel, stride, pad):
    """Strided-view conv3D3 as posted: the window view at the stride, then sum(view * kernel);
    the product is a full-size temporary: the whole window pile, copied."""
    kernel = repeat_kernel_depth(var, kernel)
    view = window_pile(pad_first_two(var, pad), kernel.shape, stride)
    axes = (2, 3) if kernel.ndim == 2 else (2, 3, 4)
    return np.sum(view * kernel, axis=axes)


# ---------------------------------------------------------------- seed 003

def s003_asker_loop(arr1, arr2, stride, _pad):
    """The question's loop as posted: range(0, rows - 1, s) for both axes (rows used for the
    columns too), windows of kernel.shape[0] on both axes; padding is accepted and ignored."""
    beg = 0
    end = arr2.shape[0]
    final = []
    for i in range(0, arr1.shape[0] - 1, stride):
        row = []
        for j in range(0, arr1.shape[0] - 1, stride):
            row.append(np.sum(arr1[beg + i:end + i, beg + j:end + j] * arr2))
        final.append(row)
    return np.array(final)


def s003_accepted(arr, arr2, stride, _pad):
    """The accepted answer as posted: the 4-D view's shape is ordered (o0, f0, o1, f1) while its
    strides are ordered (o0, o1, f0, f1), then tensordot over view axes (2, 3). Right exactly when
    o1 == f0; otherwise tensordot raises (before reading the view)."""
    s0, s1 = arr.strides
    m1, n1 = arr.shape
    m2, n2 = arr2.shape
    shape = (1 + (m1 - m2) // stride, m2, 1 + (n1 - n2) // stride, n2)
    view = as_strided(arr, shape=shape, strides=(stride * s0, stride * s1, s0, s1), writeable=False)
    return np.tensordot(view, arr2, axes=((2, 3), (0, 1)))


def s003_fft_answer(arr, arr2, stride, _pad):
    """The FFT answer as posted: fftconvolve with the kernel's first two axes flipped, 'valid',
    then the strided outputs gathered by meshgrid fancy indexing (a copy)."""
    cc = fftconvolve(arr, arr2[::-1, ::-1], mode="valid")
    idx = (np.arange(0, cc.shape[1], stride), np.arange(0, cc.shape[0], stride))
    xidx, yidx = np.meshgrid(*idx)
    return cc[yidx, xidx]


def peer_conv(name):
    """bench/peers.py's optimised version; it has no padding argument, so the data is padded first."""
    fn = peers.CONV_METHODS[name]
    return lambda var, kernel, stride, pad: fn(pad_first_two(var, pad), kernel, stride)


GRID_METHODS = {
    "s000_fft": ("000", "000 conv3D FFT (as posted)", True, s000_fft),
    "s000_submatrix": ("000", "000 conv3D2 sub-matrix (as posted)", True, s000_submatrix),
    "s000_strided": ("000", "000 conv3D3 strided view (as posted)", True, s000_strided),
    "s003_asker_loop": ("003", "003 asker's loop (as posted)", True, s003_asker_loop),
    "s003_accepted": ("003", "003 accepted answer, 4-D view + tensordot (as posted)", True, s003_accepted),
    "s003_fft_answer": ("003", "003 FFT answer, flipped kernel + meshgrid (as posted)", True, s003_fft_answer),
    "peer_scipy_fft": ("peers", "scipy fft (optimised peer)", False, peer_conv("scipy_fft")),
    "peer_numpy_submatrix": ("peers", "numpy submatrix (optimised peer)", False, peer_conv("numpy_submatrix")),
    "peer_numpy_strided": ("peers", "numpy strided (optimised peer)", False, peer_conv("numpy_strided")),
}


def grid_predicted_bytes(method, data, kernel, stride, pad):
    """A rough prediction of a grid method's peak (for max_bytes; the measured peak_bytes is the
    fact): the window pile copy of the strided methods (view * kernel, or tensordot's reshape);
    slab temporaries for the sub-matrix methods; about five real arrays of the padded FFT size."""
    h, w = data.shape[0] + 2 * pad, data.shape[1] + 2 * pad
    depth = data.shape[2] if data.ndim == 3 else 1
    f0, f1 = kernel.shape[:2]
    o0, o1 = (h - f0) // stride + 1, (w - f1) // stride + 1
    if method in ("s000_strided", "peer_numpy_strided"):
        return o0 * o1 * f0 * f1 * depth * 8
    if method == "s003_accepted":
        return o0 * f0 * (1 + (w - f1) // stride) * f1 * 8
    if method == "s000_submatrix":
        return 2 * (h - f0 + 1) * (w - f1 + 1) * depth * 8
    if method in ("peer_numpy_submatrix", "s003_asker_loop"):
        return 2 * o0 * o1 * 8
    return 5 * (h + f0) * (w + f1) * (2 * depth - 1) * 8


REFERENCE_TAP_BUDGET = 3e8  # multiply-adds above which the grid reference falls back to scipy's FFT correlation


def grid_reference(data, kernel, stride, pad, flip):
    """Correct valid correlation at the stride (flip=True: the true convolution, every kernel axis
    reversed as fftconvolve does). Returns (values, how). Written out tap by tap over the kept
    outputs only (independent of every FFT method); above REFERENCE_TAP_BUDGET multiply-adds,
    scipy.signal.correlate(method="fft")[::s, ::s] instead (said in `how`)."""
    d = pad_first_two(np.asarray(data, dtype=np.float64), pad)
    k = repeat_kernel_depth(d, np.asarray(kernel, dtype=np.float64))
    if flip:
        k = k[(slice(None, None, -1),) * k.ndim]
    if d.ndim == 2:
        d, k = d[:, :, None], k[:, :, None]
    f0, f1, depth = k.shape
    o0, o1 = (d.shape[0] - f0) // stride + 1, (d.shape[1] - f1) // stride + 1
    if o0 * o1 * f0 * f1 * depth > REFERENCE_TAP_BUDGET:
        out = scipy.signal.correlate(d, k, mode="valid", method="fft")[:, :, 0]
        return out[::stride, ::stride], "scipy.signal.correlate(data, kernel, 'valid', method='fft')[::s, ::s]"
    out = np.zeros((o0, o1))
    for r in range(f0):
        for c in range(f1):
            out += d[r:r + stride * (o0 - 1) + 1:stride, c:c + stride * (o1 - 1) + 1:stride, :] @ k[r, c, :]
    return out, "explicit correlation, tap by tap over the kept outputs (no flip)"


# ---------------------------------------------------------------- seed 001 (NHWC)

def nhwc_windows_as_posted(a, b):
    """001's 6-D view (N, H', W', F0, F1, C) built from the input's own strides (no copy)."""
    hout = a.shape[1] - b.shape[0] + 1
    wout = a.shape[2] - b.shape[1] + 1
    return as_strided(a, (a.shape[0], hout, wout, b.shape[0], b.shape[1], a.shape[3]),
                      a.strides[:3] + a.strides[1:], writeable=False)


def s001_loops(image, filt):
    """The question's four loops as posted: one window * filter product and sum per output element."""
    hout = image.shape[1] - filt.shape[0] + 1
    wout = image.shape[2] - filt.shape[1] + 1
    output = np.zeros([image.shape[0], hout, wout, filt.shape[3]])
    for n in range(output.shape[0]):
        for i in range(output.shape[1]):
            for j in range(output.shape[2]):
                for cout in range(output.shape[3]):
                    window = image[n, i:i + filt.shape[0], j:j + filt.shape[1], :]
                    output[n, i, j, cout] = np.multiply(window, filt[:, :, :, cout]).sum()
    return output


def s001_einsum_flipped(a, b):
    """The answer as first posted: implicit-output einsum with the filter flipped (a convolution)."""
    return np.einsum("abcijk,ijkd", nhwc_windows_as_posted(a, b), b[::-1, ::-1])


def s001_einsum(a, b):
    """The answer after its edit: the same einsum, flip removed (TensorFlow's correlation)."""
    return np.einsum("abcijk,ijkd", nhwc_windows_as_posted(a, b), b)


def s001_tensordot(a, b):
    """The answer's final version: tensordot over the last three axes (tensordot copies the view
    into a matrix, then one BLAS product)."""
    return np.tensordot(nhwc_windows_as_posted(a, b), b, axes=3)


# ---------------------------------------------------------------- seed 002 (NHWC)

def s002_naive(a, weight):
    """The article's seven loops as posted, one scalar multiply-add per step (K used for both kernel axes)."""
    n_, h, w, c_in_ = a.shape
    k, _q, _e, c_out_ = weight.shape
    out = np.zeros((n_, h - k + 1, w - k + 1, c_out_))
    for n in range(n_):
        for c_in in range(c_in_):
            for c_out in range(c_out_):
                for y in range(h - k + 1):
                    for x in range(w - k + 1):
                        for i in range(k):
                            for j in range(k):
                                out[n, y, x, c_out] += a[n, y + i, x + j, c_in] * weight[i, j, c_in, c_out]
    return out


def s002_pertap(a, weight):
    """The article's per-tap matrix multiplication as posted: (…, Cin) @ (Cin, Cout) per kernel tap."""
    _n, h, w, _c = a.shape
    k = weight.shape[0]
    out = np.zeros((a.shape[0], h - k + 1, w - k + 1, weight.shape[3]))
    for i in range(k):
        for j in range(k):
            out += a[:, i:i + h - k + 1, j:j + w - k + 1, :] @ weight[i, j]
    return out


def peer_nhwc(name):
    return peers.NHWC_METHODS[name]


NHWC_METHODS = {
    "s001_loops": ("001", "001 four loops (as posted)", True, s001_loops),
    "s001_einsum_flipped": ("001", "001 6-D view + einsum, flipped kernel (as first posted)", True, s001_einsum_flipped),
    "s001_einsum": ("001", "001 6-D view + einsum (as posted, flip removed)", True, s001_einsum),
    "s001_tensordot": ("001", "001 6-D view + tensordot (as posted)", True, s001_tensordot),
    "s002_naive": ("002", "002 seven loops (as posted)", True, s002_naive),
    "s002_pertap": ("002", "002 per-tap matmul (as posted)", True, s002_pertap),
    "peer_numpy_pertap": ("peers", "numpy per-tap (optimised peer)", False, peer_nhwc("numpy_pertap")),
    "peer_numpy_einsum_strided": ("peers", "numpy einsum strided (optimised peer)", False, peer_nhwc("numpy_einsum_strided")),
    "peer_numpy_tensordot_strided": ("peers", "numpy tensordot strided (optimised peer)", False, peer_nhwc("numpy_tensordot_strided")),
}
LOOP_METHODS = {"s001_loops", "s002_naive"}


def nhwc_predicted_bytes(method, x, w):
    n, h, wd, c = x.shape
    f0, f1 = w.shape[:2]
    if method in ("s001_tensordot", "peer_numpy_tensordot_strided"):
        return n * (h - f0 + 1) * (wd - f1 + 1) * f0 * f1 * c * 8
    return n * (h - f0 + 1) * (wd - f1 + 1) * w.shape[3] * 8 * 2


def nhwc_reference(x, w, flip):
    """Valid cross-correlation (TensorFlow's conv2d; flip=True: the spatially flipped filter),
    written tap by tap: out += x[:, i:i+H', j:j+W', :] . w[i, j] contracted over Cin by einsum."""
    if flip:
        w = w[::-1, ::-1]
    n, h, wd, _ = x.shape
    f0, f1, _, cout = w.shape
    ho, wo = h - f0 + 1, wd - f1 + 1
    out = np.zeros((n, ho, wo, cout))
    for i in range(f0):
        for j in range(f1):
            out += np.einsum("nhwc,cd->nhwd", x[:, i:i + ho, j:j + wo, :], w[i, j])
    return out


# ---------------------------------------------------------------- seed 004 (conv layer)

def get_windows(inp, output_size, kernel_size, padding=0, stride=1, dilate=0):
    """004's getWindows as posted: optional dilation (ONE zero inserted between neighbours, whatever
    `dilate` is), zero padding (a copy), then an as_strided (B, C, H', W', K, K) view whose H', W'
    come from `output_size` without any bounds check. Returns (view, info). Where the view would
    read past the end of the padded array, the post reads whatever memory follows (undefined
    values); here the array is first copied into a buffer with a NaN tail of that length, so the
    wrap-around reads into the next row or plane are reproduced exactly and every output that
    depends on memory past the end comes out NaN (counted by the caller, never hidden)."""
    working = inp
    if dilate != 0:
        working = np.insert(working, range(1, inp.shape[2]), 0, axis=2)
        working = np.insert(working, range(1, inp.shape[3]), 0, axis=3)
    if padding != 0:
        working = np.pad(working, pad_width=((0,), (0,), (padding,), (padding,)), mode="constant",
                         constant_values=(0.0,))
    working = np.ascontiguousarray(working)
    _in_b, _in_c, out_h, out_w = output_size
    out_b, out_c, _, _ = inp.shape
    bs, cs, hs, ws = working.strides
    shape = (out_b, out_c, out_h, out_w, kernel_size, kernel_size)
    strides = (bs, cs, stride * hs, stride * ws, hs, ws)
    last = sum((n - 1) * s for n, s in zip(shape, strides)) // working.itemsize
    past_end = max(0, last + 1 - working.size)
    base = working
    if past_end:
        buffer = np.full(working.size + past_end, np.nan)  # copy: marks the reads past the end
        buffer[:working.size] = working.ravel()
        base = buffer[:working.size].reshape(working.shape)
    view = as_strided(base, shape, strides, writeable=False)
    overrun = [max(0, (out_h - 1) * stride + kernel_size - working.shape[2]),
               max(0, (out_w - 1) * stride + kernel_size - working.shape[3])]
    return view, {"reads_past_end": int(past_end), "window_overrun": overrun}


class SeedLayer:
    """004's Conv2D as posted (forward + backward recipe); weights given instead of random."""

    def __init__(self, weight, bias, stride, padding):
        self.weight = weight
        self.bias = bias
        self.kernel_size = weight.shape[2]
        self.stride = stride
        self.padding = padding
        self.cache = None
        self.last_info = None

    def forward(self, x):
        n, c, h, w = x.shape
        out_h = (h - self.kernel_size + 2 * self.padding) // self.stride + 1
        out_w = (w - self.kernel_size + 2 * self.padding) // self.stride + 1
        windows, _ = get_windows(x, (n, c, out_h, out_w), self.kernel_size, self.padding, self.stride)
        out = np.einsum("bihwkl,oikl->bohw", windows, self.weight)
        out += self.bias[None, :, None, None]
        self.cache = x, windows
        return out

    def backward(self, dout):
        x, windows = self.cache
        padding = self.kernel_size - 1 if self.padding == 0 else self.padding
        dout_windows, info = get_windows(dout, x.shape, self.kernel_size, padding=padding, stride=1,
                                         dilate=self.stride - 1)
        self.last_info = info
        rot_kern = np.rot90(self.weight, 2, axes=(2, 3))
        db = np.sum(dout, axis=(0, 2, 3))
        dw = np.einsum("bihwkl,bohw->oikl", windows, dout)
        dx = np.einsum("bohwkl,oikl->bihw", dout_windows, rot_kern)
        return db, dw, dx


def layer_taps(x, k, stride, pad, oh, ow):
    """(tap k, tap l, strided slab of the padded input that tap reads) for every kernel tap."""
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    for r in range(k):
        for c in range(k):
            yield r, c, xp[:, :, r:r + stride * (oh - 1) + 1:stride, c:c + stride * (ow - 1) + 1:stride]


def layer_forward_reference(x, weight, bias, stride, pad):
    k = weight.shape[2]
    oh = (x.shape[2] + 2 * pad - k) // stride + 1
    ow = (x.shape[3] + 2 * pad - k) // stride + 1
    out = np.zeros((x.shape[0], weight.shape[0], oh, ow))
    for r, c, slab in layer_taps(x, k, stride, pad, oh, ow):
        out += np.einsum("bihw,oi->bohw", slab, weight[:, :, r, c])
    return out + bias[None, :, None, None]


def layer_backward_reference(x, weight, dout, stride, pad):
    """Correct gradients of sum(forward(x) * dout): each tap's contribution scattered back to the
    input positions it read (so every padding, stride and leftover row is handled)."""
    k = weight.shape[2]
    oh, ow = dout.shape[2], dout.shape[3]
    db = dout.sum(axis=(0, 2, 3))
    dw = np.zeros_like(weight)
    dxp = np.zeros((x.shape[0], x.shape[1], x.shape[2] + 2 * pad, x.shape[3] + 2 * pad))
    for r, c, slab in layer_taps(x, k, stride, pad, oh, ow):
        dw[:, :, r, c] = np.einsum("bihw,bohw->oi", slab, dout)
        dxp[:, :, r:r + stride * (oh - 1) + 1:stride, c:c + stride * (ow - 1) + 1:stride] += \
            np.einsum("bohw,oi->bihw", dout, weight[:, :, r, c])
    dx = dxp[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]]
    return db, dw, dx


def numerical_dx_check(x, weight, bias, dout, stride, pad, dx, samples=24):
    """Central differences of L(x) = sum(forward_reference(x) * dout) at `samples` entries of x
    (the four corners of the last image plane among them): L is linear in x, so the difference
    quotient with step 1 is exact up to rounding. Returns the largest |numerical - dx|."""
    flat = x.size
    picks = {0, flat - 1, flat - x.shape[3], x.shape[3] - 1}
    state = 12345
    while len(picks) < min(samples, flat):
        state = (state * 1103515245 + 12345) % (1 << 31)
        picks.add(state % flat)
    worst = 0.0
    for at in sorted(picks):
        idx = np.unravel_index(at, x.shape)
        plus, minus = x.copy(), x.copy()
        plus[idx] += 1.0
        minus[idx] -= 1.0
        lp = float(np.sum(layer_forward_reference(plus, weight, bias, stride, pad) * dout))
        lm = float(np.sum(layer_forward_reference(minus, weight, bias, stride, pad) * dout))
        worst = max(worst, abs((lp - lm) / 2.0 - float(dx[idx])))
    return worst


# ---------------------------------------------------------------- measuring

def squeeze_like(result, reference):
    """Drop a trailing size-1 axis the posted code keeps (000's 3-D FFT) before comparing."""
    r = np.asarray(result)
    while r.ndim > reference.ndim and r.shape[-1] == 1:
        r = r[..., 0]
    return r


def compare(result, reference):
    """max |result - reference|, its norm and the tolerance verdict; on a shape mismatch the
    difference over the common leading block instead."""
    r = squeeze_like(result, reference).astype(np.float64)
    ref_abs = float(np.max(np.abs(reference))) if reference.size else 0.0
    out = {"reference_shape": list(reference.shape), "shape_matches": list(r.shape) == list(reference.shape)}
    if out["shape_matches"]:
        diff = np.abs(r - reference)
        out["max_abs_diff"] = float(diff.max()) if diff.size else 0.0
        out["norm_diff"] = float(np.linalg.norm((r - reference).ravel()))
        out["matches_reference"] = out["max_abs_diff"] <= 1e-8 * max(1.0, ref_abs)
    else:
        out["max_abs_diff"] = None
        out["norm_diff"] = None
        out["matches_reference"] = False
        if r.ndim == reference.ndim:
            block = tuple(slice(0, min(a, b)) for a, b in zip(r.shape, reference.shape))
            common = np.abs(r[block] - reference[block])
            out["overlap_max_abs_diff"] = float(common.max()) if common.size else None
    return out


def read_status(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def measure_memory(fn):
    """tracemalloc peak of one call (bytes above what was traced just before it), then the
    process view of another call: VmHWM after it (reset through /proc/self/clear_refs first)
    above VmRSS before it."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    result = fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del result
    gc.collect()
    report = {"peak_bytes": int(peak - before), "peak_rss_bytes": None, "baseline_rss_bytes": None}
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return report
    baseline = read_status("VmRSS")
    result = fn()
    high = read_status("VmHWM")
    del result
    if baseline is not None and high is not None:
        report["baseline_rss_bytes"] = baseline
        report["peak_rss_bytes"] = max(0, high - baseline)
    return report


def run_method(fn, settings, reference_check):
    """One checked call (its error, if any, is the row), then timing and memory as asked.
    The checked call counts as a warm-up; a call longer than half the budget is the one timing."""
    row = {"error": None, "error_type": None}
    t0 = time.perf_counter()
    try:
        result = fn()
    except Exception as exc:  # the posts' own failures are results here (e.g. numpy's shape errors)
        row.update({"error": str(exc), "error_type": type(exc).__name__, "max_abs_diff": None,
                    "matches_reference": False})
        return row, None
    first_ms = (time.perf_counter() - t0) * 1e3
    row["check"] = peers.checksum(result[-1] if isinstance(result, tuple) else result)  # backward: dX
    row.update(reference_check(result))
    if settings["time"]:
        if first_ms > settings["budget_ms"] / 2:
            row.update({"median_ms": first_ms, "min_ms": first_ms, "repeats": 1,
                        "cpu_ms": None, "single_call": True})
        else:
            timing, _ = peers.time_call(fn, settings["repeats"], max(0, settings["warmup"] - 1),
                                        settings["budget_ms"])
            row.update(timing)
    if settings["measure_memory"]:
        row.update(measure_memory(fn))
    return row, result


def settings_of(wl, job):
    keys = {"repeats": 5, "warmup": 1, "budget_ms": 2000, "measure_memory": False, "time": True,
            "max_bytes": DEFAULT_MAX_BYTES}
    return {k: wl.get(k, job.get(k, d)) for k, d in keys.items()}


def values_field(wl, result):
    if wl.get("return_values") and result is not None and np.size(result) <= MAX_VALUES:
        return {"values": np.asarray(result).tolist()}
    return {}


def base_row(wl, method, table):
    seed, label, as_posted, fn = table[method]
    return {"id": wl.get("id", method), "kind": wl["kind"], "seed": seed, "method": method,
            "label": label, "as_posted": as_posted}, fn


def unknown(method, table, kind):
    raise ValueError(f"unknown {kind} method {method!r}; known: {', '.join(table)}")


class JobError(ValueError):
    """A workload this script cannot run (the message names the workload, operand and sizes)."""


def need(condition, wl, message):
    if not condition:
        raise JobError(f"workload {wl.get('id')!r} ({wl.get('kind')}): {message}")


def check_grid(wl, data, kernel, stride, pad):
    need(isinstance(stride, int) and stride >= 1, wl, f"stride must be an integer >= 1, got {stride!r}")
    need(isinstance(pad, int) and pad >= 0, wl, f"pad must be an integer >= 0, got {pad!r}")
    need(data.ndim in (2, 3), wl, f"data must be 2-D or 3-D, got shape {list(data.shape)}")
    need(kernel.ndim in (2, 3) and kernel.ndim <= data.ndim, wl,
         f"kernel shape {list(kernel.shape)} does not fit data shape {list(data.shape)}")
    if kernel.ndim == 3:
        need(kernel.shape[2] == data.shape[2], wl, f"kernel depth {kernel.shape[2]} != data depth {data.shape[2]}")
    for axis in (0, 1):
        need(kernel.shape[axis] <= data.shape[axis] + 2 * pad, wl,
             f"kernel size {kernel.shape[axis]} on axis {axis} is larger than the padded data size "
             f"{data.shape[axis] + 2 * pad} (data {list(data.shape)}, pad {pad})")


def run_grid(wl, job):
    st = settings_of(wl, job)
    depth, stride, pad = wl.get("depth", 0), wl.get("stride", 1), wl.get("pad", 0)
    if "input" in wl:
        data = np.array(wl["input"])
    else:
        shape = tuple(wl["shape"]) if "shape" in wl else (wl["n"], wl["n"])
        data = peers.ramp(shape + ((depth,) if depth else ()), DATA_SALT)
    if "kernel" in wl:
        kernel = np.array(wl["kernel"])
    else:
        kernel = peers.ramp((wl["f"], wl["f"]) + ((depth,) if depth else ()), KERNEL_SALT)
    check_grid(wl, data, kernel, stride, pad)
    correlation, how = grid_reference(data, kernel, stride, pad, flip=False)
    convolution, _ = grid_reference(data, kernel, stride, pad, flip=True)
    rows = []
    for method in wl.get("methods", [m for m in GRID_METHODS if GRID_METHODS[m][2] and m.startswith("s000")]):
        if method not in GRID_METHODS:
            unknown(method, GRID_METHODS, "grid")
        row, fn = base_row(wl, method, GRID_METHODS)
        row.update({"n": data.shape[0], "input_shape": list(data.shape), "kernel_shape": list(kernel.shape),
                    "stride": stride, "pad": pad,
                    "reference": how})
        predicted = grid_predicted_bytes(method, data, kernel, stride, pad)
        row["predicted_peak_bytes"] = int(predicted)
        if predicted > st["max_bytes"]:
            row.update({"error": f"skipped: predicted peak {predicted:.3g} bytes > max_bytes {st['max_bytes']:.3g}",
                        "error_type": "Skipped", "max_abs_diff": None, "matches_reference": False})
            rows.append(row)
            continue

        def check(result):
            out = compare(result, correlation)
            conv = compare(result, convolution)
            out["max_abs_diff_convolution"] = conv["max_abs_diff"]
            return out

        measured, result = run_method(lambda: fn(data, kernel, stride, pad), st, check)
        row.update(measured)
        row.update(values_field(wl, result))
        rows.append(row)
    return rows


def run_nhwc(wl, job):
    st = settings_of(wl, job)
    need(len(wl["input"]) == 4 and len(wl["filter"]) == 4, wl,
         f"input [N, H, W, C] and filter [F, F, Cin, Cout] must have 4 sizes, got {wl['input']} and {wl['filter']}")
    need(wl["input"][3] == wl["filter"][2], wl, f"input channels {wl['input'][3]} != filter Cin {wl['filter'][2]}")
    need(wl["filter"][0] <= wl["input"][1] and wl["filter"][1] <= wl["input"][2], wl,
         f"filter {wl['filter'][:2]} is larger than the input's H, W {wl['input'][1:3]}")
    x = peers.ramp(wl["input"], DATA_SALT)
    w = peers.ramp(wl["filter"], KERNEL_SALT)
    batch = wl.get("loop_batch")
    need(batch is None or (isinstance(batch, int) and 1 <= batch <= x.shape[0]), wl,
         f"loop_batch must be an integer in 1..{x.shape[0]}, got {batch!r}")
    references = {}

    def refs_for(inp):
        key = inp.shape[0]
        if key not in references:
            references[key] = (nhwc_reference(inp, w, False), nhwc_reference(inp, w, True))
        return references[key]

    rows = []
    for method in wl.get("methods", [m for m in NHWC_METHODS if NHWC_METHODS[m][2] and m not in LOOP_METHODS]):
        if method not in NHWC_METHODS:
            unknown(method, NHWC_METHODS, "nhwc")
        row, fn = base_row(wl, method, NHWC_METHODS)
        inp = x[:batch] if (batch and method in LOOP_METHODS) else x
        row.update({"input_shape": list(x.shape), "filter_shape": list(w.shape),
                    "reference": "explicit valid cross-correlation, tap by tap (TensorFlow conv2d semantics)"})
        if inp.shape[0] != x.shape[0]:
            row.update({"timed_input": list(inp.shape), "full_input": list(x.shape), "scale": x.shape[0] / inp.shape[0]})
        predicted = nhwc_predicted_bytes(method, inp, w)
        row["predicted_peak_bytes"] = int(predicted)
        if predicted > st["max_bytes"]:
            row.update({"error": f"skipped: predicted peak {predicted:.3g} bytes > max_bytes {st['max_bytes']:.3g}",
                        "error_type": "Skipped", "max_abs_diff": None, "matches_reference": False})
            rows.append(row)
            continue
        correlation, convolution = refs_for(inp)

        def check(result):
            out = compare(result, correlation)
            out["max_abs_diff_convolution"] = compare(result, convolution)["max_abs_diff"]
            return out

        measured, result = run_method(lambda: fn(inp, w), st, check)
        row.update(measured)
        if "scale" in row and row.get("median_ms") is not None:
            row["extrapolated_median_ms"] = row["median_ms"] * row["scale"]
        row.update(values_field(wl, result))
        rows.append(row)
    return rows


def run_layer(wl, job):
    st = settings_of(wl, job)
    b, c, h, w = wl["x"]
    o, k = wl["out_channels"], wl["kernel"]
    stride, pad = wl.get("stride", 1), wl.get("padding", 0)
    need(isinstance(stride, int) and stride >= 1 and isinstance(pad, int) and pad >= 0, wl,
         f"stride must be >= 1 and padding >= 0, got stride {stride!r}, padding {pad!r}")
    need(k <= min(h, w) + 2 * pad, wl, f"kernel {k} is larger than the padded input {h + 2 * pad} x {w + 2 * pad}")
    x = peers.ramp((b, c, h, w), DATA_SALT)
    weight = peers.ramp((o, c, k, k), KERNEL_SALT)
    bias = peers.ramp((o,), BIAS_SALT)
    oh, ow = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
    dout = peers.ramp((b, o, oh, ow), DOUT_SALT)
    settings = {"x": [b, c, h, w], "out_channels": o, "kernel": k, "stride": stride, "padding": pad}
    rows = []
    for method in wl.get("methods", ["s004_forward", "s004_backward"]):
        layer = SeedLayer(weight, bias, stride, pad)
        base = {"id": wl.get("id", method), "kind": "layer", "seed": "004", "method": method, "as_posted": True,
                **settings}
        if method == "s004_forward":
            base.update({"label": "004 getWindows + einsum forward (as posted)",
                         "reference": "explicit padded, strided cross-correlation + bias, tap by tap"})
            reference = layer_forward_reference(x, weight, bias, stride, pad)
            measured, result = run_method(lambda: layer.forward(x), st, lambda r: compare(r, reference))
        elif method == "s004_backward":
            base.update({"label": "004 backward recipe: db, dW, dX (as posted)",
                         "reference": "gradients of sum(forward(x) * dout): each tap scattered back; dX "
                                      "checked by central differences (reference_numerical_max_abs_diff)"})
            layer.forward(x)
            ref = layer_backward_reference(x, weight, dout, stride, pad)

            def check(grads):
                # dX entries that read memory past the padded gradient's end are NaN (undefined in
                # the post): they are counted, and the difference is taken over the defined ones.
                undefined = ~np.isfinite(grads[2])
                defined_dx = np.where(undefined, ref[2], grads[2])
                parts = {name: compare(g, r) for name, g, r in zip(("db", "dw", "dx"), grads[:2] + (defined_dx,), ref)}
                parts["dx"]["undefined_outputs"] = int(undefined.sum())
                parts["dx"]["matches_reference"] = parts["dx"]["matches_reference"] and not undefined.any()
                worst = [p["max_abs_diff"] for p in parts.values()]
                return {"grads": {name: {"shape": list(np.shape(g)), "max_abs_diff": p["max_abs_diff"],
                                         "matches_reference": p["matches_reference"],
                                         "undefined_outputs": p.get("undefined_outputs", 0)}
                                  for (name, p), g in zip(parts.items(), grads)},
                        "undefined_outputs": parts["dx"]["undefined_outputs"],
                        "max_abs_diff": None if None in worst else max(worst),
                        "matches_reference": all(p["matches_reference"] for p in parts.values()),
                        "shape_matches": all(p["shape_matches"] for p in parts.values())}

            measured, result = run_method(lambda: layer.backward(dout), st, check)
            if result is not None:
                measured.update(layer.last_info)
            measured["reference_numerical_max_abs_diff"] = numerical_dx_check(x, weight, bias, dout, stride, pad, ref[2])
        else:
            raise ValueError(f"unknown layer method {method!r}; known: s004_forward, s004_backward")
        base.update(measured)
        if method == "s004_forward":
            base.update(values_field(wl, result))
        rows.append(base)
    return rows


# ---------------------------------------------------------------- presets

EXAMPLE_7x7 = [[2, 3, 7, 4, 6, 2, 9], [6, 6, 9, 8, 7, 4, 3], [3, 4, 8, 3, 8, 9, 7], [7, 8, 3, 6, 6, 3, 4],
               [4, 2, 1, 8, 3, 4, 6], [3, 2, 4, 1, 9, 8, 3], [0, 1, 3, 9, 2, 1, 4]]
KERNEL_3x3 = [[3, 4, 4], [1, 0, 2], [-1, 0, 3]]

# (id, settings): the reference README's dX cases plus the post's own layer.
LAYER_CASES = [
    ("post layer x(4,3,12,10) k3 s2 p1", {"x": [4, 3, 12, 10], "out_channels": 128, "kernel": 3, "stride": 2, "padding": 1}),
    ("12x12 k3 s2 p1", {"x": [2, 3, 12, 12], "out_channels": 4, "kernel": 3, "stride": 2, "padding": 1}),
    ("12x12 k5 s1 p1", {"x": [2, 3, 12, 12], "out_channels": 4, "kernel": 5, "stride": 1, "padding": 1}),
    ("12x12 k3 s3 p0", {"x": [2, 3, 12, 12], "out_channels": 4, "kernel": 3, "stride": 3, "padding": 0}),
    ("12x12 k3 s1 p0", {"x": [2, 3, 12, 12], "out_channels": 4, "kernel": 3, "stride": 1, "padding": 0}),
    ("9x9 k3 s2 p0", {"x": [2, 3, 9, 9], "out_channels": 4, "kernel": 3, "stride": 2, "padding": 0}),
    ("11x11 k5 s2 p2", {"x": [2, 3, 11, 11], "out_channels": 4, "kernel": 5, "stride": 2, "padding": 2}),
]


def preset_workloads(name):
    if name == "demos":
        loop = ["s003_asker_loop"]
        wls = [
            {"id": "003 7x7 example", "kind": "grid", "input": EXAMPLE_7x7, "kernel": KERNEL_3x3, "stride": 2,
             "methods": ["s003_asker_loop", "s003_accepted", "s003_fft_answer", "s000_fft", "s000_submatrix",
                         "s000_strided"], "return_values": True},
            {"id": "003 accepted on 9x9", "kind": "grid", "n": 9, "f": 3, "stride": 2, "methods": ["s003_accepted"]},
            {"id": "003 asker's loop on 9x9", "kind": "grid", "n": 9, "f": 3, "stride": 2, "methods": loop,
             "return_values": True},
            {"id": "003 asker's loop on 7x9", "kind": "grid", "shape": [7, 9], "f": 3, "stride": 2, "methods": loop,
             "return_values": True},
            {"id": "003 asker's loop on 8x8", "kind": "grid", "n": 8, "f": 3, "stride": 2, "methods": loop},
            {"id": "003 asker's loop, 1x1 kernel", "kind": "grid", "n": 6, "f": 1, "stride": 1, "methods": loop},
            {"id": "003 FFT answer, even kernel", "kind": "grid", "n": 12, "f": 4, "stride": 2,
             "methods": ["s003_fft_answer"]},
            {"id": "000 unflipped FFT, 2-D 5x5 kernel", "kind": "grid", "n": 16, "f": 5, "stride": 1,
             "methods": ["s000_fft", "s000_submatrix", "s000_strided"]},
            {"id": "000 unflipped FFT, 3-D depth 5 stride 2", "kind": "grid", "n": 16, "f": 5, "depth": 5, "stride": 2,
             "methods": ["s000_fft", "s000_submatrix", "s000_strided"]},
            {"id": "001 flip", "kind": "nhwc", "input": [2, 8, 8, 3], "filter": [3, 3, 3, 4],
             "methods": ["s001_loops", "s001_einsum_flipped", "s001_einsum", "s001_tensordot"]},
            {"id": "002 small", "kind": "nhwc", "input": [2, 8, 8, 3], "filter": [3, 3, 3, 4],
             "methods": ["s002_naive", "s002_pertap"]},
        ]
        wls += [{"id": "004 " + name, "kind": "layer", **cfg} for name, cfg in LAYER_CASES]
        return wls
    if name == "memory":
        methods = ["s000_fft", "s000_submatrix", "s000_strided", "peer_scipy_fft", "peer_numpy_submatrix",
                   "peer_numpy_strided"]
        return [{"id": f"g2 n{n} f{f}", "kind": "grid", "n": n, "f": f, "depth": 5, "stride": 2, "methods": methods,
                 "measure_memory": True, "time": False} for n in (384, 512) for f in (3, 9)]
    raise ValueError(f"unknown preset {name!r}; known: demos, memory")


RUNNERS = {"grid": run_grid, "nhwc": run_nhwc, "layer": run_layer}


M_MMAP_THRESHOLD = -3  # glibc mallopt parameter


def fix_mmap_threshold():
    """Make every allocation above 128 KiB its own mmap, returned to the system on free. glibc
    otherwise raises its mmap threshold after each large free (up to 32 MiB), so later arrays of
    that size reuse heap pages already resident and the RSS view of a call reads 0. Only done
    for jobs that measure memory (it also changes timings: each large array faults its pages in
    anew), and said in env. Returns whether it took effect."""
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, 128 * 1024))
    except (OSError, AttributeError):
        return False


def run_job(job):
    workloads = list(job.get("workloads", []))
    if job.get("preset"):
        workloads = preset_workloads(job["preset"]) + workloads
    fixed = False
    if any(wl.get("measure_memory", job.get("measure_memory", False)) for wl in workloads):
        fixed = fix_mmap_threshold()
    results = []
    for wl in workloads:
        kind = wl.get("kind")
        if kind not in RUNNERS:
            raise ValueError(f"workload {wl.get('id')!r}: unknown kind {kind!r}; known: {', '.join(RUNNERS)}")
        results.extend(RUNNERS[kind](wl, job))
    env = peers.environment()
    env["malloc_mmap_threshold_fixed"] = fixed
    return {"script": "bench/seeds.py", "version": VERSION, "env": env, "results": results}


def finite_json(value):
    """NaN/inf (e.g. a checksum over 004's undefined dX entries) become null: the report stays valid JSON."""
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite_json(v) for v in value]
    return value


def main():
    job = json.load(sys.stdin)
    try:
        report = run_job(job)
    except (JobError, ValueError, KeyError) as exc:  # a bad job, not a seed's failure: exit 2 with the reason
        sys.stderr.write(f"bench/seeds.py: {type(exc).__name__}: {exc}\n")
        raise SystemExit(2)
    json.dump(finite_json(report), sys.stdout, allow_nan=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
