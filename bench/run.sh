#!/usr/bin/env bash
# Builds a release binary and runs every benchmark scenario against ykien and
# its anchors (nginx, Waline), interleaved; prints one table.  Loopback only,
# every load bounded in time.  Arguments go to bench/run.py (--runs, --no-waline…).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup
command -v wrk >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq wrk; }
[ -d build-rel ] || meson setup build-rel --buildtype=release
meson compile -C build-rel
exec python3 bench/run.py --binary build-rel/ykien --seed build-rel/bench/ykien-seed "$@"
