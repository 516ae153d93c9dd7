"""numpy/scipy peers for einconv's benchmark (bench/run.ts drives this file).

Reads one JSON job on stdin and prints one JSON report on stdout:

    job    = {"repeats": 7, "warmup": 1, "budget_ms": 2000, "workloads": [workload, ...]}
    report = {"env": {...versions, BLAS threads...}, "results": [row, ...]}

Every workload is timed with time.perf_counter: `warmup` untimed calls, then up to
`repeats` timed calls (fewer when `budget_ms` is spent, at least one), reported as
median and minimum in milliseconds, with the median CPU time of the process
(time.process_time, all threads) as cpu_ms. Calls under MIN_SAMPLE_MS are timed in
batches (`batch` calls per sample, each sample divided by `batch`). Inputs are the same deterministic ramp that
bench/data.ts builds, so each row also carries a checksum of its result that
run.ts compares with einconv's.

Workload kinds (shapes are row-major, like einconv):
  einsum : {"spec", "operands": [operand, ...], "variants": ["optimize=False", "optimize=True"]}
           operand = {"shape": [...]} or {"windows": {"input": [B,C,H,W], "kernel": K,
           "padding": P, "stride": S}} (the (B,C,H',W',K,L) view of the padded input).
  conv   : {"n", "f", "depth", "stride", "methods": ["scipy_fft", "numpy_submatrix", "numpy_strided"]}
           data (n, n) or (n, n, depth), kernel (f, f) or (f, f, depth), valid, no flip.
  nhwc   : {"input": [N,H,W,C], "filter": [F,F,Cin,Cout], "methods": ["numpy_pertap",
           "numpy_einsum_strided", "numpy_tensordot_strided"]}
"""

import ctypes
import glob
import json
import os
import platform
import sys
import time

import numpy as np
import scipy
from numpy.lib.stride_tricks import as_strided
from scipy.signal import fftconvolve


# ---------------------------------------------------------------- inputs

def ramp(shape, salt=0):
    """Deterministic data shared with bench/data.ts: ((i*7919 + 13 + salt) mod 10007)/10007 - 0.5."""
    size = int(np.prod(shape, dtype=np.int64))
    i = np.arange(size, dtype=np.int64)
    values = ((i * 7919 + 13 + salt) % 10007).astype(np.float64) / 10007.0 - 0.5
    return values.reshape(shape)


def window_view(padded, kernel, stride):
    """(B,C,Hp,Wp) -> zero-copy (B,C,H',W',K,K) view of every kernel window."""
    b, c, hp, wp = padded.shape
    sb, sc, sh, sw = padded.strides
    ho = (hp - kernel) // stride + 1
    wo = (wp - kernel) // stride + 1
    return as_strided(padded, (b, c, ho, wo, kernel, kernel),
                      (sb, sc, sh * stride, sw * stride, sh, sw), writeable=False)


def build_operand(desc, salt):
    if "shape" in desc:
        return ramp(desc["shape"], salt)
    w = desc["windows"]
    x = ramp(w["input"], salt)
    p = w.get("padding", 0)
    # The one copy of this operand: zero padding, as einconv's windows() does.
    padded = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))) if p else x
    return window_view(padded, w["kernel"], w.get("stride", 1))


# ---------------------------------------------------------------- convolution peers

def as_depth3(data, kernel):
    """Give 2-D data and kernel a depth axis of 1 so one code path serves both ranks."""
    if data.ndim == 2:
        return data[:, :, None], kernel[:, :, None]
    return data, kernel


def conv_scipy_fft(data, kernel, stride):
    """scipy's FFT convolution turned into correlation: flip every kernel axis, 'valid'
    mode (the depth axis collapses to 1 because data and kernel depths are equal),
    then keep every stride-th output."""
    d3, k3 = as_depth3(data, kernel)
    full = fftconvolve(d3, k3[::-1, ::-1, ::-1], mode="valid")
    return full[::stride, ::stride, 0]


def conv_numpy_submatrix(data, kernel, stride):
    """One shifted slab per kernel tap: slab * tap, summed over depth, accumulated.
    Only the strided output positions are read, so no output is computed twice."""
    d3, k3 = as_depth3(data, kernel)
    n0, n1, _ = d3.shape
    f0, f1, _ = k3.shape
    o0 = (n0 - f0) // stride + 1
    o1 = (n1 - f1) // stride + 1
    out = np.zeros((o0, o1))
    for r in range(f0):
        for c in range(f1):
            slab = d3[r:r + stride * (o0 - 1) + 1:stride, c:c + stride * (o1 - 1) + 1:stride, :]
            out += slab @ k3[r, c, :]
    return out


def conv_numpy_strided(data, kernel, stride):
    """Window pile as a zero-copy as_strided view (o0, o1, f0, f1, depth), contracted
    with the kernel by tensordot (which copies the pile into a matrix, then one GEMV)."""
    d3, k3 = as_depth3(data, kernel)
    n0, n1, depth = d3.shape
    f0, f1, _ = k3.shape
    s0, s1, s2 = d3.strides
    o0 = (n0 - f0) // stride + 1
    o1 = (n1 - f1) // stride + 1
    view = as_strided(d3, (o0, o1, f0, f1, depth), (s0 * stride, s1 * stride, s0, s1, s2),
                      writeable=False)
    return np.tensordot(view, k3, axes=3)


CONV_METHODS = {
    "scipy_fft": conv_scipy_fft,
    "numpy_submatrix": conv_numpy_submatrix,
    "numpy_strided": conv_numpy_strided,
}


def nhwc_pertap(x, w):
    """The article's per-kernel-tap version: one (N*H'*W', Cin) @ (Cin, Cout) product per tap."""
    n, h, wd, _ = x.shape
    f0, f1, _, cout = w.shape
    ho, wo = h - f0 + 1, wd - f1 + 1
    out = np.zeros((n, ho, wo, cout))
    for r in range(f0):
        for c in range(f1):
            out += x[:, r:r + ho, c:c + wo, :] @ w[r, c]
    return out


def nhwc_view(x, w):
    n, h, wd, cin = x.shape
    f0, f1, _, _ = w.shape
    sn, sh, sw, sc = x.strides
    return as_strided(x, (n, h - f0 + 1, wd - f1 + 1, f0, f1, cin), (sn, sh, sw, sh, sw, sc),
                      writeable=False)


NHWC_METHODS = {
    "numpy_pertap": nhwc_pertap,
    "numpy_einsum_strided": lambda x, w: np.einsum("nhwijc,ijcd->nhwd", nhwc_view(x, w), w, optimize=True),
    "numpy_tensordot_strided": lambda x, w: np.tensordot(nhwc_view(x, w), w, axes=3),
}


# ---------------------------------------------------------------- timing

MIN_SAMPLE_MS = 2.0  # calls shorter than this are timed in batches, as timeit does


def time_call(fn, repeats, warmup, budget_ms):
    result = None
    last = float("inf")
    for _ in range(warmup):
        t0 = time.perf_counter()
        result = fn()
        last = (time.perf_counter() - t0) * 1e3
        if last > budget_ms / 2:
            break
    batch = max(1, int(np.ceil(MIN_SAMPLE_MS / max(last, 1e-4)))) if last < MIN_SAMPLE_MS else 1
    times = []
    cpu = []
    spent = 0.0
    while len(times) < max(1, repeats):
        c0 = time.process_time()
        t0 = time.perf_counter()
        for _ in range(batch):
            result = fn()
        dt = (time.perf_counter() - t0) * 1e3
        cpu.append((time.process_time() - c0) * 1e3 / batch)  # all threads of the process (BLAS threads add up)
        times.append(dt / batch)
        spent += dt
        if spent > budget_ms:
            break
    timing = {"median_ms": median(times), "min_ms": min(times), "repeats": len(times), "cpu_ms": median(cpu)}
    if batch > 1:
        timing["batch"] = batch
    return timing, result


def median(values):
    s = sorted(values)
    m = len(s) // 2
    return s[m] if len(s) % 2 else 0.5 * (s[m - 1] + s[m])


def checksum(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "sum": float(a.sum()), "abs_sum": float(np.abs(a).sum())}


def run_workload(wl, job):
    repeats = wl.get("repeats", job.get("repeats", 5))
    warmup = wl.get("warmup", job.get("warmup", 1))
    budget = wl.get("budget_ms", job.get("budget_ms", 3000))
    kind = wl["kind"]
    rows = []
    if kind == "einsum":
        ops = [build_operand(d, salt=17 * k) for k, d in enumerate(wl["operands"])]
        for variant in wl.get("variants", ["optimize=False", "optimize=True"]):
            optimize = {"optimize=False": False, "optimize=True": True}[variant]
            fn = lambda: np.einsum(wl["spec"], *ops, optimize=optimize)
            timing, result = time_call(fn, repeats, warmup, budget)
            rows.append({"id": wl["id"], "impl": "numpy", "method": "einsum " + variant, **timing,
                         "check": checksum(result)})
    elif kind == "conv":
        n, f, depth, stride = wl["n"], wl["f"], wl["depth"], wl["stride"]
        data = ramp((n, n, depth) if depth else (n, n), 0)
        kernel = ramp((f, f, depth) if depth else (f, f), 17)
        for method in wl.get("methods", list(CONV_METHODS)):
            timing, result = time_call(lambda: CONV_METHODS[method](data, kernel, stride), repeats, warmup, budget)
            impl = method.split("_")[0]
            rows.append({"id": wl["id"], "impl": impl, "method": method, **timing, "check": checksum(result)})
    elif kind == "nhwc":
        x = ramp(wl["input"], 0)
        w = ramp(wl["filter"], 17)
        for method in wl.get("methods", list(NHWC_METHODS)):
            timing, result = time_call(lambda: NHWC_METHODS[method](x, w), repeats, warmup, budget)
            rows.append({"id": wl["id"], "impl": "numpy", "method": method, **timing, "check": checksum(result)})
    else:
        raise ValueError("unknown workload kind: " + kind)
    return rows


# ---------------------------------------------------------------- environment

def blas_threads():
    """OpenBLAS threads in use, asked from the library numpy loaded (no threadpoolctl here)."""
    try:
        import threadpoolctl  # noqa: F401  (preferred when installed)
        info = threadpoolctl.threadpool_info()
        return {"source": "threadpoolctl", "threads": [i.get("num_threads") for i in info]}
    except ImportError:
        pass
    libdir = os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs")
    for path in glob.glob(os.path.join(libdir, "*openblas*")):
        lib = ctypes.CDLL(path)
        for name in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_", "openblas_get_num_threads"):
            fn = getattr(lib, name, None)
            if fn is not None:
                fn.restype = ctypes.c_int
                return {"source": name, "threads": fn()}
    return {"source": "env", "threads": os.environ.get("OPENBLAS_NUM_THREADS")}


def environment():
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "blas_threads": blas_threads(),
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
        "cpu_count": os.cpu_count(),
        "loadavg": list(os.getloadavg()),
    }


def main():
    job = json.load(sys.stdin)
    results = []
    for wl in job["workloads"]:
        results.extend(run_workload(wl, job))
    json.dump({"env": environment(), "results": results}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
