#!/usr/bin/env bash
# Install what building and testing pt2c needs on a fresh Debian machine.
#   scripts/install_deps.sh          C toolchain and libraries (apt)
#   scripts/install_deps.sh --test   also the pinned Python test side (pip)
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v cmake >/dev/null 2>&1 || need_apt+=(cmake)
command -v cc >/dev/null 2>&1 || need_apt+=(gcc)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
[ -f /usr/include/json-c/json.h ] || need_apt+=(libjson-c-dev)
[ -f /usr/include/zlib.h ] || need_apt+=(zlib1g-dev)
if [ "${1:-}" = "--test" ]; then
    command -v clang >/dev/null 2>&1 || need_apt+=(clang)
    command -v clang-format >/dev/null 2>&1 || need_apt+=(clang-format)
    command -v valgrind >/dev/null 2>&1 || need_apt+=(valgrind)
    # libFuzzer's runtime (scripts/fuzz.sh); clang recommends it but minimal installs skip it.
    dpkg -s libclang-rt-14-dev >/dev/null 2>&1 || need_apt+=(libclang-rt-14-dev)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "installing with apt: ${need_apt[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ "${1:-}" = "--test" ]; then
    if ! python3 -c "import torch, numpy, pytest; assert torch.__version__.startswith('2.13.0')" 2>/dev/null; then
        echo "installing the Python test side (requirements-test.txt)"
        python3 -m pip install -q -r requirements-test.txt
    fi
fi
