#!/usr/bin/env python3
"""Run PyTorch's OpInfo samples through pt2c in both dialects and report, by outcome and by
reason (opinfo.py says what each outcome means). CI runs a fixed subset (test_opinfo.py);
this runs everything:

    python3 tests/oracle/opinfo_report.py --binary build/pt2c [--dtypes float32,int64]
        [--samples 3] [--ops add,mul] [--jobs 2] [--json out.json] [--markdown out.md]

Exit status 1 when any sample gives wrong values or crashes pt2c."""
import argparse
import json
import sys
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402

import opinfo  # noqa: E402


def _one(job):
    binary, index, dtype_name, limit = job
    op = opinfo.op_db()[index]
    dtype = getattr(torch, dtype_name)
    if dtype not in op.supported_dtypes("cpu"):
        return []
    out = []
    for k, s in enumerate(opinfo.samples(op, dtype, limit)):
        try:
            out += [asdict(r) for r in opinfo.run_sample(binary, op, s, k, dtype)]
        except Exception as e:  # noqa: BLE001 - a sample torch itself cannot handle
            out += [asdict(opinfo.Result(opinfo.op_name(op), dtype_name, k, d, "torch",
                                         f"harness: {type(e).__name__}"))
                    for d in ("export", "core")]
    return out


def summarize(results):
    lines = []
    by_dialect = defaultdict(Counter)
    for r in results:
        by_dialect[r["dialect"]][r["outcome"]] += 1
    keys = sorted({(r["op"], r["dtype"], r["sample"]) for r in results})
    both = sum(1 for k in keys
               if all(r["outcome"] == "pass" for r in results
                      if (r["op"], r["dtype"], r["sample"]) == k))
    counted = [k for k in keys if not any(r["outcome"] in ("torch", "unsupported")
                                          for r in results
                                          if (r["op"], r["dtype"], r["sample"]) == k)]
    lines.append(f"samples: {len(keys)}; pass in both dialects: {both}; "
                 f"runnable by torch and expressible: {len(counted)} "
                 f"({100.0 * both / max(1, len(counted)):.1f}% of those pass)")
    for d, c in sorted(by_dialect.items()):
        lines.append(f"  {d:6s} " + ", ".join(f"{o} {c[o]}" for o in opinfo.OUTCOMES if c[o]))
    missing = Counter(r["detail"] for r in results if r["outcome"] == "no_kernel")
    if missing:
        lines.append("missing kernels (programs): " +
                     ", ".join(f"{k} {v}" for k, v in missing.most_common()))
    for outcome in ("wrong", "crash", "refused"):
        rows = [r for r in results if r["outcome"] == outcome]
        if rows:
            lines.append(f"{outcome}:")
            lines += [f"  {r['op']} {r['dtype']} #{r['sample']} {r['dialect']}: {r['detail']}"
                      for r in rows]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", default="build/pt2c")
    ap.add_argument("--dtypes", default="float32")
    ap.add_argument("--samples", type=int, default=3)
    ap.add_argument("--ops", default="", help="comma-separated OpInfo names (default: all)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", default="")
    ap.add_argument("--markdown", default="")
    a = ap.parse_args()
    binary = str(Path(a.binary).resolve())
    wanted = set(filter(None, a.ops.split(",")))
    db = opinfo.op_db()
    jobs = [(binary, i, d, a.samples) for i, op in enumerate(db)
            if not wanted or op.name in wanted or opinfo.op_name(op) in wanted
            for d in a.dtypes.split(",")]
    results = []
    with ProcessPoolExecutor(max_workers=a.jobs) as pool:
        for n, rows in enumerate(pool.map(_one, jobs, chunksize=4)):
            results += rows
            if sys.stderr.isatty():
                print(f"\r{n + 1}/{len(jobs)}", end="", file=sys.stderr)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    text = summarize(results)
    print(text)
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=1))
    if a.markdown:
        Path(a.markdown).write_text("```\n" + text + "\n```\n")
    return 1 if any(r["outcome"] in ("wrong", "crash") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
