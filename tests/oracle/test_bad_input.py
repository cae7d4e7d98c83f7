"""Hostile inputs: one-line `pt2c: ` error naming the file, non-zero exit, never a signal."""
import json
import os
import zipfile

import pytest

from conftest import run_pt2c

BASE = "simplenet_a"


def _rewrite(src, dst, edit):
    """Copy zip src to dst; edit(name, data) returns new bytes or None to drop."""
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zo:
        for info in zi.infolist():
            data = edit(info.filename, zi.read(info.filename))
            if data is not None:
                zo.writestr(info.filename, data)
    return dst


def _edit_model(fn):
    def edit(name, data):
        if name.endswith("models/model.json"):
            return fn(data)
        return data
    return edit


def _json_edit(fn):
    def f(data):
        doc = json.loads(data)
        fn(doc)
        return json.dumps(doc).encode()
    return _edit_model(f)


def _first_call(doc):
    for n in doc["graph_module"]["graph"]["nodes"]:
        return n


def _set_major(doc):
    doc["schema_version"]["major"] = 99


def _foo_arg(doc):
    n = _first_call(doc)
    n["inputs"][0]["arg"] = {"as_foo": 1}


EVIL_PKL = b"\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00lsq\x01\x85q\x02Rq\x03."


def _legacy_evil(dst):
    from test_legacy import FILES

    def edit(name, data):
        if name.endswith("serialized_state_dict.pt"):
            import io
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
                z.writestr("archive/data.pkl", EVIL_PKL)
                z.writestr("archive/version", "3\n")
            return buf.getvalue()
        return data
    return _rewrite(FILES[0], dst, edit)


def _truncate_weight(name, data):
    if "data/weights/weight_0" in name or name.endswith("weights/weight_0"):
        return data[: len(data) // 2]
    return data


CASES = {
    "random_bytes": (lambda src, dst: dst.write_bytes(os.urandom(4096)) and dst, "zip"),
    "text": (lambda src, dst: dst.write_text("hello, not a model\n") and dst, "zip"),
    "empty": (lambda src, dst: dst.write_bytes(b"") or dst, "zip|empty"),
    "trunc_half": (lambda src, dst: dst.write_bytes(src.read_bytes()[: src.stat().st_size // 2]) and dst, "zip|trunc"),
    "trunc_tail": (lambda src, dst: dst.write_bytes(src.read_bytes()[:-10]) and dst, "zip|trunc"),
    "no_model_json": (lambda src, dst: _rewrite(src, dst, lambda n, d: None if n.endswith("models/model.json") else d), "missing|model"),
    "malformed_json": (lambda src, dst: _rewrite(src, dst, _edit_model(lambda d: d[: len(d) // 2])), "json"),
    "missing_field": (lambda src, dst: _rewrite(src, dst, _json_edit(lambda doc: doc.pop("graph_module"))), "missing|graph_module"),
    "target_int": (lambda src, dst: _rewrite(src, dst, _json_edit(lambda doc: _first_call(doc).__setitem__("target", 5))), "expected|target"),
    "inputs_str": (lambda src, dst: _rewrite(src, dst, _json_edit(lambda doc: _first_call(doc).__setitem__("inputs", "x"))), "expected|inputs"),
    "unknown_arg": (lambda src, dst: _rewrite(src, dst, _json_edit(_foo_arg)), "as_foo|unknown"),
    "schema_major": (lambda src, dst: _rewrite(src, dst, _json_edit(_set_major)), "schema|version|99"),
    "evil_pickle": (lambda src, dst: _legacy_evil(dst), "global|not allowed|os"),
    "short_payload": (lambda src, dst: _rewrite(src, dst, _truncate_weight), "short|size|bytes|expected|trunc"),
}


@pytest.fixture(scope="session")
def hostile(saved_models, workdir):
    src = saved_models[BASE][0]
    d = workdir / "hostile"
    d.mkdir(exist_ok=True)
    return {k: fn(src, d / f"{k}.pt2") for k, (fn, _) in CASES.items()}


def _check_error(r, path, keyword):
    import re
    assert r.returncode != 0 and r.returncode > 0, (r.returncode, r.stderr)
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("pt2c: "), lines[0]
    assert os.path.basename(str(path)) in lines[0], lines[0]
    assert re.search(keyword, lines[0], re.I), (keyword, lines[0])


# model.json mutations only matter for the new layout; the weight check needs extract.
CMDS = [("show",), ("extract",)]


def _args(cmd, path, workdir):
    return [cmd[0], path] + ([workdir / "ex_out"] if cmd[0] == "extract" else [])


# `show` never reads weight payloads, so a short payload is only an error for extract.
BAD_FILE_CASES = [(case, cmd) for case in CASES for cmd in CMDS
                  if not (case == "short_payload" and cmd[0] == "show")]


@pytest.mark.parametrize("case,cmd", BAD_FILE_CASES, ids=lambda v: v if isinstance(v, str) else v[0])
def test_bad_file(hostile, workdir, case, cmd):
    path = hostile[case]
    r = run_pt2c(*_args(cmd, path, workdir))
    _check_error(r, path, CASES[case][1])


@pytest.mark.parametrize("case", list(CASES))
def test_bad_file_asan(hostile, workdir, case):
    asan = os.environ.get("PT2C_BIN_ASAN")
    if not asan:
        pytest.skip("PT2C_BIN_ASAN not set")
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1")
    path = hostile[case]
    r = run_pt2c(*_args(("extract",), path, workdir), binary=asan, env=env)
    assert "AddressSanitizer" not in r.stderr and "runtime error" not in r.stderr, r.stderr
    _check_error(r, path, CASES[case][1])


def test_nonexistent(workdir):
    p = workdir / "does_not_exist.pt2"
    _check_error(run_pt2c("show", p), p, "no such|not found|open|exist")


def test_directory(workdir):
    p = workdir / "a_directory.pt2"
    p.mkdir(exist_ok=True)
    _check_error(run_pt2c("show", p), p, "directory|not a file|read|zip")


def _unknown_op(saved_models, workdir):
    def fn(doc):
        for n in doc["graph_module"]["graph"]["nodes"]:
            n["target"] = "torch.ops.aten.not_an_op.default"
            break
    return _rewrite(saved_models[BASE][0], workdir / "unknown_op.pt2", _json_edit(fn))


def test_unknown_op_show_ok(saved_models, workdir):
    p = _unknown_op(saved_models, workdir)
    r = run_pt2c("show", p, "--graph")
    assert r.returncode == 0, r.stderr
    assert "not_an_op" in r.stdout


def test_unknown_op_check_fails(saved_models, workdir):
    """check lists every problem, one line each, naming node and op, then a count."""
    p = _unknown_op(saved_models, workdir)
    r = run_pt2c("check", p)
    assert r.returncode != 0
    lines = r.stderr.splitlines()
    assert any("conv2d" in l and "torch.ops.aten.not_an_op.default" in l and str(p) in l
               for l in lines), r.stderr
    assert lines[-1].endswith("1 problem"), r.stderr
