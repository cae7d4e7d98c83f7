#!/usr/bin/env bash
# Run a subset of real work under valgrind memcheck (release build): show, extract, check,
# run, bench, opt and partition on the bundled example and a legacy archive, plus hostile
# files. Any memcheck
# report or leak fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/pt2c
out=build/valgrind
rm -rf "$out" && mkdir -p "$out"
vg=(valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible
    --errors-for-leak-kinds=definite,indirect,possible)
legacy=tests/data/legacy-pt2/conv_pool_mask_two_heads.pt2
printf 'not a zip\n' > "$out/text.pt2"
head -c 5000 examples/simple_net.pt2 > "$out/truncated.pt2"
runs=(
    "show examples/simple_net.pt2"
    "show --graph examples/simple_net.pt2"
    "show --dot $legacy"
    "show --json $legacy"
    "extract examples/simple_net.pt2 $out/extracted"
    "check $legacy"
    "run examples/simple_net.pt2 -o $out/run --threads 2 --iterations 2"
    "run --meta $legacy"
    "bench examples/simple_net.pt2 --threads 2 --iterations 2 --warmup 1 --json"
    "opt $legacy -o $out/opt.pt2"
    "partition $legacy --run --threads 2"
    "show $out/text.pt2"
    "show $out/truncated.pt2"
)
for args in "${runs[@]}"; do
    # shellcheck disable=SC2086
    set +e
    "${vg[@]}" "$bin" $args >/dev/null 2>"$out/log"
    rc=$?
    set -e
    if [ "$rc" -eq 99 ] || grep -q "==[0-9]*==" "$out/log"; then
        echo "valgrind: pt2c $args"; cat "$out/log"; exit 1
    fi
    echo "valgrind clean: pt2c $args (exit $rc)"
done
