#!/usr/bin/env bash
# End-to-end tests: the release build in Debian's headless Chromium with WebGPU (SwiftShader).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-web.sh
port="${GROKLAB_TEST_PORT:-8765}"
python3 -m http.server "$port" --bind 127.0.0.1 --directory dist >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 50); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
mkdir -p test-results
GROKLAB_URL="http://127.0.0.1:$port/" node --test --test-concurrency=1 tests/browser/
