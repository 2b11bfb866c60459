#!/usr/bin/env bash
# End-to-end tests: the release build in Debian's headless Chromium with WebGPU (SwiftShader).
set -euo pipefail
cd "$(dirname "$0")/.."
# The page and `groklab report` use the vendored uPlot; it must be package.json's version.
for f in dist/uPlot.esm.js dist/uPlot.min.css LICENSE; do cmp "node_modules/uplot/$f" "vendor/uplot/${f#dist/}" || { echo "browser-tests: vendor/uplot/${f#dist/} differs from node_modules/uplot/$f: copy it again" >&2; exit 1; }; done
scripts/build-web.sh
port="${GROKLAB_TEST_PORT:-8765}"
# The tests must reach this build's server, not another one already on the port.
if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "browser-tests: something already listens on 127.0.0.1:$port; stop it or set GROKLAB_TEST_PORT" >&2
  exit 1
fi
# Two servers of the same build: without the cross-origin isolation headers, as most static
# hosts serve it (the CPU on one thread: most tests), and with them, as `make serve` does (the
# CPU on every core: threads.test.mjs).
isolated=$((port + 1))
if (echo >"/dev/tcp/127.0.0.1/$isolated") 2>/dev/null; then
  echo "browser-tests: something already listens on 127.0.0.1:$isolated; stop it or set GROKLAB_TEST_PORT" >&2
  exit 1
fi
python3 scripts/serve.py "$port" dist --plain &
server=$!
python3 scripts/serve.py "$isolated" dist &
server2=$!
# `|| true`: under set -e a failing command in the EXIT trap would become the script's status.
trap 'kill $server $server2 2>/dev/null || true' EXIT
for p in "$port" "$isolated"; do
  for _ in $(seq 50); do (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break; sleep 0.1; done
done
mkdir -p test-results
# A diverged run written by the real CLI (built by `cargo test`), for the page to open.
bin="${CARGO_TARGET_DIR:-$HOME/.cache/groklab-target}/release/groklab"
[ -x "$bin" ] || { echo "browser-tests: $bin is missing (cargo test --release --bins builds it)" >&2; exit 1; }
rm -f test-results/diverged.json
"$bin" train --preset omnigrok-wd0 --quiet --set 'model.widths=[256,256,256,256,256,256,256,256]' \
  --set model.activation=relu --set optim.rest.lr=10 --set train.eval_every=1 --steps 300 \
  --out test-results/diverged.json >/dev/null 2>&1 || true  # exit 1: it diverges, as meant
[ -s test-results/diverged.json ] || { echo "browser-tests: the CLI wrote no diverged run" >&2; exit 1; }
# And a short run with snapshots, for the inside views to open.
"$bin" train --preset quick-grok --quiet --steps 600 --twin-seed 7 --out test-results/quick.json >/dev/null
# Its report page, which report.test.mjs opens from file:// with the network blocked.
"$bin" report test-results/quick.json -o test-results/quick.html >/dev/null
GROKLAB_URL="http://127.0.0.1:$port/" GROKLAB_ISOLATED_URL="http://127.0.0.1:$isolated/" node --test --test-concurrency="${GROKLAB_TEST_CONCURRENCY:-2}" tests/browser/
