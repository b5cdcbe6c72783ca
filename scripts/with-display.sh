#!/usr/bin/env bash
# Runs a command with an X display: as is when DISPLAY is set, under `xvfb-run -a` otherwise.
# headless-gl (gpu.js in Node) needs one; without it gpu.js would fall back silently, so it must be there.
set -euo pipefail
if [[ -n "${DISPLAY:-}" ]] || ! command -v xvfb-run >/dev/null; then
  exec "$@"
fi
exec xvfb-run -a -s "-screen 0 1280x1024x24" "$@"
