#!/usr/bin/env bash
# Install, build, and run the main job on the bundled example: show what is inside a .pt2
# written by torch.export.save, extract its tensors as .npy files, then run it on the CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
echo "== pt2c show --summary examples/simple_net.pt2"
build/pt2c show --summary examples/simple_net.pt2
echo
echo "== pt2c show examples/simple_net.pt2"
build/pt2c show examples/simple_net.pt2
echo "== pt2c extract examples/simple_net.pt2 build/simple_net_tensors"
build/pt2c extract examples/simple_net.pt2 build/simple_net_tensors
echo
echo "== pt2c run examples/simple_net.pt2 -o build/simple_net_outputs (its sample input)"
build/pt2c run examples/simple_net.pt2 -o build/simple_net_outputs
