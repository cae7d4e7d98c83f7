"""PyTorch's OpInfo samples through pt2c (opinfo.py), a fixed subset that fits CI: every
STRIDE-th OpInfo of op_db in its order, its first float32 sample, in both dialects. The
whole database runs with opinfo_report.py.

  pass                  the test passes
  wrong values, crash   the test fails: a pt2c bug
  no kernel, refused    xfail, with the op or the error as the reason (issue 11's list)
  torch, unsupported    skip, with torch's error or what cannot be expressed as the reason
"""
import pytest
import torch

import opinfo
from conftest import pt2c_bin

STRIDE = 12


def _subset():
    db = opinfo.op_db()
    return [op for i, op in enumerate(db) if i % STRIDE == 0]


OPS = {opinfo.op_name(op): op for op in _subset()}


@pytest.mark.parametrize("name", sorted(OPS))
def test_opinfo_sample(name):
    op = OPS[name]
    if torch.float32 not in op.supported_dtypes("cpu"):
        pytest.skip("no float32 on the CPU in PyTorch")
    taken = opinfo.samples(op, torch.float32, 1)
    if not taken:
        pytest.skip("OpInfo gives no float32 sample")
    results = opinfo.run_sample(pt2c_bin(), op, taken[0], 0, torch.float32)
    bad = [r for r in results if r.outcome in ("wrong", "crash")]
    assert not bad, "; ".join(f"{r.dialect}: {r.outcome}: {r.detail}" for r in bad)
    pending = [r for r in results if r.outcome in ("no_kernel", "refused")]
    if pending:
        pytest.xfail("; ".join(f"{r.dialect}: {r.outcome} {r.detail}" for r in pending))
    skipped = [r for r in results if r.outcome in ("torch", "unsupported")]
    if skipped:
        pytest.skip("; ".join(f"{r.dialect}: {r.outcome}: {r.detail}" for r in skipped))
    assert all(r.outcome == "pass" for r in results), results
