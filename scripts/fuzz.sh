#!/usr/bin/env bash
# Build the libFuzzer targets (clang, ASan+UBSan) and run each one for a bounded time.
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     default 60 s, every target
# Seeds: the bundled .pt2 files and the pickles and JSON inside them. Every input in
# tests/fuzz/<target>/ (crashes found before) runs first, as a regression test. A crash
# leaves its input in build-fuzz/artifacts/ and fails the script: copy it into
# tests/fuzz/<target>/ once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPT2C_FUZZ=ON \
    -DPT2C_BUILD_TESTS=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" >/dev/null

corpus=build-fuzz/corpus
mkdir -p "$corpus" build-fuzz/artifacts
python3 - "$corpus" <<'PY'
import sys, zipfile, pathlib
root = pathlib.Path(sys.argv[1])
seeds = [pathlib.Path("examples/simple_net.pt2"), *sorted(pathlib.Path("tests/data/legacy-pt2").glob("*.pt2"))]
for t in ("zip", "load", "pickle", "export_json"):
    (root / t).mkdir(parents=True, exist_ok=True)
def put(target, name, data):
    (root / target / name).write_bytes(data)
for s in seeds:
    put("zip", s.name, s.read_bytes())
    put("load", s.name, s.read_bytes())
    with zipfile.ZipFile(s) as z:
        for n in z.namelist():
            data = z.read(n)
            flat = s.stem + "_" + n.replace("/", "_")
            if n.endswith(".pkl"):
                put("pickle", flat, data)
            elif n.endswith(".json") and ("models/" in n or "exported_program" in n):
                put("export_json", flat, data)
            elif n.endswith(".pt"):  # legacy: torch.save zips hold the pickles
                import io
                with zipfile.ZipFile(io.BytesIO(data)) as inner:
                    for m in inner.namelist():
                        if m.endswith(".pkl"):
                            put("pickle", flat + "_" + m.replace("/", "_"), inner.read(m))
PY

# More seeds for the whole-load target when torch is at hand: the oracle tests' small models
# in both dialects reach far more of the ops' argument parsing and shape functions.
if python3 -c "import torch" 2>/dev/null; then
    (cd tests/oracle && python3 - "../../$corpus/load" <<'PY' 2>/dev/null) || true
import sys, warnings
warnings.filterwarnings("ignore")
import torch
from models import SPECS, export_spec
for name in SPECS:
    torch.manual_seed(0)
    ep = export_spec(name)
    torch.export.save(ep, f"{sys.argv[1]}/{name}.pt2")
    if name in ("simplenet_b", "args_kw", "dyn_batch"):
        torch.export.save(ep.run_decompositions(), f"{sys.argv[1]}/{name}_core.pt2")
PY
fi

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(zip pickle export_json load)
for t in "${targets[@]}"; do
    bin="build-fuzz/fuzz_$t"
    if [ -d "tests/fuzz/$t" ] && [ -n "$(ls -A "tests/fuzz/$t")" ]; then
        echo "== fuzz_$t: regression inputs"
        "$bin" -runs=0 tests/fuzz/"$t"/* >/dev/null 2>&1 || { "$bin" -runs=0 tests/fuzz/"$t"/*; exit 1; }
    fi
    echo "== fuzz_$t: ${seconds}s"
    "$bin" "$corpus/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len=1048576 -artifact_prefix=build-fuzz/artifacts/"$t"- -print_final_stats=1 \
        2>build-fuzz/fuzz_"$t".log || { tail -40 build-fuzz/fuzz_"$t".log; exit 1; }
    grep -E "stat::number_of_executed_units|cov:" build-fuzz/fuzz_"$t".log | tail -2
done
