"""pt2c on the same model in both dialects: the training IR torch.export.export gives and
Core ATen after run_decompositions(), side by side: bench/DIALECTS.md.

    python3 bench/dialects.py [--models bert_base,vit_s16,gpt2] [--rounds 5]
                              [--iterations 10] [--threads 1] [--pt2c BINARY] [--out DIR]

Core ATen is what backends consume: linear is permute + addmm, attention is bmm, softmax
and bmm, views are separate nodes. pt2c's default graph passes (PT2C_DEFAULT_PASSES:
functionalize, cse, fold_transposes, fold_constants, fuse_attention, fuse_activations,
fuse_norms, dce) are what close the gap: the table also shows Core ATen
with `--passes none`, the graph as exported. Each round times every variant once, one after
another (`pt2c bench --json`, median of --iterations runs); the report keeps each variant's
median round. The issue's target: Core ATen within 1.15x of the training IR.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import models  # noqa: E402  (bench/models.py: the real-size models)

TARGET = 1.15
VARIANTS = [("training IR", "export", None), ("Core ATen", "core", None),
            ("Core ATen, --passes none", "core", "none")]


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="bert_base,vit_s16,gpt2")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--iterations", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--pt2c", default=os.environ.get("PT2C_BIN",
                                                     str(BENCH.parent / "build" / "pt2c")))
    ap.add_argument("--work", default=str(BENCH / "_work" / "dialects"))
    ap.add_argument("--out", default=str(BENCH))
    return ap.parse_args(argv)


def export(name, work):
    """Both dialects of one model as .pt2 files, and its inputs as .npy."""
    d = Path(work) / name
    d.mkdir(parents=True, exist_ok=True)
    model, inputs = models.build(name)
    files = []
    for i, x in enumerate(inputs):
        files.append(d / f"in{i}.npy")
        np.save(files[-1], x.numpy())
    paths = {"export": d / "export.pt2", "core": d / "core.pt2"}
    torch.export.save(torch.export.export(model, inputs), str(paths["export"]))
    # From the reloaded program, as a user holding a .pt2 would decompose it.
    core = torch.export.load(str(paths["export"])).run_decompositions()
    torch.export.save(core, str(paths["core"]))
    return paths, files


def bench_once(pt2c, path, files, threads, iterations, passes):
    args = [pt2c, "bench", str(path), "--threads", str(threads), "--iterations",
            str(iterations), "--json"]
    for f in files:
        args += ["-i", str(f)]
    if passes:
        args += ["--passes", passes]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip()}
    report = json.loads(proc.stdout[proc.stdout.index("{"):])
    return {"median_ms": report["median_ms"], "passes_ms": report.get("passes_ms"),
            "load_ms": report["load_ms"]}


def render(results, settings):
    lines = ["# pt2c: training IR against Core ATen", "",
             "Written by `python3 bench/dialects.py` (see its docstring for the method). "
             f"{settings['threads']} thread(s), {settings['rounds']} rounds of "
             f"{settings['iterations']} runs; median ms of the median round.", "",
             "| model | " + " | ".join(v[0] for v in VARIANTS) +
             " | Core ATen / training IR | target (<= 1.15) |",
             "|---|" + "---|" * (len(VARIANTS) + 2)]
    for name, r in results.items():
        ms = [r.get(v[0], {}).get("median_ms") for v in VARIANTS]
        ratio = ms[1] / ms[0] if ms[0] and ms[1] else None
        cells = [f"{m:.1f}" if m else "✗" for m in ms]
        lines.append(f"| {name} | " + " | ".join(cells) + " | " +
                     (f"{ratio:.2f}" if ratio else "-") + " | " +
                     ("-" if ratio is None else "met" if ratio <= TARGET else "**missed**") + " |")
    lines += ["", "Rounds (ms), each variant in order:", ""]
    for name, r in results.items():
        for v in VARIANTS:
            rounds = r.get(v[0], {}).get("rounds_ms", [])
            lines.append(f"- {name}, {v[0]}: " + ", ".join(f"{x:.1f}" for x in rounds))
    return "\n".join(lines) + "\n"


def main(argv):
    a = parse_args(argv)
    results = {}
    for name in a.models.split(","):
        print(f"{name}: exporting both dialects", flush=True)
        paths, files = export(name, a.work)
        runs = {v[0]: [] for v in VARIANTS}
        for rnd in range(a.rounds):
            order = VARIANTS[rnd % len(VARIANTS):] + VARIANTS[:rnd % len(VARIANTS)]
            for label, dialect, passes in order:
                runs[label].append(bench_once(a.pt2c, paths[dialect], files, a.threads,
                                              a.iterations, passes))
        results[name] = {}
        for label, got in runs.items():
            timed = sorted((g for g in got if "median_ms" in g), key=lambda g: g["median_ms"])
            if not timed:
                results[name][label] = {"error": got[0].get("error")}
                continue
            results[name][label] = {**timed[(len(timed) - 1) // 2],
                                    "rounds_ms": [g.get("median_ms") for g in got]}
        print("  " + ", ".join(f"{k} {v.get('median_ms', float('nan')):.1f} ms"
                               for k, v in results[name].items()), flush=True)
    settings = {"threads": a.threads, "rounds": a.rounds, "iterations": a.iterations}
    out = Path(a.out)
    for fname, text in (("DIALECTS.md", render(results, settings)),
                        ("dialects.json", json.dumps({"settings": settings,
                                                      "results": results}, indent=1))):
        with tempfile.NamedTemporaryFile("w", dir=out, delete=False) as f:
            f.write(text)
        os.replace(f.name, out / fname)
    print((out / "DIALECTS.md").read_text())


if __name__ == "__main__":
    main(sys.argv[1:])
