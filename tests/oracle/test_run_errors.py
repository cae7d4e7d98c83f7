"""Values PyTorch raises on at run time: an index out of range (embedding, index_select,
gather, x[idx], x[idx] = v, scatter, scatter_add_, scatter_reduce, index_reduce,
searchsorted's sorter, masked_scatter's source), an integer division by zero, and a negative
bincount value. Each is data, so no plan-time check can see it: the kernel raises a fault
(bincount's shape function, which runs on the data, fails) and pt2c run stops with one line
on stderr naming the file, node and op and what was wrong, exits non-zero and writes no output. Eager PyTorch
must raise on the same inputs (so the case is a real error, not pt2c's opinion), and the same
program on valid inputs must run and match, in both dialects and at 1 and 3 threads."""
import warnings

import pytest
import torch
import torch.nn.functional as F

from cases import Fn, check, eager, export, run_saved

warnings.filterwarnings("ignore")


def _embedding(m, idx):
    return F.embedding(idx, m.w) * 2


def _index_select(m, x, idx):
    return torch.index_select(x, 1, idx) + 1


def _gather(m, x, idx):
    return torch.gather(x, 1, idx)


def _index(m, x, idx):
    return x[:, idx] * 3


def _index_put(m, x, idx):
    y = x.clone()
    y[idx] = 7.0
    return y


def _floor_divide(m, a, b):
    return a // b, a + 1


def _remainder(m, a, b):
    return a % b


def _trunc_div(m, a, b):
    return torch.div(a, b, rounding_mode="trunc")


def _scatter(m, x, idx, src):
    return torch.scatter(x, 1, idx, src) * 2


def _scatter_add_(m, x, idx, src):
    y = x.clone()
    y.scatter_add_(0, idx, src)
    return y


def _scatter_reduce(m, x, idx, src):
    return torch.scatter_reduce(x, 1, idx, src, "amax", include_self=False)


def _index_reduce(m, x, idx, src):
    return torch.index_reduce(x, 0, idx, src, "mean")


def _searchsorted(m, seq, v, sorter):
    return torch.searchsorted(seq, v, sorter=sorter)


def _masked_scatter(m, x, mask, src):
    return torch.masked_scatter(x, mask, src)


def _bincount(m, x):
    return torch.bincount(x, minlength=3)


def r(*shape):
    return torch.randn(*shape)


# name: (fn, buffers, valid inputs, bad inputs, what the error says)
CASES = {
    "embedding_too_big": (_embedding, {"w": r(10, 4)},
                          (torch.tensor([[1, 2, 9]]),), (torch.tensor([[1, 10, 3]]),),
                          "index 10 is out of bounds for dimension 0 with size 10"),
    "embedding_negative": (_embedding, {"w": r(10, 4)},
                           (torch.tensor([[0, 5]]),), (torch.tensor([[0, -1]]),),
                           "index -1 is out of bounds"),
    "index_select": (_index_select, {}, (r(3, 5), torch.tensor([4, 0])),
                     (r(3, 5), torch.tensor([4, 5])), "index 5 is out of bounds for dimension 1"),
    "gather": (_gather, {}, (r(3, 4), torch.tensor([[0, 3], [1, 1], [2, 0]])),
               (r(3, 4), torch.tensor([[0, 3], [1, 4], [2, 0]])),
               "index 4 is out of bounds for dimension 1 with size 4"),
    "index": (_index, {}, (r(2, 6), torch.tensor([5, -6])), (r(2, 6), torch.tensor([1, 6])),
              "index 6 is out of bounds for dimension 1 with size 6"),
    "index_put": (_index_put, {}, (r(5, 2), torch.tensor([4, -5])), (r(5, 2), torch.tensor([-6, 0])),
                  "index -6 is out of bounds for dimension 0 with size 5"),
    "scatter": (_scatter, {}, (r(3, 4), torch.tensor([[0, 3], [1, 1], [2, 0]]), r(3, 2)),
                (r(3, 4), torch.tensor([[0, 3], [1, 4], [2, 0]]), r(3, 2)),
                "index 4 is out of bounds for dimension 1 with size 4"),
    "scatter_negative": (_scatter, {}, (r(3, 4), torch.tensor([[0, 3], [1, 1], [2, 0]]), r(3, 2)),
                         (r(3, 4), torch.tensor([[0, 3], [-1, 1], [2, 0]]), r(3, 2)),
                         "index -1 is out of bounds for dimension 1 with size 4"),
    "scatter_add_": (_scatter_add_, {}, (r(3, 4), torch.tensor([[0, 2, 1, 1]]), r(1, 4)),
                     (r(3, 4), torch.tensor([[0, 2, 3, 1]]), r(1, 4)),
                     "index 3 is out of bounds for dimension 0 with size 3"),
    "scatter_reduce": (_scatter_reduce, {}, (r(2, 3), torch.tensor([[2, 2], [0, 1]]), r(2, 2)),
                       (r(2, 3), torch.tensor([[2, 2], [0, 7]]), r(2, 2)),
                       "index 7 is out of bounds for dimension 1 with size 3"),
    "index_reduce": (_index_reduce, {}, (r(3, 2), torch.tensor([2, 0]), r(2, 2)),
                     (r(3, 2), torch.tensor([2, 3]), r(2, 2)),
                     "index 3 is out of bounds for dimension 0 with size 3"),
    "searchsorted_sorter": (_searchsorted, {},
                            (torch.tensor([3.0, 1.0, 2.0]), r(4), torch.tensor([1, 2, 0])),
                            (torch.tensor([3.0, 1.0, 2.0]), r(4), torch.tensor([1, 3, 0])),
                            "index 3 is out of bounds for dimension 0 with size 3"),
    "masked_scatter": (_masked_scatter, {}, (r(2, 3), torch.tensor([True, False, True]), r(4)),
                       (r(2, 3), torch.tensor([True, True, True]), r(4)),
                       "index 4 is out of bounds for dimension 0 with size 4"),
    "bincount_negative": (_bincount, {}, (torch.tensor([0, 4, 4]),), (torch.tensor([0, -2, 4]),),
                          "bincount of a negative value"),
    "floor_divide": (_floor_divide, {}, (torch.tensor([7, -7, 9]), torch.tensor([2, 2, -4])),
                     (torch.tensor([7, -7, 9]), torch.tensor([2, 0, -4])),
                     "integer division by zero"),
    "remainder": (_remainder, {}, (torch.tensor([7, -7]), torch.tensor([3, 3])),
                  (torch.tensor([7, -7]), torch.tensor([0, 3])), "integer division by zero"),
    "trunc_div": (_trunc_div, {}, (torch.tensor([7, -7], dtype=torch.int32),
                                   torch.tensor([2, 3], dtype=torch.int32)),
                  (torch.tensor([7, -7], dtype=torch.int32), torch.tensor([2, 0], dtype=torch.int32)),
                  "integer division by zero"),
}


def _node_of(ep, fragment):
    """The FX node whose target names the op (the node pt2c must name), and its target as
    pt2c prints it (torch.ops.aten.embedding.default)."""
    for n in ep.graph.nodes:
        if n.op == "call_function" and fragment in str(n.target):
            return n.name, "torch.ops." + str(n.target)
    raise AssertionError(f"no {fragment} node in the exported graph")


OPS = {"embedding_too_big": "embedding", "embedding_negative": "embedding",
       "index_select": "index_select", "gather": "gather", "index": "index.Tensor",
       "index_put": "index_put", "floor_divide": "div", "remainder": "remainder",
       "trunc_div": "div", "scatter": "scatter.src", "scatter_negative": "scatter.src",
       "scatter_add_": "scatter_add", "scatter_reduce": "scatter_reduce", "index_reduce": "index_reduce",
       "searchsorted_sorter": "searchsorted", "masked_scatter": "masked_scatter",
       "bincount_negative": "bincount"}


@pytest.mark.parametrize("dialect", ["export", "core"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_values_fail_like_pytorch(tmp_path, name, dialect):
    fn, buffers, good, bad, says = CASES[name]
    module = Fn(fn, buffers=buffers).eval()
    with pytest.raises((IndexError, RuntimeError)):  # PyTorch raises on these inputs too
        eager(module, bad)
    with torch.no_grad():
        ep = export(module, good, dialect)
    r, outs = run_saved(tmp_path, ep, good, "good")
    assert r.returncode == 0, r.stderr
    check(eager(module, good), outs)

    node, target = _node_of(ep, OPS[name])
    for threads in (1, 3):
        r, outs = run_saved(tmp_path, ep, bad, f"bad{threads}", threads)
        assert r.returncode != 0, f"pt2c ran on bad values ({threads} threads)"
        assert outs == [] and not (tmp_path / f"outbad{threads}_{threads}").exists(), \
            "pt2c wrote outputs of a failed run"
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1, r.stderr
        line = lines[0]
        # file, node, op, what was wrong
        # (functionalized, the training IR's index_put_ becomes index_put, node index_put__1)
        functional = target.replace("_.default", ".default")
        assert f"mbad{threads}.pt2" in line and f"'{node}" in line and functional in line, line
        assert says in line, line
