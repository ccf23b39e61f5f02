"""What the machine can do and whether someone else is using it: GEMM rate, CPU accounting, BLAS, RSS.

The machine is shared and has 2 cores: a 2-thread BLAS slows down 10-30x as soon as another process takes
a core. So every timed region is wrapped in a `CpuMeter`, which reads the CPU time of *all* processes from
/proc/stat and subtracts this process's own: what is left was used by others while we were timing. A run
is contended when others used more than 10% of one core on average, or when a GEMM canary (a 512^3 product)
run just before or after it is below 85% of the best canary seen: this VM also has slow phases of a minute or
more (canary ~145 instead of ~200 GFLOP/s) that no process here accounts for (the host's other tenants).
"""

import os
import platform
import resource
import time

import numpy as np

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds():
    """(busy, steal): CPU seconds all cores spent busy (not idle/iowait), and stolen by the hypervisor, since boot."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
    user, nice, system, idle, iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq) / CLOCK_TICKS, steal / CLOCK_TICKS


def _own_cpu_seconds():
    """CPU time of this process, all its threads (BLAS workers included), and of its finished children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class CpuMeter:
    """Wall time, own CPU and other processes' CPU over a region: `with CpuMeter() as m: ...; m.others`."""

    def __enter__(self):
        self.t0, self.own0 = time.perf_counter(), _own_cpu_seconds()
        self.busy0, self.steal0 = _cpu_seconds()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.t0
        self.own = _own_cpu_seconds() - self.own0
        busy, steal = _cpu_seconds()
        # /proc/stat counts in 10 ms ticks, so `others` is only meaningful over regions of a second or more.
        self.others = max(0.0, (busy - self.busy0) - self.own)
        self.steal = steal - self.steal0
        return False

    def as_dict(self):
        return {"wall": self.wall, "own_cpu": self.own, "others_cpu": self.others, "steal": self.steal,
                "others_cores": self.others / self.wall if self.wall > 0 else 0.0}


def gemm_gflops(m, k, n, repeats=10, dtype=np.float32, seed=0):
    """Best float32 GEMM rate (GFLOP/s) of numpy's BLAS for (m, k) @ (k, n): 2 m k n flops per product."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((m, k)).astype(dtype)
    b = rng.standard_normal((k, n)).astype(dtype)
    out = np.empty((m, n), dtype=dtype)
    np.matmul(a, b, out=out)  # warm up: threads started, pages touched
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.matmul(a, b, out=out)
        best = min(best, time.perf_counter() - t0)
    return 2.0 * m * k * n / best / 1e9


def gemm_seconds(m, k, n, repeats=20, transpose_a=False, seed=0):
    """Best time of one float32 product of these shapes (a given as (k, m).T when transpose_a)."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((k, m) if transpose_a else (m, k)).astype(np.float32)
    a = a.T if transpose_a else a
    b = rng.standard_normal((k, n)).astype(np.float32)
    out = np.empty((m, n), dtype=np.float32)
    np.matmul(a, b, out=out)
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.matmul(a, b, out=out)
        best = min(best, time.perf_counter() - t0)
    return best


def canary():
    """A short GEMM (512^3, a few ms): GFLOP/s now. Compared with the start-of-run value to spot contention."""
    return gemm_gflops(512, 512, 512, repeats=15)


_STREAM = {}


def stream_canary(n=1 << 19, repeats=15):
    """Elementwise bandwidth now (GB/s, best of `repeats`): b = 0.9 a over 2 MB float32 arrays (the size of
    W1's kernel, which the optimizer update streams through; larger than L2, inside L3).

    The VM also has phases where GEMM runs at full speed but memory-bound numpy passes (the optimizer
    update, the batch gather) are ~1.3x slower; this canary sees those, the GEMM canary does not.
    """
    if n not in _STREAM:
        _STREAM[n] = (np.ones(n, np.float32), np.empty(n, np.float32))
    a, b = _STREAM[n]
    np.multiply(a, 0.9, out=b)
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.multiply(a, 0.9, out=b)
        best = min(best, time.perf_counter() - t0)
    return 2 * a.nbytes / best / 1e9


def peak_rss_mib():
    """Peak resident set size of this process so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def blas_info():
    """numpy's BLAS as threadpoolctl reports it (library, version, kernel architecture, threads)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return [{"note": "threadpoolctl not installed"}]
    keys = ("user_api", "internal_api", "version", "architecture", "num_threads", "threading_layer", "prefix")
    return [{k: info.get(k) for k in keys} for info in threadpool_info()]


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cpu_flags():
    """The SIMD extensions that decide which BLAS kernel can run (avx2, avx512f, ...)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return sorted(flags & {"avx", "avx2", "fma", "avx512f", "avx512_bf16", "amx_tile"})
    except OSError:
        pass
    return []


def load_average():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def openblas_env():
    """OPENBLAS_* variables that change the kernel numpy's OpenBLAS picks (e.g. OPENBLAS_CORETYPE)."""
    return {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS")}
