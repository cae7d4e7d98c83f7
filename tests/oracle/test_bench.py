"""`pt2c bench` and the CLI's per-verb help.

bench/compare.py reads `pt2c bench --json`, so its keys are checked exactly. Nothing here
asserts a speed: only that the report is well formed and consistent (p90 >= median >= min,
percentages summing to 100) and that FLOP counts match a hand count for tiny models, in both
the planned path and the node-by-node path of data-dependent programs. Also: `--help` for
every verb, one-line errors with exit code 2 for bad arguments, `pt2c: FILE: ...` for bad
files.
"""
import json

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from conftest import run_pt2c

KEYS = {"model", "threads", "isa", "iterations", "warmup", "load_ms", "passes_ms", "plan_ms",
        "first_run_ms", "median_ms", "p90_ms", "min_ms", "mean_ms", "peak_rss_bytes",
        "arena_bytes", "intermediate_bytes", "scratch_bytes", "packed_bytes", "gflop_per_run",
        "gflops", "by_op", "top_nodes", "views", "view_copies", "elementwise_groups",
        "elementwise_ops", "strided_reads"}
OP_KEYS = {"op", "nodes", "ms", "percent", "gflop", "gflops"}
NODE_KEYS = {"node", "op", "ms", "percent", "gflop", "gflops"}
VERBS = ["show", "extract", "check", "run", "bench", "opt", "partition", "help", "version"]


class TinyConvNet(nn.Module):
    """conv 3->4 (3x3) on 8x8, relu, flatten, linear 144->10."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.fc = nn.Linear(4 * 6 * 6, 10)

    def forward(self, x):
        return self.fc(torch.flatten(F.relu(self.conv(x)), 1))


# Multiply-adds count 2: 4x6x6 outputs of 3x3x3 products; 10 outputs of 144 products.
CONV_FLOP = 2 * (4 * 6 * 6) * (3 * 3 * 3)
LINEAR_FLOP = 2 * 10 * 144


class Attention(nn.Module):
    def forward(self, q, k, v):
        return F.scaled_dot_product_attention(q, k, v)


# q [1, 2, 4, 8], k and v [1, 2, 6, 8]: q k^T and p v, each 2 heads x 4 x 6 x 8 multiply-adds.
SDPA_FLOP = 2 * 2 * (2 * 4 * 6 * 8)


class NonzeroThenLinear(nn.Module):
    """A data-dependent size (nonzero): pt2c runs it node by node."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 4)

    def forward(self, x):
        return self.lin(x), torch.nonzero(x > 0)


NONZERO_LINEAR_FLOP = 2 * 5 * 4 * 3  # x [5, 3]


@pytest.fixture(scope="module")
def models(workdir):
    torch.manual_seed(0)
    out = {}
    specs = {
        "tiny_conv": (TinyConvNet().eval(), (torch.randn(1, 3, 8, 8),)),
        "attention": (Attention(), (torch.randn(1, 2, 4, 8), torch.randn(1, 2, 6, 8),
                                    torch.randn(1, 2, 6, 8))),
        "nonzero_linear": (NonzeroThenLinear().eval(), (torch.randn(5, 3),)),
    }
    for name, (module, args) in specs.items():
        path = workdir / f"bench_{name}.pt2"
        torch.export.save(torch.export.export(module, args), str(path))
        out[name] = path
    return out


def bench_json(*args):
    r = run_pt2c("bench", *args, "--json", timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    return json.loads(r.stdout)  # the whole of stdout is one JSON object


def by_op(report):
    return {row["op"]: row for row in report["by_op"]}


def check_rows(rows, keys, total_gflop):
    for row in rows:
        assert set(row) == keys, row
        assert row["ms"] >= 0 and 0 <= row["percent"] <= 100 + 1e-6
        if row["gflop"] > 0:
            assert row["gflops"] is None or row["gflops"] > 0
        else:
            assert row["gflop"] == 0 and row["gflops"] is None, row
        assert row["gflop"] <= total_gflop * (1 + 1e-6)


# ---------------------------------------------------------------------------------------- #
# The JSON report

@pytest.mark.parametrize("threads", [1, 2])
def test_bench_json_has_every_key_and_consistent_numbers(models, threads):
    d = bench_json(models["tiny_conv"], "--threads", threads, "--iterations", 8,
                   "--warmup", 2, "--no-fusion")
    assert set(d) == KEYS
    assert d["model"] == str(models["tiny_conv"])
    assert d["threads"] == threads and d["iterations"] == 8 and d["warmup"] == 2
    assert d["isa"] in ("generic", "avx2", "avx512")
    for k in ("load_ms", "plan_ms", "first_run_ms", "median_ms", "p90_ms", "min_ms", "mean_ms"):
        assert isinstance(d[k], float) and d[k] > 0, (k, d[k])
    assert d["p90_ms"] >= d["median_ms"] >= d["min_ms"]
    assert d["mean_ms"] >= d["min_ms"]
    assert isinstance(d["passes_ms"], float) and 0 <= d["passes_ms"] <= d["load_ms"]
    for k in ("peak_rss_bytes", "arena_bytes", "intermediate_bytes", "scratch_bytes",
              "packed_bytes"):
        assert isinstance(d[k], int) and d[k] >= 0, (k, d[k])
    assert d["peak_rss_bytes"] > 0 and d["arena_bytes"] > 0 and d["intermediate_bytes"] > 0

    total = (CONV_FLOP + LINEAR_FLOP) / 1e9
    assert d["gflop_per_run"] == pytest.approx(total, rel=1e-6)
    assert d["gflops"] == pytest.approx(d["gflop_per_run"] / (d["median_ms"] / 1e3), rel=1e-4)

    ops = by_op(d)
    check_rows(d["by_op"], OP_KEYS, total)
    assert ops["aten.conv2d.default"]["gflop"] == pytest.approx(CONV_FLOP / 1e9, rel=1e-6)
    assert ops["aten.linear.default"]["gflop"] == pytest.approx(LINEAR_FLOP / 1e9, rel=1e-6)
    assert ops["aten.conv2d.default"]["nodes"] == 1
    # The view (flatten) has no kernel but still has a row.
    assert ops["aten.flatten.using_ints"]["gflop"] == 0
    assert sum(r["nodes"] for r in d["by_op"]) == 4
    assert sum(r["gflop"] for r in d["by_op"]) == pytest.approx(total, rel=1e-6)
    assert sum(r["percent"] for r in d["by_op"]) == pytest.approx(100, abs=0.01)
    assert [r["ms"] for r in d["by_op"]] == sorted((r["ms"] for r in d["by_op"]), reverse=True)

    top = d["top_nodes"]
    check_rows(top, NODE_KEYS, total)
    assert len(top) == 4 and {r["node"] for r in top} == {"conv2d", "relu", "flatten", "linear"}
    assert [r["ms"] for r in top] == sorted((r["ms"] for r in top), reverse=True)
    assert sum(r["percent"] for r in top) == pytest.approx(100, abs=0.01)


def test_bench_names_fused_steps(models):
    """Fused (the default): conv+relu is one step, named after the conv, with the conv's
    FLOPs; the per-op rows still add up."""
    d = bench_json(models["tiny_conv"], "--threads", 1, "--iterations", 3)
    ops = by_op(d)
    fused = ops["aten.conv2d.default+aten.relu.default"]
    assert fused["gflop"] == pytest.approx(CONV_FLOP / 1e9, rel=1e-6) and fused["nodes"] == 1
    assert "aten.relu.default" not in ops
    assert {r["node"] for r in d["top_nodes"]} == {"conv2d", "flatten", "linear"}
    assert sum(r["percent"] for r in d["by_op"]) == pytest.approx(100, abs=0.01)


def test_bench_json_top_nodes_are_at_most_ten(saved_models):
    d = bench_json(saved_models["resnet_decomp"][0], "--iterations", 1, "--warmup", 0,
                   "--threads", 2, "--no-fusion")
    assert len(d["top_nodes"]) == 10
    assert sum(r["nodes"] for r in d["by_op"]) > 10
    assert sum(r["percent"] for r in d["by_op"]) == pytest.approx(100, abs=0.01)
    # The slowest node is slower than no op's share of the nodes.
    assert d["top_nodes"][0]["ms"] <= max(r["ms"] for r in d["by_op"]) + 1e-9
    conv = [r for r in d["by_op"] if r["op"].startswith("aten.convolution.default")]
    assert conv and all(r["gflop"] > 0 and r["gflops"] > 0 for r in conv)


@pytest.mark.parametrize("top", [0, 3])
def test_bench_top_lists_that_many_nodes(saved_models, top):
    d = bench_json(saved_models["resnet_decomp"][0], "--iterations", 1, "--warmup", 0,
                   "--threads", 1, "--no-fusion", "--top", top)
    n_nodes = sum(r["nodes"] for r in d["by_op"])
    assert len(d["top_nodes"]) == (n_nodes if top == 0 else top)
    ms = [r["ms"] for r in d["top_nodes"]]
    assert ms == sorted(ms, reverse=True)


def test_bench_counts_attention_flops(models):
    d = bench_json(models["attention"], "--iterations", 2, "--threads", 1)
    row = by_op(d)["aten.scaled_dot_product_attention.default"]
    assert row["gflop"] == pytest.approx(SDPA_FLOP / 1e9, rel=1e-6)
    assert d["gflop_per_run"] == pytest.approx(SDPA_FLOP / 1e9, rel=1e-6)


@pytest.mark.parametrize("threads", [1, 2])
def test_bench_profiles_data_dependent_programs(models, threads):
    """Programs with data-dependent sizes plan and run node by node (the eager path)."""
    d = bench_json(models["nonzero_linear"], "--iterations", 3, "--threads", threads)
    ops = by_op(d)
    assert ops["aten.linear.default"]["gflop"] == pytest.approx(NONZERO_LINEAR_FLOP / 1e9,
                                                                rel=1e-6)
    assert "aten.nonzero.default" in ops
    assert sum(r["percent"] for r in d["by_op"]) == pytest.approx(100, abs=0.01)
    assert d["p90_ms"] >= d["median_ms"] >= d["min_ms"] > 0


def test_bench_takes_npy_inputs(models, tmp_path):
    x = tmp_path / "x.npy"
    np.save(x, np.random.default_rng(0).standard_normal((1, 3, 8, 8)).astype(np.float32))
    d = bench_json(models["tiny_conv"], "-i", x, "--iterations", 2)
    assert d["gflop_per_run"] == pytest.approx((CONV_FLOP + LINEAR_FLOP) / 1e9, rel=1e-6)
    # A wrong count of input files: one line naming the file, exit 1.
    r = run_pt2c("bench", models["tiny_conv"], "-i", x, "-i", x)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.count("\n") == 1
    assert r.stderr.startswith(f"pt2c: {models['tiny_conv']}: bench: 2 input files given")


def test_bench_text_report(models):
    r = run_pt2c("bench", models["tiny_conv"], "--iterations", 4, "--warmup", 1,
                 "--threads", 1)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.startswith(f"{models['tiny_conv']}: 1 thread, ")
    for needle in ("load ", "plan ", "first run ", "4 runs after 1 warmup: median ", "p90 ",
                   "GFLOP per run", "peak RSS", "by op (5 profiled runs", "aten.conv2d.default",
                   "top 3 nodes:"):
        assert needle in out, (needle, out)


# ---------------------------------------------------------------------------------------- #
# Help and errors

@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_has_help(verb):
    r = run_pt2c(verb, "--help")
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert r.stdout.startswith(f"usage: pt2c {verb}")
    assert f"\n  {verb}" in r.stdout
    same = run_pt2c("help", verb)
    assert same.returncode == 0 and same.stdout == r.stdout
    # --help wins over everything else on the line, even a missing model.
    assert run_pt2c(verb, "no-such.pt2", "-h").stdout == r.stdout


def test_help_lists_every_verb():
    r = run_pt2c("help")
    assert r.returncode == 0 and r.stdout.startswith("usage: pt2c <command>")
    for verb in VERBS:
        assert f"\n  {verb} " in r.stdout, verb
    assert run_pt2c("--help").stdout == r.stdout


@pytest.mark.parametrize("args, message", [
    ([], "bench: missing MODEL.pt2"),
    (["a.pt2", "b.pt2"], "bench: takes one MODEL.pt2"),
    (["m.pt2", "--bogus"], "bench: unknown option '--bogus'"),
    (["m.pt2", "--iterations", "0"], "bench: --iterations takes a number from 1 to 1000000"),
    (["m.pt2", "--iterations", "x"], "bench: --iterations takes a number from 1 to 1000000"),
    (["m.pt2", "--warmup", "-1"], "bench: --warmup takes a number from 0 to 1000000"),
    (["m.pt2", "--threads", "65"], "bench: --threads takes a number from 1 to 64"),
    (["m.pt2", "--seed", "s"], "bench: --seed takes a number"),
    (["m.pt2", "--top", "-1"], "bench: --top takes a number from 0 to 1000000"),
    (["m.pt2", "--iterations"], "bench: --iterations needs a value"),
    (["m.pt2", "-i"], "bench: -i needs a value"),
])
def test_bench_bad_arguments(args, message):
    r = run_pt2c("bench", *args)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == f"pt2c: {message} (run 'pt2c help')\n"


def test_help_of_unknown_verb_is_a_usage_error():
    r = run_pt2c("help", "nope")
    assert r.returncode == 2 and r.stderr == "pt2c: help: unknown command 'nope' (run 'pt2c help')\n"


def test_bench_bad_files(tmp_path):
    missing = tmp_path / "missing.pt2"
    r = run_pt2c("bench", missing)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and r.stderr.startswith(f"pt2c: {missing}: io: ")
    junk = tmp_path / "junk.pt2"
    junk.write_bytes(b"not a zip file at all" * 10)
    r = run_pt2c("bench", junk, "--json")
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and r.stderr.startswith(f"pt2c: {junk}: zip: ")
