"""Zoo programs shared by the oracle tests: each zoo model exported once per batch per
session in both dialects (the default training IR, and core ATen after
`run_decompositions()`), with its inputs as .npy files and PyTorch eager's outputs; and the
helpers that read and compare pt2c's outputs."""
from dataclasses import dataclass
from pathlib import Path
from typing import List

import numpy as np
import torch
import torch.utils._pytree as pytree

from zoo import DIALECTS, build, example_inputs

RTOL, ATOL = 1e-4, 1e-5


# ---------------------------------------------------------------------------------------- #
# Exported programs and their expected outputs

@dataclass
class Program:
    path: Path                  # the .pt2 file
    inputs: List[Path]          # one .npy per user input, in signature order
    expected: List[np.ndarray]  # eager outputs, pytree-flattened (user-output order)
    ep: torch.export.ExportedProgram


def export_both(root, name, batch):
    """Export `name` at `batch` once and save it in both dialects, with shared inputs."""
    d = root / f"{name}-b{batch}"
    d.mkdir(parents=True, exist_ok=True)
    model = build(name)
    inputs = example_inputs(name, batch)
    with torch.no_grad():
        expected = [t.detach().numpy().copy() for t in pytree.tree_leaves(model(*inputs))]
    paths = []
    for i, t in enumerate(inputs):
        paths.append(d / f"in{i}.npy")
        np.save(paths[-1], t.numpy())
    ep = torch.export.export(model, inputs)
    progs = {}
    for dialect in DIALECTS:
        prog_ep = ep if dialect == "export" else ep.run_decompositions()
        path = d / f"{dialect}.pt2"
        torch.export.save(prog_ep, str(path))
        progs[dialect] = Program(path, paths, expected, prog_ep)
    return progs


def make_zoo_program(workdir):
    """(name, dialect, batch) -> Program; each model is exported once per batch per session,
    lazily, so selecting a few tests with -k does not pay for exporting the whole zoo."""
    root = workdir / "zoo"
    cache = {}

    def get(name, dialect, batch):
        if (name, batch) not in cache:
            cache[(name, batch)] = export_both(root, name, batch)
        return cache[(name, batch)][dialect]
    return get


def input_args(prog):
    return [a for p in prog.inputs for a in ("-i", p)]


# ---------------------------------------------------------------------------------------- #
# Comparing outputs

def load_outputs(out_dir, n):
    got = []
    for i in range(n):
        f = Path(out_dir) / f"output_{i}.npy"
        assert f.exists(), f"pt2c wrote no {f.name}; PyTorch returns {n} outputs"
        got.append(np.load(f))
    extra = Path(out_dir) / f"output_{n}.npy"
    assert not extra.exists(), f"pt2c wrote {extra.name}; PyTorch returns only {n} outputs"
    return got


def max_abs_error(got, expected):
    """Largest |pt2c - torch| over all outputs whose shapes agree (None if none do)."""
    errs = []
    for g, e in zip(got, expected):
        if g.shape != e.shape:
            continue
        g64, e64 = g.astype(np.float64), e.astype(np.float64)
        with np.errstate(invalid="ignore"):
            diff = np.where(g64 == e64, 0.0, np.abs(g64 - e64))  # equal infinities: 0
        errs.append(float(np.max(diff)) if diff.size else 0.0)
    return max(errs) if errs else None


def assert_outputs_match(got, expected):
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected)):
        assert g.dtype == e.dtype, f"output {i}: dtype {g.dtype}, PyTorch gives {e.dtype}"
        assert g.shape == e.shape, f"output {i}: shape {g.shape}, PyTorch gives {e.shape}"
        if np.issubdtype(e.dtype, np.floating):
            np.testing.assert_allclose(g, e, rtol=RTOL, atol=ATOL, err_msg=f"output {i}")
        else:
            np.testing.assert_array_equal(g, e, err_msg=f"output {i}")


