#!/usr/bin/env bash
# Builds sealsync in Release (build-bench/) and runs the sealing benchmarks
# side by side: in-process seal+unseal, in-process bulk age, and sealctl
# against the age CLI on the same 64 MiB file. Prints markdown for
# docs/benchmarks.md. Run on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
BUILD_DIR=build-bench BUILD_TYPE=Release bash scripts/build.sh \
  -DSEALSYNC_BUILD_TESTS=OFF >/dev/null
echo "### In process (Google Benchmark, pinned to core 0)"
echo '```'
taskset -c 0 build-bench/bench/seal_bench --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true 2>/dev/null | grep -E "median|Benchmark|---"
echo '```'
echo
echo "### sealctl vs age CLI"
RUNS=${RUNS:-5} bash bench/age_cli.sh build-bench
