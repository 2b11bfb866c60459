#!/usr/bin/env bash
# `make bench`: native CPU steps/s against PyTorch, then the same presets in the browser
# (WebGPU and the wasm CPU backend), the wasm size, and the time to the first training step.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench throughput
scripts/build-web.sh
wasm=dist/groklab_bg.wasm
python3 -c 'import gzip, sys; b = open(sys.argv[1], "rb").read(); print(f"\nwasm size: {len(b)/1e6:.1f} MB raw, {len(gzip.compress(b, 9))/1e6:.1f} MB gzipped (gzip -9)")' "$wasm"
port="${GROKLAB_TEST_PORT:-8766}"
python3 -m http.server "$port" --bind 127.0.0.1 --directory dist >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 50); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
GROKLAB_URL="http://127.0.0.1:$port/" node tests/browser/bench.mjs
