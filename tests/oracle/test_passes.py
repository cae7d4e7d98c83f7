"""Graph passes (src/passes/, `pt2c opt --passes P`), each alone: the graph before, the
graph after (which ops went and came), and the same outputs, from pt2c and from PyTorch
reloading the written file. Then the whole pipeline over the zoo: `pt2c opt` output loads in
torch.export.load and matches eager (rtol 1e-3, atol 1e-4: folding rounds differently),
`pt2c run` of it matches, and node counts drop on conv + batch-norm models.
"""
from collections import Counter

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.utils._pytree as pytree

from conftest import run_pt2c
from programs import input_args, load_outputs
from zoo import DIALECTS, cases

pytestmark = pytest.mark.filterwarnings("ignore")
OPT_RTOL, OPT_ATOL = 1e-3, 1e-4
ALL_PASSES = ("functionalize,cse,fold_transposes,fold_constants,fuse_attention,"
              "fuse_activations,fuse_norms,fold_batch_norm,dce")


def export(model, args, tmp_path, dialect="export"):
    ep = torch.export.export(model.eval(), args)
    if dialect == "core_aten":
        ep = ep.run_decompositions()
    path = tmp_path / f"{dialect}.pt2"
    torch.export.save(ep, str(path))
    inputs = []
    for i, a in enumerate(args):
        inputs.append(tmp_path / f"in{i}.npy")
        np.save(inputs[-1], a.numpy())
    with torch.no_grad():
        expected = [t.numpy().copy() for t in pytree.tree_leaves(model(*args))]
    return path, inputs, expected


def opt(src, dst, passes):
    r = run_pt2c("opt", src, "-o", dst, "--passes", passes, timeout=300)
    assert r.returncode == 0, r.stderr
    return r.stdout


def ops(path):
    """The op multiset of a .pt2's graph, as PyTorch loads it."""
    ep = torch.export.load(str(path))
    return Counter(str(n.target) for n in ep.graph.nodes if n.op == "call_function"), ep


def run(path, inputs, tmp_path, passes=None):
    out = tmp_path / f"out-{path.stem}-{passes}"
    extra = ["--passes", passes] if passes else []
    r = run_pt2c("run", path, *[a for p in inputs for a in ("-i", p)], "-o", out, *extra,
                 timeout=300)
    return r, out


def assert_close(got, expected, rtol=1e-4, atol=1e-5):
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.shape == e.shape and g.dtype == e.dtype
        np.testing.assert_allclose(g, e, rtol=rtol, atol=atol)


def torch_run(ep, args):
    with torch.no_grad():
        return [t.numpy().copy() for t in pytree.tree_leaves(ep.module()(*args))]


# ---------------------------------------------------------------------------------------- #
# functionalize

class ShiftTokens(nn.Module):
    """BART's shift_tokens_right: writes into a slice view, a select view, then the base."""

    def forward(self, ids):
        shifted = ids.new_zeros(ids.shape)
        shifted[:, 1:] = ids[:, :-1].clone()
        shifted[:, 0] = 2
        shifted.masked_fill_(shifted == -100, 1)
        return shifted * 3


class StaleView(nn.Module):
    """A view taken before a write and read after it must see the write (PyTorch aliasing);
    a write through a transpose and a select reaches the base."""

    def forward(self, x):
        y = x * 2
        v = y[1:]
        y[:, 0] += 1
        t = y.t()
        t[0] = 5
        return v + 1, y


@pytest.mark.parametrize("model,make", [
    (ShiftTokens, lambda: (torch.randint(0, 50, (2, 7)),)),
    (StaleView, lambda: (torch.randn(4, 3),)),
], ids=["shift_tokens", "stale_view"])
def test_functionalize(tmp_path, model, make):
    torch.manual_seed(0)
    args = make()
    path, inputs, expected = export(model(), args, tmp_path)
    before, _ = ops(path)
    assert any(t.endswith("_.default") or "_." in t for t in before), before
    # As exported, pt2c refuses the writes into views (it computes views as copies); check
    # says so with --passes none, and applies the default passes (functionalize) otherwise,
    # as run does.
    r, _ = run(path, inputs, tmp_path, passes="none")
    assert r.returncode != 0 and "view" in r.stderr, r.stderr
    r = run_pt2c("check", path, "--passes", "none")
    assert r.returncode != 0 and "in-place write" in r.stderr, r.stderr
    r = run_pt2c("check", path)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr
    out = tmp_path / "functional.pt2"
    opt(path, out, "functionalize")
    after, ep = ops(out)
    inplace = [t for t in after if t.split(".")[-2].endswith("_")]
    assert not inplace, f"in-place ops left: {inplace}"
    assert any("scatter" in t for t in after), after
    assert_close(torch_run(ep, args), expected)
    r, out_dir = run(out, inputs, tmp_path, passes="none")
    assert r.returncode == 0, r.stderr
    assert_close(load_outputs(out_dir, len(expected)), expected)


# ---------------------------------------------------------------------------------------- #
# cse

class Repeats(nn.Module):
    """The same op on the same inputs twice (export keeps both), and a random op twice (two
    draws: never merged)."""

    def forward(self, x):
        a = torch.sin(x).view(2, -1) + torch.sin(x).view(2, -1)
        return a * torch.sin(x).view(2, -1)


def test_cse(tmp_path):
    torch.manual_seed(0)
    args = (torch.randn(2, 3, 4),)
    path, inputs, expected = export(Repeats(), args, tmp_path)
    before, _ = ops(path)
    assert before["aten.sin.default"] == 3 and before["aten.view.default"] == 3
    out = tmp_path / "cse.pt2"
    text = opt(path, out, "cse")
    after, ep = ops(out)
    assert after["aten.sin.default"] == 1 and after["aten.view.default"] == 1, after
    assert "cse" in text and "4 rewrites" in text, text
    assert_close(torch_run(ep, args), expected)
    r, out_dir = run(out, inputs, tmp_path, passes="none")
    assert r.returncode == 0, r.stderr
    assert_close(load_outputs(out_dir, 1), expected)


# ---------------------------------------------------------------------------------------- #
# fold_transposes

class Products(nn.Module):
    """Core ATen's linear (permute + addmm, and view + mm + view for 3-D inputs without a
    bias) and a product with a transposed activation."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 16)
        self.proj = nn.Linear(16, 4, bias=False)

    def forward(self, x, y):
        h = self.proj(torch.relu(self.fc(x)))
        return h, x[0] @ y.t()


def test_fold_transposes(tmp_path):
    torch.manual_seed(0)
    args = (torch.randn(2, 3, 8), torch.randn(5, 8))
    path, inputs, expected = export(Products(), args, tmp_path, "core_aten")
    before, _ = ops(path)
    assert before["aten.permute.default"] == 3, before
    out = tmp_path / "t.pt2"
    text = opt(path, out, "fold_transposes")
    assert "3 rewrites" in text, text
    after, ep = ops(out)
    assert "aten.permute.default" not in after and after["aten.linear.default"] == 3, after
    assert "aten.addmm.default" not in after and "aten.mm.default" not in after, after
    assert_close(torch_run(ep, args), expected)
    # The same multiply-adds in the same order: the same bits as the graph as exported.
    r1, o1 = run(path, inputs, tmp_path, passes="none")
    r2, o2 = run(out, inputs, tmp_path, passes="none")
    assert r1.returncode == 0 and r2.returncode == 0, r1.stderr + r2.stderr
    for a, b in zip(load_outputs(o1, 2), load_outputs(o2, 2)):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------------------- #
# fold_constants

class ConstantMath(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(16, 8))
        self.register_buffer("scale", torch.rand(16) + 0.5)

    def forward(self, x):
        w = self.w.t() * 2 + 1          # weights only: folds
        return (x @ w) * self.scale.unsqueeze(0)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_fold_constants(tmp_path, dialect):
    torch.manual_seed(0)
    args = (torch.randn(3, 8),)
    path, inputs, expected = export(ConstantMath(), args, tmp_path, dialect)
    out = tmp_path / "folded.pt2"
    opt(path, out, "fold_constants,dce")
    before, _ = ops(path)
    after, ep = ops(out)
    assert sum(after.values()) < sum(before.values())
    # What reads only weights is gone: no transpose/permute, one multiply on x left.
    assert not any(("permute" in t or ".t." in t or "transpose" in t) for t in after), after
    assert any(s.kind.name == "CONSTANT_TENSOR" and s.target.startswith("folded_")
               for s in ep.graph_signature.input_specs)
    assert "w" not in ep.state_dict, "the folded weight should be gone from the state dict"
    assert_close(torch_run(ep, args), expected)
    # Folding runs pt2c's own kernels once: the same bits as computing them every run.
    r1, o1 = run(path, inputs, tmp_path, passes="none")
    r2, o2 = run(out, inputs, tmp_path, passes="none")
    assert r1.returncode == 0 and r2.returncode == 0, r1.stderr + r2.stderr
    for a, b in zip(load_outputs(o1, 1), load_outputs(o2, 1)):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------------------- #
# fuse_attention

class Attention(nn.Module):
    """Multi-head attention through F.scaled_dot_product_attention, which Core ATen
    decomposes into scaled bmm, mask, safe softmax and bmm."""

    def __init__(self, masked, causal=False):
        super().__init__()
        self.qkv = nn.Linear(32, 96)
        self.masked, self.causal = masked, causal

    def forward(self, x, mask):
        b, t, _ = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, 4, 8).permute(2, 0, 3, 1, 4)
        m = mask if self.masked else None
        y = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m,
                                                       is_causal=self.causal)
        return y.transpose(1, 2).reshape(b, t, 32)


@pytest.mark.parametrize("kind", ["float_mask", "no_mask", "causal"])
def test_fuse_attention(tmp_path, kind):
    torch.manual_seed(0)
    mask = torch.randn(2, 1, 6, 6)
    mask[1, 0, 2, :] = float("-inf")  # a fully masked row: the safe softmax gives zeros
    args = (torch.randn(2, 6, 32), mask)
    model = Attention(kind == "float_mask", kind == "causal")
    path, inputs, expected = export(model, args, tmp_path, "core_aten")
    before, _ = ops(path)
    assert before["aten.bmm.default"] == 2 and before["aten._softmax.default"] == 1
    out = tmp_path / "fused.pt2"
    text = opt(path, out, "fuse_attention")
    assert "1 rewrite," in text, text
    after, ep = ops(out)
    assert after["aten.scaled_dot_product_attention.default"] == 1, after
    assert "aten.bmm.default" not in after and "aten._softmax.default" not in after, after
    assert_close(torch_run(ep, args), expected)
    r, out_dir = run(out, inputs, tmp_path, passes="none")
    assert r.returncode == 0, r.stderr
    assert_close(load_outputs(out_dir, 1), expected)


# ---------------------------------------------------------------------------------------- #
# fold_batch_norm and dce

class ConvBnLinearBn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv, self.bn = nn.Conv2d(3, 8, 3, bias=False), nn.BatchNorm2d(8)
        self.fc, self.bn1 = nn.Linear(8 * 6 * 6, 4), nn.BatchNorm1d(4)
        for bn in (self.bn, self.bn1):
            bn.running_mean.uniform_(-1, 1)
            bn.running_var.uniform_(0.5, 2)
            bn.weight.data.uniform_(0.5, 2)
            bn.bias.data.uniform_(-1, 1)

    def forward(self, x):
        y = torch.relu(self.bn(self.conv(x)))
        return self.bn1(self.fc(y.flatten(1)))


@pytest.mark.parametrize("dialect", DIALECTS)
def test_fold_batch_norm_then_dce(tmp_path, dialect):
    torch.manual_seed(0)
    args = (torch.randn(2, 3, 8, 8),)
    path, inputs, expected = export(ConvBnLinearBn(), args, tmp_path, dialect)
    before, ep0 = ops(path)
    # Core ATen's linear is permute + addmm: fold_constants first makes its weight a
    # constant the batch norm can be folded into.
    folded = tmp_path / "bn.pt2"
    opt(path, folded, "fold_constants,fold_batch_norm")
    mid, ep1 = ops(folded)
    assert not any("batch_norm" in t for t in mid), mid
    assert sum(mid.values()) < sum(before.values())
    # The batch norms' parameters are unread now but still placeholders: dce drops them.
    assert len(ep1.state_dict) == len(ep0.state_dict)
    cleaned = tmp_path / "dce.pt2"
    opt(folded, cleaned, "dce")
    after, ep2 = ops(cleaned)
    assert after == mid
    assert not any("bn" in k for k in ep2.state_dict), list(ep2.state_dict)
    assert len(ep2.graph_signature.input_specs) < len(ep1.graph_signature.input_specs)
    assert_close(torch_run(ep2, args), expected, OPT_RTOL, OPT_ATOL)
    r, out_dir = run(cleaned, inputs, tmp_path)
    assert r.returncode == 0, r.stderr
    assert_close(load_outputs(out_dir, 1), expected, OPT_RTOL, OPT_ATOL)


# ---------------------------------------------------------------------------------------- #
# fuse_activations and fuse_norms: activations and norms written out as elementwise chains,
# in the forms real code writes them (transformers' own modules where there is one).

def _gelu_ref(x):
    """torch's reference decomposition of the exact GELU."""
    return x * 0.5 * (1 + torch.erf(x * 0.7071067811865476))


class HandActivations(nn.Module):
    """GELU by erf (two forms) and by tanh (GPT-2's gelu_new and GELUTanh's Python form), SiLU
    written as x * sigmoid(x); and nn.SiLU / nn.Hardswish / nn.Hardsigmoid, which only Core
    ATen writes out."""

    def __init__(self):
        super().__init__()
        from transformers.activations import GELUActivation, GELUTanh, NewGELUActivation
        self.gelu_new = NewGELUActivation()
        self.gelu_python = GELUActivation(use_gelu_python=True)
        self.gelu_tanh_python = GELUTanh(use_gelu_tanh_python=True)
        self.silu, self.hardswish, self.hardsigmoid = nn.SiLU(), nn.Hardswish(), nn.Hardsigmoid()

    def forward(self, x):
        h = x * 1.5
        return (self.gelu_new(x), self.gelu_python(x * 2), self.gelu_tanh_python(x * 3),
                _gelu_ref(x * 4), h * torch.sigmoid(h), self.silu(x * 5),
                self.hardswish(x * 6), self.hardsigmoid(x * 7))


def _fused_ops(after):
    return {k: after[k] for k in ("aten.gelu.default", "aten.silu.default",
                                  "aten.hardswish.default", "aten.hardsigmoid.default",
                                  "aten.rms_norm.default", "aten.layer_norm.default")
            if after[k]}


def _assert_opt_matches(ep, out, args, inputs, expected, tmp_path):
    """ep (torch.export.load of out, the written file) runs and matches eager; so does pt2c
    run of out."""
    assert_close(torch_run(ep, args), expected)
    r, out_dir = run(out, inputs, tmp_path, passes="none")
    assert r.returncode == 0, r.stderr
    assert_close(load_outputs(out_dir, len(expected)), expected)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_fuse_activations(tmp_path, dialect):
    torch.manual_seed(0)
    args = (torch.randn(4, 64),)
    path, inputs, expected = export(HandActivations(), args, tmp_path, dialect)
    before, _ = ops(path)
    assert before["aten.tanh.default"] == 2 and before["aten.erf.default"] == 2, before
    out = tmp_path / "act.pt2"
    text = opt(path, out, "fuse_activations")
    after, ep = ops(out)
    core = dialect == "core_aten"
    # As exported, nn.SiLU, nn.Hardswish and nn.Hardsigmoid are already one op each.
    assert f"{8 if core else 5} rewrites" in text, text
    assert _fused_ops(after) == {"aten.gelu.default": 4, "aten.silu.default": 2,
                                 "aten.hardswish.default": 1,
                                 "aten.hardsigmoid.default": 1}, after
    tanh = [n for n in ep.graph.nodes if n.target == torch.ops.aten.gelu.default
            and n.kwargs.get("approximate") == "tanh"]
    assert len(tanh) == 2
    for gone in ("tanh.default", "erf.default", "sigmoid.default", "clamp.default",
                 "pow.Tensor_Scalar", "div.Tensor"):
        assert f"aten.{gone}" not in after, after
    # Left: the seven scalings of x.
    assert after["aten.mul.Tensor"] == 7 and sum(after.values()) == 15, after
    _assert_opt_matches(ep, out, args, inputs, expected, tmp_path)


class HandNorms(nn.Module):
    """transformers' hand-written norms over the last dim: DeBERTa's layer norm (sqrt, div,
    weight and bias), Cohere's (rsqrt, weight only, casts), T5's and LLaMA's RMS norms."""

    def __init__(self, d=32):
        super().__init__()
        from transformers.models.cohere.modeling_cohere import CohereLayerNorm
        from transformers.models.deberta.modeling_deberta import DebertaLayerNorm
        from transformers.models.llama.modeling_llama import LlamaRMSNorm
        from transformers.models.t5.modeling_t5 import T5LayerNorm
        self.norms = nn.ModuleList([DebertaLayerNorm(d), CohereLayerNorm(d), T5LayerNorm(d),
                                    LlamaRMSNorm(d)])
        with torch.no_grad():
            for p in self.parameters():
                p.uniform_(0.5, 1.5)

    def forward(self, x):
        return tuple(norm(x * (i + 1)) for i, norm in enumerate(self.norms))


@pytest.mark.parametrize("passes", ["fuse_norms", "cse,fuse_norms"])
@pytest.mark.parametrize("dialect", DIALECTS)
def test_fuse_norms(tmp_path, dialect, passes):
    torch.manual_seed(0)
    args = (torch.randn(2, 5, 32) * 3 + 1,)
    path, inputs, expected = export(HandNorms(), args, tmp_path, dialect)
    before, _ = ops(path)
    assert before["aten.mean.dim"] == 6 and before["aten.sub.Tensor"] == 4, before
    out = tmp_path / "norms.pt2"
    text = opt(path, out, passes)
    # cse merges each layer norm's two sub(x, mean) into one value read twice: fused alike.
    assert "fuse_norms" in text and "4 rewrites" in text.split("fuse_norms")[1], text
    after, ep = ops(out)
    assert _fused_ops(after) == {"aten.layer_norm.default": 2, "aten.rms_norm.default": 2}, after
    for gone in ("mean.dim", "sub.Tensor", "pow.Tensor_Scalar", "rsqrt.default", "sqrt.default",
                 "div.Tensor"):
        assert f"aten.{gone}" not in after, after
    norms = [n for n in ep.graph.nodes if n.op == "call_function" and "norm" in str(n.target)]
    # DeBERTa's has a bias, Cohere's none; the eps are the modules' own.
    assert [(n.args[1], n.args[-1]) for n in norms] == [([32], 1e-12), ([32], 1e-5),
                                                         ([32], 1e-6), ([32], 1e-6)]
    assert norms[0].args[3] is not None and norms[1].args[3] is None
    # Assertions on swallowed intermediates went with them; those on inputs and weights stay.
    asserts = "aten._assert_tensor_metadata.default"
    assert 0 < after[asserts] < before[asserts], (before, after)
    _assert_opt_matches(ep, out, args, inputs, expected, tmp_path)


class NotQuite(nn.Module):
    """Near misses: an intermediate someone else reads, or a constant that differs."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.rand(16) + 0.5)

    def forward(self, x):
        s = torch.sigmoid(x)
        silu_shared = x * s                                             # s also returned
        gelu_off = x * 0.5 * (1 + torch.erf(x * 0.75))                 # 0.75, not 1/sqrt(2)
        hard_off = x * torch.clamp(torch.clamp(x + 2, min=0), max=6) / 6  # + 2, not + 3
        ms = (x + 1).pow(2).mean(-1, keepdim=True)
        rms_shared = self.w * ((x + 1) * torch.rsqrt(ms + 1e-6))       # ms also returned
        rms_cols = self.w * (x * torch.rsqrt(x.pow(2).mean(0, keepdim=True) + 1e-6))  # dim 0
        mu = x.mean(-1, keepdim=True)
        ln_shared = (x - mu) / torch.sqrt((x - mu).pow(2).mean(-1, keepdim=True) + 1e-5)
        return silu_shared, s, gelu_off, hard_off, rms_shared, ms, rms_cols, ln_shared, mu


@pytest.mark.parametrize("dialect", DIALECTS)
def test_fuse_leaves_near_misses_alone(tmp_path, dialect):
    torch.manual_seed(0)
    args = (torch.randn(16, 16),)
    path, inputs, expected = export(NotQuite(), args, tmp_path, dialect)
    # After cse, so that the layer norm's two sub(x, mean) are one value read twice.
    mid, out = tmp_path / "cse.pt2", tmp_path / "none.pt2"
    opt(path, mid, "cse")
    text = opt(mid, out, "fuse_activations,fuse_norms")
    assert text.count("0 rewrites") == 2, text
    before, _ = ops(mid)
    after, ep = ops(out)
    assert after == before
    _assert_opt_matches(ep, out, args, inputs, expected, tmp_path)

# ---------------------------------------------------------------------------------------- #
# The CLI

def test_opt_reports_each_pass_and_prints_after(tmp_path):
    torch.manual_seed(0)
    path, _, _ = export(ConvBnLinearBn(), (torch.randn(2, 3, 8, 8),), tmp_path, "core_aten")
    text = opt(path, tmp_path / "o.pt2", "fold_constants,fold_batch_norm,dce")
    lines = [l for l in text.splitlines() if l and not l.startswith(" ")]
    assert [l.split()[0] for l in lines[:3]] == ["fold_constants", "fold_batch_norm", "dce"]
    assert "nodes" in lines[0] and "arena" in lines[0]
    r = run_pt2c("opt", path, "-o", tmp_path / "p.pt2", "--passes", "fold_constants,dce",
                 "--print-after", "dce", "--quiet")
    assert r.returncode == 0, r.stderr
    assert "# after dce" in r.stdout and "def forward(self" in r.stdout
    assert "aten.permute" not in r.stdout.split("# after dce")[1]


def test_unknown_pass_is_one_line(tmp_path):
    torch.manual_seed(0)
    path, _, _ = export(ConstantMath(), (torch.randn(3, 8),), tmp_path)
    target = tmp_path / "never.pt2"
    r = run_pt2c("opt", path, "-o", target, "--passes", "dce,bogus")
    assert r.returncode != 0
    assert len(r.stderr.strip().splitlines()) == 1 and "bogus" in r.stderr
    assert "dce" in r.stderr  # the known passes are listed
    assert not target.exists()
    r = run_pt2c("run", path, "--passes", "bogus")
    assert r.returncode != 0 and "bogus" in r.stderr


# ---------------------------------------------------------------------------------------- #
# The zoo through the whole pipeline

ZOO_CASES = [(n, d, min(b for m, b in cases() if m == n))
             for n in dict.fromkeys(m for m, _ in cases()) for d in DIALECTS]


@pytest.mark.parametrize("name,dialect,batch", ZOO_CASES,
                         ids=[f"{n}-{d}-b{b}" for n, d, b in ZOO_CASES])
def test_zoo_full_pipeline(zoo_program, tmp_path, name, dialect, batch):
    prog = zoo_program(name, dialect, batch)
    out = tmp_path / "opt.pt2"
    opt(prog.path, out, ALL_PASSES)
    before, _ = ops(prog.path)
    after, ep = ops(out)
    if any("batch_norm" in t for t in before):
        assert sum(after.values()) < sum(before.values()), "conv + batch norm should fold"
    args = [torch.from_numpy(np.load(p)) for p in prog.inputs]
    assert_close(torch_run(ep, args), prog.expected, OPT_RTOL, OPT_ATOL)
    r = run_pt2c("run", out, *input_args(prog), "-o", tmp_path / "o", timeout=300)
    assert r.returncode == 0, r.stderr
    assert_close(load_outputs(tmp_path / "o", len(prog.expected)), prog.expected, OPT_RTOL,
                 OPT_ATOL)


# ---------------------------------------------------------------------------------------- #
# Hugging Face architectures (tiny configs, random weights): BART's training IR writes into a
# slice view (shift_tokens_right) and runs only once functionalized.

def _hf(name):
    import transformers as tf
    torch.manual_seed(0)
    if name == "bart":
        cfg = tf.BartConfig(vocab_size=100, d_model=32, encoder_layers=1, decoder_layers=1,
                            encoder_attention_heads=2, decoder_attention_heads=2,
                            encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=64,
                            use_cache=False)
        return tf.BartModel(cfg), (torch.randint(3, 100, (2, 10)),)
    if name == "bert":
        cfg = tf.BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2,
                            num_attention_heads=2, intermediate_size=64)
        return tf.BertModel(cfg), (torch.randint(0, 100, (2, 10)),)
    if name == "gpt2":
        cfg = tf.GPT2Config(vocab_size=100, n_embd=32, n_layer=2, n_head=2, n_positions=32,
                            use_cache=False)
        return tf.GPT2LMHeadModel(cfg), (torch.randint(0, 100, (2, 10)),)
    if name == "llama":
        cfg = tf.LlamaConfig(vocab_size=128, hidden_size=64, intermediate_size=128,
                             num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=4,
                             max_position_embeddings=64, use_cache=False)
        return tf.LlamaForCausalLM(cfg), (torch.randint(0, 128, (2, 10)),)
    if name == "resnet":
        cfg = tf.ResNetConfig(embedding_size=16, hidden_sizes=[16, 32], depths=[1, 1],
                              layer_type="basic")
        return _calibrated(tf.ResNetModel(cfg)), (torch.randn(2, 3, 32, 32),)
    if name == "mobilenet_v2":
        cfg = tf.MobileNetV2Config(image_size=32, depth_multiplier=0.35)
        return _calibrated(tf.MobileNetV2Model(cfg)), (torch.randn(2, 3, 32, 32),)
    cfg = tf.ViTConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                       intermediate_size=64, image_size=32, patch_size=8)
    return tf.ViTModel(cfg), (torch.randn(2, 3, 32, 32),)


def _calibrated(model):
    """Batch norms with running statistics and affine parameters away from the identity, so
    that folding them is visible in the numbers."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.8, 1.2)
            m.bias.data.uniform_(-0.1, 0.1)
    return model


# torch 2.13's own run_decompositions() raises on transformers' GPT-2 (Conv1D's
# x.view(-1, n) of a non-contiguous tensor): PyTorch cannot make that Core ATen program.
_TORCH_CANNOT = pytest.mark.xfail(raises=ValueError, strict=True,
                                  reason="torch 2.13 run_decompositions() fails on GPT-2")
HF_CASES = [pytest.param(m, d, id=f"{m}-{d}",
                         marks=[_TORCH_CANNOT] if (m, d) == ("gpt2", "core_aten") else [])
            for m in ("bart", "bert", "gpt2", "llama", "vit", "resnet", "mobilenet_v2")
            for d in DIALECTS]


@pytest.mark.parametrize("name,dialect", HF_CASES)
def test_hf_full_pipeline(tmp_path, name, dialect):
    model, args = _hf(name)
    model.eval()
    ep = torch.export.export(model, args)
    path = tmp_path / "m.pt2"
    torch.export.save(ep, str(path))
    if dialect == "core_aten":
        ep = ep.run_decompositions()
        torch.export.save(ep, str(path))
    with torch.no_grad():
        expected = [t.numpy().copy() for t in pytree.tree_leaves(model(*args))]
    inputs = []
    for i, a in enumerate(args):
        inputs.append(tmp_path / f"in{i}.npy")
        np.save(inputs[-1], a.numpy())
    # pt2c run applies the default passes (functionalize first): BART's training IR runs.
    r, out_dir = run(path, inputs, tmp_path)
    assert r.returncode == 0, r.stderr
    assert_close(load_outputs(out_dir, len(expected)), expected)
    out = tmp_path / "opt.pt2"
    opt(path, out, ALL_PASSES)
    _, ep2 = ops(out)
    assert_close(torch_run(ep2, args), expected, OPT_RTOL, OPT_ATOL)
    r, out_dir = run(out, inputs, tmp_path, passes="none")
    assert r.returncode == 0, r.stderr
    assert_close(load_outputs(out_dir, len(expected)), expected, OPT_RTOL, OPT_ATOL)
    before, _ = ops(path)
    after, _ = ops(out)
    if any("batch_norm" in t for t in before):
        assert not any("batch_norm" in t for t in after), after
        assert sum(after.values()) < sum(before.values())


# LLaMA writes its RMS norms by hand (and Core ATen its SiLU as sigmoid and mul); GPT-2 its
# gelu_new. fuse_activations and fuse_norms recover one op each.
@pytest.mark.parametrize("name,dialect,fused", [
    ("llama", "export", {"aten.rms_norm.default": 5}),
    ("llama", "core_aten", {"aten.rms_norm.default": 5, "aten.silu.default": 2}),
    ("gpt2", "export", {"aten.gelu.default": 2}),
], ids=["llama-export", "llama-core_aten", "gpt2-export"])
def test_hf_fuse_activations_and_norms(tmp_path, name, dialect, fused):
    model, args = _hf(name)
    path, inputs, expected = export(model, args, tmp_path, dialect)
    before, _ = ops(path)
    out = tmp_path / "fused.pt2"
    opt(path, out, "fuse_activations,fuse_norms")
    after, ep = ops(out)
    new = Counter(_fused_ops(after))
    new.subtract(_fused_ops(before))  # the training IR has LLaMA's silu nodes already
    assert +new == Counter(fused), after
    for gone in ("rsqrt.default", "mean.dim", "sigmoid.default", "tanh.default",
                 "pow.Tensor_Scalar"):
        assert f"aten.{gone}" not in after, after
    if name == "gpt2":
        assert all(n.kwargs.get("approximate") == "tanh" for n in ep.graph.nodes
                   if n.target == torch.ops.aten.gelu.default)
    assert sum(after.values()) < sum(before.values())
    _assert_opt_matches(ep, out, args, inputs, expected, tmp_path)
