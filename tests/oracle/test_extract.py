"""`pt2c extract` must write every tensor bit-identically."""
import numpy as np
import pytest
import torch
import torch.utils._pytree as pytree

from conftest import run_pt2c
from models import SPECS

BITS = {torch.bfloat16: np.uint16, torch.float8_e4m3fn: np.uint8, torch.float8_e5m2: np.uint8}


def expected_np(t):
    t = t.detach().contiguous().cpu()
    if t.dtype in BITS:
        return t.view(torch.uint8 if BITS[t.dtype] == np.uint8 else torch.int16).numpy().view(BITS[t.dtype])
    return t.numpy()


def assert_same(path, t):
    assert path.exists(), path
    got = np.load(path)
    exp = expected_np(t)
    assert got.shape == exp.shape
    assert got.dtype == exp.dtype.newbyteorder("<") or got.dtype == exp.dtype
    assert np.ascontiguousarray(got).tobytes() == exp.tobytes()


@pytest.fixture(scope="session")
def extracted(saved_models, workdir):
    cache = {}

    def get(name):
        if name not in cache:
            d = workdir / f"extract_{name}"
            r = run_pt2c("extract", saved_models[name][0], d)
            assert r.returncode == 0, r.stderr
            cache[name] = d
        return cache[name]
    return get


@pytest.mark.parametrize("name", list(SPECS))
def test_state_dict(saved_models, extracted, name):
    d = extracted(name)
    for k, t in saved_models[name][1].state_dict.items():
        assert_same(d / f"{k}.npy", t)


@pytest.mark.parametrize("name", list(SPECS))
def test_constants(saved_models, extracted, name):
    d = extracted(name)
    for k, t in saved_models[name][1].constants.items():
        if isinstance(t, torch.Tensor):
            assert_same(d / f"{k}.npy", t)


@pytest.mark.parametrize("name", list(SPECS))
def test_sample_inputs(saved_models, extracted, name):
    d = extracted(name)
    ep = saved_models[name][1]
    args, kwargs = ep.example_inputs
    flat = pytree.tree_leaves((args, kwargs))
    names = [s.arg.name for s in ep.graph_signature.input_specs if s.kind.name == "USER_INPUT"]
    tensors = [t for t in flat if isinstance(t, torch.Tensor)]
    assert len(names) == len(tensors)
    for n, t in zip(names, tensors):
        assert_same(d / "sample_inputs" / f"{n}.npy", t)
