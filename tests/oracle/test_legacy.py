"""Real legacy-layout archives (PyTorch 2.6), copied from shared/data/legacy-pt2 into
tests/data/legacy-pt2 so a clean checkout tests them."""
import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from conftest import run_pt2c

LEGACY = Path(__file__).resolve().parents[2] / "tests" / "data" / "legacy-pt2"
FILES = sorted(LEGACY.glob("*.pt2"))
# An empty glob would silently parametrize nothing.
assert len(FILES) == 2, f"expected the two legacy archives in {LEGACY}"
README_OPS = {"conv2d", "relu", "max_pool2d", "mul.Tensor", "view", "linear"}


def _member(path, name):
    with zipfile.ZipFile(path) as z:
        m = [n for n in z.namelist() if n.endswith(name)]
        return z.read(m[0])


def _json_ops(path):
    doc = json.loads(_member(path, "serialized_exported_program.json"))
    return [n["target"] for n in doc["graph_module"]["graph"]["nodes"]]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_graph_ops(path):
    r = run_pt2c("show", path, "--graph")
    assert r.returncode == 0, r.stderr
    shown = re.findall(r"call_function\[target=([\w.]+)\]", r.stdout)
    exp = _json_ops(path)
    short = [t.replace("torch.ops.", "") for t in exp]
    assert [s.replace("torch.ops.", "") for s in shown] == short
    for t in short:
        assert any(o in t for o in README_OPS), t


def _torch_load(path, name):
    return torch.load(io.BytesIO(_member(path, name)), weights_only=True)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_weights(path, tmp_path):
    r = run_pt2c("extract", path, tmp_path)
    assert r.returncode == 0, r.stderr
    sd = _torch_load(path, "serialized_state_dict.pt")
    assert sd
    for k, t in sd.items():
        got = np.load(tmp_path / f"{k}.npy")
        exp = t.detach().contiguous().numpy()
        assert got.shape == exp.shape and got.dtype == exp.dtype
        assert got.tobytes() == exp.tobytes()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_sample_input(path, tmp_path):
    r = run_pt2c("extract", path, tmp_path)
    assert r.returncode == 0, r.stderr
    ex = _torch_load(path, "serialized_example_inputs.pt")
    args = ex[0] if isinstance(ex, tuple) else ex
    x = args[0] if isinstance(args, (tuple, list)) else args
    got = np.load(tmp_path / "sample_inputs" / "x.npy")
    assert got.tobytes() == x.contiguous().numpy().tobytes()
    assert got.shape == (1, 3, 32, 32)
