"""Which ATen ops the model zoo needs, per export dialect, and which pt2c still lacks.

    python3 tests/oracle/zoo_ops.py                      # ops per dialect, with their models
    python3 tests/oracle/zoo_ops.py --missing build/pt2c # also: what `pt2c check` rejects

Every zoo model is exported at batch 1, as `torch.export.export` gives it ("export") and
after `run_decompositions()` ("core_aten"), exactly as tests/oracle/test_run.py does, so
this is the to-do list for making that test pass.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import warnings
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402

from zoo import DIALECTS, ZOO, build, example_inputs  # noqa: E402


def target_name(t):
    """The target as the .pt2 JSON spells it: torch.ops.aten.conv2d.default."""
    if isinstance(t, torch._ops.OpOverload):
        return f"torch.ops.{t}"
    return f"{getattr(t, '__module__', '?')}.{getattr(t, '__name__', t)}"


def graph_targets(ep):
    # operator.getitem only unpacks multi-output nodes; the serializer folds it into the
    # producing node's outputs, so it is not an op pt2c ever sees.
    return {target_name(n.target) for n in ep.graph.nodes
            if n.op == "call_function" and target_name(n.target) != "_operator.getitem"}


def export_zoo(out_dir):
    """{dialect: {model: (path, targets)}} for every zoo model at batch 1."""
    progs = defaultdict(dict)
    for name in ZOO:
        model, inputs = build(name), example_inputs(name, 1)
        ep = torch.export.export(model, inputs)
        for dialect in DIALECTS:
            e = ep if dialect == "export" else ep.run_decompositions()
            path = Path(out_dir) / f"{name}-{dialect}.pt2"
            torch.export.save(e, str(path))
            progs[dialect][name] = (path, graph_targets(e))
    return progs


CHECK_LINE = re.compile(r"node \d+ '[^']*' \((?P<target>[^)]*)\): (?P<problem>.*)$")


def check(binary, path):
    """{target: problem} for every node `pt2c check` rejects."""
    r = subprocess.run([binary, "check", str(path)], capture_output=True, text=True, timeout=120)
    bad = {}
    for line in r.stderr.splitlines():
        m = CHECK_LINE.search(line)
        if m:
            bad.setdefault(m["target"], m["problem"])
    if r.returncode != 0 and not bad:
        bad["?"] = r.stderr.strip()
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--missing", metavar="PT2C_BIN", help="run `PT2C_BIN check` on each")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        progs = export_zoo(tmp)
        for dialect in DIALECTS:
            users = defaultdict(list)
            for name, (_, targets) in progs[dialect].items():
                for t in targets:
                    users[t].append(name)
            print(f"== {dialect}: {len(users)} ops")
            for t in sorted(users):
                print(f"  {t:<58} {', '.join(users[t])}")
            print()
        if not args.missing:
            return 0
        binary = os.path.abspath(args.missing)
        n_bad = 0
        for dialect in DIALECTS:
            missing, ok = defaultdict(list), []
            for name, (path, _) in progs[dialect].items():
                bad = check(binary, path)
                if not bad:
                    ok.append(name)
                for t, problem in bad.items():
                    missing[(t, problem)].append(name)
            n_bad += len(missing)
            print(f"== {dialect}: pt2c check rejects {len(missing)} op(s); "
                  f"{len(ok)} of {len(progs[dialect])} models pass")
            for (t, problem), names in sorted(missing.items()):
                print(f"  {t:<58} {problem}: {', '.join(names)}")
            print(f"  passing: {', '.join(ok) or '(none)'}")
            print()
        return 1 if n_bad else 0


if __name__ == "__main__":
    sys.exit(main())
