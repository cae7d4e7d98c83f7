"""Elementwise-chain fusion (src/runtime/fuse_elementwise.c): float32 elementwise ops whose
intermediates nothing else reads run as one step over blocks of the output, and the steps of
such a group read their inputs through their layouts (a strided view they read is not
copied).

Each model is exported in both dialects (as exported, and after `run_decompositions()`) and
run by PyTorch eager, by pt2c as planned (fused) and by pt2c with --no-fusion. pt2c must
match eager (float32: rtol 1e-4, atol 1e-5), the fused run must give the unfused run's bytes
exactly (every member runs its own kernel on the block), and `pt2c run --verbose` must report
that the fusion happened:

    elementwise: G fused groups of N ops; S strided inputs read in place
    views: A strided views alias their input, C copied
"""
import re
import warnings

import numpy as np
import pytest
import torch
import torch.nn as nn
from torch.export import Dim

from conftest import run_pt2c
from programs import RTOL, ATOL

warnings.filterwarnings("ignore")

DIALECTS = ("export", "core")


def export(module, inputs, dialect, dynamic_shapes=None):
    ep = torch.export.export(module, tuple(inputs), dynamic_shapes=dynamic_shapes)
    return ep.run_decompositions() if dialect == "core" else ep


def flatten(out):
    if isinstance(out, torch.Tensor):
        return [out]
    return [t for o in out for t in flatten(o)]


def save_inputs(tmp_path, inputs, tag):
    args = []
    for i, x in enumerate(inputs):
        f = tmp_path / f"in{tag}_{i}.npy"
        np.save(f, x.numpy())
        args += ["-i", f]
    return args


def load_outputs(out_dir):
    outs, k = [], 0
    while (out_dir / f"output_{k}.npy").exists():
        outs.append(np.load(out_dir / f"output_{k}.npy"))
        k += 1
    return outs


def stats(stdout):
    """{groups, ops, strided, views, copies, arena} from `pt2c run --verbose`."""
    m = re.search(r"elementwise: (\d+) fused groups of (\d+) ops; (\d+) strided inputs read "
                  r"in place", stdout)
    v = re.search(r"views: (\d+) strided views alias their input, (\d+) copied", stdout)
    a = re.search(r"memory: arena (\d+) bytes", stdout)
    assert m and v and a, stdout
    return {"groups": int(m.group(1)), "ops": int(m.group(2)), "strided": int(m.group(3)),
            "views": int(v.group(1)), "copies": int(v.group(2)), "arena": int(a.group(1))}


def run(path, args, out_dir, *flags, threads=1):
    r = run_pt2c("run", path, *args, "-o", out_dir, "--threads", threads, "--verbose", *flags)
    assert r.returncode == 0, r.stderr
    return r.stdout


def check_eager(expected, outs):
    assert len(outs) == len(expected), f"{len(outs)} outputs, expected {len(expected)}"
    for i, (got, e) in enumerate(zip(outs, expected)):
        e = e.detach().contiguous().numpy()
        assert got.dtype == e.dtype and got.shape == e.shape, (i, got.dtype, got.shape, e.shape)
        np.testing.assert_allclose(got, e, rtol=RTOL, atol=ATOL, err_msg=f"output {i}")


def check_bits(fused, plain):
    for i, (f, p) in enumerate(zip(fused, plain)):
        assert f.tobytes() == p.tobytes(), f"output {i}: the fusion changed bits"


def run_case(tmp_path, module, inputs, dialect, threads=1, passes=None):
    """Eager vs fused vs --no-fusion; returns (fused stats, unfused stats, --meta text)."""
    module = module.eval()
    with torch.no_grad():
        expected = flatten(module(*inputs))
        ep = export(module, inputs, dialect)
    path = tmp_path / f"m_{dialect}.pt2"
    torch.export.save(ep, str(path))
    args = save_inputs(tmp_path, inputs, dialect)
    extra = ["--passes", passes] if passes else []
    st = stats(run(path, args, tmp_path / "fused", *extra, threads=threads))
    st_plain = stats(run(path, args, tmp_path / "plain", "--no-fusion", *extra, threads=threads))
    fused, plain = load_outputs(tmp_path / "fused"), load_outputs(tmp_path / "plain")
    check_eager(expected, fused)
    check_eager(expected, plain)
    check_bits(fused, plain)
    assert st_plain["groups"] == 0 and st_plain["strided"] == 0, st_plain
    meta = run_pt2c("run", path, *args, "--meta", *extra)
    assert meta.returncode == 0, meta.stderr
    return st, st_plain, meta.stdout


def fused_lines(meta):
    return [line for line in meta.splitlines() if ": fused:" in line]


# ------------------------------------------------------------------------------------------ #
# Models


class GeluNew(nn.Module):
    """GPT-2's gelu_new written out, after a bias add: 9 elementwise ops, one group."""

    def __init__(self, n=100):
        super().__init__()
        self.b = nn.Parameter(torch.randn(n) * 0.1, requires_grad=False)

    def forward(self, x):
        x = x + self.b
        return 0.5 * x * (1.0 + torch.tanh(0.79788456 * (x + 0.044715 * torch.pow(x, 3.0))))


class Rotary(nn.Module):
    """Rotary embeddings: x * cos + rotate_half(x) * sin, cos/sin [T, D] broadcast over batch
    and heads; rotate_half reads the two halves of x (strided slices)."""

    def __init__(self, t=6, d=16):
        super().__init__()
        inv = 1.0 / (10000 ** (torch.arange(0, d, 2).float() / d))
        f = torch.outer(torch.arange(t).float(), inv)
        emb = torch.cat((f, f), dim=-1)
        self.register_buffer("cos", emb.cos())
        self.register_buffer("sin", emb.sin())

    def forward(self, x):  # x [B, H, T, D]
        d = x.shape[-1] // 2
        rot = torch.cat((-x[..., d:], x[..., :d]), dim=-1)
        return x * self.cos + rot * self.sin


class BiasScale(nn.Module):
    """Broadcast bias and scale chains: per-channel [C, 1, 1], row vector [W], a 1-element
    tensor, Scalars; relu, clamp, maximum/minimum, div, sub, sqrt, rsqrt, exp, log, sigmoid,
    silu, erf, abs, neg, reciprocal."""

    def __init__(self, c=5, w=11):
        super().__init__()
        self.g = nn.Parameter(torch.rand(c, 1, 1) + 0.5, requires_grad=False)
        self.beta = nn.Parameter(torch.randn(c, 1, 1), requires_grad=False)
        self.row = nn.Parameter(torch.randn(w), requires_grad=False)
        self.one = nn.Parameter(torch.tensor([1.5]), requires_grad=False)

    def forward(self, x, y):  # x, y [N, C, H, W]
        a = torch.relu(x * self.g + self.beta) - self.row
        a = torch.clamp(a * self.one, min=-1.0, max=2.0)
        b = torch.maximum(a, y) / 3.0 + torch.minimum(-a, y.abs())
        c = torch.sqrt(b.abs() + 1.0) * torch.rsqrt(y * y + 0.5)
        d = torch.log(torch.exp(-c) + 1.0) + torch.sigmoid(b) * nn.functional.silu(a)
        return torch.erf(d) + torch.reciprocal(c + 2.0)


class Shared(nn.Module):
    """An intermediate that is also an output (e), one two ops read (t): group boundaries;
    one op reading a value twice (u * u) is no boundary."""

    def forward(self, x):
        e = torch.exp(x * 0.5)
        u = torch.tanh(e) * 2.0
        t = u * u + 1.0
        return (t * 3.0) / (t + e), e


# ------------------------------------------------------------------------------------------ #
# Tests


@pytest.mark.parametrize("dialect", DIALECTS)
def test_gelu_new_is_one_group(tmp_path, dialect):
    torch.manual_seed(1)
    x = torch.randn(3, 9, 100) * 2  # 2700 elements: three blocks, the last partial
    # --passes none: the default fuse_activations pass would make the chain one gelu op.
    st, st_plain, meta = run_case(tmp_path, GeluNew(), (x,), dialect, passes="none")
    assert st["groups"] == 1 and st["ops"] >= 8, st
    lines = fused_lines(meta)
    assert len(lines) == 1 and "tanh" in lines[0] and "pow" in lines[0], meta
    assert st["arena"] < st_plain["arena"], (st, st_plain)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_gelu_new_with_default_passes(tmp_path, dialect):
    torch.manual_seed(1)
    x = torch.randn(2, 5, 100)
    run_case(tmp_path, GeluNew(), (x,), dialect)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_rotary_embedding(tmp_path, dialect):
    torch.manual_seed(2)
    x = torch.randn(2, 3, 6, 16)
    st, _, meta = run_case(tmp_path, Rotary(), (x,), dialect)
    assert st["groups"] >= 1 and st["ops"] >= 3, st
    assert any("mul" in line and "add" in line for line in fused_lines(meta)), meta
    # neg reads x[..., d:] in place: a strided input, not a copy.
    assert st["strided"] >= 1, st


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("threads", [1, 3])
def test_broadcast_bias_scale_chains(tmp_path, dialect, threads):
    torch.manual_seed(3)
    x, y = torch.randn(2, 5, 7, 11), torch.randn(2, 5, 7, 11)
    x[0, 0, 0, :3] = torch.tensor([float("nan"), float("inf"), -float("inf")])
    st, _, _ = run_case(tmp_path, BiasScale(), (x, y), dialect, threads=threads)
    assert st["groups"] >= 1 and st["ops"] >= 15, st


@pytest.mark.parametrize("dialect", DIALECTS)
def test_shared_intermediates_bound_groups(tmp_path, dialect):
    torch.manual_seed(4)
    st, _, meta = run_case(tmp_path, Shared(), (torch.randn(4, 300),), dialect)
    # {mul, exp} -> e, {tanh, mul, mul, add} -> t, {mul, add, div}.
    assert st["groups"] == 3 and st["ops"] == 9, (st, meta)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_lstm_reads_gate_slices_in_place(tmp_path, dialect):
    from zoo import build, example_inputs
    torch.manual_seed(0)
    model = build("lstm")
    inputs = example_inputs("lstm", 2)
    st, st_plain, _ = run_case(tmp_path, model, inputs, dialect)
    if dialect == "core":
        # Core ATen unrolls the cell: gates are slices of one matrix product, read by the
        # sigmoid/tanh chains in place instead of being copied.
        assert st["groups"] > 0 and st["strided"] > 0, st
        assert st["copies"] < st_plain["copies"], (st, st_plain)


class PlusTranspose(nn.Module):
    """a + a.T: the add reads a and a transposed view of a's bytes in place, so its result
    may not take over a's buffer (memplan's in-place reuse), which the unfused plan could,
    having copied the view."""

    def forward(self, x):
        a = x * 2.0 + 1.0
        return a + a.t(), torch.tanh(a.t() - a) * 3.0


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("threads", [1, 3])
def test_transposed_view_of_a_dying_input(tmp_path, dialect, threads):
    torch.manual_seed(8)
    st, st_plain, _ = run_case(tmp_path, PlusTranspose(), (torch.randn(37, 37),), dialect,
                               threads=threads)
    assert st["strided"] >= 2 and st["copies"] < st_plain["copies"], (st, st_plain)


class Dyn(nn.Module):
    def forward(self, x, b):  # x [B, 7, 24], b [24]
        h = x * 1.702
        return x * torch.sigmoid(h) + b * 0.5 - torch.tanh(x[:, 1:3]).sum(1, keepdim=True)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_dynamic_batch(tmp_path, dialect):
    """One runner, several batch sizes (and one again, from the shape cache): the groups are
    re-shaped and still give the unfused bits."""
    torch.manual_seed(6)
    module = Dyn().eval()
    bsz = Dim("b", min=2, max=64)
    b = torch.randn(24)
    with torch.no_grad():
        ep = export(module, (torch.randn(3, 7, 24), b), dialect, dynamic_shapes=({0: bsz}, None))
    path = tmp_path / "d.pt2"
    torch.export.save(ep, str(path))
    sets = [(torch.randn(n, 7, 24), b) for n in (3, 9, 2, 3)]
    args = []
    for k, s in enumerate(sets):
        if k:
            args.append("--next")
        args += save_inputs(tmp_path, s, f"d{k}")
    outs = {}
    for tag, flags in (("fused", []), ("plain", ["--no-fusion"])):
        stdout = run(path, args, tmp_path / tag, *flags, threads=2)
        if tag == "fused":
            st = stats(stdout)
            assert st["groups"] >= 1, st
        outs[tag] = [load_outputs(tmp_path / tag / f"run_{k}") for k in range(len(sets))]
    with torch.no_grad():
        for k, s in enumerate(sets):
            check_eager(flatten(module(*s)), outs["fused"][k])
            check_bits(outs["fused"][k], outs["plain"][k])


def test_thread_counts_give_the_same_bits(tmp_path):
    torch.manual_seed(7)
    x = torch.randn(5, 17, 100)  # four blocks: three threads get unequal runs
    with torch.no_grad():
        ep = export(GeluNew().eval(), (x,), "export")
    path = tmp_path / "t.pt2"
    torch.export.save(ep, str(path))
    args = save_inputs(tmp_path, (x,), "t")
    got = []
    for threads in (1, 2, 3):
        run(path, args, tmp_path / f"t{threads}", "--passes", "none", threads=threads)
        got.append(load_outputs(tmp_path / f"t{threads}"))
    check_bits(got[0], got[1])
    check_bits(got[0], got[2])
