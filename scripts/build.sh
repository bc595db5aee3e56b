#!/usr/bin/env bash
# Configures and builds sealsync into BUILD_DIR (default build/).
# Usage: scripts/build.sh [extra cmake args]
# TARGETS="a b" builds only those ninja targets (default: everything).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" "$@" >/dev/null
# shellcheck disable=SC2086
ninja -C "$BUILD_DIR" ${TARGETS:-}
