"""`pt2c opt IN -o OUT` writes the program back as a .pt2 that torch.export.load reads.

For every zoo model (batch 1, both dialects), the models test_show.py compares with PyTorch,
a dynamic-shape program and the two real legacy archives: OUT must load in PyTorch and give
eager's outputs, `pt2c run OUT` must too, and every view of `pt2c show` that describes the
program (not the file) must be the same for IN and OUT, and equal PyTorch's own view of the
reloaded OUT where test_show.py compares with PyTorch. Also: the archive layout torch
writes (root folder, entries, alignment, tied weights sharing one payload), one-line errors,
atomic replacement.
"""
import json
import os
import re
import zipfile

import numpy as np
import pytest
import torch
import torch.utils._pytree as pytree
from torch.export import Dim

from conftest import norm, run_pt2c
from models import SPECS
from programs import assert_outputs_match, input_args, load_outputs
from test_dynamic import CASES as DYNAMIC_CASES
from test_legacy import FILES as LEGACY_FILES
from test_legacy import _torch_load
from test_run import LEGACY_MODELS
from zoo import DIALECTS, cases

pytestmark = pytest.mark.filterwarnings("ignore")

# Views that describe the program itself; --summary and --json also describe the file.
SAME_VIEWS = ["", "--graph", "--code", "--signature", "--state-dict", "--constants",
              "--sample-inputs", "--range-constraints"]
ZOO_CASES = [(n, d, min(b for m, b in cases() if m == n))
             for n in dict.fromkeys(m for m, _ in cases()) for d in DIALECTS]


def opt(src, dst):
    r = run_pt2c("opt", src, "-o", dst, "--passes", "none", "--quiet", timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    return dst


def show(path, view):
    r = run_pt2c("show", *([view] if view else []), path)
    assert r.returncode == 0, r.stderr
    return r.stdout


def assert_same_views(src, dst):
    for view in SAME_VIEWS:
        assert norm(show(dst, view)) == norm(show(src, view)), f"pt2c show {view or '(readable)'}"


def assert_torch_views(dst, ep):
    """pt2c's view of OUT equals PyTorch's view of OUT, as test_show.py checks for IN."""
    assert norm(show(dst, "--code")) == norm(ep.graph_module.code)
    assert norm(show(dst, "--graph")) == norm(str(ep.graph_module.graph))
    assert norm(show(dst, "--signature")) == norm(str(ep.graph_signature))


def torch_outputs(ep, args):
    with torch.no_grad():
        return [t.detach().numpy().copy() for t in pytree.tree_leaves(ep.module()(*args))]


def entries(path):
    with zipfile.ZipFile(path) as z:
        return z.namelist()


# ---------------------------------------------------------------------------------------- #
# The zoo: PyTorch reloads OUT and runs it; pt2c runs it; views survive

@pytest.mark.parametrize("name,dialect,batch", ZOO_CASES,
                         ids=[f"{n}-{d}-b{b}" for n, d, b in ZOO_CASES])
def test_zoo_round_trip(zoo_program, tmp_path, name, dialect, batch):
    prog = zoo_program(name, dialect, batch)
    out = opt(prog.path, tmp_path / "out.pt2")
    ep = torch.export.load(str(out))
    args = [torch.from_numpy(np.load(p)) for p in prog.inputs]
    assert_outputs_match(torch_outputs(ep, args), prog.expected)
    r = run_pt2c("run", out, *input_args(prog), "-o", tmp_path / "run", timeout=120)
    assert r.returncode == 0, r.stderr
    assert_outputs_match(load_outputs(tmp_path / "run", len(prog.expected)), prog.expected)
    assert_same_views(prog.path, out)
    assert_torch_views(out, ep)
    # Tied weights (GPT-2's LM head and embedding) share a payload, as in torch's file.
    payloads = [sorted(n.split("/", 1)[1] for n in entries(p) if "/data/weights/weight_" in n)
                for p in (prog.path, out)]
    assert payloads[0] == payloads[1]


# ---------------------------------------------------------------------------------------- #
# test_show.py's models: the file matches torch's own, entry for entry

@pytest.mark.parametrize("name", list(SPECS))
def test_models_round_trip(saved_models, tmp_path, name):
    path, ep_in = saved_models[name]
    out = opt(path, tmp_path / "again.pt2")
    ep = torch.export.load(str(out))
    assert_same_views(path, out)
    assert_torch_views(out, ep)
    if ep_in.example_inputs is not None:
        args, kwargs = ep_in.example_inputs
        with torch.no_grad():
            want = pytree.tree_leaves(ep_in.module()(*args, **kwargs))
            got = pytree.tree_leaves(ep.module()(*args, **kwargs))
        for g, w in zip(got, want, strict=True):
            torch.testing.assert_close(g, w, rtol=1e-4, atol=1e-5)
    # Same entries as torch.export.save wrote, under a root named after the file, each
    # 64-byte aligned; the program JSON reads back to the same document.
    with zipfile.ZipFile(path) as zi, zipfile.ZipFile(out) as zo:
        root_in = zi.namelist()[0].split("/")[0] + "/"
        assert [n.replace(root_in, "again/", 1) for n in zi.namelist()] == zo.namelist()
        for info in zo.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            data_at = info.header_offset + 30 + len(info.filename.encode()) + \
                len(_local_extra(out, info))
            assert data_at % 64 == 0, info.filename
        for n in zi.namelist():
            if n.endswith(".json"):
                assert json.loads(zo.read(n.replace(root_in, "again/", 1))) == \
                    json.loads(zi.read(n)), n
            elif "/data/" in n:  # payloads and sample inputs: the same bytes
                assert zo.read(n.replace(root_in, "again/", 1)) == zi.read(n), n


def _local_extra(path, info):
    with open(path, "rb") as f:
        f.seek(info.header_offset + 28)
        n_extra = int.from_bytes(f.read(2), "little")
        f.seek(info.header_offset + 30 + len(info.filename.encode()))
        return f.read(n_extra)


# ---------------------------------------------------------------------------------------- #
# Dynamic shapes: range constraints survive, and the program still runs at other sizes

def test_dynamic_round_trip(tmp_path):
    make, example, dims, shapes = DYNAMIC_CASES["conv_net"]
    model = make()
    src = tmp_path / "dyn.pt2"
    torch.export.save(torch.export.export(model, example, dynamic_shapes=dims), str(src))
    out = opt(src, tmp_path / "dyn_out.pt2")
    assert_same_views(src, out)
    ep = torch.export.load(str(out))
    assert_torch_views(out, ep)
    rc = show(out, "--range-constraints")
    assert "8" in rc and "512" in rc
    assert {str(k): (int(v.lower), int(v.upper)) for k, v in ep.range_constraints.items()} == \
        {str(k): (int(v.lower), int(v.upper))
         for k, v in torch.export.load(str(src)).range_constraints.items()}
    x = torch.randn(*shapes[0], generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        want = model(x).numpy()
    np.save(tmp_path / "x.npy", x.numpy())
    np.testing.assert_allclose(torch_outputs(ep, [x])[0], want, rtol=1e-4, atol=1e-5)
    r = run_pt2c("run", out, "-i", tmp_path / "x.npy", "-o", tmp_path / "run")
    assert r.returncode == 0, r.stderr
    np.testing.assert_allclose(np.load(tmp_path / "run" / "output_0.npy"), want,
                               rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------------------------- #
# Legacy archives (torch 2.6 layout, schema 7.4) come out in the current layout

@pytest.mark.parametrize("path", LEGACY_FILES, ids=lambda p: p.name)
def test_legacy_converts(path, tmp_path):
    out = opt(path, tmp_path / "converted.pt2")
    names = entries(out)
    assert "converted/archive_format" in names and "converted/models/model.json" in names
    assert not any("serialized_" in n for n in names)
    model = LEGACY_MODELS[path.name]()
    model.load_state_dict(_torch_load(path, "serialized_state_dict.pt"))
    model.eval()
    ex = _torch_load(path, "serialized_example_inputs.pt")
    x = ex[0][0]
    with torch.no_grad():
        expected = [t.numpy().copy() for t in pytree.tree_leaves(model(x))]
    ep = torch.export.load(str(out))
    assert torch.equal(ep.example_inputs[0][0], x)  # the sample inputs came along
    assert_outputs_match(torch_outputs(ep, [x]), expected)
    r = run_pt2c("run", out, "-o", tmp_path / "run")  # the carried-over sample input
    assert r.returncode == 0, r.stderr
    assert_outputs_match(load_outputs(tmp_path / "run", len(expected)), expected)
    assert_same_views(path, out)
    # Schema 7 recorded no ArgumentKind, and OUT keeps it unrecorded (filling one in could
    # put a keyword-only argument in the wrong place), so PyTorch passes defaulted
    # arguments by keyword where pt2c shows them positionally: compare the nodes, not text.
    shown = re.findall(r"^\s*%(\w+) : ", show(out, "--graph"), re.M) + ["output"]
    assert shown == [n.name for n in ep.graph.nodes]
    assert norm(show(out, "--signature")) == norm(str(ep.graph_signature))


# ---------------------------------------------------------------------------------------- #
# Errors and atomicity

def test_bad_output_path_is_one_line(saved_models, tmp_path):
    path, _ = saved_models["buf_const"]
    target = tmp_path / "no-such-dir" / "out.pt2"
    r = run_pt2c("opt", path, "-o", target, "--quiet")
    assert r.returncode == 1 and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"pt2c: {target}:"), r.stderr
    assert not target.parent.exists()


def test_usage_errors(saved_models):
    path, _ = saved_models["buf_const"]
    for args in (["opt", path], ["opt", "-o", "x.pt2"], ["opt", path, "-o"],
                 ["opt", path, "--bogus", "-o", "x.pt2"]):
        r = run_pt2c(*args)
        assert r.returncode == 2 and r.stderr.count("\n") == 1, (args, r.stderr)


def test_failed_open_leaves_target_untouched(tmp_path):
    bad = tmp_path / "bad.pt2"
    bad.write_bytes(b"not a zip at all")
    target = tmp_path / "keep.pt2"
    target.write_bytes(b"old contents")
    r = run_pt2c("opt", bad, "-o", target)
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert target.read_bytes() == b"old contents"
    assert sorted(os.listdir(tmp_path)) == ["bad.pt2", "keep.pt2"]


def test_overwrites_in_place_atomically(saved_models, tmp_path):
    """OUT may be IN: the new file is renamed over it while the old one is still mapped."""
    src, _ = saved_models["simplenet_b"]
    path = tmp_path / "same.pt2"
    path.write_bytes(src.read_bytes())
    before = show(path, "--state-dict")
    opt(path, path)
    assert os.listdir(tmp_path) == ["same.pt2"]  # no temporary left behind
    assert show(path, "--state-dict") == before
    torch.export.load(str(path))
