#!/usr/bin/env bash
# `make bench`: native CPU steps/s against PyTorch, then the same presets in the browser
# (WebGPU and the wasm CPU backend), the wasm size, and the time to the first training step.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench throughput
# The launches again with burn's fusion on, as the browser build has it (fused and not).
cargo bench --features fusion --bench throughput -- --only launches
scripts/build-web.sh
for wasm in dist/groklab_bg.wasm dist/threads/groklab_bg.wasm; do
  python3 -c 'import gzip, sys; b = open(sys.argv[1], "rb").read(); print(f"\nwasm size, {sys.argv[2]}: {len(b)/1e6:.1f} MB raw, {len(gzip.compress(b, 9))/1e6:.2f} MB gzipped (gzip -9)")' \
    "$wasm" "$([ "$wasm" = dist/groklab_bg.wasm ] && echo 'the WebGPU build' || echo 'the threaded CPU build')"
done
# Served both ways (scripts/serve.py): plain, and cross-origin isolated (the CPU on every core).
port="${GROKLAB_TEST_PORT:-8767}"
python3 scripts/serve.py "$port" dist --plain &
server=$!
python3 scripts/serve.py $((port + 1)) dist &
server2=$!
trap 'kill $server $server2 2>/dev/null' EXIT
for p in "$port" $((port + 1)); do
  for _ in $(seq 50); do (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break; sleep 0.1; done
done
GROKLAB_URL="http://127.0.0.1:$port/" GROKLAB_ISOLATED_URL="http://127.0.0.1:$((port + 1))/" node tests/browser/bench.mjs
