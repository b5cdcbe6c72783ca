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

  # lavapipe, Mesa's CPU Vulkan driver, as a second WebGPU adapter next to SwiftShader: the only one here with
  # shader-f16, so the float16 tier runs on it. Bookworm's own Mesa 22 lavapipe is rejected by Dawn; Mesa 25 from
  # bookworm-backports is accepted. The suite goes in a file of its own, on the mirror and key debian.sources
  # already names (no host is written into this repository). Tests pick it through VK_ICD_FILENAMES.
  # Installed: /usr/share/vulkan/icd.d/lvp_icd.json. Stock bookworm's 22.x package (whose manifest is
  # lvp_icd.x86_64.json) does not count: the package's version tells them apart.
  DEBIAN_SOURCES=/etc/apt/sources.list.d/debian.sources
  BACKPORTS_SOURCES=/etc/apt/sources.list.d/debian-backports.sources
  lvp_version=$(dpkg-query -W -f='${Status} ${Version}' mesa-vulkan-drivers 2>/dev/null | sed -n 's/^install ok installed //p')
  if ! dpkg --compare-versions "${lvp_version:-0}" ge 25 && grep -q '^Suites:.*\bbookworm\b' "$DEBIAN_SOURCES" 2>/dev/null; then
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    if [[ ! -f "$BACKPORTS_SOURCES" ]]; then
      # The first stanza's URI and key: the one that lists bookworm itself (debian-security comes after it).
      uri=$(awk '/^URIs:/ {print $2; exit}' "$DEBIAN_SOURCES")
      key=$(awk '/^Signed-By:/ {print $2; exit}' "$DEBIAN_SOURCES")
      echo "setup: adding bookworm-backports ($uri) for Mesa's lavapipe"
      printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: %s\n' "$uri" "$key" |
        $SUDO tee "$BACKPORTS_SOURCES" >/dev/null
    fi
    echo "setup: installing lavapipe (mesa-vulkan-drivers from bookworm-backports)"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
      -t bookworm-backports mesa-vulkan-drivers >/dev/null
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

# What this machine offers for the float16 tier, for backend-webgpu's lavapipe test: a machine set up here that
# should have lavapipe and lacks it fails that test instead of skipping every float16 case.
mkdir -p node_modules/.cache/attnkit
if [[ -f /usr/share/vulkan/icd.d/lvp_icd.json ]]; then
  echo "installed" >node_modules/.cache/attnkit/lavapipe
elif grep -q '^Suites:.*\bbookworm\b' /etc/apt/sources.list.d/debian.sources 2>/dev/null; then
  echo "missing: setup.sh should have installed it from bookworm-backports" >node_modules/.cache/attnkit/lavapipe
else
  echo "unavailable: not a Debian bookworm machine (setup.sh installs lavapipe from bookworm-backports)" \
    >node_modules/.cache/attnkit/lavapipe
fi
echo "setup: done"
