"""Dynamic shapes: one exported program run at every size its range constraints allow.

Programs are exported with torch.export.Dim, saved, and run by pt2c at several sizes in one
process (`--next` input sets, so the plan cache is exercised); every output is compared with
PyTorch eager on the same inputs. Sizes outside the constraints, or breaking an equality
between dims, must be refused before anything runs, naming the input, dim and symbol.
"""
import re

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.export import Dim

from conftest import run_pt2c
from zoo import GPT2, DIALECTS, build

RTOL, ATOL = 1e-4, 1e-5

pytestmark = pytest.mark.filterwarnings("ignore")


class TutorialConvNet(nn.Module):
    """The torch.export tutorial's conv net, made size-agnostic by global pooling."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.conv2 = nn.Conv2d(6, 9, 5)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(9, 10)

    def forward(self, x):
        x = F.relu(self.conv2(F.relu(self.conv1(x))))
        return self.fc(torch.flatten(self.pool(x), 1))


def _gpt2_long():
    torch.manual_seed(0)
    return GPT2(ctx=256).eval()


def _float(*shape):
    return lambda g: (torch.randn(*shape, generator=g),)


# name -> (module factory, example input, dynamic_shapes, test input shapes)
CASES = {
    "conv_net": (
        lambda: (torch.manual_seed(0), TutorialConvNet().eval())[1],
        (torch.randn(2, 3, 64, 64),),
        {"x": {0: Dim("batch", min=1, max=8), 2: Dim("h", min=10, max=512),
               3: Dim("w", min=10, max=512)}},
        [(1, 3, 150, 100), (1, 3, 75, 50), (1, 3, 37, 25), (1, 3, 19, 13)] +
        [(b, 3, 32, 32) for b in range(1, 9)] + [(2, 3, 32, 32)],
    ),
    "resnet18": (
        lambda: build("resnet18"),
        (torch.randn(2, 3, 64, 64),),
        {"x": {0: Dim("batch", min=1, max=8), 2: Dim("h", min=64, max=256),
               3: Dim("w", min=64, max=256)}},
        [(1, 3, 64, 64), (3, 3, 96, 80), (2, 3, 128, 128), (1, 3, 64, 64)],
    ),
    "transformer_encoder": (
        lambda: build("transformer_encoder"),
        (torch.randn(2, 10, 32),),
        {"x": {0: Dim("batch", min=1, max=8), 1: Dim("seq", min=2, max=64)}},
        [(1, 2, 32), (3, 17, 32), (8, 64, 32), (1, 2, 32)],
    ),
    "gpt2": (
        _gpt2_long,
        (torch.randint(0, 128, (2, 16)),),
        {"idx": {0: Dim("batch", min=1, max=8), 1: Dim("seq", min=1, max=128)}},
        [(1, 1), (2, 7), (1, 64), (3, 128), (4, 1), (2, 7)],
    ),
}


def _inputs(name, shape, seed):
    g = torch.Generator().manual_seed(seed)
    if name == "gpt2":
        return torch.randint(0, 128, shape, generator=g)
    return torch.randn(*shape, generator=g)


@pytest.fixture(scope="module")
def programs(tmp_path_factory):
    root = tmp_path_factory.mktemp("dynamic")
    cache = {}

    def get(name, dialect):
        if (name, dialect) not in cache:
            make, example, dims, _ = CASES[name]
            model = make()
            ep = torch.export.export(model, example, dynamic_shapes=dims)
            if dialect == "core_aten":
                ep = ep.run_decompositions()
            path = root / f"{name}_{dialect}.pt2"
            torch.export.save(ep, str(path))
            cache[name, dialect] = (path, model)
        return cache[name, dialect]
    return get


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", list(CASES))
def test_matches_pytorch_at_every_size(programs, tmp_path, name, dialect):
    path, model = programs(name, dialect)
    shapes = CASES[name][3]
    args = []
    expected = []
    for k, shape in enumerate(shapes):
        x = _inputs(name, shape, 100 + k)
        np.save(tmp_path / f"in{k}.npy", x.numpy())
        if k:
            args.append("--next")
        args += ["-i", tmp_path / f"in{k}.npy"]
        with torch.no_grad():
            out = model(x)
        expected.append((out[0] if isinstance(out, tuple) else out).numpy())
    r = run_pt2c("run", path, *args, "-o", tmp_path / "out", "--verbose", timeout=300)
    assert r.returncode == 0, r.stderr
    for k, want in enumerate(expected):
        got = np.load(tmp_path / "out" / f"run_{k}" / "output_0.npy")
        assert got.shape == want.shape, (shapes[k], got.shape, want.shape)
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=str(shapes[k]))
    # A size seen before (within the cache's 8 entries) takes its plan from the cache: the
    # count of plans made from scratch is the count of distinct sizes.
    m = re.search(r"plans: (\d+) shaped from scratch, (\d+) reused", r.stdout)
    assert m, r.stdout
    distinct = len(set(shapes))
    assert (int(m.group(1)), int(m.group(2))) == (distinct, len(shapes) - distinct), r.stdout


def _refused(r, path, *words):
    assert r.returncode != 0, r.stdout
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"pt2c: {path}:"), r.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])
    assert "output 0" not in r.stdout  # nothing ran


@pytest.mark.parametrize("shape,words", [
    ((9, 3, 32, 32), ["input 0 'x'", "dim 0", "size 9", "must be in [1, 8]"]),
    ((1, 3, 600, 32), ["input 0 'x'", "dim 2", "size 600", "must be in [10, 512]"]),
])
def test_out_of_range_refused(programs, tmp_path, shape, words):
    path, _ = programs("conv_net", "export")
    np.save(tmp_path / "x.npy", np.zeros(shape, np.float32))
    _refused(run_pt2c("run", path, "-i", tmp_path / "x.npy"), path, *words)


class TwoInputs(nn.Module):
    def forward(self, x, y, z):
        return x + y, torch.cat([x, z], dim=1)


@pytest.fixture(scope="module")
def two_inputs(tmp_path_factory):
    """x and y share dim 0 (one symbol); z's dim 1 is declared as 2 * x's dim 1."""
    n, m = Dim("n", min=2, max=16), Dim("m", min=1, max=8)
    ep = torch.export.export(
        TwoInputs(), (torch.randn(4, 3), torch.randn(4, 3), torch.randn(4, 6)),
        dynamic_shapes={"x": {0: n, 1: m}, "y": {0: n, 1: m}, "z": {0: n, 1: 2 * m}})
    path = tmp_path_factory.mktemp("two") / "two_inputs.pt2"
    torch.export.save(ep, str(path))
    return path


def _save(tmp_path, **arrays):
    out = []
    for k, a in arrays.items():
        np.save(tmp_path / f"{k}.npy", a)
        out += ["-i", tmp_path / f"{k}.npy"]
    return out


def test_equal_dims_and_derived_dims_run(two_inputs, tmp_path):
    x, y, z = (np.random.rand(5, 2).astype(np.float32), np.random.rand(5, 2).astype(np.float32),
               np.random.rand(5, 4).astype(np.float32))
    r = run_pt2c("run", two_inputs, *_save(tmp_path, x=x, y=y, z=z), "-o", tmp_path / "o")
    assert r.returncode == 0, r.stderr
    np.testing.assert_allclose(np.load(tmp_path / "o" / "output_0.npy"), x + y)
    np.testing.assert_allclose(np.load(tmp_path / "o" / "output_1.npy"),
                               np.concatenate([x, z], axis=1))


def test_equality_between_dims_refused(two_inputs, tmp_path):
    args = _save(tmp_path, x=np.zeros((5, 2), np.float32), y=np.zeros((6, 2), np.float32),
                 z=np.zeros((5, 4), np.float32))
    _refused(run_pt2c("run", two_inputs, *args), two_inputs, "input 1 'y'", "dim 0",
             "must equal input 0 'x' dim 0")


def test_derived_dim_refused(two_inputs, tmp_path):
    args = _save(tmp_path, x=np.zeros((5, 2), np.float32), y=np.zeros((5, 2), np.float32),
                 z=np.zeros((5, 5), np.float32))
    _refused(run_pt2c("run", two_inputs, *args), two_inputs, "input 2 'z'", "dim 1",
             "expected 2*")


class DataDependent(nn.Module):
    """Output sizes that only the data decides (unbacked symbols u0, u1, ...)."""

    def forward(self, x, mask):
        nz = torch.nonzero(x > 0.5)
        picked = torch.masked_select(x, mask)
        return nz, picked * 2, x[mask] + 1, x[:, mask[0]]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_data_dependent_sizes(tmp_path, dialect):
    torch.manual_seed(0)
    ep = torch.export.export(DataDependent(), (torch.randn(5, 3), torch.rand(5, 3) > 0.5))
    if dialect == "core_aten":
        ep = ep.run_decompositions()
    path = tmp_path / "data_dependent.pt2"
    torch.export.save(ep, str(path))
    args, expected = [], []
    for k in range(4):  # sizes differ from set to set although the input sizes do not
        g = torch.Generator().manual_seed(k)
        x, mask = torch.randn(5, 3, generator=g), torch.rand(5, 3, generator=g) > 0.3 + 0.1 * k
        args += (["--next"] if k else []) + list(_save(tmp_path, **{f"x{k}": x.numpy(),
                                                                    f"m{k}": mask.numpy()}))
        expected.append([t.numpy() for t in DataDependent()(x, mask)])
    r = run_pt2c("run", path, *args, "-o", tmp_path / "o", "--threads", "2")
    assert r.returncode == 0, r.stderr
    for k, outs in enumerate(expected):
        for i, want in enumerate(outs):
            got = np.load(tmp_path / "o" / f"run_{k}" / f"output_{i}.npy")
            assert got.dtype == want.dtype and got.shape == want.shape, (k, i, got.shape)
            np.testing.assert_array_equal(got, want)


class CheckedCount(nn.Module):
    """A runtime assertion on a data-dependent size (torch._check becomes _assert_scalar)."""

    def forward(self, x):
        nz = torch.nonzero(x)
        torch._check(nz.shape[0] >= 2)
        return nz.float().sum(0)


def test_data_dependent_runtime_check(tmp_path):
    ep = torch.export.export(CheckedCount(), (torch.tensor([1.0, 0.0, 2.0, 3.0]),))
    path = tmp_path / "checked.pt2"
    torch.export.save(ep, str(path))
    ok = _save(tmp_path, ok=np.array([1.0, 0.0, 2.0, 0.0], np.float32))
    r = run_pt2c("run", path, *ok, "-o", tmp_path / "o")
    assert r.returncode == 0, r.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "o" / "output_0.npy"),
                                  CheckedCount()(torch.tensor([1.0, 0.0, 2.0, 0.0])).numpy())
    bad = _save(tmp_path, bad=np.array([0.0, 0.0, 5.0, 0.0], np.float32))
    r = run_pt2c("run", path, *bad)
    assert r.returncode != 0 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "_assert_scalar" in r.stderr and "output 0" not in r.stdout, r.stderr


class UniqueRepeat(nn.Module):
    """torch.unique (sorted values, inverse, counts) and repeat_interleave with tensor and
    int repeats: sizes from the data again."""

    def forward(self, ids, x, reps):
        values, inverse, counts = torch.unique(ids, return_inverse=True, return_counts=True)
        return (values, inverse, counts, torch.repeat_interleave(x, reps, dim=0),
                torch.repeat_interleave(reps), torch.repeat_interleave(x, 2, dim=1))


@pytest.mark.parametrize("dialect", DIALECTS)
def test_unique_and_repeat_interleave(tmp_path, dialect):
    def make(seed):
        g = torch.Generator().manual_seed(seed)
        return (torch.randint(-3, 4, (4, 5), generator=g), torch.randn(3, 2, generator=g),
                torch.randint(0, 4, (3,), generator=g))
    ep = torch.export.export(UniqueRepeat(), make(0))
    if dialect == "core_aten":
        ep = ep.run_decompositions()
    path = tmp_path / "unique_repeat.pt2"
    torch.export.save(ep, str(path))
    for seed in (1, 2, 3):
        inputs = make(seed)
        args = _save(tmp_path, **{f"a{i}": t.numpy() for i, t in enumerate(inputs)})
        r = run_pt2c("run", path, *args, "-o", tmp_path / f"o{seed}")
        assert r.returncode == 0, r.stderr
        for i, want in enumerate(UniqueRepeat()(*inputs)):
            got = np.load(tmp_path / f"o{seed}" / f"output_{i}.npy")
            np.testing.assert_array_equal(got, want.numpy(), err_msg=f"seed {seed} output {i}")
            assert got.dtype == want.numpy().dtype
