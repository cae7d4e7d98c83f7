"""`pt2c run` on the model zoo (zoo.py) must match PyTorch eager.

Every zoo model is exported at batch 1 and 4 in both dialects (the default training IR of
`torch.export.export`, and core ATen after `run_decompositions()`), run by pt2c on the same
inputs, and compared with `model(*inputs)`: float32 within rtol 1e-4 / atol 1e-5, integers
and bools exactly, dtypes and shapes equal. Also here: `pt2c check` on every program,
`run --meta` shapes, bit-exact determinism across runs and thread counts, the two real
legacy archives, input validation messages, and the zoo under ASan+UBSan.
"""
import os
import re

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils._pytree as pytree

from conftest import ZOO_RESULTS, run_pt2c
from programs import (RTOL, ATOL, assert_outputs_match, input_args, load_outputs,
                      max_abs_error)
from models import SimpleNetA
from test_legacy import FILES as LEGACY_FILES
from test_legacy import _torch_load
from zoo import DIALECTS, build, cases, example_inputs

# nn.LSTM/nn.GRU reassign their flat weight list while being traced; torch.export warns about
# it on every export, harmlessly (the weights still become parameters of the program).
pytestmark = pytest.mark.filterwarnings("ignore:The tensor attributes self.rnn._flat_weights")

# A whole small network per run; the ASan build is unoptimised and several times slower.
RUN_TIMEOUT, ASAN_TIMEOUT = 120, 600

CASES = [(n, d, b) for n, b in cases() for d in DIALECTS]


def case_ids(cases_):
    return [f"{n}-{d}-b{b}" for n, d, b in cases_]


def first_error(stderr):
    """The gist of pt2c's first error line, short enough for the summary table."""
    lines = stderr.strip().splitlines()
    if not lines:
        return "no message"
    msg = re.sub(r"^pt2c: [^:]*: ", "", lines[0])
    m = re.search(r"\(torch\.ops\.([\w.]+)\): (?:check: )?no kernel", msg)
    return f"no kernel: {m[1]}" if m else msg[:100]


# ---------------------------------------------------------------------------------------- #
# The zoo against PyTorch

@pytest.mark.parametrize("name,dialect,batch", CASES, ids=case_ids(CASES))
def test_zoo_matches_pytorch(zoo_program, tmp_path, name, dialect, batch):
    prog = zoo_program(name, dialect, batch)
    result, err = "did not finish", None
    try:
        r = run_pt2c("run", prog.path, *input_args(prog), "-o", tmp_path, timeout=RUN_TIMEOUT)
        result = "pt2c failed: " + first_error(r.stderr) if r.returncode else "wrong outputs"
        assert r.returncode == 0, f"pt2c run failed:\n{r.stderr}"
        got = load_outputs(tmp_path, len(prog.expected))
        err = max_abs_error(got, prog.expected)
        result = "MISMATCH"
        assert_outputs_match(got, prog.expected)
        result = "ok"
    finally:
        ZOO_RESULTS.append((name, dialect, batch, result, err))


@pytest.mark.parametrize("name,batch", cases(), ids=[f"{n}-b{b}" for n, b in cases()])
def test_zoo_is_well_conditioned(name, batch):
    """PyTorch's own float32 output must sit well inside the tolerance of the exact
    (float64) result, or the comparisons above would fail on rounding noise rather than
    on pt2c bugs (MobileNetV2 once did, at 1.8x the tolerance; see zoo.calibrate_bn)."""
    inputs = example_inputs(name, batch)
    with torch.no_grad():
        got = pytree.tree_leaves(build(name)(*inputs))
        exact = pytree.tree_leaves(build(name).double()(
            *[t.double() if t.is_floating_point() else t for t in inputs]))
    for i, (g, e) in enumerate(zip(got, exact)):
        if g.is_floating_point():
            g, e = g.double().numpy(), e.numpy()
            used = np.max(np.abs(g - e) / (ATOL + RTOL * np.abs(e)))
            assert used < 0.25, f"output {i}: float32 rounding uses {used:.0%} of the tolerance"
        else:
            assert torch.equal(g, e), f"output {i}: integer result depends on float precision"


CHECK_LINE = re.compile(r"node \d+ '[^']*' \(torch\.ops\.([^)]*)\): (.*)$")


@pytest.mark.parametrize("name,dialect,batch", CASES, ids=case_ids(CASES))
def test_zoo_check(zoo_program, name, dialect, batch):
    """A missing kernel or a shape function that rejects a real model shows up here by op
    name, independent of numerics."""
    prog = zoo_program(name, dialect, batch)
    r = run_pt2c("check", prog.path)
    if r.returncode != 0:
        # One entry per distinct (op, problem), on one line so the short test summary shows
        # it all: the raw report repeats an op once per node.
        problems = sorted({f"{m[1]}: {m[2]}" for m in
                           map(CHECK_LINE.search, r.stderr.splitlines()) if m})
        pytest.fail(f"pt2c check rejects {len(problems)} op(s): " + "; ".join(problems)
                    if problems else f"pt2c check failed:\n{r.stderr}")


# ---------------------------------------------------------------------------------------- #
# run --meta

DTYPE_ABBR = {np.dtype(np.float32): "f32", np.dtype(np.float64): "f64",
              np.dtype(np.int64): "i64", np.dtype(np.int32): "i32", np.dtype(np.bool_): "b8"}
META_LINE = re.compile(r"^(?P<name>[^:\s]+): (?P<what>\S+) -> (?P<value>.+)$")
META_CASES = [("simplenet_b", "core_aten", 4), ("resnet18", "export", 4),
              ("resnet18", "core_aten", 4), ("transformer_encoder", "export", 4),
              ("gpt2", "core_aten", 4)]


def fx_meta(a):
    """How `pt2c run --meta` (like FX) writes a tensor's type: f32[4, 10]."""
    return f"{DTYPE_ABBR[a.dtype]}[{', '.join(map(str, a.shape))}]"


@pytest.mark.parametrize("name,dialect,batch", META_CASES, ids=case_ids(META_CASES))
def test_meta_shapes(zoo_program, tmp_path, name, dialect, batch):
    """--meta propagates dtypes and shapes without running: every user input and output
    must be listed with what PyTorch gives, and no output files are written."""
    prog = zoo_program(name, dialect, batch)
    r = run_pt2c("run", prog.path, *input_args(prog), "--meta", "-o", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    lines = {m["name"]: (m["what"], m["value"])
             for m in map(META_LINE.match, r.stdout.splitlines()) if m}
    sig = prog.ep.graph_signature
    for name_, path in zip(sig.user_inputs, prog.inputs):
        assert lines.get(name_) == ("input", fx_meta(np.load(path))), r.stdout
    assert len(sig.user_outputs) == len(prog.expected)
    for i, (out_name, e) in enumerate(zip(sig.user_outputs, prog.expected)):
        assert out_name in lines, f"output {i} '{out_name}' missing from --meta:\n{r.stdout}"
        assert lines[out_name][1] == fx_meta(e), f"output {i} '{out_name}'"
    assert not (tmp_path / "out" / "output_0.npy").exists(), "--meta must not run the program"


# ---------------------------------------------------------------------------------------- #
# Determinism

# Every zoo model at its largest batch (more rows to split between threads).
DETERMINISM = [(n, max(b for m, b in cases() if m == n)) for n in dict.fromkeys(
    m for m, _ in cases())]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name,batch", DETERMINISM, ids=[f"{n}-b{b}" for n, b in DETERMINISM])
def test_deterministic_across_runs_and_threads(zoo_program, tmp_path, name, batch, dialect):
    """Kernels split work by output element, never inside a reduction, so every thread
    count must give the same bits (and a second run the same bits as the first)."""
    prog = zoo_program(name, dialect, batch)
    outs = {}
    for label, threads in [("t1", 1), ("t1_again", 1), ("t2", 2), ("t3", 3), ("t4", 4)]:
        r = run_pt2c("run", prog.path, *input_args(prog), "-o", tmp_path / label,
                     "--threads", threads, timeout=RUN_TIMEOUT)
        assert r.returncode == 0, f"--threads {threads}: {r.stderr}"
        outs[label] = load_outputs(tmp_path / label, len(prog.expected))
    ref = outs["t1"]
    for label, got in outs.items():
        for i, (g, e) in enumerate(zip(got, ref)):
            assert g.dtype == e.dtype and g.shape == e.shape, f"{label} output {i}"
            n_diff = int(np.sum(g.view(np.uint8) != e.view(np.uint8)))
            assert g.tobytes() == e.tobytes(), \
                f"{label} output {i}: {n_diff} bytes differ from the first --threads 1 run"


# ---------------------------------------------------------------------------------------- #
# The real legacy archives (PyTorch 2.6 layout; torch 2.13 cannot load them). test_legacy
# asserts both files are present, so this parametrization cannot silently collect nothing.

class LegacyTwoHeads(nn.Module):
    """conv_pool_mask_two_heads.pt2 rebuilt from its README and graph: parameters are named
    conv/fc1/fc2 (not SimpleNetB's conv1), and the graph returns (relu(fc2), relu(fc1))."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 5)
        self.register_buffer("mask", torch.zeros(6, 14, 14, dtype=torch.bool))
        self.fc1 = nn.Linear(1176, 10)
        self.fc2 = nn.Linear(1176, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv(x)), 2) * self.mask
        x = x.view(1, -1)
        return F.relu(self.fc2(x)), F.relu(self.fc1(x))


LEGACY_MODELS = {"conv_conv_linear.pt2": SimpleNetA,
                 "conv_pool_mask_two_heads.pt2": LegacyTwoHeads}


@pytest.mark.parametrize("path", LEGACY_FILES, ids=lambda p: p.name)
def test_legacy_matches_pytorch(path, tmp_path):
    model = LEGACY_MODELS[path.name]()
    model.load_state_dict(_torch_load(path, "serialized_state_dict.pt"))  # strict: all keys
    model.eval()
    ex = _torch_load(path, "serialized_example_inputs.pt")
    args = ex[0] if isinstance(ex, tuple) else ex
    x = args[0] if isinstance(args, (tuple, list)) else args
    with torch.no_grad():
        expected = [t.numpy().copy() for t in pytree.tree_leaves(model(x))]
    r = run_pt2c("run", path, "-o", tmp_path)  # no -i: the archive's own sample input
    assert r.returncode == 0, r.stderr
    assert_outputs_match(load_outputs(tmp_path, len(expected)), expected)


# ---------------------------------------------------------------------------------------- #
# Input validation

class TwoInputs(nn.Module):
    """Two inputs of different dtypes, so messages must say which input is wrong."""

    def forward(self, x, ids):
        return torch.relu(x), ids + ids


@pytest.fixture(scope="module")
def two_inputs(workdir):
    path = workdir / "two_inputs.pt2"
    args = (torch.randn(2, 5), torch.arange(10, dtype=torch.int64).view(2, 5))
    torch.export.save(torch.export.export(TwoInputs(), args), str(path))
    return path, [a.numpy() for a in args]


def bad_run(model, arrays, tmp_path):
    """Run with these inputs; must fail with one `pt2c: FILE: ...` line. Returns the
    message after the file name (the path itself may contain digits)."""
    files = []
    for i, a in enumerate(arrays):
        files.append(tmp_path / f"in{i}.npy")
        np.save(files[-1], a)
    r = run_pt2c("run", model, *[a for f in files for a in ("-i", f)], "-o", tmp_path / "out")
    assert r.returncode > 0, f"exit {r.returncode} (negative: killed by a signal)\n{r.stderr}"
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    prefix = f"pt2c: {model}: "
    assert lines[0].startswith(prefix), lines[0]
    assert not (tmp_path / "out" / "output_0.npy").exists()
    return lines[0][len(prefix):]


def names_input(msg, index, name):
    return f"'{name}'" in msg or f"input {index}" in msg


def names_expected(msg, value):
    """`value` (e.g. 4, 32) appears as what was expected, not just somewhere."""
    return re.search(rf"expect\w*\D{{0,24}}\b{value}\b", msg) is not None


@pytest.fixture(scope="module")
def simplenet(zoo_program):
    """simplenet_b: one input x f32[1, 3, 32, 32], ops pt2c already supports."""
    prog = zoo_program("simplenet_b", "export", 1)
    return prog.path, np.load(prog.inputs[0])


def test_wrong_dtype(simplenet, tmp_path):
    model, x = simplenet
    msg = bad_run(model, [x.astype(np.float64)], tmp_path)
    assert names_input(msg, 0, "x") and "float32" in msg, msg


def test_wrong_rank(simplenet, tmp_path):
    model, x = simplenet
    msg = bad_run(model, [x[0]], tmp_path)
    assert names_input(msg, 0, "x"), msg
    assert names_expected(msg, 4) or "[1, 3, 32, 32]" in msg, msg


def test_wrong_shape(simplenet, tmp_path):
    model, x = simplenet
    msg = bad_run(model, [np.zeros((1, 3, 32, 31), np.float32)], tmp_path)
    assert names_input(msg, 0, "x"), msg
    assert names_expected(msg, 32) or "[1, 3, 32, 32]" in msg, msg


def test_too_many_inputs(simplenet, tmp_path):
    model, x = simplenet
    msg = bad_run(model, [x, x], tmp_path)
    assert re.search(r"\b2\b", msg) and re.search(r"\b1\b", msg), msg


def test_too_few_inputs(two_inputs, tmp_path):
    model, (x, _) = two_inputs
    msg = bad_run(model, [x], tmp_path)
    assert re.search(r"\b1\b", msg) and re.search(r"\b2\b", msg), msg


def test_wrong_dtype_second_input(two_inputs, tmp_path):
    model, (x, ids) = two_inputs
    msg = bad_run(model, [x, ids.astype(np.int32)], tmp_path)
    assert names_input(msg, 1, "ids") and "int64" in msg, msg


def test_two_inputs_ok(two_inputs, tmp_path):
    # The fixture model must itself run, or the failures above could be about something else.
    model, (x, ids) = two_inputs
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "ids.npy", ids)
    r = run_pt2c("run", model, "-i", tmp_path / "x.npy", "-i", tmp_path / "ids.npy",
                 "-o", tmp_path)
    assert r.returncode == 0, r.stderr
    assert_outputs_match(load_outputs(tmp_path, 2), [np.maximum(x, 0), ids + ids])


# ---------------------------------------------------------------------------------------- #
# The zoo under AddressSanitizer + UndefinedBehaviorSanitizer

ASAN_BIN = os.environ.get("PT2C_BIN_ASAN")
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "runtime error")
ASAN_CASES = CASES  # the whole zoo: every model, dialect and batch


@pytest.mark.skipif(not ASAN_BIN, reason="PT2C_BIN_ASAN is not set (scripts/test.sh sets it "
                                         "to the ASan+UBSan build)")
@pytest.mark.parametrize("name,dialect,batch", ASAN_CASES, ids=case_ids(ASAN_CASES))
def test_zoo_under_sanitizers(zoo_program, tmp_path, name, dialect, batch):
    prog = zoo_program(name, dialect, batch)
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:halt_on_error=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    # Two threads and two runs: the thread pool and the state kept between runs are under
    # the sanitizers too.
    r = run_pt2c("run", prog.path, *input_args(prog), "-o", tmp_path, "--threads", "2",
                 "--iterations", "2", binary=ASAN_BIN, env=env, timeout=ASAN_TIMEOUT)
    for mark in SANITIZER_MARKS:
        assert mark not in r.stderr, r.stderr
    assert r.returncode == 0, r.stderr
    assert_outputs_match(load_outputs(tmp_path, len(prog.expected)), prog.expected)
