"""Buffer mutations: pt2c applies them as PyTorch does, within a run and across runs."""
import numpy as np
import pytest
import torch
from torch import nn

from conftest import run_pt2c


class Accumulate(nn.Module):
    """Mutates a buffer in place and reads it back in the same forward."""

    def __init__(self):
        super().__init__()
        self.register_buffer("total", torch.tensor([0.5, -1.0, 2.0]))

    def forward(self, x):
        self.total.add_(x)
        return x * self.total


DIALECTS = ["export", "core_aten"]


def _export(tmp_path, dialect):
    """The training IR keeps the in-place add_ on the buffer; Core ATen makes it functional
    and lists the new value as a BUFFER_MUTATION output. Both must update the buffer."""
    torch.manual_seed(0)
    x = torch.randn(3)
    ep = torch.export.export(Accumulate().eval(), (x,))
    if dialect == "core_aten":
        ep = ep.run_decompositions()
        kinds = [s.kind.name for s in ep.graph_signature.output_specs]
        assert "BUFFER_MUTATION" in kinds, kinds
    else:
        targets = [str(n.target) for n in ep.graph.nodes if n.op == "call_function"]
        assert "aten.add_.Tensor" in targets, targets
    path = tmp_path / f"accumulate_{dialect}.pt2"
    torch.export.save(ep, str(path))
    np.save(tmp_path / "x.npy", x.numpy())
    return path, x


@pytest.mark.parametrize("dialect", DIALECTS)
def test_mutation_within_a_run(tmp_path, dialect):
    path, x = _export(tmp_path, dialect)
    r = run_pt2c("run", path, "-i", tmp_path / "x.npy", "-o", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    want = Accumulate().eval()(x).numpy()
    np.testing.assert_allclose(np.load(tmp_path / "out" / "output_0.npy"), want, rtol=1e-6)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_mutation_carries_over_runs(tmp_path, dialect):
    path, x = _export(tmp_path, dialect)
    r = run_pt2c("run", path, "-i", tmp_path / "x.npy", "-o", tmp_path / "out",
                 "--iterations", "3")
    assert r.returncode == 0, r.stderr
    m = Accumulate().eval()
    for _ in range(3):
        want = m(x)
    np.testing.assert_allclose(np.load(tmp_path / "out" / "output_0.npy"), want.numpy(),
                               rtol=1e-6)


class InPlaceChain(nn.Module):
    """In-place ops on an intermediate, on a user input and with a mask, as the training IR
    keeps them (masked_fill_, relu_, mul_, add_)."""

    def forward(self, x, mask):
        y = x * 2.0
        y.masked_fill_(mask, -0.5)
        y.relu_()
        x.mul_(3.0)
        return y + x


@pytest.mark.parametrize("dialect", DIALECTS)
def test_inplace_ops(tmp_path, dialect):
    torch.manual_seed(0)
    x, mask = torch.randn(4, 5), torch.rand(4, 5) > 0.5
    ep = torch.export.export(InPlaceChain(), (x.clone(), mask))
    if dialect == "core_aten":
        ep = ep.run_decompositions()
    path = tmp_path / "inplace.pt2"
    torch.export.save(ep, str(path))
    np.save(tmp_path / "x.npy", x.numpy())
    np.save(tmp_path / "m.npy", mask.numpy())
    r = run_pt2c("run", path, "-i", tmp_path / "x.npy", "-i", tmp_path / "m.npy", "-o",
                 tmp_path / "out", "--iterations", "2")
    assert r.returncode == 0, r.stderr
    # Each run starts from the caller's x: pt2c never writes into the inputs it is given.
    want = InPlaceChain()(x.clone(), mask).numpy()
    np.testing.assert_allclose(np.load(tmp_path / "out" / "output_0.npy"), want, rtol=1e-6)
    np.testing.assert_array_equal(np.load(tmp_path / "x.npy"), x.numpy())
