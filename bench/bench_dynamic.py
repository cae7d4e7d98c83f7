"""Dynamic shapes: what a size change costs in pt2c, with and without a plan-cache hit.

    python3 bench/bench_dynamic.py [--rounds 50]

Exports the zoo's transformer encoder with dynamic batch and sequence, then times pt2c on
input sets that alternate between two sizes (every switch re-shapes; after the first two,
every switch is a plan-cache hit), against the same number of runs at one fixed size (no
switch at all). Also prints the cache counts `pt2c run --verbose` reports, and PyTorch
eager for the same inputs. Numbers are measurements of this machine; nothing is asserted.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch.export import Dim

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "oracle"))
import zoo  # noqa: E402


def pt2c_time(binary, path, files, rounds):
    args = [binary, "run", str(path), "--verbose"]
    for k in range(rounds):
        for j, f in enumerate(files):
            args += (["--next"] if k or j else []) + ["-i", str(f)]
    t0 = time.perf_counter()
    r = subprocess.run(args, capture_output=True, text=True, timeout=600)
    dt = time.perf_counter() - t0
    if r.returncode:
        sys.exit(r.stderr)
    m = re.search(r"plans: (\d+) shaped from scratch, (\d+) reused", r.stdout)
    return dt, int(m.group(1)), int(m.group(2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--pt2c", default=os.environ.get("PT2C_BIN", str(REPO / "build" / "pt2c")))
    a = ap.parse_args()
    model = zoo.build("transformer_encoder")
    dims = {"x": {0: Dim("batch", min=1, max=8), 1: Dim("seq", min=2, max=64)}}
    ep = torch.export.export(model, (torch.randn(2, 10, 32),), dynamic_shapes=dims)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "enc.pt2"
        torch.export.save(ep, str(path))
        xs = [torch.randn(2, 17, 32), torch.randn(4, 40, 32)]
        files = []
        for i, x in enumerate(xs):
            files.append(Path(tmp) / f"x{i}.npy")
            np.save(files[-1], x.numpy())
        # Process start and load are in every timing. Without switching cost, alternating
        # would take the mean of the two fixed-size timings.
        fixed_a, _, _ = pt2c_time(a.pt2c, path, [files[0], files[0]], a.rounds)
        fixed_b, p1, h1 = pt2c_time(a.pt2c, path, [files[1], files[1]], a.rounds)
        fixed = (fixed_a + fixed_b) / 2
        alt, p2, h2 = pt2c_time(a.pt2c, path, files, a.rounds)
        runs = 2 * a.rounds
        torch.set_num_threads(1)
        with torch.inference_mode():
            t0 = time.perf_counter()
            for _ in range(a.rounds):
                for x in xs:
                    model(x)
            eager = time.perf_counter() - t0
    print(f"{runs} runs, one process each way, 1 thread")
    print(f"  pt2c, one size (mean of the two sizes): {fixed * 1e3:8.1f} ms  (plans {p1}, "
          f"cache hits {h1} each)")
    print(f"  pt2c, alternating sizes:                {alt * 1e3:8.1f} ms  (plans {p2}, "
          f"cache hits {h2})")
    print(f"  PyTorch eager, alternating sizes (no process start): {eager * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
