#!/usr/bin/env bash
# The perf matrix and the WebGPU conformance matrix on a lent GPU machine that has no Node, no network and
# none of the workspace's node_modules (how results/nvidia-h100/ was made; see ../README.md).
#
#   bash packages/bench/scripts/gpu-machine.sh carry    # here, after `pnpm build`: stages .devcarry/ (Node, the
#                                                       # built CLIs and their npm packages, xz) and .gl/ (the
#                                                       # Vulkan loader); list both in .git/info/exclude
#   bash packages/bench/scripts/gpu-machine.sh device   # there, from the repository root, with .devcarry and .gl
#                                                       # carried: writes bench.{json,md,svg}, matrix.json, logs
#                                                       # and the GPU clocks during the bench to $OUT
#
# Environment for `device`: STEPS (default "matrix spotcheck bench"; "sweep" adds scripts/gpu-split-sweep.mjs),
# BENCH_ARGS (default: the full grid on webgpu, its tfjs WebGPU peer and the cheap CPU targets, 5 s per cell),
# MATRIX_TIMEOUT and BENCH_TIMEOUT (seconds since the start); for a dry run elsewhere,
# ICDS=/usr/lib/chromium/vk_swiftshader_icd.json REQUIRE_GPU=0.
set -euo pipefail
cd "$(dirname "$0")/../../.."

case "${1:-}" in
carry)
  stage=$(mktemp -d)
  node packages/bench/scripts/gpu-carry.mjs . "$stage" >/dev/null
  rm -rf .devcarry && mkdir -p .devcarry .gl
  tar -C "$stage" -cf - . | xz -6 >.devcarry/app.tar.xz
  xz -6 -c "$(command -v node)" >.devcarry/node.xz
  rm -rf "$stage"
  # Dawn loads libvulkan.so.1; the NVIDIA ICD (libGLX_nvidia.so.0, from the device's driver) needs glvnd.
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  mkdir -p /tmp/amd64/partial && apt-get $o update -qq &&
    (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
  du -sh .devcarry .gl
  ;;
device)
  OUT=${OUT:-reports/gpu-machine}
  mkdir -p "$OUT"
  for f in .gl/*.deb; do if [ -e "$f" ]; then dpkg -x "$f" /; fi; done
  ldconfig
  mkdir -p /tmp/attnkit-node
  if command -v xz >/dev/null; then
    xz -dc .devcarry/node.xz >/tmp/attnkit-node/node
    tar -xJf .devcarry/app.tar.xz
  else
    python3 -c 'import lzma,shutil,tarfile;shutil.copyfileobj(lzma.open(".devcarry/node.xz"),open("/tmp/attnkit-node/node","wb"));tarfile.open(".devcarry/app.tar.xz").extractall(".")'
  fi
  chmod +x /tmp/attnkit-node/node
  export PATH=/tmp/attnkit-node:$PATH
  export LD_LIBRARY_PATH=${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}/usr/local/nvidia/lib64:/usr/local/nvidia/lib
  # Dawn on the NVIDIA Vulkan driver, never SwiftShader: the backend must report the real GPU (runsOn.device 'gpu').
  probe='const { createBackend } = await import("@attnkit/backend-webgpu"); const b = await createBackend();
    console.log(JSON.stringify(b.runsOn)); b.dispose(); process.exit(b.runsOn.device === "gpu" || process.env.REQUIRE_GPU === "0" ? 0 : 3);'
  found=
  for icd in ${ICDS:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json}; do
    [ -f "$icd" ] || continue
    if VK_ICD_FILENAMES=$icd VK_DRIVER_FILES=$icd node --input-type=module -e "$probe" >/tmp/attnkit-adapter.txt 2>&1; then found=$icd && break; fi
    cat /tmp/attnkit-adapter.txt
  done
  { node --version; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true; cat /tmp/attnkit-adapter.txt; } | tee "$OUT/machine.txt"
  if [ -z "$found" ]; then
    ls /usr/local/nvidia/share/vulkan/icd.d /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>&1 || true
    ldconfig -p | grep -Ei 'vulkan|GLX_nvidia' || true
    echo "no NVIDIA Vulkan adapter for Dawn" && exit 3
  fi
  export VK_ICD_FILENAMES=$found VK_DRIVER_FILES=$found
  set +e
  steps=" ${STEPS:-matrix spotcheck bench} "
  if [[ $steps == *" matrix "* ]]; then
    # The conformance matrix of the WebGPU backend against the float64 reference (full tier).
    timeout "${MATRIX_TIMEOUT:-150}" node packages/matrix/dist/cli.js --backends webgpu --json "$OUT/matrix.json" >"$OUT/matrix.log" 2>&1
    echo "matrix exit $?"
  fi
  if [[ $steps == *" spotcheck "* ]]; then
    # The benchmarked cells themselves (T up to 16,384), sampled rows against float64.
    timeout 120 node packages/bench/scripts/gpu-spotcheck.mjs >"$OUT/spotcheck.log" 2>&1
    echo "spotcheck exit $?"
  fi
  if [[ $steps == *" bench "* ]]; then
    # The perf matrix in what is left of BENCH_TIMEOUT (partial reports are written after each case), with
    # the GPU's clocks sampled beside it (read only).
    nvidia-smi --query-gpu=timestamp,pstate,clocks.sm,clocks.mem,utilization.gpu,power.draw --format=csv -lms 100 >"$OUT/clocks.csv" 2>/dev/null &
    smi=$!
    # shellcheck disable=SC2086
    timeout "$((${BENCH_TIMEOUT:-540} - SECONDS))" node packages/bench/dist/cli.js \
      ${BENCH_ARGS:---backends webgpu,tfjs-webgpu-naive,reference,tfjs-wasm,tfjs-wasm-naive --max-seconds-per-cell 5} \
      --out "$OUT" >"$OUT/bench.log" 2>&1
    echo "bench exit $? after ${SECONDS} s"
    kill "$smi" 2>/dev/null
  fi
  if [[ $steps == *" sweep "* ]]; then
    # The split-over-keys variants of the few-query cases, timed side by side (the tuner's heuristic).
    timeout 120 node packages/bench/scripts/gpu-split-sweep.mjs >"$OUT/split-sweep.log" 2>&1
    echo "sweep exit $?"
  fi
  for f in matrix spotcheck bench split-sweep; do if [ -f "$OUT/$f.log" ]; then tail -n 30 "$OUT/$f.log"; fi; done
  ;;
*)
  sed -n '2,15p' "$0"
  exit 2
  ;;
esac
