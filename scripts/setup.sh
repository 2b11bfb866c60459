#!/usr/bin/env bash
# Installs whatever `make test`, `make serve` and `make bench` need on a Debian machine, and
# returns in about a second when everything is already there.
#   scripts/setup.sh native   Rust toolchain (pinned in rust-toolchain.toml), Vulkan (lavapipe)
#   scripts/setup.sh web      + Chromium, binaryen, wasm-bindgen-cli, Trunk, npm packages
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-native}"

say() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages, installed only when one is missing.
apt_need() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq >/dev/null || true
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# rustup installs the toolchain and targets pinned in rust-toolchain.toml on first use.
if ! command -v rustup >/dev/null; then
  say "rustup is required: https://rustup.rs"; exit 1
fi
rustup show active-toolchain >/dev/null 2>&1 || rustup toolchain install >/dev/null
# Older rustups do not install the listed targets automatically.
rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown >/dev/null

# Native wgpu tests run on Mesa's lavapipe (a Vulkan driver on the CPU) where there is no GPU.
apt_need pkg-config libvulkan1 mesa-vulkan-drivers

[ "$what" = native ] && exit 0

apt_need chromium binaryen
