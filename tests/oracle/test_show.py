"""`pt2c show` output must equal what PyTorch prints for the reloaded program."""
import json
import operator
import os
import re
import shutil

import pytest
import torch

from conftest import norm, run_pt2c
from models import SPECS

NAMES = list(SPECS)


def _show(saved_models, name, *flags):
    path, ep = saved_models[name]
    r = run_pt2c("show", path, *flags)
    assert r.returncode == 0, r.stderr
    return r.stdout, ep


@pytest.mark.parametrize("name", NAMES)
def test_code(saved_models, name):
    out, ep = _show(saved_models, name, "--code")
    assert norm(out) == norm(ep.graph_module.code)


@pytest.mark.parametrize("name", NAMES)
def test_graph(saved_models, name):
    out, ep = _show(saved_models, name, "--graph")
    assert norm(out) == norm(str(ep.graph_module.graph))


@pytest.mark.parametrize("name", NAMES)
def test_readable(saved_models, name):
    out, ep = _show(saved_models, name)
    exp = ep.graph_module.print_readable(print_output=False, include_device=True)
    assert norm(out) == norm(exp)


@pytest.mark.parametrize("name", NAMES)
def test_signature(saved_models, name):
    out, ep = _show(saved_models, name, "--signature")
    assert norm(out) == norm(str(ep.graph_signature))


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_listing(saved_models, name):
    out, ep = _show(saved_models, name, "--state-dict")
    for k, t in ep.state_dict.items():
        assert k in out
        assert str(list(t.shape)).replace(" ", "") in out.replace(" ", "") or str(tuple(t.shape)) in out


@pytest.mark.parametrize("name", NAMES)
def test_constants_listing(saved_models, name):
    out, ep = _show(saved_models, name, "--constants")
    for k in ep.constants:
        assert k in out


@pytest.mark.parametrize("name", ["dyn_batch"])
def test_range_constraints(saved_models, name):
    out, ep = _show(saved_models, name, "--range-constraints")
    assert "64" in out


def _archive_program(path):
    """The serialized ExportedProgram JSON, read straight from the archive."""
    import zipfile
    with zipfile.ZipFile(path) as z:
        entry = [n for n in z.namelist() if n.endswith("models/model.json")][0]
        return json.loads(z.read(entry))


@pytest.mark.parametrize("name", NAMES)
def test_json(saved_models, name):
    out, ep = _show(saved_models, name, "--json")
    doc = json.loads(out)
    raw = _archive_program(saved_models[name][0])
    got = doc["graph_module"]["graph"]["nodes"]
    want = raw["graph_module"]["graph"]["nodes"]
    assert [n["target"] for n in got] == [n["target"] for n in want]
    assert [n["name"] for n in got] == [n["name"] for n in want]
    assert [[i["name"] for i in n["inputs"]] for n in got] == \
        [[i["name"] for i in n["inputs"]] for n in want]
    sd = {t["name"]: t for t in doc["state_dict"]}
    assert sorted(sd) == sorted(ep.state_dict)
    for k, t in ep.state_dict.items():
        assert sd[k]["shape"] == list(t.shape)
    assert sorted(t["name"] for t in doc["constants"]) == sorted(ep.constants)


def _ints(o):
    if isinstance(o, dict):
        for v in o.values():
            yield from _ints(v)
    elif isinstance(o, list):
        for v in o:
            yield from _ints(v)
    elif isinstance(o, int):
        yield o


# ---------------------------------------------------------------------------------------- #
# --dot / --svg: a picture of the graph (no PyTorch printout to equal: the FX graph is the
# reference for its nodes and edges)

DOT_NODE = re.compile(
    r'^  "((?:[^"\\]|\\.)*)" \[label="((?:[^"\\]|\\.)*)", fillcolor="(#[0-9a-f]{6})"')
DOT_EDGE = re.compile(r'^  "((?:[^"\\]|\\.)*)" -> "((?:[^"\\]|\\.)*)";$')
KERNEL_GREEN, PORTABLE, NO_KERNEL_RED = "#d9ead3", "#d0e0e3", "#f4cccc"


def parse_dot(text):
    """{name: (label, fill)} and {(from, to)} of `pt2c show --dot` output."""
    assert text.startswith("digraph ") and text.rstrip().endswith("}"), text[:200]
    nodes, edges = {}, set()
    for line in text.splitlines():
        if m := DOT_NODE.match(line):
            assert m[1] not in nodes, f"node {m[1]} twice"
            nodes[m[1]] = (m[2], m[3])
        elif m := DOT_EDGE.match(line):
            edges.add((m[1], m[2]))
    return nodes, edges


@pytest.mark.parametrize("name", NAMES)
def test_dot_has_every_fx_node_and_edge(saved_models, name):
    out, ep = _show(saved_models, name, "--dot")
    nodes, edges = parse_dot(out)
    graph = ep.graph_module.graph
    assert list(nodes) == [n.name for n in graph.nodes]  # FX order, FX names
    want = {(i.name, n.name) for n in graph.nodes for i in n.all_input_nodes}
    assert edges == want
    for n in graph.nodes:
        label, fill = nodes[n.name]
        if n.op == "call_function" and n.target is not operator.getitem:
            assert str(n.target) in label, (n.name, label)
            # Every zoo op has a kernel: the partition that runs it colours it.
            backend = re.search(r"partition \d+: (x86|portable)", label)
            assert backend and fill in (KERNEL_GREEN, PORTABLE), (n.name, label, fill)
            assert (fill == KERNEL_GREEN) == (backend[1] == "x86"), (n.name, label, fill)
        val = n.meta.get("val")
        if isinstance(val, torch.Tensor):
            assert "[" + ", ".join(str(s) for s in val.shape) + "]" in label, (n.name, label)


def test_dot_marks_ops_without_a_kernel_red(tmp_path):
    class Bessel(torch.nn.Module):
        def forward(self, x):
            return torch.special.bessel_j0(x).relu()

    path = tmp_path / "bessel.pt2"
    torch.export.save(torch.export.export(Bessel(), (torch.randn(3, 4),)), str(path))
    r = run_pt2c("show", path, "--dot")
    assert r.returncode == 0, r.stderr
    nodes, _ = parse_dot(r.stdout)
    assert nodes["special_bessel_j0"][1] == NO_KERNEL_RED
    assert "no pt2c kernel" in nodes["special_bessel_j0"][0]
    assert nodes["relu"][1] == KERNEL_GREEN and "x86" in nodes["relu"][0]
    assert "parameter" not in nodes["x"][0] and "user input" in nodes["x"][0]


def test_svg_through_graphviz_or_a_clear_refusal(saved_models, tmp_path):
    path, _ = saved_models["simplenet_a"]
    r = run_pt2c("show", path, "--svg")
    if shutil.which("dot"):
        assert r.returncode == 0, r.stderr
        assert "<svg" in r.stdout and r.stdout.rstrip().endswith("</svg>")
    else:
        assert r.returncode == 1 and r.stdout == ""
        assert "needs Graphviz's dot" in r.stderr and r.stderr.count("\n") == 1
    # Without dot on PATH the refusal is one line naming the file, whatever is installed.
    r = run_pt2c("show", path, "--svg", env={**os.environ, "PATH": str(tmp_path)})
    assert r.returncode == 1 and r.stdout == ""
    assert str(path) in r.stderr and "apt-get install graphviz" in r.stderr
