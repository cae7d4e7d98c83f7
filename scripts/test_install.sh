#!/usr/bin/env bash
# Install the release build into a temporary prefix, then build the examples against that
# copy the two ways users do (pkg-config, and CMake's find_package), and run each on the
# bundled example. Usage: scripts/test_install.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
prefix="$(mktemp -d)"
trap 'rm -rf "$prefix"' EXIT
model=examples/simple_net.pt2

cmake --install "$build" --prefix "$prefix" >/dev/null
libdir="$(ls -d "$prefix"/lib*/pkgconfig | head -1)"
libdir="${libdir%/pkgconfig}"
for f in include/pt2c.h bin/pt2c "$(basename "$libdir")/libpt2c.a" \
         "$(basename "$libdir")/libpt2c.so" share/man/man1/pt2c.1 \
         share/bash-completion/completions/pt2c "$(basename "$libdir")/cmake/pt2c/pt2cConfig.cmake"; do
    [ -e "$prefix/$f" ] || { echo "install: $f missing" >&2; exit 1; }
done
"$prefix/bin/pt2c" version >/dev/null

echo "-- pkg-config (shared, then static)"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
cc -std=c11 -Wall -Wextra -Werror examples/run_program.c $(pkg-config --cflags --libs pt2c) \
    -Wl,-rpath,"$libdir" -o "$prefix/run_pc"
"$prefix/run_pc" "$model" >/dev/null
ldd "$prefix/run_pc" | grep -q "libpt2c.so" || { echo "run_pc is not linked to libpt2c.so" >&2; exit 1; }
cc -std=c11 -Wall -Wextra -Werror examples/run_program.c $(pkg-config --cflags pt2c) \
    "$libdir/libpt2c.a" $(pkg-config --libs-only-l --static pt2c | sed 's/-lpt2c//') \
    -o "$prefix/run_pc_static"
"$prefix/run_pc_static" "$model" >/dev/null

echo "-- find_package(pt2c)"
cmake -S examples -B "$prefix/build-examples" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$prefix/build-examples" -j"$(nproc)" >/dev/null
for exe in run_program run_program_static; do
    "$prefix/build-examples/$exe" "$model" >/dev/null
done
"$prefix/build-examples/show_program" "$model" >/dev/null
echo "install: ok (pkg-config and find_package, shared and static)"
