#!/usr/bin/env bash
# Install what building and testing pt2c needs on a fresh Debian machine.
#   scripts/install_deps.sh          C toolchain and libraries (apt)
#   scripts/install_deps.sh --test   also the pinned Python test side (pip)
#   scripts/install_deps.sh --bench  also what bench/compare.py needs (pip: the test side and
#                                    transformers)
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v cmake >/dev/null 2>&1 || need_apt+=(cmake)
command -v cc >/dev/null 2>&1 || need_apt+=(gcc)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
[ -f /usr/include/json-c/json.h ] || need_apt+=(libjson-c-dev)
[ -f /usr/include/zlib.h ] || need_apt+=(zlib1g-dev)
if [ "${1:-}" = "--test" ] || [ "${1:-}" = "--bench" ]; then
    command -v clang >/dev/null 2>&1 || need_apt+=(clang)
    command -v clang-format >/dev/null 2>&1 || need_apt+=(clang-format)
    command -v valgrind >/dev/null 2>&1 || need_apt+=(valgrind)
    # libFuzzer's runtime (scripts/fuzz.sh); clang recommends it but minimal installs skip it.
    dpkg -s libclang-rt-14-dev >/dev/null 2>&1 || need_apt+=(libclang-rt-14-dev)
    # SIMDe (headers only): the test build that emulates the AVX-512 kernel table on CPUs
    # without AVX-512 (scripts/test.sh).
    [ -f /usr/include/simde/x86/avx512.h ] || need_apt+=(libsimde-dev)
    # Graphviz: `pt2c show --svg` runs dot (the tests draw a graph with it).
    command -v dot >/dev/null 2>&1 || need_apt+=(graphviz)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "installing with apt: ${need_apt[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# Whether every "name==version" pin of a requirements file (and of the files it includes with
# -r) is installed at that version; a local suffix such as torch's "+cpu" does not count.
pins_installed() {
    python3 - "$1" <<'EOF'
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

def pins(path):
    for line in Path(path).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            yield from pins(Path(path).parent / line[3:].strip())
        elif "==" in line:
            yield line.split("==")

for name, want in pins(sys.argv[1]):
    try:
        have = version(name)
    except PackageNotFoundError:
        sys.exit(f"{name} is missing")
    if have.split("+")[0] != want:
        sys.exit(f"{name} is {have}, pinned {want}")
EOF
}

case "${1:-}" in
    --test) requirements=requirements-test.txt ;;
    --bench) requirements=bench/requirements.txt ;;
    *) requirements="" ;;
esac
if [ -n "$requirements" ] && ! pins_installed "$requirements"; then
    echo "installing the pinned Python side ($requirements)"
    python3 -m pip install -q -r "$requirements"
fi
