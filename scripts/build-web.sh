#!/usr/bin/env bash
# Builds the playground into dist/ with Trunk (release, wasm-opt -O3), offline.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# The wasm build keeps its own persistent target dir, so it never invalidates the native one.
export CARGO_TARGET_DIR="${GROKLAB_WEB_TARGET_DIR:-$HOME/.cache/groklab/target-web}"
trunk build --release >&2
