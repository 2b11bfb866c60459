#!/usr/bin/env bash
# Builds the playground and serves it on 127.0.0.1 (PORT, default 8080), cross-origin isolated.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-web.sh
port="${PORT:-8080}"
echo
echo "  Groklab is served at  http://127.0.0.1:$port/"
echo "  (for example http://127.0.0.1:$port/#preset=quick-grok&backend=cpu&autoplay=1)  Ctrl-C stops it."
echo
# Cross-origin isolated (scripts/serve.py), so that the CPU trains on every core.
exec python3 scripts/serve.py "$port" dist
