"""`pt2c show` output must equal what PyTorch prints for the reloaded program."""
import json

import pytest

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
