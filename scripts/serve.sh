#!/usr/bin/env bash
# Builds the playground and serves it on 127.0.0.1 (PORT, default 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-web.sh
port="${PORT:-8080}"
echo
echo "  Groklab is served at  http://127.0.0.1:$port/"
echo "  (for example http://127.0.0.1:$port/#preset=quick-grok&backend=cpu&autoplay=1)  Ctrl-C stops it."
echo
exec python3 -m http.server "$port" --bind 127.0.0.1 --directory dist
