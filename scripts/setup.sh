#!/usr/bin/env bash
# Installs everything attnkit needs on a fresh Debian machine, idempotently:
# system packages (only the missing ones), the pinned pnpm, the workspace's dependencies, and a build.
# Safe to run again and again; a second run does (almost) nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=$(node -p "require('./package.json').packageManager.split('@')[1]")

# System packages, grouped by what needs them. Keep each list next to its reason.
APT_PACKAGES=(
  # headless Chromium for the browser conformance runs (driven by playwright-core; never a downloaded browser)
  chromium
  # Xvfb for headless-gl (gpu.js in Node); build tools for native addons
  # libvulkan1 lets Dawn (the `webgpu` package) load SwiftShader's Vulkan driver shipped with chromium
  libvulkan1
  xvfb xauth build-essential python3 pkg-config
  libxi-dev libglu1-mesa-dev libglew-dev libx11-dev libxext-dev libgl1-mesa-dri
  # clang and wasm-ld with the wasm32 target build @attnkit/backend-wasm's kernels from csrc/ (19: clang 14
  # emits relaxed SIMD under its pre-standard opcodes, which engines refuse)
  clang-19 lld-19
)
if [[ "${ATTNKIT_SKIP_APT:-0}" != "1" ]]; then
  missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    echo "setup: installing system packages: ${missing[*]}"
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# pnpm: corepack fails on these machines, so install the exact pinned version with npm.
if ! command -v pnpm >/dev/null || [[ "$(pnpm --version)" != "$PNPM_VERSION" ]]; then
  echo "setup: installing pnpm@$PNPM_VERSION"
  npm install -g --silent "pnpm@$PNPM_VERSION"
fi

export ONNXRUNTIME_NODE_INSTALL=skip
if [[ "${CI:-}" == "true" ]]; then
  pnpm install --frozen-lockfile --reporter=append-only
else
  pnpm install --reporter=append-only
fi
pnpm run build --output-logs=errors-only
echo "setup: done"
