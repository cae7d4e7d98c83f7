"""One engine, one measurement, one fresh process: the workers bench/compare.py starts.

Each measurement runs in its own process so that its peak RSS (which the parent reads from
os.wait4) belongs to that engine alone, and so that no engine inherits another's threads,
caches or allocator state. The ONNX Runtime worker never imports torch: its footprint is
that of onnxruntime + numpy, as in a deployment.

    python3 bench/workers.py eager      JOB.json RESULT.json
    python3 bench/workers.py ort        JOB.json RESULT.json
    python3 bench/workers.py torch_load JOB.json RESULT.json

JOB.json holds the arguments (see each worker); RESULT.json is written atomically at the end.
The helpers `timing_stats`, `compare_outputs` and `write_atomic` are shared with compare.py.
"""
import json
import math
import os
import sys
import tempfile
import time

import numpy as np

# The tolerance of the correctness check (fp32 against PyTorch eager fp32).
RTOL, ATOL = 1e-3, 1e-4
MIN_ITERATIONS, MAX_ITERATIONS = 5, 100000


def write_atomic(path, text):
    """Write `text` to `path` through a temporary file and a rename, so a reader (or an
    interrupted run) never sees half a file."""
    path = os.fspath(path)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=".tmp-")
    umask = os.umask(0)
    os.umask(umask)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it 0600; an ordinary file is wanted
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def timing_stats(times_ms):
    """median, p90 (nearest rank), min and mean of a list of per-call times in ms."""
    xs = sorted(times_ms)
    n = len(xs)
    return {"median_ms": float(np.median(xs)), "p90_ms": xs[min(n - 1, math.ceil(0.9 * n) - 1)],
            "min_ms": xs[0], "mean_ms": float(np.mean(xs)), "iterations": n}


def iterations_for(one_call_ms, iterations, budget_s):
    """The number of timed calls: `iterations` if given, else enough calls to fill
    `budget_s` seconds (at least MIN_ITERATIONS so a median means something)."""
    if iterations:
        return iterations
    n = int(budget_s * 1e3 / max(one_call_ms, 1e-3))
    return max(MIN_ITERATIONS, min(MAX_ITERATIONS, n))


def time_calls(fn, iterations, budget_s, warmup):
    """Warm up, then time each of N calls of fn() separately (ms); N from iterations_for."""
    t = 0.0
    for _ in range(max(1, warmup)):
        t0 = time.perf_counter()
        fn()
        t = (time.perf_counter() - t0) * 1e3
    n = iterations_for(t, iterations, budget_s)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return times


def compare_outputs(got, ref):
    """How far outputs `got` are from reference outputs `ref` (lists of arrays).

    max_abs: the largest |got - ref|; max_rel: max_abs / max |ref| (scale-free, and not
    blown up by reference elements near zero); ok: shapes agree and every element passes
    |got - ref| <= ATOL + RTOL |ref| (numpy.allclose), the check this benchmark enforces."""
    if len(got) != len(ref):
        return {"ok": False, "max_abs": None, "max_rel": None,
                "why": f"{len(got)} outputs, expected {len(ref)}"}
    max_abs, max_rel, ok, why = 0.0, 0.0, True, ""
    for i, (g, r) in enumerate(zip(got, ref)):
        g, r = np.asarray(g), np.asarray(r)
        if g.shape != r.shape:
            return {"ok": False, "max_abs": None, "max_rel": None,
                    "why": f"output {i}: shape {list(g.shape)}, expected {list(r.shape)}"}
        g64, r64 = g.astype(np.float64), r.astype(np.float64)
        d = float(np.max(np.abs(g64 - r64))) if g.size else 0.0
        scale = float(np.max(np.abs(r64))) if r.size else 0.0
        max_abs = max(max_abs, d)
        max_rel = max(max_rel, d / scale if scale > 0 else (0.0 if d == 0 else math.inf))
        if not np.allclose(g64, r64, rtol=RTOL, atol=ATOL):
            ok = False
            why = why or f"output {i} outside rtol {RTOL:g} / atol {ATOL:g}"
    return {"ok": ok, "max_abs": max_abs, "max_rel": max_rel, "why": why}


def _load_npys(paths):
    return [np.load(p) for p in paths]


def check_against_references(got, job):
    """`got` against eager fp32 (the check that decides) and against fp64 (which tells
    rounding noise from a real error: see compare.py's report)."""
    return {"check": compare_outputs(got, _load_npys(job["expected"])),
            "check_fp64": compare_outputs(got, _load_npys(job["expected_fp64"]))}


# ------------------------------------------------------------------------------------------ #
# Workers. Each takes the job dict and returns the result dict.

def eager(job):
    """PyTorch eager: the pickled nn.Module (job["model"]), job["threads"] threads, under
    inference_mode. Its output check is a check of the harness: at 1 thread it must equal
    the reference compare.py computed at 1 thread from the model it exported."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # pickled classes: models.*
    import torch
    import torch.utils._pytree as pytree
    torch.set_num_threads(job["threads"])
    model = torch.load(job["model"], weights_only=False).eval()
    inputs = [torch.from_numpy(a) for a in _load_npys(job["inputs"])]
    with torch.inference_mode():
        out = model(*inputs)
        got = [t.numpy() for t in pytree.tree_leaves(out)]
        times = time_calls(lambda: model(*inputs), job["iterations"], job["budget_s"],
                           job["warmup"])
    return {**timing_stats(times), **check_against_references(got, job),
            "torch_threads": torch.get_num_threads()}


def ort(job):
    """ONNX Runtime, CPU provider, default graph optimizations, intra-op threads = T and
    inter-op threads = 1; checks its outputs against the references."""
    import onnxruntime as ort_
    so = ort_.SessionOptions()
    so.intra_op_num_threads = job["threads"]
    so.inter_op_num_threads = 1
    t0 = time.perf_counter()
    sess = ort_.InferenceSession(job["model"], so, providers=["CPUExecutionProvider"])
    session_ms = (time.perf_counter() - t0) * 1e3
    feeds = {i.name: a for i, a in zip(sess.get_inputs(), _load_npys(job["inputs"]))}
    got = sess.run(None, feeds)
    times = time_calls(lambda: sess.run(None, feeds), job["iterations"], job["budget_s"],
                       job["warmup"])
    return {**timing_stats(times), **check_against_references(got, job),
            "session_ms": session_ms}


def torch_load(job):
    """torch.export.load(job["model"]), 1 + job["repeats"] times (ms each): the load time that
    pt2c's is compared with. The first load in a process also pays one-time lazy imports
    (seconds), so it is reported apart (first_ms) from the median of the others."""
    import torch
    times = []
    for _ in range(1 + job["repeats"]):
        t0 = time.perf_counter()
        ep = torch.export.load(job["model"])
        times.append((time.perf_counter() - t0) * 1e3)
        del ep
    return {"load_ms": times, "first_ms": times[0], "median_ms": float(np.median(times[1:]))}


WORKERS = {"eager": eager, "ort": ort, "torch_load": torch_load}


def main(argv):
    if len(argv) != 4 or argv[1] not in WORKERS:
        sys.exit(f"usage: {argv[0]} {{{','.join(WORKERS)}}} JOB.json RESULT.json")
    with open(argv[2]) as f:
        job = json.load(f)
    write_atomic(argv[3], json.dumps(WORKERS[argv[1]](job)))


if __name__ == "__main__":
    main(sys.argv)
