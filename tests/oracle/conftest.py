"""Shared fixtures for the pt2c oracle tests (PyTorch is the oracle)."""
import os
import subprocess
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[2]
torch.manual_seed(0)


def pt2c_bin():
    return os.environ.get("PT2C_BIN", str(REPO / "build" / "pt2c"))


def run_pt2c(*args, binary=None, env=None, timeout=60):
    return subprocess.run([binary or pt2c_bin(), *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, env=env)


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("oracle")


@pytest.fixture(scope="session")
def saved_models(workdir):
    """name -> (path, loaded ExportedProgram); each model exported once per session."""
    from models import SPECS, export_spec
    out = {}
    for name in SPECS:
        torch.manual_seed(0)
        ep = export_spec(name)
        path = workdir / f"{name}.pt2"
        torch.export.save(ep, str(path))
        out[name] = (path, torch.export.load(str(path)))
    return out


@pytest.fixture(scope="session")
def zoo_program(workdir):
    """(name, dialect, batch) -> programs.Program, exported lazily once per session."""
    from programs import make_zoo_program
    return make_zoo_program(workdir)


def norm(s):
    lines = [l.rstrip() for l in s.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


# Rows (model, dialect, batch, result, max abs error) appended by test_run.py; printed as one
# table after the run so a reviewer sees the accuracy of every zoo case at a glance, including
# the passing ones (pytest only shows numbers for failures).
ZOO_RESULTS = []


def pytest_terminal_summary(terminalreporter):
    if not ZOO_RESULTS:
        return
    tr = terminalreporter
    tr.section("pt2c vs PyTorch eager on the model zoo")
    rows = ZOO_RESULTS  # test order, which is zoo order
    width = max(len(r[0]) for r in rows)
    tr.write_line(f"{'model':<{width}}  {'dialect':<9}  batch  {'max abs err':>11}  result")
    for model, dialect, batch, result, err in rows:
        err_s = "-" if err is None else f"{err:.3g}"
        tr.write_line(f"{model:<{width}}  {dialect:<9}  {batch:>5}  {err_s:>11}  {result}")
    n_ok = sum(r[3] == "ok" for r in rows)
    tr.write_line(f"{n_ok} of {len(rows)} zoo cases match PyTorch")
