#!/usr/bin/env bash
# Run every test: C unit tests (release and ASan+UBSan builds), formatting, then the oracle
# tests that compare pt2c with PyTorch 2.13 (run against both builds for hostile inputs).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh --test
jobs="$(nproc)"

echo "== build (release)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs" >/dev/null

echo "== build (AddressSanitizer + UndefinedBehaviorSanitizer)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DPT2C_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs" >/dev/null

echo "== formatting (clang-format)"
scripts/check_format.sh

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

echo "== C unit tests (sanitizers)"
ctest --test-dir build-asan --output-on-failure -j"$jobs"

echo "== C unit tests (release)"
ctest --test-dir build --output-on-failure -j"$jobs"

# Every kernel table on the same cases: PT2C_ISA forces plain C, AVX2 or AVX-512 (src/cpu).
# A table this CPU cannot run is reported, not silently passed over.
for isa in generic avx2 avx512; do
    if build/pt2c run examples/simple_net.pt2 --threads 1 >/dev/null 2>&1 </dev/null &&
        PT2C_ISA=$isa build/pt2c run examples/simple_net.pt2 --threads 1 >/dev/null 2>&1; then
        echo "== C unit tests (release) with PT2C_ISA=$isa"
        PT2C_ISA=$isa ctest --test-dir build --output-on-failure -j"$jobs"
    elif [ "$isa" = avx512 ]; then
        # No AVX-512 here: the same table built on SIMDe, carried out with AVX2 (CMakeLists.txt,
        # PT2C_EMULATE_AVX512). The oracle's test_isa.py compares its zoo bits too.
        echo "== C unit tests with PT2C_ISA=avx512, emulated (this CPU lacks AVX-512)"
        cmake -S . -B build-avx512emu -DCMAKE_BUILD_TYPE=Release -DPT2C_EMULATE_AVX512=ON \
            -DPT2C_BUILD_TESTS=ON >/dev/null
        cmake --build build-avx512emu -j"$jobs" >/dev/null
        PT2C_ISA=avx512 ctest --test-dir build-avx512emu --output-on-failure -j"$jobs"
    else
        echo "== C unit tests with PT2C_ISA=$isa: SKIPPED, this CPU cannot run it"
    fi
done

echo "== install into a temporary prefix; the examples built against it (pkg-config, find_package)"
scripts/test_install.sh build

echo "== valgrind memcheck (a subset: show, extract, check, run, hostile files)"
scripts/valgrind.sh

echo "== oracle tests against PyTorch $(python3 -c 'import torch; print(torch.__version__)')"
PT2C_BIN="$PWD/build/pt2c" PT2C_BIN_ASAN="$PWD/build-asan/pt2c" \
    python3 -m pytest tests/oracle -q -rxXs

# The whole-zoo pipelines of pt2c opt (test_passes, test_write, test_decompose) and the
# Hugging Face ones run in the release pass only: under the sanitizers every zoo model
# already runs the default passes (test_run), and each pass, each decomposition rule and the
# writer have their own small cases here. The OpInfo subset (test_opinfo) too: its time is
# torch exporting samples, and the kernels it reaches have their own cases under ASan.
echo "== oracle tests again, every pt2c call through the ASan+UBSan build"
ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1" \
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
PT2C_BIN="$PWD/build-asan/pt2c" python3 -m pytest tests/oracle -q -p no:cacheprovider \
    -k "not under_sanitizers and not emulated and not zoo_full_pipeline \
        and not zoo_round_trip and not hf_full_pipeline \
        and not zoo_op_multiset_equals_run_decompositions and not hf_decompose \
        and not opinfo"

echo "== fuzzing (libFuzzer, ASan+UBSan), ${PT2C_FUZZ_SECONDS:-60}s per target"
scripts/fuzz.sh "${PT2C_FUZZ_SECONDS:-60}"
