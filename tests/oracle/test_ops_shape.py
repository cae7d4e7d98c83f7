"""Oracle tests for the shape family (views, copies, creation, indexing, concatenation):
tiny modules exported by torch in both dialects (as exported, and after
run_decompositions()), run by pt2c, compared with eager PyTorch (float32 rtol 1e-4 atol 1e-5,
integers and bools exact, dtype and shape equal).

A graph may contain ops of other families (comparisons, arithmetic); when pt2c has no kernel
for such an op the case is skipped, naming it. Ops this family registers
(src/ops/list_shape.h) must never be missing."""
import re
import warnings
from pathlib import Path

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.export import Dim

from cases import Fn, check, eager, export, flatten, run_saved, skip_other_family

warnings.filterwarnings("ignore")

LIST = Path(__file__).resolve().parents[2] / "src" / "ops" / "list_shape.h"
SHAPE_OPS = set(re.findall(r'PT2C_OP\("([^"]+)"', LIST.read_text()))


def _owns(target):
    return target in SHAPE_OPS


def run_pt2c_on(tmp_path, ep, inputs, tag="", threads=1, extra=()):
    """Save ep, run pt2c on inputs; (returncode, stderr, output arrays)."""
    r, outs = run_saved(tmp_path, ep, inputs, tag, threads, extra)
    return r.returncode, r.stderr, outs


def run_case(tmp_path, module, inputs, dialect, threads=1, dynamic_shapes=None):
    module = module.eval()
    inputs = tuple(inputs)
    with torch.no_grad():
        ep = export(module, inputs, dialect, dynamic_shapes)
    rc, err, outs = run_pt2c_on(tmp_path, ep, inputs, dialect, threads)
    if rc != 0:
        skip_other_family(err, _owns)
    assert rc == 0, err
    check(eager(module, inputs), outs)


def r(*shape):
    return torch.randn(*shape)


def ints(lo, hi, *shape):
    return torch.randint(lo, hi, shape)


def _views(m, x):  # x [1, 3, 1, 4]
    return (x.unsqueeze(-1), x.unsqueeze(1).squeeze(), x.squeeze(0), x.squeeze(2) * 2,
            torch.squeeze(x, (0, 2)) + 1, x.squeeze(1), x.unflatten(3, (2, -1)),
            x.view_as(torch.empty(3, 4)), x.detach() * 3, x.clone())


def _slices(m, x):  # x [4, 6, 5]
    return (x[:, 1:], x[..., -3:-1], x[:, ::2], x[1], x[:, -1], x[:, 10:], x[-7:2, :, 1::3],
            x.narrow(1, 2, 3), x.narrow(0, -2, 2), x[2:, 3, -2], x[:, 1:-1:2, 4])


def _expand(m, x, y):  # x [3, 1], y [2, 1, 4]
    return (x.expand(2, 3, 4), x.expand(-1, 5) + 0, y.expand(2, 3, -1), x.expand_as(y[:, :1, :1].expand(2, 3, 4)),
            x[:, :, None].expand(3, 2, 2))


def _perm(m, x):  # x [2, 3, 4]
    return (x.transpose(0, 2), x.transpose(-1, 1).contiguous(), x.movedim(0, 2), x.movedim(-1, 0),
            x.swapaxes(0, 1), x[0].t(), x.permute(2, 0, 1).contiguous().view(4, 6))


def _repeat(m, x):  # x [2, 3]
    return (x.repeat(2, 3), x.repeat(2, 1, 2), x.tile(2), x.tile(3, 1, 1), x.flip(0), x.flip(-1, 0),
            x.roll(1, 1), x.roll((2, -1), (0, 1)), x.roll(4), x.repeat(1, 0))


def _split(m, x):  # x [4, 7]
    a = torch.split(x, 3, dim=1)
    b = torch.split(x, [1, 3], dim=0)
    c = x.chunk(3, -1)
    d = x.unbind(0)
    return a[0], a[2] * 2, b[1], c[0], c[2], d[3], x.chunk(2)[1], torch.split(x, 7, 1)[0] + 1


def _cat(m, x, y, z):  # x f32 [2, 3], y f64 [2, 1], z i64 [2, 2]
    e = torch.zeros(0)
    return (torch.cat([x, y.float()], -1), torch.cat([x, y, z], 1), torch.cat([z, z], 0),
            torch.cat([e, x, e], 1), torch.cat([x, x.new_zeros(0, 3)], 0),
            torch.stack([x, x * 2], 1), torch.stack([z, z], -1), torch.stack([x, x.double()]))


def _arange(m, x):  # x [4]
    return (x + torch.arange(4), torch.arange(1, 7), torch.arange(0, 2, 0.3),
            torch.arange(10, 0, -3), torch.arange(5, dtype=torch.float64),
            torch.arange(-1.5, 2.5, 0.5, dtype=torch.float32), torch.arange(2, 9, 2, dtype=torch.int32),
            torch.arange(x.shape[0] * 2))


def _fills(m, x):  # x [2, 3]
    return (torch.full((2, 2), 1.5), torch.full((3,), 7), torch.full((2,), True), torch.zeros(2, 3),
            torch.ones(4, dtype=torch.int64), torch.zeros_like(x), torch.ones_like(x, dtype=torch.int32),
            torch.full_like(x, 2.5), torch.full_like(x, 3.7, dtype=torch.int64), x.new_zeros(3),
            x.new_ones((2, 1)), x.new_full((2,), -4.0), torch.empty(2, 2).zero_(),
            torch.empty(3).fill_(2.0), torch.scalar_tensor(3), torch.scalar_tensor(2, dtype=torch.int64),
            torch.empty_like(x).fill_(1) + x, x.new_empty(2).fill_(5) * 2)


def _casts(m, x, i):  # x f32 [2, 5], i i64 [2, 5]
    return (x.to(torch.float64), (x * 10).to(torch.int32), (x * 300).to(torch.uint8),
            x.to(torch.bool), i.to(torch.float32), i.to(torch.bool), x.half(), x.to(torch.bfloat16).float(), i.to(torch.bfloat16).float(),
            i.type_as(x), x.type_as(i), (x > 0).float(), (x > 0).to(torch.int64),
            i.to(dtype=torch.int8), x.to(torch.float32) + 1, x.double().float())


def _copy(m, x, y):  # x [3, 4], y [4]
    a = x.new_zeros(3, 4)
    a.copy_(y)
    b = torch.zeros(2, 4, dtype=torch.int64)
    b.copy_(x[:2] * 10)
    return a, b


def _embedding(m, idx):
    return F.embedding(idx, m.w), F.embedding(idx[0], m.w, padding_idx=0)


def _index(m, x, i, j):  # x [5, 4, 6], i [2] in [-5, 5), j [3, 1] in [0, 4)
    return (x[i], x[:, j], x[i, :, i.clamp(0, 5)], x[j, 1:3], x[..., i], x[i, j], x[:, j, i])


def _select(m, x, i, g):  # x [4, 5], i [3] in [0, 5), g [4, 2] in [0, 5)
    return (x.index_select(1, i), x.index_select(0, i.clamp(max=3)), torch.gather(x, 1, g),
            torch.gather(x, 0, g.clamp(max=3)), x.index_select(0, i[0]))


def _masked(m, x, mask):  # x [2, 3, 4], mask [3, 4] bool
    t = torch.tensor(2.0)
    return (x.masked_fill(mask, -1.0), x.masked_fill(x > 0, t), x.masked_fill(mask, float("-inf")),
            (x * 10).int().masked_fill(mask, 7), x.masked_fill(mask[None, :, :1], 3),
            x[0, 0].masked_fill(mask, 0.5))


def _where(m, x, y, c, i):  # x [2, 3], y [3], c bool [2, 1], i i64 [2, 3]
    return (torch.where(c, x, y), torch.where(x > 0, x, 0.0), torch.where(x > 0, 1.0, x),
            torch.where(c, 1.0, 0.0), torch.where(c, 2, 3), torch.where(c, i, y),
            torch.where(x > 0, i, 0), torch.where(c, x.double(), i))


def _tri(m, x):  # x [2, 4, 5]
    return x.triu(), x.tril(), x.triu(1), x.tril(-1), x.triu(-2), (x > 0).tril(2), x[0].triu(7)


def _pad(m, x):  # x [1, 2, 4, 5]
    return (F.pad(x, (1, 2)), F.pad(x, (1, 2, 0, 1), value=1.5), F.pad(x, (-1, 1, 2, -2)),
            F.pad(x, (2, 1, 1, 3), mode="reflect"), F.pad(x, (2, 3, 1, 0), mode="replicate"),
            F.pad(x, (1, 2, 3, 1), mode="circular"), F.pad(x[0], (1, 1), mode="reflect"),
            F.pad((x * 10).int(), (1, 1, 1, 1), value=-3))


def _causal_mask(m, x):  # GPT-2 style: tril buffer, slice, masked_fill -inf, softmax
    t = x.shape[-1]
    att = x.masked_fill(m.bias[:, :, :t, :t] == 0, float("-inf"))
    return att, torch.ones(t, t).tril().bool(), torch.triu(torch.full((t, t), float("-inf")), 1)


def _vit_cls(m, x):  # ViT: class token expand + cat + position embedding, then x[:, 0]
    cls = m.cls.expand(x.shape[0], -1, -1)
    y = torch.cat([cls, x], dim=1) + m.pos
    return y, y[:, 0]


def _scatter(m, x, src, i, v):  # x [3, 4], src [3, 2], i [2] in [0, 3), v [2, 4]
    y = x.clone()
    y.index_put_((i,), v)  # clone is not a view: allowed in place
    return (torch.slice_scatter(x, src, 1, 1, None, 2), torch.select_scatter(x, src[:, 0], 1, -1),
            x.index_put((i,), v), x.index_put((i,), v, accumulate=True),
            x.index_put((i, i.flip(0)), torch.tensor(5.0)), y, torch.diagonal(x, 1),
            torch.diagonal(x, -1, 1, 0), x.unfold(1, 2, 1), x.unfold(0, 2, 2),
            torch.as_strided(x, (2, 3), (1, 2), 1))


def _tensor_splits(m, x):  # x [5, 7, 4]
    return (torch.tensor_split(x, 3, dim=1), torch.tensor_split(x, [1, -2, 9], dim=0),
            torch.hsplit(x, [2, 5]), torch.vsplit(x[:4], 2), torch.dsplit(x, 2),
            torch.hsplit(x[0, :6, 0], 3), torch.vsplit(x, [1, 3]), torch.dsplit(x, [3]))


def _unsafe_splits(m, x):  # x [4, 6]
    return (x.unsafe_split(4, 1), x.unsafe_split_with_sizes([1, 3], 0),
            torch.unsafe_chunk(x * 2, 3, 1))


def _broadcast_meshgrid(m, a, b, c):  # a [3, 1], b [4], c [2, 1, 1]
    return (torch.broadcast_tensors(a, b, c), torch.meshgrid(b, a[:, 0], indexing="ij"),
            torch.meshgrid(b, a[:, 0], c[:, 0, 0], indexing="xy"), torch.meshgrid(b[1]),
            torch.atleast_1d(b[0]), torch.atleast_2d(b), torch.atleast_3d(a),
            torch.atleast_3d(b) * 2, torch.atleast_2d(c))


def _scatter_family(m, x, i, src, j, src2):  # x [4, 5], i [3, 4] in [0, 4), src [3, 4], j [3], src2 [3, 5]
    y, z = x.clone(), x.clone()
    y.scatter_(1, i, src)
    z.scatter_add_(0, i, src)
    outs = [torch.scatter(x, 1, i, src), torch.scatter(x, 0, i, 2.5), torch.scatter_add(x, 1, i, src),
            torch.scatter(x, 1, i, src, reduce="add"), torch.scatter(x, 0, i, src, reduce="multiply"), y, z,
            torch.gather(x, 1, i.int()), torch.scatter(x, 1, i.int(), src), x.index_select(1, j.int())]
    for red in ("sum", "prod", "mean", "amax", "amin"):
        for inc in (True, False):
            outs.append(torch.scatter_reduce(x, 1, i, src, red, include_self=inc))
    for red in ("prod", "mean", "amax", "amin"):
        for inc in (True, False):
            outs.append(torch.index_reduce(x, 0, j, src2, red, include_self=inc))
    return tuple(outs)


def _scatter_ints(m, x, i, src, j, src2):  # as _scatter_family, int64 and int32 values
    outs = [torch.scatter(x, 1, i, src), torch.scatter_add(x.int(), 0, i, src.int()),
            torch.scatter(x.short(), 1, i, 7)]
    for red in ("sum", "prod", "mean", "amax", "amin"):
        outs.append(torch.scatter_reduce(x, 1, i, src, red, include_self=red != "prod"))
        outs.append(torch.scatter_reduce(x.int(), 0, i, src.int(), red, include_self=False))
    for red in ("prod", "mean", "amax", "amin"):
        outs.append(torch.index_reduce(x, 0, j, src2, red, include_self=red == "mean"))
    return tuple(outs)


def _masked_scatter(m, x, mask, src, i):  # x [3, 4], mask [4], src [12], i [3, 4] int64
    return (torch.masked_scatter(x, mask, src), torch.masked_scatter(x, x > 0, src.view(3, 4)),
            torch.masked_scatter(i, mask.view(1, 4).expand(2, 4).unsqueeze(1), i.flatten().repeat(2) * 10),
            x.masked_scatter(torch.zeros(3, 4, dtype=torch.bool), src[:0]))


def _bincount(m, x, w):  # data-dependent size: max(x) + 1 or minlength
    return (torch.bincount(x), torch.bincount(x, w, minlength=12), torch.bincount(x, w.double()),
            torch.bincount(x.int(), minlength=2))


CASES = {
    "tensor_splits": lambda: (Fn(_tensor_splits), (r(5, 7, 4),)),
    "unsafe_splits": lambda: (Fn(_unsafe_splits), (r(4, 6),)),
    "broadcast_meshgrid": lambda: (Fn(_broadcast_meshgrid), (r(3, 1), r(4), r(2, 1, 1))),
    "views": lambda: (Fn(_views), (r(1, 3, 1, 4),)),
    "slices": lambda: (Fn(_slices), (r(4, 6, 5),)),
    "expand": lambda: (Fn(_expand), (r(3, 1), r(2, 1, 4))),
    "permutes": lambda: (Fn(_perm), (r(2, 3, 4),)),
    "repeat_flip_roll": lambda: (Fn(_repeat), (r(2, 3),)),
    "split_chunk_unbind": lambda: (Fn(_split), (r(4, 7),)),
    "cat_stack": lambda: (Fn(_cat), (r(2, 3), r(2, 1).double(), ints(-5, 5, 2, 2))),
    "arange": lambda: (Fn(_arange), (r(4),)),
    "fills": lambda: (Fn(_fills), (r(2, 3),)),
    "casts": lambda: (Fn(_casts), (r(2, 5) * 2, ints(-300, 300, 2, 5))),
    "copy": lambda: (Fn(_copy), (r(3, 4), r(4))),
    "embedding": lambda: (Fn(_embedding, buffers={"w": r(10, 3)}), (ints(0, 10, 2, 4),)),
    "index": lambda: (Fn(_index), (r(5, 4, 6), ints(-5, 5, 2), ints(0, 4, 3, 1))),
    "index_select_gather": lambda: (Fn(_select), (r(4, 5), ints(0, 5, 3), ints(0, 5, 4, 2))),
    "masked_fill": lambda: (Fn(_masked), (r(2, 3, 4), torch.rand(3, 4) > 0.5)),
    "where": lambda: (Fn(_where), (r(2, 3), r(3), torch.tensor([[True], [False]]), ints(-9, 9, 2, 3))),
    "triu_tril": lambda: (Fn(_tri), (r(2, 4, 5),)),
    "pad": lambda: (Fn(_pad), (r(1, 2, 4, 5),)),
    "causal_mask": lambda: (Fn(_causal_mask, buffers={"bias": torch.tril(torch.ones(8, 8)).view(1, 1, 8, 8)}),
                            (r(2, 2, 5, 5),)),
    "scatter_family": lambda: (Fn(_scatter_family), (r(4, 5), ints(0, 4, 3, 4), r(3, 4), ints(0, 4, 3), r(3, 5))),
    "scatter_ints": lambda: (Fn(_scatter_ints), (ints(-9, 9, 4, 5), ints(0, 4, 3, 4), ints(-9, 9, 3, 4), ints(0, 4, 3),
                                                 ints(-9, 9, 3, 5))),
    "masked_scatter": lambda: (Fn(_masked_scatter), (r(3, 4), torch.tensor([True, False, True, True]), r(12),
                                                     ints(-9, 9, 3, 4))),
    "bincount": lambda: (Fn(_bincount), (torch.tensor([3, 0, 5, 3, 3, 7, 0]), r(7))),
    "scatter_put_strided": lambda: (Fn(_scatter), (r(3, 4), r(3, 2), torch.tensor([2, 0]), r(2, 4))),
    "vit_cls": lambda: (Fn(_vit_cls, buffers={"cls": r(1, 1, 6), "pos": r(1, 4, 6)}), (r(2, 3, 6),)),
}


@pytest.mark.parametrize("dialect", ["train", "core"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_shape_op(tmp_path, name, dialect):
    torch.manual_seed(0)
    module, inputs = CASES[name]()
    run_case(tmp_path, module, inputs, dialect, threads=2 if name in ("slices", "index", "scatter_family", "scatter_ints", "masked_scatter", "bincount") else 1)


class _Dyn(nn.Module):
    def forward(self, x):
        n = x.shape[1]
        pos = torch.arange(n)
        return (x + pos, x.view(-1, n), x[:, 1:n], torch.zeros(n, 2), x.unsqueeze(0).expand(2, -1, -1),
                torch.full((2, n), 3), x.new_ones(n).unsqueeze(0) * x)


@pytest.mark.parametrize("dialect", ["train", "core"])
def test_dynamic_sizes(tmp_path, dialect):
    """sym_size.int feeds arange / view / slice / zeros / expand; run at two sizes."""
    m = _Dyn()
    ep = export(m, (r(4, 6),), dialect, dynamic_shapes={"x": {1: Dim("n", min=3, max=64)}})
    for n in (6, 9):
        x = r(4, n)
        rc, err, outs = run_pt2c_on(tmp_path, ep, (x,), f"{dialect}{n}")
        m_op = re.search(r"no kernel for op (\S+)", err)
        if rc != 0 and m_op and m_op.group(1) not in SHAPE_OPS:
            pytest.skip(f"other family's op missing: {m_op.group(1)}")
        assert rc == 0, err
        check(flatten(m(x)), outs)


class _WriteThroughView(nn.Module):
    def forward(self, x):
        y = torch.zeros(3, 4)
        y[0] = x  # select + copy_ into the view: must reach y
        return y


@pytest.mark.parametrize("dialect", ["train", "core"])
def test_write_through_view(tmp_path, dialect):
    """Training IR writes into a view in place: the functionalize pass (on by default) makes
    it select_scatter, and it runs. As exported (--passes none), pt2c (views are copies) must
    refuse rather than return stale data. The functional core graph runs either way."""
    m = _WriteThroughView()
    x = r(4)
    ep = export(m, (x,), dialect)
    if dialect == "train":
        rc, err, outs = run_pt2c_on(tmp_path, ep, (x,), "raw", extra=("--passes", "none"))
        assert rc != 0
        assert "in-place write" in err and err.count("\n") == 1, err
    rc, err, outs = run_pt2c_on(tmp_path, ep, (x,), dialect)
    if dialect == "train":
        assert rc == 0, err
        check([m(x)], outs)
    else:
        if rc != 0 and "no kernel for op" in err:
            pytest.skip(err.strip())
        assert rc == 0, err
        check([m(x)], outs)


def test_bool_mask_index(tmp_path):
    """x[mask] has a data-dependent size: the program runs node by node and matches."""
    m = Fn(lambda s, x, mask: x[mask])
    x, mask = r(5, 3), torch.tensor([True, False, True, True, False])
    ep = export(m, (x, mask), "train")
    rc, err, outs = run_pt2c_on(tmp_path, ep, (x, mask))
    assert rc == 0, err
    check([x[mask]], outs)