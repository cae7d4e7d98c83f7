"""`pt2c partition`: which backend runs which nodes and why (x86 vector kernels before
portable C), and `--run`: the program run partition by partition, each partition compiled
by its backend, against the whole-graph run and PyTorch eager.
"""
import re

import numpy as np
import pytest
import torch
import torch.nn as nn

from conftest import run_pt2c
from programs import RTOL, ATOL, input_args, load_outputs
from zoo import DIALECTS

pytestmark = pytest.mark.filterwarnings("ignore")
PART = re.compile(r"^  partition (\d+)  (\S+)\s+nodes (\d+)-(\d+) \((\d+)\)$")
OP_LINE = re.compile(r"^      (\S+)\s+x(\d+)\s+(.+)$")


class Mixed(nn.Module):
    """Vector-kernel ops (conv, batch norm, relu, linear) around ones only portable C runs
    (mean, cumsum)."""

    def __init__(self):
        super().__init__()
        self.conv, self.bn = nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        y = torch.relu(self.bn(self.conv(x)))
        y = y.mean(dim=(2, 3))
        return torch.cumsum(self.fc(y), dim=1)


def parse(text):
    """[(index, backend, first, last, count, {op: (n, why)})] of a partition report."""
    parts = []
    for line in text.splitlines():
        if m := PART.match(line):
            parts.append((int(m[1]), m[2], int(m[3]), int(m[4]), int(m[5]), {}))
        elif (m := OP_LINE.match(line)) and parts:
            parts[-1][5][m[1]] = (int(m[2]), m[3])
    return parts


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    d = tmp_path_factory.mktemp("partition")
    torch.manual_seed(0)
    model = Mixed().eval()
    x = torch.randn(2, 3, 10, 10)
    ep = torch.export.export(model, (x,))
    path = d / "mixed.pt2"
    torch.export.save(ep, str(path))
    np.save(d / "x.npy", x.numpy())
    with torch.no_grad():
        return path, d / "x.npy", model(x).numpy(), ep


def test_report_covers_every_node_once_with_reasons(mixed):
    path, _, _, ep = mixed
    r = run_pt2c("partition", path, "--passes", "none")
    assert r.returncode == 0, r.stderr
    parts = parse(r.stdout)
    n_nodes = sum(1 for n in ep.graph.nodes if n.op == "call_function")
    assert r.stdout.startswith(f"{n_nodes} nodes in {len(parts)} partition")
    # Consecutive ranges over every node, numbered in order, each with one backend.
    assert [p[0] for p in parts] == list(range(len(parts)))
    assert parts[0][2] == 0 and parts[-1][3] == n_nodes - 1
    for a, b in zip(parts, parts[1:]):
        assert b[2] == a[3] + 1 and b[1] != a[1]
    for idx, backend, first, last, count, ops in parts:
        assert count == last - first + 1 == sum(n for n, _ in ops.values())
    where = {op: (p[1], why) for p in parts for op, (_, why) in p[5].items()}
    assert where["conv2d.default"] == ("x86", "implicit-GEMM convolution")
    assert where["linear.default"] == ("x86", "packed GEMM")
    assert where["mean.dim"][0] == "portable"
    assert "x86: no vector kernel for this op" in where["mean.dim"][1]
    assert where["cumsum.default"][0] == "portable"


def test_portable_only_is_one_partition(mixed):
    path = mixed[0]
    r = run_pt2c("partition", path, "--backends", "portable")
    assert r.returncode == 0, r.stderr
    parts = parse(r.stdout)
    assert len(parts) == 1 and parts[0][1] == "portable"


def test_partitioned_run_matches_whole_run_and_pytorch(mixed, tmp_path):
    path, x, expected, _ = mixed
    r = run_pt2c("partition", path, "--run", "-i", x, "-o", tmp_path, "--threads", "1")
    assert r.returncode == 0, r.stderr
    assert re.search(r"ran [2-9]\d* partitions", r.stdout), r.stdout
    # Every kernel table computes the same bits, and the batch norm stays in the
    # convolution's partition, so the partition boundaries change nothing.
    assert "the same bits as the whole-graph run" in r.stdout, r.stdout
    got = np.load(tmp_path / "output_0.npy")
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", ["resnet18", "transformer_encoder", "mobilenet_v3_small", "gpt2"])
@pytest.mark.parametrize("dialect", DIALECTS)
def test_zoo_partitioned_runs(zoo_program, tmp_path, name, dialect):
    prog = zoo_program(name, dialect, 1)
    r = run_pt2c("partition", prog.path, "--run", *input_args(prog), "-o", tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr
    got = load_outputs(tmp_path, len(prog.expected))
    for g, e in zip(got, prog.expected):
        np.testing.assert_allclose(g, e, rtol=RTOL, atol=ATOL)


def test_unknown_backend_and_missing_kernel_are_one_line(tmp_path, mixed):
    r = run_pt2c("partition", mixed[0], "--backends", "x86,gpu")
    assert r.returncode != 0 and r.stderr.count("\n") == 1 and "gpu" in r.stderr

    class Bessel(nn.Module):
        def forward(self, x):
            return torch.special.bessel_j0(x).relu()

    path = tmp_path / "bessel.pt2"
    torch.export.save(torch.export.export(Bessel(), (torch.randn(3, 4),)), str(path))
    r = run_pt2c("partition", path)
    assert r.returncode == 0, r.stderr
    assert "1 node no backend runs" in r.stdout
    assert "(none)" in r.stdout and "no pt2c kernel" in r.stdout
    r = run_pt2c("partition", path, "--run")
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert "special_bessel_j0" in r.stderr and "no backend runs it" in r.stderr
