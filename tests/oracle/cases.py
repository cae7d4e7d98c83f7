"""Shared fixtures for the op-level oracle tests (test_ops_*.py, test_views.py, ...): a module
around a one-line function, export in a dialect, run pt2c on the saved file, read its
outputs and compare them with eager PyTorch. Model-level programs (the zoo) are in
programs.py; the pt2c runner is conftest.run_pt2c."""
import re

import numpy as np
import pytest
import torch
import torch.nn as nn

from conftest import run_pt2c
from programs import ATOL, RTOL


def flatten(out):
    """Tensors of a (nested) output in pytree order: what pt2c writes as output_k.npy."""
    if isinstance(out, torch.Tensor):
        return [out]
    flat = []
    for o in out:
        flat.extend(flatten(o))
    return flat


class Fn(nn.Module):
    """A module around fn(self, *inputs), so every case is one line. Submodules are reached
    as self.mods[k]; params become parameters (weights), buffers buffers. Outputs come out
    as a flat tuple: torch.return_types (max, topk, ...) do not serialize as outputs."""

    def __init__(self, fn, *mods, params=None, buffers=None):
        super().__init__()
        self.fn = fn
        self.mods = nn.ModuleList(mods)
        for k, v in (params or {}).items():
            self.register_parameter(k, nn.Parameter(v, requires_grad=False))
        for k, v in (buffers or {}).items():
            self.register_buffer(k, v)

    def forward(self, *xs):
        return tuple(flatten(self.fn(self, *xs)))


def export(module, inputs, dialect, dynamic_shapes=None):
    """The default training IR, or Core ATen after run_decompositions() for "core"."""
    ep = torch.export.export(module, tuple(inputs), dynamic_shapes=dynamic_shapes)
    return ep.run_decompositions() if dialect == "core" else ep


def eager(module, inputs):
    with torch.no_grad():
        return flatten(module(*inputs))


def save_inputs(tmp_path, inputs, tag=""):
    """Each input as in{tag}_{k}.npy; the `-i` arguments of pt2c run."""
    args = []
    for i, x in enumerate(inputs):
        f = tmp_path / f"in{tag}_{i}.npy"
        np.save(f, x.detach().numpy())
        args += ["-i", f]
    return args


def read_outputs(out_dir):
    """Every output_k.npy pt2c wrote, in order."""
    outs, k = [], 0
    while (out_dir / f"output_{k}.npy").exists():
        outs.append(np.load(out_dir / f"output_{k}.npy"))
        k += 1
    return outs


def run_saved(tmp_path, ep, inputs, tag="", threads=1, extra=()):
    """Save ep and run pt2c on inputs: (completed process, outputs; [] when it failed)."""
    path = tmp_path / f"m{tag}.pt2"
    torch.export.save(ep, str(path))
    out_dir = tmp_path / f"out{tag}_{threads}"
    r = run_pt2c("run", path, *save_inputs(tmp_path, inputs, tag), "-o", out_dir, "--threads",
                 threads, *extra)
    return r, (read_outputs(out_dir) if r.returncode == 0 else [])


def skip_other_family(stderr, owns):
    """A case of one op family may reach an op of another; a kernel missing there is that
    family's failure, not this one's. owns(target) says whether this family registers it:
    then the failure stands."""
    m = re.search(r"no kernel for op (\S+)", stderr)
    if m and not owns(m.group(1)):
        pytest.skip(f"other family's op missing: {m.group(1)}")


def check(expected, outs, rtol=RTOL, atol=ATOL):
    """pt2c's outputs against eager's: count, dtype and shape exact; floats (and complex)
    within tolerance, integers and bools exact."""
    assert len(outs) == len(expected), f"{len(outs)} outputs, expected {len(expected)}"
    for i, (got, e) in enumerate(zip(outs, expected)):
        e = e.detach().contiguous().numpy()
        assert got.dtype == e.dtype, f"output {i}: dtype {got.dtype} != {e.dtype}"
        assert got.shape == e.shape, f"output {i}: shape {got.shape} != {e.shape}"
        if e.dtype.kind in "fc":
            np.testing.assert_allclose(got, e, rtol=rtol, atol=atol, err_msg=f"output {i}")
        else:
            np.testing.assert_array_equal(got, e, err_msg=f"output {i}")


def assert_same_bits(a, b, what):
    """Two runs that must agree bit for bit (thread counts, fused vs unfused, views)."""
    assert len(a) == len(b), f"{what}: {len(a)} outputs vs {len(b)}"
    for i, (x, y) in enumerate(zip(a, b)):
        assert x.dtype == y.dtype and x.shape == y.shape, f"{what}: output {i} differs in kind"
        assert x.tobytes() == y.tobytes(), f"{what}: output {i} differs"
