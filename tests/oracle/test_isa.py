"""Every vector path is tested on this machine: PT2C_ISA forces the plain C, AVX2 or AVX-512
kernel table (src/cpu), and a zoo subset run under each must give exactly the bits of the
default choice, which the zoo tests compare with PyTorch. The tables are one template
compiled per instruction set, with the same fused multiply-adds in the same order, so any
difference is a bug. A table this CPU cannot run is skipped with the reason (counted in the
summary); asking for it is an error naming what is missing. On a CPU without AVX-512, the
AVX-512 table still runs here, emulated: scripts/test.sh builds build-avx512emu with
PT2C_EMULATE_AVX512 (SIMDe carries each 512-bit operation out on AVX2), and its bits must
equal this machine's own.
"""
import os
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, run_pt2c
from programs import input_args, load_outputs

ISAS = ["generic", "avx2", "avx512"]
# Convolutions (dense, depthwise, 1x1, strided), batch norm folding, attention, layer norm,
# GELU, recurrent layers, pooling: most kernels of the CPU tables and of the op families.
SUBSET = ["resnet18", "mobilenet_v2", "transformer_encoder", "gpt2", "lstm", "unet"]


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def supported(isa):
    flags = cpu_flags()
    return {"generic": True, "avx2": {"avx2", "fma"} <= flags,
            "avx512": {"avx512f", "fma"} <= flags}[isa]


def emulator_bin():
    return os.environ.get("PT2C_EMU_BIN", str(REPO / "build-avx512emu" / "pt2c"))


def env_with(isa):
    env = dict(os.environ)
    env["PT2C_ISA"] = isa
    return env


@pytest.fixture(scope="module")
def zoo_names():
    from zoo import cases
    names = [n for n, _ in cases()]
    missing = [n for n in SUBSET if n not in names]
    assert not missing, f"zoo models renamed? {missing} not in {sorted(set(names))}"
    return SUBSET


def assert_same_bits_as_default(prog, tmp_path, isa, binary=None, label=None, timeout=300):
    """Run prog with the default table and with `isa` (through `binary`, default the build
    under test): every output must be the same bits."""
    label = label or isa
    ref = run_pt2c("run", prog.path, *input_args(prog), "-o", tmp_path / "auto",
                   "--threads", 2, timeout=300)
    assert ref.returncode == 0, ref.stderr
    r = run_pt2c("run", prog.path, *input_args(prog), "-o", tmp_path / "isa", "--threads", 2,
                 "--iterations", 2, binary=binary, env=env_with(isa), timeout=timeout)
    assert r.returncode == 0, r.stderr
    assert f"{isa} kernels" in r.stdout, r.stdout
    want = load_outputs(tmp_path / "auto", len(prog.expected))
    got = load_outputs(tmp_path / "isa", len(prog.expected))
    for i, (g, w) in enumerate(zip(got, want)):
        assert g.tobytes() == w.tobytes(), \
            f"output {i}: {int(np.sum(g != w))} elements differ between {label} and the default"


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dialect", ["export", "core_aten"])
@pytest.mark.parametrize("name", SUBSET)
def test_zoo_same_bits_on_every_isa(zoo_program, zoo_names, tmp_path, name, dialect, isa):
    if not supported(isa):
        pytest.skip(f"this CPU lacks {isa} (flags in /proc/cpuinfo)")
    assert_same_bits_as_default(zoo_program(name, dialect, 1), tmp_path, isa)


@pytest.mark.parametrize("dialect", ["export", "core_aten"])
@pytest.mark.parametrize("name", SUBSET)
def test_zoo_same_bits_on_emulated_avx512(zoo_program, zoo_names, tmp_path, name, dialect):
    if supported("avx512"):
        pytest.skip("this CPU runs AVX-512 itself (test_zoo_same_bits_on_every_isa)")
    if not supported("avx2"):
        pytest.skip("the emulation runs on AVX2, which this CPU lacks")
    if not Path(emulator_bin()).exists():
        pytest.skip(f"no emulation build at {emulator_bin()} (scripts/test.sh builds it)")
    assert_same_bits_as_default(zoo_program(name, dialect, 1), tmp_path, "avx512",
                                binary=emulator_bin(), label="emulated avx512", timeout=600)


def test_unknown_isa_is_refused(zoo_program):
    prog = zoo_program("simplenet_b", "export", 1)
    r = run_pt2c("run", prog.path, *input_args(prog), env=env_with("sse9"))
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "PT2C_ISA is 'sse9'" in lines[0], r.stderr


@pytest.mark.parametrize("isa", ["avx2", "avx512"])
def test_missing_isa_is_refused(zoo_program, isa):
    if supported(isa):
        pytest.skip(f"this CPU has {isa}: nothing to refuse")
    prog = zoo_program("simplenet_b", "export", 1)
    r = run_pt2c("run", prog.path, *input_args(prog), env=env_with(isa))
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "this CPU lacks" in lines[0], r.stderr
