"""pt2c against PyTorch eager and ONNX Runtime, side by side, in one run: bench/RESULTS.md.

    python3 bench/compare.py [--models resnet18,bert_base] [--threads 1,2] [--iterations N]
                             [--budget SECONDS] [--rounds R] [--quiet-wait SECONDS] [--quick]
                             [--no-ort] [--pt2c BINARY] [--out DIR] [--work DIR]
    python3 bench/compare.py --render results.json [--out DIR]    (rewrite RESULTS.md only)

What one run does (docs/benchmarking.md gives the method and the traps):
1. Describes the machine and measures its fp32 FMA peak with bench/fma_peak.c, compiled here
   with `cc -O2 -march=native` (AVX-512 if the CPU has it, else AVX2+FMA): the roofline that
   "% of FMA peak" refers to.
2. For each model of bench/models.py: builds it (fixed seed, BatchNorm statistics calibrated,
   norm weights near 1), counts its FLOPs with FlopCounterMode, exports it with
   torch.export.export (the default training IR) and torch.export.save, exports it for ONNX
   Runtime with torch.onnx.export(dynamo=True), and saves the inputs and the eager outputs
   as .npy. All three engines get the same input files.
3. Checks before it times: pt2c's and ONNX Runtime's outputs against eager's (rtol 1e-3,
   atol 1e-4). A mismatch is reported loudly, never hidden; the times are still shown.
4. Times, in --rounds rounds, each thread count's three engines one after another (the order
   rotates from one model, thread count and round to the next; the median round is kept, so
   a slow phase of a shared machine spoils one round, not the report), each in its own
   fresh process so that peak RSS
   (bench/peak_rss.c) is that engine's alone: PyTorch eager (bench/workers.py eager), ONNX
   Runtime (bench/workers.py ort) and pt2c (`pt2c bench --json` when the binary has it, else
   `pt2c run --iterations`). Also load times: torch.export.load against pt2c's load and plan.
   The machine may be shared: before each measurement it waits (up to --quiet-wait seconds)
   for other processes to leave the CPU, records how much CPU they took during it, and marks
   disturbed measurements with † in the report.
5. Writes OUT/RESULTS.md and OUT/results.json (the raw numbers), each atomically.

A measurement is N timed calls after a warm-up; N is --iterations if given, else enough calls
to fill --budget seconds. Numbers are measurements of one machine at one time: compare the
ratios within one file, never absolute times across runs. Nothing here asserts a speed.
"""
import argparse
import copy
import datetime
import gc
import json
import math
import os
import platform
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.utils._pytree as pytree
from torch.utils.flop_counter import FlopCounterMode

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
import models  # noqa: E402  (bench/models.py; the eager worker unpickles models.* classes)
from workers import RTOL, ATOL, compare_outputs, iterations_for, write_atomic  # noqa: E402

ENGINES = ("eager", "ort", "pt2c")
ENGINE_TITLES = {"eager": "PyTorch eager", "ort": "ONNX Runtime", "pt2c": "pt2c"}
# How much CPU (in cores) other processes may use beyond the cores a measurement leaves free
# (cores - threads) before the machine counts as busy for it: compare.py waits for less,
# and marks a measurement that had more as disturbed (†).
QUIET_CORES = 0.25
# An engine whose distance to the fp64 outputs is within this factor of eager fp32's own is
# called rounding noise in the report (it is still reported as a mismatch).
NOISE_FACTOR = 2.0


# ------------------------------------------------------------------------------------------ #
# Settings

@dataclass
class Settings:
    """What to measure and how long; derived from the command line."""
    models: list            # names in bench/models.py, in the order measured
    threads: list           # thread counts, e.g. [1, 2]
    iterations: int         # timed calls per measurement; 0 = from budget_s
    budget_s: float         # seconds of timed calls per measurement when iterations is 0
    rounds: int             # measurements per engine and thread count (the median one kept)
    warmup: int             # untimed calls before timing
    load_repeats: int       # torch.export.load / pt2c load repetitions (median taken)
    fma_seconds: float      # length of one fma_peak repetition
    fma_repeats: int        # fma_peak repetitions (best taken)
    timeout_s: int          # per subprocess
    quiet_wait_s: float     # longest wait for other processes to calm down, per measurement
    pt2c: str               # path of the pt2c binary
    work: Path              # exported models, inputs, outputs, job files
    out: Path               # where RESULTS.md and results.json go
    quick: bool             # smoke-test settings (numbers meaningless)
    no_ort: bool            # leave ONNX Runtime out (only when it cannot be installed)


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default=",".join(models.MODELS),
                    help="comma-separated subset of: " + ",".join(models.MODELS))
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    ap.add_argument("--iterations", type=int, default=0,
                    help="timed calls per measurement (default: fill --budget seconds)")
    ap.add_argument("--budget", type=float, default=2.0,
                    help="seconds of timed calls per measurement when --iterations is not set")
    ap.add_argument("--rounds", type=int, default=3,
                    help="measurements of each engine at each thread count, interleaved in "
                         "rounds; the report keeps the median one (default 3; --quick: 1)")
    ap.add_argument("--quiet-wait", type=float, default=15.0,
                    help="before each measurement, wait up to this many seconds for other "
                         "processes to leave the CPU (default 15; --quick: 0)")
    ap.add_argument("--no-ort", action="store_true",
                    help="leave ONNX Runtime out, e.g. where onnxruntime or onnxscript cannot "
                         "be installed; the report says so")
    ap.add_argument("--render", metavar="RESULTS_JSON",
                    help="only rewrite RESULTS.md (into --out, default: next to the file) from "
                         "an earlier run's results.json; measures nothing")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 3 iterations, short FMA peak; the numbers mean nothing")
    ap.add_argument("--pt2c", default=os.environ.get("PT2C_BIN", str(REPO / "build" / "pt2c")))
    ap.add_argument("--work", default=str(BENCH / "_work"), help="scratch directory")
    ap.add_argument("--out", help="directory for RESULTS.md and results.json (default: bench/)")
    a = ap.parse_args(argv)
    if a.render:
        return a
    names = [m for m in a.models.split(",") if m]
    unknown = [m for m in names if m not in models.MODELS]
    if unknown:
        ap.error(f"unknown model(s) {', '.join(unknown)}; known: {', '.join(models.MODELS)}")
    threads = [int(t) for t in a.threads.split(",") if t]
    if not threads or min(threads) < 1:
        ap.error("--threads needs positive integers")
    return Settings(models=names, threads=threads,
                    iterations=a.iterations or (3 if a.quick else 0), budget_s=a.budget,
                    rounds=1 if a.quick else max(1, a.rounds),
                    warmup=1 if a.quick else 3, load_repeats=1 if a.quick else 3,
                    fma_seconds=0.1 if a.quick else 1.0, fma_repeats=2 if a.quick else 5,
                    timeout_s=300 if a.quick else 1800,
                    quiet_wait_s=0.0 if a.quick else a.quiet_wait, pt2c=os.path.abspath(a.pt2c),
                    work=Path(a.work).resolve(), out=Path(a.out or BENCH).resolve(), quick=a.quick,
                    no_ort=a.no_ort)


# ------------------------------------------------------------------------------------------ #
# Processes: every measurement runs in a child, started by a tiny launcher that reports
# that child's own peak RSS.

@dataclass
class Proc:
    """What run_measured learned about one finished child."""
    returncode: int
    stdout: str
    stderr: str
    peak_rss_bytes: int     # the command's own ru_maxrss (0 if the launcher failed)
    wall_s: float
    timed_out: bool
    others_cores: float     # mean CPU use of every other process meanwhile, in cores


def machine_busy_s():
    """Seconds of CPU time all cores have spent busy since boot (/proc/stat; steal time
    counts as busy, since the hypervisor gave it to someone else)."""
    fields = read_text("/proc/stat").splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def others_load(seconds):
    """CPU use of everything else on the machine over `seconds` (while this process sleeps),
    in cores."""
    b0 = machine_busy_s()
    time.sleep(seconds)
    return max(0.0, machine_busy_s() - b0) / seconds


def too_busy(others_cores, threads):
    """Whether other processes left fewer than `threads` cores free (with QUIET_CORES slack).
    On a 2-core machine a neighbour using one core leaves a 1-thread measurement its own
    core, but makes a 2-thread one share: OpenMP-style pools then spin on a preempted thread
    (PyTorch at 2 threads took tens of ms for a 0.3 ms model)."""
    free = max(0, (os.cpu_count() or 1) - threads)
    return others_cores is not None and others_cores > free + QUIET_CORES


def wait_for_quiet(settings, threads):
    """Before a measurement: wait (at most settings.quiet_wait_s) until other processes
    leave `threads` cores free. Returns (seconds waited, last load sample or None)."""
    if settings.quiet_wait_s <= 0:
        return 0.0, None
    t0 = time.perf_counter()
    load = others_load(0.5)
    while too_busy(load, threads) and time.perf_counter() - t0 < settings.quiet_wait_s:
        load = others_load(1.0)
    return time.perf_counter() - t0, load


def run_measured(argv, settings):
    """Run argv to completion under the peak_rss launcher; its output, exit code, wall time,
    its own peak RSS (see bench/peak_rss.c for why not os.wait4 from here) and how much CPU
    other processes used meanwhile (machine busy time minus the child's own CPU time).

    The child gets its own process group, so a timeout kills exactly what this started."""
    rss_file = settings.work / f".peak_rss.{os.getpid()}.{threading.get_ident()}"
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        busy0, t0 = machine_busy_s(), time.perf_counter()
        p = subprocess.Popen([str(settings.work / "peak_rss"), str(rss_file),
                              *(str(a) for a in argv)], stdout=out, stderr=err,
                             start_new_session=True)
        timed_out = False
        try:
            p.wait(timeout=settings.timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        wall, busy = time.perf_counter() - t0, machine_busy_s() - busy0
        out.seek(0)
        err.seek(0)
        usage = {}
        if rss_file.exists():
            usage = dict(line.split() for line in rss_file.read_text().splitlines())
            rss_file.unlink()
        child_cpu = float(usage.get("cpu_s", 0.0))
        return Proc(p.returncode, out.read().decode(errors="replace"),
                    err.read().decode(errors="replace"),
                    int(usage.get("peak_rss_kib", 0)) * 1024, wall, timed_out,
                    max(0.0, busy - child_cpu) / max(wall, 1e-9))


def failure_text(proc, what):
    """One line saying why a child failed: its last stderr line, or the exit status."""
    if proc.timed_out:
        return f"{what}: timed out after {proc.wall_s:.0f} s"
    lines = [l.strip() for l in proc.stderr.strip().splitlines() if l.strip()]
    return f"{what}: {lines[-1] if lines else f'exit status {proc.returncode}'}"


def condensed(error):
    """The gist of an error for a table cell: a missing kernel by its op; otherwise the
    message without the "pt2c run: pt2c: /path/model.pt2:" prefixes."""
    m = re.search(r"no kernel for (?:this )?op:? ?(?:torch\.ops\.)?([\w.]+)", error)
    if m:
        return f"no kernel for {m.group(1)}"
    m = re.search(r"\(torch\.ops\.([\w.]+)\): no kernel", error)
    if m:
        return f"no kernel for {m.group(1)}"
    return re.sub(r"^(?:[\w .]+: )*?(?:pt2c: )?\S+\.pt2: ", "", error)


def run_worker(kind, job, job_dir, settings):
    """Run one bench/workers.py job in a fresh Python; its result dict plus peak_rss_bytes,
    or {"error": ...} when it failed."""
    job_path, result_path = job_dir / f"{kind}_job.json", job_dir / f"{kind}_result.json"
    write_atomic(job_path, json.dumps(job))
    if result_path.exists():
        result_path.unlink()
    proc = run_measured([sys.executable, BENCH / "workers.py", kind, job_path, result_path],
                        settings)
    if proc.returncode != 0 or not result_path.exists():
        return {"error": failure_text(proc, kind)}
    result = json.loads(result_path.read_text())
    result["peak_rss_bytes"] = proc.peak_rss_bytes
    result["others_cores"] = proc.others_cores
    return result


# ------------------------------------------------------------------------------------------ #
# The machine

def read_text(path, default=""):
    try:
        return Path(path).read_text().strip()
    except OSError:
        return default


def machine_info():
    """CPU model, the ISA flags that decide which kernels run, cores and cache sizes."""
    cpuinfo = read_text("/proc/cpuinfo")
    first = {}
    for line in cpuinfo.split("\n\n")[0].splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            first[k.strip()] = v.strip()
    flags = set(first.get("flags", "").split())
    caches = []
    for index in sorted(Path("/sys/devices/system/cpu/cpu0/cache").glob("index*")):
        level, kind = read_text(index / "level"), read_text(index / "type")
        if kind == "Instruction":
            continue
        shared = read_text(index / "shared_cpu_list")
        caches.append({"level": f"L{level}" + ("d" if kind == "Data" else ""),
                       "size": read_text(index / "size"), "shared_cpu_list": shared})
    return {"cpu": first.get("model name", platform.processor() or "unknown"),
            "cpu_family": first.get("cpu family"), "cpu_model": first.get("model"),
            "isa": {f: f in flags for f in ("avx2", "fma", "avx512f")},
            "cores": os.cpu_count(), "caches": caches, "kernel": platform.release()}


# The two small C helpers compare.py compiles into the work directory: (source, cc flags).
# fma_peak gets -march=native so that it uses the widest FMA this CPU has.
C_HELPERS = {"peak_rss": ("peak_rss.c", ["-O2"]),
             "fma_peak": ("fma_peak.c", ["-O2", "-march=native"])}


def compile_helpers(settings):
    """Build bench/peak_rss.c and bench/fma_peak.c with cc into the work directory."""
    for exe, (source, flags) in C_HELPERS.items():
        cc = subprocess.run(["cc", *flags, str(BENCH / source), "-o", str(settings.work / exe),
                             "-lm"], capture_output=True, text=True)
        if cc.returncode != 0:
            sys.exit(f"compare.py: cc {source} failed:\n{cc.stderr}")


def fma_peak(settings):
    """Run the compiled fma_peak: best GFLOP/s of one core and the ISA it used (after waiting
    for a quiet machine: a neighbour on the same core would halve it)."""
    waited_s, _ = wait_for_quiet(settings, 1)
    proc = run_measured([settings.work / "fma_peak", settings.fma_seconds, settings.fma_repeats],
                        settings)
    if proc.returncode != 0:
        return {"error": failure_text(proc, "fma_peak")}
    fields = dict(line.split(None, 1) for line in proc.stdout.splitlines() if " " in line)
    return {"isa": fields["isa"], "gflops": float(fields["gflops"]),
            "seconds": settings.fma_seconds, "repeats": settings.fma_repeats,
            "compile": "cc " + " ".join(C_HELPERS["fma_peak"][1]),
            "others_cores": proc.others_cores, "quiet_waited_s": waited_s,
            "disturbed": too_busy(proc.others_cores, 1)}


def versions(settings):
    """Versions of everything measured, and the pt2c build's commit."""
    out = {"python": platform.python_version(), "torch": torch.__version__,
           "numpy": np.__version__}
    for mod in ("onnxruntime", "onnxscript", "onnx", "transformers"):
        try:
            out[mod] = __import__(mod).__version__
        except ImportError:
            out[mod] = None
    try:
        v = subprocess.run([settings.pt2c, "version"], capture_output=True, text=True)
        out["pt2c"] = v.stdout.strip() or v.stderr.strip()
    except OSError as e:
        out["pt2c"] = f"not runnable: {e}"
    git = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                         capture_output=True, text=True)
    out["pt2c_commit"] = git.stdout.strip() or None
    return out


def pt2c_has_bench(settings):
    """Whether this pt2c has the `bench` verb (else compare.py falls back to `run`)."""
    try:
        r = subprocess.run([settings.pt2c, "bench", "--help"], capture_output=True, text=True,
                           timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0


def runtime_floor(settings):
    """Peak RSS of each engine's process doing nothing (the interpreter and the library
    alone), so the peak-RSS table can be read as floor + model."""
    py = sys.executable
    return {"eager": run_measured([py, "-c", "import torch"], settings).peak_rss_bytes,
            "ort": run_measured([py, "-c", "import numpy, onnxruntime"],
                                settings).peak_rss_bytes,
            "pt2c": run_measured([settings.pt2c, "version"], settings).peak_rss_bytes}


# ------------------------------------------------------------------------------------------ #
# Preparing one model: build, count, export, save inputs and expected outputs

def output_stats(arrays):
    """Scale of each output, to catch the random-weights trap: an output that faded to tiny
    or denormal values would time (and compare) the wrong thing."""
    stats = []
    for a in arrays:
        a64 = np.abs(a.astype(np.float64)) if a.dtype.kind == "f" else np.abs(a)
        tiny = np.finfo(np.float32).tiny
        denormal = int(np.count_nonzero((a64 > 0) & (a64 < tiny))) if a.dtype.kind == "f" else 0
        absmax = float(a64.max()) if a.size else 0.0
        stats.append({"shape": list(a.shape), "dtype": str(a.dtype), "absmax": absmax,
                      "std": float(np.std(a)) if a.size else 0.0, "denormals": denormal,
                      "faded": bool(absmax < 1e-3 or denormal > 0)})
    return stats


def count_gflop(model, inputs):
    """FLOPs of one eager forward (FlopCounterMode counts a multiply-add as 2)."""
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(*inputs)
    return counter.get_total_flops() / 1e9


def eager_outputs(model, inputs):
    """The model's outputs (pytree-flattened) on one thread: deterministic, so the eager
    worker, which runs the pickled model, must reproduce them bit for bit at 1 thread.
    (At 2 threads a deep network such as ResNet-50 already differs from itself by ~1e-3.)"""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.no_grad():
            return [t.detach().numpy().copy() for t in pytree.tree_leaves(model(*inputs))]
    finally:
        torch.set_num_threads(threads)


def fp64_outputs(model, inputs):
    """The same model's outputs in float64: the reference that tells fp32 rounding noise
    (which every fp32 engine shows, eager included) from a real error."""
    m64 = copy.deepcopy(model).double()
    in64 = [x.double() if x.is_floating_point() else x for x in inputs]
    with torch.no_grad():
        return [t.numpy() for t in pytree.tree_leaves(m64(*in64))]


def short_error(e):
    """An exception as one line, for the report (the full text goes to results.json)."""
    text = f"{type(e).__name__}: {e}"
    return text, text.strip().splitlines()[0][:300] if text.strip() else type(e).__name__


def prepare(name, settings):
    """Build, count and export one model into WORK/<name>/; returns what later steps need."""
    d = settings.work / name
    d.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    model, inputs = models.build(name)
    expected, expected64 = eager_outputs(model, inputs), fp64_outputs(model, inputs)
    info = {"title": models.MODELS[name].title, "dir": str(d),
            "inputs": [{"shape": list(x.shape), "dtype": str(x.dtype)} for x in inputs],
            "outputs": output_stats(expected), "gflop": count_gflop(model, inputs),
            "fp32_vs_fp64": compare_outputs(expected, expected64),
            "input_files": [], "expected_files": [], "expected_fp64_files": []}
    for i, x in enumerate(inputs):
        info["input_files"].append(str(d / f"in{i}.npy"))
        np.save(info["input_files"][-1], x.numpy())
    for i, (y, y64) in enumerate(zip(expected, expected64)):
        info["expected_files"].append(str(d / f"expected{i}.npy"))
        np.save(info["expected_files"][-1], y)
        info["expected_fp64_files"].append(str(d / f"expected{i}_fp64.npy"))
        np.save(info["expected_fp64_files"][-1], y64)
    torch.save(model, d / "eager.pth")
    info["eager_model"] = str(d / "eager.pth")
    try:
        ep = torch.export.export(model, inputs)
        torch.export.save(ep, str(d / "model.pt2"))
        info["pt2"] = str(d / "model.pt2")
        del ep
    except Exception as e:  # noqa: BLE001  (recorded, and the model's pt2c cells say so)
        info["pt2_error"], info["pt2_error_short"] = short_error(e)
    if settings.no_ort:
        info["onnx_error_short"] = "skipped (--no-ort)"
    else:
        try:
            torch.onnx.export(model, inputs, str(d / "model.onnx"), dynamo=True, verbose=False)
            info["onnx"] = str(d / "model.onnx")
        except Exception as e:  # noqa: BLE001  (the dynamo exporter fails on some models)
            info["onnx_error"], info["onnx_error_short"] = short_error(e)
    info["prepare_s"] = time.perf_counter() - t0
    del model
    gc.collect()
    return info


# ------------------------------------------------------------------------------------------ #
# pt2c

def pt2c_input_args(info):
    args = []
    for f in info["input_files"]:
        args += ["-i", f]
    return args


def pt2c_check(info, settings):
    """Run pt2c once with -o and compare every output with eager's; also a first estimate
    of one run's time (2 runs, the mean after the first) to size the timed runs."""
    out = Path(info["dir"]) / "pt2c_out"
    if out.exists():
        for f in out.glob("output_*.npy"):
            f.unlink()
    proc = run_measured([settings.pt2c, "run", info["pt2"], *pt2c_input_args(info),
                         "--threads", 1, "--iterations", 2, "-o", out], settings)
    if proc.returncode != 0:
        return {"error": failure_text(proc, "pt2c run")}
    got = [np.load(out / f"output_{i}.npy") for i in range(len(info["expected_files"]))
           if (out / f"output_{i}.npy").exists()]
    check = compare_outputs(got, [np.load(f) for f in info["expected_files"]])
    check["fp64"] = compare_outputs(got, [np.load(f) for f in info["expected_fp64_files"]])
    m = re.search(r"([0-9.]+) ms per run", proc.stdout)
    check["probe_ms"] = float(m.group(1)) if m else None
    return check


def pt2c_time(info, threads, iterations, settings, use_bench):
    """One pt2c measurement at `threads` threads: `pt2c bench --json` (median, p90, profile)
    or, without that verb, `pt2c run --iterations` (mean per run after the first)."""
    common = [info["pt2"], *pt2c_input_args(info), "--threads", threads]
    if use_bench:
        proc = run_measured([settings.pt2c, "bench", *common, "--iterations", iterations,
                             "--json"], settings)
        if proc.returncode != 0:
            return {"error": failure_text(proc, "pt2c bench")}
        try:
            report = json.loads(proc.stdout[proc.stdout.index("{"):])
        except ValueError as e:
            return {"error": f"pt2c bench: unreadable JSON ({e})"}
        report["source"] = "bench"
        report["others_cores"] = proc.others_cores
        # The same measure as for the other engines (the launcher's), pt2c's own kept apart.
        report["self_reported_peak_rss_bytes"] = report.get("peak_rss_bytes")
        report["peak_rss_bytes"] = proc.peak_rss_bytes
        return report
    proc = run_measured([settings.pt2c, "run", *common, "--iterations", iterations + 1],
                        settings)
    if proc.returncode != 0:
        return {"error": failure_text(proc, "pt2c run")}
    m = re.search(r"([0-9.]+) ms per run", proc.stdout)
    if not m:
        return {"error": f"pt2c run: no time in its output: {proc.stdout.strip()[:200]}"}
    return {"source": "run", "mean_ms": float(m.group(1)), "median_ms": None, "p90_ms": None,
            "iterations": iterations, "warmup": 1, "peak_rss_bytes": proc.peak_rss_bytes,
            "others_cores": proc.others_cores}


def pt2c_load_fallback(info, settings):
    """Without `pt2c bench`: whole-process wall times (median of a few) of `pt2c show
    --summary` (opens and parses the archive) and `pt2c check` (opens, builds and shapes
    the plan), each including process start-up; upper bounds of load and load+plan."""
    def median_wall(args):
        walls = []
        for _ in range(settings.load_repeats):
            proc = run_measured([settings.pt2c, *args], settings)
            if proc.returncode != 0:  # a failed check stops early: no time to report
                return None
            walls.append(proc.wall_s * 1e3)
        return float(np.median(walls))
    return {"source": "process wall time of `pt2c show --summary` / `pt2c check`",
            "load_ms": median_wall(["show", "--summary", info["pt2"]]),
            "load_plan_ms": median_wall(["check", info["pt2"]])}


# ------------------------------------------------------------------------------------------ #
# Measuring one model

def peer_job(info, model_key, threads, settings):
    """Arguments for a bench/workers.py eager or ort job."""
    return {"model": info[model_key], "inputs": info["input_files"],
            "expected": info["expected_files"],
            "expected_fp64": info["expected_fp64_files"], "threads": threads,
            "iterations": settings.iterations,
            "budget_s": settings.budget_s, "warmup": settings.warmup}


def measure_engine(engine, info, threads, settings, use_bench, pt2c_check_result):
    """One timed measurement of one engine at `threads` threads, after waiting for the
    machine to be quiet; or {"error": why} when the engine cannot run this model."""
    d = Path(info["dir"])
    if engine == "ort" and "onnx" not in info:
        return {"error": info["onnx_error_short"]}
    if engine == "pt2c" and "pt2" not in info:
        return {"error": info["pt2_error_short"]}
    if engine == "pt2c" and "error" in pt2c_check_result:
        return {"error": pt2c_check_result["error"]}
    waited_s, load_before = wait_for_quiet(settings, threads)
    if engine == "eager":
        result = run_worker("eager", peer_job(info, "eager_model", threads, settings), d,
                            settings)
    elif engine == "ort":
        result = run_worker("ort", peer_job(info, "onnx", threads, settings), d, settings)
    else:
        n = iterations_for(pt2c_check_result.get("probe_ms") or 1.0, settings.iterations,
                           settings.budget_s)
        result = pt2c_time(info, threads, n, settings, use_bench)
    result.update(quiet_waited_s=waited_s, others_cores_before=load_before,
                  disturbed=too_busy(result.get("others_cores"), threads))
    return result


def first_check(runs, engine):
    """The output checks an engine's worker made, from its 1-thread run if it has one (for
    eager that one must reproduce the 1-thread reference exactly), else its first."""
    for t, run in sorted(runs.items(), key=lambda kv: kv[0] != "1"):
        if "check" in run.get(engine, {}):
            return {**run[engine]["check"], "fp64": run[engine].get("check_fp64"),
                    "threads": int(t)}
    errors = [run[engine]["error"] for run in runs.values() if "error" in run.get(engine, {})]
    return {"error": errors[0] if errors else "not run"}


def median_round(results):
    """Of one engine's measurements in several rounds, the one with the median time (the
    lower of the two middle ones), whole: its profile and peak RSS belong to that time.
    Every round's time is kept beside it (rounds_ms)."""
    timed = sorted((r for r in results if engine_ms(r) is not None), key=engine_ms)
    if not timed:
        return results[0]
    return {**timed[(len(timed) - 1) // 2], "rounds_ms": [engine_ms(r) for r in results]}


def measure_model(info, settings, use_bench, position):
    """Output checks, load times and the timed runs. The machine may be shared and go
    through slow phases of seconds: every engine at every thread count is measured once per
    round, rounds one after another, so that a slow phase hits one round of each
    (the median round is kept) and the thread-scaling ratios compare measurements taken
    minutes apart at most. The engine order rotates with `position`, the thread count and
    the round, so that no engine always runs first (or right after another's heavy run)."""
    d = Path(info["dir"])
    res = {"checks": {}, "load": {}, "runs": {}}
    pt2c_check_result = {"error": info.get("pt2_error_short", "not exported")}
    if "pt2" in info:
        pt2c_check_result = pt2c_check(info, settings)
        res["load"]["torch_export_load"] = run_worker(
            "torch_load", {"model": info["pt2"], "repeats": settings.load_repeats}, d, settings)
        if not use_bench:
            res["load"]["pt2c"] = pt2c_load_fallback(info, settings)
    res["checks"]["pt2c"] = pt2c_check_result
    measured = {t: {e: [] for e in ENGINES} for t in settings.threads}
    orders = {t: [] for t in settings.threads}
    for rnd in range(settings.rounds):
        for k, threads in enumerate(settings.threads):
            shift = (position + k + rnd) % len(ENGINES)
            order = ENGINES[shift:] + ENGINES[:shift]
            orders[threads].append(list(order))
            for e in order:
                measured[threads][e].append(
                    measure_engine(e, info, threads, settings, use_bench, pt2c_check_result))
    for threads in settings.threads:
        run = {e: median_round(measured[threads][e]) for e in ENGINES}
        run["order"] = orders[threads]
        res["runs"][str(threads)] = run
        print(f"  {threads} thread(s): " + ", ".join(
            f"{e} {fmt_ms(engine_ms(run[e]))}" for e in ENGINES)
            + (" (median of " + ", ".join(
                f"{e} {'/'.join(fmt_ms(x) for x in run[e].get('rounds_ms', []))}"
                for e in ENGINES) + ")" if settings.rounds > 1 else ""), flush=True)
    p1 = res["runs"].get("1", {}).get("pt2c", {})
    if use_bench and "load_ms" in p1:
        res["load"]["pt2c"] = {"source": "`pt2c bench` load_ms and load_ms + plan_ms "
                                         "(1 thread)", "load_ms": p1["load_ms"],
                               "load_plan_ms": p1["load_ms"] + p1.get("plan_ms", 0.0)}
    res["checks"]["ort"] = first_check(res["runs"], "ort")
    res["checks"]["eager_rerun"] = first_check(res["runs"], "eager")
    return res


# ------------------------------------------------------------------------------------------ #
# Numbers to text

def engine_ms(result):
    """The time that represents one measurement: the median (pt2c's fallback has only the
    mean after the first run); None when the engine failed."""
    if not result or "error" in result:
        return None
    return result.get("median_ms") if result.get("median_ms") is not None else result.get(
        "mean_ms")


def fmt_ms(ms):
    if ms is None:
        return "-"
    return f"{ms:.3f}" if ms < 1 else f"{ms:.2f}" if ms < 100 else f"{ms:.0f}"


def fmt_ratio(x):
    """Two decimals, or two significant digits for small ratios (a load ratio can be 0.002)."""
    return "-" if x is None else f"{x:.2f}" if x >= 0.1 else f"{x:.2g}"


def fmt_err(x):
    return "-" if x is None else f"{x:.2g}"


def fmt_mib(n):
    return "-" if not n else f"{n / 2**20:.0f}"


def cell_text(s, width=70):
    """Text safe inside a markdown table cell: one line, no pipes, at most `width` chars."""
    s = " ".join(str(s).split()).replace("|", "\\|")
    return s if len(s) <= width else s[:width - 1] + "…"


def ratio(a, b):
    return a / b if a is not None and b else None


def geomean(xs):
    xs = [x for x in xs if x is not None and x > 0]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else None


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return lines


def disturbed(result):
    """Whether other processes took cores this measurement needed (see too_busy)."""
    return bool(result and result.get("disturbed"))


def engine_cell(result):
    """A time (marked † if other processes disturbed it), or the reason there is none."""
    ms = engine_ms(result)
    if ms is not None:
        return fmt_ms(ms) + (" †" if disturbed(result) else "")
    return "✗ " + cell_text(condensed(result.get("error", "not run")) if result else "not run",
                            60)


def check_cell(check):
    if not check:
        return "-"
    if "error" in check:
        return "✗ " + cell_text(condensed(check["error"]), 60)
    return "ok" if check["ok"] else f"**MISMATCH** ({cell_text(check['why'], 50)})"


def render_machine(meta):
    m, peak = meta["machine"], meta["fma_peak"]
    caches = ", ".join(f"{c['level']} {c['size']} (cpus {c['shared_cpu_list']})"
                       for c in m["caches"]) or "unknown"
    isa = ", ".join(f"{k} {'yes' if v else 'no'}" for k, v in m["isa"].items())
    v = meta["versions"]
    lines = ["## Machine", "",
             f"- CPU: {m['cpu']} (family {m['cpu_family']}, model {m['cpu_model']}), "
             f"{m['cores']} cores, Linux {m['kernel']}",
             f"- ISA: {isa}", f"- Caches: {caches}"]
    if "error" in peak:
        lines.append(f"- FMA peak: not measured ({peak['error']})")
    else:
        lines.append(f"- FMA peak (bench/fma_peak.c, {peak['compile']}, {peak['isa']}, 12 "
                     f"independent accumulators, best of {peak['repeats']} × "
                     f"{peak['seconds']:g} s): **{peak['gflops']:.1f} GFLOP/s on one core**; "
                     f"\"% of FMA peak\" at T threads is against T × this"
                     + (f" († other processes used {peak['others_cores']:.2f} cores meanwhile: "
                        "probably too low)" if disturbed(peak) else ""))
    lines += [f"- Versions: torch {v['torch']}, onnxruntime {v['onnxruntime']}, onnxscript "
              f"{v['onnxscript']}, onnx {v['onnx']}, transformers {v['transformers']}, numpy "
              f"{v['numpy']}, Python {v['python']}; {v['pt2c']} (commit {v['pt2c_commit']})",
              f"- pt2c timings: " + (
                  "`pt2c bench --json` (median)" if meta["pt2c_bench"] else
                  "`pt2c run --iterations N` (this build has no `bench` verb): the **mean** "
                  "per run after the first, not the median; no p90, no profile"), ""]
    return lines


def noise_verdict(check, noise):
    """Whether an engine's mismatch is fp32 rounding noise: its distance to the fp64 outputs
    is at most NOISE_FACTOR times eager fp32's own distance to them."""
    fp64 = (check.get("fp64") or {}).get("max_rel")
    if fp64 is None or noise is None:
        return "no fp64 comparison"
    if fp64 <= NOISE_FACTOR * noise:
        return (f"**within fp32 rounding noise**: against fp64 its max rel is {fmt_err(fp64)}, "
                f"eager fp32's is {fmt_err(noise)}; the tolerance is tighter than fp32 allows "
                "for this model")
    return (f"**a real error**: against fp64 its max rel is {fmt_err(fp64)}, more than "
            f"{NOISE_FACTOR:g}× eager fp32's {fmt_err(noise)}")


def check_problems(name, info, checks):
    """The lines of the report's problem list for one model."""
    out = []
    if any(o["faded"] for o in info["outputs"]):
        out.append(f"**{name}: output is tiny or denormal** "
                   f"(absmax {max(o['absmax'] for o in info['outputs']):.3g}); "
                   "its times are not meaningful")
    rerun = checks.get("eager_rerun") or {}
    if "ok" in rerun and (rerun.get("max_abs") if rerun.get("threads") == 1
                          else not rerun["ok"]):
        if rerun.get("threads") == 1:
            out.append(f"**{name}: the eager worker (1 thread) does not reproduce the 1-thread "
                       f"reference exactly** (max abs {fmt_err(rerun['max_abs'])}): the "
                       "pickled model it times may not be the model that was exported")
        else:
            out.append(f"{name}: eager at {rerun.get('threads')} threads differs from its "
                       f"1-thread reference by max abs {fmt_err(rerun['max_abs'])}")
    noise = info["fp32_vs_fp64"].get("max_rel")
    for engine in ("pt2c", "ort"):
        c = checks.get(engine)
        if c and "error" in c:
            out.append(f"{name}: {ENGINE_TITLES[engine]} did not run: "
                       f"{cell_text(c['error'], 300)}")
        elif c and not c["ok"]:
            out.append(f"**{name}: {ENGINE_TITLES[engine]} output MISMATCH** against eager "
                       f"fp32: {c['why']}, max abs {fmt_err(c['max_abs'])}, max rel "
                       f"{fmt_err(c['max_rel'])}. Verdict: {noise_verdict(c, noise)}.")
    return out


def render_checks(meta, results):
    """The correctness table, with every mismatch or failure named above it."""
    lines = ["## Correctness (checked before any time is believed)", "",
             f"Each engine's outputs against PyTorch eager fp32 (computed on 1 thread) on the "
             f"same inputs: pass means every element within rtol {RTOL:g} / atol {ATOL:g}. "
             f"max rel = max abs error / max abs output. \"vs fp64\" columns compare with the "
             f"same model run in float64: eager fp32's own distance to it is the rounding noise "
             f"any fp32 engine can be expected to show.", ""]
    loud, rows = [], []
    for name, r in results.items():
        info, checks = r["info"], r.get("checks", {})
        loud += check_problems(name, info, checks)
        faded = any(o["faded"] for o in info["outputs"])
        out_desc = "; ".join(f"{o['shape']} absmax {o['absmax']:.3g} std {o['std']:.3g}"
                             for o in info["outputs"])
        row = [name, out_desc + (" **FADED**" if faded else ""),
               fmt_err(info["fp32_vs_fp64"]["max_rel"])]
        for engine in ("pt2c", "ort"):
            c = checks.get(engine) or {}
            row += [fmt_err(c.get("max_abs")), fmt_err(c.get("max_rel")),
                    fmt_err((c.get("fp64") or {}).get("max_rel")), check_cell(c)]
        rows.append(row)
    if loud:
        lines += ["**Problems:**", ""] + [f"- {x}" for x in loud] + [""]
    lines += table(["model", "outputs", "eager fp32 vs fp64 (max rel)", "pt2c max abs",
                    "pt2c max rel", "pt2c vs fp64", "pt2c", "ORT max abs", "ORT max rel",
                    "ORT vs fp64", "ORT"], rows)
    return lines + [""]


def render_speed(meta, results, threads):
    """The speed table at one thread count, with the geometric means of the ratios."""
    peak = meta["fma_peak"].get("gflops")
    t = str(threads)
    lines = [f"## {threads} thread{'s' if threads > 1 else ''}", ""]
    rows, r_eager, r_ort = [], [], []
    for name, r in results.items():
        run = r.get("runs", {}).get(t, {})
        e, o, p = (engine_ms(run.get(k)) for k in ENGINES)
        gflops = ratio(r["info"]["gflop"], p / 1e3 if p else None)
        pct = 100 * gflops / (peak * threads) if gflops and peak else None
        r_eager.append(ratio(p, e))
        r_ort.append(ratio(p, o))
        rows.append([name, f"{r['info']['gflop']:.3g}", engine_cell(run.get("eager")),
                     engine_cell(run.get("ort")), engine_cell(run.get("pt2c")),
                     fmt_ratio(r_eager[-1]), fmt_ratio(r_ort[-1]),
                     "-" if gflops is None else f"{gflops:.1f}",
                     "-" if pct is None else f"{pct:.0f}%"])
    rows.append(["**geomean**", "", "", "", "", fmt_ratio(geomean(r_eager)),
                 fmt_ratio(geomean(r_ort)), "", ""])
    lines += table(["model", "GFLOP", "eager ms", "ORT ms", "pt2c ms", "pt2c/eager",
                    "pt2c/ORT", "pt2c GFLOP/s", "% of FMA peak"], rows)
    pct_of = "one core's" if threads == 1 else f"{threads} × one core's"
    pt2c_stat = "" if meta["pt2c_bench"] else " (pt2c: the mean after the first run)"
    rounds = meta["settings"].get("rounds", 1)
    of_rounds = (f", each the median round of {rounds} interleaved with the other engines' and "
                 "thread counts' (results.json has every round)" if rounds > 1 else "")
    lines += ["", f"Times are medians{pt2c_stat}{of_rounds}; ratios below 1 mean pt2c is "
              f"faster; % of FMA peak is pt2c's GFLOP/s against {pct_of} measured peak.", ""]
    if any(disturbed(r.get("runs", {}).get(t, {}).get(e)) for r in results.values()
           for e in ENGINES):
        lines += [f"† other processes left fewer than {threads} free core"
                  f"{'s' if threads > 1 else ''} during that measurement (see \"Machine "
                  "load\"): distrust it.", ""]
    return lines


def render_scaling(meta, results):
    if len(meta["settings"]["threads"]) < 2:
        return []
    t1, *rest = [str(t) for t in meta["settings"]["threads"]]
    lines = ["## Thread scaling (time at " + t1 + " thread / time at T threads)", ""]
    rows = []
    for name, r in results.items():
        row = [name]
        for t in rest:
            for e in ENGINES:
                row.append(fmt_ratio(ratio(engine_ms(r["runs"].get(t1, {}).get(e)),
                                           engine_ms(r["runs"].get(t, {}).get(e)))))
        rows.append(row)
    header = ["model"] + [f"{ENGINE_TITLES[e]} {t}T" for t in rest for e in ENGINES]
    return lines + table(header, rows) + [""]


def render_load(meta, results):
    lines = ["## Load time", ""]
    rows = []
    sources = set()
    for name, r in results.items():
        load = r.get("load", {})
        tl, p = load.get("torch_export_load") or {}, load.get("pt2c") or {}
        if p.get("source"):
            sources.add(p["source"])
        t_ms = tl.get("median_ms")
        if "error" in tl:
            torch_cells = ["✗ " + cell_text(tl["error"], 50), "-"]
        else:
            torch_cells = [fmt_ms(tl.get("first_ms")), fmt_ms(t_ms)]
        rows.append([name, *torch_cells, fmt_ms(p.get("load_ms")), fmt_ms(p.get("load_plan_ms")),
                     fmt_ratio(ratio(p.get("load_plan_ms"), t_ms))])
    lines += table(["model", "torch.export.load first ms", "torch.export.load ms",
                    "pt2c load ms", "pt2c load+plan ms", "pt2c load+plan / torch.export.load"],
                   rows)
    lines += ["", "torch.export.load: in a fresh process, the first load (which also pays "
              "one-time lazy imports) and the median of the next "
              f"{meta['settings']['load_repeats']}; the ratio uses the median. pt2c: "
              + ("; ".join(sorted(sources)) or "not measured") + ".", ""]
    return lines


def render_rss(meta, results):
    threads = [str(t) for t in meta["settings"]["threads"]]
    lines = ["## Peak RSS (MiB)", "",
             "Each engine's own process (bench/peak_rss.c): the Python engines include the "
             "interpreter and the library (the \"runtime floor\" row is that alone); pt2c's "
             "includes the pages of the mapped weights it touched.", ""]
    rows = []
    for name, r in results.items():
        rows.append([name] + [fmt_mib((r["runs"].get(t, {}).get(e) or {}).get("peak_rss_bytes"))
                              for t in threads for e in ENGINES])
    floor = meta.get("runtime_floor_rss", {})
    rows.append(["*runtime floor*"] + [fmt_mib(floor.get(e)) for _ in threads for e in ENGINES])
    header = ["model"] + [f"{ENGINE_TITLES[e]} {t}T" for t in threads for e in ENGINES]
    return lines + table(header, rows) + [""]


def profile_rows(entries, key, peak, top):
    """Rows for the heaviest `top` entries of a pt2c bench profile (by_op or top_nodes)."""
    rows = []
    for o in sorted(entries, key=lambda o: -(o.get("percent") or 0))[:top]:
        gflops = o.get("gflops")
        rows.append([cell_text(o.get(key, "?"), 60), fmt_ms(o.get("ms")),
                     f"{o.get('percent') or 0:.1f}%", f"{gflops:.1f}" if gflops else "-",
                     f"{100 * gflops / peak:.0f}%" if gflops and peak else "-"])
    return rows


def render_profiles(meta, results, top_ops=8, top_nodes=5):
    """pt2c's own profile at 1 thread (from `pt2c bench`): where the time goes, and how far
    each op is from the FMA peak, so that a miss can be explained."""
    lines = ["## pt2c profile at 1 thread", ""]
    if not meta["pt2c_bench"]:
        return lines + ["Not available: this pt2c build has no `bench` verb.", ""]
    peak = meta["fma_peak"].get("gflops")
    header = ["time", "ms", "% time", "GFLOP/s", "% of FMA peak"]
    for name, r in results.items():
        p = r.get("runs", {}).get("1", {}).get("pt2c") or {}
        if "by_op" not in p:
            continue
        lines += [f"### {name}", "", f"Ops (the {top_ops} heaviest):", ""]
        lines += table(["op", *header[1:]], profile_rows(p["by_op"], "op", peak, top_ops))
        if p.get("top_nodes"):
            lines += ["", f"Nodes (the {top_nodes} heaviest):", ""]
            lines += table(["node", *header[1:]],
                           profile_rows(p["top_nodes"], "node", peak, top_nodes))
        lines.append("")
    return lines


# The targets (reported, never asserted): the models that must scale with threads.
LARGE_MODELS = ("resnet18", "resnet50", "mobilenetv2", "convnext_t", "vit_s16", "bert_base",
                "gpt2")
SCALING_TARGET = 1.8
PEAK_TARGET = 0.80
LOAD_TARGET = 20.0


def render_targets(meta, results):
    """Each target of the performance issue, met or missed, from this run's numbers; the
    misses are explained in bench/ANALYSIS.md (appended after this section)."""
    lines = ["## Targets", "",
             "Computed from this run's tables below; each miss is explained in the next "
             "section.", ""]
    rows = []
    threads = [str(t) for t in meta["settings"]["threads"]]

    def verdict(ok):
        return "-" if ok is None else ("met" if ok else "**missed**")

    for t in threads:
        r_ort = [ratio(engine_ms(r["runs"].get(t, {}).get("pt2c")),
                       engine_ms(r["runs"].get(t, {}).get("ort"))) for r in results.values()]
        g = geomean(r_ort)
        rows.append([f"pt2c no slower than ONNX Runtime on the geomean, {t}T",
                     f"pt2c/ORT {fmt_ratio(g)}", verdict(None if g is None else g <= 1.0)])
        slower = []
        for name, r in results.items():
            x = ratio(engine_ms(r["runs"].get(t, {}).get("pt2c")),
                      engine_ms(r["runs"].get(t, {}).get("eager")))
            if x is None or x >= 1.0:
                slower.append(f"{name} {fmt_ratio(x)}")
        rows.append([f"pt2c faster than PyTorch eager on every model, {t}T",
                     "slower: " + ", ".join(slower) if slower else "faster on all",
                     verdict(not slower)])
    peak = meta["fma_peak"].get("gflops")
    r18 = results.get("resnet18")
    if r18 and peak:
        ms = engine_ms(r18["runs"].get("1", {}).get("pt2c"))
        frac = ratio(r18["info"]["gflop"], ms / 1e3 if ms else None)
        frac = frac / peak if frac else None
        rows.append([f"ResNet-18 at >= {PEAK_TARGET:.0%} of the FMA peak, 1T",
                     "-" if frac is None else f"{frac:.0%} of {peak:.1f} GFLOP/s",
                     verdict(None if frac is None else frac >= PEAK_TARGET)])
    worst = None
    for name, r in results.items():
        load = r.get("load", {})
        x = ratio((load.get("torch_export_load") or {}).get("median_ms"),
                  (load.get("pt2c") or {}).get("load_ms"))
        if x is not None and (worst is None or x < worst[1]):
            worst = (name, x)
    if worst:
        rows.append([f"load at least {LOAD_TARGET:g}x faster than torch.export.load",
                     f"slowest: {worst[0]} {worst[1]:.0f}x", verdict(worst[1] >= LOAD_TARGET)])
    gpt2 = results.get("gpt2", {}).get("checks", {}).get("pt2c")
    if gpt2 is not None:
        rows.append(["GPT-2 small runs", check_cell(gpt2), verdict(gpt2.get("ok"))])
    for t in threads[1:]:
        low = []
        for name in LARGE_MODELS:
            r = results.get(name)
            if not r:
                continue
            x = ratio(engine_ms(r["runs"].get(threads[0], {}).get("pt2c")),
                      engine_ms(r["runs"].get(t, {}).get("pt2c")))
            if x is None or x < SCALING_TARGET * int(t) / 2:
                low.append(f"{name} {fmt_ratio(x)}")
        rows.append([f"{t} threads give >= {SCALING_TARGET * int(t) / 2:g}x on the large models",
                     "below: " + ", ".join(low) if low else "all", verdict(not low)])
    lines += table(["target", "this run", "verdict"], rows) + [""]
    analysis = BENCH / "ANALYSIS.md"
    if analysis.exists():
        lines += analysis.read_text().rstrip().split("\n") + [""]
    return lines


def render_load_by_others(meta, results):
    """How busy the machine was with other work: the measurements it disturbed."""
    lines = ["## Machine load", "",
             f"Other processes' mean CPU use during each measurement (machine busy time minus "
             f"the measured process's own CPU time, from /proc/stat; steal counts as busy). "
             f"Before each measurement at T threads compare.py waited up to "
             f"{meta['settings']['quiet_wait_s']:g} s for other processes to leave T cores "
             f"free (to use at most cores − T + {QUIET_CORES:g}); a measurement during which "
             f"they did not is marked †. Load average at start / end: "
             f"{meta.get('loadavg_start', '?')} / {meta.get('loadavg_end', '?')}.", ""]
    rows, all_loads = [], []
    for name, r in results.items():
        for t, run in r.get("runs", {}).items():
            for e in ENGINES:
                res = run.get(e) or {}
                if "others_cores" not in res:
                    continue
                all_loads.append(res["others_cores"])
                if res["others_cores"] > QUIET_CORES:
                    rows.append([name, t, ENGINE_TITLES[e], f"{res['others_cores']:.2f}",
                                 f"{res.get('quiet_waited_s', 0):.0f}",
                                 "† yes" if disturbed(res) else "no"])
    if not all_loads:
        return lines + ["No measurements.", ""]
    lines.append(f"{len(all_loads)} measurements (the median rounds kept); others' CPU use median "
                 f"{float(np.median(all_loads)):.2f} cores, max {max(all_loads):.2f}; "
                 f"{len(rows)} above {QUIET_CORES:g} cores, of which "
                 f"{sum(r[-1] != 'no' for r in rows)} left too few cores free (†):")
    if rows:
        lines += [""] + table(["model", "threads", "engine", "others' cores", "waited s",
                               "disturbed"], rows)
    return lines + [""]


def render_markdown(meta, results):
    """The whole RESULTS.md from the raw numbers (results.json holds the same)."""
    lines = ["# pt2c against PyTorch eager and ONNX Runtime", "",
             f"Written by `{meta['command']}` on {meta['date']}. One run on one machine: "
             "compare the ratios within this file, not absolute times across runs. "
             "Method and traps: docs/benchmarking.md; models: bench/models.py (batch 1, fp32, "
             "random weights with calibrated BatchNorm statistics).", ""]
    if meta["settings"]["quick"]:
        lines += ["**--quick smoke run: too few iterations for the numbers to mean anything.**",
                  ""]
    lines += render_machine(meta)
    lines += render_checks(meta, results)
    lines += render_targets(meta, results)
    for t in meta["settings"]["threads"]:
        lines += render_speed(meta, results, t)
    lines += render_scaling(meta, results)
    lines += render_load(meta, results)
    lines += render_rss(meta, results)
    lines += render_profiles(meta, results)
    lines += render_load_by_others(meta, results)
    errors = [(n, k, r["info"][k]) for n, r in results.items()
              for k in ("pt2_error", "onnx_error") if k in r["info"]]
    if errors:
        lines += ["## Export errors (full text)", ""]
        for n, k, text in errors:
            lines += [f"### {n}: {'torch.export' if k == 'pt2_error' else 'torch.onnx.export'}",
                      "", "```", text.strip()[:4000], "```", ""]
    return "\n".join(lines).rstrip() + "\n"


# ------------------------------------------------------------------------------------------ #

def render_only(results_json, out_dir):
    """Rewrite RESULTS.md from a results.json: the report's text can change without a rerun."""
    doc = json.loads(results_json.read_text())
    out = Path(out_dir) if out_dir else results_json.parent
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "RESULTS.md", render_markdown(doc["meta"], doc["models"]))
    print(f"wrote {out / 'RESULTS.md'}")


def main(argv=None):
    started = time.perf_counter()
    argv = sys.argv[1:] if argv is None else argv
    settings = parse_args(argv)
    if isinstance(settings, argparse.Namespace):  # --render
        render_only(Path(settings.render), settings.out)
        return
    settings.work.mkdir(parents=True, exist_ok=True)
    settings.out.mkdir(parents=True, exist_ok=True)
    if not os.access(settings.pt2c, os.X_OK):
        sys.exit(f"compare.py: no pt2c binary at {settings.pt2c} (build it, or pass --pt2c)")
    compile_helpers(settings)
    torch.manual_seed(models.SEED)
    meta = {"command": " ".join(["python3", "bench/compare.py", *map(shlex.quote,
                                                                     sys.argv[1:])]),
            "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "machine": machine_info(), "versions": versions(settings),
            "pt2c_bench": pt2c_has_bench(settings),
            "settings": {k: (str(v) if isinstance(v, Path) else v)
                         for k, v in vars(settings).items()},
            "tolerance": {"rtol": RTOL, "atol": ATOL},
            "loadavg_start": " ".join(read_text("/proc/loadavg").split()[:3]),
            "env": {k: os.environ[k] for k in ("PT2C_ISA", "OMP_NUM_THREADS") if k in os.environ}}
    print(f"compare.py: {len(settings.models)} models, threads {settings.threads}, pt2c "
          f"{'bench' if meta['pt2c_bench'] else 'run (no bench verb)'}", flush=True)
    meta["fma_peak"] = fma_peak(settings)
    print(f"FMA peak: {meta['fma_peak']}", flush=True)
    # The floor costs two Python start-ups; a --quick smoke run does without it.
    meta["runtime_floor_rss"] = {} if settings.quick else runtime_floor(settings)
    results = {}
    for position, name in enumerate(settings.models):
        t0 = time.perf_counter()
        print(f"{name}: preparing", flush=True)
        info = prepare(name, settings)
        print(f"{name}: {info['gflop']:.3g} GFLOP, measuring", flush=True)
        results[name] = {"info": info,
                         **measure_model(info, settings, meta["pt2c_bench"], position)}
        print(f"{name}: done in {time.perf_counter() - t0:.0f} s", flush=True)
    meta["elapsed_s"] = round(time.perf_counter() - started, 1)
    meta["loadavg_end"] = " ".join(read_text("/proc/loadavg").split()[:3])
    doc = {"meta": meta, "models": results}
    write_atomic(settings.out / "results.json", json.dumps(doc, indent=1) + "\n")
    write_atomic(settings.out / "RESULTS.md", render_markdown(meta, results))
    print(f"wrote {settings.out / 'RESULTS.md'} and {settings.out / 'results.json'}")


if __name__ == "__main__":
    main()
