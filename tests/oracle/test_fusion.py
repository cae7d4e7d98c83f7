"""Plan-level fusion (src/runtime/fuse.c): a convolution, linear or addmm absorbs the eval
batch norm, residual add and activation that follow it.

Each model is exported in both dialects and run three ways: by PyTorch eager, by pt2c as
planned (fused), and by pt2c with --no-fusion. Fusion must happen where expected (`run
--meta` names a fused step "fused:<ops>"), must not happen where the intermediate has another
reader, and must not change results: without a batch norm the fused and unfused runs give the
same bits (the epilogue runs the same operations in the same order); a folded batch norm
rounds once in the weights instead of per element, so there both stay within the oracle's
tolerance of PyTorch.
"""
import numpy as np
import pytest
import torch
import torch.nn as nn

from conftest import run_pt2c
from programs import RTOL, ATOL, load_outputs

DIALECTS = ["export", "core_aten"]


class ConvBnReluAdd(nn.Module):
    """ResNet's basic block: conv-bn-relu, conv-bn, + shortcut (conv-bn), relu."""

    def __init__(self):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(8, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16)
        self.c2, self.b2 = nn.Conv2d(16, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16)
        self.cs, self.bs = nn.Conv2d(8, 16, 1, bias=False), nn.BatchNorm2d(16)

    def forward(self, x):
        y = torch.relu(self.b1(self.c1(x)))
        y = self.b2(self.c2(y))
        y += self.bs(self.cs(x))
        return torch.relu(y)


class DepthwiseBlock(nn.Module):
    """MobileNetV2's inverted residual: 1x1 expand, depthwise 3x3 (stride 1), ReLU6, 1x1
    project, + input."""

    def __init__(self):
        super().__init__()
        self.e, self.be = nn.Conv2d(8, 24, 1, bias=False), nn.BatchNorm2d(24)
        self.d, self.bd = nn.Conv2d(24, 24, 3, 1, 1, groups=24, bias=False), nn.BatchNorm2d(24)
        self.p, self.bp = nn.Conv2d(24, 8, 1, bias=False), nn.BatchNorm2d(8)

    def forward(self, x):
        y = nn.functional.relu6(self.be(self.e(x)))
        y = nn.functional.relu6(self.bd(self.d(y)))
        return x + self.bp(self.p(y))


class ConvNoBn(nn.Module):
    """conv with bias, relu, conv, + residual, silu; a stride-2 depthwise conv + hardswish."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(6, 6, 3, 1, 1)
        self.c2 = nn.Conv2d(6, 6, 3, 1, 1)
        self.dw = nn.Conv2d(6, 6, 5, 2, 2, groups=6)

    def forward(self, x):
        y = self.c2(torch.relu(self.c1(x))) + x
        return nn.functional.hardswish(self.dw(nn.functional.silu(y)))


class MlpResidual(nn.Module):
    """A transformer MLP: linear, gelu, linear, dropout (eval), + residual; then a tanh-GELU
    linear and a sigmoid one."""

    def __init__(self):
        super().__init__()
        self.up, self.down = nn.Linear(32, 64), nn.Linear(64, 32)
        self.drop = nn.Dropout(0.1)
        self.g = nn.Linear(32, 48)
        self.s = nn.Linear(48, 20)

    def forward(self, x):
        y = x + self.drop(self.down(nn.functional.gelu(self.up(x))))
        y = nn.functional.gelu(self.g(y), approximate="tanh")
        return torch.sigmoid(self.s(y))


class SharedIntermediate(nn.Module):
    """The conv's output is read twice: nothing may be fused into it (its bytes must
    exist); the linear's output is also a graph output."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(4, 4, 3, 1, 1)
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        y = self.c(x)
        h = self.fc(x.mean((2, 3)))
        return torch.relu(y) + y, h, torch.relu(h)


def calibrated(model, x):
    """BatchNorm statistics from real activations, weights near 1 (benchmarking.md's trap:
    random statistics make activations fade)."""
    torch.manual_seed(0)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.data.uniform_(0.8, 1.2)
            m.bias.data.uniform_(-0.1, 0.1)
            m.running_mean.data.normal_(0, 0.2)
            m.running_var.data.uniform_(0.5, 2.0)
    return model.eval()


# name -> (factory, input shape, ops expected inside fused steps per dialect (substrings of
#          the --meta lines), bit-identical to --no-fusion). Core ATen decomposes SiLU and
#          hardswish into several ops: the default fuse_activations pass makes them one op
#          again, which the plan fuses. The training IR's in-place add_ reaches the plan as
#          add (the functionalize pass).
CASES = {
    "conv_bn_relu_add": (ConvBnReluAdd, (2, 8, 12, 12),
                         {"export": ["batch_norm", "add", "relu"],
                          "core_aten": ["_native_batch_norm_legit_no_training", "add", "relu"]},
                         False),
    "depthwise_block": (DepthwiseBlock, (1, 8, 10, 14),
                        {"export": ["batch_norm", "relu6", "add"],
                         "core_aten": ["_native_batch_norm_legit_no_training", "hardtanh",
                                       "add"]}, False),
    "conv_no_bn": (ConvNoBn, (1, 6, 11, 13),
                   {"export": ["relu", "add", "silu", "hardswish"],
                    "core_aten": ["relu", "add", "silu", "hardswish"]}, True),
    "mlp_residual": (MlpResidual, (3, 5, 32),
                     {"export": ["gelu", "dropout", "add", "sigmoid"],
                      "core_aten": ["linear", "view", "gelu", "clone", "add", "sigmoid"]},
                     True),
    "shared_intermediate": (SharedIntermediate, (1, 4, 6, 6),
                            {"export": [], "core_aten": []}, True),
}


@pytest.fixture(scope="module")
def programs(tmp_path_factory):
    root = tmp_path_factory.mktemp("fusion")
    out = {}
    for name, (factory, shape, _, _) in CASES.items():
        torch.manual_seed(0)
        x = torch.randn(*shape)
        model = calibrated(factory(), x)
        with torch.no_grad():
            expected = [t.numpy().copy() for t in torch.utils._pytree.tree_leaves(model(x))]
        np.save(root / f"{name}_x.npy", x.numpy())
        ep = torch.export.export(model, (x,))
        for dialect in DIALECTS:
            path = root / f"{name}_{dialect}.pt2"
            torch.export.save(ep if dialect == "export" else ep.run_decompositions(), str(path))
            out[(name, dialect)] = (path, root / f"{name}_x.npy", expected)
    return out


def run(path, x, out_dir, *flags):
    r = run_pt2c("run", path, "-i", x, "-o", out_dir, *flags)
    assert r.returncode == 0, r.stderr
    return r


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", list(CASES))
def test_fusion_matches_pytorch_and_unfused(programs, tmp_path, name, dialect):
    path, x, expected = programs[(name, dialect)]
    bit_identical = CASES[name][3]
    run(path, x, tmp_path / "fused")
    run(path, x, tmp_path / "plain", "--no-fusion")
    fused = load_outputs(tmp_path / "fused", len(expected))
    plain = load_outputs(tmp_path / "plain", len(expected))
    for i, (f, p, e) in enumerate(zip(fused, plain, expected)):
        np.testing.assert_allclose(f, e, rtol=RTOL, atol=ATOL, err_msg=f"fused output {i}")
        np.testing.assert_allclose(p, e, rtol=RTOL, atol=ATOL, err_msg=f"unfused output {i}")
        if bit_identical:
            assert f.tobytes() == p.tobytes(), f"output {i}: fusion changed bits"


def starts_at_producer(line):
    what = line.split(": fused:")[1].split(" -> ")[0]
    return what.split("+")[0].split(".")[1] in ("conv2d", "convolution", "linear", "addmm")


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", list(CASES))
def test_fusion_happens_where_expected(programs, name, dialect):
    path, x, _ = programs[(name, dialect)]
    labels = CASES[name][2][dialect]
    meta = run_pt2c("run", path, "-i", x, "--meta")
    assert meta.returncode == 0, meta.stderr
    # Steps fused by fuse.c start at a producer; elementwise groups (fuse_elementwise.c,
    # test_fuse_elementwise.py) start at an elementwise op and are not counted here.
    fused = [line for line in meta.stdout.splitlines()
             if ": fused:" in line and starts_at_producer(line)]
    plain = run_pt2c("run", path, "-i", x, "--meta", "--no-fusion")
    assert ": fused:" not in plain.stdout
    if not labels:
        assert not fused, f"nothing should fuse here:\n{meta.stdout}"
        return
    assert fused, f"no fused step:\n{meta.stdout}"
    text = "\n".join(fused)
    for label in labels:
        assert label in text, f"'{label}' not fused:\n{meta.stdout}"
    # Fewer steps than nodes.
    steps = lambda out: int(out.rsplit("activations:", 1)[1].split("bytes in ")[1].split()[0])
    assert steps(meta.stdout) < steps(plain.stdout)


def test_shared_intermediate_keeps_the_linear_output(programs, tmp_path):
    """h is a graph output and feeds relu: the linear must write h itself."""
    path, x, expected = programs[("shared_intermediate", "export")]
    run(path, x, tmp_path)
    got = load_outputs(tmp_path, 3)
    np.testing.assert_allclose(got[1], expected[1], rtol=RTOL, atol=ATOL)
    np.testing.assert_array_equal(got[2], np.maximum(got[1], 0))
