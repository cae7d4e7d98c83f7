"""Speed of pt2c against PyTorch eager on the zoo models, same inputs, same thread count.

    python3 bench/bench_zoo.py [--threads 1,2] [--iterations 50] [--models resnet18,gpt2]

For each model: export and save (the default training IR, batch 1), then time
`pt2c run --iterations N --threads T` (mean per run after the first, which also plans
buffers) and PyTorch eager under torch.inference_mode with torch.set_num_threads(T) (mean
after a warm-up run). Prints one table; the ratio is pt2c time / PyTorch time (below 1 means
pt2c is faster). Numbers are measurements of this machine, not assertions: nothing fails.
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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "oracle"))
import zoo  # noqa: E402  (the model definitions the tests use)


def time_torch(model, inputs, iterations, threads):
    torch.set_num_threads(threads)
    with torch.inference_mode():
        model(*inputs)
        t0 = time.perf_counter()
        for _ in range(iterations):
            model(*inputs)
    return (time.perf_counter() - t0) * 1e3 / iterations


def time_pt2c(binary, path, input_files, iterations, threads):
    args = [binary, "run", str(path), "--iterations", str(iterations + 1), "--threads",
            str(threads)]
    for f in input_files:
        args += ["-i", str(f)]
    r = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        return None, r.stderr.strip().splitlines()[-1] if r.stderr else "failed"
    m = re.search(r"([0-9.]+) ms per run", r.stdout)
    return float(m.group(1)), ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--iterations", type=int, default=30)
    ap.add_argument("--models", default=",".join(zoo.ZOO))
    ap.add_argument("--pt2c", default=os.environ.get("PT2C_BIN", str(REPO / "build" / "pt2c")))
    a = ap.parse_args()
    threads = [int(t) for t in a.threads.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name in a.models.split(","):
            model = zoo.build(name)
            inputs = zoo.example_inputs(name, 1)
            ep = torch.export.export(model, inputs)
            path = tmp / f"{name}.pt2"
            torch.export.save(ep, str(path))
            files = []
            for i, x in enumerate(inputs):
                files.append(tmp / f"{name}_in{i}.npy")
                np.save(files[-1], x.numpy())
            for t in threads:
                ms_torch = time_torch(model, inputs, a.iterations, t)
                ms_pt2c, why = time_pt2c(a.pt2c, path, files, a.iterations, t)
                rows.append((name, t, ms_torch, ms_pt2c, why))
    print(f"{'model':22} {'threads':>7} {'torch ms':>9} {'pt2c ms':>9} {'ratio':>7}")
    for name, t, mt, mp, why in rows:
        if mp is None:
            print(f"{name:22} {t:7d} {mt:9.3f} {'-':>9} {'-':>7}  {why}")
        else:
            print(f"{name:22} {t:7d} {mt:9.3f} {mp:9.3f} {mp / mt:7.2f}")


if __name__ == "__main__":
    main()
