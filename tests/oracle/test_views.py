"""Zero-copy views in the runtime: chains of view ops (permute, transpose, select, slice,
narrow, expand, split, unbind, as_strided) feeding kernels, as graph outputs, of weights and
of user inputs, with dynamic sizes, in both dialects, compared with eager PyTorch (float32
rtol 1e-4 atol 1e-5) -- and the planner's side of it: a view that is dense in the bytes it
views costs no copy and no arena, one that is not is copied once, where a kernel reads it.

`pt2c run --verbose` reports "views: A strided views alias their input, C copied" and the
arena; `--no-views` copies every strided view (what the runtime did before), so the
difference between the two is what the zero-copy path saves and must not regress."""
import re
import warnings

import numpy as np
import pytest
import torch
import torch.nn as nn
from torch.export import Dim

from cases import Fn, check, eager, export, flatten, read_outputs, save_inputs
from conftest import run_pt2c

warnings.filterwarnings("ignore")

DIALECTS = ("export", "core")


def stats(stdout):
    """(arena bytes, views aliased, views copied) from `pt2c run --verbose`."""
    arena = int(re.search(r"memory: arena (\d+) bytes", stdout).group(1))
    m = re.search(r"views: (\d+) strided views alias their input, (\d+) copied", stdout)
    return arena, int(m.group(1)), int(m.group(2))


def run(tmp_path, ep, inputs, tag, *extra, threads=1):
    """Save ep and run pt2c --verbose on inputs: (outputs, (arena, aliased, copied))."""
    path = tmp_path / f"m{tag}.pt2"
    torch.export.save(ep, str(path))
    out_dir = tmp_path / f"out{tag}"
    r = run_pt2c("run", path, *save_inputs(tmp_path, inputs, tag), "-o", out_dir, "--threads",
                 threads, "--verbose", *extra)
    assert r.returncode == 0, r.stderr
    return read_outputs(out_dir), stats(r.stdout)


def run_case(tmp_path, module, inputs, dialect, *extra, threads=1):
    """pt2c's outputs against eager, with views and with --no-views; the stats of both."""
    module = module.eval()
    expected = eager(module, inputs)
    with torch.no_grad():
        ep = export(module, inputs, dialect)
    outs, st = run(tmp_path, ep, inputs, dialect, *extra, threads=threads)
    check(expected, outs)
    outs_copy, st_copy = run(tmp_path, ep, inputs, dialect + "_nv", "--no-views", *extra,
                             threads=threads)
    check(expected, outs_copy)
    # Views never cost more than copies, and the same results come out bit for bit.
    assert st[0] <= st_copy[0], (st, st_copy)
    for a, b in zip(outs, outs_copy):
        np.testing.assert_array_equal(a, b)
    return st, st_copy


# ------------------------------------------------------------------------------------------ #
# Chains of views feeding kernels, in both dialects

def _permute_slice_matmul(m, x, w):  # x [2, 6, 5], w [4, 3]
    return x.permute(0, 2, 1)[:, 1:, 2:6] @ w


def _select_of_transpose(m, x):  # x [3, 4, 5]
    return x.transpose(0, 1)[2] * 2, x.transpose(1, 2)[:, 1].sigmoid()


def _expand_add(m, x, y):  # x [4, 5], y [4, 3, 5]
    return x.unsqueeze(1).expand(-1, 3, -1) + y, x[:, None, 1:3].expand(4, 2, 2) * y[:, :2, :2]


def _split_cat(m, x):  # x [3, 8]
    a, b, c = x.split([2, 3, 3], dim=1)
    d, e = (x * 2).split(2, dim=0)
    return torch.cat([c * 2, a, b], 1), torch.cat([e, d], 0).relu()


def _unbind(m, x):  # x [4, 3, 5]
    parts = (x + 1).unbind(1)
    rows = x.unbind(0)
    return parts[0] * parts[2] - parts[1], rows[3] + rows[0]


def _as_strided(m, x):  # x [4, 6]
    y = x * 3
    return (y.as_strided((3, 3), (1, 4)) + 1, y[1:].as_strided((2, 5), (5, 1), 2).relu(),
            y.t().as_strided((2, 2), (2, 1)))


def _narrow(m, x):  # x [5, 7]
    return x.narrow(1, 2, 3).relu(), x.narrow(0, 1, 3).narrow(1, 0, 4).exp()


def _outputs_are_views(m, x):  # x [4, 6]
    h = x * 2
    return h.permute(1, 0), h[1:3], h[:, 0], h.unsqueeze(0).expand(2, 4, 6), h.t()[2:4, 1]


def _views_of_weights(m, x):  # x [3, 8], w [6, 8], v [4, 5, 6]
    return x @ m.w.t()[:, :4] + m.w[2, :4], m.v.permute(2, 0, 1)[1:5, 2] * x[0, :5]


def _views_of_inputs(m, x, y):  # x [4, 6], y [6, 4]
    return x[:, 1:3] * y.transpose(0, 1)[:, 2:4], x.permute(1, 0) - y, x[2]


def _permute_clone_view(m, x):  # x [2, 3, 4, 5]: the attention pattern (core ATen clone)
    return x.permute(0, 2, 1, 3).contiguous().view(2, 4, 15) * 2


def _long_chain(m, x):  # x [2, 4, 6]
    y = x.transpose(1, 2)[:, 1:5].unsqueeze(1).expand(2, 3, 4, 4)[:, 1, ::2]
    return y.flatten(1) * 3, y.sum(-1)


CASES = {
    "permute_slice_matmul": (_permute_slice_matmul, lambda: (torch.randn(2, 6, 5),
                                                             torch.randn(4, 3)), {}),
    "select_of_transpose": (_select_of_transpose, lambda: (torch.randn(3, 4, 5),), {}),
    "expand_add": (_expand_add, lambda: (torch.randn(4, 5), torch.randn(4, 3, 5)), {}),
    "split_cat": (_split_cat, lambda: (torch.randn(4, 8),), {}),
    "unbind": (_unbind, lambda: (torch.randn(4, 3, 5),), {}),
    "as_strided": (_as_strided, lambda: (torch.randn(4, 6),), {}),
    "narrow": (_narrow, lambda: (torch.randn(5, 7),), {}),
    "outputs_are_views": (_outputs_are_views, lambda: (torch.randn(4, 6),), {}),
    "views_of_weights": (_views_of_weights, lambda: (torch.randn(3, 8),),
                         {"w": torch.randn(6, 8), "v": torch.randn(4, 5, 6)}),
    "views_of_inputs": (_views_of_inputs, lambda: (torch.randn(4, 6), torch.randn(6, 4)), {}),
    "permute_clone_view": (_permute_clone_view, lambda: (torch.randn(2, 3, 4, 5),), {}),
    "long_chain": (_long_chain, lambda: (torch.randn(2, 4, 6),), {}),
}


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_views_match_eager(tmp_path, name, dialect):
    fn, make_inputs, params = CASES[name]
    torch.manual_seed(1)
    run_case(tmp_path, Fn(fn, params=params), make_inputs(), dialect)


@pytest.mark.parametrize("name", ["views_of_weights", "permute_slice_matmul", "long_chain"])
def test_views_match_eager_without_passes_two_threads(tmp_path, name):
    """The graph as exported (no fold_constants: views of weights reach the runtime) on two
    threads (the gathers split by rows)."""
    fn, make_inputs, params = CASES[name]
    torch.manual_seed(2)
    for dialect in DIALECTS:
        run_case(tmp_path, Fn(fn, params=params), make_inputs(), dialect, "--passes", "none",
                 threads=2)


# ------------------------------------------------------------------------------------------ #
# Zero copy where the view is dense; one copy where it is not

def _dense_views(m, a, b):  # a [8, 16], b [16, 32]
    h = a @ b                       # [8, 32], a planned buffer
    r0, r1, r2, r3 = h.split(2, 0)  # row blocks: dense
    return (h[2:6].relu(), h[1] * 2, r0 + r3, (r1 - r2).unsqueeze(0).sigmoid(),
            h.unbind(0)[7].exp())


@pytest.mark.parametrize("dialect", DIALECTS)
def test_dense_views_cost_no_copy_and_no_arena(tmp_path, dialect):
    torch.manual_seed(3)
    st, st_copy = run_case(tmp_path, Fn(_dense_views), (torch.randn(8, 16), torch.randn(16, 32)),
                           dialect)
    arena, aliased, copied = st
    assert copied == 0, st
    assert aliased >= 7, st
    # Without views each slice, select and piece is a buffer of its own.
    assert st_copy[2] >= 7 and st_copy[1] == 0, st_copy
    assert arena < st_copy[0], (st, st_copy)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_permuted_view_is_copied_once(tmp_path, dialect):
    """permute -> clone -> view: the clone gathers straight from the input (one copy); the
    permute itself is free. A chain of views read by one kernel is gathered once."""
    torch.manual_seed(4)
    st, st_copy = run_case(tmp_path, Fn(_permute_clone_view), (torch.randn(2, 3, 4, 5),),
                           dialect)
    # The permute is free; the clone (core ATen) or contiguous (as exported) copies once.
    # Without views core ATen copies twice (permute, clone).
    assert st[1] >= 1 and st[2] == 1, st
    assert st_copy[2] >= (2 if dialect == "core" else 1), st_copy
    st, st_copy = run_case(tmp_path, Fn(_long_chain), (torch.randn(2, 4, 6),), dialect)
    # The chain's last view, gathered once for sum; flatten (core ATen: clone) another.
    assert st[2] <= 2, st
    assert st_copy[2] >= 5, st_copy


def test_lstm_core_aten_copies_fewer_views(tmp_path):
    """Core ATen unrolls an LSTM into slice / squeeze / split chains: most are dense."""
    from zoo import build, example_inputs
    model = build("lstm")
    inputs = example_inputs("lstm", 2)
    st, st_copy = run_case(tmp_path, model, inputs, "core")
    assert st[1] > 0 and st[2] < st_copy[2], (st, st_copy)


# ------------------------------------------------------------------------------------------ #
# Writes, dynamic sizes

class WriteIntoSlice(nn.Module):
    def forward(self, x):
        h = x * 2
        h[:, 1:3].add_(1.5)
        h[0].mul_(-1)
        return h, h[:, 2] + 0


@pytest.mark.parametrize("dialect", DIALECTS)
def test_inplace_into_a_slice_of_an_intermediate(tmp_path, dialect):
    torch.manual_seed(5)
    run_case(tmp_path, WriteIntoSlice(), (torch.randn(3, 5),), dialect)


def test_inplace_into_a_view_without_functionalize_is_refused(tmp_path):
    """The training IR as exported writes into views: the runtime refuses it (naming the
    view) rather than writing into a copy the base never sees."""
    with torch.no_grad():
        ep = torch.export.export(WriteIntoSlice().eval(), (torch.randn(3, 5),))
    path = tmp_path / "w.pt2"
    torch.export.save(ep, str(path))
    r = run_pt2c("run", path, *save_inputs(tmp_path, (torch.randn(3, 5),), "w"), "--passes",
                 "none")
    assert r.returncode != 0
    assert "in-place write into" in r.stderr and "view" in r.stderr, r.stderr


class DynamicViews(nn.Module):
    def forward(self, x, w):  # x [B, 6, 5], w [4, 3]
        y = x.permute(0, 2, 1)[:, 1:, 2:6] @ w
        return y, x[1:].transpose(1, 2).sum(-1), x.unbind(1)[2] * 2, x[:, 1:3].relu()


@pytest.mark.parametrize("dialect", DIALECTS)
def test_dynamic_batch(tmp_path, dialect):
    """One program, one runner, three batch sizes (and the first again, from the shape
    cache): every layout is recomputed for the sizes."""
    torch.manual_seed(6)
    module = DynamicViews().eval()
    b = Dim("b", min=3, max=64)
    w = torch.randn(4, 3)
    with torch.no_grad():
        ep = export(module, (torch.randn(3, 6, 5), w), dialect,
                    dynamic_shapes=({0: b}, None))
    path = tmp_path / "d.pt2"
    torch.export.save(ep, str(path))
    sets = [(torch.randn(n, 6, 5), w) for n in (3, 7, 4, 3)]
    args = []
    for k, s in enumerate(sets):
        if k:
            args.append("--next")
        args += save_inputs(tmp_path, s, f"d{k}")
    out = tmp_path / "out"
    r = run_pt2c("run", path, *args, "-o", out, "--threads", 2)
    assert r.returncode == 0, r.stderr
    with torch.no_grad():
        for k, s in enumerate(sets):
            check(flatten(module(*s)), read_outputs(out / f"run_{k}"))
