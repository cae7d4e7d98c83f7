"""Every row of docs/hostile-inputs.md: build the file, run the command, match the message."""
import os
import re
from pathlib import Path

import pytest
import torch

import hostile_cases
from conftest import run_pt2c
from models import SimpleNetB

DOC = Path(__file__).resolve().parents[2] / "docs" / "hostile-inputs.md"


def _rows():
    rows = []
    for line in DOC.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] in hostile_cases.BUILDERS:
            rows.append((cells[0], cells[2], cells[3].strip("`")))
    return rows


ROWS = _rows()


def test_catalogue_is_complete():
    """The table documents at least 25 cases and every builder has a row."""
    assert len(ROWS) >= 25
    assert sorted(r[0] for r in ROWS) == sorted(hostile_cases.BUILDERS)


@pytest.fixture(scope="module")
def good_archive(tmp_path_factory):
    torch.manual_seed(0)
    ep = torch.export.export(SimpleNetB().eval(), (torch.randn(1, 3, 32, 32),))
    d = tmp_path_factory.mktemp("hostile")
    path = d / "good.pt2"
    torch.export.save(ep, str(path))
    return path


def _pattern(message):
    return "^" + ".*".join(re.escape(part) for part in message.split("*")) + "$"


def _run(binary, cmd, path, tmp_path, env=None):
    args = [cmd, path] + ([tmp_path / "extracted"] if cmd == "extract" else [])
    return run_pt2c(*args, binary=binary, env=env)


def _check(r, path, cmd, message):
    assert r.returncode not in (0,) and r.returncode > 0, (r.returncode, r.stderr)
    lines = r.stderr.splitlines()
    if cmd == "check":  # the problems, one per line, then the count
        assert lines[-1].endswith("problem") or lines[-1].endswith("problems"), r.stderr
        lines = lines[:-1]
    assert len(lines) == 1, r.stderr
    prefix = f"pt2c: {path}: "
    assert lines[0].startswith(prefix), lines[0]
    assert re.match(_pattern(message), lines[0][len(prefix):]), (message, lines[0])


@pytest.mark.parametrize("case,cmd,message", ROWS, ids=[r[0] for r in ROWS])
def test_hostile_case(good_archive, tmp_path, case, cmd, message):
    path = hostile_cases.BUILDERS[case](good_archive, tmp_path)
    _check(_run(None, cmd, path, tmp_path), path, cmd, message)


ASAN = os.environ.get("PT2C_BIN_ASAN")


@pytest.mark.skipif(not ASAN, reason="PT2C_BIN_ASAN is not set (scripts/test.sh sets it)")
@pytest.mark.parametrize("case,cmd,message", ROWS, ids=[r[0] for r in ROWS])
def test_hostile_case_under_sanitizers(good_archive, tmp_path, case, cmd, message):
    path = hostile_cases.BUILDERS[case](good_archive, tmp_path)
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1", UBSAN_OPTIONS="halt_on_error=1")
    r = _run(ASAN, cmd, path, tmp_path, env=env)
    assert "Sanitizer" not in r.stderr and "runtime error" not in r.stderr, r.stderr
    _check(r, path, cmd, message)
