"""bench/compare.py end to end on the smallest model, so the measuring instrument keeps working.

Runs `compare.py --quick --models simplenet --threads 1` into a temporary directory and checks
that RESULTS.md and results.json come out with every section and column the report promises,
and that the checks it makes (outputs against eager) pass for SimpleNet. No speed is asserted:
--quick numbers mean nothing. A second case re-renders the report from that results.json with
a `pt2c bench`-shaped result injected, so the profile section is exercised even while the
pt2c build has no `bench` verb.
"""
import importlib.util
import json
import subprocess
import sys

import pytest

from conftest import REPO, pt2c_bin

COMPARE = REPO / "bench" / "compare.py"
SPEED_COLUMNS = ["model", "GFLOP", "eager ms", "ORT ms", "pt2c ms", "pt2c/eager", "pt2c/ORT",
                 "pt2c GFLOP/s", "% of FMA peak"]
SECTIONS = ["## Machine", "## Correctness", "## Targets", "## 1 thread", "## Load time", "## Peak RSS (MiB)",
            "## pt2c profile at 1 thread", "## Machine load"]
ENGINES = ("eager", "ort", "pt2c")


def header_cells(markdown, first_cell):
    """The cells of the first table header line that starts with `first_cell`."""
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0] == first_cell:
            return cells
    return None


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """Output directory of one quick run (about half a minute)."""
    out = tmp_path_factory.mktemp("compare")
    args = [sys.executable, COMPARE, "--quick", "--models", "simplenet", "--threads", "1",
            "--out", out, "--work", out / "work", "--pt2c", pt2c_bin()]
    missing = [m for m in ("onnxruntime", "onnxscript") if importlib.util.find_spec(m) is None]
    if missing:
        print(f"test_compare_smoke: {', '.join(missing)} not installed "
              "(scripts/install_deps.sh --test installs them): running without ONNX Runtime")
        args.append("--no-ort")
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    return out, bool(missing)


def test_markdown_has_every_section_and_column(smoke):
    out, _ = smoke
    md = (out / "RESULTS.md").read_text()
    for section in SECTIONS:
        assert section in md, section
    assert header_cells(md, "model") is not None
    speed = [l for l in md.splitlines() if l.startswith("| model | GFLOP |")]
    assert speed, "no speed table"
    assert header_cells(speed[0], "model") == SPEED_COLUMNS
    assert any(l.startswith("| simplenet |") for l in md.splitlines())
    assert any(l.startswith("| **geomean** |") for l in md.splitlines())
    assert "bench/compare.py --quick --models simplenet" in md  # the exact command


def test_json_has_the_raw_numbers(smoke):
    out, no_ort = smoke
    doc = json.loads((out / "results.json").read_text())
    meta = doc["meta"]
    for key in ("command", "date", "machine", "versions", "fma_peak", "settings",
                "runtime_floor_rss"):
        assert key in meta, key
    assert meta["fma_peak"]["isa"] in ("avx512f", "avx2+fma", "scalar")
    assert meta["fma_peak"]["gflops"] > 0
    model = doc["models"]["simplenet"]
    assert model["info"]["gflop"] > 0
    assert not any(o["faded"] for o in model["info"]["outputs"])
    run = model["runs"]["1"]
    for engine in ENGINES:
        if engine == "ort" and no_ort:
            continue
        r = run[engine]
        assert "error" not in r, (engine, r)
        assert (r.get("median_ms") or r.get("mean_ms")) > 0, (engine, r)
        assert r["peak_rss_bytes"] > 0, (engine, r)
    # The instrument's correctness checks: SimpleNet must match eager in every engine.
    assert model["checks"]["pt2c"]["ok"], model["checks"]["pt2c"]
    if not no_ort:
        assert model["checks"]["ort"]["ok"], model["checks"]["ort"]
    assert model["load"]["torch_export_load"]["median_ms"] > 0
    assert model["load"]["pt2c"]["load_ms"] > 0


def test_render_shows_pt2c_bench_profile(smoke, tmp_path):
    """A pt2c bench result (keys as `pt2c bench --json` documents them) in results.json gives
    the median in the speed table and a per-op profile section."""
    out, _ = smoke
    doc = json.loads((out / "results.json").read_text())
    doc["meta"]["pt2c_bench"] = True
    doc["models"]["simplenet"]["runs"]["1"]["pt2c"] = {
        "source": "bench", "model": "model.pt2", "threads": 1, "isa": "avx2", "iterations": 5,
        "warmup": 2, "load_ms": 1.0, "plan_ms": 0.5, "first_run_ms": 0.4, "median_ms": 0.123,
        "p90_ms": 0.2, "min_ms": 0.1, "mean_ms": 0.15, "peak_rss_bytes": 4 << 20,
        "gflop_per_run": 0.00075, "gflops": 6.1,
        "by_op": [{"op": "aten.convolution.default", "nodes": 1, "ms": 0.08, "percent": 65.0,
                   "gflop": 0.0007, "gflops": 8.8},
                  {"op": "aten.linear.default", "nodes": 2, "ms": 0.03, "percent": 25.0,
                   "gflop": 0.00005, "gflops": 1.6}],
        "top_nodes": [{"node": "conv2d", "op": "aten.convolution.default", "ms": 0.08,
                       "percent": 65.0, "gflop": 0.0007, "gflops": 8.8}]}
    src = tmp_path / "results.json"
    src.write_text(json.dumps(doc))
    r = subprocess.run([sys.executable, str(COMPARE), "--render", str(src)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    md = (tmp_path / "RESULTS.md").read_text()
    profile = md[md.index("## pt2c profile at 1 thread"):]
    assert "### simplenet" in profile
    assert "| aten.convolution.default |" in profile
    assert "| conv2d |" in profile
    assert "0.123" in md  # the median, not the mean, is pt2c's time


def load_compare():
    spec = importlib.util.spec_from_file_location("compare", COMPARE)
    mod = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(COMPARE.parent))
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(COMPARE.parent))
    return mod


def test_median_round_keeps_the_median_measurement_whole():
    compare = load_compare()
    rounds = [{"median_ms": 30.0, "by_op": "slow"}, {"median_ms": 10.0, "by_op": "fast"},
              {"median_ms": 12.0, "by_op": "mid"}, {"error": "crashed"}]
    kept = compare.median_round(rounds)
    assert kept["median_ms"] == 12.0 and kept["by_op"] == "mid"  # not mixed across rounds
    assert kept["rounds_ms"] == [30.0, 10.0, 12.0, None]
    assert compare.median_round([{"error": "x"}]) == {"error": "x"}


def test_targets_say_met_or_missed_from_the_numbers(smoke):
    """The Targets section computes its verdicts: a faster ORT makes the geomean target
    missed, a slower one met."""
    out, no_ort = smoke
    if no_ort:
        pytest.xfail("ONNX Runtime not installed: no ORT times to judge against")
    compare = load_compare()
    doc = json.loads((out / "results.json").read_text())
    run = doc["models"]["simplenet"]["runs"]["1"]
    pt2c_ms = compare.engine_ms(run["pt2c"])
    for ort_ms, verdict in ((pt2c_ms / 2, "**missed**"), (pt2c_ms * 2, "met")):
        run["ort"]["median_ms"] = ort_ms
        lines = compare.render_targets(doc["meta"], doc["models"])
        row = next(l for l in lines if "ONNX Runtime on the geomean, 1T" in l)
        assert row.rstrip(" |").endswith(verdict), row
