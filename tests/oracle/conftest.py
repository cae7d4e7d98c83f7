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


def run_pt2c(*args, binary=None, env=None):
    return subprocess.run([binary or pt2c_bin(), *map(str, args)], capture_output=True,
                          text=True, timeout=60, env=env)


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


def norm(s):
    lines = [l.rstrip() for l in s.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)
