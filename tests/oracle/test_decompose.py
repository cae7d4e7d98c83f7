"""The decompose pass (`pt2c opt --passes decompose`, src/passes/decompose*.c): the training IR
rewritten in C as the Core ATen ops `run_decompositions()` gives.

For every zoo model and for a set of modules that reach each rule's branches, the op multiset
of pt2c's output (as torch.export.load reads it) equals that of PyTorch's own
run_decompositions() (saved and loaded the same way), the output loads and runs in PyTorch
with eager's results, `pt2c run` of it matches eager, and the program says it is ATEN.
"""
from collections import Counter

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils._pytree as pytree

from conftest import run_pt2c
from zoo import ZOO, build, example_inputs

pytestmark = pytest.mark.filterwarnings("ignore")


def op_counts(ep):
    return Counter(str(n.target) for n in ep.graph.nodes if n.op == "call_function")


def leaves(out):
    return [t.detach().numpy().copy() for t in pytree.tree_leaves(out)]


def check_decompose(model, args, tmp_path, dynamic_shapes=None, expect_aten=True,
                    passes="decompose"):
    """Export, decompose in pt2c and in PyTorch; compare op multisets and outputs."""
    model = model.eval()
    ep = torch.export.export(model, args, dynamic_shapes=dynamic_shapes)
    src, ref, dst = tmp_path / "train.pt2", tmp_path / "core.pt2", tmp_path / "decomposed.pt2"
    torch.export.save(ep, str(src))
    torch.export.save(ep.run_decompositions(), str(ref))
    r = run_pt2c("opt", src, "-o", dst, "--passes", passes, "--quiet", timeout=300)
    assert r.returncode == 0, r.stderr
    got = torch.export.load(str(dst))
    want_ops, got_ops = op_counts(torch.export.load(str(ref))), op_counts(got)
    assert got_ops == want_ops, (
        f"pt2c only: {dict(got_ops - want_ops)}; run_decompositions only: "
        f"{dict(want_ops - got_ops)}")
    if expect_aten:
        assert got.dialect == "ATEN"
    with torch.no_grad():
        expected = leaves(model(*args))
        reloaded = leaves(got.module()(*args))
    assert len(reloaded) == len(expected)
    for g, e in zip(reloaded, expected):
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-5)
    inputs = []
    for i, a in enumerate(args):
        inputs.append(tmp_path / f"in{i}.npy")
        np.save(inputs[-1], a.numpy())
    out = tmp_path / "out"
    r = run_pt2c("run", dst, *[a for p in inputs for a in ("-i", p)], "-o", out, timeout=300)
    assert r.returncode == 0, r.stderr
    for k, e in enumerate(expected):
        g = np.load(out / f"output_{k}.npy")
        assert g.shape == e.shape and g.dtype == e.dtype
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-5)
    return got_ops


# ---------------------------------------------------------------------------------------- #
# The zoo

@pytest.mark.parametrize("name", list(ZOO))
def test_zoo_op_multiset_equals_run_decompositions(tmp_path, name):
    batch = min(ZOO[name].batches)
    check_decompose(build(name), example_inputs(name, batch), tmp_path)


# ---------------------------------------------------------------------------------------- #
# Each rule's branches

class Layers(nn.Module):
    """conv1d/2d, conv_transpose2d, eval batch norm, layer norm, pools, dropout. (conv3d
    decomposes the same way, but pt2c has no 3-D convolution kernel to run it.)"""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv1d(3, 4, 3, stride=2)
        self.c2 = nn.Conv2d(3, 4, 3, padding=1, bias=False)
        self.tc = nn.ConvTranspose2d(4, 2, 2, stride=2, output_padding=0)
        self.bn = nn.BatchNorm2d(4)
        self.ln = nn.LayerNorm([8, 8])

    def forward(self, x1, x2):
        y = self.bn(self.c2(x2))
        return (self.c1(x1), self.tc(y), self.ln(x2),
                F.max_pool2d(x2, 2), F.adaptive_avg_pool2d(x2, 1),
                F.adaptive_avg_pool2d(x2, (2, 2)), F.dropout(y, 0.5, False))


class Shapes(nn.Module):
    """flatten, reshape (a view and a copy), unflatten, transpose, t, contiguous (no-op and
    copy), squeeze.dim, split, chunk, unbind."""

    def forward(self, x, m):
        xt = x.transpose(1, 2)
        return (torch.flatten(x, 1), x.reshape(2, -1), xt.reshape(2, -1), x.unflatten(2, (2, -1)),
                m.t(), xt.contiguous(), x.contiguous() + 1, x[:, :1].squeeze(1),
                *x.split(3, -1), *x.chunk(2, 1), *x.unbind(1))


class Elementwise(nn.Module):
    """hardswish, hardsigmoid, silu, softmax, log_softmax, masked_fill, floor_divide, |, &, ^,
    arange, zeros, ones."""

    def forward(self, x, mask, i):
        return (F.hardswish(x), F.hardsigmoid(x), F.silu(x), F.softmax(x, -1),
                F.log_softmax(x, 0), x.masked_fill(mask, -1e9), i // 3, i | i, i & 5, i ^ i,
                torch.arange(5), torch.arange(2, 7), torch.zeros(2, 3), torch.ones(4))


class Products(nn.Module):
    """linear on 1-D..4-D input, with and without bias, contiguous or not; every matmul
    rank combination torch/_decomp distinguishes."""

    def __init__(self):
        super().__init__()
        self.l = nn.Linear(8, 4)
        self.nb = nn.Linear(8, 4, bias=False)

    def forward(self, v, m, b3, b4, c):
        return (self.l(m), self.nb(m), self.l(b3), self.nb(b3), self.l(b3.transpose(0, 1)),
                self.l(b4), v @ v, m @ v, v @ c, m @ c, b3 @ v, b3 @ c, b4 @ b4.transpose(-1, -2),
                b3 @ b4.transpose(-1, -2), b3.transpose(1, 2) @ b3)


class Attention(nn.Module):
    def forward(self, q, k, v, bool_mask, float_mask):
        return (F.scaled_dot_product_attention(q, k, v),
                F.scaled_dot_product_attention(q, k, v, attn_mask=bool_mask),
                F.scaled_dot_product_attention(q, k, v, attn_mask=float_mask),
                F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.3),
                F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2),
                                               v.transpose(1, 2)))


class Recurrent(nn.Module):
    """Time-major LSTM and GRU, 2 layers, with initial states given and final states used
    (the stack of per-layer states), beside the zoo's batch-first ones."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(6, 5, 2)
        self.gru = nn.GRU(6, 4, 2)

    def forward(self, x, h, c, g):
        y, (hn, cn) = self.lstm(x, (h, c))
        z, gn = self.gru(x, g)
        return y, hn, cn, z, gn


class MoreElementwise(nn.Module):
    """clamp_min/clamp_max (Scalar and Tensor), rsub (Scalar, Tensor, alpha), square, relu6,
    where with Scalars (one converting an int tensor), masked_fill with a tensor, fill with a
    tensor, isfinite, baddbmm (alpha, beta, beta 0), floor_divide by a Scalar."""

    def forward(self, x, lo, mask, i, b1, b2):
        return (torch.clamp_min(x, -0.5), torch.clamp_max(x, 1), torch.clamp_min(x, lo),
                torch.clamp_max(x, lo), 1 - x, torch.rsub(x, lo, alpha=2), torch.rsub(x, 2.5),
                torch.square(x), F.relu6(x * 4), torch.where(mask, x, 0.0),
                torch.where(mask, 1.0, x), torch.where(mask, 1.0, 0), torch.where(mask, i, 2.5),
                x.masked_fill(mask, torch.tensor(3.0)), torch.fill(x, torch.tensor(2.0)),
                torch.isfinite(x / (x > 0)), torch.baddbmm(b1, b1, b2),
                torch.baddbmm(b1, b1, b2, beta=0.5, alpha=2), torch.baddbmm(b1, b1, b2, beta=0),
                torch.ops.aten.floor_divide.Scalar(i, 3))


class Reductions(nn.Module):
    """sum without dims (and a dtype), all (every overload), std/var/std_mean/var_mean
    (unbiased, correction, dims, keepdim), logsumexp (keepdim or not), argsort (stable,
    descending), dot, mv, _safe_softmax (a row fully masked)."""

    def forward(self, x, mask, v):
        m = x.masked_fill(mask, float("-inf"))
        return (x.sum(), x.sum(dtype=torch.float64), mask.all(), mask.all(1),
                torch.all(mask, 0, keepdim=True), mask.all((0, 1)), x.std(), x.std(1),
                x.var(), x.var(0, keepdim=True), x.std(1, correction=0), x.std(0, unbiased=False),
                torch.std_mean(x, 1), torch.var_mean(x, 1), torch.std_mean(x),
                torch.logsumexp(x, 1), torch.logsumexp(x, (0, 1), keepdim=True),
                torch.argsort(x), torch.argsort(x, 0, descending=True),
                torch.argsort(x, stable=True), torch.dot(v, v), torch.mv(x, v),
                torch.ops.aten._safe_softmax(m, -1))


class Norms(nn.Module):
    """rms_norm (default eps, weight and eps), group_norm (affine or not), eval alpha and
    feature dropouts, to(device, dtype)."""

    def __init__(self):
        super().__init__()
        self.gn = nn.GroupNorm(2, 4)

    def forward(self, x):
        return (F.rms_norm(x, [3]), F.rms_norm(x, [3, 3], torch.ones(3, 3) * 2, eps=1e-5),
                self.gn(x), F.group_norm(x, 4), F.alpha_dropout(x, 0.5, False),
                F.feature_alpha_dropout(x, 0.5, False), F.dropout2d(x, 0.5, False),
                x.to("cpu", torch.float64))


class Movement(nn.Module):
    """expand_as, view_as, _unsafe_view, movedim, swapaxes, narrow (negative start and dim),
    squeeze (all dims), stack (inside and at the end), tile, tril/triu, roll (one dim, two,
    flattened), diff (n=1, 2, dim 0, prepend and append), repeat_interleave (a dim, flattened)."""

    def forward(self, x, v, c):
        return (v.expand_as(x) + 0, x.view_as(x.t().contiguous()),
                torch.ops.aten._unsafe_view(x, [4, 3]), torch.movedim(c, 0, 2) + 0,
                torch.movedim(c, 1, 1) + 0, x.swapaxes(0, 1) + 0, x.narrow(1, 1, 2),
                x.narrow(-1, -2, 2), x.view(3, 1, 4, 1).squeeze(), torch.stack([x, x]),
                torch.stack([x, x + 1], 1), torch.stack([x, x], -1), x.tile((2,)),
                x.tile((2, 1, 1)), torch.tril(x), torch.triu(x, 1), torch.tril(c, -1),
                torch.roll(x, 1, 1), torch.roll(x, (1, -1), (0, 1)), torch.roll(x, 2),
                torch.roll(v, -1), torch.diff(x), torch.diff(x, dim=0), torch.diff(x, n=2),
                torch.diff(x, prepend=x[:, :1] - 1, append=x[:, :2]),
                x.repeat_interleave(2, 1), x.repeat_interleave(2), v.repeat_interleave(3, -1))


class Creation(nn.Module):
    """zeros_like/ones_like (with a dtype), empty_like and new_empty filled, new_full."""

    def forward(self, x):
        return (torch.zeros_like(x), torch.ones_like(x), torch.fill(torch.empty_like(x), 2),
                x.new_full((2, 3), 3.5), torch.fill(x.new_empty((2,)), 1),
                torch.zeros_like(x, dtype=torch.int64))


class ConvPadding(nn.Module):
    """conv1d/conv2d with padding='same' (odd kernels: symmetric; even kernel or dilation:
    constant_pad_nd first) and 'valid' (with a stride); unbatched inputs (ATen's batchify
    unsqueezes and squeezes), with a padding mode or without, transposed too."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv1d(3, 4, 3, padding="same")
        self.c1e = nn.Conv1d(3, 4, 4, padding="same", bias=False)
        self.c1v = nn.Conv1d(3, 4, 3, padding="valid", stride=2)
        self.c2 = nn.Conv2d(3, 4, 3, padding="same")
        self.c2e = nn.Conv2d(3, 4, (2, 3), padding="same", dilation=(1, 2), bias=False)
        self.c2v = nn.Conv2d(3, 4, 3, padding="valid", stride=2, groups=1)

    def forward(self, x1, x2):
        return (self.c1(x1), self.c1e(x1), self.c1v(x1), self.c2(x2), self.c2e(x2),
                self.c2v(x2), self.c1(x1[0]), self.c1e(x1[1]), self.c1v(x1[0]), self.c2e(x2[0]),
                F.conv1d(x1[0], self.c1.weight, padding=1),
                F.conv_transpose1d(x1[0], self.c1v.weight.transpose(0, 1)))


class PoolNorm(nn.Module):
    """max_pool1d (default stride; padding, dilation and ceil_mode; unbatched), instance_norm
    (input statistics, affine or not, 1-D and 2-D; eval with running statistics)."""

    def __init__(self):
        super().__init__()
        self.in1 = nn.InstanceNorm1d(3, affine=True)
        self.in2 = nn.InstanceNorm2d(3)
        self.in2r = nn.InstanceNorm2d(3, affine=True, track_running_stats=True)
        self.in2r.running_mean.uniform_(-0.5, 0.5)
        self.in2r.running_var.uniform_(0.5, 1.5)

    def forward(self, x1, x2):
        return (F.max_pool1d(x1, 2), F.max_pool1d(x1, 3, 2, 1, ceil_mode=True),
                F.max_pool1d(x1, 2, 1, 0, 2), F.max_pool1d(x1[0], 3, 1, 1),
                self.in1(x1), self.in2(x2), self.in2r(x2))


class Upsample(nn.Module):
    """nearest 1-D (.vec by scale and by size), nearest-exact 2-D (.vec), linear 1-D (scale,
    size, align_corners, a fractional scale), _unsafe_index. upsample_nearest2d.default and
    _upsample_nearest_exact2d.default stay: run_decompositions() keeps them too."""

    def forward(self, x1, x2, i):
        return (F.interpolate(x1, scale_factor=2, mode="nearest"),
                F.interpolate(x1, size=11, mode="nearest"),
                torch.ops.aten.upsample_nearest2d.default(x2, [7, 9]),
                F.interpolate(x2, scale_factor=2, mode="nearest-exact"),
                F.interpolate(x2, size=(3, 8), mode="nearest-exact"),
                torch.ops.aten._upsample_nearest_exact2d.default(x2, [8, 7]),
                F.interpolate(x1, scale_factor=2, mode="linear"),
                F.interpolate(x1, size=11, mode="linear", align_corners=True),
                F.interpolate(x1, size=1, mode="linear", align_corners=True),
                F.interpolate(x1, scale_factor=1.5, mode="linear"),
                torch.ops.aten._unsafe_index(x2, [None, None, i]))


class PlainRNN(nn.Module):
    """rnn_tanh (time-major, 2 layers, initial state given) and rnn_relu (batch-first, no
    biases), final states used; flash attention for CPU called directly; split.sizes."""

    def __init__(self):
        super().__init__()
        self.tanh = nn.RNN(3, 4, 2)
        self.relu = nn.RNN(3, 5, 1, nonlinearity="relu", batch_first=True, bias=False)

    def forward(self, x, h, q):
        y, hn = self.tanh(x, h)
        z, zn = self.relu(x.transpose(0, 1))
        att = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu(q, q * 2, q + 1)[0]
        causal = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu(
            q, q, q, is_causal=True, scale=0.25)[0]
        return (y, hn, z, zn, att, causal, *torch.ops.aten.split.sizes(q, [2, 3], 2))


class RepeatTensor(nn.Module):
    """repeat_interleave with a tensor of repeats: along a dim, with output_size, and a
    one-element repeats over the flattened input (the result's size is data-dependent)."""

    def forward(self, x, r):
        return (x.repeat_interleave(r, 0) * 2, x.repeat_interleave(r, 0, output_size=6),
                x.repeat_interleave(r[:1] + 1))


def _g():
    return torch.Generator().manual_seed(0)


RULE_CASES = {
    "layers": (Layers, lambda g: (torch.randn(2, 3, 9, generator=g),
                                  torch.randn(2, 3, 8, 8, generator=g))),
    "shapes": (Shapes, lambda g: (torch.randn(2, 4, 6, generator=g),
                                  torch.randn(3, 5, generator=g))),
    "elementwise": (Elementwise, lambda g: (torch.randn(3, 8, generator=g) * 4,
                                            torch.randn(3, 8, generator=g) > 0,
                                            torch.randint(-20, 20, (6,), generator=g))),
    "products": (Products, lambda g: (torch.randn(8, generator=g), torch.randn(3, 8, generator=g),
                                      torch.randn(2, 3, 8, generator=g),
                                      torch.randn(2, 2, 3, 8, generator=g),
                                      torch.randn(8, 5, generator=g))),
    "recurrent": (Recurrent, lambda g: (torch.randn(4, 3, 6, generator=g),
                                        torch.randn(2, 3, 5, generator=g),
                                        torch.randn(2, 3, 5, generator=g),
                                        torch.randn(2, 3, 4, generator=g))),
    "attention": (Attention, lambda g: (torch.randn(2, 2, 5, 8, generator=g),
                                        torch.randn(2, 2, 5, 8, generator=g),
                                        torch.randn(2, 2, 5, 8, generator=g),
                                        torch.randn(5, 5, generator=g) > -1,
                                        torch.randn(2, 1, 5, 5, generator=g))),
    "more_elementwise": (MoreElementwise, lambda g: (torch.randn(3, 4, generator=g),
                                                     torch.randn(4, generator=g),
                                                     torch.randn(3, 4, generator=g) > 0,
                                                     torch.randint(-9, 9, (3, 4), generator=g),
                                                     torch.randn(2, 3, 3, generator=g),
                                                     torch.randn(2, 3, 3, generator=g))),
    "reductions": (Reductions, lambda g: (torch.randn(3, 4, generator=g),
                                          torch.tensor([[True] * 4, [False, True, False, True],
                                                        [False] * 4]),
                                          torch.randn(4, generator=g))),
    "norms": (Norms, lambda g: (torch.randn(2, 4, 3, 3, generator=g),)),
    "movement": (Movement, lambda g: (torch.randn(3, 4, generator=g), torch.randn(4, generator=g),
                                      torch.randn(2, 3, 4, generator=g))),
    "creation": (Creation, lambda g: (torch.randn(3, 4, generator=g),)),
    "conv_padding": (ConvPadding, lambda g: (torch.randn(2, 3, 9, generator=g),
                                             torch.randn(2, 3, 7, 8, generator=g))),
    "pool_norm": (PoolNorm, lambda g: (torch.randn(2, 3, 9, generator=g),
                                       torch.randn(2, 3, 5, 6, generator=g))),
    "upsample": (Upsample, lambda g: (torch.randn(2, 3, 7, generator=g),
                                      torch.randn(1, 3, 5, 5, generator=g),
                                      torch.tensor([0, 2, 1, 4]))),
    "repeat_tensor": (RepeatTensor, lambda g: (torch.randn(3, 2, generator=g),
                                               torch.tensor([1, 2, 3]))),
    "plain_rnn": (PlainRNN, lambda g: (torch.randn(5, 2, 3, generator=g),
                                       torch.randn(2, 2, 4, generator=g),
                                       torch.randn(2, 2, 5, 8, generator=g))),
}


@pytest.mark.parametrize("case", list(RULE_CASES))
def test_rules_match_run_decompositions(tmp_path, case):
    make, inputs = RULE_CASES[case]
    torch.manual_seed(0)
    model = make()
    for mod in model.modules():  # non-trivial batch-norm statistics
        if isinstance(mod, nn.BatchNorm2d):
            mod.running_mean.uniform_(-0.5, 0.5)
            mod.running_var.uniform_(0.5, 1.5)
    check_decompose(model, inputs(_g()), tmp_path)


class InPlace(nn.Module):
    """In-place ops on intermediates: functionalize makes them functional (zero_ as
    zeros_like, __iand__ as __and__, ...), then their rules apply."""

    def forward(self, x, mask, i):
        y, z, w, w2, h, s, r, t, f = (x.clone() for _ in range(9))
        y.fill_(2.0)
        z.zero_()
        w.masked_fill_(mask, 1.5)
        w2.masked_fill_(mask, torch.tensor(0.5))
        F.hardswish(h, inplace=True)
        F.silu(s, inplace=True)
        F.relu6(r, inplace=True)
        F.hardtanh(t, inplace=True)
        f.fill_(torch.tensor(3.0))
        j = i.clone()
        j &= i
        j |= i
        j ^= i
        return y, z, w, w2, h, s, r, t, f, j


def test_in_place_ops_functionalize_then_decompose(tmp_path):
    args = (torch.randn(3, 4, generator=_g()), torch.randn(3, 4, generator=_g()) > 0,
            torch.randint(0, 9, (3, 4), generator=_g()))
    check_decompose(InPlace(), args, tmp_path, passes="functionalize,decompose")


class EvalDropoutInPlace(nn.Module):
    """Eval-mode in-place dropouts, on an input and on intermediates: ATen returns the input
    untouched, so run_decompositions() has no node for them (not the clone of dropout)."""

    def forward(self, x):
        y = F.dropout(x, 0.5, False, inplace=True)
        return (y + 1, F.dropout(x * 2, 0.5, False, inplace=True),
                F.alpha_dropout(x * 3, 0.5, False, inplace=True),
                F.dropout2d(x * 4, 0.5, False, inplace=True),
                F.feature_alpha_dropout(x * 5, 0.5, False, inplace=True))


class EvalDropoutThenWrite(nn.Module):
    """A write into an eval dropout_'s result is a write into its input (the same tensor)."""

    def forward(self, x):
        t = x * 2
        y = F.dropout(t, 0.5, False, inplace=True)
        y.add_(1)
        return t, y * 3


@pytest.mark.parametrize("passes", ["decompose", "functionalize,decompose"])
def test_eval_in_place_dropout_leaves_nothing(tmp_path, passes):
    x = torch.randn(2, 3, 4, 4, generator=_g())
    check_decompose(EvalDropoutInPlace(), (x,), tmp_path, passes=passes)
    if "functionalize" in passes:
        check_decompose(EvalDropoutThenWrite(), (x,), tmp_path, passes=passes)


class DynBatch(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 4, 3)
        self.l = nn.Linear(4, 2)

    def forward(self, x):
        y = F.hardswish(self.c(x))
        return self.l(torch.flatten(F.adaptive_avg_pool2d(y, 1), 1))


def test_dynamic_batch_keeps_what_needs_literal_sizes(tmp_path):
    """With a symbolic batch, the rules that need literal sizes (flatten's view, linear's
    addmm) decline; the rest decompose, and the program stays TRAINING and runs."""
    batch = torch.export.Dim("batch", min=1, max=64)
    x = torch.randn(3, 3, 8, 8, generator=_g())
    ops = None
    model = DynBatch().eval()
    ep = torch.export.export(model, (x,), dynamic_shapes={"x": {0: batch}})
    src, dst = tmp_path / "dyn.pt2", tmp_path / "dyn-dec.pt2"
    torch.export.save(ep, str(src))
    r = run_pt2c("opt", src, "-o", dst, "--passes", "decompose", "--quiet", timeout=300)
    assert r.returncode == 0, r.stderr
    got = torch.export.load(str(dst))
    ops = op_counts(got)
    assert ops["aten.convolution.default"] == 1 and ops["aten.conv2d.default"] == 0
    assert ops["aten.clamp.default"] == 2 and ops["aten.hardswish.default"] == 0
    assert ops["aten.mean.dim"] == 1
    assert ops["aten.flatten.using_ints"] == 1 and ops["aten.linear.default"] == 1
    assert got.dialect == "TRAINING"
    for b in (1, 5):
        xb = torch.randn(b, 3, 8, 8, generator=_g())
        with torch.no_grad():
            np.testing.assert_allclose(leaves(got.module()(xb))[0], leaves(model(xb))[0],
                                       rtol=1e-4, atol=1e-5)
        np.save(tmp_path / "x.npy", xb.numpy())
        r = run_pt2c("run", dst, "-i", tmp_path / "x.npy", "-o", tmp_path / f"o{b}")
        assert r.returncode == 0, r.stderr
        with torch.no_grad():
            np.testing.assert_allclose(np.load(tmp_path / f"o{b}" / "output_0.npy"),
                                       leaves(model(xb))[0], rtol=1e-4, atol=1e-5)


class FlashLogsumexp(nn.Module):
    def forward(self, q):
        out, lse = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu(q, q, q)
        return out, lse


def test_flash_attention_whose_logsumexp_is_read_stays(tmp_path):
    """torch/_decomp's flash attention returns the math path's attention weights where the
    kernel returns logsumexp: with that output read, the rule declines and the op stays."""
    q = torch.randn(1, 2, 4, 8, generator=_g())
    ep = torch.export.export(FlashLogsumexp(), (q,))
    src, dst = tmp_path / "flash.pt2", tmp_path / "flash-dec.pt2"
    torch.export.save(ep, str(src))
    r = run_pt2c("opt", src, "-o", dst, "--passes", "decompose", "--quiet", timeout=300)
    assert r.returncode == 0, r.stderr
    got = torch.export.load(str(dst))
    assert op_counts(got) == op_counts(ep) and got.dialect == "TRAINING"


class DynLayers(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = nn.Conv1d(3, 3, 4, padding="same")
        self.norm = nn.InstanceNorm1d(3)
        self.rnn = nn.RNN(3, 4, batch_first=True)

    def forward(self, x):
        y = F.interpolate(self.norm(F.max_pool1d(self.c(x), 2)), scale_factor=2.0)
        return self.rnn(y.transpose(1, 2))[0]


def test_dynamic_batch_declines_layer_rules(tmp_path):
    """With a symbolic batch, conv1d.padding, max_pool1d, instance_norm, upsample_nearest1d
    and rnn_tanh need literal sizes (padding, views, unrolled steps): each rule declines, the
    op stays, and the program stays TRAINING and runs in PyTorch and pt2c."""
    batch = torch.export.Dim("batch", min=1, max=64)
    x = torch.randn(3, 3, 8, generator=_g())
    model = DynLayers().eval()
    ep = torch.export.export(model, (x,), dynamic_shapes={"x": {0: batch}})
    src, dst = tmp_path / "dyn.pt2", tmp_path / "dyn-dec.pt2"
    torch.export.save(ep, str(src))
    r = run_pt2c("opt", src, "-o", dst, "--passes", "decompose", "--quiet", timeout=300)
    assert r.returncode == 0, r.stderr
    got = torch.export.load(str(dst))
    ops = op_counts(got)
    for op in ("aten.conv1d.padding", "aten.max_pool1d.default", "aten.instance_norm.default",
               "aten.upsample_nearest1d.vec", "aten.rnn_tanh.input"):
        assert ops[op] == 1, (op, dict(ops))
    assert got.dialect == "TRAINING"
    for b in (1, 5):
        xb = torch.randn(b, 3, 8, generator=_g())
        with torch.no_grad():
            want = leaves(model(xb))[0]
            np.testing.assert_allclose(leaves(got.module()(xb))[0], want, rtol=1e-4, atol=1e-5)
        np.save(tmp_path / "x.npy", xb.numpy())
        r = run_pt2c("run", dst, "-i", tmp_path / "x.npy", "-o", tmp_path / f"o{b}")
        assert r.returncode == 0, r.stderr
        np.testing.assert_allclose(np.load(tmp_path / f"o{b}" / "output_0.npy"), want,
                                   rtol=1e-4, atol=1e-5)


def test_core_aten_input_is_left_alone(tmp_path):
    """A program already in Core ATen has nothing to decompose: the pass changes nothing."""
    ep = torch.export.export(Shapes().eval(), RULE_CASES["shapes"][1](_g())).run_decompositions()
    src, dst = tmp_path / "core.pt2", tmp_path / "again.pt2"
    torch.export.save(ep, str(src))
    r = run_pt2c("opt", src, "-o", dst, "--passes", "decompose", timeout=300)
    assert r.returncode == 0, r.stderr
    assert "decompose" in r.stdout and "0 rewrites" in r.stdout, r.stdout
    assert op_counts(torch.export.load(str(dst))) == op_counts(ep)


# ---------------------------------------------------------------------------------------- #
# Hugging Face architectures (tiny configs, random weights: test_passes._hf)

@pytest.mark.parametrize("name", ["bert", "vit", "resnet", "mobilenet_v2"])
def test_hf_decompose_matches_run_decompositions(tmp_path, name):
    from test_passes import _hf
    model, args = _hf(name)
    # (ResNet adds its residual in place: functionalize first, as run_decompositions does)
    check_decompose(model, args, tmp_path, passes="functionalize,decompose")


@pytest.mark.parametrize("name", ["gpt2", "bart"])
def test_hf_decompose_beyond_run_decompositions(tmp_path, name):
    """GPT-2: torch 2.13's run_decompositions() raises (Conv1D views a tensor its own
    decomposition made non-contiguous); pt2c copies there instead, and PyTorch reloads the
    result. BART's training IR writes in place: functionalize, then decompose. Both come out
    ATEN, reload in PyTorch and match eager; pt2c runs them."""
    from test_passes import _hf
    model, args = _hf(name)
    model.eval()
    ep = torch.export.export(model, args)
    src, dst = tmp_path / "train.pt2", tmp_path / "decomposed.pt2"
    torch.export.save(ep, str(src))
    if name == "gpt2":
        with pytest.raises(ValueError):
            ep.run_decompositions()
    r = run_pt2c("opt", src, "-o", dst, "--passes", "functionalize,decompose", "--quiet",
                 timeout=300)
    assert r.returncode == 0, r.stderr
    got = torch.export.load(str(dst))
    assert got.dialect == "ATEN"
    ops = op_counts(got)
    for op in ("aten.linear.default", "aten.layer_norm.default", "aten.copy_.default",
               "aten.scaled_dot_product_attention.default", "aten.matmul.default"):
        assert ops[op] == 0, op
    with torch.no_grad():
        expected = leaves(model(*args))
        reloaded = leaves(got.module()(*args))
    for g, e in zip(reloaded, expected):
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-5)
    np.save(tmp_path / "ids.npy", args[0].numpy())
    r = run_pt2c("run", dst, "-i", tmp_path / "ids.npy", "-o", tmp_path / "out", timeout=300)
    assert r.returncode == 0, r.stderr
    np.testing.assert_allclose(np.load(tmp_path / "out" / "output_0.npy"), expected[0],
                               rtol=1e-4, atol=1e-5)
