"""Random ops (src/ops/random.c, src/ops/generator.c): `pt2c run --seed s` against eager
PyTorch after torch.manual_seed(s), bit for bit where pt2c reproduces PyTorch's CPU
generator and transforms; by their statistics where it cannot (float32 normals of 16 or
more elements on an AVX2 CPU, bernoulli, dropout: see random.c). Every case also runs with
1 and 3 threads, which must agree bit for bit."""
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from cases import Fn, assert_same_bits, export, run_saved

DIALECTS = ("export", "core")
SEEDS = (0, 1234)
F64 = torch.float64

# name -> fn(self, x): outputs drawn after torch.manual_seed(seed); x is zeros(3, 5)
EXACT = {
    "rand_small": lambda s, x: (torch.rand(3, 5) + x, torch.rand(7, dtype=F64)),
    "rand_big": lambda s, x: (torch.rand(2, 17), torch.rand(33, dtype=F64)),
    "rand_like": lambda s, x: (torch.rand_like(x), torch.rand_like(x, dtype=F64)),
    "randn_small_pairs": lambda s, x: (torch.randn(3), torch.randn(5, dtype=F64), torch.randn(1)),
    "randn_big_f64": lambda s, x: (torch.randn(37, dtype=F64), torch.randn(4, 8, dtype=F64)),
    "randn_like_small": lambda s, x: (torch.randn_like(x[0]), torch.randn_like(x[:, :1])),
    "normal_float_float": lambda s, x: (torch.normal(1.0, 2.0, (5,)),
                                        torch.normal(-1.0, 0.5, (19,), dtype=F64)),
    "uniform": lambda s, x: (torch.empty_like(x).uniform_(-1, 2),
                             torch.empty(21, dtype=F64).uniform_(-3, 0.5)),
    "randint": lambda s, x: (torch.randint(0, 10, (7,)), torch.randint(-5, 2**40, (3,)),
                             torch.randint(6, (2, 3), dtype=torch.int32)),
    "randint_like": lambda s, x: (torch.randint_like(x, 10), torch.randint_like(x, -3, 4),
                                  torch.randint_like(x[0], 5, 2**33, dtype=torch.int64)),
    "randperm": lambda s, x: (torch.randperm(9), torch.randperm(100), torch.randperm(1)),
    "in_place": lambda s, x: (torch.empty(4, 3).normal_(1.0, 2.0),
                              torch.zeros(5, dtype=F64).uniform_(2, 3),
                              torch.empty(40, dtype=F64).normal_()),
    "mixed_order": lambda s, x: (torch.randn(3, dtype=F64), torch.rand(4), torch.randn(3),
                                 torch.randperm(5), torch.randn(2)),
}


def run_both(tmp_path, module, x, dialect, seed):
    ep = export(module, [x], dialect)
    r1, out1 = run_saved(tmp_path, ep, [x], threads=1, extra=("--seed", seed))
    assert r1.returncode == 0, r1.stderr
    r3, out3 = run_saved(tmp_path, ep, [x], threads=3, extra=("--seed", seed))
    assert r3.returncode == 0, r3.stderr
    assert_same_bits(out1, out3, "1 vs 3 threads")
    return out1


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(EXACT))
def test_bit_exact(tmp_path, name, seed, dialect):
    m, x = Fn(EXACT[name]), torch.zeros(3, 5)
    torch.manual_seed(seed)
    expected = [t.numpy() for t in m(x)]
    got = run_both(tmp_path, m, x, dialect, seed)
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected)):
        assert g.dtype == e.dtype, f"output {i}: {g.dtype} vs {e.dtype}"
        np.testing.assert_array_equal(g, e, err_msg=f"output {i}")


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("seed", SEEDS)
def test_randn_float32_16_or_more(tmp_path, seed, dialect):
    """Box-Muller on blocks of 16 in float32. ATen's AVX2 build takes log and sin/cos from
    avx_mathfun, pt2c from libm: the uniforms are the same, the normals differ by rounding
    (bit-exact when torch runs with ATEN_CPU_CAPABILITY=default). Odd sizes redo the tail."""
    m, x = Fn(lambda s, x: (torch.randn(16), torch.randn(37), torch.randn(64, 64) * 2 + 1)), \
        torch.zeros(3, 5)
    torch.manual_seed(seed)
    expected = [t.numpy() for t in m(x)]
    got = run_both(tmp_path, m, x, dialect, seed)
    for i, (g, e) in enumerate(zip(got, expected)):
        if torch.backends.cpu.get_cpu_capability() == "DEFAULT":
            np.testing.assert_array_equal(g, e, err_msg=f"output {i}")
        else:
            np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5, err_msg=f"output {i}")
    big = got[2].astype(np.float64)  # N(1, 4), 4096 samples
    assert abs(big.mean() - 1.0) < 0.1  # 6.4 standard errors
    assert abs(big.var() - 4.0) < 0.4  # about 4.5 standard errors


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("p", (0.3, 0.9))
def test_bernoulli_p_statistics(tmp_path, p, dialect):
    """ATen draws bernoulli_(p) with MKL's generator: only the distribution can match.
    The fraction of ones in 20000 draws within 5 standard errors of p."""
    m, x = Fn(lambda s, x: (torch.bernoulli(torch.zeros(100, 200), p),
                            torch.zeros(100, 200).bernoulli_(p))), torch.zeros(3, 5)
    both = run_both(tmp_path, m, x, dialect, 7)
    assert not np.array_equal(both[0], both[1])
    for got in both:
        check_bernoulli(got, p)


def check_bernoulli(got, p):
    assert got.dtype == np.float32 and set(np.unique(got)) <= {0.0, 1.0}
    n = got.size
    assert abs(got.mean() - p) < 5 * np.sqrt(p * (1 - p) / n)
    # the rows are not all alike: a chi-square of ones per row with 99 degrees of freedom
    rows = got.sum(axis=1)
    chi2 = ((rows - 200 * p) ** 2 / (200 * p * (1 - p))).sum()
    assert 50 < chi2 < 160


@pytest.mark.parametrize("p", (0.25, 0.6))
def test_native_dropout_training(tmp_path, p):
    """Training-mode dropout (core dialect: native_dropout): kept elements are scaled by
    1 / (1 - p), the kept fraction is 1 - p within 5 standard errors."""
    m = Fn(lambda s, x: torch.nn.functional.dropout(x, p, training=True) * 1.0)
    x = torch.randn(80, 100)
    ep = export(m, [x], "core")
    assert "native_dropout" in str(ep.graph)
    r1, out1 = run_saved(tmp_path, ep, [x], threads=1, extra=("--seed", 3))
    assert r1.returncode == 0, r1.stderr
    r3, out3 = run_saved(tmp_path, ep, [x], threads=3, extra=("--seed", 3))
    assert_same_bits(out1, out3, "1 vs 3 threads")
    y, xn = out1[0], x.numpy()
    kept = y != 0
    np.testing.assert_array_equal(y[kept], xn[kept] * np.float32(1.0 / (1.0 - p)))
    n = y.size
    assert abs(kept.mean() - (1 - p)) < 5 * np.sqrt(p * (1 - p) / n)


def test_seed_changes_draws_and_default_seed_is_fixed(tmp_path):
    """Another seed, other numbers; no --seed: torch's default seed 67280421310721, the
    same numbers every run."""
    m, x = Fn(lambda s, x: (torch.rand(8),)), torch.zeros(3, 5)
    ep = export(m, [x], "export")
    _, a = run_saved(tmp_path, ep, [x], tag="a", extra=("--seed", 1))
    _, b = run_saved(tmp_path, ep, [x], tag="b", extra=("--seed", 2))
    assert not np.array_equal(a[0], b[0])
    _, c = run_saved(tmp_path, ep, [x], tag="c")
    _, d = run_saved(tmp_path, ep, [x], tag="d")
    assert_same_bits(c, d, "default seed")
    torch.manual_seed(67280421310721)
    np.testing.assert_array_equal(c[0], torch.rand(8).numpy())


def test_unused_random_node_still_draws(tmp_path):
    """A random op whose result nobody reads advances the generator in eager PyTorch:
    pt2c's dead-code elimination keeps it (training IR; run_decompositions drops it)."""
    x = torch.zeros(3, 5)
    torch.manual_seed(5)
    torch.rand(3)
    expected = torch.rand(4).numpy()
    ep = export(Fn(lambda s, x: (_unused(torch.rand(3)), torch.rand(4))[1:]), [x], "export")
    r, out = run_saved(tmp_path, ep, [x], extra=("--seed", 5))
    assert r.returncode == 0, r.stderr
    np.testing.assert_array_equal(out[0], expected)


def _unused(t):
    return None


def test_runs_continue_the_sequence(tmp_path):
    """--iterations 2: the second run draws what a second eager call would."""
    m, x = Fn(lambda s, x: (torch.randn(5, dtype=F64), torch.rand(3))), torch.zeros(3, 5)
    torch.manual_seed(11)
    m(x)
    expected = [t.numpy() for t in m(x)]
    ep = export(m, [x], "export")
    r, out = run_saved(tmp_path, ep, [x], extra=("--seed", 11, "--iterations", 2))
    assert r.returncode == 0, r.stderr
    for g, e in zip(out, expected):
        np.testing.assert_array_equal(g, e)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_multinomial_statistics(tmp_path, dialect):
    """ATen samples multinomial another way (exponential keys without replacement): only
    the distribution can match. With replacement, 4000 draws of weights 1:2:3:4 pass a
    chi-square test (3 degrees of freedom, 16.27 is p = 0.001); without replacement, each
    row is a set of distinct categories with nonzero weight, and the first draw of 2000
    rows follows the weights."""
    w = torch.tensor([1.0, 2.0, 3.0, 4.0])
    m = Fn(lambda s, x: (torch.multinomial(w, 4000, replacement=True),
                         torch.multinomial(torch.tensor([[0.0, 1.0, 2.0, 3.0, 4.0]] * 2000),
                                           3)))
    x = torch.zeros(3, 5)
    torch.manual_seed(0)
    expected = m(x)
    got = run_both(tmp_path, m, x, dialect, 2)
    assert [g.shape for g in got] == [tuple(e.shape) for e in expected]
    assert all(g.dtype == np.int64 for g in got)
    counts = np.bincount(got[0], minlength=4)
    p = (w / w.sum()).numpy()
    chi2 = ((counts - 4000 * p) ** 2 / (4000 * p)).sum()
    assert chi2 < 16.27, counts
    rows = got[1]
    assert (rows > 0).all() and (rows < 5).all()
    assert all(len(set(r)) == 3 for r in rows)
    first = np.bincount(rows[:, 0], minlength=5)[1:]
    chi2 = ((first - 2000 * p) ** 2 / (2000 * p)).sum()
    assert chi2 < 16.27, first


def test_randn_float32_16_or_more_matches_aten_default_capability(tmp_path):
    """ATen's scalar NormalFill16 (what a CPU without AVX2 runs, or ATEN_CPU_CAPABILITY=
    default) is what pt2c computes: bit for bit."""
    x = torch.zeros(3, 5)
    m = Fn(lambda s, x: (torch.randn(16), torch.randn(37), torch.randn(5, 13) * 3 - 1))
    ref = tmp_path / "ref.npz"
    code = ("import sys, numpy as np, torch; torch.manual_seed(1234); "
            "a, b, c = torch.randn(16), torch.randn(37), torch.randn(5, 13) * 3 - 1; "
            "np.savez(sys.argv[1], a.numpy(), b.numpy(), c.numpy())")
    env = dict(os.environ, ATEN_CPU_CAPABILITY="default")
    r = subprocess.run([sys.executable, "-c", code, str(ref)], env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    expected = list(np.load(ref).values())
    got = run_both(tmp_path, m, x, "export", 1234)
    for i, (g, e) in enumerate(zip(got, expected)):
        np.testing.assert_array_equal(g, e, err_msg=f"output {i}")
