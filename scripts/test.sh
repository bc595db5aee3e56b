#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: the format check,
# unit and interop tests (CTest), and a short fuzz run.
# In CI (CI=true) a missing prerequisite is a failure, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/check_format.sh
bash scripts/build.sh
# --no-tests=error: a run that finds no test fails instead of passing.
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure --no-tests=error -j2
FUZZ_SECONDS=${FUZZ_SECONDS:-20} bash scripts/fuzz.sh
